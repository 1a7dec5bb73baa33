import { z } from 'zod';

/**
 * The INS (identifiant national de santé): a NIR or NIA with the OID of its assigning authority.
 *
 * Test and demo OIDs exist for the INSi test platforms; a production deployment refuses them
 * (`isTestOrDemoInsOid`), which the INS adapter enforces from the deployment mode.
 */
export const INS_OIDS = {
  nir: '1.2.250.1.213.1.4.8',
  nia: '1.2.250.1.213.1.4.9',
  nirTest: '1.2.250.1.213.1.4.10',
  nirDemo: '1.2.250.1.213.1.4.11',
} as const;

export type InsOid = (typeof INS_OIDS)[keyof typeof INS_OIDS];

export const insOidSchema = z.enum([INS_OIDS.nir, INS_OIDS.nia, INS_OIDS.nirTest, INS_OIDS.nirDemo]);

/** The 13 characters of a NIR before its key: sex, year, month, department (`2A`, `2B` for Corsica), ... */
const NIR_PATTERN = /^[12378]\d{4}(\d{2}|2[AB])\d{6}\d{2}$/;

/**
 * The two-digit key of a NIR: 97 − (the first 13 digits mod 97), Corsica's `2A` read as 19 and
 * `2B` as 18 before computing.
 */
export function nirKey(first13: string): string {
  const digits = first13.toUpperCase().replace('2A', '19').replace('2B', '18');
  const remainder = Number(BigInt(digits) % 97n);
  return String(97 - remainder).padStart(2, '0');
}

/** Whether a 15-character NIR (13 characters and a key) is well formed and its key right. */
export function isValidNir(nir: string): boolean {
  const value = nir.toUpperCase();
  return NIR_PATTERN.test(value) && nirKey(value.slice(0, 13)) === value.slice(13);
}

export function isTestOrDemoInsOid(oid: string): boolean {
  return oid === INS_OIDS.nirTest || oid === INS_OIDS.nirDemo;
}

export const insSchema = z.object({
  value: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine(isValidNir, 'NIR ou NIA invalide (15 caractères, clé de contrôle)'),
  oid: insOidSchema,
});

export type Ins = z.infer<typeof insSchema>;
