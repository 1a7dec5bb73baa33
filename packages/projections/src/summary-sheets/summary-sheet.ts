import type { IdentityStatus, InsOid, SensitivityClass, Sex } from '@dui-pds/domain';

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
    updatedAt: undefined,
  };
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
  };
}
