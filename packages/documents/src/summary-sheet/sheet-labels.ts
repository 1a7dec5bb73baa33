import {
  EVALUATION_RESULT_LABELS,
  EXIT_DESTINATION_LABELS,
  EXIT_REASON_LABELS,
  INJECTION_LABELS,
  MAIN_PRODUCT_LABELS,
  OBJECTIVE_DOMAIN_LABELS,
  TSO_PRODUCT_LABELS,
  USAGE_POPULATION_LABELS,
  USE_LEVEL_LABELS,
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
  tsoProduct: TSO_PRODUCT_LABELS,
  prescriberSetting: { csapa: 'CSAPA', hospital: 'établissement de santé', other: 'ville' },
  trustedPersonScope: {
    casf: 'accompagnement (L.311-5-1 du CASF)',
    csp: 'décisions de santé (L.1111-6 du CSP)',
  },
  usagePopulation: USAGE_POPULATION_LABELS,
  mainProduct: MAIN_PRODUCT_LABELS,
  useLevel: USE_LEVEL_LABELS,
  injection: INJECTION_LABELS,
} as const;
