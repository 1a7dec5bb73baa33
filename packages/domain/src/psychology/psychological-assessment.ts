import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * A psychological assessment (bilan psychologique) of a usager by a psychologist: the day, the
 * tools used (tests, scales, projective methods, clinical interview) and the conclusions. Not an
 * `Assessment` (a filled evaluation grid): its tools are often copyrighted and only named here.
 * Psychological class: closed to everyone but the psychologists of the care team and those the
 * usager allowed.
 *
 * Decisions taken here:
 * - One stream per assessment (`psychologicalAssessmentStreamId`).
 * - The assessment is dated on the day it was done (`assessedOn`, `YYYY-MM-DD`), never after
 *   `today`, which comes with the command.
 * - Never edited: an amendment says what changes (day, tools, conclusions) and why.
 * - Tools are names, trimmed, each once, in the order given; an assessment may rest on a clinical
 *   interview alone (no tool).
 */
export const MAX_ASSESSMENT_TOOLS = 30;
const MAX_TOOL_LENGTH = 200;
const MAX_CONCLUSIONS_LENGTH = 20_000;
const MAX_REASON_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const day = z.iso.date();
const tools = z.array(z.string().min(1).max(MAX_TOOL_LENGTH)).max(MAX_ASSESSMENT_TOOLS);
const conclusions = z.string().min(1).max(MAX_CONCLUSIONS_LENGTH);

export const psychologicalAssessmentRecordedSchema = z.object({
  assessmentId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  psychologistId: id,
  assessedOn: day,
  tools,
  conclusions,
});
export const psychologicalAssessmentAmendedSchema = z.object({
  assessmentId: z.uuid(),
  reason: z.string().min(1).max(MAX_REASON_LENGTH),
  assessedOn: day.optional(),
  tools: tools.optional(),
  conclusions: conclusions.optional(),
});

export type PsychologicalAssessmentRecorded = z.infer<typeof psychologicalAssessmentRecordedSchema>;
export type PsychologicalAssessmentAmended = z.infer<typeof psychologicalAssessmentAmendedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedPsychologicalAssessmentData {
  $erased: true;
}

export type PsychologicalAssessmentEvent =
  | {
      type: 'PsychologicalAssessmentRecorded';
      data: PsychologicalAssessmentRecorded | ErasedPsychologicalAssessmentData;
    }
  | {
      type: 'PsychologicalAssessmentAmended';
      data: PsychologicalAssessmentAmended | ErasedPsychologicalAssessmentData;
    };

export type PsychologicalAssessmentEventType = PsychologicalAssessmentEvent['type'];

export const psychologicalAssessmentEventSchemas = {
  PsychologicalAssessmentRecorded: psychologicalAssessmentRecordedSchema,
  PsychologicalAssessmentAmended: psychologicalAssessmentAmendedSchema,
} as const;

export type PsychologicalAssessmentCommand =
  | ({ type: 'RecordPsychologicalAssessment'; today: string } & PsychologicalAssessmentRecorded)
  | {
      type: 'AmendPsychologicalAssessment';
      reason: string;
      assessedOn?: string;
      tools?: string[];
      conclusions?: string;
      today: string;
    };

export type PsychologicalAssessment =
  | { status: 'none' }
  | {
      status: 'recorded';
      assessmentId: string;
      /** Undefined once the usager was forgotten. */
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      assessedOn: string | undefined;
      tools: readonly string[] | undefined;
      conclusions: string | undefined;
      amendments: number;
    };

/** One stream per assessment; the organisation escaped, so that no two tenants share one. */
export function psychologicalAssessmentStreamId(organisationId: string, assessmentId: string): string {
  return `psychological-assessment/${encodeURIComponent(organisationId)}/${assessmentId}`;
}

/** The tools as kept: trimmed, blanks dropped, each once, in the order given. */
export function normaliseAssessmentTools(given: readonly string[]): string[] {
  const kept: string[] = [];
  for (const tool of given) {
    const name = tool.trim();
    if (name.length === 0 || kept.includes(name)) continue;
    if (name.length > MAX_TOOL_LENGTH) {
      throw new DomainRuleViolation(
        'ASSESSMENT_TOOL_TOO_LONG',
        `Le nom d’un outil dépasse ${MAX_TOOL_LENGTH} caractères.`,
      );
    }
    kept.push(name);
  }
  if (kept.length > MAX_ASSESSMENT_TOOLS) {
    throw new DomainRuleViolation('ASSESSMENT_TOO_MANY_TOOLS', `Pas plus de ${MAX_ASSESSMENT_TOOLS} outils par bilan.`);
  }
  return kept;
}

