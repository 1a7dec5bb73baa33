import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * The contrat de séjour, or the DIPC (document individuel de prise en charge) that replaces it
 * for shorter stays or when the person refuses to sign (L.311-4 CASF, D.311): drafted at
 * admission, handed over within 15 days, signed within a month; its objectives and services
 * amended within 6 months, then reviewed every year (deadlines: `stay-contract-deadlines.ts`).
 *
 * Decisions taken here:
 * - One stream per contract (`stayContractStreamId`); the DIPC is the same aggregate with
 *   `kind: 'dipc'`, because it follows the same life and deadlines, and a refusal to sign turns
 *   a contract into a DIPC without losing what was handed over.
 * - The draft may be revised until it is signed; the signature freezes it as version 1. After
 *   that every change is an amendment (avenant), drafted then signed: each signed amendment is
 *   the next version, holding the whole content (objectives, services, annexes) it puts in force.
 *   A new amendment draft replaces the pending one.
 * - A contract is signed for the usager (by the usager or their legal representative) and by the
 *   director. A DIPC is established by the director: the usager's signature is recorded when
 *   given, not required (it may be the very thing they refused).
 * - The draft needs no objectives (the 6-month amendment is there to set them), but a version is
 *   signed only with at least one service: the contract says what is offered.
 * - Every act's day (`YYYY-MM-DD`) is on or after the admission day and after the act it
 *   follows; the review comes after the first amendment (the law's "then every year").
 * - Annexes belong to a version: the freedom-of-movement annex lists the measures in force
 *   (their ids, L.311-4-1 CASF), the règlement de fonctionnement and the price list by reference.
 *   One annex of each kind at most, save `other`.
 */
const MAX_ITEMS = 50;
const MAX_ANNEXES = 20;
const MAX_TEXT_LENGTH = 1_000;
const id = z.string().min(1).max(200);
const day = z.iso.date();
const text = z.string().min(1).max(MAX_TEXT_LENGTH);
const reference = z.string().min(1).max(500);

export const stayContractKinds = ['stay-contract', 'dipc'] as const;
export const stayContractKindSchema = z.enum(stayContractKinds);
export type StayContractKind = z.infer<typeof stayContractKindSchema>;

/** Who signed for the usager. */
export const stayContractSignatorySchema = z.enum(['usager', 'legal-representative']);
export type StayContractSignatory = z.infer<typeof stayContractSignatorySchema>;

export const stayContractAnnexSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('freedom-of-movement'), measureIds: z.array(z.uuid()).min(1).max(MAX_ITEMS) }),
  z.object({ kind: z.literal('operating-rules'), reference }),
  z.object({ kind: z.literal('price-list'), reference }),
  z.object({ kind: z.literal('other'), title: z.string().min(1).max(200), reference }),
]);
export type StayContractAnnex = z.infer<typeof stayContractAnnexSchema>;

export const stayContractContentSchema = z.object({
  objectives: z.array(text).max(MAX_ITEMS),
  services: z.array(text).max(MAX_ITEMS),
  annexes: z.array(stayContractAnnexSchema).max(MAX_ANNEXES),
});
export type StayContractContent = z.infer<typeof stayContractContentSchema>;

const signature = {
  signedOn: day,
  signedForUsagerBy: stayContractSignatorySchema.optional(),
  legalRepresentative: z.string().min(1).max(200).optional(),
  directorId: id,
};

