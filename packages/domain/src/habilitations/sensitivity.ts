import { z } from 'zod';

/**
 * Every part of a usager's record carries one sensitivity class; the access policy decides from it
 * (and from the professional's roles and care teams) who may read or write that part.
 */
export const SENSITIVITY_CLASSES = ['administrative', 'social', 'medical', 'psychological'] as const;

export type SensitivityClass = (typeof SENSITIVITY_CLASSES)[number];

export const sensitivityClassSchema = z.enum(SENSITIVITY_CLASSES);

/** How staff read the classes, in screens and refusal messages. */
export const SENSITIVITY_LABELS: Readonly<Record<SensitivityClass, string>> = {
  administrative: 'administratif',
  social: 'social',
  medical: 'médical',
  psychological: 'psychologique',
};
