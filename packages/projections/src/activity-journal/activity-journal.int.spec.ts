import { expect } from 'chai';
import fc from 'fast-check';
import { modelRows } from '../runtime/model-rows.js';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { activityJournal } from './activity-journal.js';

const professional = { kind: 'professional', id: 'pro-1', role: 'infirmier' } as const;

function act(type: string, occurredAt: string, facilityId?: string): GivenEvent {
  return { type, metadata: { organisationId: 'og-1', facilityId, actor: professional, occurredAt } };
}

describe('the activity journal projection', () => {
  const spec = ProjectionSpecification.for(activityJournal);
  after(() => spec.close());

  it('counts acts per ESSMS, Paris day and kind', async () => {
    await spec
      .given([
        act('TransmissionRecorded', '2025-03-31T08:00:00.000Z', '750000001'),
        act('TransmissionRecorded', '2025-03-31T21:30:00.000Z', '750000001'), // 23:30 in Paris
        act('TransmissionRecorded', '2025-03-31T22:30:00.000Z', '750000001'), // 00:30 on 1 April in Paris
        act('MethadoneDispensed', '2025-03-31T07:00:00.000Z', '750000001'),
        act('OrganisationSettingChanged', '2025-03-31T07:00:00.000Z'),
      ])
      .thenTable('daily_activity', [
        {
          organisation_id: 'og-1',
          facility_id: '',
          day: '2025-03-31',
          event_type: 'OrganisationSettingChanged',
          events: 1,
        },
        {
          organisation_id: 'og-1',
          facility_id: '750000001',
          day: '2025-03-31',
          event_type: 'MethadoneDispensed',
          events: 1,
        },
        {
          organisation_id: 'og-1',
          facility_id: '750000001',
          day: '2025-03-31',
          event_type: 'TransmissionRecorded',
          events: 2,
        },
        {
          organisation_id: 'og-1',
          facility_id: '750000001',
          day: '2025-04-01',
          event_type: 'TransmissionRecorded',
          events: 1,
        },
      ]);
  });

  it('still counts the acts of a forgotten usager, without failing on their erased data', async () => {
    await spec
      .given([
        erased({ ...act('TransmissionRecorded', '2025-03-31T08:00:00.000Z', '750000001'), data: { texte: 'x' } }),
        act('TransmissionRecorded', '2025-03-31T09:00:00.000Z', '750000001'),
      ])
      .thenTable('daily_activity', [
        {
          organisation_id: 'og-1',
          facility_id: '750000001',
          day: '2025-03-31',
          event_type: 'TransmissionRecorded',
          events: 2,
        },
      ]);
  });

  it('gives the same model whether events are applied one by one or in batches', async () => {
    const oneByOne = ProjectionSpecification.for({ ...activityJournal, evolveBatch: undefined });
    const events = fc.array(
      fc.record({
        type: fc.constantFrom('A', 'B'),
        facility: fc.constantFrom(undefined, '750000001', '750000002'),
        minute: fc.integer({ min: 0, max: 60 * 24 * 3 }),
      }),
      { maxLength: 40 },
    );
    try {
      await fc.assert(
        fc.asyncProperty(events, async (drawn) => {
          const given = drawn.map(({ type, facility, minute }) =>
            act(type, new Date(Date.UTC(2025, 2, 30) + minute * 60_000).toISOString(), facility),
          );
          const batched = await modelRows(spec.db, await spec.modelAfter(given), 'daily_activity');
          const single = await modelRows(oneByOne.db, await oneByOne.modelAfter(given), 'daily_activity');
          expect(batched).to.deep.equal(single);
          expect(batched.reduce((sum, row) => sum + Number(row.events), 0)).to.equal(given.length);
        }),
        { numRuns: 15 },
      );
    } finally {
      await oneByOne.close();
    }
  });
});
