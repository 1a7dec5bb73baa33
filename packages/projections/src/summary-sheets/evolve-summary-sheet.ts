import {
  type Admitted,
  type AnonymityLifted,
  type AnonymousServiceUserRegistered,
  type AssessmentRecorded,
  type ExitCorrected,
  type ExitRecorded,
  type IdentityDocumentChecked,
  type IdentityTraitsCorrected,
  type InsRetrieved,
  type MeasureDecided,
  type MeasureProposed,
  type MeasureReviewed,
  type MedicinePrescribed,
  medicineLastDay,
  type PersonalisedProjectStarted,
  type PostExitActionCancelled,
  type PostExitActionDone,
  type PostExitActionPlanned,
  type PrescriptionCompleted,
  type PrescriptionResumed,
  type PrescriptionStopped,
  type PrescriptionSuspended,
  type ProjectVersionValidated,
  type ServiceUserRegistered,
  type SocialBenefitRecorded,
  type SocialBenefitRenewed,
  type StayContractAmendmentSigned,
  type StayContractDrafted,
  type StayContractDraftRevised,
  type StayContractHandedOver,
  type StayContractReviewed,
  type StayContractSigned,
  type StrictTraits,
  type TrustedPersonCosigned,
  type TrustedPersonDesignated,
  type TrustedPersonRevoked,
  type UsageProfileRecorded,
  type UsedNamesChanged,
} from '@dui-pds/domain';
import type { SheetAccompaniment, SheetIdentity, SheetTreatment, SummarySheet } from './summary-sheet.js';

/** The facts the sheet is made of: each event type, and the part it changes. */
export const SHEET_EVENT_TYPES = [
  'ServiceUserRegistered',
  'AnonymousServiceUserRegistered',
  'IdentityTraitsCorrected',
  'UsedNamesChanged',
  'PostalAddressChanged',
  'InsRetrieved',
  'IdentityDocumentChecked',
  'AnonymityLifted',
  'Admitted',
  'ExitRecorded',
  'ExitCorrected',
  'PostExitActionPlanned',
  'PostExitActionDone',
  'PostExitActionCancelled',
  'PostExitFollowUpClosed',
  'StayContractDrafted',
  'StayContractDraftRevised',
  'StayContractHandedOver',
  'StayContractSigned',
  'StayContractSignatureRefused',
  'StayContractAmendmentSigned',
  'StayContractReviewed',
  'StayContractClosed',
  'PersonalisedProjectStarted',
  'ProjectVersionValidated',
  'SocialBenefitRecorded',
  'SocialBenefitRenewed',
  'SocialBenefitClosed',
  'MeasureProposed',
  'MeasureDecided',
  'MeasureReviewed',
  'AssessmentRecorded',
  'CareTeamMemberAdded',
  'CareTeamMemberRemoved',
  'MedicinePrescribed',
  'PrescriptionSuspended',
  'PrescriptionResumed',
  'PrescriptionStopped',
  'PrescriptionCompleted',
  'TrustedPersonDesignated',
  'TrustedPersonCosigned',
  'TrustedPersonRevoked',
  'UsageProfileRecorded',
] as const;

export type SheetEventType = (typeof SHEET_EVENT_TYPES)[number];

/** Post-exit actions are counted open until done or cancelled: the sheet keeps their ids. */
interface OpenActions {
  openActionIds?: string[];
}

/**
 * The sheet after one more fact. Pure: the projection reads the sheet, folds the event, writes it
 * back. Facts about an item the sheet does not hold (a decision on a measure whose proposal was
 * never seen) change nothing.
 */
