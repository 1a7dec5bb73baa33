import type {
  ContactDetails,
  IdentityStatus,
  Injection,
  InsOid,
  MainProduct,
  PrescriberSetting,
  SensitivityClass,
  Sex,
  TrustedPersonScope,
  TsoProduct,
  UsagePopulation,
  UseLevel,
} from '@dui-pds/domain';

/**
 * The summary sheet (fiche de synthèse) of a usager: what a professional taking over needs on
 * one page, gathered from the whole record. Each part names its ESSMS and has a sensitivity class,
 * so that a reader sees only what they may read (`readableSheet`).
 */
export interface SummarySheet {
  serviceUserId: string;
  identity: SheetIdentity | undefined;
  accompaniments: SheetAccompaniment[];
  contracts: SheetContract[];
  personalisedProjects: SheetPersonalisedProject[];
  socialBenefits: SheetSocialBenefit[];
  freedomOfMovementMeasures: SheetFreedomOfMovementMeasure[];
  /** The last complete filling of each grid. */
  assessments: SheetAssessment[];
  careTeam: SheetCareTeamMember[];
  /** The medicines prescribed and neither stopped, completed nor renewed: the treatments in progress. */
  treatments: SheetTreatment[];
  /** The designation of a personne de confiance in force, if any (at most one: it is the person's). */
  trustedPerson: SheetTrustedPerson | undefined;
  /** The usage profile of each ESSMS, its latest year's. */
  usageProfiles: SheetUsageProfile[];
  /** When the last fact on the sheet was recorded. */
  updatedAt: string | undefined;
}

export interface SheetIdentity {
  facilityId: string;
  anonymous: boolean;
  pseudonym: string | undefined;
  birthName: string | undefined;
  birthFirstNames: string[];
  usedName: string | undefined;
  usedFirstName: string | undefined;
  postalAddress?: string | undefined;
  birthDate: string | undefined;
  birthYear: number | undefined;
  sex: Sex | undefined;
  birthplaceCode: string | undefined;
  identityStatus: IdentityStatus | undefined;
  /** The INS the INSi returned; `readableSheet` shows it for a QUAL identity only. */
  ins: { value: string; oid: InsOid } | undefined;
}

export interface SheetAccompaniment {
  accompanimentId: string;
  facilityId: string;
  admittedAt: string;
  exit:
    | {
        day: string;
        reason: string;
        destination: string;
        /** Post-exit actions still open, and whether the follow-up was closed. */
        openActions: number;
        followUpClosed: boolean;
      }
    | undefined;
}

export interface SheetContract {
  contractId: string;
  facilityId: string;
  kind: string;
  status: string;
  version: number;
  admittedOn: string;
  handedOverOn: string | undefined;
  signedOn: string | undefined;
  lastReviewedOn: string | undefined;
}

export interface SheetPersonalisedProject {
  projectId: string;
  facilityId: string;
  /** The last validated version, if any. */
  validatedVersion: number | undefined;
  validatedOn: string | undefined;
  objectives: SheetObjective[];
}

export interface SheetObjective {
  title: string;
  domain: string;
  lastEvaluation: { day: string; result: string } | undefined;
  actions: { what: string; who: string; deadline: string; done: boolean }[];
}

export interface SheetSocialBenefit {
  benefitId: string;
  facilityId: string;
  kind: string;
  organism: string;
  openFrom: string;
  openTo: string;
  closed: boolean;
}

export interface SheetFreedomOfMovementMeasure {
  measureId: string;
  facilityId: string;
  description: string;
  status: string;
  reviewBy: string | undefined;
}

export interface SheetAssessment {
  gridId: string;
  gridVersion: string;
  facilityId: string;
  filledAt: string;
  score: number;
  interpretation: string;
}

export interface SheetCareTeamMember {
  professionalId: string;
  facilityId: string;
}

/**
 * A medicine prescription in progress (a TSO above all). It leaves the sheet when stopped,
 * completed or renewed; the sheet has no clock, so one whose last day passed unclosed stays, and
 * its period says so.
 */
export interface SheetTreatment {
  prescriptionId: string;
  facilityId: string;
  productName: string;
  /** Set for an opioid substitution product. */
  tsoProduct: TsoProduct | undefined;
  dose: string;
  posology: string;
  prescribedOn: string;
  startsOn: string;
  /** The last day covered (`medicineLastDay`). */
  lastDay: string;
  /** Days per fraction, `'single'` for « délivrance en une seule fois », undefined when none written. */
  fractionDays: number | 'single' | undefined;
  prescriber: { name: string; setting: PrescriberSetting };
  /** The day it was suspended, while it is. */
  suspendedOn: string | undefined;
}

export interface SheetTrustedPerson {
  trustedPersonId: string;
  /** The ESSMS where the designation was recorded. */
  facilityId: string;
  name: string;
  relationship: string | undefined;
  contact: ContactDetails;
  scope: TrustedPersonScope[];
  designatedOn: string;
  /** Without the co-signature of the person designated, the designation is not complete. */
  cosignedOn: string | undefined;
}

