import type { Role } from '@dui-pds/domain';
import type { ProfessionalPractice } from './professional-practices.js';

/**
 * A role the professional's profession suggests in an ESSMS they practise at, for the administrator
 * to grant or not: Pro Santé Connect says what a person is, never what they may do here.
 */
export interface HabilitationSuggestion {
  /** FINESS of the site, the ESSMS' `facilityId`. */
  facilityId: string;
  role: Role;
  /** What the role is suggested from. */
  professionCode: string;
  siteName?: string;
}

/**
 * The professions whose role here is plain. Others (masseur-kinésithérapeute, sage-femme, aide-soignant…)
 * suggest nothing: the administrator decides.
 */
export const ROLE_OF_PROFESSION: ReadonlyMap<string, Role> = new Map<string, Role>([
  ['10', 'doctor'], // médecin (TRE_G15)
  ['21', 'pharmacist'], // pharmacien
  ['60', 'nurse'], // infirmier
  ['69', 'nurse'], // infirmier psychiatrique
  ['93', 'psychologist'], // psychologue (TRE_R95)
  ['41', 'socialWorker'], // assistant de service social (TRE_R94)
  ['44', 'socialWorker'], // conseiller en économie sociale et familiale
  ['48', 'educator'], // moniteur éducateur
  ['51', 'educator'], // éducateur spécialisé
  ['52', 'educator'], // éducateur technique spécialisé
]);

/** Students (TRE_R09 `E`) practise under someone else's responsibility: their profession suggests no role. */
const STUDENT_CATEGORY = 'E';

/**
 * One suggestion per ESSMS and role: for each work situation at a site with a FINESS, the role the
 * profession suggests. A situation without a FINESS suggests nothing, since nothing names the ESSMS.
 */
export function habilitationSuggestions(practices: readonly ProfessionalPractice[]): HabilitationSuggestion[] {
  const suggestions = new Map<string, HabilitationSuggestion>();
  for (const practice of practices) {
    const role = suggestedRole(practice);
    if (role === undefined || practice.professionCode === undefined) continue;
    for (const situation of practice.workSituations) {
      if (situation.finess === undefined) continue;
      const key = `${situation.finess} ${role}`;
      if (suggestions.has(key)) continue;
      suggestions.set(key, {
        facilityId: situation.finess,
        role,
        professionCode: practice.professionCode,
        ...(situation.siteName === undefined ? {} : { siteName: situation.siteName }),
      });
    }
  }
  return [...suggestions.values()];
}

function suggestedRole(practice: ProfessionalPractice): Role | undefined {
  if (practice.categoryCode === STUDENT_CATEGORY || practice.professionCode === undefined) return undefined;
  return ROLE_OF_PROFESSION.get(practice.professionCode);
}
