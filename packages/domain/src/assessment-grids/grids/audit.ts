import { defineGrid, type GridItem } from '../assessment-grid.js';

/**
 * AUDIT (Alcohol Use Disorders Identification Test), OMS / WHO (Babor et al., 2001), in the French
 * wording used by Santé publique France (ex-INPES) and the HAS. Items 1 to 8 score 0 to 4, items 9
 * and 10 score 0, 2 or 4: 0–40.
 * Interpretation (as asked for by the project, WHO cut-offs 8 and 16): below 8 low risk, 8–15
 * hazardous use, 16 or more harmful use or probable dependence. Some French documents use 7 for
 * women, or 13 as the dependence threshold (Gache et al., 2005); those would be another version.
 */
const frequency = [
  { value: 'never', label: 'Jamais', points: 0 },
  { value: 'monthly-or-less', label: 'Une fois par mois ou moins', points: 1 },
  { value: 'two-to-four-a-month', label: '2 à 4 fois par mois', points: 2 },
  { value: 'two-to-three-a-week', label: '2 à 3 fois par semaine', points: 3 },
  { value: 'four-or-more-a-week', label: 'Au moins 4 fois par semaine', points: 4 },
];
const occurrence = [
  { value: 'never', label: 'Jamais', points: 0 },
  { value: 'less-than-monthly', label: 'Moins d’une fois par mois', points: 1 },
  { value: 'monthly', label: 'Une fois par mois', points: 2 },
  { value: 'weekly', label: 'Une fois par semaine', points: 3 },
  { value: 'daily-or-almost', label: 'Tous les jours ou presque', points: 4 },
];
const yesLastYear = [
  { value: 'no', label: 'Non', points: 0 },
  { value: 'yes-not-last-year', label: 'Oui, mais pas au cours de l’année écoulée', points: 2 },
  { value: 'yes-last-year', label: 'Oui, au cours de l’année écoulée', points: 4 },
];

/** The first three AUDIT items, shared with AUDIT-C. */
const consumptionItems: GridItem[] = [
  {
    itemId: 'q1',
    text: 'Quelle est la fréquence de votre consommation d’alcool ?',
    options: frequency,
  },
  {
    itemId: 'q2',
    text: 'Combien de verres standard buvez-vous au cours d’une journée ordinaire où vous buvez de l’alcool ?',
    options: [
      { value: 'one-or-two', label: '1 ou 2', points: 0 },
      { value: 'three-or-four', label: '3 ou 4', points: 1 },
      { value: 'five-or-six', label: '5 ou 6', points: 2 },
      { value: 'seven-to-nine', label: '7 à 9', points: 3 },
      { value: 'ten-or-more', label: '10 ou plus', points: 4 },
    ],
  },
  {
    itemId: 'q3',
    text: 'Au cours d’une même occasion, à quelle fréquence vous arrive-t-il de boire six verres standard ou plus ?',
    options: occurrence,
  },
];

export const AUDIT = defineGrid({
  gridId: 'audit',
  version: '1',
  title: 'AUDIT – Test d’identification des troubles liés à la consommation d’alcool',
  source: 'OMS (Babor et al., 2001), version française Santé publique France / INPES',
  scoring: 'sum',
  scoreRange: { min: 0, max: 40 },
  items: [
    ...consumptionItems,
    {
      itemId: 'q4',
      text: 'Au cours de l’année écoulée, combien de fois avez-vous constaté que vous n’étiez plus capable de vous arrêter de boire une fois que vous aviez commencé ?',
      options: occurrence,
    },
    {
      itemId: 'q5',
      text: 'Au cours de l’année écoulée, combien de fois votre consommation d’alcool vous a-t-elle empêché de faire ce qui était normalement attendu de vous ?',
      options: occurrence,
    },
    {
      itemId: 'q6',
      text: 'Au cours de l’année écoulée, combien de fois avez-vous eu besoin d’un premier verre pour pouvoir démarrer après avoir beaucoup bu la veille ?',
      options: occurrence,
    },
    {
      itemId: 'q7',
      text: 'Au cours de l’année écoulée, combien de fois avez-vous eu un sentiment de culpabilité ou des remords après avoir bu ?',
      options: occurrence,
    },
    {
      itemId: 'q8',
      text: 'Au cours de l’année écoulée, combien de fois avez-vous été incapable de vous rappeler ce qui s’était passé la soirée précédente parce que vous aviez bu ?',
      options: occurrence,
    },
    {
      itemId: 'q9',
      text: 'Vous êtes-vous blessé(e) ou avez-vous blessé quelqu’un parce que vous aviez bu ?',
      options: yesLastYear,
    },
    {
      itemId: 'q10',
      text: 'Un parent, un ami, un médecin ou un autre soignant s’est-il inquiété de votre consommation d’alcool ou a-t-il suggéré que vous la réduisiez ?',
      options: yesLastYear,
    },
  ],
  bands: [
    { from: 0, to: 7, level: 'low-risk', label: 'Consommation à faible risque' },
    { from: 8, to: 15, level: 'hazardous', label: 'Usage à risque (consommation excessive)' },
    { from: 16, to: 40, level: 'harmful', label: 'Usage nocif, dépendance probable' },
  ],
});

/**
 * AUDIT-C: the first three AUDIT items, 0–12. Positive at 3 or more for a woman, 4 or more for a
 * man (Bush et al., 1998; cut-offs as used in French primary care, HAS 2014 repérage précoce).
 */
export const AUDIT_C = defineGrid({
  gridId: 'audit-c',
  version: '1',
  title: 'AUDIT-C – Questionnaire court de repérage de la consommation d’alcool',
  source: 'OMS / Bush et al. (1998), version française Santé publique France / INPES ; seuils HAS',
  scoring: 'sum',
  scoreRange: { min: 0, max: 12 },
  items: consumptionItems,
  bands: {
    female: [
      { from: 0, to: 2, level: 'negative', label: 'Repérage négatif' },
      { from: 3, to: 12, level: 'positive', label: 'Repérage positif : consommation d’alcool à risque probable' },
    ],
    male: [
      { from: 0, to: 3, level: 'negative', label: 'Repérage négatif' },
      { from: 4, to: 12, level: 'positive', label: 'Repérage positif : consommation d’alcool à risque probable' },
    ],
  },
});
