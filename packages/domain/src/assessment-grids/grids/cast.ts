import { defineGrid } from '../assessment-grid.js';

/**
 * CAST (Cannabis Abuse Screening Test), OFDT (Legleye, Karila, Beck, Reynaud, 2007). Six questions
 * about the last twelve months, each answered on a five-point frequency scale scored 0 to 4: 0–24.
 * Interpretation (OFDT): below 3 no risk, 3 to 6 low risk, 7 or more high risk (usage problématique).
 */
const frequency = [
  { value: 'never', label: 'Jamais', points: 0 },
  { value: 'rarely', label: 'Rarement', points: 1 },
  { value: 'sometimes', label: 'De temps en temps', points: 2 },
  { value: 'fairly-often', label: 'Assez souvent', points: 3 },
  { value: 'very-often', label: 'Très souvent', points: 4 },
];

export const CAST = defineGrid({
  gridId: 'cast',
  version: '1',
  title: 'CAST – Cannabis Abuse Screening Test (au cours des 12 derniers mois)',
  source: 'OFDT (Legleye et al., 2007), échelle en cinq modalités',
  scoring: 'sum',
  scoreRange: { min: 0, max: 24 },
  items: [
    { itemId: 'q1', text: 'Avez-vous déjà fumé du cannabis avant midi ?', options: frequency },
    { itemId: 'q2', text: 'Avez-vous déjà fumé du cannabis lorsque vous étiez seul(e) ?', options: frequency },
    {
      itemId: 'q3',
      text: 'Avez-vous déjà eu des problèmes de mémoire quand vous fumiez du cannabis ?',
      options: frequency,
    },
    {
      itemId: 'q4',
      text: 'Des amis ou des membres de votre famille vous ont-ils déjà dit que vous devriez réduire votre consommation de cannabis ?',
      options: frequency,
    },
    {
      itemId: 'q5',
      text: 'Avez-vous déjà essayé de réduire ou d’arrêter votre consommation de cannabis sans y parvenir ?',
      options: frequency,
    },
    {
      itemId: 'q6',
      text: 'Avez-vous déjà eu des problèmes à cause de votre consommation de cannabis (dispute, bagarre, accident, mauvais résultats à l’école…) ?',
      options: frequency,
    },
  ],
  bands: [
    { from: 0, to: 2, level: 'no-risk', label: 'Pas de risque repéré' },
    { from: 3, to: 6, level: 'low-risk', label: 'Usage à risque faible' },
    { from: 7, to: 24, level: 'high-risk', label: 'Usage à risque élevé (usage problématique)' },
  ],
});
