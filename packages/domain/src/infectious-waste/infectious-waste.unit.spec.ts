import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type InfectiousWasteCommand,
  type InfectiousWasteEvent,
  type InfectiousWasteLedger,
  infectiousWasteDecider,
  infectiousWasteEventSchemas,
  infectiousWasteStreamId,
} from './infectious-waste.js';

const spec = DeciderSpecification.for(infectiousWasteDecider);
const facilityId = '750000001';
const box = '0195f0a0-0000-7000-8000-0000000000c1';
const drum = '0195f0a0-0000-7000-8000-0000000000c2';
const collectionId = '0195f0a0-0000-7000-8000-0000000000d1';
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const started = (containerId: string, startedAt = '2026-01-05T09:00:00.000Z'): InfectiousWasteEvent => ({
  type: 'InfectiousWasteContainerStarted',
  data: { facilityId, containerId, kind: 'sharps-box', volumeLitres: 2, startedAt },
});
const closed = (containerId: string, closedAt = '2026-02-01T17:00:00.000Z'): InfectiousWasteEvent => ({
  type: 'InfectiousWasteContainerClosed',
  data: { facilityId, containerId, closedAt },
});
const collected = (data: Partial<Extract<InfectiousWasteEvent, { type: 'InfectiousWasteCollected' }>['data']> = {}) =>
  ({
    type: 'InfectiousWasteCollected',
    data: {
      facilityId,
      collectionId,
      collectedAt: '2026-02-03T10:00:00.000Z',
      weightKg: 1.5,
      containerIds: [box],
      collector: 'Cosmolys',
      trackingSlipNumber: 'BSD-2026-001',
      ...data,
    },
  }) satisfies InfectiousWasteEvent;
const collect = (
  data: Partial<Extract<InfectiousWasteCommand, { type: 'RecordInfectiousWasteCollection' }>> = {},
): InfectiousWasteCommand => ({ ...collected().data, ...data, type: 'RecordInfectiousWasteCollection' });
const boxReady = [started(box), closed(box)];