export const stayContractDraftedSchema = stayContractContentSchema.extend({
  contractId: z.uuid(),
  kind: stayContractKindSchema,
  serviceUserId: id,
  facilityId: id,
  accompanimentId: z.uuid(),
  admittedOn: day,
});
export const stayContractDraftRevisedSchema = stayContractContentSchema.extend({
  contractId: z.uuid(),
  kind: stayContractKindSchema,
});
export const stayContractHandedOverSchema = z.object({ contractId: z.uuid(), handedOverOn: day });
export const stayContractSignedSchema = z.object({
  contractId: z.uuid(),
  version: z.literal(1),
  kind: stayContractKindSchema,
  ...signature,
});
export const stayContractSignatureRefusedSchema = z.object({
  contractId: z.uuid(),
  refusedOn: day,
  refusedBy: stayContractSignatorySchema,
  reason: text.optional(),
});
export const stayContractAmendmentDraftedSchema = stayContractContentSchema.extend({
  contractId: z.uuid(),
  version: z.int().min(2),
  draftedOn: day,
  reason: text,
});
export const stayContractAmendmentSignedSchema = z.object({
  contractId: z.uuid(),
  version: z.int().min(2),
  ...signature,
});
export const stayContractReviewOutcomeSchema = z.enum(['objectives-confirmed', 'amendment-needed']);
export type StayContractReviewOutcome = z.infer<typeof stayContractReviewOutcomeSchema>;
export const stayContractReviewedSchema = z.object({
  contractId: z.uuid(),
  reviewedOn: day,
  outcome: stayContractReviewOutcomeSchema,
  note: text.optional(),
});
export const stayContractClosedSchema = z.object({ contractId: z.uuid(), closedOn: day, reason: text });

export type StayContractDrafted = z.infer<typeof stayContractDraftedSchema>;
export type StayContractDraftRevised = z.infer<typeof stayContractDraftRevisedSchema>;
export type StayContractHandedOver = z.infer<typeof stayContractHandedOverSchema>;
export type StayContractSigned = z.infer<typeof stayContractSignedSchema>;
export type StayContractSignatureRefused = z.infer<typeof stayContractSignatureRefusedSchema>;
export type StayContractAmendmentDrafted = z.infer<typeof stayContractAmendmentDraftedSchema>;
export type StayContractAmendmentSigned = z.infer<typeof stayContractAmendmentSignedSchema>;
export type StayContractReviewed = z.infer<typeof stayContractReviewedSchema>;
export type StayContractClosed = z.infer<typeof stayContractClosedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedStayContractData {
  $erased: true;
}
type Data<T> = T | ErasedStayContractData;

export type StayContractEvent =
  | { type: 'StayContractDrafted'; data: Data<StayContractDrafted> }
  | { type: 'StayContractDraftRevised'; data: Data<StayContractDraftRevised> }
  | { type: 'StayContractHandedOver'; data: Data<StayContractHandedOver> }
  | { type: 'StayContractSigned'; data: Data<StayContractSigned> }
  | { type: 'StayContractSignatureRefused'; data: Data<StayContractSignatureRefused> }
  | { type: 'StayContractAmendmentDrafted'; data: Data<StayContractAmendmentDrafted> }
  | { type: 'StayContractAmendmentSigned'; data: Data<StayContractAmendmentSigned> }
  | { type: 'StayContractReviewed'; data: Data<StayContractReviewed> }
  | { type: 'StayContractClosed'; data: Data<StayContractClosed> };

export type StayContractEventType = StayContractEvent['type'];

export const stayContractEventSchemas = {
  StayContractDrafted: stayContractDraftedSchema,
  StayContractDraftRevised: stayContractDraftRevisedSchema,
  StayContractHandedOver: stayContractHandedOverSchema,
  StayContractSigned: stayContractSignedSchema,
  StayContractSignatureRefused: stayContractSignatureRefusedSchema,
  StayContractAmendmentDrafted: stayContractAmendmentDraftedSchema,
  StayContractAmendmentSigned: stayContractAmendmentSignedSchema,
  StayContractReviewed: stayContractReviewedSchema,
  StayContractClosed: stayContractClosedSchema,
} as const satisfies Record<StayContractEventType, z.ZodType>;

/** Who signed, for the usager and for the establishment. */
export interface StayContractSignature {
  day: string;
  signedForUsagerBy?: StayContractSignatory;
  legalRepresentative?: string;
  directorId: string;
}

