import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  MAX_ASSESSMENT_TOOLS,
  normaliseAssessmentTools,
  type PsychologicalAssessmentEvent,
  type PsychologicalAssessmentRecorded,
  psychologicalAssessmentDecider,
  psychologicalAssessmentEventSchemas,
  psychologicalAssessmentStreamId,
} from './psychological-assessment.js';

const spec = DeciderSpecification.for(psychologicalAssessmentDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const assessmentId = '0195f0a0-0000-7000-8000-0000000000e1';
const today = '2026-03-10';
const bilan: PsychologicalAssessmentRecorded = {
  assessmentId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  psychologistId: 'pro-psy',
  assessedOn: '2026-03-09',
  tools: ['entretien clinique', 'MoCA'],
  conclusions: 'Troubles attentionnels modérés ; pas de trouble thymique caractérisé.',
};
const recorded: PsychologicalAssessmentEvent = { type: 'PsychologicalAssessmentRecorded', data: bilan };

describe('a psychological assessment (bilan)', () => {
  it('is recorded with its day, its tools once each, and its conclusions', () => {
    spec
      .given([])
      .when({
        type: 'RecordPsychologicalAssessment',
        ...bilan,
        tools: [' entretien clinique', 'MoCA', '', 'MoCA '],
        conclusions: ` ${bilan.conclusions} `,
        today,
      })
      .thenEmits([recorded]);
    spec
      .given([])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, tools: [], today })
      .thenEmits([{ type: 'PsychologicalAssessmentRecorded', data: { ...bilan, tools: [] } }]);
    spec
      .given([recorded])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, today })
      .thenRefuses(refusedWith('ASSESSMENT_ALREADY_RECORDED'));
  });

  it('refuses a day to come or invalid, empty conclusions, too many tools', () => {
    spec
      .given([])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, assessedOn: '2026-03-11', today })
      .thenRefuses(refusedWith('ASSESSMENT_IN_FUTURE'));
    spec
      .given([])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, assessedOn: '2026-02-30', today })
      .thenRefuses(refusedWith('ASSESSMENT_DAY_INVALID'));
    spec
      .given([])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, conclusions: '  ', today })
      .thenRefuses(refusedWith('ASSESSMENT_CONCLUSIONS_REQUIRED'));
    const tools = Array.from({ length: MAX_ASSESSMENT_TOOLS + 1 }, (_, index) => `outil ${index}`);
    spec
      .given([])
      .when({ type: 'RecordPsychologicalAssessment', ...bilan, tools, today })
      .thenRefuses(refusedWith('ASSESSMENT_TOO_MANY_TOOLS'));
  });

  it('is amended by a later event saying what changes and why', () => {
    spec
      .given([recorded])
      .when({
        type: 'AmendPsychologicalAssessment',
        reason: ' outil oublié ',
        tools: ['entretien clinique', 'MoCA', 'BDI-II'],
        conclusions: bilan.conclusions,
        today,
      })
      .thenEmits([
        {
          type: 'PsychologicalAssessmentAmended',
          data: { assessmentId, reason: 'outil oublié', tools: ['entretien clinique', 'MoCA', 'BDI-II'] },
        },
      ]);
    spec
      .given([recorded])
      .when({ type: 'AmendPsychologicalAssessment', reason: 'ordre', tools: [' MoCA', 'entretien clinique'], today })
      .thenEmits([
        {
          type: 'PsychologicalAssessmentAmended',
          data: { assessmentId, reason: 'ordre', tools: ['MoCA', 'entretien clinique'] },
        },
      ]);
    spec
      .given([recorded])
      .when({ type: 'AmendPsychologicalAssessment', reason: 'rien', tools: ['entretien clinique', 'MoCA'], today })
      .thenRefuses(refusedWith('ASSESSMENT_AMENDMENT_CHANGES_NOTHING'));
    spec
      .given([recorded])
      .when({ type: 'AmendPsychologicalAssessment', reason: ' ', conclusions: 'autres', today })
      .thenRefuses(refusedWith('ASSESSMENT_AMENDMENT_REASON_REQUIRED'));
    spec
      .given([recorded])
      .when({ type: 'AmendPsychologicalAssessment', reason: 'jour', assessedOn: '2026-03-12', today })
      .thenRefuses(refusedWith('ASSESSMENT_IN_FUTURE'));
    spec
      .given([])
      .when({ type: 'AmendPsychologicalAssessment', reason: 'jour', assessedOn: '2026-03-08', today })
      .thenRefuses(refusedWith('ASSESSMENT_NOT_FOUND'));
    const state = foldEvents(psychologicalAssessmentDecider, [
      recorded,
      { type: 'PsychologicalAssessmentAmended', data: { assessmentId, reason: 'jour', assessedOn: '2026-03-08' } },
    ]);
    assert.ok(state.status === 'recorded');
    assert.equal(state.assessedOn, '2026-03-08');
    assert.deepEqual(state.tools, bilan.tools);
    assert.equal(state.amendments, 1);
  });

  it('emits events that match their schemas, in a stream per assessment', () => {
    psychologicalAssessmentEventSchemas.PsychologicalAssessmentRecorded.parse(bilan);
    psychologicalAssessmentEventSchemas.PsychologicalAssessmentAmended.parse({ assessmentId, reason: 'x', tools: [] });
    assert.equal(
      psychologicalAssessmentStreamId('og/1', assessmentId),
      `psychological-assessment/og%2F1/${assessmentId}`,
    );
  });

  it('keeps nothing of a forgotten usager', () => {
    const erased: PsychologicalAssessmentEvent[] = [
      { type: 'PsychologicalAssessmentRecorded', data: { $erased: true } },
    ];
    const state = foldEvents(psychologicalAssessmentDecider, erased);
    assert.ok(state.status === 'recorded');
    assert.equal(state.conclusions, undefined);
    spec
      .given(erased)
      .when({ type: 'AmendPsychologicalAssessment', reason: 'x', conclusions: 'y', today })
      .thenRefuses(refusedWith('ASSESSMENT_ERASED'));
  });

  it('keeps tools trimmed, non-blank and each once, in the order first given', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('MoCA', ' MoCA', 'BDI-II', '', ' ', 'TMT', 'TMT  '), { maxLength: 20 }),
        (given) => {
          const kept = normaliseAssessmentTools(given);
          assert.equal(new Set(kept).size, kept.length);
          for (const tool of kept) assert.ok(tool.length > 0 && tool === tool.trim());
          const firstSeen = given
            .map((tool) => tool.trim())
            .filter((tool, index, all) => tool && all.indexOf(tool) === index);
          assert.deepEqual(kept, firstSeen);
        },
      ),
      { numRuns: 300 },
    );
  });
});
