import {
  type InfectiousWasteCommand,
  type InfectiousWasteEvent,
  type InfectiousWasteLedger,
  infectiousWasteAlerts,
  infectiousWasteDecider,
  infectiousWasteStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { infectiousWasteProjection } from './infectious-waste-projection.js';
import { infectiousWasteAlertsOf, infectiousWasteLedgerOf } from './infectious-waste-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const caarud = '750000002';
const ids = {
  box: '0195f0a0-0000-7000-8000-0000000000c1',
  drum: '0195f0a0-0000-7000-8000-0000000000c2',
  bag: '0195f0a0-0000-7000-8000-0000000000c3',
  sharps: '0195f0a0-0000-7000-8000-0000000000c4',
  first: '0195f0a0-0000-7000-8000-0000000000d1',
  second: '0195f0a0-0000-7000-8000-0000000000d2',
} as const;

function stream(events: InfectiousWasteEvent[], facilityId = csapa, organisation = organisationId): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: infectiousWasteStreamId(organisation, facilityId),
    metadata: { organisationId: organisation, facilityId },
  }));
}
const started = (containerId: string, startedAt: string, facilityId = csapa): InfectiousWasteEvent => ({
  type: 'InfectiousWasteContainerStarted',
  data: { facilityId, containerId, kind: 'sharps-box', volumeLitres: 2, startedAt },
});
const closed = (containerId: string, closedAt: string, weightKg?: number): InfectiousWasteEvent => ({
  type: 'InfectiousWasteContainerClosed',
  data: { facilityId: csapa, containerId, closedAt, ...(weightKg === undefined ? {} : { weightKg }) },
});
const collected = (
  collectionId: string,
  containerIds: string[],
  collectedAt: string,
  trackingSlipNumber?: string,
): InfectiousWasteEvent => ({
  type: 'InfectiousWasteCollected',
  data: {
    facilityId: csapa,
    collectionId,
    collectedAt,
    weightKg: 4.5,
    containerIds,
    collector: 'Cosmolys',
    ...(trackingSlipNumber === undefined ? {} : { trackingSlipNumber }),
  },
});
const slipReturned = (collectionId: string, trackingSlipNumber: string, returnedAt: string): InfectiousWasteEvent => ({
  type: 'TrackingSlipReturned',
  data: { facilityId: csapa, collectionId, trackingSlipNumber, returnedAt },
});

const history = [
  started(ids.box, '2026-01-05T09:00:00.000Z'),
  started(ids.drum, '2025-12-20T09:00:00.000Z'),
  closed(ids.box, '2026-02-01T17:00:00.000Z', 1.2),
  closed(ids.drum, '2026-02-02T17:00:00.000Z'),
  collected(ids.first, [ids.box, ids.drum], '2026-02-03T10:00:00.000Z', 'BSD-1'),
  slipReturned(ids.first, 'BSD-1', '2026-02-20T08:00:00.000Z'),
  started(ids.bag, '2026-02-04T09:00:00.000Z'),
];

