import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AssessmentEvent,
  type AssessmentRecorded,
  assessmentDecider,
  assessmentRecordedSchema,
  assessmentsStreamId,
  createAssessmentDecider,
  type RecordAssessment,
  scoreHistory,
} from './assessment.js';
import type { AssessmentGrid, GridSex } from './assessment-grid.js';
import { ASSESSMENT_GRIDS, AUDIT, DETA } from './grids/index.js';

const spec = DeciderSpecification.for(assessmentDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const assessmentId = (n: number) => `0195f0a0-0000-7000-8000-${String(n).padStart(12, '0')}`;
const deta: RecordAssessment = {
  assessmentId: assessmentId(1),
  gridId: 'deta',
  gridVersion: '1',
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  answers: { diminuer: 'yes', entourage: 'yes', trop: 'no', alcool: 'no' },
  filledAt: '2025-03-04T10:00:00.000Z',
};
const detaBands = DETA.bands as Exclude<AssessmentGrid['bands'], { female: unknown }>;
const detaFilled: AssessmentEvent = {
  type: 'AssessmentRecorded',
  data: { ...deta, complete: true, score: 2, band: detaBands[1]! },
};

describe('the grids filled in an accompaniment', () => {
  it('records a complete grid with its score and interpretation', () => {
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...deta })
      .thenEmits([detaFilled]);
    expect(detaBands[1]!.level).to.equal('positive');
  });

  it('records an incomplete grid as a draft, without a score', () => {
    const draft = { ...deta, answers: { diminuer: 'yes' } };
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...draft })
      .thenEmits([{ type: 'AssessmentRecorded', data: { ...draft, complete: false } }]);
  });

  it('interprets AUDIT-C with the usager’s sex, and keeps the sex with the answers', () => {
    const auditC: RecordAssessment = {
      ...deta,
      gridId: 'audit-c',
      answers: { q1: 'two-to-four-a-month', q2: 'one-or-two', q3: 'less-than-monthly' },
      sex: 'female',
    };
    const [event] = [
      assessmentDecider.decide({ type: 'RecordAssessment', ...auditC }, assessmentDecider.initialState()),
    ].flat();
    expect(event!.data).to.deep.include({ complete: true, score: 3, sex: 'female' });
    expect((event!.data as AssessmentRecorded).band!.level).to.equal('positive');
    const [asMan] = [
      assessmentDecider.decide({ type: 'RecordAssessment', ...auditC, sex: 'male' }, assessmentDecider.initialState()),
    ].flat();
    expect((asMan!.data as AssessmentRecorded).band!.level).to.equal('negative');
    const { sex: _, ...withoutSex } = auditC;
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...withoutSex })
      .thenRefuses(refusedWith('GRID_SEX_REQUIRED'));
  });

  it('refuses an unknown grid or grid version', () => {
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...deta, gridId: 'hads' })
      .thenRefuses(refusedWith('GRID_NOT_FOUND'));
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...deta, gridVersion: '2' })
      .thenRefuses((error: Error) => refusedWith('GRID_NOT_FOUND')(error) && /version 2/.test(error.message));
  });

  it('refuses an answer the grid does not offer', () => {
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...deta, answers: { ...deta.answers, trop: 'souvent' } })
      .thenRefuses(refusedWith('GRID_INVALID_ANSWER'));
    spec
      .given([])
      .when({ type: 'RecordAssessment', ...deta, answers: { ...deta.answers, q5: 'yes' } })
      .thenRefuses(refusedWith('GRID_UNKNOWN_ITEM'));
  });

  it('records each filling once', () => {
    spec
      .given([detaFilled])
      .when({ type: 'RecordAssessment', ...deta, answers: { diminuer: 'no' } })
      .thenRefuses(refusedWith('ASSESSMENT_ALREADY_RECORDED'));
    spec
      .given([detaFilled])
      .when({ type: 'RecordAssessment', ...deta, assessmentId: assessmentId(2) })
      .thenEmits([
        {
          type: 'AssessmentRecorded',
          data: { ...detaFilled.data, assessmentId: assessmentId(2) } as AssessmentRecorded,
        },
      ]);
  });

  it('keeps to one usager in one ESSMS', () => {
    spec
      .given([detaFilled])
      .when({ type: 'RecordAssessment', ...deta, assessmentId: assessmentId(2), serviceUserId: 'usager-2' })
      .thenRefuses(refusedWith('ASSESSMENT_OTHER_ACCOMPANIMENT'));
    spec
      .given([detaFilled])
      .when({ type: 'RecordAssessment', ...deta, assessmentId: assessmentId(2), facilityId: '750000002' })
      .thenRefuses(refusedWith('ASSESSMENT_OTHER_ACCOMPANIMENT'));
  });

  it('still accepts grids after a forgotten usager’s events', () => {
    spec
      .given([{ type: 'AssessmentRecorded', data: { $erased: true } }])
      .when({ type: 'RecordAssessment', ...deta })
      .thenEmits([detaFilled]);
  });

  it('works over configured grids, not only the shipped ones', () => {
    const local = { ...DETA, gridId: 'deta-local', version: '2025' };
    const decider = createAssessmentDecider([local]);
    DeciderSpecification.for(decider)
      .given([])
      .when({ type: 'RecordAssessment', ...deta, gridId: 'deta-local', gridVersion: '2025' })
      .thenEmits([
        {
          type: 'AssessmentRecorded',
          data: { ...detaFilled.data, gridId: 'deta-local', gridVersion: '2025' } as AssessmentRecorded,
        },
      ]);
    DeciderSpecification.for(decider)
      .given([])
      .when({ type: 'RecordAssessment', ...deta })
      .thenRefuses(refusedWith('GRID_NOT_FOUND'));
  });

  it('names one stream per accompaniment', () => {
    expect(assessmentsStreamId('og a', 'acc/1')).to.equal('assessments/og%20a/acc%2F1');
  });

  it('emits only data its schema accepts', () => {
    const anyFilling = fc.constantFrom(...ASSESSMENT_GRIDS).chain((grid) =>
      fc.record({
        grid: fc.constant(grid),
        answers: fc.tuple(
          ...grid.items.map((item) =>
            fc.option(fc.constantFrom(...item.options.map((option) => option.value)), { nil: undefined }),
          ),
        ),
        sex: fc.constantFrom<GridSex>('female', 'male'),
        n: fc.nat({ max: 999_999 }),
        at: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      }),
    );
    fc.assert(
      fc.property(anyFilling, ({ grid, answers, sex, n, at }) => {
        const command: RecordAssessment = {
          ...deta,
          assessmentId: assessmentId(n),
          gridId: grid.gridId,
          gridVersion: grid.version,
          answers: Object.fromEntries(
            grid.items.flatMap((item, index) => (answers[index] ? [[item.itemId, answers[index]]] : [])),
          ),
          sex,
          filledAt: at.toISOString(),
        };
        const [event] = [
          assessmentDecider.decide({ type: 'RecordAssessment', ...command }, assessmentDecider.initialState()),
        ].flat();
        const data = assessmentRecordedSchema.parse(event!.data);
        expect(data.complete).to.equal(answers.every((answer) => answer !== undefined));
      }),
    );
  });
});