export type StayContractCommand =
  | ({
      type: 'DraftStayContract';
      contractId: string;
      kind: StayContractKind;
      serviceUserId: string;
      facilityId: string;
      accompanimentId: string;
      admittedOn: string;
    } & Omit<StayContractContent, 'annexes'> & { annexes?: StayContractAnnex[] })
  | ({ type: 'ReviseStayContractDraft'; kind?: StayContractKind } & Partial<StayContractContent>)
  | { type: 'HandOverStayContract'; day: string }
  | ({ type: 'SignStayContract' } & StayContractSignature)
  | { type: 'RecordSignatureRefusal'; day: string; refusedBy: StayContractSignatory; reason?: string }
  | ({ type: 'DraftStayContractAmendment'; day: string; reason: string } & Partial<StayContractContent>)
  | ({ type: 'SignStayContractAmendment' } & StayContractSignature)
  | { type: 'ReviewStayContract'; day: string; outcome: StayContractReviewOutcome; note?: string }
  | { type: 'CloseStayContract'; day: string; reason: string };

/** A signed version: the initial contract (1) or an amendment (2, 3…), frozen. */
export interface StayContractVersion extends StayContractContent {
  version: number;
  kind: StayContractKind;
  signedOn: string;
  signedForUsagerBy?: StayContractSignatory;
  legalRepresentative?: string;
  directorId: string;
  /** Why it was amended; none for version 1. */
  reason?: string;
}

export interface PendingStayContractAmendment extends StayContractContent {
  version: number;
  draftedOn: string;
  reason: string;
}

export type StayContractStatus = 'draft' | 'handed-over' | 'signed' | 'closed';

export type StayContract =
  | { status: 'none' }
  | {
      status: StayContractStatus;
      /** The usager was forgotten: the content is gone, only the life cycle is known. */
      erased: boolean;
      contractId: string | undefined;
      kind: StayContractKind | undefined;
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      accompanimentId: string | undefined;
      admittedOn: string | undefined;
      /** The content being prepared, until the signature. */
      draft: StayContractContent | undefined;
      handedOverOn: string | undefined;
      signedOn: string | undefined;
      refusal: { refusedOn: string; refusedBy: StayContractSignatory; reason?: string } | undefined;
      /** 0 before the signature, then the number of the version in force. */
      currentVersion: number;
      versions: StayContractVersion[];
      pendingAmendment: PendingStayContractAmendment | undefined;
      firstAmendmentSignedOn: string | undefined;
      lastReviewedOn: string | undefined;
      reviews: { reviewedOn: string; outcome: StayContractReviewOutcome; note?: string }[];
      closure: { closedOn: string; reason: string } | undefined;
    };

type Existing = Extract<StayContract, { status: StayContractStatus }>;

/** One stream per contract; the organisation escaped, so that no two tenants share one. */
export function stayContractStreamId(organisationId: string, contractId: string): string {
  return `stay-contract/${encodeURIComponent(organisationId)}/${contractId}`;
}