export const psychologicalAssessmentDecider: Decider<
  PsychologicalAssessmentCommand,
  PsychologicalAssessmentEvent,
  PsychologicalAssessment
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, assessment) {
    switch (command.type) {
      case 'RecordPsychologicalAssessment': {
        if (assessment.status !== 'none') {
          throw new DomainRuleViolation(
            'ASSESSMENT_ALREADY_RECORDED',
            'Un bilan est déjà enregistré sous cet identifiant.',
          );
        }
        const { type: _, today, ...recorded } = command;
        return {
          type: 'PsychologicalAssessmentRecorded',
          data: {
            ...recorded,
            assessedOn: requireDay(recorded.assessedOn, today),
            tools: normaliseAssessmentTools(recorded.tools),
            conclusions: requireConclusions(recorded.conclusions),
          },
        };
      }
      case 'AmendPsychologicalAssessment': {
        if (assessment.status === 'none') {
          throw new DomainRuleViolation('ASSESSMENT_NOT_FOUND', 'Aucun bilan à modifier sous cet identifiant.');
        }
        if (assessment.serviceUserId === undefined) {
          throw new DomainRuleViolation('ASSESSMENT_ERASED', 'Ce bilan concerne une personne oubliée.');
        }
        const reason = command.reason.trim();
        if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'ASSESSMENT_AMENDMENT_REASON_REQUIRED',
            `La modification d’un bilan doit être motivée (${MAX_REASON_LENGTH} caractères au plus).`,
          );
        }
        const changes: Pick<PsychologicalAssessmentAmended, 'assessedOn' | 'tools' | 'conclusions'> = {};
        if (command.assessedOn !== undefined && command.assessedOn !== assessment.assessedOn) {
          changes.assessedOn = requireDay(command.assessedOn, command.today);
        }
        if (command.tools !== undefined) {
          const amendedTools = normaliseAssessmentTools(command.tools);
          if (JSON.stringify(amendedTools) !== JSON.stringify(assessment.tools)) changes.tools = amendedTools;
        }
        if (command.conclusions !== undefined) {
          const amended = requireConclusions(command.conclusions);
          if (amended !== assessment.conclusions) changes.conclusions = amended;
        }
        if (Object.keys(changes).length === 0) {
          throw new DomainRuleViolation(
            'ASSESSMENT_AMENDMENT_CHANGES_NOTHING',
            'Cette modification ne change rien au bilan : indiquez le jour, les outils ou les conclusions modifiés.',
          );
        }
        return {
          type: 'PsychologicalAssessmentAmended',
          data: { assessmentId: assessment.assessmentId, reason, ...changes },
        };
      }
    }
  },

  evolve(assessment, event) {
    switch (event.type) {
      case 'PsychologicalAssessmentRecorded':
        if ('$erased' in event.data) {
          return {
            status: 'recorded',
            assessmentId: '',
            serviceUserId: undefined,
            facilityId: undefined,
            assessedOn: undefined,
            tools: undefined,
            conclusions: undefined,
            amendments: 0,
          };
        }
        return {
          status: 'recorded',
          assessmentId: event.data.assessmentId,
          serviceUserId: event.data.serviceUserId,
          facilityId: event.data.facilityId,
          assessedOn: event.data.assessedOn,
          tools: [...event.data.tools],
          conclusions: event.data.conclusions,
          amendments: 0,
        };
      case 'PsychologicalAssessmentAmended': {
        if (assessment.status === 'none') return assessment;
        if ('$erased' in event.data) return { ...assessment, amendments: assessment.amendments + 1 };
        return {
          ...assessment,
          assessedOn: event.data.assessedOn ?? assessment.assessedOn,
          tools: event.data.tools ? [...event.data.tools] : assessment.tools,
          conclusions: event.data.conclusions ?? assessment.conclusions,
          amendments: assessment.amendments + 1,
        };
      }
    }
  },
};

function requireDay(assessedOn: string, today: string): string {
  if (!day.safeParse(assessedOn).success) {
    throw new DomainRuleViolation('ASSESSMENT_DAY_INVALID', 'Date du bilan invalide (AAAA-MM-JJ attendu).');
  }
  if (assessedOn > today) {
    throw new DomainRuleViolation(
      'ASSESSMENT_IN_FUTURE',
      'Un bilan s’enregistre une fois réalisé : il ne peut pas être daté dans le futur.',
      { assessedOn, today },
    );
  }
  return assessedOn;
}

function requireConclusions(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    throw new DomainRuleViolation('ASSESSMENT_CONCLUSIONS_REQUIRED', 'Les conclusions du bilan sont obligatoires.');
  }
  if (trimmed.length > MAX_CONCLUSIONS_LENGTH) {
    throw new DomainRuleViolation(
      'ASSESSMENT_CONCLUSIONS_TOO_LONG',
      `Les conclusions dépassent ${MAX_CONCLUSIONS_LENGTH} caractères.`,
    );
  }
  return trimmed;
}
