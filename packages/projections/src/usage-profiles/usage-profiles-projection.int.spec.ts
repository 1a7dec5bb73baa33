import {
  type UsageProfileEvent,
  type UsageProfileFields,
  type UsageProfileRecorded,
  usageProfileStreamId,
} from '@dui-pds/domain';
import { PATIENT_USAGE_PROFILE } from '@dui-pds/domain/testing';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { usageProfilesProjection } from './usage-profiles-projection.js';
import { usageProfileOf, usageProfilesOf } from './usage-profiles-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const otherCsapa = '750000002';
const profileIds = {
  2025: '0195f0a0-0000-7000-8000-0000000000c5',
  2026: '0195f0a0-0000-7000-8000-0000000000c6',
} as const;

function recorded(
  year: 2025 | 2026,
  fields: Partial<UsageProfileFields> = {},
  where: { serviceUserId?: string; facilityId?: string; organisation?: string; occurredAt?: string } = {},
): GivenEvent {
  const serviceUserId = where.serviceUserId ?? 'usager-1';
  const facilityId = where.facilityId ?? csapa;
  const organisation = where.organisation ?? organisationId;
  const data: UsageProfileRecorded = {
    profileId: profileIds[year],
    serviceUserId,
    facilityId,
    year,
    ...PATIENT_USAGE_PROFILE,
    ...fields,
  };
  const event: UsageProfileEvent = { type: 'UsageProfileRecorded', data };
  return {
    ...event,
    streamId: usageProfileStreamId(organisation, serviceUserId, facilityId, year),
    metadata: {
      organisationId: organisation,
      facilityId,
      serviceUserId,
      ...(where.occurredAt === undefined ? {} : { occurredAt: where.occurredAt }),
    },
  };
}

const row = (year: 2025 | 2026, serviceUserId = 'usager-1', facilityId = csapa) => ({
  organisation_id: organisationId,
  service_user_id: serviceUserId,
  facility_id: facilityId,
  year,
  profile_id: profileIds[year],
});

describe('the usage profiles projection', () => {
  const spec = ProjectionSpecification.for(usageProfilesProjection);
  after(() => spec.close());

  it('keeps the latest profile per usager, ESSMS and year, with its corrections and revision', () =>
    spec
      .given([
        recorded(2025, {}, { occurredAt: '2025-12-31T23:30:00Z' }),
        recorded(2026),
        recorded(2026, { mainProduct: 'cocaine', housing: 'stable' }, { occurredAt: '2026-02-01T10:00:00Z' }),
        recorded(
          2026,
          { population: 'entourage', mainProduct: null, useLevel: null, injection: null },
          {
            serviceUserId: 'usager-2',
          },
        ),
      ])
      .thenTable('profiles', [
        {
          ...row(2025),
          population: 'patient',
          referral: 'physician',
          housing: 'precarious',
          income: 'minimumIncome',
          main_product: 'opioids',
          use_level: 'dependence',
          injection: 'past',
          recorded_on: '2026-01-01',
          corrections: 0,
          revision: 0,
        },
        {
          ...row(2026),
          population: 'patient',
          referral: 'physician',
          housing: 'stable',
          income: 'minimumIncome',
          main_product: 'cocaine',
          use_level: 'dependence',
          injection: 'past',
          recorded_on: '2026-02-01',
          corrections: 1,
          revision: 1,
        },
        {
          ...row(2026, 'usager-2'),
          population: 'entourage',
          referral: 'physician',
          housing: 'precarious',
          income: 'minimumIncome',
          main_product: null,
          use_level: null,
          injection: null,
          recorded_on: '2025-03-31',
          corrections: 0,
          revision: 0,
        },
      ]));

  it('drops a forgotten usager’s profiles and keeps the others’', () =>
    spec
      .given([
        erased(recorded(2025)),
        erased(recorded(2026)),
        erased(recorded(2026, { mainProduct: 'alcohol' })),
        recorded(2026, { income: 'employment' }, { serviceUserId: 'usager-2' }),
      ])
      .thenTable('profiles', [
        {
          ...row(2026, 'usager-2'),
          population: 'patient',
          referral: 'physician',
          housing: 'precarious',
          income: 'employment',
          main_product: 'opioids',
          use_level: 'dependence',
          injection: 'past',
          recorded_on: '2025-03-31',
          corrections: 0,
          revision: 0,
        },
      ]));

  it('answers one profile, or a usager’s profiles in an ESSMS, the latest year first', async () => {
    const schema = await spec.modelAfter([
      recorded(2025),
      recorded(2026, { referral: 'justice' }),
      recorded(2026, { referral: 'self' }, { facilityId: otherCsapa }),
      recorded(2026, { referral: 'school' }, { organisation: 'og-2' }),
    ]);
    const where = { organisationId, serviceUserId: 'usager-1' };
    expect(await usageProfileOf(spec.db, schema, { ...where, facilityId: csapa, year: 2026 })).to.deep.equal({
      profileId: profileIds[2026],
      serviceUserId: 'usager-1',
      facilityId: csapa,
      year: 2026,
      ...PATIENT_USAGE_PROFILE,
      referral: 'justice',
      recordedOn: '2025-03-31',
      corrections: 0,
      revision: 0,
    });
    expect(await usageProfileOf(spec.db, schema, { ...where, facilityId: csapa, year: 2024 })).to.equal(null);
    const inCsapa = await usageProfilesOf(spec.db, schema, { ...where, facilityId: csapa });
    expect(inCsapa.map(({ year, referral }) => [year, referral])).to.deep.equal([
      [2026, 'justice'],
      [2025, 'physician'],
    ]);
    const everywhere = await usageProfilesOf(spec.db, schema, where);
    expect(everywhere.map(({ year, facilityId }) => [year, facilityId])).to.deep.equal([
      [2026, csapa],
      [2026, otherCsapa],
      [2025, csapa],
    ]);
    expect(await usageProfilesOf(spec.db, schema, { organisationId: 'og-3', serviceUserId: 'usager-1' })).to.deep.equal(
      [],
    );
  });

  it('holds one row per usager, ESSMS and year: the last recorded (property)', async () => {
    const referral = fc.constantFrom('self', 'family', 'justice', 'unknown' as const);
    const attempt = fc.record({
      year: fc.constantFrom(2025 as const, 2026 as const),
      serviceUserId: fc.constantFrom('usager-1', 'usager-2'),
      facilityId: fc.constantFrom(csapa, otherCsapa),
      referral,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 12 }), async (attempts) => {
        const last = new Map<string, string>();
        for (const { year, serviceUserId, facilityId, referral: code } of attempts) {
          last.set(`${serviceUserId}|${facilityId}|${year}`, code);
        }
        const schema = await spec.modelAfter(
          attempts.map(({ year, serviceUserId, facilityId, referral: code }) =>
            recorded(year, { referral: code }, { serviceUserId, facilityId }),
          ),
        );
        const rows = (await spec.db.withSchema(schema).table('profiles').select()) as {
          service_user_id: string;
          facility_id: string;
          year: number;
          referral: string;
        }[];
        expect(
          Object.fromEntries(rows.map((r) => [`${r.service_user_id}|${r.facility_id}|${r.year}`, r.referral])),
        ).to.deep.equal(Object.fromEntries(last));
        expect(rows).to.have.length(last.size);
      }),
      { numRuns: 20 },
    );
  });
});
