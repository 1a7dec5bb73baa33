import { type PortalAccountEvent, type PortalAccountInvited, portalAccountStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import {
  portalAccountById,
  portalAccountByLogin,
  portalAccountsOf,
  portalAccountsProjection,
} from './portal-accounts-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const ids = {
  camille: '0195f0a0-0000-7000-8000-0000000000e1',
  proche: '0195f0a0-0000-7000-8000-0000000000e2',
} as const;
type Account = keyof typeof ids;
const at = '2026-03-02T09:00:00.000Z';

const invited = (account: Account, data: Partial<PortalAccountInvited> = {}): PortalAccountEvent => ({
  type: 'PortalAccountInvited',
  data: {
    accountId: ids[account],
    login: account,
    serviceUserId: 'usager-1',
    facilityId: csapa,
    holder: 'service-user',
    invitationDigest: 'd'.repeat(43),
    expiresAt: '2026-03-05T09:00:00.000Z',
    invitedBy: 'pro-1',
    at,
    ...data,
  },
});
function stream(account: Account, events: PortalAccountEvent[]): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: portalAccountStreamId(organisationId, ids[account]),
    metadata: { organisationId, facilityId: csapa, serviceUserId: 'usager-1' },
  }));
}
const enrolled = (account: Account): PortalAccountEvent => ({
  type: 'PortalSecondFactorEnrolled',
  data: { accountId: ids[account], sealedTotpSecret: 'v1.sealed.secret.tag', at },
});
const revoked = (account: Account): PortalAccountEvent => ({
  type: 'PortalAccountRevoked',
  data: { accountId: ids[account], reason: 'désignation révoquée', revokedBy: 'pro-1', at },
});

describe('the portal accounts projection', () => {
  const spec = ProjectionSpecification.for(portalAccountsProjection);
  after(() => spec.close());

  it('keeps each account, its holder and status, and no secret', async () => {
    const schema = await spec.modelAfter([
      ...stream('camille', [invited('camille'), enrolled('camille')]),
      ...stream('proche', [
        invited('proche', { holder: 'trusted-person', trustedPersonId: 'tp-1' }),
        enrolled('proche'),
        revoked('proche'),
      ]),
    ]);
    const camille = await portalAccountByLogin(spec.db, schema, 'camille');
    const proche = await portalAccountById(spec.db, schema, ids.proche);
    expect(camille).to.include({ accountId: ids.camille, status: 'active', holder: 'service-user', revision: 1 });
    expect(proche).to.include({ status: 'revoked', holder: 'trusted-person', trustedPersonId: 'tp-1', revokedAt: at });
    expect(JSON.stringify(await portalAccountsOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })))
      .not.to.contain('sealed')
      .and.not.to.contain('ddddd');
  });

  it('drops a forgotten usager’s accounts', () =>
    spec
      .given(stream('camille', [invited('camille'), enrolled('camille')]).map((event) => erased(event)))
      .thenTable('accounts', []));
});
