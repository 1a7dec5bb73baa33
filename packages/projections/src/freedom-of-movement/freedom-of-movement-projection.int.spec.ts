import { type FreedomOfMovementEvent, freedomOfMovementStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { freedomOfMovementProjection } from './freedom-of-movement-projection.js';
import { freedomOfMovementMeasure, measuresOfServiceUser } from './measures-of-service-user-query.js';
import { measuresToReview } from './measures-to-review-query.js';

const organisationId = 'og-1';
const facilityId = '750000001';
const measureIdOf = (n: number) => `0195f0a0-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`;

function stream(n: number, serviceUserId: string, events: FreedomOfMovementEvent[]): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: freedomOfMovementStreamId(organisationId, measureIdOf(n)),
    metadata: { organisationId, facilityId, serviceUserId },
  }));
}
const proposed = (n: number, serviceUserId: string): FreedomOfMovementEvent => ({
  type: 'MeasureProposed',
  data: {
    measureId: measureIdOf(n),
    serviceUserId,
    facilityId,
    description: 'Porte à code la nuit',
    assessment: 'Évaluation pluridisciplinaire',
    proposedBy: 'rpps-1',
    proposedAt: '2025-01-10',
  },
});
const decided = (n: number, reviewBy: string): FreedomOfMovementEvent => ({
  type: 'MeasureDecided',
  data: { measureId: measureIdOf(n), decidedBy: 'directeur-1', decidedAt: '2025-01-15', reviewBy },
});
const informed = (n: number): FreedomOfMovementEvent => ({
  type: 'UsagerInformedOfMeasure',
  data: { measureId: measureIdOf(n), informedAt: '2025-01-16', how: 'entretien' },
});
const reviewed = (n: number, outcome: 'maintained' | 'lifted', nextReviewBy?: string): FreedomOfMovementEvent => ({
  type: 'MeasureReviewed',
  data: { measureId: measureIdOf(n), reviewedAt: '2025-04-01', outcome, ...(nextReviewBy ? { nextReviewBy } : {}) },
});
const row = (n: number, serviceUserId: string) => ({
  organisation_id: organisationId,
  measure_id: measureIdOf(n),
  facility_id: facilityId,
  service_user_id: serviceUserId,
});
/** What a row says of the measure beyond its status, for a measure proposed and left so. */
const details = {
  description: 'Porte à code la nuit',
  assessment: 'Évaluation pluridisciplinaire',
  proposed_by: 'rpps-1',
  proposed_at: '2025-01-10',
  decided_by: null,
  decided_at: null,
  informed_at: null,
  informed_how: null,
  reviews: 0,
  last_reviewed_at: null,
  last_outcome: null,
};
const decidedDetails = { ...details, decided_by: 'directeur-1', decided_at: '2025-01-15' };

