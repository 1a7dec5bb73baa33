import { expect } from 'chai';
import { type Anchor, anchorOf, parseAnchor } from '../anchor.js';
import { InvalidAnchorError } from '../errors.js';
import { type LocalTimestampAuthority, startLocalTimestampAuthority } from '../testing/local-timestamp-authority.js';
import { rfc3161TimestampAuthority } from './rfc3161-timestamp-authority.js';
import { renewAnchorTimestamp, timestampAnchor } from './timestamp-authority.js';
import { checkAnchorTimestamp, type TimestampCheck } from './timestamp-token.js';

const HOUR = 3_600_000;

function anAnchor(register = 'registre-stupefiants'): Anchor {
  return anchorOf([{ streamId: register, revision: 4, hash: 'ab'.repeat(32) }], new Date(), {
    events: 5,
    hash: 'cd'.repeat(32),
  });
}

describe('renewals of an anchor’s time-stamp (RFC 4998, simplified)', function () {
  this.timeout(30_000);
  let first: LocalTimestampAuthority;
  let second: LocalTimestampAuthority;
  let renewed: Anchor;
  let trustedCertificates: string;

  before(async () => {
    [first, second] = await Promise.all([startLocalTimestampAuthority(), startLocalTimestampAuthority()]);
    trustedCertificates = first.caCertificate + second.caCertificate;
    const stamped = await timestampAnchor(anAnchor(), rfc3161TimestampAuthority({ url: first.url }));
    renewed = await renewAnchorTimestamp(stamped, rfc3161TimestampAuthority({ url: second.url }));
  });
  after(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  const problemOf = (checked: TimestampCheck | undefined) =>
    checked?.ok === false ? { problem: checked.problem, renewal: checked.renewal } : checked;

  it('adds a token over the digest and the first token, from another authority, kept through the JSON', async () => {
    // when the renewed anchor is read back and checked
    const readBack = parseAnchor(JSON.parse(JSON.stringify(renewed)));
    const checked = await checkAnchorTimestamp(readBack, { trustedCertificates });

    // then both tokens hold, the renewal not before the first
    expect(readBack).to.deep.equal(renewed);
    expect(renewed.renewals).to.have.length(1);
    expect(renewed.renewals?.[0]?.authority).to.equal(second.url);
    expect(checked).to.deep.include({ ok: true, trusted: true });
    const renewal = checked?.ok ? checked.renewals[0] : undefined;
    expect(renewal).to.deep.include({ trusted: true, authority: 'Horodatage de test DUI-PDS' });
    expect(renewal?.time.getTime()).to.be.at.least(checked?.ok ? checked.time.getTime() : Number.NaN);
  });

  it('renews again over the latest renewal, and refuses an anchor never stamped', async () => {
    // when
    const twice = await renewAnchorTimestamp(renewed, rfc3161TimestampAuthority({ url: first.url }));
    const unstamped = await renewAnchorTimestamp(anAnchor(), rfc3161TimestampAuthority({ url: first.url })).catch(
      (error: unknown) => error,
    );

    // then
    expect(twice.renewals).to.have.length(2);
    expect(await checkAnchorTimestamp(twice, { trustedCertificates })).to.deep.include({ ok: true });
    expect(unstamped).to.be.instanceOf(InvalidAnchorError);
  });

  it('says which renewal does not hold: one of another anchor, or over another token of this one', async () => {
    // given the first token replaced by another anchor's, and the renewal replaced by one of another anchor
    const other = await renewAnchorTimestamp(
      await timestampAnchor(anAnchor('registre-b'), rfc3161TimestampAuthority({ url: first.url })),
      rfc3161TimestampAuthority({ url: second.url }),
    );
    const swappedFirst = { ...renewed, timestamp: { ...renewed.timestamp!, token: other.timestamp!.token } };
    const swappedRenewal = { ...renewed, renewals: other.renewals };
    // and the same anchor stamped anew, given the renewal of its first stamp
    const restamped = await timestampAnchor(renewed, rfc3161TimestampAuthority({ url: first.url }));

    // when / then: the first token is told first; a renewal over another token, by its number
    expect(problemOf(await checkAnchorTimestamp(swappedFirst, { trustedCertificates }))).to.deep.equal({
      problem: 'imprint',
      renewal: undefined,
    });
    expect(problemOf(await checkAnchorTimestamp(swappedRenewal, { trustedCertificates }))).to.deep.equal({
      problem: 'imprint',
      renewal: 1,
    });
    expect(restamped.timestamp?.token).not.to.equal(renewed.timestamp?.token);
    expect(problemOf(await checkAnchorTimestamp(restamped, { trustedCertificates }))).to.deep.equal({
      problem: 'imprint',
      renewal: 1,
    });
  });

  it('keeps the first token when its authority’s key is declared compromised after the renewal, not before', async () => {
    // given the first authority's key declared compromised an hour after the renewal, or at its time
    const renewedAt = new Date(renewed.renewals![0]!.time);
    const listOf = (at: Date) => first.revocationList({ revoked: { at, reason: 'keyCompromise' } });
    const secondsList = await second.revocationList();
    const checkedWith = async (firstsList: string) =>
      checkAnchorTimestamp(renewed, { trustedCertificates, revocationLists: firstsList + secondsList });

    // when
    const compromisedLater = await checkedWith(await listOf(new Date(renewedAt.getTime() + HOUR)));
    const compromisedBefore = await checkedWith(await listOf(renewedAt));

    // then the renewal proves the first token existed before the compromise was declared, or not
    expect(compromisedLater).to.deep.include({ ok: true, revocationChecked: true });
    expect(problemOf(compromisedBefore)).to.deep.equal({ problem: 'revoked', renewal: undefined });
  });

  it('fails on the latest renewal when its own authority’s key is compromised: nothing proves it came before', async () => {
    const lists =
      (await first.revocationList()) +
      (await second.revocationList({
        revoked: { at: new Date(Date.parse(renewed.renewals![0]!.time) + HOUR), reason: 'keyCompromise' },
      }));

    const checked = await checkAnchorTimestamp(renewed, { trustedCertificates, revocationLists: lists });

    expect(problemOf(checked)).to.deep.equal({ problem: 'revoked', renewal: 1 });
  });

  it('refuses a renewal in a file that has no first time-stamp', () => {
    const { timestamp: _, ...withoutFirst } = JSON.parse(JSON.stringify(renewed));

    expect(() => parseAnchor(withoutFirst)).to.throw(InvalidAnchorError, /renews a time-stamp it does not have/);
  });
});
