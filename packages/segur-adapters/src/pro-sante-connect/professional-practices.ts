import { readSubjectRefPro, type SubjectRefProActivity } from './subject-ref-pro.js';

/** An exercice professionnel, as Pro Santé Connect vouches for it: one profession and where it is practised. */
export interface ProfessionalPractice {
  /** TRE_G15 (health professions: `10` médecin, `60` infirmier…) or TRE_R94/R95 (`41` assistant de service social, `93` psychologue…). */
  professionCode?: string;
  /** TRE_R09: `C` civil, `M` militaire, `E` étudiant… */
  categoryCode?: string;
  /** The specialty (savoir-faire), `SM54` médecine générale for instance. */
  savoirFaireCode?: string;
  workSituations: WorkSituation[];
}

/** A situation d'exercice (PSC's « activity »): one site where the profession is practised. */
export interface WorkSituation {
  /** FINESS of the site (établissement géographique): what an ESSMS is known by here, its `facilityId`. */
  finess?: string;
  /** FINESS of the legal entity (établissement juridique): the organisme gestionnaire's, not an ESSMS'. */
  legalEntityFiness?: string;
  /** Raison sociale, or failing it the enseigne commerciale. */
  siteName?: string;
  /** TRE_R21, the function held at the site. */
  roleCode?: string;
  /** TRE_R22. */
  activityKindCode?: string;
  /** TRE_R23: `L` libéral, `S` salarié, `B` bénévole. */
  practiceModeCode?: string;
}

/** Nine characters, the second a digit or A/B for Corsica (2A, 2B). */
const FINESS_PATTERN = /^\d[\dAB]\d{7}$/;

/**
 * The practices in `SubjectRefPro`. Never throws: an unreadable claim gives no practices, and a FINESS
 * that is not one is left out, so that nothing downstream is keyed on it.
 */
export function practicesFromSubjectRefPro(claim: unknown): ProfessionalPractice[] {
  const subjectRefPro = readSubjectRefPro(claim);
  if (subjectRefPro === undefined) return [];
  return subjectRefPro.exercices.map((exercice) =>
    withoutUndefined({
      professionCode: exercice.codeProfession,
      categoryCode: exercice.codeCategorieProfessionnelle,
      savoirFaireCode: exercice.codeSavoirFaire,
      workSituations: [...exercice.activities, ...exercice.activites].map(workSituationOf),
    }),
  );
}

function workSituationOf(activity: SubjectRefProActivity): WorkSituation {
  return withoutUndefined({
    finess: finessOrUndefined(activity.numeroFinessSite),
    legalEntityFiness: finessOrUndefined(activity.numeroFinessetablissementJuridique),
    siteName: activity.raisonSocialeSite ?? activity.enseigneCommercialeSite,
    roleCode: activity.codeRole,
    activityKindCode: activity.codeGenreActivite,
    practiceModeCode: activity.codeModeExercice,
  });
}

function finessOrUndefined(value: string | undefined): string | undefined {
  return value !== undefined && FINESS_PATTERN.test(value) ? value : undefined;
}

/** Absent fields stay absent: the practices are kept in sessions as JSON, and compared whole in tests. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
