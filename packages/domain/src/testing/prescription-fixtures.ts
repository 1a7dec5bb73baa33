/**
 * The product terms of the methadone syrup most tests prescribe, as a prescription command or
 * event carries them: spread into one and add the prescription's own id, dates and prescriber.
 */
export const METHADONE_SYRUP_40_MG = {
  productId: 'methadone-sirop-40',
  productName: 'Méthadone AP-HP 40 mg, sirop',
  tsoProduct: 'methadone-syrup',
  dose: '40 mg',
  posology: 'Un flacon de 40 mg chaque matin',
  dailyUnits: 1,
} as const;