describe('the DASRI of an ESSMS', () => {
  describe('containers', () => {
    it('starts a container with its kind and volume, its instant in UTC', () => {
      spec
        .given([])
        .when({
          type: 'StartWasteContainer',
          facilityId,
          containerId: box,
          kind: 'sharps-box',
          volumeLitres: 2,
          startedAt: '2026-01-05T10:00:00+01:00',
        })
        .thenEmits([started(box)]);
    });

    it('refuses a container twice, a volume of 0 or less, an instant that is not one', () => {
      const start = { ...started(box).data, type: 'StartWasteContainer' } as InfectiousWasteCommand;
      spec
        .given([started(box)])
        .when(start)
        .thenRefuses(refusedWith('CONTAINER_ALREADY_STARTED'));
      for (const volumeLitres of [0, -1, Number.NaN]) {
        spec
          .given([])
          .when({ ...start, volumeLitres } as InfectiousWasteCommand)
          .thenRefuses(refusedWith('VOLUME_NOT_POSITIVE'));
      }
      spec
        .given([])
        .when({ ...start, startedAt: '2026-02-30T10:00:00Z' } as InfectiousWasteCommand)
        .thenRefuses(refusedWith('INVALID_INSTANT'));
    });

    it('closes a container, with its weight when known, once, never before its start', () => {
      spec
        .given([started(box)])
        .when({ type: 'CloseWasteContainer', facilityId, containerId: box, closedAt: '2026-02-01T18:00:00+01:00' })
        .thenEmits([closed(box)]);
      spec
        .given([started(box)])
        .when({
          type: 'CloseWasteContainer',
          facilityId,
          containerId: box,
          closedAt: '2026-02-01T17:00:00Z',
          weightKg: 1.2,
        })
        .thenEmits([{ type: 'InfectiousWasteContainerClosed', data: { ...closed(box).data, weightKg: 1.2 } as never }]);
      const close = {
        type: 'CloseWasteContainer',
        facilityId,
        containerId: box,
        closedAt: '2026-02-01T17:00:00Z',
      } as const;
      spec.given(boxReady).when(close).thenRefuses(refusedWith('CONTAINER_ALREADY_CLOSED'));
      spec.given([]).when(close).thenRefuses(refusedWith('CONTAINER_NOT_FOUND'));
      spec
        .given([started(box)])
        .when({ ...close, closedAt: '2026-01-05T08:59:59Z' })
        .thenRefuses(refusedWith('CLOSED_BEFORE_STARTED'));
      for (const weightKg of [0, -0.5]) {
        spec
          .given([started(box)])
          .when({ ...close, weightKg })
          .thenRefuses(refusedWith('WEIGHT_NOT_POSITIVE'));
      }
    });
  });

  describe('collections', () => {
    it('records a collection of closed containers: date, weight, collector, slip', () => {
      spec
        .given(boxReady)
        .when(collect({ collector: '  Cosmolys ', collectedAt: '2026-02-03T11:00:00+01:00' }))
        .thenEmits([collected()]);
    });

    it('collects only containers that exist, are closed, and have not left yet, each once', () => {
      spec
        .given(boxReady)
        .when(collect({ containerIds: [] }))
        .thenRefuses(refusedWith('COLLECTION_WITHOUT_CONTAINERS'));
      spec
        .given(boxReady)
        .when(collect({ containerIds: [drum] }))
        .thenRefuses(refusedWith('CONTAINER_NOT_FOUND'));
      spec
        .given([...boxReady, started(drum)])
        .when(collect({ containerIds: [box, drum] }))
        .thenRefuses(refusedWith('CONTAINER_NOT_CLOSED'));
      spec
        .given(boxReady)
        .when(collect({ containerIds: [box, box] }))
        .thenRefuses(refusedWith('CONTAINER_LISTED_TWICE'));
      spec
        .given([...boxReady, collected()])
        .when(collect({ collectionId: '0195f0a0-0000-7000-8000-0000000000d2', trackingSlipNumber: 'BSD-2' }))
        .thenRefuses(refusedWith('CONTAINER_ALREADY_COLLECTED'));
      spec
        .given(boxReady)
        .when(collect({ collectedAt: '2026-02-01T16:59:59Z' }))
        .thenRefuses(refusedWith('COLLECTED_BEFORE_CLOSING'));
      spec
        .given([...boxReady, collected()])
        .when(collect())
        .thenRefuses(refusedWith('COLLECTION_ALREADY_RECORDED'));
    });

    it('refuses a weight of 0 or less, a missing collector, a slip number already used', () => {
      for (const weightKg of [0, -3, Number.POSITIVE_INFINITY]) {
        spec.given(boxReady).when(collect({ weightKg })).thenRefuses(refusedWith('WEIGHT_NOT_POSITIVE'));
      }
      spec
        .given(boxReady)
        .when(collect({ collector: '  ' }))
        .thenRefuses(refusedWith('COLLECTOR_REQUIRED'));
      spec
        .given([...boxReady, collected(), started(drum), closed(drum)])
        .when(collect({ collectionId: '0195f0a0-0000-7000-8000-0000000000d2', containerIds: [drum] }))
        .thenRefuses(refusedWith('TRACKING_SLIP_NUMBER_ALREADY_USED'));
    });

    it('requires a tracking slip above 5 kg a month, this collection counted', () => {
      // given an ESSMS that started its first container in January (its first month)
      const withoutSlip = { trackingSlipNumber: undefined };
      spec
        .given(boxReady)
        .when(collect({ ...withoutSlip, weightKg: 5 }))
        .thenEmits([{ type: 'InfectiousWasteCollected', data: noSlip(collected({ weightKg: 5 }).data) }]);
      spec
        .given(boxReady)
        .when(collect({ ...withoutSlip, weightKg: 5.01 }))
        .thenRefuses(refusedWith('TRACKING_SLIP_REQUIRED'));
      spec
        .given(boxReady)
        .when(collect({ trackingSlipNumber: '   ', weightKg: 6 }))
        .thenRefuses(refusedWith('TRACKING_SLIP_REQUIRED'));
      // and, a year on, 4 kg a month on average: no slip needed
      spec
        .given([started(box, '2025-01-01T09:00:00Z'), closed(box)])
        .when(collect({ ...withoutSlip, weightKg: 48 }))
        .thenEmits([{ type: 'InfectiousWasteCollected', data: noSlip(collected({ weightKg: 48 }).data) }]);
    });
  });

  describe('tracking slips', () => {
    const returnSlip = {
      type: 'RecordTrackingSlipReturn',
      facilityId,
      collectionId,
      returnedAt: '2026-02-20T09:00:00+01:00',
    } as const;

    it('records the return of the signed slip, after the collection, once', () => {
      const returned: InfectiousWasteEvent = {
        type: 'TrackingSlipReturned',
        data: { facilityId, collectionId, trackingSlipNumber: 'BSD-2026-001', returnedAt: '2026-02-20T08:00:00.000Z' },
      };
      spec
        .given([...boxReady, collected()])
        .when(returnSlip)
        .thenEmits([returned]);
      spec
        .given([...boxReady, collected(), returned])
        .when(returnSlip)
        .thenRefuses(refusedWith('TRACKING_SLIP_ALREADY_RETURNED'));
      spec
        .given([...boxReady, collected()])
        .when({ ...returnSlip, returnedAt: '2026-02-03T09:59:59Z' })
        .thenRefuses(refusedWith('SLIP_RETURNED_BEFORE_COLLECTION'));
      spec.given(boxReady).when(returnSlip).thenRefuses(refusedWith('COLLECTION_NOT_FOUND'));
      spec
        .given([...boxReady, { type: 'InfectiousWasteCollected', data: noSlip(collected().data) }])
        .when(returnSlip)
        .thenRefuses(refusedWith('NO_TRACKING_SLIP'));
    });
  });

  it('keeps each ESSMS to its own stream', () => {
    assert.equal(infectiousWasteStreamId('og/1', 'fac/2'), 'infectious-waste/og%2F1/fac%2F2');
    spec
      .given([started(box)])
      .when({
        type: 'CloseWasteContainer',
        facilityId: '750000002',
        containerId: box,
        closedAt: '2026-02-01T17:00:00Z',
      })
      .thenRefuses(refusedWith('FACILITY_MISMATCH'));
  });

  it('emits events that match their schemas', () => {
    const events: InfectiousWasteEvent[] = [
      started(box),
      closed(box),
      collected(),
      {
        type: 'TrackingSlipReturned',
        data: { facilityId, collectionId, trackingSlipNumber: 'BSD-1', returnedAt: '2026-02-20T08:00:00.000Z' },
      },
    ];
    for (const event of events) infectiousWasteEventSchemas[event.type].parse(event.data);
  });

  it('never collects a container twice, nor one not closed before, whatever the commands', () => {
    const ids = [box, drum];
    const collectionIds = [
      '0195f0a0-0000-7000-8000-0000000000d1',
      '0195f0a0-0000-7000-8000-0000000000d2',
      '0195f0a0-0000-7000-8000-0000000000d3',
    ];
    // commands mostly in time order (time moves on by −1 day to +20 days), a few of them invalid
    const someTime = fc.integer({ min: -24, max: 24 * 20 });
    const step = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record({
            advance: someTime,
            containerId: fc.constantFrom(...ids),
            volumeLitres: fc.constantFrom(2, 50, 50, 50, 50, 0),
          })
          .map(({ advance, containerId, volumeLitres }) => ({
            advance,
            command: (startedAt: string): InfectiousWasteCommand => ({
              type: 'StartWasteContainer',
              facilityId,
              containerId,
              kind: 'sharps-box',
              volumeLitres,
              startedAt,
            }),
          })),
      },
      {
        weight: 3,
        arbitrary: fc
          .record({ advance: someTime, containerId: fc.constantFrom(...ids) })
          .map(({ advance, containerId }) => ({
            advance,
            command: (closedAt: string): InfectiousWasteCommand => ({
              type: 'CloseWasteContainer',
              facilityId,
              containerId,
              closedAt,
            }),
          })),
      },
      {
        weight: 3,
        arbitrary: fc
          .record({
            advance: someTime,
            collectionId: fc.constantFrom(...collectionIds),
            weightKg: fc.constantFrom(1, 4, 4, 30, 30, -1),
            containerIds: fc
              .constantFrom([box], [drum], [box, drum], [box, drum], [drum, drum])
              .map((list) => [...list]),
            collector: fc.constantFrom('Cosmolys', 'Cosmolys', 'Cosmolys', 'Cosmolys', ' '),
            trackingSlipNumber: fc.option(fc.constantFrom('BSD-1', 'BSD-2', 'BSD-3'), { nil: undefined, freq: 4 }),
          })
          .map(({ advance, ...collection }) => ({
            advance,
            command: (collectedAt: string): InfectiousWasteCommand => ({
              type: 'RecordInfectiousWasteCollection',
              facilityId,
              ...collection,
              collectedAt,
            }),
          })),
      },
      {
        weight: 2,
        arbitrary: fc
          .record({ advance: someTime, collectionId: fc.constantFrom(...collectionIds) })
          .map(({ advance, collectionId }) => ({
            advance,
            command: (returnedAt: string): InfectiousWasteCommand => ({
              type: 'RecordTrackingSlipReturn',
              facilityId,
              collectionId,
              returnedAt,
            }),
          })),
      },
    );
    const sequence = fc.array(step, { minLength: 5, maxLength: 40, size: 'max' }).map((steps) => {
      let hours = 0;
      return steps.map(({ advance, command }) => {
        hours += advance;
        return command(new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000).toISOString());
      });
    });
    fc.assert(
      fc.property(sequence, (commands) => {
        let ledger: InfectiousWasteLedger = infectiousWasteDecider.initialState();
        const history: InfectiousWasteEvent[] = [];
        for (const next of commands) {
          let emitted: InfectiousWasteEvent[];
          try {
            emitted = [infectiousWasteDecider.decide(next, ledger)].flat();
          } catch (error) {
            // a refusal says why, in French, and changes nothing
            assert.ok(error instanceof DomainRuleViolation, String(error));
            assert.match(error.message, /[a-zé]/);
            continue;
          }
          for (const event of emitted) {
            infectiousWasteEventSchemas[event.type].parse(event.data);
            ledger = infectiousWasteDecider.evolve(ledger, event);
          }
          history.push(...emitted);
        }
        assert.deepEqual(foldEvents(infectiousWasteDecider, history), ledger);
        const collectedOnce = new Set<string>();
        const slips = new Set<string>();
        for (const collection of ledger.collections.values()) {
          assert.ok(collection.weightKg > 0);
          if (collection.trackingSlipNumber !== undefined) {
            assert.ok(!slips.has(collection.trackingSlipNumber), 'a slip number used twice');
            slips.add(collection.trackingSlipNumber);
          }
          if (collection.slipReturnedAt !== undefined) assert.ok(collection.slipReturnedAt >= collection.collectedAt);
          for (const containerId of collection.containerIds) {
            assert.ok(!collectedOnce.has(containerId), 'a container collected twice');
            collectedOnce.add(containerId);
            const container = ledger.containers.get(containerId);
            assert.ok(container?.closedAt !== undefined && container.closedAt <= collection.collectedAt);
            assert.ok(container.startedAt <= container.closedAt);
            assert.equal(container.collectionId, collection.collectionId);
          }
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

function noSlip<Data extends { trackingSlipNumber?: string }>(data: Data): Omit<Data, 'trackingSlipNumber'> {
  const { trackingSlipNumber: _, ...rest } = data;
  return rest;
}