export const stayContractDecider: Decider<StayContractCommand, StayContractEvent, StayContract> = {
  initialState: () => ({ status: 'none' }),

  decide(command, contract) {
    switch (command.type) {
      case 'DraftStayContract': {
        if (contract.status !== 'none') {
          throw new DomainRuleViolation(
            'STAY_CONTRACT_ALREADY_DRAFTED',
            'Ce contrat existe déjà sous cet identifiant.',
            {
              contractId: command.contractId,
            },
          );
        }
        requireDay(command.admittedOn, 'admittedOn');
        const content = checkedContent({ ...command, annexes: command.annexes ?? [] });
        return {
          type: 'StayContractDrafted',
          data: {
            contractId: command.contractId,
            kind: command.kind,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            accompanimentId: command.accompanimentId,
            admittedOn: command.admittedOn,
            ...content,
          },
        };
      }
      case 'ReviseStayContractDraft': {
        const current = known(contract);
        requireUnsigned(current);
        if (
          command.kind === undefined &&
          command.objectives === undefined &&
          command.services === undefined &&
          command.annexes === undefined
        ) {
          throw new DomainRuleViolation('NOTHING_TO_REVISE', 'Indiquez ce que la révision du projet change.');
        }
        const draft = current.draft as StayContractContent;
        const content = checkedContent({
          objectives: command.objectives ?? draft.objectives,
          services: command.services ?? draft.services,
          annexes: command.annexes ?? draft.annexes,
        });
        return {
          type: 'StayContractDraftRevised',
          data: { contractId: current.contractId, kind: command.kind ?? current.kind, ...content },
        };
      }
      case 'HandOverStayContract': {
        const current = known(contract);
        requireUnsigned(current);
        if (current.handedOverOn !== undefined) {
          throw new DomainRuleViolation(
            'STAY_CONTRACT_ALREADY_HANDED_OVER',
            'Ce document a déjà été remis à l’usager.',
            {
              handedOverOn: current.handedOverOn,
            },
          );
        }
        requireOnOrAfter(command.day, 'day', current.admittedOn, 'HANDED_OVER_BEFORE_ADMISSION', 'l’admission');
        return { type: 'StayContractHandedOver', data: { contractId: current.contractId, handedOverOn: command.day } };
      }
      case 'SignStayContract': {
        const current = known(contract);
        requireUnsigned(current);
        if (current.handedOverOn === undefined) {
          throw new DomainRuleViolation(
            'SIGNED_BEFORE_HANDOVER',
            'Le document doit être remis à l’usager avant d’être signé.',
          );
        }
        requireOnOrAfter(command.day, 'day', current.handedOverOn, 'SIGNED_BEFORE_HANDOVER', 'sa remise à l’usager');
        requireOnOrAfter(command.day, 'day', current.refusal?.refusedOn, 'SIGNED_BEFORE_REFUSAL', 'le refus de signer');
        requireServices(current.draft as StayContractContent);
        return {
          type: 'StayContractSigned',
          data: {
            contractId: current.contractId,
            version: 1,
            kind: current.kind,
            ...checkedSignature(command, current.kind),
          },
        };
      }
      case 'RecordSignatureRefusal': {
        const current = known(contract);
        requireUnsigned(current);
        if (current.kind !== 'stay-contract') {
          throw new DomainRuleViolation(
            'REFUSAL_ONLY_FOR_STAY_CONTRACT',
            'Le refus de signer concerne le contrat de séjour : ce document est déjà un DIPC.',
          );
        }
        if (current.handedOverOn === undefined) {
          throw new DomainRuleViolation(
            'REFUSED_BEFORE_HANDOVER',
            'Le contrat doit avoir été remis à l’usager pour qu’il refuse de le signer.',
          );
        }
        requireOnOrAfter(command.day, 'day', current.handedOverOn, 'REFUSED_BEFORE_HANDOVER', 'la remise du contrat');
        const reason = command.reason === undefined ? undefined : optionalText(command.reason);
        return {
          type: 'StayContractSignatureRefused',
          data: {
            contractId: current.contractId,
            refusedOn: command.day,
            refusedBy: command.refusedBy,
            ...(reason === undefined ? {} : { reason }),
          },
        };
      }
      case 'DraftStayContractAmendment': {
        const current = known(contract);
        requireSigned(current, 'Un avenant modifie un document signé : avant la signature, révisez le projet.');
        const inForce = current.versions.at(-1) as StayContractVersion;
        requireOnOrAfter(
          command.day,
          'day',
          lastSignedOn(current),
          'AMENDMENT_BEFORE_SIGNATURE',
          'la dernière signature',
        );
        const reason = requireText(command.reason, 'AMENDMENT_REASON_REQUIRED', 'Un avenant doit être motivé.');
        if (command.objectives === undefined && command.services === undefined && command.annexes === undefined) {
          throw new DomainRuleViolation(
            'NOTHING_TO_AMEND',
            'Un avenant change les objectifs, les prestations ou les annexes : indiquez lesquels.',
          );
        }
        const content = checkedContent({
          objectives: command.objectives ?? inForce.objectives,
          services: command.services ?? inForce.services,
          annexes: command.annexes ?? inForce.annexes,
        });
        return {
          type: 'StayContractAmendmentDrafted',
          data: {
            contractId: current.contractId,
            version: current.currentVersion + 1,
            draftedOn: command.day,
            reason,
            ...content,
          },
        };
      }
      case 'SignStayContractAmendment': {
        const current = known(contract);
        requireSigned(current, 'Un avenant se signe sur un document déjà signé.');
        const pending = current.pendingAmendment;
        if (pending === undefined) {
          throw new DomainRuleViolation('NO_AMENDMENT_TO_SIGN', 'Aucun projet d’avenant n’attend de signature.');
        }
        requireOnOrAfter(command.day, 'day', pending.draftedOn, 'AMENDMENT_SIGNED_BEFORE_DRAFT', 'le projet d’avenant');
        requireServices(pending);
        return {
          type: 'StayContractAmendmentSigned',
          data: {
            contractId: current.contractId,
            version: pending.version,
            ...checkedSignature(command, current.kind),
          },
        };
      }
      case 'ReviewStayContract': {
        const current = known(contract);
        requireSigned(current, 'Seul un document signé se révise chaque année.');
        if (current.firstAmendmentSignedOn === undefined) {
          throw new DomainRuleViolation(
            'REVIEW_BEFORE_FIRST_AMENDMENT',
            'La révision annuelle suit l’avenant des six mois : signez d’abord cet avenant.',
          );
        }
        const since = current.lastReviewedOn ?? current.firstAmendmentSignedOn;
        requireOnOrAfter(
          command.day,
          'day',
          since,
          'REVIEW_BEFORE_LAST_ACT',
          'le dernier avenant ou la dernière révision',
        );
        const note = command.note === undefined ? undefined : optionalText(command.note);
        return {
          type: 'StayContractReviewed',
          data: {
            contractId: current.contractId,
            reviewedOn: command.day,
            outcome: command.outcome,
            ...(note === undefined ? {} : { note }),
          },
        };
      }
      case 'CloseStayContract': {
        const current = known(contract);
        requireOnOrAfter(command.day, 'day', current.admittedOn, 'CLOSED_BEFORE_ADMISSION', 'l’admission');
        const reason = requireText(command.reason, 'CLOSE_REASON_REQUIRED', 'La clôture doit être motivée.');
        return { type: 'StayContractClosed', data: { contractId: current.contractId, closedOn: command.day, reason } };
      }
    }
  },

  evolve(contract, event) {
    if (event.type === 'StayContractDrafted') {
      const data = event.data;
      if ('$erased' in data) return { ...emptyContract(), erased: true };
      const { contractId, kind, serviceUserId, facilityId, accompanimentId, admittedOn, ...content } = data;
      return {
        ...emptyContract(),
        contractId,
        kind,
        serviceUserId,
        facilityId,
        accompanimentId,
        admittedOn,
        draft: content,
      };
    }
    if (contract.status === 'none') return contract;
    const erased = '$erased' in event.data;
    switch (event.type) {
      case 'StayContractDraftRevised': {
        if ('$erased' in event.data) return { ...contract, erased: true };
        const { contractId: _, kind, ...draft } = event.data;
        return { ...contract, kind, draft };
      }
      case 'StayContractHandedOver':
        return {
          ...contract,
          status: 'handed-over',
          erased: contract.erased || erased,
          handedOverOn: '$erased' in event.data ? undefined : event.data.handedOverOn,
        };
      case 'StayContractSignatureRefused': {
        if ('$erased' in event.data) return { ...contract, erased: true, kind: 'dipc' };
        const { contractId: _, refusedOn, refusedBy, reason } = event.data;
        return {
          ...contract,
          kind: 'dipc',
          refusal: { refusedOn, refusedBy, ...(reason === undefined ? {} : { reason }) },
        };
      }
      case 'StayContractSigned': {
        const signed = { ...contract, status: 'signed' as const, currentVersion: 1, draft: undefined };
        if ('$erased' in event.data || contract.draft === undefined) return { ...signed, erased: true };
        const { contractId: _, ...signature } = event.data;
        return { ...signed, signedOn: signature.signedOn, versions: [{ ...contract.draft, ...signature }] };
      }
      case 'StayContractAmendmentDrafted': {
        if ('$erased' in event.data) return { ...contract, erased: true };
        const { contractId: _, ...pendingAmendment } = event.data;
        return { ...contract, pendingAmendment };
      }
      case 'StayContractAmendmentSigned': {
        const amended = { ...contract, currentVersion: contract.currentVersion + 1, pendingAmendment: undefined };
        const pending = contract.pendingAmendment;
        if ('$erased' in event.data || pending === undefined || contract.kind === undefined) {
          return { ...amended, erased: true };
        }
        const { contractId: _, version, ...signature } = event.data;
        const { draftedOn: __, ...content } = pending;
        return {
          ...amended,
          currentVersion: version,
          versions: [...contract.versions, { ...content, kind: contract.kind, ...signature }],
          firstAmendmentSignedOn: contract.firstAmendmentSignedOn ?? signature.signedOn,
        };
      }
      case 'StayContractReviewed': {
        if ('$erased' in event.data) return { ...contract, erased: true };
        const { contractId: _, ...review } = event.data;
        return { ...contract, lastReviewedOn: review.reviewedOn, reviews: [...contract.reviews, review] };
      }
      case 'StayContractClosed': {
        const closed = { ...contract, status: 'closed' as const };
        if ('$erased' in event.data) return { ...closed, erased: true };
        return { ...closed, closure: { closedOn: event.data.closedOn, reason: event.data.reason } };
      }
    }
  },
};

