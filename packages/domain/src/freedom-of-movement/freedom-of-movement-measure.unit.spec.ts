import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  addCalendarMonths,
  type FreedomOfMovementEvent,
  freedomOfMovementDecider,
  freedomOfMovementEventSchemas,
  freedomOfMovementStreamId,
  MEASURE_REVIEW_LEAD_DAYS,
  type MeasureProposed,
  measureWarning,
} from './freedom-of-movement-measure.js';

const spec = DeciderSpecification.for(freedomOfMovementDecider);
const measureId = '0195f0a0-0000-7000-8000-0000000000f1';
const proposal: MeasureProposed = {
  measureId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  description: 'Sorties accompagnées la nuit',
  assessment: 'Évaluation pluridisciplinaire du 2025-03-20 : risque de fugue nocturne',
  proposedBy: 'rpps-10001',
  proposedAt: '2025-03-24',
};
const proposed: FreedomOfMovementEvent = { type: 'MeasureProposed', data: proposal };
const decided: FreedomOfMovementEvent = {
  type: 'MeasureDecided',
  data: { measureId, decidedBy: 'directeur-1', decidedAt: '2025-03-31', reviewBy: '2025-09-30' },
};
const how = 'entretien avec l’usager et sa personne de confiance';
const informed: FreedomOfMovementEvent = {
  type: 'UsagerInformedOfMeasure',
  data: { measureId, informedAt: '2025-04-01', how },
};
const lifted: FreedomOfMovementEvent = {
  type: 'MeasureReviewed',
  data: { measureId, reviewedAt: '2025-06-01', outcome: 'lifted' },
};
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
/** A day after every step of these cases: the shell brings today's. */
const TODAY = '2099-12-31';
const decide = {
  type: 'DecideMeasure',
  today: TODAY,
  decidedBy: 'directeur-1',
  decidedAt: '2025-03-31',
  reviewBy: '2025-09-30',
} as const;