export function evolveSummarySheet(
  sheet: SummarySheet,
  event: { type: string; data: unknown; recordedAt: string },
): SummarySheet {
  const next = { ...sheet, updatedAt: event.recordedAt };
  const data = event.data as Record<string, unknown>;
  switch (event.type as SheetEventType) {
    case 'ServiceUserRegistered': {
      const registered = data as ServiceUserRegistered;
      return {
        ...next,
        identity: {
          ...withTraits(registered.traits),
          facilityId: registered.facilityId,
          anonymous: false,
          pseudonym: undefined,
          usedName: registered.usedName,
          usedFirstName: registered.usedFirstName,
          identityStatus: registered.status,
          ins: undefined,
        },
      };
    }
    case 'AnonymousServiceUserRegistered': {
      const registered = data as AnonymousServiceUserRegistered;
      return {
        ...next,
        identity: {
          facilityId: registered.facilityId,
          anonymous: true,
          pseudonym: registered.pseudonym,
          birthName: undefined,
          birthFirstNames: [],
          usedName: undefined,
          usedFirstName: undefined,
          birthDate: undefined,
          birthYear: registered.birthYear,
          sex: registered.sex,
          birthplaceCode: undefined,
          identityStatus: undefined,
          ins: undefined,
        },
      };
    }
    case 'IdentityTraitsCorrected': {
      const corrected = data as IdentityTraitsCorrected;
      return withIdentity(next, (identity) => ({
        ...identity,
        ...withTraits(corrected.traits),
        identityStatus: corrected.status,
      }));
    }
    case 'UsedNamesChanged': {
      const changed = data as UsedNamesChanged;
      return withIdentity(next, (identity) => ({
        ...identity,
        usedName: changed.usedName,
        usedFirstName: changed.usedFirstName,
      }));
    }
    case 'PostalAddressChanged':
      return withIdentity(next, (identity) => ({ ...identity, postalAddress: String(data.postalAddress) }));
    case 'InsRetrieved': {
      const retrieved = data as InsRetrieved;
      return withIdentity(next, (identity) => ({
        ...identity,
        ...withTraits(retrieved.traits),
        identityStatus: retrieved.status,
        ins: retrieved.ins,
      }));
    }
    case 'IdentityDocumentChecked': {
      const checked = data as IdentityDocumentChecked;
      return withIdentity(next, (identity) => ({ ...identity, identityStatus: checked.status }));
    }
    case 'AnonymityLifted': {
      const lifted = data as AnonymityLifted;
      return withIdentity(next, (identity) => ({
        ...identity,
        ...withTraits(lifted.traits),
        anonymous: false,
        usedName: lifted.usedName,
        usedFirstName: lifted.usedFirstName,
        identityStatus: lifted.status,
      }));
    }
    case 'Admitted': {
      const admitted = data as Admitted;
      if (next.accompaniments.some((known) => known.accompanimentId === admitted.accompanimentId)) return next;
      return {
        ...next,
        accompaniments: [
          ...next.accompaniments,
          {
            accompanimentId: admitted.accompanimentId,
            facilityId: admitted.facilityId,
            admittedAt: admitted.admittedAt,
            exit: undefined,
          },
        ],
      };
    }
    case 'ExitRecorded': {
      const exit = data as ExitRecorded;
      const known = next.accompaniments.some((accompaniment) => accompaniment.accompanimentId === exit.accompanimentId);
      const accompaniments = known
        ? next.accompaniments
        : // an exit from an accompaniment admitted before the sheet existed still shows
          [
            ...next.accompaniments,
            {
              accompanimentId: exit.accompanimentId,
              facilityId: exit.facilityId,
              admittedAt: exit.exitDay,
              exit: undefined,
            },
          ];
      return withAccompaniment({ ...next, accompaniments }, exit.accompanimentId, (accompaniment) => ({
        ...accompaniment,
        exit: {
          day: exit.exitDay,
          reason: exit.exitReason,
          destination: exit.destination,
          openActions: 0,
          followUpClosed: false,
        },
      }));
    }
    case 'ExitCorrected': {
      const corrected = data as ExitCorrected;
      return withExit(next, corrected.accompanimentId, (exit) => ({
        ...exit,
        day: corrected.exit.exitDay,
        reason: corrected.exit.exitReason,
        destination: corrected.exit.destination,
      }));
    }
    case 'PostExitActionPlanned': {
      const planned = data as PostExitActionPlanned;
      return withExit(next, planned.accompanimentId, (exit) => {
        const open = [...((exit as OpenActions).openActionIds ?? []), planned.actionId];
        return { ...exit, openActionIds: open, openActions: open.length };
      });
    }
    case 'PostExitActionDone':
    case 'PostExitActionCancelled': {
      const ended = data as PostExitActionDone | PostExitActionCancelled;
      return withExit(next, ended.accompanimentId, (exit) => {
        const open = ((exit as OpenActions).openActionIds ?? []).filter((actionId) => actionId !== ended.actionId);
        return { ...exit, openActionIds: open, openActions: open.length };
      });
    }
    case 'PostExitFollowUpClosed':
      return withExit(next, String(data.accompanimentId), (exit) => ({ ...exit, followUpClosed: true }));
    case 'StayContractDrafted': {
      const drafted = data as StayContractDrafted;
      if (next.contracts.some((contract) => contract.contractId === drafted.contractId)) return next;
      return {
        ...next,
        contracts: [
          ...next.contracts,
          {
            contractId: drafted.contractId,
            facilityId: drafted.facilityId,
            kind: drafted.kind,
            status: 'draft',
            version: 1,
            admittedOn: drafted.admittedOn,
            handedOverOn: undefined,
            signedOn: undefined,
            lastReviewedOn: undefined,
          },
        ],
      };
    }
    case 'StayContractDraftRevised':
      return withContract(next, data, (contract) => ({ ...contract, kind: (data as StayContractDraftRevised).kind }));
    case 'StayContractHandedOver':
      return withContract(next, data, (contract) => ({
        ...contract,
        status: contract.status === 'draft' ? 'handed-over' : contract.status,
        handedOverOn: (data as StayContractHandedOver).handedOverOn,
      }));
    case 'StayContractSigned': {
      const signed = data as StayContractSigned;
      return withContract(next, data, (contract) => ({
        ...contract,
        kind: signed.kind,
        status: 'signed',
        signedOn: signed.signedOn,
      }));
    }
    case 'StayContractSignatureRefused':
      return withContract(next, data, (contract) => ({ ...contract, kind: 'dipc' }));
    case 'StayContractAmendmentSigned': {
      const amended = data as StayContractAmendmentSigned;
      return withContract(next, data, (contract) => ({ ...contract, version: amended.version }));
    }
    case 'StayContractReviewed':
      return withContract(next, data, (contract) => ({
        ...contract,
        lastReviewedOn: (data as StayContractReviewed).reviewedOn,
      }));
    case 'StayContractClosed':
      return withContract(next, data, (contract) => ({ ...contract, status: 'closed' }));
    case 'PersonalisedProjectStarted': {
      const started = data as PersonalisedProjectStarted;
      if (next.personalisedProjects.some((plan) => plan.projectId === started.projectId)) return next;
      return {
        ...next,
        personalisedProjects: [
          ...next.personalisedProjects,
          {
            projectId: started.projectId,
            facilityId: started.facilityId,
            validatedVersion: undefined,
            validatedOn: undefined,
            objectives: [],
          },
        ],
      };
    }
    case 'ProjectVersionValidated': {
      const validated = data as ProjectVersionValidated;
      return {
        ...next,
        personalisedProjects: next.personalisedProjects.map((plan) =>
          plan.projectId !== validated.projectId
            ? plan
            : {
                ...plan,
                validatedVersion: validated.version,
                validatedOn: validated.validatedOn,
                objectives: validated.objectives.map((objective) => {
                  const last = objective.evaluations.at(-1);
                  return {
                    title: objective.title,
                    domain: objective.domain,
                    lastEvaluation: last ? { day: last.evaluatedOn, result: last.result } : undefined,
                    actions: objective.actions.map((action) => ({
                      what: action.what,
                      who:
                        action.who.kind === 'usager'
                          ? 'l’usager'
                          : action.who.kind === 'partner'
                            ? action.who.partner
                            : action.who.professionalId,
                      deadline: action.deadline,
                      done: action.completedOn !== undefined,
                    })),
                  };
                }),
              },
        ),
      };
    }
    case 'SocialBenefitRecorded': {
      const recorded = data as SocialBenefitRecorded;
      if (next.socialBenefits.some((benefit) => benefit.benefitId === recorded.benefitId)) return next;
      return {
        ...next,
        socialBenefits: [
          ...next.socialBenefits,
          {
            benefitId: recorded.benefitId,
            facilityId: recorded.facilityId,
            kind: recorded.kind,
            organism: recorded.organism,
            openFrom: recorded.openFrom,
            openTo: recorded.openTo,
            closed: false,
          },
        ],
      };
    }
    case 'SocialBenefitRenewed':
      return withBenefit(next, data, (benefit) => ({ ...benefit, openTo: (data as SocialBenefitRenewed).openTo }));
    case 'SocialBenefitClosed':
      return withBenefit(next, data, (benefit) => ({ ...benefit, closed: true }));
    case 'MeasureProposed': {
      const proposed = data as MeasureProposed;
      if (next.freedomOfMovementMeasures.some((measure) => measure.measureId === proposed.measureId)) return next;
      return {
        ...next,
        freedomOfMovementMeasures: [
          ...next.freedomOfMovementMeasures,
          {
            measureId: proposed.measureId,
            facilityId: proposed.facilityId,
            description: proposed.description,
            status: 'proposed',
            reviewBy: undefined,
          },
        ],
      };
    }
    case 'MeasureDecided':
      return withMeasure(next, data, (measure) => ({
        ...measure,
        status: 'decided',
        reviewBy: (data as MeasureDecided).reviewBy,
      }));
    case 'MeasureReviewed': {
      const reviewed = data as MeasureReviewed;
      return withMeasure(next, data, (measure) =>
        reviewed.outcome === 'lifted'
          ? { ...measure, status: 'lifted', reviewBy: undefined }
          : { ...measure, reviewBy: reviewed.nextReviewBy },
      );
    }
    case 'AssessmentRecorded': {
      const recorded = data as AssessmentRecorded;
      if (!recorded.complete || recorded.score === undefined || recorded.band === undefined) return next;
      const previous = next.assessments.find((assessment) => assessment.gridId === recorded.gridId);
      // instants, not strings: a filling may be given with any offset
      if (previous && Date.parse(previous.filledAt) > Date.parse(recorded.filledAt)) return next;
      return {
        ...next,
        assessments: [
          ...next.assessments.filter((assessment) => assessment.gridId !== recorded.gridId),
          {
            gridId: recorded.gridId,
            gridVersion: recorded.gridVersion,
            facilityId: recorded.facilityId,
            filledAt: recorded.filledAt,
            score: recorded.score,
            interpretation: recorded.band.label,
          },
        ].sort((one, other) => (one.gridId < other.gridId ? -1 : 1)),
      };
    }
    case 'CareTeamMemberAdded': {
      const member = { professionalId: String(data.professionalId), facilityId: String(data.facilityId) };
      const known = next.careTeam.some(
        (known) => known.professionalId === member.professionalId && known.facilityId === member.facilityId,
      );
      return known ? next : { ...next, careTeam: [...next.careTeam, member] };
    }
    case 'CareTeamMemberRemoved':
      return {
        ...next,
        careTeam: next.careTeam.filter(
          (member) => !(member.professionalId === data.professionalId && member.facilityId === data.facilityId),
        ),
      };
    case 'MedicinePrescribed': {
      const prescribed = data as MedicinePrescribed;
      if (next.treatments.some((known) => known.prescriptionId === prescribed.prescriptionId)) return next;
      return {
        ...next,
        treatments: [
          // a renewal takes the place of the prescription it renews
          ...next.treatments.filter((treatment) => treatment.prescriptionId !== prescribed.renews),
          {
            prescriptionId: prescribed.prescriptionId,
            facilityId: prescribed.facilityId,
            productName: prescribed.productName,
            tsoProduct: prescribed.tsoProduct,
            dose: prescribed.dose,
            posology: prescribed.posology,
            prescribedOn: prescribed.prescribedOn,
            startsOn: prescribed.startsOn,
            lastDay: medicineLastDay(prescribed),
            fractionDays: prescribed.fractionDays,
            prescriber: { name: prescribed.prescriber.name, setting: prescribed.prescriber.setting },
            suspendedOn: undefined,
          },
        ],
      };
    }
    case 'PrescriptionSuspended': {
      const suspended = data as PrescriptionSuspended;
      return withTreatment(next, suspended.prescriptionId, (treatment) => ({
        ...treatment,
        suspendedOn: suspended.suspendedOn,
      }));
    }
    case 'PrescriptionResumed':
      return withTreatment(next, (data as PrescriptionResumed).prescriptionId, (treatment) => ({
        ...treatment,
        suspendedOn: undefined,
      }));
    case 'PrescriptionStopped':
    case 'PrescriptionCompleted': {
      const ended = data as PrescriptionStopped | PrescriptionCompleted;
      return {
        ...next,
        treatments: next.treatments.filter((treatment) => treatment.prescriptionId !== ended.prescriptionId),
      };
    }
    case 'TrustedPersonDesignated': {
      const designated = data as TrustedPersonDesignated;
      return {
        ...next,
        trustedPerson: {
          trustedPersonId: designated.trustedPersonId,
          facilityId: designated.facilityId,
          name: designated.person.name,
          relationship: designated.person.relationship,
          contact: designated.person.contact,
          scope: designated.scope,
          designatedOn: designated.designatedOn,
          cosignedOn: undefined,
        },
      };
    }
    case 'TrustedPersonCosigned': {
      const cosigned = data as TrustedPersonCosigned;
      if (next.trustedPerson?.trustedPersonId !== cosigned.trustedPersonId) return next;
      return { ...next, trustedPerson: { ...next.trustedPerson, cosignedOn: cosigned.cosignedOn } };
    }
    case 'TrustedPersonRevoked': {
      // the sheet names the personne de confiance in force; the designations' history is the feature's
      const revoked = data as TrustedPersonRevoked;
      if (next.trustedPerson?.trustedPersonId !== revoked.trustedPersonId) return next;
      return { ...next, trustedPerson: undefined };
    }
    case 'UsageProfileRecorded': {
      const recorded = data as UsageProfileRecorded;
      const current = next.usageProfiles.find((profile) => profile.facilityId === recorded.facilityId);
      // a profile of an earlier year, recorded late, does not replace this year's
      if (current && current.year > recorded.year) return next;
      return {
        ...next,
        usageProfiles: [
          ...next.usageProfiles.filter((profile) => profile.facilityId !== recorded.facilityId),
          {
            facilityId: recorded.facilityId,
            year: recorded.year,
            population: recorded.population,
            mainProduct: recorded.mainProduct,
            useLevel: recorded.useLevel,
            injection: recorded.injection,
          },
        ].sort((one, other) => (one.facilityId < other.facilityId ? -1 : 1)),
      };
    }
  }
  return sheet;
}