function emptyContract(): Existing {
  return {
    status: 'draft',
    erased: false,
    contractId: undefined,
    kind: undefined,
    serviceUserId: undefined,
    facilityId: undefined,
    accompanimentId: undefined,
    admittedOn: undefined,
    draft: undefined,
    handedOverOn: undefined,
    signedOn: undefined,
    refusal: undefined,
    currentVersion: 0,
    versions: [],
    pendingAmendment: undefined,
    firstAmendmentSignedOn: undefined,
    lastReviewedOn: undefined,
    reviews: [],
    closure: undefined,
  };
}

/** A contract that exists, is not closed, and whose content is known (its usager not forgotten). */
function known(contract: StayContract): Existing & {
  contractId: string;
  kind: StayContractKind;
  admittedOn: string;
} {
  if (contract.status === 'none') {
    throw new DomainRuleViolation('STAY_CONTRACT_NOT_FOUND', 'Aucun contrat de séjour ni DIPC sous cet identifiant.');
  }
  if (contract.erased || contract.contractId === undefined || contract.kind === undefined || !contract.admittedOn) {
    throw new DomainRuleViolation('STAY_CONTRACT_ERASED', 'Ce document concerne une personne oubliée.');
  }
  if (contract.status === 'closed') {
    throw new DomainRuleViolation(
      'STAY_CONTRACT_CLOSED',
      'Ce document est clos : l’accompagnement a pris fin.',
      contract.closure ? { closedOn: contract.closure.closedOn } : {},
    );
  }
  return contract as Existing & { contractId: string; kind: StayContractKind; admittedOn: string };
}

