import { z } from 'zod';
import { opioidSubstitutionProductSchema } from '../opioid-substitution/tso-rules.js';

/**
 * What the law asks of each product the ledger holds:
 * - `narcotic` (stupéfiant: methadone): the narcotics register (every entry and exit) and the
 *   ordonnancier (each dispensation numbered);
 * - `narcotic-like` (assimilé stupéfiant: buprénorphine haut dosage) and `listed` (listes I et II):
 *   the ordonnancier, not the register;
 * - `unlisted` medicines and `device`s (dispositifs médicaux): stock only.
 */
export const productClassSchema = z.enum(['narcotic', 'narcotic-like', 'listed', 'unlisted', 'device']);
export type ProductClass = z.infer<typeof productClassSchema>;

export const PRODUCT_CLASS_LABELS: Readonly<Record<ProductClass, string>> = {
  narcotic: 'stupéfiant',
  'narcotic-like': 'assimilé stupéfiant',
  listed: 'liste I ou II',
  unlisted: 'non listé',
  device: 'dispositif médical',
};

export const ledgerProductSchema = z.object({
  productId: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  productClass: productClassSchema,
  /** The unit quantities are counted in (unité de prise): « flacon de 40 mg », « gélule de 10 mg ». */
  unit: z.string().min(1).max(100),
  /** The TSO product it is, when its dispensing follows the opioid substitution rules. */
  tsoProduct: opioidSubstitutionProductSchema.optional(),
  /** Below this many units in stock, the ESSMS is warned. */
  lowStockThreshold: z.int().min(0).max(1_000_000).optional(),
});
export type LedgerProduct = z.infer<typeof ledgerProductSchema>;

/** Whether a product's exits go in the narcotics register. */
export function inNarcoticsRegister(product: Pick<LedgerProduct, 'productClass'>): boolean {
  return product.productClass === 'narcotic';
}

/** Whether a product's dispensations are numbered in the ordonnancier. */
export function inOrdonnancier(product: Pick<LedgerProduct, 'productClass'>): boolean {
  return (
    product.productClass === 'narcotic' || product.productClass === 'narcotic-like' || product.productClass === 'listed'
  );
}
