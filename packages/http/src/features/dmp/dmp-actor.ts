import type { Principal, Role } from '@dui-pds/domain';
import {
  type CodedValue,
  type DmpActor,
  PDS_FACILITY_TYPE,
  PROFESSION_OF_ROLE,
  professionalIdOf,
  structureIdOfFiness,
} from '@dui-pds/segur-adapters';
import type { AuthenticatedProfessional } from '../../auth/professional-identity.js';

/** TRE_G15-ProfessionSante, as the VIHF's subject:role names a health profession. */
const HEALTH_PROFESSION_SYSTEM = '1.2.250.1.71.1.2.7';
/** TRE_A02-ProfessionSavFaire-CISIS: the CDA's codes for a health profession, `G15_<code>`. */
const CDA_HEALTH_PROFESSION_SYSTEM = '1.2.250.1.213.1.1.4.5';
/** The RPPS's savoir-faire (specialties), the VIHF's second role of a doctor or a pharmacist. */
const SAVOIR_FAIRE_SYSTEM = '1.2.250.1.71.4.2.5';

/** The roles that act on the DMP in the order their profession names the professional. */
const ROLES_BY_PRECEDENCE: readonly Role[] = [
  'doctor',
  'pharmacist',
  'nurse',
  'psychologist',
  'socialWorker',
  'educator',
  'secretary',
  'director',
];

/**
 * The professional as the VIHF names them: their national id (RPPS) or the structure's id of them,
 * their name, and their profession in the ESSMS where they act, which the role they hold there
 * gives (the same profession the CDA header names), with the doctor's or pharmacist's savoir-faire
 * when Pro Santé Connect vouched for one. Undefined for a role with no profession (administrator,
 * archivist): they do not act on the DMP.
 */
export function dmpActorOf(
  principal: Principal,
  professional: AuthenticatedProfessional | undefined,
  facilityId: string,
): DmpActor | undefined {
  const held = principal.roles.filter((grant) => grant.facilityId === facilityId).map((grant) => grant.role);
  const role = ROLES_BY_PRECEDENCE.find((candidate) => held.includes(candidate));
  const profession = role === undefined ? undefined : PROFESSION_OF_ROLE[role];
  if (role === undefined || profession === undefined) return undefined;
  const vihfProfession = vihfProfessionOf(profession);
  const savoirFaire = professional?.practices?.find(
    (practice) => practice.professionCode === vihfProfession.code && practice.savoirFaireCode !== undefined,
  )?.savoirFaireCode;
  return {
    id: professionalIdOf(principal.professionalId, facilityId).extension,
    name: professional?.displayName ?? principal.professionalId,
    roles: [
      vihfProfession,
      ...((role === 'doctor' || role === 'pharmacist') && savoirFaire !== undefined
        ? [{ code: savoirFaire, codeSystem: SAVOIR_FAIRE_SYSTEM, displayName: savoirFaire }]
        : []),
    ],
    structure: { id: structureIdOfFiness(facilityId).extension, activitySector: PDS_FACILITY_TYPE },
  };
}

/** A CDA profession (`G15_10`) as the VIHF names it (`10` in TRE_G15); the others as they are. */
function vihfProfessionOf(profession: CodedValue): CodedValue {
  if (profession.codeSystem !== CDA_HEALTH_PROFESSION_SYSTEM) return profession;
  return { ...profession, code: profession.code.replace(/^G15_/, ''), codeSystem: HEALTH_PROFESSION_SYSTEM };
}