function withTreatment(
  sheet: SummarySheet,
  prescriptionId: string,
  change: (treatment: SheetTreatment) => SheetTreatment,
): SummarySheet {
  return {
    ...sheet,
    treatments: sheet.treatments.map((treatment) =>
      treatment.prescriptionId === prescriptionId ? change(treatment) : treatment,
    ),
  };
}

function withTraits(traits: StrictTraits) {
  return {
    birthName: traits.birthName,
    birthFirstNames: traits.birthFirstNames,
    birthDate: traits.birthDate,
    birthYear: Number(traits.birthDate.slice(0, 4)),
    sex: traits.sex,
    birthplaceCode: traits.birthplaceCode,
  };
}

function withIdentity(sheet: SummarySheet, change: (identity: SheetIdentity) => SheetIdentity): SummarySheet {
  return sheet.identity ? { ...sheet, identity: change(sheet.identity) } : sheet;
}

function withAccompaniment(
  sheet: SummarySheet,
  accompanimentId: string,
  change: (accompaniment: SheetAccompaniment) => SheetAccompaniment,
): SummarySheet {
  return {
    ...sheet,
    accompaniments: sheet.accompaniments.map((accompaniment) =>
      accompaniment.accompanimentId === accompanimentId ? change(accompaniment) : accompaniment,
    ),
  };
}