describe('the freedom-of-movement projection', () => {
  const spec = ProjectionSpecification.for(freedomOfMovementProjection);
  after(() => spec.close());

  it('keeps each measure’s status, review date, information of the usager and revision', () =>
    spec
      .given([
        ...stream(1, 'usager-1', [proposed(1, 'usager-1')]),
        ...stream(2, 'usager-2', [proposed(2, 'usager-2'), decided(2, '2025-07-15'), informed(2)]),
        ...stream(3, 'usager-3', [proposed(3, 'usager-3'), decided(3, '2025-07-15'), reviewed(3, 'lifted')]),
        ...stream(4, 'usager-1', [
          proposed(4, 'usager-1'),
          decided(4, '2025-07-15'),
          reviewed(4, 'maintained', '2025-10-01'),
        ]),
      ])
      .thenTable('measures', [
        { ...row(1, 'usager-1'), status: 'proposed', review_by: null, usager_informed: false, revision: 0, ...details },
        {
          ...row(2, 'usager-2'),
          status: 'decided',
          review_by: '2025-07-15',
          usager_informed: true,
          revision: 2,
          ...decidedDetails,
          informed_at: '2025-01-16',
          informed_how: 'entretien',
        },
        {
          ...row(3, 'usager-3'),
          status: 'lifted',
          review_by: null,
          usager_informed: false,
          revision: 2,
          ...decidedDetails,
          reviews: 1,
          last_reviewed_at: '2025-04-01',
          last_outcome: 'lifted',
        },
        {
          ...row(4, 'usager-1'),
          status: 'decided',
          review_by: '2025-10-01',
          usager_informed: false,
          revision: 2,
          ...decidedDetails,
          reviews: 1,
          last_reviewed_at: '2025-04-01',
          last_outcome: 'maintained',
        },
      ]));

  it('drops a forgotten usager’s measures, and leaves the others’', () =>
    spec
      .given([
        ...stream(1, 'usager-1', [proposed(1, 'usager-1'), decided(1, '2025-07-15')]).map((event) => erased(event)),
        ...stream(2, 'usager-2', [proposed(2, 'usager-2')]),
      ])
      .thenTable('measures', [
        { ...row(2, 'usager-2'), status: 'proposed', review_by: null, usager_informed: false, revision: 0, ...details },
      ]));

  it('reads the measures of one usager in one ESSMS, and one measure, each with its warning', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, 'usager-1', [proposed(1, 'usager-1'), decided(1, '2025-07-10')]),
      ...stream(2, 'usager-2', [proposed(2, 'usager-2')]),
      ...stream(3, 'usager-1', [proposed(3, 'usager-1'), decided(3, '2025-09-01'), informed(3)]),
    ]);
    const today = '2025-07-01';
    const measures = await measuresOfServiceUser(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId,
      today,
    });
    expect(measures.map(({ measureId, warning }) => [measureId, warning])).to.deep.equal([
      [measureIdOf(1), 'review-due-soon'],
      [measureIdOf(3), 'none'],
    ]);
    expect(measures[1]).to.include({
      description: 'Porte à code la nuit',
      assessment: 'Évaluation pluridisciplinaire',
      proposedBy: 'rpps-1',
      decidedBy: 'directeur-1',
      informedHow: 'entretien',
      revision: 2,
    });
    expect(
      await measuresOfServiceUser(spec.db, schema, {
        organisationId,
        serviceUserId: 'usager-1',
        facilityId: '750000002',
        today,
      }),
    ).to.deep.equal([]);
    const one = await freedomOfMovementMeasure(spec.db, schema, { organisationId, measureId: measureIdOf(2), today });
    expect(one).to.include({ serviceUserId: 'usager-2', status: 'proposed', warning: 'none', decidedAt: null });
    expect(
      await freedomOfMovementMeasure(spec.db, schema, { organisationId: 'og-2', measureId: measureIdOf(2), today }),
    ).to.be.undefined;
  });

  it('lists the measures of one ESSMS to review: overdue or due within 15 days, most urgent first', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, 'usager-1', [proposed(1, 'usager-1'), decided(1, '2025-07-20')]),
      ...stream(2, 'usager-2', [proposed(2, 'usager-2'), decided(2, '2025-06-30'), informed(2)]),
      ...stream(3, 'usager-3', [proposed(3, 'usager-3'), decided(3, '2025-07-16')]),
      ...stream(4, 'usager-4', [proposed(4, 'usager-4'), decided(4, '2025-06-01'), reviewed(4, 'lifted')]),
      ...stream(5, 'usager-5', [proposed(5, 'usager-5')]),
    ]);
    const today = '2025-07-01';
    const list = await measuresToReview(spec.db, schema, { organisationId, facilityId, today });
    expect(list.map(({ serviceUserId, reviewBy, warning }) => [serviceUserId, reviewBy, warning])).to.deep.equal([
      ['usager-2', '2025-06-30', 'review-overdue'],
      ['usager-3', '2025-07-16', 'review-due-soon'],
    ]);
    expect(list[0]).to.include({ usagerInformed: true, revision: 2 });
    expect(await measuresToReview(spec.db, schema, { organisationId: 'og-2', facilityId, today })).to.deep.equal([]);
    expect(await measuresToReview(spec.db, schema, { organisationId, facilityId: '750000002', today })).to.deep.equal(
      [],
    );
  });

  it('lists a measure exactly when its review date is at most 15 days away', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -30, max: 40 }), fc.boolean(), async (offset, lift) => {
        const today = '2025-07-01';
        const reviewBy = new Date(Date.parse(`${today}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
        const schema = await spec.modelAfter(
          stream(1, 'usager-1', [
            proposed(1, 'usager-1'),
            decided(1, reviewBy),
            ...(lift ? [reviewed(1, 'lifted')] : []),
          ]),
        );
        const list = await measuresToReview(spec.db, schema, { organisationId, facilityId, today });
        const expected = lift || offset > 15 ? [] : [offset < 0 ? 'review-overdue' : 'review-due-soon'];
        expect(list.map((line) => line.warning)).to.deep.equal(expected);
      }),
      { numRuns: 20 },
    );
  });
});
