import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification, PATIENT_USAGE_PROFILE } from '../testing/index.js';
import {
  HOUSING_LABELS,
  HOUSINGS,
  INCOME_LABELS,
  INCOMES,
  INJECTION_LABELS,
  INJECTIONS,
  MAIN_PRODUCT_LABELS,
  MAIN_PRODUCTS,
  REFERRAL_LABELS,
  REFERRALS,
  type RecordUsageProfile,
  USAGE_POPULATION_LABELS,
  USAGE_POPULATIONS,
  USE_LEVEL_LABELS,
  USE_LEVELS,
  type UsageProfile,
  type UsageProfileEvent,
  type UsageProfileRecorded,
  usageProfileDecider,
  usageProfileEventSchemas,
  usageProfileStreamId,
  usageProfileStreamParts,
} from './usage-profile.js';

const spec = DeciderSpecification.for(usageProfileDecider);
const profileId = '0195f0a0-0000-7000-8000-0000000000c1';
const today = '2026-03-31';
const record: RecordUsageProfile = {
  type: 'RecordUsageProfile',
  profileId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  year: 2026,
  ...PATIENT_USAGE_PROFILE,
  today,
};
const { type: _, today: __, ...recordedData } = record;
const recorded: UsageProfileEvent = { type: 'UsageProfileRecorded', data: recordedData };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