function withExit(
  sheet: SummarySheet,
  accompanimentId: string,
  change: (exit: NonNullable<SheetAccompaniment['exit']>) => NonNullable<SheetAccompaniment['exit']>,
): SummarySheet {
  return withAccompaniment(sheet, accompanimentId, (accompaniment) =>
    accompaniment.exit ? { ...accompaniment, exit: change(accompaniment.exit) } : accompaniment,
  );
}

function withContract(
  sheet: SummarySheet,
  data: Record<string, unknown>,
  change: (contract: SummarySheet['contracts'][number]) => SummarySheet['contracts'][number],
): SummarySheet {
  return {
    ...sheet,
    contracts: sheet.contracts.map((contract) =>
      contract.contractId === data.contractId ? change(contract) : contract,
    ),
  };
}

function withBenefit(
  sheet: SummarySheet,
  data: Record<string, unknown>,
  change: (benefit: SummarySheet['socialBenefits'][number]) => SummarySheet['socialBenefits'][number],
): SummarySheet {
  return {
    ...sheet,
    socialBenefits: sheet.socialBenefits.map((benefit) =>
      benefit.benefitId === data.benefitId ? change(benefit) : benefit,
    ),
  };
}

function withMeasure(
  sheet: SummarySheet,
  data: Record<string, unknown>,
  change: (
    measure: SummarySheet['freedomOfMovementMeasures'][number],
  ) => SummarySheet['freedomOfMovementMeasures'][number],
): SummarySheet {
  return {
    ...sheet,
    freedomOfMovementMeasures: sheet.freedomOfMovementMeasures.map((measure) =>
      measure.measureId === data.measureId ? change(measure) : measure,
    ),
  };
}
