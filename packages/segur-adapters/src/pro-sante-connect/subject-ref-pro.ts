import { z } from 'zod';

/**
 * A code or a name as Pro Santé Connect sends it: PSC sends `""` for what the Annuaire Santé does not
 * know, so blank means absent; a value of another type is ignored rather than refused, so that one odd
 * field never costs the professional their login.
 */
const text = z
  .unknown()
  .optional()
  .transform((value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined));

/** Only the well-formed entries of a list are kept: one odd entry does not hide the others. */
function tolerantList<Entry extends z.ZodType>(entry: Entry) {
  return z
    .unknown()
    .optional()
    .transform((value): z.output<Entry>[] =>
      Array.isArray(value)
        ? value.flatMap((item) => {
            const parsed = entry.safeParse(item);
            return parsed.success ? [parsed.data] : [];
          })
        : [],
    );
}

/** A situation d'exercice: where, and as what, the profession is practised. Unknown fields are dropped. */
const activitySchema = z.object({
  /** TRE_R23: L libéral, S salarié, B bénévole. */
  codeModeExercice: text,
  codeSecteurDactivite: text,
  codeSectionPharmacien: text,
  /** TRE_R21, the function held at the site. */
  codeRole: text,
  /** TRE_R22. */
  codeGenreActivite: text,
  numeroFinessSite: text,
  /** PSC's spelling, with a lower-case `e`. */
  numeroFinessetablissementJuridique: text,
  raisonSocialeSite: text,
  enseigneCommercialeSite: text,
  identifiantTechniqueDeLaStructure: text,
});

/** An exercice professionnel: one profession, and the activities it is practised in. */
const exerciceSchema = z.object({
  /** TRE_G15 for the health professions (10 médecin, 60 infirmier…), TRE_R94/R95 for the others. */
  codeProfession: text,
  /** TRE_R09: C civil, M militaire, E étudiant… */
  codeCategorieProfessionnelle: text,
  codeTypeSavoirFaire: text,
  codeSavoirFaire: text,
  codeCiviliteDexercice: text,
  nomDexercice: text,
  prenomDexercice: text,
  /** PSC's key; `activites` is read too, as some documents of the claim spell it. */
  activities: tolerantList(activitySchema),
  activites: tolerantList(activitySchema),
});

/** The `SubjectRefPro` claim of Pro Santé Connect's userinfo: the professional's practices, from the Annuaire Santé. */
export const subjectRefProSchema = z.object({
  codeCivilite: text,
  exercices: tolerantList(exerciceSchema),
});

export type SubjectRefPro = z.output<typeof subjectRefProSchema>;
export type SubjectRefProExercice = z.output<typeof exerciceSchema>;
export type SubjectRefProActivity = z.output<typeof activitySchema>;

/**
 * The claim read tolerantly: an object, or the same as a JSON string; `undefined` when it is neither,
 * which is not a reason to refuse a login (the professional then simply has no practices).
 */
export function readSubjectRefPro(claim: unknown): SubjectRefPro | undefined {
  const parsed = subjectRefProSchema.safeParse(typeof claim === 'string' ? jsonOrUndefined(claim) : claim);
  return parsed.success ? parsed.data : undefined;
}

function jsonOrUndefined(source: string): unknown {
  try {
    return JSON.parse(source);
  } catch {
    return undefined;
  }
}
