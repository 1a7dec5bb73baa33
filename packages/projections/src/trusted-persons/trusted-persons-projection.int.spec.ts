import { type TrustedPersonEvent, trustedPersonsStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { trustedPersonsProjection } from './trusted-persons-projection.js';
import { trustedPersonOffersOf, trustedPersonsOf, trustedPersonsRevision } from './trusted-persons-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const first = '0195f0a0-0000-7000-8000-0000000000c1';
const second = '0195f0a0-0000-7000-8000-0000000000c2';

function stream(serviceUserId: string, events: TrustedPersonEvent[]): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: trustedPersonsStreamId(organisationId, serviceUserId),
    metadata: { organisationId, facilityId: csapa, serviceUserId },
  }));
}
const designated = (trustedPersonId: string, name: string, serviceUserId = 'usager-1'): TrustedPersonEvent => ({
  type: 'TrustedPersonDesignated',
  data: {
    trustedPersonId,
    serviceUserId,
    facilityId: csapa,
    person: { name, relationship: 'sœur', contact: { phone: '06 12 34 56 78', email: 'claire@example.org' } },
    scope: ['casf', 'csp'],
    designatedOn: trustedPersonId === first ? '2026-01-05' : '2026-03-11',
    mayConsultRecord: true,
  },
});

describe('the trusted persons projection', () => {
  const spec = ProjectionSpecification.for(trustedPersonsProjection);
  after(() => spec.close());

  it('gives a usager’s designations, the one in force first, with what the portal needs', async () => {
    // given a first designation revoked, a second one co-signed and attested, and an offer
    const schema = await spec.modelAfter([
      ...stream('usager-1', [
        {
          type: 'TrustedPersonOffered',
          data: {
            offerId: '0195f0a0-0000-7000-8000-0000000000f1',
            serviceUserId: 'usager-1',
            facilityId: csapa,
            offeredOn: '2026-01-05',
            answer: 'accepted',
          },
        },
        designated(first, 'Claire Martin'),
        { type: 'TrustedPersonCosigned', data: { trustedPersonId: first, cosignedOn: '2026-01-05', how: 'inPerson' } },
        { type: 'TrustedPersonRevoked', data: { trustedPersonId: first, revokedOn: '2026-03-10', how: 'orally' } },
        designated(second, 'Paul Martin'),
        { type: 'TrustedPersonCosigned', data: { trustedPersonId: second, cosignedOn: '2026-03-12', how: 'byPost' } },
        {
          type: 'TrustedPersonAttestationSigned',
          data: { trustedPersonId: second, attestedOn: '2026-03-12', directorId: 'pro-director' },
        },
      ]),
      ...stream('usager-2', [designated('0195f0a0-0000-7000-8000-0000000000c3', 'Autre usager', 'usager-2')]),
    ]);

    // when the portal reads them
    const designations = await trustedPersonsOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });

    // then
    expect(designations).to.deep.equal([
      {
        trustedPersonId: second,
        facilityId: csapa,
        name: 'Paul Martin',
        relationship: 'sœur',
        entryId: null,
        contact: { phone: '06 12 34 56 78', email: 'claire@example.org' },
        scope: ['casf', 'csp'],
        status: 'designated',
        designatedOn: '2026-03-11',
        cosignedOn: '2026-03-12',
        cosignedHow: 'byPost',
        attestationOn: '2026-03-12',
        attestationSignedBy: 'pro-director',
        consultationAllowedByUsager: true,
        mayConsultRecord: true,
      },
      {
        trustedPersonId: first,
        facilityId: csapa,
        name: 'Claire Martin',
        relationship: 'sœur',
        entryId: null,
        contact: { phone: '06 12 34 56 78', email: 'claire@example.org' },
        scope: ['casf', 'csp'],
        status: 'revoked',
        designatedOn: '2026-01-05',
        cosignedOn: '2026-01-05',
        cosignedHow: 'inPerson',
        revokedOn: '2026-03-10',
        revokedHow: 'orally',
        consultationAllowedByUsager: true,
        mayConsultRecord: false,
      },
    ]);
    expect(await trustedPersonOffersOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })).to.deep.equal([
      {
        offerId: '0195f0a0-0000-7000-8000-0000000000f1',
        facilityId: csapa,
        offeredOn: '2026-01-05',
        answer: 'accepted',
      },
    ]);
    expect(await trustedPersonsRevision(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })).to.equal(6);
    expect(await trustedPersonsRevision(spec.db, schema, { organisationId, serviceUserId: 'usager-9' })).to.equal(-1);
  });

  it('opens no consultation before the co-signature, nor once withdrawn', async () => {
    const schema = await spec.modelAfter(
      stream('usager-1', [
        designated(first, 'Claire Martin'),
        { type: 'TrustedPersonRecordConsultationWithdrawn', data: { trustedPersonId: first, on: '2026-01-06' } },
        { type: 'TrustedPersonCosigned', data: { trustedPersonId: first, cosignedOn: '2026-01-07', how: 'inPerson' } },
      ]),
    );
    const [designation] = await trustedPersonsOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' });
    expect(designation).to.include({ consultationAllowedByUsager: false, mayConsultRecord: false });
    const notCosigned = await spec.modelAfter(stream('usager-1', [designated(first, 'Claire Martin')]));
    const [pending] = await trustedPersonsOf(spec.db, notCosigned, { organisationId, serviceUserId: 'usager-1' });
    expect(pending).to.include({ status: 'designated', consultationAllowedByUsager: true, mayConsultRecord: false });
  });

  it('forgets a forgotten usager’s designations and offers', async () => {
    const schema = await spec.modelAfter([
      ...stream('usager-1', [designated(first, 'Claire Martin')]),
      ...stream('usager-1', [designated(second, 'x')]).map((event) => erased(event)),
    ]);
    expect(await trustedPersonsOf(spec.db, schema, { organisationId, serviceUserId: 'usager-1' })).to.deep.equal([]);
  });
});
