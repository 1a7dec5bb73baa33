import { z } from 'zod';

/**
 * An evaluation grid (grille d'évaluation) is data: its items, the options each item offers with
 * their points, how the points make a score, and the bands that interpret the score. A grid is
 * identified by `gridId` and `version`; a filled grid keeps the version it was filled with, so a
 * later revision of a grid never changes the meaning of past scores.
 */

/** The sex some grids need to interpret a score (AUDIT-C). */
export const gridSexSchema = z.enum(['female', 'male']);
export type GridSex = z.infer<typeof gridSexSchema>;

/** Stable codes, for programs: lower-case letters, digits and dashes. */
const code = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/);
const frenchText = z.string().trim().min(1).max(1_000);
const points = z.number().int().min(0).max(1_000);

export const gridOptionSchema = z.object({ value: code, label: frenchText, points });
export const gridItemSchema = z
  .object({ itemId: code, text: frenchText, options: z.array(gridOptionSchema).min(2).max(20) })
  .superRefine((item, ctx) => {
    const values = item.options.map((option) => option.value);
    for (const value of duplicates(values)) {
      ctx.addIssue({ code: 'custom', message: `Option « ${value} » en double dans l'item ${item.itemId}.` });
    }
  });

/** A band interprets the scores from `from` to `to`, both included. */
export const gridBandSchema = z.object({ from: points, to: points, label: frenchText, level: code });
export const gridBandsBySexSchema = z.object({
  female: z.array(gridBandSchema).min(1),
  male: z.array(gridBandSchema).min(1),
});
export const scoreRangeSchema = z.object({ min: points, max: points });

/**
 * How the chosen options' points make the score. Only `sum` exists today; a grid needing another
 * rule names it here and the rule is added to `SCORING_RULES` (scoring.ts).
 */
export const scoringRuleSchema = z.enum(['sum']);
export type ScoringRule = z.infer<typeof scoringRuleSchema>;

export const assessmentGridSchema = z
  .object({
    gridId: code,
    version: z.string().min(1).max(50),
    title: frenchText,
    /** Where the wording and cut-offs come from (for staff, and for the audit of the grid). */
    source: frenchText.optional(),
    items: z.array(gridItemSchema).min(1).max(200),
    scoring: scoringRuleSchema,
    scoreRange: scoreRangeSchema,
    /** One list of bands, or one per sex when the interpretation depends on it. */
    bands: z.union([z.array(gridBandSchema).min(1), gridBandsBySexSchema]),
  })
  .superRefine((grid, ctx) => {
    for (const itemId of duplicates(grid.items.map((item) => item.itemId))) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: `Item « ${itemId} » en double.` });
    }
    const { min, max } = grid.scoreRange;
    if (min > max) {
      ctx.addIssue({ code: 'custom', path: ['scoreRange'], message: 'Le score minimal dépasse le score maximal.' });
      return;
    }
    for (const item of grid.items) {
      for (const option of item.options) {
        if (option.points < min || option.points > max) {
          ctx.addIssue({
            code: 'custom',
            path: ['items'],
            message: `L'option « ${option.value} » de l'item ${item.itemId} vaut ${option.points} points, hors de l'intervalle ${min}–${max}.`,
          });
        }
      }
    }
    if (grid.scoring === 'sum') {
      const lowest = sum(grid.items.map((item) => Math.min(...item.options.map((option) => option.points))));
      const highest = sum(grid.items.map((item) => Math.max(...item.options.map((option) => option.points))));
      if (lowest < min || highest > max) {
        ctx.addIssue({
          code: 'custom',
          path: ['scoreRange'],
          message: `Les scores possibles (${lowest}–${highest}) sortent de l'intervalle déclaré ${min}–${max}.`,
        });
      }
    }
    for (const [path, bands] of bandLists(grid.bands)) {
      for (const message of bandCoverageProblems(bands, min, max)) {
        ctx.addIssue({ code: 'custom', path: ['bands', ...path], message });
      }
    }
  });

export type GridOption = z.infer<typeof gridOptionSchema>;
export type GridItem = z.infer<typeof gridItemSchema>;
export type GridBand = z.infer<typeof gridBandSchema>;
export type GridBandsBySex = z.infer<typeof gridBandsBySexSchema>;
export type ScoreRange = z.infer<typeof scoreRangeSchema>;
export type AssessmentGrid = z.infer<typeof assessmentGridSchema>;

/** Validates a grid definition, and freezes it: definitions are shared reference data. */
export function defineGrid(definition: AssessmentGrid): AssessmentGrid {
  return deepFreeze(assessmentGridSchema.parse(definition));
}

/** Whether the grid's interpretation depends on the usager's sex. */
export function bandsDependOnSex(definition: AssessmentGrid): boolean {
  return !Array.isArray(definition.bands);
}

function bandLists(bands: AssessmentGrid['bands']): [string[], readonly GridBand[]][] {
  return Array.isArray(bands)
    ? [[[], bands]]
    : [
        [['female'], bands.female],
        [['male'], bands.male],
      ];
}

/** Bands, in any order, must tile `min`–`max` exactly: no gap, no overlap (scores are integers). */
function bandCoverageProblems(bands: readonly GridBand[], min: number, max: number): string[] {
  const problems: string[] = [];
  for (const band of bands) {
    if (band.from > band.to) problems.push(`La tranche « ${band.label} » commence après sa fin.`);
  }
  if (problems.length > 0) return problems;
  const sorted = [...bands].sort((a, b) => a.from - b.from);
  let next = min;
  for (const band of sorted) {
    if (band.from < next)
      problems.push(`La tranche « ${band.label} » chevauche la précédente ou sort de l'intervalle.`);
    if (band.from > next) problems.push(`Aucune tranche ne couvre les scores de ${next} à ${band.from - 1}.`);
    next = Math.max(next, band.to + 1);
  }
  if (next <= max) problems.push(`Aucune tranche ne couvre les scores de ${next} à ${max}.`);
  if (next > max + 1) problems.push(`Une tranche dépasse le score maximal ${max}.`);
  for (const level of duplicates(bands.map((band) => band.level))) {
    problems.push(`Niveau « ${level} » en double.`);
  }
  return problems;
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
