import { z } from 'zod';

/**
 * The strict identity traits of the RNIV (référentiel national d’identitovigilance), on which the
 * INS rests: birth name, every birth first name in order, birth date, sex, and birthplace as an
 * INSEE COG code (a French commune, or `99` + the country code for a birth abroad).
 *
 * Decisions taken here:
 * - Traits are stored as entered, upper-cased the way the INSi returns them, so that comparing
 *   the traits of a document check with those of the INSi is an equality, not a fuzzy match.
 * - Sex is `F`, `M` or `I` (indéterminé), the INS values.
 */
export const sexSchema = z.enum(['F', 'M', 'I']);
export type Sex = z.infer<typeof sexSchema>;

export const SEX_LABELS: Readonly<Record<Sex, string>> = { F: 'féminin', M: 'masculin', I: 'indéterminé' };

const name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .transform((value) => value.toLocaleUpperCase('fr-FR').replace(/\s+/g, ' '));

export const strictTraitsSchema = z.object({
  birthName: name,
  /** All the birth first names, in the order of the civil registry. */
  birthFirstNames: z.array(name).min(1).max(10),
  birthDate: z.iso.date(),
  sex: sexSchema,
  /** INSEE COG code of the birthplace: five characters (`75056`, `2A004`, `99134` for Spain). */
  birthplaceCode: z.string().regex(/^(\d{5}|2[AB]\d{3})$/, 'code INSEE du lieu de naissance (5 caractères)'),
});

export type StrictTraits = z.infer<typeof strictTraitsSchema>;

/** Whether two sets of traits are the same identity, trait by trait. */
export function sameTraits(one: StrictTraits, other: StrictTraits): boolean {
  return (
    one.birthName === other.birthName &&
    one.birthDate === other.birthDate &&
    one.sex === other.sex &&
    one.birthplaceCode === other.birthplaceCode &&
    one.birthFirstNames.length === other.birthFirstNames.length &&
    one.birthFirstNames.every((firstName, index) => firstName === other.birthFirstNames[index])
  );
}

/**
 * What screens show by default (RNIV): birth name, first birth first name, birth date, sex and
 * birthplace; the used name and first name beside them when the usager has them.
 */
export function displayedTraits(traits: StrictTraits): {
  birthName: string;
  firstBirthFirstName: string;
  birthDate: string;
  sex: Sex;
  birthplaceCode: string;
} {
  return {
    birthName: traits.birthName,
    firstBirthFirstName: traits.birthFirstNames[0] as string,
    birthDate: traits.birthDate,
    sex: traits.sex,
    birthplaceCode: traits.birthplaceCode,
  };
}