describe('a measure restricting a usager’s freedom of movement', () => {
  it('names its stream per organisation and measure', () => {
    assert.equal(freedomOfMovementStreamId('og/1', measureId), `freedom-of-movement/og%2F1/${measureId}`);
  });

  it('is proposed once by a doctor, with its assessment', () => {
    spec
      .given([])
      .when({ type: 'ProposeMeasure', today: TODAY, ...proposal, assessment: `  ${proposal.assessment} ` })
      .thenEmits([proposed]);
    spec
      .given([proposed])
      .when({ type: 'ProposeMeasure', today: TODAY, ...proposal })
      .thenRefuses(refusedWith('MEASURE_ALREADY_PROPOSED'));
    spec
      .given([])
      .when({ type: 'ProposeMeasure', today: TODAY, ...proposal, assessment: ' ' })
      .thenRefuses(refusedWith('MEASURE_ASSESSMENT_REQUIRED'));
  });

  it('is decided by the director after the proposal, with a review within 6 months', () => {
    spec.given([proposed]).when(decide).thenEmits([decided]);
    spec.given([]).when(decide).thenRefuses(refusedWith('MEASURE_NOT_PROPOSED'));
    spec.given([proposed, decided]).when(decide).thenRefuses(refusedWith('MEASURE_ALREADY_DECIDED'));
    spec
      .given([proposed])
      .when({ ...decide, decidedAt: '2025-03-23' })
      .thenRefuses(refusedWith('DECIDED_BEFORE_PROPOSED'));
    spec
      .given([proposed])
      .when({ ...decide, reviewBy: '2025-10-01' })
      .thenRefuses(refusedWith('REVIEW_DATE_OUT_OF_RANGE'));
    spec
      .given([proposed])
      .when({ ...decide, reviewBy: '2025-03-31' })
      .thenRefuses(refusedWith('REVIEW_DATE_OUT_OF_RANGE'));
  });

  it('records how the usager was informed, once decided', () => {
    const inform = { type: 'RecordUsagerInformed', today: TODAY, informedAt: '2025-04-01', how } as const;
    spec.given([proposed, decided]).when(inform).thenEmits([informed]);
    spec.given([proposed]).when(inform).thenRefuses(refusedWith('MEASURE_NOT_DECIDED'));
    spec
      .given([proposed, decided])
      .when({ ...inform, informedAt: '2025-03-30' })
      .thenRefuses(refusedWith('INFORMED_BEFORE_DECISION'));
  });

  it('is reviewed once decided: maintained or modified with a next review, or lifted', () => {
    const review = { type: 'ReviewMeasure', today: TODAY, reviewedAt: '2025-06-01' } as const;
    spec
      .given([proposed, decided])
      .when({ ...review, outcome: 'maintained', nextReviewBy: '2025-12-01' })
      .thenEmits([
        {
          type: 'MeasureReviewed',
          data: { measureId, reviewedAt: '2025-06-01', outcome: 'maintained', nextReviewBy: '2025-12-01' },
        },
      ]);
    spec
      .given([proposed, decided])
      .when({ ...review, outcome: 'lifted' })
      .thenEmits([lifted]);
    spec
      .given([proposed])
      .when({ ...review, outcome: 'lifted' })
      .thenRefuses(refusedWith('MEASURE_NOT_DECIDED'));
    spec
      .given([proposed, decided])
      .when({ ...review, outcome: 'modified' })
      .thenRefuses(refusedWith('NEXT_REVIEW_REQUIRED'));
    spec
      .given([proposed, decided])
      .when({ ...review, outcome: 'modified', nextReviewBy: '2025-12-02' })
      .thenRefuses(refusedWith('REVIEW_DATE_OUT_OF_RANGE'));
    spec
      .given([proposed, decided, lifted])
      .when({ ...review, outcome: 'maintained', nextReviewBy: '2025-07-01' })
      .thenRefuses(refusedWith('MEASURE_LIFTED'));
  });

  it('refuses a proposal, decision, information or review dated after today, the day the shell brings', () => {
    // given a proposed measure, and a decided one, on 31 March 2025
    const today = '2025-03-31';
    const tomorrow = '2025-04-01';

    // when each step is dated tomorrow, then today
    // then tomorrow is refused with the field and today in details, today is accepted
    const futureOf = (field: string) => (error: Error) =>
      refusedWith('MEASURE_DAY_IN_FUTURE')(error) &&
      (error as DomainRuleViolation).details?.field === field &&
      (error as DomainRuleViolation).details?.today === today;
    spec
      .given([])
      .when({ type: 'ProposeMeasure', ...proposal, proposedAt: tomorrow, today })
      .thenRefuses(futureOf('proposedAt'));
    spec
      .given([proposed])
      .when({ ...decide, decidedAt: tomorrow, reviewBy: '2025-09-30', today })
      .thenRefuses(futureOf('decidedAt'));
    spec
      .given([proposed])
      .when({ ...decide, today })
      .thenEmits([decided]);
    spec
      .given([proposed, decided])
      .when({ type: 'RecordUsagerInformed', informedAt: tomorrow, how, today })
      .thenRefuses(futureOf('informedAt'));
    spec
      .given([proposed, decided])
      .when({ type: 'ReviewMeasure', reviewedAt: tomorrow, outcome: 'lifted', today })
      .thenRefuses(futureOf('reviewedAt'));
  });

  it('emits events that match their schemas', () => {
    for (const event of [proposed, decided, informed, lifted]) {
      assert.ok(freedomOfMovementEventSchemas[event.type].safeParse(event.data).success, event.type);
    }
  });

  it('adds calendar months, clamped to the end of the month', () => {
    assert.equal(addCalendarMonths('2025-08-31', 6), '2026-02-28');
    assert.equal(addCalendarMonths('2025-03-31', 6), '2025-09-30');
    assert.equal(addCalendarMonths('2023-08-29', 6), '2024-02-29');
  });
});

const dayMs = 86_400_000;
const dateArb = fc
  .integer({ min: Date.UTC(2000, 0, 1) / dayMs, max: Date.UTC(2060, 0, 1) / dayMs })
  .map((n) => new Date(n * dayMs).toISOString().slice(0, 10));
/** An independent day count: step one day at a time with local calendar arithmetic. */
function countDays(from: string, to: string): number {
  const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
  const start = new Date(fy, fm - 1, fd, 12);
  const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
  const end = new Date(ty, tm - 1, td, 12);
  const sign = end >= start ? 1 : -1;
  let count = 0;
  const cursor = new Date(start);
  while (
    cursor.getFullYear() !== end.getFullYear() ||
    cursor.getMonth() !== end.getMonth() ||
    cursor.getDate() !== end.getDate()
  ) {
    cursor.setDate(cursor.getDate() + sign);
    count += sign;
  }
  return count;
}