describe('the score history of a grid', () => {
  const audit = (n: number, filledAt: string, q1: string): AssessmentEvent => {
    const answers = Object.fromEntries(AUDIT.items.map((item) => [item.itemId, item.options[0]!.value]));
    return [
      assessmentDecider.decide(
        {
          type: 'RecordAssessment',
          ...deta,
          assessmentId: assessmentId(n),
          gridId: 'audit',
          answers: { ...answers, q1 },
          filledAt,
        },
        assessmentDecider.initialState(),
      ),
    ].flat()[0]!;
  };
  const auditDraft = [
    assessmentDecider.decide(
      { type: 'RecordAssessment', ...deta, assessmentId: assessmentId(9), gridId: 'audit', answers: { q1: 'never' } },
      assessmentDecider.initialState(),
    ),
  ].flat()[0]!;

  it('lists the complete fillings of that grid, oldest first', () => {
    const events: AssessmentEvent[] = [
      audit(1, '2025-03-01T09:00:00+01:00', 'four-or-more-a-week'),
      detaFilled,
      auditDraft,
      { type: 'AssessmentRecorded', data: { $erased: true } },
      audit(2, '2025-01-15T09:00:00Z', 'monthly-or-less'),
      audit(3, '2025-03-01T08:00:00Z', 'two-to-four-a-month'),
    ];
    expect(
      scoreHistory(events, 'audit').map(({ assessmentId, score, filledAt }) => ({ assessmentId, score, filledAt })),
    ).to.deep.equal([
      { assessmentId: assessmentId(2), score: 1, filledAt: '2025-01-15T09:00:00Z' },
      { assessmentId: assessmentId(1), score: 4, filledAt: '2025-03-01T09:00:00+01:00' },
      { assessmentId: assessmentId(3), score: 2, filledAt: '2025-03-01T08:00:00Z' },
    ]);
    expect(scoreHistory(events, 'deta')).to.deep.equal([
      { assessmentId: assessmentId(1), gridVersion: '1', filledAt: deta.filledAt, score: 2, band: detaBands[1] },
    ]);
    expect(scoreHistory(events, 'audit-c')).to.deep.equal([]);
  });
});
