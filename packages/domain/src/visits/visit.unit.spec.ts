import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  DEFAULT_HARM_REDUCTION_SUPPLIES,
  type HarmReductionSupplyCatalogue,
  harmReductionSupplyCatalogueDecider,
} from './harm-reduction-supplies.js';
import {
  type AnonymousTraits,
  type CorrectVisit,
  correctedVersion,
  MAX_SUPPLY_QUANTITY,
  RAPID_TEST_RESULTS,
  RAPID_TESTS,
  type RecordVisit,
  suppliesHandedOut,
  VISIT_SERVICES,
  VISIT_SETTINGS,
  type Visit,
  type VisitEvent,
  type VisitRecorded,
  type VisitVersion,
  versionOf,
  visitDecider,
  visitEventSchemas,
  visitStreamId,
} from './visit.js';

const spec = DeciderSpecification.for(visitDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const visitId = '0195f0a0-0000-7000-8000-000000000001';
const caarud = '750000002';
const today = '2026-03-10';
const now = '2026-03-10T18:00:00+01:00';
const catalogue = harmReductionSupplyCatalogueDecider.initialState();
const withRetiredPipes: HarmReductionSupplyCatalogue = foldEvents(harmReductionSupplyCatalogueDecider, [
  { type: 'HarmReductionSupplyRetired', data: { code: 'pipe-crack', reason: 'plus distribuées' } },
]);

const streetVisit: RecordVisit = {
  type: 'RecordVisit',
  visitId,
  facilityId: caarud,
  serviceUserId: 'usager-1',
  occurredOn: today,
  occurredAt: '2026-03-10T17:15:00+01:00',
  setting: 'street',
  services: ['harmReductionAdvice', 'reception', 'screening'],
  supplies: [
    { supplyCode: 'kit-injection', quantity: 5 },
    { supplyCode: 'seringue-1ml', quantity: 20 },
  ],
  syringesCollected: 12,
  rapidTests: [{ test: 'hcv', result: 'negative' }],
  catalogue,
  today,
  now,
};
const streetRecorded: VisitEvent = {
  type: 'VisitRecorded',
  data: {
    visitId,
    facilityId: caarud,
    occurredOn: today,
    occurredAt: '2026-03-10T17:15:00+01:00',
    setting: 'street',
    services: ['reception', 'harmReductionAdvice', 'screening'],
    supplies: [
      { supplyCode: 'kit-injection', quantity: 5 },
      { supplyCode: 'seringue-1ml', quantity: 20 },
    ],
    syringesCollected: 12,
    rapidTests: [{ test: 'hcv', result: 'negative' }],
    serviceUserId: 'usager-1',
  },
};
const anonymousVisit: RecordVisit = {
  type: 'RecordVisit',
  visitId,
  facilityId: caarud,
  anonymous: { sex: 'M', ageBand: '25-34' },
  occurredOn: today,
  setting: 'premises',
  services: ['reception', 'meal'],
  catalogue,
  today,
  now,
};
const correct = (fields: Partial<CorrectVisit>): CorrectVisit => ({
  type: 'CorrectVisit',
  reason: 'erreur de saisie',
  catalogue,
  today,
  now,
  ...fields,
});

describe('a passage at a CAARUD (visit)', () => {
  it('records an identified usager’s passage in the street with supplies, syringes collected back and a TROD', () => {
    // given no visit, when a street passage is recorded, then it is, services and tests in the report's order
    spec.given([]).when(streetVisit).thenEmits([streetRecorded]);
    assert.ok(visitEventSchemas.VisitRecorded.safeParse(streetRecorded.data).success);
    assert.equal(visitStreamId('og/1', visitId), `visit/og%2F1/${visitId}`);
  });

  it('records an anonymous passage with at most a sex and an age band, and no record id', () => {
    // given no visit, when an anonymous passage at the premises is recorded
    const [event] = [visitDecider.decide(anonymousVisit, visitDecider.initialState())].flat();

    // then it names nobody
    assert.deepEqual(event?.data, {
      visitId,
      facilityId: caarud,
      occurredOn: today,
      setting: 'premises',
      services: ['reception', 'meal'],
      supplies: [],
      syringesCollected: 0,
      rapidTests: [],
      anonymous: { sex: 'M', ageBand: '25-34' },
    });
    assert.ok(visitEventSchemas.VisitRecorded.safeParse(event?.data).success);
    // and the event schema itself refuses an anonymous passage carrying a record id or a name
    const data = event?.data as Record<string, unknown>;
    assert.equal(visitEventSchemas.VisitRecorded.safeParse({ ...data, serviceUserId: 'usager-1' }).success, false);
    assert.equal(
      visitEventSchemas.VisitRecorded.safeParse({ ...data, anonymous: { sex: 'F', lastName: 'Martin' } }).success,
      false,
    );
  });

  it('refuses an anonymous passage that carries a name, and a passage that is both or neither', () => {
    const named = { sex: 'F', lastName: 'Martin' } as unknown as AnonymousTraits;
    spec
      .given([])
      .when({ ...anonymousVisit, anonymous: named })
      .thenRefuses(refusedWith('VISIT_ANONYMOUS_IDENTIFIES'));
    spec
      .given([])
      .when({ ...anonymousVisit, serviceUserId: 'usager-1' })
      .thenRefuses(refusedWith('VISIT_PERSON_REQUIRED'));
    const { anonymous: _anonymous, ...nobody } = anonymousVisit;
    spec.given([]).when(nobody).thenRefuses(refusedWith('VISIT_PERSON_REQUIRED'));
  });

  it('refuses a retired supply, an unknown one, a supply twice, and quantities that are not sane', () => {
    spec
      .given([])
      .when({ ...streetVisit, catalogue: withRetiredPipes, supplies: [{ supplyCode: 'pipe-crack', quantity: 2 }] })
      .thenRefuses(refusedWith('SUPPLY_RETIRED'));
    spec
      .given([])
      .when({ ...streetVisit, supplies: [{ supplyCode: 'inconnu', quantity: 2 }] })
      .thenRefuses(refusedWith('SUPPLY_NOT_FOUND'));
    spec
      .given([])
      .when({
        ...streetVisit,
        supplies: [
          { supplyCode: 'preservatif', quantity: 2 },
          { supplyCode: 'preservatif', quantity: 3 },
        ],
      })
      .thenRefuses(refusedWith('VISIT_SUPPLY_TWICE'));
    for (const quantity of [0, -1, 1.5, MAX_SUPPLY_QUANTITY + 1, Number.NaN]) {
      spec
        .given([])
        .when({ ...streetVisit, supplies: [{ supplyCode: 'preservatif', quantity }] })
        .thenRefuses(refusedWith('VISIT_SUPPLY_QUANTITY_INVALID'));
    }
    spec
      .given([])
      .when({ ...streetVisit, syringesCollected: -3 })
      .thenRefuses(refusedWith('SYRINGES_COLLECTED_INVALID'));
    spec
      .given([])
      .when({
        ...streetVisit,
        rapidTests: [
          { test: 'hiv', result: 'negative' },
          { test: 'hiv', result: 'positive' },
        ],
      })
      .thenRefuses(refusedWith('VISIT_RAPID_TEST_TWICE'));
  });

  it('refuses a passage dated after today, or timed in the future', () => {
    spec
      .given([])
      .when({ ...streetVisit, occurredOn: '2026-03-11' })
      .thenRefuses(refusedWith('VISIT_IN_FUTURE'));
    spec
      .given([])
      .when({ ...streetVisit, occurredAt: '2026-03-10T19:00:00+01:00' })
      .thenRefuses(refusedWith('VISIT_IN_FUTURE'));
    spec
      .given([])
      .when({ ...streetVisit, occurredOn: '10/03/2026' })
      .thenRefuses(refusedWith('VISIT_DAY_INVALID'));
  });

  it('corrects a passage with a reason, each corrected field in whole, and refuses a correction that changes nothing', () => {
    // given the street passage, when its supplies and setting are corrected
    spec
      .given([streetRecorded])
      .when(correct({ setting: 'mobileUnit', supplies: [{ supplyCode: 'kit-injection', quantity: 6 }] }))
      .thenEmits([
        {
          type: 'VisitCorrected',
          data: {
            visitId,
            reason: 'erreur de saisie',
            setting: 'mobileUnit',
            supplies: [{ supplyCode: 'kit-injection', quantity: 6 }],
          },
        },
      ]);
    spec
      .given([streetRecorded])
      .when(correct({ setting: 'street', syringesCollected: 12 }))
      .thenRefuses(refusedWith('VISIT_CORRECTION_CHANGES_NOTHING'));
    spec
      .given([streetRecorded])
      .when(correct({ setting: 'premises', reason: '  ' }))
      .thenRefuses(refusedWith('VISIT_CORRECTION_REASON_REQUIRED'));
    spec
      .given([streetRecorded])
      .when(correct({ anonymous: { sex: 'F' } }))
      .thenRefuses(refusedWith('VISIT_NOT_ANONYMOUS'));
  });

  it('lets a correction keep a supply retired since the visit, not add one', () => {
    // given a passage where pipes were handed out, then retired from the catalogue
    const withPipes: VisitEvent = {
      type: 'VisitRecorded',
      data: { ...(streetRecorded.data as VisitRecorded), supplies: [{ supplyCode: 'pipe-crack', quantity: 2 }] },
    };
    // when the quantity is corrected: accepted; when pipes are added to another passage: refused
    spec
      .given([withPipes])
      .when(correct({ catalogue: withRetiredPipes, supplies: [{ supplyCode: 'pipe-crack', quantity: 3 }] }))
      .thenEmits([
        {
          type: 'VisitCorrected',
          data: { visitId, reason: 'erreur de saisie', supplies: [{ supplyCode: 'pipe-crack', quantity: 3 }] },
        },
      ]);
    spec
      .given([streetRecorded])
      .when(correct({ catalogue: withRetiredPipes, supplies: [{ supplyCode: 'pipe-crack', quantity: 3 }] }))
      .thenRefuses(refusedWith('SUPPLY_RETIRED'));
  });

  it('cancels a passage with a reason; a cancelled or erased passage takes no correction', () => {
    const cancelled: VisitEvent = { type: 'VisitCancelled', data: { visitId, reason: 'mauvais usager' } };
    spec.given([streetRecorded]).when({ type: 'CancelVisit', reason: 'mauvais usager' }).thenEmits([cancelled]);
    spec
      .given([streetRecorded, cancelled])
      .when(correct({ setting: 'premises' }))
      .thenRefuses(refusedWith('VISIT_CANCELLED'));
    spec
      .given([{ type: 'VisitRecorded', data: { $erased: true } }])
      .when(correct({ setting: 'premises' }))
      .thenRefuses(refusedWith('VISIT_ERASED'));
    spec.given([]).when({ type: 'CancelVisit', reason: 'x' }).thenRefuses(refusedWith('VISIT_NOT_FOUND'));
    spec.given([streetRecorded]).when(streetVisit).thenRefuses(refusedWith('VISIT_ALREADY_RECORDED'));
  });

  describe('properties', () => {
    const activeCodes = DEFAULT_HARM_REDUCTION_SUPPLIES.map((supply) => supply.code);
    const lines = fc
      .uniqueArray(fc.constantFrom(...activeCodes), { maxLength: 5 })
      .chain((codes) =>
        fc.tuple(
          ...codes.map((code) => fc.integer({ min: 1, max: 50 }).map((quantity) => ({ supplyCode: code, quantity }))),
        ),
      );
    const correction: fc.Arbitrary<CorrectVisit> = fc
      .record(
        {
          setting: fc.constantFrom(...VISIT_SETTINGS),
          services: fc.subarray([...VISIT_SERVICES]),
          supplies: lines,
          syringesCollected: fc.integer({ min: 0, max: 40 }),
          rapidTests: fc
            .subarray([...RAPID_TESTS])
            .chain((tests) =>
              fc.tuple(
                ...tests.map((test) => fc.constantFrom(...RAPID_TEST_RESULTS).map((result) => ({ test, result }))),
              ),
            ),
          occurredOn: fc.constantFrom('2026-03-08', '2026-03-09', today),
        },
        { requiredKeys: [] },
      )
      .map((fields) => correct(fields));
    const command = fc.oneof(
      { weight: 8, arbitrary: correction },
      { weight: 1, arbitrary: fc.constant({ type: 'CancelVisit' as const, reason: 'erreur' }) },
    );

    it('any sequence of corrections keeps one current version per visit: the recorded one with each correction laid over it', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 15 }), (commands) => {
          // given a recorded visit, when any corrections and cancellations are decided in turn
          const history: VisitEvent[] = [streetRecorded];
          for (const next of commands) {
            try {
              history.push(...[visitDecider.decide(next, foldEvents(visitDecider, history))].flat());
            } catch (error) {
              assert.ok(error instanceof DomainRuleViolation);
            }
          }
          // then folding gives one version, equal to replaying the corrections by hand
          const state = foldEvents(visitDecider, history) as Extract<Visit, { status: 'recorded' | 'cancelled' }>;
          // (each field is the last correction's that carries it, else the recorded one)
          const recorded = streetRecorded.data as VisitRecorded;
          const corrections = history.flatMap((event) =>
            event.type === 'VisitCorrected' && !('$erased' in event.data) ? [event.data] : [],
          );
          const last = <
            K extends 'occurredOn' | 'setting' | 'services' | 'supplies' | 'syringesCollected' | 'rapidTests',
          >(
            field: K,
          ) => corrections.findLast((data) => data[field] !== undefined)?.[field] ?? recorded[field];
          const expected: VisitVersion = {
            occurredOn: last('occurredOn') as string,
            occurredAt: recorded.occurredAt as string,
            setting: last('setting') as VisitVersion['setting'],
            services: last('services') as VisitVersion['services'],
            supplies: last('supplies') as VisitVersion['supplies'],
            syringesCollected: last('syringesCollected') as number,
            rapidTests: last('rapidTests') as VisitVersion['rapidTests'],
          };
          assert.deepEqual(state.current, expected);
          assert.deepEqual(
            corrections.reduce(correctedVersion, versionOf(recorded)),
            expected,
            'correctedVersion replays the same',
          );
          assert.equal(state.corrections, history.filter((event) => event.type === 'VisitCorrected').length);
          // nothing follows a cancellation, and every event is valid for its schema
          const cancelledAt = history.findIndex((event) => event.type === 'VisitCancelled');
          assert.ok(cancelledAt === -1 || cancelledAt === history.length - 1);
          for (const event of history) assert.ok(visitEventSchemas[event.type].safeParse(event.data).success);
        }),
        { numRuns: 200 },
      );
    });

    it('the supplies handed out equal the sum of the current versions’ lines of the visits not cancelled', () => {
      fc.assert(
        fc.property(fc.array(fc.array(command, { maxLength: 6 }), { minLength: 1, maxLength: 8 }), (perVisit) => {
          // given several visits, each corrected or cancelled at random
          const states = perVisit.map((commands) => {
            let state = foldEvents(visitDecider, [streetRecorded]);
            for (const next of commands) {
              try {
                for (const event of [visitDecider.decide(next, state)].flat())
                  state = visitDecider.evolve(state, event);
              } catch {
                // a refused command changes nothing
              }
            }
            return state as Extract<Visit, { status: 'recorded' | 'cancelled' }>;
          });
          // when the totals are computed
          const live = states.filter((state) => state.status === 'recorded').map((state) => state.current!);
          const totals = suppliesHandedOut(live);
          // then each code's total is the sum of its lines, and codes never handed out are absent
          for (const code of activeCodes) {
            const sum = live.flatMap((version) => version.supplies).filter((line) => line.supplyCode === code);
            const expected = sum.reduce((total, line) => total + line.quantity, 0);
            assert.equal(totals.get(code) ?? 0, expected);
            assert.equal(totals.has(code), sum.length > 0);
          }
        }),
        { numRuns: 100 },
      );
    });

    it('never records a day after today, whatever day is asked', () => {
      fc.assert(
        fc.property(
          fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }),
          (date) => {
            const occurredOn = date.toISOString().slice(0, 10);
            const { occurredAt: _occurredAt, ...byDay } = streetVisit;
            try {
              const [event] = [visitDecider.decide({ ...byDay, occurredOn }, visitDecider.initialState())].flat();
              assert.ok(occurredOn <= today);
              assert.equal((event?.data as VisitRecorded | undefined)?.occurredOn, occurredOn);
            } catch (error) {
              assert.ok(refusedWith('VISIT_IN_FUTURE')(error as Error));
              assert.ok(occurredOn > today);
            }
          },
        ),
      );
    });
  });
});
