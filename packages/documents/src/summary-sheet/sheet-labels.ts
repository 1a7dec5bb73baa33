import {
  EVALUATION_RESULT_LABELS,
  EXIT_DESTINATION_LABELS,
  EXIT_REASON_LABELS,
  OBJECTIVE_DOMAIN_LABELS,
} from '@dui-pds/domain';

/** The French words of the codes the sheet holds; a code without a word prints as is. */
export const SHEET_LABELS = {
  exitReason: EXIT_REASON_LABELS,
  exitDestination: EXIT_DESTINATION_LABELS,
  objectiveDomain: OBJECTIVE_DOMAIN_LABELS,
  evaluationResult: EVALUATION_RESULT_LABELS,
  contractKind: { 'stay-contract': 'Contrat de séjour', dipc: 'Document individuel de prise en charge (DIPC)' },
  contractStatus: {
    draft: 'en préparation',
    'handed-over': 'remis, en attente de signature',
    signed: 'signé',
    closed: 'clos',
  },
  measureStatus: { proposed: 'proposée par le médecin', decided: 'décidée', lifted: 'levée' },
  socialBenefitKind: { other: 'Autre droit' },
} as const;