describe('the usage profile of a usager for a year', () => {
  it('records the whole profile of a patient', () => {
    spec.given([]).when(record).thenEmits([recorded]);
  });

  it('replaces it with a later record under the same id, with the reason of the correction', () => {
    spec
      .given([recorded])
      .when({ ...record, mainProduct: 'cocaine', reason: ' produit principal revu en synthèse ' })
      .thenEmits([
        {
          type: 'UsageProfileRecorded',
          data: { ...recordedData, mainProduct: 'cocaine', reason: 'produit principal revu en synthèse' },
        },
      ]);
    spec
      .given([recorded])
      .when({ ...record, housing: 'stable' })
      .thenEmits([{ type: 'UsageProfileRecorded', data: { ...recordedData, housing: 'stable' } }]);
  });

  it('records nothing when the same profile is recorded again without a reason', () => {
    spec.given([recorded]).when(record).thenNothingHappens();
    spec
      .given([recorded])
      .when({ ...record, reason: '  ' })
      .thenNothingHappens();
  });

  it('refuses another id for a year that has a profile, and another usager, ESSMS or year on its stream', () => {
    spec
      .given([recorded])
      .when({ ...record, profileId: '0195f0a0-0000-7000-8000-0000000000c2' })
      .thenRefuses(refusedWith('USAGE_PROFILE_ID_MISMATCH'));
    for (const elsewhere of [{ serviceUserId: 'usager-2' }, { facilityId: '750000002' }, { year: 2025 }]) {
      spec
        .given([recorded])
        .when({ ...record, ...elsewhere })
        .thenRefuses(refusedWith('USAGE_PROFILE_ELSEWHERE'));
    }
  });

  it('records the entourage without a product, use level nor injection, and refuses them', () => {
    const entourage = {
      ...record,
      population: 'entourage' as const,
      mainProduct: null,
      useLevel: null,
      injection: null,
    };
    spec
      .given([])
      .when(entourage)
      .thenEmits([
        {
          type: 'UsageProfileRecorded',
          data: { ...recordedData, population: 'entourage', mainProduct: null, useLevel: null, injection: null },
        },
      ]);
    for (const patientField of [{ mainProduct: 'alcohol' }, { useLevel: 'use' }, { injection: 'never' }] as const) {
      spec
        .given([])
        .when({ ...entourage, ...patientField })
        .thenRefuses(refusedWith('USAGE_PROFILE_ENTOURAGE_HAS_NO_PRODUCT'));
    }
  });

  it('lets a patient have no main product identified yet', () => {
    const unknown = { ...record, mainProduct: null, useLevel: null, injection: null };
    const { type: _t, today: _d, ...data } = unknown;
    spec
      .given([])
      .when(unknown)
      .thenEmits([{ type: 'UsageProfileRecorded', data }]);
  });

  it('refuses a year after today’s or before 2000, a bad today and an unknown code', () => {
    spec
      .given([])
      .when({ ...record, year: 2027 })
      .thenRefuses(refusedWith('USAGE_PROFILE_YEAR_INVALID'));
    spec
      .given([])
      .when({ ...record, year: 1999 })
      .thenRefuses(refusedWith('USAGE_PROFILE_YEAR_INVALID'));
    spec
      .given([])
      .when({ ...record, year: 2025.5 })
      .thenRefuses(refusedWith('USAGE_PROFILE_YEAR_INVALID'));
    spec
      .given([])
      .when({ ...record, year: 2000 })
      .thenEmits([{ type: 'UsageProfileRecorded', data: { ...recordedData, year: 2000 } }]);
    spec
      .given([])
      .when({ ...record, today: '2026-02-30' })
      .thenRefuses(refusedWith('USAGE_PROFILE_TODAY_INVALID'));
    spec
      .given([])
      .when({ ...record, mainProduct: 'heroin' as never })
      .thenRefuses(refusedWith('USAGE_PROFILE_CODE_UNKNOWN'));
  });

  it('refuses to record again for a forgotten usager', () => {
    spec
      .given([recorded, { type: 'UsageProfileRecorded', data: { $erased: true } }])
      .when(record)
      .thenRefuses(refusedWith('USAGE_PROFILE_ERASED'));
  });

  it('emits events that match their schema, with no unknown field', () => {
    usageProfileEventSchemas.UsageProfileRecorded.parse(recordedData);
    usageProfileEventSchemas.UsageProfileRecorded.parse({ ...recordedData, reason: 'revu' });
    assert.throws(() => usageProfileEventSchemas.UsageProfileRecorded.parse({ ...recordedData, note: 'x' }));
  });

  it('labels every code in French', () => {
    const labelled: [readonly string[], Readonly<Record<string, string>>][] = [
      [USAGE_POPULATIONS, USAGE_POPULATION_LABELS],
      [REFERRALS, REFERRAL_LABELS],
      [HOUSINGS, HOUSING_LABELS],
      [INCOMES, INCOME_LABELS],
      [MAIN_PRODUCTS, MAIN_PRODUCT_LABELS],
      [USE_LEVELS, USE_LEVEL_LABELS],
      [INJECTIONS, INJECTION_LABELS],
    ];
    for (const [codes, labels] of labelled) {
      assert.deepEqual(Object.keys(labels), [...codes]);
      for (const code of codes) assert.ok((labels[code] ?? '').length > 0);
    }
    assert.equal(MAIN_PRODUCT_LABELS.medicines, 'Médicaments détournés');
    assert.equal(INCOME_LABELS.minimumIncome, 'RSA');
  });

  it('names one stream per usager, ESSMS and year, escaped, and reads its parts back', () => {
    assert.equal(usageProfileStreamId('og/1', 'u/1', '750000001', 2026), 'usage-profile/og%2F1/u%2F1/750000001/2026');
    assert.deepEqual(usageProfileStreamParts(usageProfileStreamId('og/1', 'u/1', '750000001', 2026)), {
      organisationId: 'og/1',
      serviceUserId: 'u/1',
      facilityId: '750000001',
      year: 2026,
    });
    assert.equal(usageProfileStreamParts('social-benefit/og-1/x'), undefined);
    assert.notEqual(
      usageProfileStreamId('og-1', 'usager-1', '750000001', 2025),
      usageProfileStreamId('og-1', 'usager-1', '750000001', 2026),
    );
  });

  it('leaves exactly one current profile, the last recorded, after any sequence of records (property)', () => {
    const patient = fc.record({
      population: fc.constant('patient' as const),
      referral: fc.constantFrom(...REFERRALS),
      housing: fc.constantFrom(...HOUSINGS),
      income: fc.constantFrom(...INCOMES),
      mainProduct: fc.option(fc.constantFrom(...MAIN_PRODUCTS), { nil: null }),
      useLevel: fc.option(fc.constantFrom(...USE_LEVELS), { nil: null }),
      injection: fc.option(fc.constantFrom(...INJECTIONS), { nil: null }),
    });
    const entourage = fc.record({
      population: fc.constant('entourage' as const),
      referral: fc.constantFrom(...REFERRALS),
      housing: fc.constantFrom(...HOUSINGS),
      income: fc.constantFrom(...INCOMES),
      mainProduct: fc.constant(null),
      useLevel: fc.constant(null),
      injection: fc.constant(null),
    });
    const attempt = fc.record({
      fields: fc.oneof(patient, entourage),
      reason: fc.option(fc.constantFrom('revu en synthèse', 'erreur de saisie'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(attempt, { minLength: 1, maxLength: 15 }), (attempts) => {
        // given the records of one year, each decided on the stream as it stands
        const log: UsageProfileEvent[] = [];
        let lastAccepted: UsageProfileRecorded | undefined;
        for (const { fields, reason } of attempts) {
          const command = { ...record, ...fields, ...(reason ? { reason } : {}) };
          const events = asEventList(usageProfileDecider.decide(command, foldEvents(usageProfileDecider, log)));
          for (const event of events) {
            log.push(event);
            lastAccepted = event.data as UsageProfileRecorded;
          }
        }
        // then the stream holds one profile, the fields of the last attempt, under the first id
        const state: UsageProfile = foldEvents(usageProfileDecider, log);
        const last = attempts.at(-1)!;
        assert.equal(state.status, 'recorded');
        if (state.status !== 'recorded') return;
        assert.deepEqual(state.fields, { ...last.fields });
        assert.equal(state.profileId, profileId);
        assert.equal(state.year, record.year);
        assert.equal(state.corrections, log.length - 1);
        const { profileId: _p, serviceUserId: _s, facilityId: _f, year: _y, reason: _r, ...lastFields } = lastAccepted!;
        assert.deepEqual(lastFields, { ...last.fields });
        // and each event recorded a change or carried a reason: no duplicate of the current profile
        for (let index = 1; index < log.length; index += 1) {
          const data = log[index]!.data as UsageProfileRecorded;
          const previous = log[index - 1]!.data as UsageProfileRecorded;
          const { reason: r1, ...now } = data;
          const { reason: _r0, ...before } = previous;
          assert.ok(r1 !== undefined || JSON.stringify(now) !== JSON.stringify(before));
        }
      }),
    );
  });
});
