import type { Role, Sex } from '@dui-pds/domain';
import type { CodedValue } from './cda-document-input.js';

/**
 * The identifiers and codes of the CDA header as the CI-SIS fixes them (volet « structuration
 * minimale », jeux de valeurs JDV_J01, J02, J04, J143 of the ANS terminologies). Named once here,
 * so that the builder, the XDS metadata and the tests speak of the same values.
 */
export const CDA_OIDS = {
  /** The CDA R2 standard itself (`typeId`). */
  cdaTypeId: '2.16.840.1.113883.1.3',
  loinc: '2.16.840.1.113883.6.1',
  hl7Confidentiality: '2.16.840.1.113883.5.25',
  hl7AdministrativeGender: '2.16.840.1.113883.5.1',
  /** IdNat_PS: a professional's national id (`8` + RPPS, `0` + ADELI, `3` + FINESS `/` local id). */
  nationalProfessionalId: '1.2.250.1.71.4.2.1',
  /** IdNat_Struct: a structure's national id (`1` + FINESS, `3` + SIRET). */
  nationalStructureId: '1.2.250.1.71.4.2.2',
  /** The DMP's own id, the other custodian the CI-SIS admits. */
  dmpCustodian: '1.2.250.1.213.4.1',
  /** TRE_R02-SecteurActivite: the healthcareFacilityTypeCode's SA codes. */
  activitySector: '1.2.250.1.71.4.2.4',
  /** TRE_A01-CadreExercice: the practiceSettingCode. */
  practiceSetting: '1.2.250.1.213.1.1.4.9',
  /** TRE_G15-ProfessionSante. */
  healthProfession: '1.2.250.1.213.1.1.4.5',
  /** TRE_A05-TypeDocComplementaire: the CI-SIS's own document types, beside LOINC. */
  complementaryDocumentType: '1.2.250.1.213.1.1.4.12',
} as const;

/** The templates every document declares: HL7 France, the CI-SIS, and IHE XDS-SD for a level 1 body. */
export const CDA_TEMPLATE_IDS = {
  hl7France: '2.16.840.1.113883.2.8.2.1',
  ciSis: '1.2.250.1.213.1.1.1.1',
  unstructuredDocument: '1.3.6.1.4.1.19376.1.2.20',
} as const;

export const CDA_CONFIDENTIALITY: Readonly<Record<'N' | 'R' | 'V', CodedValue>> = {
  N: { code: 'N', displayName: 'Normal', codeSystem: CDA_OIDS.hl7Confidentiality, codeSystemName: 'Confidentiality' },
  R: {
    code: 'R',
    displayName: 'Restreint',
    codeSystem: CDA_OIDS.hl7Confidentiality,
    codeSystemName: 'Confidentiality',
  },
  V: {
    code: 'V',
    displayName: 'Très restreint',
    codeSystem: CDA_OIDS.hl7Confidentiality,
    codeSystemName: 'Confidentiality',
  },
};

/** JDV_J143_AdministrativeGender_CISIS: the INS's `I` (indéterminé) is HL7's `UN`. */
export const ADMINISTRATIVE_GENDER: Readonly<Record<Sex, { code: string; displayName: string }>> = {
  F: { code: 'F', displayName: 'Féminin' },
  M: { code: 'M', displayName: 'Masculin' },
  I: { code: 'UN', displayName: 'Inconnu' },
};

/** JDV_J04: the practice setting of every ESSMS of the sector. */
export const ESSMS_PRACTICE_SETTING: CodedValue = {
  code: 'ESSMS',
  displayName: 'Etablissement ou Service Social ou Médico-Social',
  codeSystem: CDA_OIDS.practiceSetting,
};

/**
 * JDV_J02: the healthcareFacilityTypeCode of a CSAPA, CAARUD, ACT, LHSS or LAM. The jeu de valeurs
 * has no code for the PDS sector's categories; SA41 is its code for social and medico-social
 * establishments outside disability, old age, family help and child protection.
 */
export const PDS_FACILITY_TYPE: CodedValue = {
  code: 'SA41',
  displayName: 'Autre établissement du domaine social ou médico-social',
  codeSystem: CDA_OIDS.activitySector,
};

/**
 * JDV_J01 (XdsAuthorSpecialty): a professional's profession by the role they hold in the ESSMS.
 * The administrator and the archivist author no document of the record: they have none.
 */
export const PROFESSION_OF_ROLE: Readonly<Partial<Record<Role, CodedValue>>> = {
  doctor: { code: 'G15_10', displayName: 'Médecin', codeSystem: CDA_OIDS.healthProfession },
  nurse: { code: 'G15_60', displayName: 'Infirmier', codeSystem: CDA_OIDS.healthProfession },
  pharmacist: { code: 'G15_21', displayName: 'Pharmacien', codeSystem: CDA_OIDS.healthProfession },
  psychologist: { code: '93', displayName: 'Psychologue', codeSystem: '1.2.250.1.213.1.6.1.109' },
  socialWorker: { code: '41', displayName: 'Assistant de service social', codeSystem: '1.2.250.1.213.1.6.1.4' },
  educator: { code: '326', displayName: 'Educateur spécialisé', codeSystem: '1.2.250.1.213.1.6.1.107' },
  secretary: {
    code: '331',
    displayName: 'Secrétaire assistante médico-administrative',
    codeSystem: '1.2.250.1.213.1.6.1.107',
  },
  director: { code: '359', displayName: "Directeur d'établissement", codeSystem: '1.2.250.1.213.1.6.1.107' },
};

/** IdNat_Struct of an establishment known by its FINESS: `1` and the FINESS. */
export function structureIdOfFiness(finess: string): { root: string; extension: string } {
  return { root: CDA_OIDS.nationalStructureId, extension: `1${finess}` };
}

/**
 * IdNat_PS of a professional: their RPPS when the id is one (`8` + 11 digits, as Pro Santé Connect
 * names them), else the CI-SIS's id of an establishment's staff, `3` + FINESS + `/` + local id.
 */
export function professionalIdOf(professionalId: string, finess: string): { root: string; extension: string } {
  const extension = /^8\d{11}$/.test(professionalId) ? professionalId : `3${finess}/${professionalId}`;
  return { root: CDA_OIDS.nationalProfessionalId, extension };
}

/** An OID (`1.2.250…`) or a UUID: what an instance identifier's root may be. */
export function isUidRoot(root: string): boolean {
  return (
    /^[0-2](\.(0|[1-9]\d*))*$/.test(root) ||
    /^[A-Fa-f\d]{8}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{4}-[A-Fa-f\d]{12}$/.test(root)
  );
}

/** `2.25.` and the UUID read as one integer (ITU-T X.667): an OID no one needs to register. */
export function oidOfUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError('oidOfUuid: not a UUID');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
