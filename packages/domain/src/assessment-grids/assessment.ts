import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type AssessmentGrid, type GridBand, gridBandSchema, gridSexSchema } from './assessment-grid.js';
import { ASSESSMENT_GRIDS } from './grids/index.js';
import { scoreGrid } from './scoring.js';

/**
 * The evaluation grids filled in during one accompaniment (accompagnement): one stream per
 * accompaniment (`assessmentsStreamId`). Each filling records the answers, the grid version they
 * were given against, and, when every item is answered, the score and its interpretation. A grid
 * not fully answered is kept as a draft (`complete: false`), without a score.
 */

const id = z.string().min(1).max(200);
const isoInstant = z.iso.datetime({ offset: true });

export const recordAssessmentSchema = z.object({
  assessmentId: z.uuid(),
  gridId: id,
  gridVersion: z.string().min(1).max(50),
  serviceUserId: id,
  facilityId: id,
  /** The chosen option's value, by item id. */
  answers: z.record(z.string().min(1).max(100), z.string().min(1).max(100)),
  /** Needed to interpret grids whose bands depend on sex (AUDIT-C). */
  sex: gridSexSchema.optional(),
  filledAt: isoInstant,
});
export type RecordAssessment = z.infer<typeof recordAssessmentSchema>;

export const assessmentRecordedSchema = recordAssessmentSchema
  .extend({
    complete: z.boolean(),
    score: z.number().int().min(0).optional(),
    band: gridBandSchema.optional(),
  })
  .refine((filled) => filled.complete === (filled.score !== undefined && filled.band !== undefined), {
    message: 'Un score et son interprétation sont enregistrés si et seulement si la grille est complète.',
  });
export type AssessmentRecorded = z.infer<typeof assessmentRecordedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedAssessment {
  $erased: true;
}

export type AssessmentEvent = { type: 'AssessmentRecorded'; data: AssessmentRecorded | ErasedAssessment };
export const assessmentEventSchemas = { AssessmentRecorded: assessmentRecordedSchema } as const;

export type AssessmentCommand = { type: 'RecordAssessment' } & RecordAssessment;

export interface AccompanimentAssessments {
  /** The usager and ESSMS of the accompaniment, once a first grid is filled (unknown if erased). */
  serviceUserId: string | undefined;
  facilityId: string | undefined;
  assessmentIds: ReadonlySet<string>;
}

/** Each part escaped, so that no two (organisation, accompaniment) pairs ever share a stream. */
export function assessmentsStreamId(organisationId: string, accompanimentId: string): string {
  return `assessments/${encodeURIComponent(organisationId)}/${encodeURIComponent(accompanimentId)}`;
}

/** The grid definition of that id and version, if it is one of `definitions`. */
export function assessmentGrid(
  gridId: string,
  version: string,
  definitions: readonly AssessmentGrid[] = ASSESSMENT_GRIDS,
): AssessmentGrid | undefined {
  return definitions.find((definition) => definition.gridId === gridId && definition.version === version);
}

/** A decider over the given grid definitions (the shipped ones by default: grids are data). */
export function createAssessmentDecider(
  definitions: readonly AssessmentGrid[] = ASSESSMENT_GRIDS,
): Decider<AssessmentCommand, AssessmentEvent, AccompanimentAssessments> {
  return {
    initialState: () => ({ serviceUserId: undefined, facilityId: undefined, assessmentIds: new Set() }),

    decide(command, assessments) {
      const { type: _, ...filling } = command;
      if (assessments.assessmentIds.has(filling.assessmentId)) {
        throw new DomainRuleViolation('ASSESSMENT_ALREADY_RECORDED', 'Cette grille remplie est déjà enregistrée.', {
          assessmentId: filling.assessmentId,
        });
      }
      if (
        (assessments.serviceUserId !== undefined && assessments.serviceUserId !== filling.serviceUserId) ||
        (assessments.facilityId !== undefined && assessments.facilityId !== filling.facilityId)
      ) {
        throw new DomainRuleViolation(
          'ASSESSMENT_OTHER_ACCOMPANIMENT',
          'Cette grille concerne un autre usager ou un autre établissement que cet accompagnement.',
          { assessmentId: filling.assessmentId },
        );
      }
      const definition = assessmentGrid(filling.gridId, filling.gridVersion, definitions);
      if (!definition) {
        const known = definitions.some((candidate) => candidate.gridId === filling.gridId);
        throw new DomainRuleViolation(
          'GRID_NOT_FOUND',
          known
            ? `La version ${filling.gridVersion} de la grille « ${filling.gridId} » n’existe pas.`
            : `La grille d’évaluation « ${filling.gridId} » n’existe pas.`,
          { gridId: filling.gridId, gridVersion: filling.gridVersion },
        );
      }
      const result = scoreGrid(definition, filling.answers, filling.sex ? { sex: filling.sex } : {});
      const data: AssessmentRecorded = result.complete
        ? { ...filling, answers: { ...filling.answers }, complete: true, score: result.score, band: { ...result.band } }
        : { ...filling, answers: { ...filling.answers }, complete: false };
      return { type: 'AssessmentRecorded', data };
    },

    evolve(assessments, event) {
      if ('$erased' in event.data) return assessments;
      return {
        serviceUserId: assessments.serviceUserId ?? event.data.serviceUserId,
        facilityId: assessments.facilityId ?? event.data.facilityId,
        assessmentIds: new Set([...assessments.assessmentIds, event.data.assessmentId]),
      };
    },
  };
}

export const assessmentDecider = createAssessmentDecider();

export interface ScoreHistoryEntry {
  assessmentId: string;
  gridVersion: string;
  filledAt: string;
  score: number;
  band: GridBand;
}

/**
 * The complete fillings of one grid, oldest first by `filledAt` (a grid filled on paper may be
 * entered late); fillings at the same instant keep their recording order. Drafts have no score and
 * are left out, as are erased events.
 */
export function scoreHistory(events: Iterable<AssessmentEvent>, gridId: string): ScoreHistoryEntry[] {
  const entries: ScoreHistoryEntry[] = [];
  for (const event of events) {
    if (event.type !== 'AssessmentRecorded' || '$erased' in event.data) continue;
    const { assessmentId, gridVersion, filledAt, score, band, complete } = event.data;
    if (event.data.gridId !== gridId || !complete || score === undefined || band === undefined) continue;
    entries.push({ assessmentId, gridVersion, filledAt, score, band });
  }
  return entries
    .map((entry, index) => ({ entry, index, at: Date.parse(entry.filledAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ entry }) => entry);
}
