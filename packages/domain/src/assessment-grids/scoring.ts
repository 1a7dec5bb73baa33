import { DomainRuleViolation } from '../errors.js';
import type { AssessmentGrid, GridBand, GridSex, ScoringRule } from './assessment-grid.js';

/** The chosen option's value for each answered item, by item id. */
export type GridAnswers = Readonly<Record<string, string>>;

export type GridScore = { complete: true; score: number; band: GridBand } | { complete: false; missingItems: string[] };

/** How a list of points (one per item, in item order) makes a score. */
export const SCORING_RULES: Readonly<Record<ScoringRule, (points: readonly number[]) => number>> = {
  sum: (points) => points.reduce((total, value) => total + value, 0),
};

/**
 * Scores a grid. There is a score only when every item is answered; otherwise the missing items
 * are listed. An answer to an item the grid does not have, or a value the item does not offer, is
 * refused: it would silently change the score.
 */
export function scoreGrid(
  definition: AssessmentGrid,
  answers: GridAnswers,
  options: { sex?: GridSex } = {},
): GridScore {
  const itemsById = new Map(definition.items.map((item) => [item.itemId, item]));
  for (const [itemId, value] of Object.entries(answers)) {
    const item = itemsById.get(itemId);
    if (!item) {
      throw new DomainRuleViolation(
        'GRID_UNKNOWN_ITEM',
        `La grille ${definition.title} n’a pas d’item « ${itemId} ».`,
        { gridId: definition.gridId, version: definition.version, itemId },
      );
    }
    if (!item.options.some((option) => option.value === value)) {
      throw new DomainRuleViolation(
        'GRID_INVALID_ANSWER',
        `La réponse « ${String(value)} » n’est pas une réponse possible à l’item ${itemId} de la grille ${definition.title}.`,
        { gridId: definition.gridId, version: definition.version, itemId, value },
      );
    }
  }

  const points: number[] = [];
  const missingItems: string[] = [];
  for (const item of definition.items) {
    const value = Object.hasOwn(answers, item.itemId) ? answers[item.itemId] : undefined;
    const option = item.options.find((candidate) => candidate.value === value);
    if (option) points.push(option.points);
    else missingItems.push(item.itemId);
  }
  if (missingItems.length > 0) return { complete: false, missingItems };

  const score = SCORING_RULES[definition.scoring](points);
  return { complete: true, score, band: bandFor(definition, score, options.sex) };
}

/** The band a score falls in. A grid whose interpretation depends on sex needs it. */
export function bandFor(definition: AssessmentGrid, score: number, sex?: GridSex): GridBand {
  let bands: readonly GridBand[];
  if (Array.isArray(definition.bands)) bands = definition.bands;
  else if (sex) bands = definition.bands[sex];
  else {
    throw new DomainRuleViolation(
      'GRID_SEX_REQUIRED',
      `L’interprétation du score de la grille ${definition.title} dépend du sexe de l’usager, qui n’est pas renseigné.`,
      { gridId: definition.gridId, version: definition.version },
    );
  }
  const band = bands.find((candidate) => candidate.from <= score && score <= candidate.to);
  if (!band) {
    // Unreachable for a definition that passed its schema: bands cover the whole score range.
    throw new DomainRuleViolation(
      'GRID_SCORE_OUT_OF_RANGE',
      `Le score ${score} sort des tranches d’interprétation de la grille ${definition.title}.`,
      { gridId: definition.gridId, version: definition.version, score },
    );
  }
  return band;
}
