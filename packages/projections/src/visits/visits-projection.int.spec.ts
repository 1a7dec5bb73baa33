import {
  type CorrectVisit,
  foldEvents,
  harmReductionSupplyCatalogueDecider,
  RAPID_TEST_RESULTS,
  RAPID_TESTS,
  type SyringeCollectionEvent,
  suppliesHandedOut,
  syringeCollectionStreamId,
  VISIT_SERVICES,
  VISIT_SETTINGS,
  type Visit,
  type VisitEvent,
  type VisitRecorded,
  visitDecider,
  visitStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { visitsProjection } from './visits-projection.js';
import { visitById, visitsOfFacility, visitsOfServiceUser, visitTotals } from './visits-queries.js';

const organisationId = 'og-1';
const caarud = '750000002';
const id = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;

function stream(visitId: string, events: VisitEvent[], serviceUserId?: string): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: visitStreamId(organisationId, visitId),
    metadata: { organisationId, facilityId: caarud, ...(serviceUserId === undefined ? {} : { serviceUserId }) },
  }));
}
function collection(collectionId: string, events: SyringeCollectionEvent[]): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: syringeCollectionStreamId(organisationId, collectionId),
    metadata: { organisationId, facilityId: caarud },
  }));
}
const identified = (visitId: string, data: Partial<VisitRecorded> = {}): VisitEvent => ({
  type: 'VisitRecorded',
  data: {
    visitId,
    facilityId: caarud,
    occurredOn: '2026-03-10',
    occurredAt: '2026-03-10T15:00:00+01:00',
    setting: 'street',
    services: ['reception', 'harmReductionAdvice', 'screening'],
    supplies: [
      { supplyCode: 'kit-injection', quantity: 5 },
      { supplyCode: 'seringue-1ml', quantity: 20 },
    ],
    syringesCollected: 12,
    rapidTests: [
      { test: 'hiv', result: 'negative' },
      { test: 'hcv', result: 'positive' },
    ],
    serviceUserId: 'usager-1',
    ...data,
  } as VisitRecorded,
});
const anonymous = (visitId: string, occurredOn = '2026-03-10'): VisitEvent => ({
  type: 'VisitRecorded',
  data: {
    visitId,
    facilityId: caarud,
    occurredOn,
    setting: 'premises',
    services: ['reception', 'meal'],
    supplies: [{ supplyCode: 'preservatif', quantity: 10 }],
    syringesCollected: 0,
    rapidTests: [],
    anonymous: { sex: 'F', ageBand: '25-34' },
  },
});

