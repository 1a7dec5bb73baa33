/**
 * The names the ANS « API Annuaire Santé en FHIR » gives things: identifier systems, the NOS
 * terminologies (nomenclatures des objets de santé) and the extensions of its implementation guide
 * (interop.esante.gouv.fr/ig/fhir/annuaire). The client reads with them, the stand-in writes with them.
 */

/** The national identifier of a person (idNat_PS): « 8 » then the RPPS for a professional in the RPPS. */
export const IDNPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
/** The national identifier of a structure (idNat_Struct): « 1 » then the FINESS for a FINESS structure. */
export const IDNST_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2';
/** The RPPS on its own, under the system of the guide; older answers name it http://rpps.fr. */
export const RPPS_SYSTEMS = ['https://rpps.esante.gouv.fr', 'http://rpps.fr'] as const;
/** The FINESS on its own, under the system of the guide; older answers name it http://finess.sante.gouv.fr. */
export const FINESS_SYSTEMS = ['https://finess.esante.gouv.fr', 'http://finess.sante.gouv.fr'] as const;
/** The directory's own technical identifiers (of a cabinet with no FINESS, for one). */
export const ANNUAIRE_TECHNICAL_SYSTEM = 'https://annuaire.sante.fr';
/** The identifier types (v2-0203 as French Core extends it): RPPS, IDNPS, FINEG, FINEJ, IDNST. */
export const IDENTIFIER_TYPE_SYSTEM = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203';

/** A NOS terminology's canonical URL; answers sometimes append `/TRE_…-FHIR.json`, so readers match on the table name. */
export const nosSystem = (table: string) =>
  `https://mos.esante.gouv.fr/NOS/${table}/FHIR/${table.replace('_', '-')}` as const;

/** The professions (10 médecin, 21 pharmacien, 60 infirmier…). */
export const PROFESSION_TABLE = 'TRE_G15-ProfessionSante';
/** The ordinal specialties (SM54 médecine générale…). */
export const SPECIALTY_TABLE = 'TRE_R38-SpecialiteOrdinale';
/** The categories of establishment of the FINESS. */
export const ESTABLISHMENT_CATEGORY_TABLE = 'TRE_R66-CategorieEtablissement';
/** The kinds of mailbox an email address is: MSSANTE for a secure health mailbox. */
export const MAILBOX_KIND_TABLE = 'TRE_R256-TypeMessagerie';
/** The kinds of MSSanté mailbox: PER (personal), CAB (cabinet), ORG (organisational), APP (applicative). */
export const MSS_MAILBOX_TYPE_TABLE = 'TRE_R257-TypeBAL';

/** On a ContactPoint: which kind of mailbox an email address is (French Core). */
export const EMAIL_TYPE_EXTENSION = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type';
/** On a ContactPoint: what the directory knows of an MSSanté mailbox (type, red list…). */
export const MSS_MAILBOX_METADATA_EXTENSION =
  'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';

/** The profiles of the public data (« données publiques ») the API serves. */
export const PUBLIC_DATA_PROFILES = {
  Practitioner: 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitioner',
  PractitionerRole: 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-practitionerrole',
  Organization: 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-dp-organization',
} as const;

/** The exercise titles (civilité d’exercice, TRE_R11) the directory shows before a name. */
export const EXERCISE_TITLES: Readonly<Record<string, string>> = { DR: 'Dr', PR: 'Pr' };

/**
 * Labels of the codes the directory routes care for, for answers that carry codes without their
 * display (the API often does): the rest keep their code.
 */
export const PROFESSION_LABELS: Readonly<Record<string, string>> = {
  '10': 'Médecin',
  '21': 'Pharmacien',
  '40': 'Chirurgien-dentiste',
  '50': 'Sage-femme',
  '60': 'Infirmier',
  '70': 'Masseur-kinésithérapeute',
};
export const SPECIALTY_LABELS: Readonly<Record<string, string>> = { SM54: 'Médecine générale' };
export const ESTABLISHMENT_CATEGORY_LABELS: Readonly<Record<string, string>> = {
  '620': 'Pharmacie d’officine',
  '355': 'Centre hospitalier',
  '156': 'Centre médico-psychologique',
};
