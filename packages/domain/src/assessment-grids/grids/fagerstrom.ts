import { defineGrid } from '../assessment-grid.js';

/**
 * Test de Fagerström (Fagerström Test for Nicotine Dependence, Heatherton et al., 1991), in the
 * French wording distributed by Santé publique France / INPES (Tabac info service). Six items, 0–10.
 * Interpretation: 0–2 no dependence, 3–4 low, 5–6 medium, 7–10 strong dependence.
 */
const yesNo = [
  { value: 'no', label: 'Non', points: 0 },
  { value: 'yes', label: 'Oui', points: 1 },
];

export const FAGERSTROM = defineGrid({
  gridId: 'fagerstrom',
  version: '1',
  title: 'Test de Fagerström – Dépendance à la nicotine',
  source: 'Heatherton et al. (1991), version française Santé publique France / INPES',
  scoring: 'sum',
  scoreRange: { min: 0, max: 10 },
  items: [
    {
      itemId: 'q1',
      text: 'Le matin, combien de temps après votre réveil fumez-vous votre première cigarette ?',
      options: [
        { value: 'within-5-minutes', label: 'Dans les 5 minutes', points: 3 },
        { value: '6-to-30-minutes', label: '6 à 30 minutes', points: 2 },
        { value: '31-to-60-minutes', label: '31 à 60 minutes', points: 1 },
        { value: 'after-60-minutes', label: 'Après 60 minutes', points: 0 },
      ],
    },
    {
      itemId: 'q2',
      text: 'Trouvez-vous difficile de vous abstenir de fumer dans les endroits où c’est interdit (par exemple cinémas, bibliothèques) ?',
      options: yesNo,
    },
    {
      itemId: 'q3',
      text: 'À quelle cigarette de la journée renonceriez-vous le plus difficilement ?',
      options: [
        { value: 'first-in-morning', label: 'La première le matin', points: 1 },
        { value: 'any-other', label: 'N’importe quelle autre', points: 0 },
      ],
    },
    {
      itemId: 'q4',
      text: 'Combien de cigarettes fumez-vous par jour, en moyenne ?',
      options: [
        { value: 'ten-or-less', label: '10 ou moins', points: 0 },
        { value: '11-to-20', label: '11 à 20', points: 1 },
        { value: '21-to-30', label: '21 à 30', points: 2 },
        { value: '31-or-more', label: '31 ou plus', points: 3 },
      ],
    },
    {
      itemId: 'q5',
      text: 'Fumez-vous à intervalles plus rapprochés durant les premières heures de la matinée que durant le reste de la journée ?',
      options: yesNo,
    },
    {
      itemId: 'q6',
      text: 'Fumez-vous lorsque vous êtes malade au point de devoir rester au lit presque toute la journée ?',
      options: yesNo,
    },
  ],
  bands: [
    { from: 0, to: 2, level: 'none', label: 'Pas de dépendance à la nicotine' },
    { from: 3, to: 4, level: 'low', label: 'Dépendance faible' },
    { from: 5, to: 6, level: 'medium', label: 'Dépendance moyenne' },
    { from: 7, to: 10, level: 'strong', label: 'Dépendance forte' },
  ],
});