describe('the visits projection', () => {
  const spec = ProjectionSpecification.for(visitsProjection);
  after(() => spec.close());

  it('keeps each visit’s current version with its lines, every row keyed by organisation, ESSMS and identified usager', async () => {
    // given an identified passage corrected (supplies and setting), an anonymous one, a cancelled one
    const schema = await spec.modelAfter([
      ...stream(
        id(1),
        [
          identified(id(1)),
          {
            type: 'VisitCorrected',
            data: {
              visitId: id(1),
              reason: 'erreur de saisie',
              setting: 'mobileUnit',
              supplies: [{ supplyCode: 'kit-injection', quantity: 6 }],
            },
          },
        ],
        'usager-1',
      ),
      ...stream(id(2), [anonymous(id(2))]),
      ...stream(
        id(3),
        [identified(id(3)), { type: 'VisitCancelled', data: { visitId: id(3), reason: 'mauvais usager' } }],
        'usager-1',
      ),
    ]);

    // then the first visit reads as corrected, lines replaced, tests kept
    expect(await visitById(spec.db, schema, { organisationId, visitId: id(1) })).to.deep.equal({
      visitId: id(1),
      facilityId: caarud,
      serviceUserId: 'usager-1',
      anonymous: null,
      occurredOn: '2026-03-10',
      occurredAt: '2026-03-10T15:00:00+01:00',
      setting: 'mobileUnit',
      services: ['reception', 'harmReductionAdvice', 'screening'],
      supplies: [{ supplyCode: 'kit-injection', quantity: 6 }],
      syringesCollected: 12,
      rapidTests: [
        { test: 'hiv', result: 'negative' },
        { test: 'hcv', result: 'positive' },
      ],
      status: 'recorded',
      cancelReason: null,
      corrections: 1,
      revision: 1,
    });
    expect(await visitById(spec.db, schema, { organisationId, visitId: id(2) })).to.deep.include({
      serviceUserId: null,
      anonymous: { sex: 'F', ageBand: '25-34' },
      supplies: [{ supplyCode: 'preservatif', quantity: 10 }],
    });
    expect(await visitById(spec.db, schema, { organisationId, visitId: id(3) })).to.deep.include({
      status: 'cancelled',
      cancelReason: 'mauvais usager',
      supplies: [],
      rapidTests: [],
    });
    expect(await visitById(spec.db, schema, { organisationId: 'og-2', visitId: id(1) })).to.equal(undefined);
    // and every table has the columns the purge and the tenant isolation need
    const columns = await spec.db
      .select('table_name', 'column_name')
      .from('information_schema.columns')
      .where('table_schema', schema)
      .whereIn('column_name', ['organisation_id', 'facility_id', 'service_user_id']);
    const of = (table: string) =>
      columns
        .filter((column) => column.table_name === table)
        .map((column) => column.column_name)
        .sort();
    for (const table of ['visits', 'visit_supply_lines', 'visit_rapid_tests']) {
      expect(of(table), table).to.deep.equal(['facility_id', 'organisation_id', 'service_user_id']);
    }
    expect(of('syringe_collections')).to.deep.equal(['facility_id', 'organisation_id']);
    const lines = await spec.db.withSchema(schema).from('visit_supply_lines').where('visit_id', id(1));
    expect(lines.map((line) => line.service_user_id)).to.deep.equal(['usager-1']);
  });

  it('drops a forgotten usager’s visits, whatever event arrives erased, and leaves the others', () =>
    spec
      .given([
        ...stream(id(1), [identified(id(1))], 'usager-1').map((event) => erased(event)),
        ...stream(
          id(2),
          [identified(id(2)), { type: 'VisitCorrected', data: { visitId: id(2), reason: 'x', syringesCollected: 1 } }],
          'usager-1',
        ).map((event, index) => (index === 1 ? erased(event) : event)),
        ...stream(id(3), [anonymous(id(3))]),
      ])
      .thenTable('visit_supply_lines', [
        {
          organisation_id: organisationId,
          visit_id: id(3),
          facility_id: caarud,
          service_user_id: null,
          supply_code: 'preservatif',
          quantity: 10,
        },
      ]));

  it('lists a usager’s visits the latest first and a facility’s visits of a period', async () => {
    const schema = await spec.modelAfter([
      ...stream(id(1), [identified(id(1), { occurredOn: '2026-03-01', occurredAt: undefined })], 'usager-1'),
      ...stream(id(2), [identified(id(2))], 'usager-1'),
      ...stream(id(3), [identified(id(3), { serviceUserId: 'usager-2' } as Partial<VisitRecorded>)], 'usager-2'),
      ...stream(id(4), [anonymous(id(4))]),
    ]);
    const ofUsager = await visitsOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: caarud,
    });
    expect(ofUsager.map((visit) => visit.visitId)).to.deep.equal([id(2), id(1)]);
    const march10 = await visitsOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      from: '2026-03-05',
      to: '2026-03-10',
    });
    expect(march10.map((visit) => visit.visitId)).to.deep.equal([id(2)]);
    const day = await visitsOfFacility(spec.db, schema, {
      organisationId,
      facilityId: caarud,
      from: '2026-03-10',
      to: '2026-03-10',
    });
    expect(day.map((visit) => visit.visitId).sort()).to.deep.equal([id(2), id(3), id(4)]);
  });

  it('totals a period: passages by setting and service, anonymous apart, supplies, syringes, TROD by result', async () => {
    // given two identified passages (one the next month), an anonymous one, a cancelled one, two collections
    const schema = await spec.modelAfter([
      ...stream(id(1), [identified(id(1))], 'usager-1'),
      ...stream(id(2), [identified(id(2), { occurredOn: '2026-04-02', occurredAt: undefined })], 'usager-1'),
      ...stream(id(3), [anonymous(id(3))]),
      ...stream(
        id(4),
        [identified(id(4)), { type: 'VisitCancelled', data: { visitId: id(4), reason: 'doublon' } }],
        'usager-2',
      ),
      ...collection(id(10), [
        {
          type: 'SyringesCollected',
          data: {
            collectionId: id(10),
            facilityId: caarud,
            collectedOn: '2026-03-15',
            source: 'collectionBox',
            quantity: 300,
          },
        },
      ]),
      ...collection(id(11), [
        {
          type: 'SyringesCollected',
          data: {
            collectionId: id(11),
            facilityId: caarud,
            collectedOn: '2026-03-16',
            source: 'collectionBox',
            quantity: 50,
          },
        },
        { type: 'SyringeCollectionCancelled', data: { collectionId: id(11), reason: 'compté deux fois' } },
      ]),
    ]);

    // when March is totalled
    const totals = await visitTotals(spec.db, schema, {
      organisationId,
      facilityId: caarud,
      from: '2026-03-01',
      to: '2026-03-31',
    });

    // then
    expect(totals).to.deep.equal({
      from: '2026-03-01',
      to: '2026-03-31',
      visits: { total: 2, identified: 1, serviceUsers: 1, anonymous: 1 },
      bySetting: { premises: 1, mobileUnit: 0, street: 1, festiveEvent: 0, partnerPharmacy: 0, other: 0 },
      byService: {
        reception: 2,
        hygiene: 0,
        meal: 1,
        harmReductionAdvice: 1,
        socialSupport: 0,
        care: 0,
        referral: 0,
        screening: 1,
        other: 0,
      },
      supplies: [
        { supplyCode: 'kit-injection', quantity: 5 },
        { supplyCode: 'preservatif', quantity: 10 },
        { supplyCode: 'seringue-1ml', quantity: 20 },
      ],
      syringesCollected: { duringVisits: 12, bySource: { collectionBox: 300 }, total: 312 },
      rapidTests: [
        { test: 'hiv', result: 'negative', count: 1 },
        { test: 'hcv', result: 'positive', count: 1 },
      ],
    });
  });

  it('totals equal the sum of the current versions of the visits not cancelled, after any corrections', async () => {
    const catalogue = harmReductionSupplyCatalogueDecider.initialState();
    const codes = ['kit-injection', 'seringue-1ml', 'preservatif', 'pipe-crack'];
    const lines = fc
      .uniqueArray(fc.constantFrom(...codes), { maxLength: 4 })
      .chain((chosen) =>
        fc.tuple(
          ...chosen.map((code) => fc.integer({ min: 1, max: 30 }).map((quantity) => ({ supplyCode: code, quantity }))),
        ),
      );
    const correction = fc
      .record(
        {
          setting: fc.constantFrom(...VISIT_SETTINGS),
          services: fc.subarray([...VISIT_SERVICES]),
          supplies: lines,
          syringesCollected: fc.integer({ min: 0, max: 20 }),
          rapidTests: fc
            .subarray([...RAPID_TESTS])
            .chain((tests) =>
              fc.tuple(
                ...tests.map((test) => fc.constantFrom(...RAPID_TEST_RESULTS).map((result) => ({ test, result }))),
              ),
            ),
          occurredOn: fc.constantFrom('2026-02-28', '2026-03-10'),
        },
        { requiredKeys: [] },
      )
      .map(
        (fields): CorrectVisit => ({
          type: 'CorrectVisit',
          reason: 'correction',
          catalogue,
          today: '2026-03-31',
          now: '2026-03-31T12:00:00Z',
          ...fields,
        }),
      );
    const command = fc.oneof(
      { weight: 6, arbitrary: correction },
      { weight: 1, arbitrary: fc.constant({ type: 'CancelVisit' as const, reason: 'erreur' }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.array(command, { maxLength: 4 })), { minLength: 1, maxLength: 5 }),
        async (visits) => {
          // given visits recorded then corrected or cancelled at random, as the decider decides
          const given: GivenEvent[] = [];
          const states: Visit[] = [];
          visits.forEach(([isAnonymous, commands], index) => {
            const visitId = id(100 + index);
            const history: VisitEvent[] = [isAnonymous ? anonymous(visitId) : identified(visitId)];
            for (const next of commands) {
              try {
                history.push(...[visitDecider.decide(next, foldEvents(visitDecider, history))].flat());
              } catch {
                // refused: nothing recorded
              }
            }
            given.push(...stream(visitId, history, isAnonymous ? undefined : 'usager-1'));
            states.push(foldEvents(visitDecider, history));
          });
          const schema = await spec.modelAfter(given);

          // when March is totalled
          const totals = await visitTotals(spec.db, schema, {
            organisationId,
            facilityId: caarud,
            from: '2026-03-01',
            to: '2026-03-31',
          });

          // then it equals the brute-force sums over the domain's current versions
          const live = states.flatMap((state) =>
            state.status === 'recorded' && state.current && state.current.occurredOn >= '2026-03-01'
              ? [state.current]
              : [],
          );
          const expected = [...suppliesHandedOut(live)]
            .map(([supplyCode, quantity]) => ({ supplyCode, quantity }))
            .sort((a, b) => a.supplyCode.localeCompare(b.supplyCode));
          expect(totals.supplies).to.deep.equal(expected);
          expect(totals.visits.total).to.equal(live.length);
          expect(totals.syringesCollected.duringVisits).to.equal(
            live.reduce((sum, version) => sum + version.syringesCollected, 0),
          );
          expect(totals.rapidTests.reduce((sum, row) => sum + row.count, 0)).to.equal(
            live.reduce((sum, version) => sum + version.rapidTests.length, 0),
          );
          for (const setting of VISIT_SETTINGS) {
            expect(totals.bySetting[setting]).to.equal(live.filter((version) => version.setting === setting).length);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
