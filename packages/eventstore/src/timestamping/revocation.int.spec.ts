import { expect } from 'chai';
import { type Anchor, anchorOf } from '../anchor.js';
import { TimestampError } from '../errors.js';
import { type LocalTimestampAuthority, startLocalTimestampAuthority } from '../testing/local-timestamp-authority.js';
import { rfc3161TimestampAuthority } from './rfc3161-timestamp-authority.js';
import { timestampAnchor } from './timestamp-authority.js';
import { checkAnchorTimestamp, type TimestampCheck } from './timestamp-token.js';

const HOUR = 3_600_000;

describe('RFC 3161 time-stamps of anchors, against the authority’s revocation lists', function () {
  this.timeout(30_000);
  let authority: LocalTimestampAuthority;
  let otherAuthority: LocalTimestampAuthority;
  let stamped: Anchor;
  let stampedAt: Date;

  before(async () => {
    [authority, otherAuthority] = await Promise.all([startLocalTimestampAuthority(), startLocalTimestampAuthority()]);
    const anchor = anchorOf([{ streamId: 'registre-stupefiants', revision: 4, hash: 'ab'.repeat(32) }], new Date(), {
      events: 5,
      hash: 'cd'.repeat(32),
    });
    stamped = await timestampAnchor(anchor, rfc3161TimestampAuthority({ url: authority.url }));
    stampedAt = new Date(stamped.timestamp!.time);
  });
  after(async () => {
    await Promise.all([authority.close(), otherAuthority.close()]);
  });

  const checkedWith = (revocationLists: string): Promise<TimestampCheck | undefined> =>
    checkAnchorTimestamp(stamped, { trustedCertificates: authority.caCertificate, revocationLists });
  const problemOf = (checked: TimestampCheck | undefined) => (checked?.ok === false ? checked.problem : checked);

  it('holds when its issuer’s current list does not list the authority', async () => {
    // given a list of the authority's issuer that revokes nothing
    const list = await authority.revocationList();

    // when
    const checked = await checkedWith(list);

    // then
    expect(checked).to.deep.include({ ok: true, trusted: true, revocationChecked: true });
  });

  it('fails when the authority’s key was compromised, even after the stamp', async () => {
    const list = await authority.revocationList({
      revoked: { at: new Date(stampedAt.getTime() + HOUR), reason: 'keyCompromise' },
    });

    const checked = await checkedWith(list);

    expect(problemOf(checked)).to.equal('revoked');
    expect(checked?.ok === false && checked.detail).to.match(/keyCompromise/);
  });

  it('fails when the authority was revoked with no reason given, even after the stamp (RFC 3161, 4)', async () => {
    const list = await authority.revocationList({ revoked: { at: new Date(stampedAt.getTime() + HOUR) } });

    expect(problemOf(await checkedWith(list))).to.equal('revoked');
  });

  it('holds when the authority was retired after the stamp, fails when before it', async () => {
    // given the authority superseded an hour after the stamp, and another time an hour before it
    const after = await authority.revocationList({
      revoked: { at: new Date(stampedAt.getTime() + HOUR), reason: 'superseded' },
    });
    const before = await authority.revocationList({
      revoked: { at: new Date(stampedAt.getTime() - HOUR), reason: 'cessationOfOperation' },
    });

    // when / then
    expect(await checkedWith(after)).to.deep.include({ ok: true, revocationChecked: true });
    expect(problemOf(await checkedWith(before))).to.equal('revoked');
  });

  it('cannot tell from a list its issuer did not sign, nor from one that expired before the stamp', async () => {
    // given the list of another authority whose issuer bears the same name, so that only the
    // signature tells them apart; and this one's, due for renewal an hour before the stamp
    const foreign = await otherAuthority.revocationList();
    const stale = await authority.revocationList({
      lastUpdate: new Date(stampedAt.getTime() - 3 * HOUR),
      nextUpdate: new Date(stampedAt.getTime() - HOUR),
    });

    // when / then
    expect(problemOf(await checkedWith(foreign))).to.equal('revocation-unknown');
    expect(problemOf(await checkedWith(stale))).to.equal('revocation-unknown');
  });

  it('refuses revocation lists without trusted certificates, and a file that is not one', async () => {
    const list = await authority.revocationList();

    const withoutTrust = await checkAnchorTimestamp(stamped, { revocationLists: list }).catch((error) => error);
    const notAList = await checkedWith('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n').catch(
      (error) => error,
    );

    expect(withoutTrust).to.be.instanceOf(TimestampError);
    expect(notAList).to.be.instanceOf(TimestampError);
  });
});