export interface SheetUsageProfile {
  facilityId: string;
  year: number;
  population: UsagePopulation;
  /** Null: none identified (always, for the entourage). */
  mainProduct: MainProduct | null;
  useLevel: UseLevel | null;
  injection: Injection | null;
}

/** The sensitivity class of each part of the sheet, as the access matrix reads it. */
export const SHEET_PART_SENSITIVITY = {
  identity: 'administrative',
  accompaniments: 'administrative',
  contracts: 'administrative',
  careTeam: 'administrative',
  personalisedProjects: 'social',
  socialBenefits: 'social',
  freedomOfMovementMeasures: 'medical',
  assessments: 'medical',
  treatments: 'medical',
  // as the trusted-persons feature classes it: who the usager trusts and their family ties
  trustedPerson: 'social',
  // as the usage-profiles feature classes it: recorded by the whole team for the annual report,
  // not a diagnosis (classing it medical would hide it from the social workers who fill it)
  usageProfiles: 'social',
} as const satisfies Record<Exclude<keyof SummarySheet, 'serviceUserId' | 'updatedAt'>, SensitivityClass>;

export type SheetPart = keyof typeof SHEET_PART_SENSITIVITY;

export function emptySheet(serviceUserId: string): SummarySheet {
  return {
    serviceUserId,
    identity: undefined,
    accompaniments: [],
    contracts: [],
    personalisedProjects: [],
    socialBenefits: [],
    freedomOfMovementMeasures: [],
    assessments: [],
    careTeam: [],
    treatments: [],
    trustedPerson: undefined,
    usageProfiles: [],
    updatedAt: undefined,
  };
}

/**
 * A sheet as stored, with the parts a sheet written by an earlier version lacks, empty: while a
 * new version is rebuilt, the live build keeps serving readers and following appends with this
 * code, on rows written before those parts existed.
 */
export function withEveryPart(stored: SummarySheet): SummarySheet {
  return { ...emptySheet(stored.serviceUserId), ...stored };
}

/**
 * The sheet as one reader may see it: each part kept only where `mayRead(facilityId, sensitivity)`
 * says so, item by item (a usager followed in two ESSMS shows each reader their own); and the INS
 * only for a qualified identity, since only such an INS may leave the software (DOMAIN.md).
 */
export function readableSheet(
  sheet: SummarySheet,
  mayRead: (facilityId: string, sensitivity: SensitivityClass) => boolean,
): SummarySheet {
  const keep = <Item extends { facilityId: string }>(part: SheetPart, items: Item[]) =>
    items.filter((item) => mayRead(item.facilityId, SHEET_PART_SENSITIVITY[part]));
  return {
    ...sheet,
    identity:
      sheet.identity && mayRead(sheet.identity.facilityId, SHEET_PART_SENSITIVITY.identity)
        ? { ...sheet.identity, ins: sheet.identity.identityStatus === 'QUAL' ? sheet.identity.ins : undefined }
        : undefined,
    accompaniments: keep('accompaniments', sheet.accompaniments),
    contracts: keep('contracts', sheet.contracts),
    personalisedProjects: keep('personalisedProjects', sheet.personalisedProjects),
    socialBenefits: keep('socialBenefits', sheet.socialBenefits),
    freedomOfMovementMeasures: keep('freedomOfMovementMeasures', sheet.freedomOfMovementMeasures),
    assessments: keep('assessments', sheet.assessments),
    careTeam: keep('careTeam', sheet.careTeam),
    treatments: keep('treatments', sheet.treatments),
    trustedPerson:
      sheet.trustedPerson && mayRead(sheet.trustedPerson.facilityId, SHEET_PART_SENSITIVITY.trustedPerson)
        ? sheet.trustedPerson
        : undefined,
    usageProfiles: keep('usageProfiles', sheet.usageProfiles),
  };
}

/**
 * The parts the reader may read in no ESSMS the sheet mentions: listed as hidden, so that an empty
 * part is never mistaken for one the reader may not see.
 */
export function hiddenPartsOf(
  sheet: SummarySheet,
  mayRead: (facilityId: string, sensitivity: SensitivityClass) => boolean,
): SheetPart[] {
  const facilities = facilitiesOfSheet(sheet);
  return (Object.keys(SHEET_PART_SENSITIVITY) as SheetPart[]).filter(
    (part) => !facilities.some((facilityId) => mayRead(facilityId, SHEET_PART_SENSITIVITY[part])),
  );
}

/** Every ESSMS the sheet mentions, the identity's first: where its parts may be read from. */
export function facilitiesOfSheet(sheet: SummarySheet): string[] {
  return [
    ...new Set([
      ...(sheet.identity ? [sheet.identity.facilityId] : []),
      ...[
        sheet.accompaniments,
        sheet.contracts,
        sheet.personalisedProjects,
        sheet.socialBenefits,
        sheet.freedomOfMovementMeasures,
        sheet.assessments,
        sheet.careTeam,
        sheet.treatments,
        sheet.trustedPerson ? [sheet.trustedPerson] : [],
        sheet.usageProfiles,
      ].flatMap((items: readonly { facilityId: string }[]) => items.map((item) => item.facilityId)),
    ]),
  ];
}