function requireUnsigned(contract: Existing): void {
  if (contract.status === 'signed') {
    throw new DomainRuleViolation(
      'SIGNED_VERSION_FROZEN',
      'Une version signée est figée : toute modification passe par un avenant.',
      { currentVersion: contract.currentVersion },
    );
  }
}

function requireSigned(contract: Existing, message: string): void {
  if (contract.status !== 'signed') throw new DomainRuleViolation('STAY_CONTRACT_NOT_SIGNED', message);
}

function lastSignedOn(contract: Existing): string | undefined {
  return contract.versions.at(-1)?.signedOn ?? contract.signedOn;
}

function checkedSignature(
  command: StayContractSignature,
  kind: StayContractKind,
): Omit<StayContractVersion, keyof StayContractContent | 'version' | 'kind' | 'reason'> {
  requireDay(command.day, 'day');
  const directorId = command.directorId.trim();
  if (directorId.length === 0) {
    throw new DomainRuleViolation('DIRECTOR_SIGNATURE_REQUIRED', 'Le directeur (ou son délégué) signe le document.');
  }
  if (command.signedForUsagerBy === undefined) {
    if (kind === 'stay-contract') {
      throw new DomainRuleViolation(
        'USAGER_SIGNATURE_REQUIRED',
        'Le contrat de séjour est signé par l’usager ou son représentant légal ; s’il refuse, enregistrez son refus (le contrat devient un DIPC).',
      );
    }
    if (command.legalRepresentative !== undefined) {
      throw new DomainRuleViolation(
        'LEGAL_REPRESENTATIVE_WITHOUT_SIGNATURE',
        'Le représentant légal n’est nommé que s’il signe pour l’usager.',
      );
    }
    return { signedOn: command.day, directorId };
  }
  if (command.signedForUsagerBy === 'usager') {
    if (command.legalRepresentative !== undefined) {
      throw new DomainRuleViolation(
        'LEGAL_REPRESENTATIVE_WITHOUT_SIGNATURE',
        'Le représentant légal n’est nommé que s’il signe pour l’usager.',
      );
    }
    return { signedOn: command.day, signedForUsagerBy: 'usager', directorId };
  }
  const legalRepresentative = requireText(
    command.legalRepresentative ?? '',
    'LEGAL_REPRESENTATIVE_REQUIRED',
    'Nommez le représentant légal qui signe pour l’usager.',
  );
  return { signedOn: command.day, signedForUsagerBy: 'legal-representative', legalRepresentative, directorId };
}