describe('the DASRI projection', () => {
  const spec = ProjectionSpecification.for(infectiousWasteProjection);
  after(() => spec.close());

  it('keeps each ESSMS’ containers, collections and slips, the first start and the revision', async () => {
    const given = [...stream(history), ...stream([started(ids.box, '2026-03-01T09:00:00.000Z', caarud)], caarud)];
    await spec.given(given).thenTable('ledgers', [
      { organisation_id: organisationId, facility_id: csapa, active_since: '2025-12-20T09:00:00.000Z', revision: 6 },
      { organisation_id: organisationId, facility_id: caarud, active_since: '2026-03-01T09:00:00.000Z', revision: 0 },
    ]);
    await spec.given(given).thenTable('collections', [
      {
        organisation_id: organisationId,
        facility_id: csapa,
        collection_id: ids.first,
        collected_at: '2026-02-03T10:00:00.000Z',
        weight_kg: 4.5,
        collector: 'Cosmolys',
        tracking_slip_number: 'BSD-1',
        slip_return_by: '2026-03-03T10:00:00.000Z',
        slip_returned_at: '2026-02-20T08:00:00.000Z',
      },
    ]);
    const row = (containerId: string, facilityId = csapa) => ({
      organisation_id: organisationId,
      facility_id: facilityId,
      container_id: containerId,
      kind: 'sharps-box',
      volume_litres: 2,
    });
    await spec.given(given).thenTable('containers', [
      {
        ...row(ids.box),
        started_at: '2026-01-05T09:00:00.000Z',
        closed_at: '2026-02-01T17:00:00.000Z',
        weight_kg: 1.2,
        collection_id: ids.first,
      },
      {
        ...row(ids.drum),
        started_at: '2025-12-20T09:00:00.000Z',
        closed_at: '2026-02-02T17:00:00.000Z',
        weight_kg: null,
        collection_id: ids.first,
      },
      {
        ...row(ids.bag),
        started_at: '2026-02-04T09:00:00.000Z',
        closed_at: null,
        weight_kg: null,
        collection_id: null,
      },
      {
        ...row(ids.box, caarud),
        started_at: '2026-03-01T09:00:00.000Z',
        closed_at: null,
        weight_kg: null,
        collection_id: null,
      },
    ]);
  });

  it('answers one ESSMS’ ledger, oldest first, and nothing for another organisation', async () => {
    const schema = await spec.modelAfter(stream(history));
    const ledger = await infectiousWasteLedgerOf(spec.db, schema, { organisationId, facilityId: csapa });
    expect(ledger).to.include({ facilityId: csapa, activeSince: '2025-12-20T09:00:00.000Z', revision: 6 });
    expect(ledger?.containers.map((container) => container.containerId)).to.deep.equal([ids.drum, ids.box, ids.bag]);
    expect(ledger?.collections).to.deep.equal([
      {
        collectionId: ids.first,
        collectedAt: '2026-02-03T10:00:00.000Z',
        weightKg: 4.5,
        containerIds: [ids.drum, ids.box],
        collector: 'Cosmolys',
        trackingSlipNumber: 'BSD-1',
        slipReturnBy: '2026-03-03T10:00:00.000Z',
        slipReturnedAt: '2026-02-20T08:00:00.000Z',
      },
    ]);
    expect(await infectiousWasteLedgerOf(spec.db, schema, { organisationId: 'og-2', facilityId: csapa })).to.equal(
      undefined,
    );
  });

  it('lists the alerts of an ESSMS: the container waiting too long, the slip not back', async () => {
    // given a container waiting since 4 February and a collection whose slip is still out
    const schema = await spec.modelAfter(
      stream([
        ...history,
        started(ids.sharps, '2026-02-04T10:00:00.000Z'),
        closed(ids.sharps, '2026-02-05T10:00:00.000Z'),
        collected(ids.second, [ids.sharps], '2026-02-06T10:00:00.000Z', 'BSD-2'),
      ]),
    );
    const at = (now: string) => infectiousWasteAlertsOf(spec.db, schema, { organisationId, facilityId: csapa, now });

    // then 9 kg over the first two months: 1 month (announced 7 days ahead), no alert yet
    const early = await at('2026-02-20T00:00:00.000Z');
    expect(early.alerts).to.deep.equal([]);
    expect(early).to.deep.include({ rollingMonthlyAverageKg: 9 });
    expect(early.storageLimit.label).to.equal('1 mois');
    // and over four months: 3 months, the oldest container waiting just past its deadline
    const late = await at('2026-05-04T09:00:00.001Z');
    expect(late.storageLimit.label).to.equal('3 mois');
    expect(late.alerts.map((alert) => alert.kind)).to.deep.equal(['container-overdue', 'tracking-slip-not-returned']);
    expect(late.alerts[0]).to.include({ containerId: ids.bag, deadline: '2026-05-04T09:00:00.000Z' });
    expect(late.alerts[1]).to.include({ collectionId: ids.second, returnBy: '2026-03-06T10:00:00.000Z' });
    const elsewhere = await infectiousWasteAlertsOf(spec.db, schema, {
      organisationId,
      facilityId: caarud,
      now: '2026-05-04T09:00:00.001Z',
    });
    expect(elsewhere).to.deep.include({ rollingMonthlyAverageKg: 0, alerts: [] });
  });

  it('alerts exactly as the domain rule does on the decided history, whatever the history and now', async () => {
    const at = (days: number) => new Date(Date.UTC(2025, 0, 1, 9) + days * 86_400_000).toISOString();
    const uuid = (prefix: string, index: number) =>
      `0195f0a0-0000-7000-8000-${prefix}${String(index).padStart(12 - prefix.length, '0')}`;
    const plan = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 700 }),
        closeAfter: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
        collection: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
        collectAfter: fc.integer({ min: 0, max: 40 }),
        weightKg: fc.constantFrom(2, 12, 400),
        slip: fc.boolean(),
        returnAfter: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
      }),
      { maxLength: 6 },
    );
    await fc.assert(
      fc.asyncProperty(plan, fc.integer({ min: 0, max: 800 }).map(at), async (containers, now) => {
        // given the commands of a plausible history: starts, closings, collections, slips back
        const commands: InfectiousWasteCommand[] = [];
        const closings = new Map<string, number>();
        containers.forEach(({ start, closeAfter }, index) => {
          const containerId = uuid('c', index);
          commands.push({
            type: 'StartWasteContainer',
            facilityId: csapa,
            containerId,
            kind: 'sharps-box',
            volumeLitres: 2,
            startedAt: at(start),
          });
          if (closeAfter !== undefined) closings.set(containerId, start + closeAfter);
        });
        for (const [containerId, day] of closings) {
          commands.push({ type: 'CloseWasteContainer', facilityId: csapa, containerId, closedAt: at(day) });
        }
        const returns: InfectiousWasteCommand[] = [];
        for (const batch of [0, 1, 2]) {
          const taken = containers.flatMap((container, index) =>
            container.collection === batch && closings.has(uuid('c', index)) ? [{ container, index }] : [],
          );
          const first = taken[0]?.container;
          if (first === undefined) continue;
          const day =
            Math.max(...taken.map(({ index }) => closings.get(uuid('c', index)) as number)) + first.collectAfter;
          const collectionId = uuid('d', batch);
          commands.push({
            type: 'RecordInfectiousWasteCollection',
            facilityId: csapa,
            collectionId,
            collectedAt: at(day),
            weightKg: first.weightKg,
            containerIds: taken.map(({ index }) => uuid('c', index)),
            collector: 'Cosmolys',
            ...(first.slip ? { trackingSlipNumber: `BSD-${batch}` } : {}),
          });
          if (first.returnAfter !== undefined) {
            returns.push({
              type: 'RecordTrackingSlipReturn',
              facilityId: csapa,
              collectionId,
              returnedAt: at(day + first.returnAfter),
            });
          }
        }
        let ledger: InfectiousWasteLedger = infectiousWasteDecider.initialState();
        const events: InfectiousWasteEvent[] = [];
        for (const next of [...commands, ...returns]) {
          try {
            for (const event of [infectiousWasteDecider.decide(next, ledger)].flat()) {
              ledger = infectiousWasteDecider.evolve(ledger, event);
              events.push(event);
            }
          } catch {
            // refused (a slip required, none returned without one): nothing appended
          }
        }
        const schema = await spec.modelAfter(stream(events));

        // when
        const answered = await infectiousWasteAlertsOf(spec.db, schema, { organisationId, facilityId: csapa, now });

        // then
        const expected = infectiousWasteAlerts(
          {
            activeSince: ledger.activeSince,
            containers: ledger.containers.values(),
            collections: ledger.collections.values(),
          },
          now,
        );
        expect(answered.alerts).to.deep.equal(expected);
      }),
      { numRuns: 30 },
    );
  });
});