describe('the day of each step of a measure, against today', () => {
  const plusDays = (value: string, days: number) =>
    new Date(Date.parse(`${value}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
  const longAgo = '2000-01-01';
  const proposedLongAgo: FreedomOfMovementEvent = {
    type: 'MeasureProposed',
    data: { ...proposal, proposedAt: longAgo },
  };
  const decidedLongAgo: FreedomOfMovementEvent = {
    type: 'MeasureDecided',
    data: { measureId, decidedBy: 'directeur-1', decidedAt: longAgo, reviewBy: '2000-06-01' },
  };
  const commandsDated = (
    stepDay: string,
    today: string,
  ): [FreedomOfMovementEvent[], Parameters<typeof freedomOfMovementDecider.decide>[0]][] => [
    [[], { type: 'ProposeMeasure', ...proposal, proposedAt: stepDay, today }],
    [
      [proposedLongAgo],
      { type: 'DecideMeasure', decidedBy: 'directeur-1', decidedAt: stepDay, reviewBy: plusDays(stepDay, 30), today },
    ],
    [[proposedLongAgo, decidedLongAgo], { type: 'RecordUsagerInformed', informedAt: stepDay, how, today }],
    [
      [proposedLongAgo, decidedLongAgo],
      { type: 'ReviewMeasure', reviewedAt: stepDay, outcome: 'maintained', nextReviewBy: plusDays(stepDay, 30), today },
    ],
  ];

  it('refuses any day after today and accepts any day up to today, for each command', () => {
    fc.assert(
      fc.property(
        dateArb.filter((today) => today >= '2001-01-01'),
        fc.integer({ min: -365, max: 365 }),
        (today, offset) => {
          // given today, and a step dated `offset` days from it
          const stepDay = plusDays(today, offset);
          for (const [history, command] of commandsDated(stepDay, today)) {
            const state = history.reduce(freedomOfMovementDecider.evolve, freedomOfMovementDecider.initialState());

            // when the step is decided
            const attempt = () => freedomOfMovementDecider.decide(command, state);

            // then it is refused exactly when its day is after today
            if (offset > 0) assert.throws(attempt, refusedWith('MEASURE_DAY_IN_FUTURE'), command.type);
            else assert.doesNotThrow(attempt, command.type);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the warning of a measure', () => {
  it('warns of a review exactly within the lead, or past the review date', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -60, max: 60 }), fc.boolean(), (reviewBy, offset, usagerInformed) => {
        const today = new Date(Date.parse(`${reviewBy}T00:00:00Z`) - offset * dayMs).toISOString().slice(0, 10);
        const left = countDays(today, reviewBy);
        const warning = measureWarning({ status: 'decided', reviewBy, usagerInformed }, today);
        const expected =
          left < 0
            ? 'review-overdue'
            : left <= MEASURE_REVIEW_LEAD_DAYS
              ? 'review-due-soon'
              : usagerInformed
                ? 'none'
                : 'usager-not-informed';
        assert.equal(warning, expected);
      }),
      { numRuns: 300 },
    );
  });

  it('never warns of a review for a lifted measure, nor of anything for a proposed one', () => {
    fc.assert(
      fc.property(dateArb, dateArb, fc.boolean(), (reviewBy, today, usagerInformed) => {
        assert.equal(measureWarning({ status: 'lifted', reviewBy, usagerInformed }, today), 'none');
        assert.equal(measureWarning({ status: 'proposed', reviewBy: undefined, usagerInformed }, today), 'none');
      }),
    );
  });

  it('never warns of a review after any sequence of commands ending in a lift', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 1, max: 180 }), dateArb, (decidedAt, length, today) => {
        const reviewBy = new Date(Date.parse(`${decidedAt}T00:00:00Z`) + length * dayMs).toISOString().slice(0, 10);
        const events: FreedomOfMovementEvent[] = [
          { type: 'MeasureProposed', data: { ...proposal, proposedAt: decidedAt } },
        ];
        let state = events.reduce(freedomOfMovementDecider.evolve, freedomOfMovementDecider.initialState());
        for (const command of [
          { type: 'DecideMeasure', today: TODAY, decidedBy: 'directeur-1', decidedAt, reviewBy } as const,
          { type: 'ReviewMeasure', today: TODAY, reviewedAt: reviewBy, outcome: 'lifted' } as const,
        ]) {
          const decidedEvents = [freedomOfMovementDecider.decide(command, state)].flat();
          state = decidedEvents.reduce(freedomOfMovementDecider.evolve, state);
        }
        assert.equal(state.status, 'lifted');
        assert.equal(measureWarning(state, today), 'none');
      }),
      { numRuns: 100 },
    );
  });
});
