import { defineGrid } from '../assessment-grid.js';

/**
 * DETA (Diminuer, Entourage, Trop, Alcool): the French adaptation of the CAGE questionnaire
 * (Rueff et al., 1989), as distributed by Santé publique France / INPES. Four yes/no questions;
 * two or more « oui » suggest an excessive use or a dependence.
 */
const yesNo = [
  { value: 'no', label: 'Non', points: 0 },
  { value: 'yes', label: 'Oui', points: 1 },
];

export const DETA = defineGrid({
  gridId: 'deta',
  version: '1',
  title: 'DETA – Questionnaire de repérage du mésusage d’alcool',
  source: 'Rueff et al. (1989), adaptation française du CAGE ; version Santé publique France / INPES',
  scoring: 'sum',
  scoreRange: { min: 0, max: 4 },
  items: [
    {
      itemId: 'diminuer',
      text: 'Avez-vous déjà ressenti le besoin de diminuer votre consommation de boissons alcoolisées ?',
      options: yesNo,
    },
    {
      itemId: 'entourage',
      text: 'Votre entourage vous a-t-il déjà fait des remarques au sujet de votre consommation ?',
      options: yesNo,
    },
    { itemId: 'trop', text: 'Avez-vous déjà eu l’impression que vous buviez trop ?', options: yesNo },
    {
      itemId: 'alcool',
      text: 'Avez-vous déjà eu besoin d’alcool dès le matin pour vous sentir en forme ?',
      options: yesNo,
    },
  ],
  bands: [
    { from: 0, to: 1, level: 'negative', label: 'Repérage négatif' },
    { from: 2, to: 4, level: 'positive', label: 'Repérage positif : consommation excessive ou dépendance probable' },
  ],
});