function requireServices(content: StayContractContent): void {
  if (content.services.length === 0) {
    throw new DomainRuleViolation(
      'SERVICES_REQUIRED',
      'Le document doit décrire au moins une prestation avant d’être signé.',
    );
  }
}

/** Trimmed items, no empty one; annexes checked against their schema, one of each kind but `other`. */
function checkedContent(content: StayContractContent): StayContractContent {
  const items = (values: string[], field: string) => {
    const trimmed = values.map((value) => value.trim()).filter((value) => value.length > 0);
    if (trimmed.length > MAX_ITEMS) {
      throw new DomainRuleViolation('TOO_MANY_ITEMS', `Pas plus de ${MAX_ITEMS} éléments par liste.`, {
        field,
        max: MAX_ITEMS,
      });
    }
    if (trimmed.some((value) => value.length > MAX_TEXT_LENGTH)) {
      throw new DomainRuleViolation('TEXT_TOO_LONG', `Un élément dépasse ${MAX_TEXT_LENGTH} caractères.`, {
        field,
        maxLength: MAX_TEXT_LENGTH,
      });
    }
    return trimmed;
  };
  const parsed = z.array(stayContractAnnexSchema).max(MAX_ANNEXES).safeParse(content.annexes);
  if (!parsed.success) {
    throw new DomainRuleViolation('ANNEX_INVALID', 'Une annexe est incomplète ou mal formée.');
  }
  const annexes = parsed.data.map((annex) =>
    annex.kind === 'freedom-of-movement' ? { ...annex, measureIds: [...new Set(annex.measureIds)] } : annex,
  );
  const kinds = annexes.map((annex) => annex.kind).filter((kind) => kind !== 'other');
  const repeated = kinds.find((kind, index) => kinds.indexOf(kind) !== index);
  if (repeated !== undefined) {
    throw new DomainRuleViolation('ANNEX_REPEATED', 'Une seule annexe de ce type par version.', { kind: repeated });
  }
  return {
    objectives: items(content.objectives, 'objectives'),
    services: items(content.services, 'services'),
    annexes,
  };
}

function requireOnOrAfter(
  value: string,
  field: string,
  earliest: string | undefined,
  code: string,
  what: string,
): void {
  requireDay(value, field);
  if (earliest !== undefined && value < earliest) {
    throw new DomainRuleViolation(code, `Cette date ne peut pas précéder ${what} (${earliest}).`, {
      field,
      day: value,
      earliest,
    });
  }
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}

function requireText(value: string, code: string, message: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation(code, message);
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT_LENGTH} caractères.`, {
      maxLength: MAX_TEXT_LENGTH,
    });
  }
  return trimmed;
}

function optionalText(value: string): string | undefined {
  return value.trim().length === 0 ? undefined : requireText(value, 'TEXT_REQUIRED', 'Texte vide.');
}
