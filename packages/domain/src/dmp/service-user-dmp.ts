import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * A usager and their DMP (dossier médical partagé): the opposition they may express to its being
 * fed, the last check of its existence and of the structure's authorisation (TD0.2), and each
 * document sent to it, traced from the request to the DMP's answer.
 *
 * Decisions taken here:
 * - One stream per usager of the organisation (`serviceUserDmpStreamId`): "nothing is sent while
 *   the usager is opposed" is a rule across the opposition and every submission, so they decide
 *   together. Each event names the ESSMS where it happened.
 * - The opposition (R.1111-47 CSP: the usager may object, for a legitimate reason, to a document
 *   being added to their DMP; L.1111-8) is recorded with the day the usager expressed it, who
 *   recorded it and when; it stays in force until withdrawn, and it stops new submissions only: a
 *   document already in the DMP stays there (masking or removing it is done in the DMP).
 * - A submission is requested before anything leaves the software, then accepted (with the
 *   `entryUUID` and `uniqueId` the DMP registered) or refused (with the DMP's code and a French
 *   label): `requested → accepted | refused`, nothing else; an accepted one is later `replaced`
 *   when a replacement of it (XDS RPLC) is accepted. A submission the DMP never answered stays
 *   requested: its outcome is unknown, not a refusal.
 * - Nothing of an anonymous usager is ever sent (L.3414-1 CSP), nor of a usager whose identity is
 *   not qualified (the DMP is indexed by the INS, which leaves the software only for a qualified
 *   identity). The shell says which the record is (`identity`); the decider refuses on it.
 * - A document already in the DMP is replaced, never sent twice: a plain submission of a document
 *   with an accepted submission in force is refused, and a replacement names an accepted
 *   submission of the same document, with a newer version, and no other replacement pending on it.
 * - The domain has no clock: the shell brings the instants and today.
 */
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const day = z.iso.date();
const MAX_REASON_LENGTH = 500;
const MAX_LABEL_LENGTH = 500;

/** What the record's identity allows to send: the INS of a qualified identity only, nothing of an anonymous usager. */
export const dmpIdentitySchema = z.enum(['anonymous', 'notQualified', 'qualified']);
export type DmpIdentity = z.infer<typeof dmpIdentitySchema>;

/**
 * Who may not see a document in the DMP (confidentialityCode of its XDS entry): masked from the
 * professionals at the usager's request, invisible to the usager until an announcement
 * consultation, invisible to the legal representatives of a minor.
 */
export const dmpMaskingSchema = z.object({
  hiddenFromProfessionals: z.boolean(),
  hiddenFromPatient: z.boolean(),
  hiddenFromLegalRepresentatives: z.boolean(),
});
export type DmpMasking = z.infer<typeof dmpMaskingSchema>;
export const NOT_MASKED: DmpMasking = {
  hiddenFromProfessionals: false,
  hiddenFromPatient: false,
  hiddenFromLegalRepresentatives: false,
};

/** The structure's authorisation on the usager's DMP, as TD0.2 answers it. */
export const dmpAuthorisationSchema = z.enum(['valid', 'absent', 'expired', 'forbidden']);
export type DmpAuthorisation = z.infer<typeof dmpAuthorisationSchema>;

export const DMP_AUTHORISATION_LABELS: Readonly<Record<DmpAuthorisation, string>> = {
  valid: 'autorisation d’accès valide',
  absent: 'aucune autorisation d’accès',
  expired: 'autorisation d’accès expirée',
  forbidden: 'accès interdit par l’usager',
};

export const dmpOppositionRecordedSchema = z.object({
  serviceUserId: id,
  facilityId: id,
  /** The day the usager expressed it. */
  expressedOn: day,
  reason: z.string().min(1).max(MAX_REASON_LENGTH).optional(),
  recordedBy: id,
  recordedAt: instant,
});
export const dmpOppositionWithdrawnSchema = z.object({
  facilityId: id,
  withdrawnOn: day,
  recordedBy: id,
  recordedAt: instant,
});
export const dmpAccessCheckedSchema = z.object({
  facilityId: id,
  checkedBy: id,
  checkedAt: instant,
  dmpExists: z.boolean(),
  authorisation: dmpAuthorisationSchema,
});
export const dmpSubmissionRequestedSchema = z.object({
  submissionId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  documentId: z.uuid(),
  version: z.int().min(1),
  masking: dmpMaskingSchema,
  requestedBy: id,
  requestedAt: instant,
  /** A replacement (RPLC): the accepted submission it replaces, and that one's entry in the DMP. */
  replaces: z.object({ submissionId: z.uuid(), entryUuid: id }).optional(),
});
export const dmpSubmissionAcceptedSchema = z.object({
  submissionId: z.uuid(),
  /** The document entry as the DMP registered it. */
  entryUuid: id,
  uniqueId: id,
  acceptedAt: instant,
});
export const dmpSubmissionRefusedSchema = z.object({
  submissionId: z.uuid(),
  /** The DMP's error code (XDS `errorCode`), kept as it came. */
  code: z.string().min(1).max(200),
  label: z.string().min(1).max(MAX_LABEL_LENGTH),
  refusedAt: instant,
});
export const dmpSubmissionReplacedSchema = z.object({
  submissionId: z.uuid(),
  replacedBy: z.uuid(),
  replacedAt: instant,
});

export type DmpOppositionRecorded = z.infer<typeof dmpOppositionRecordedSchema>;
export type DmpOppositionWithdrawn = z.infer<typeof dmpOppositionWithdrawnSchema>;
export type DmpAccessChecked = z.infer<typeof dmpAccessCheckedSchema>;
export type DmpSubmissionRequested = z.infer<typeof dmpSubmissionRequestedSchema>;
export type DmpSubmissionAccepted = z.infer<typeof dmpSubmissionAcceptedSchema>;
export type DmpSubmissionRefused = z.infer<typeof dmpSubmissionRefusedSchema>;
export type DmpSubmissionReplaced = z.infer<typeof dmpSubmissionReplacedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedDmpData {
  $erased: true;
}
type OrErased<Data> = Data | ErasedDmpData;

export type ServiceUserDmpEvent =
  | { type: 'DmpOppositionRecorded'; data: OrErased<DmpOppositionRecorded> }
  | { type: 'DmpOppositionWithdrawn'; data: OrErased<DmpOppositionWithdrawn> }
  | { type: 'DmpAccessChecked'; data: OrErased<DmpAccessChecked> }
  | { type: 'DmpSubmissionRequested'; data: OrErased<DmpSubmissionRequested> }
  | { type: 'DmpSubmissionAccepted'; data: OrErased<DmpSubmissionAccepted> }
  | { type: 'DmpSubmissionRefused'; data: OrErased<DmpSubmissionRefused> }
  | { type: 'DmpSubmissionReplaced'; data: OrErased<DmpSubmissionReplaced> };

export type ServiceUserDmpEventType = ServiceUserDmpEvent['type'];

export const serviceUserDmpEventSchemas = {
  DmpOppositionRecorded: dmpOppositionRecordedSchema,
  DmpOppositionWithdrawn: dmpOppositionWithdrawnSchema,
  DmpAccessChecked: dmpAccessCheckedSchema,
  DmpSubmissionRequested: dmpSubmissionRequestedSchema,
  DmpSubmissionAccepted: dmpSubmissionAcceptedSchema,
  DmpSubmissionRefused: dmpSubmissionRefusedSchema,
  DmpSubmissionReplaced: dmpSubmissionReplacedSchema,
} as const;

export type ServiceUserDmpCommand =
  | {
      type: 'RecordDmpOpposition';
      serviceUserId: string;
      facilityId: string;
      expressedOn: string;
      reason?: string;
      recordedBy: string;
      recordedAt: string;
      /** `YYYY-MM-DD`, in Europe/Paris: the opposition was not expressed in the future. */
      today: string;
    }
  | {
      type: 'WithdrawDmpOpposition';
      facilityId: string;
      withdrawnOn: string;
      recordedBy: string;
      recordedAt: string;
      today: string;
    }
  | {
      type: 'RecordDmpAccessCheck';
      facilityId: string;
      checkedBy: string;
      checkedAt: string;
      dmpExists: boolean;
      authorisation: DmpAuthorisation;
      identity: DmpIdentity;
    }
  | {
      type: 'RequestDmpSubmission';
      submissionId: string;
      serviceUserId: string;
      facilityId: string;
      documentId: string;
      version: number;
      masking: DmpMasking;
      requestedBy: string;
      requestedAt: string;
      identity: DmpIdentity;
      /** A replacement: the accepted submission it replaces. */
      replaces?: string;
    }
  | {
      type: 'RecordDmpSubmissionAccepted';
      submissionId: string;
      entryUuid: string;
      uniqueId: string;
      acceptedAt: string;
    }
  | { type: 'RecordDmpSubmissionRefused'; submissionId: string; code: string; label: string; refusedAt: string };

export type DmpSubmissionStatus = 'requested' | 'accepted' | 'refused' | 'replaced';

export interface DmpSubmissionTrace {
  submissionId: string;
  facilityId: string;
  documentId: string;
  version: number;
  masking: DmpMasking;
  requestedBy: string;
  requestedAt: string;
  replaces: { submissionId: string; entryUuid: string } | undefined;
  status: DmpSubmissionStatus;
  accepted: { entryUuid: string; uniqueId: string; acceptedAt: string } | undefined;
  refusal: { code: string; label: string; refusedAt: string } | undefined;
  replacement: { replacedBy: string; replacedAt: string } | undefined;
}

export interface DmpOppositionTrace {
  facilityId: string;
  expressedOn: string;
  reason: string | undefined;
  recordedBy: string;
  recordedAt: string;
  withdrawal: { facilityId: string; withdrawnOn: string; recordedBy: string; recordedAt: string } | undefined;
}

export interface ServiceUserDmp {
  /** Once the usager was forgotten: nothing can be decided on what is no longer readable. */
  erased: boolean;
  /** Every opposition expressed, in order; the last one is in force unless withdrawn. */
  oppositions: readonly DmpOppositionTrace[];
  lastAccessCheck: DmpAccessChecked | undefined;
  /** By submission id, in the order they were requested. */
  submissions: ReadonlyMap<string, DmpSubmissionTrace>;
}

/** One stream per usager of the organisation; both escaped, so that no two pairs share one. */
export function serviceUserDmpStreamId(organisationId: string, serviceUserId: string): string {
  return `dmp/${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}`;
}

/** The opposition in force, if any. */
export function dmpOppositionInForce(state: Pick<ServiceUserDmp, 'oppositions'>): DmpOppositionTrace | undefined {
  const last = state.oppositions.at(-1);
  return last !== undefined && last.withdrawal === undefined ? last : undefined;
}

/** The accepted submission of this document that is in the DMP now (neither replaced nor superseded). */
export function dmpSubmissionInForce(
  state: Pick<ServiceUserDmp, 'submissions'>,
  documentId: string,
): DmpSubmissionTrace | undefined {
  return [...state.submissions.values()].find(
    (submission) => submission.documentId === documentId && submission.status === 'accepted',
  );
}

export const serviceUserDmpDecider: Decider<ServiceUserDmpCommand, ServiceUserDmpEvent, ServiceUserDmp> = {
  initialState: () => ({ erased: false, oppositions: [], lastAccessCheck: undefined, submissions: new Map() }),

  decide(command, state) {
    if (state.erased) {
      throw new DomainRuleViolation('DMP_RECORD_ERASED', 'Ce suivi du DMP concerne une personne oubliée.');
    }
    switch (command.type) {
      case 'RecordDmpOpposition': {
        requireDay(command.today, 'today');
        requireInstant(command.recordedAt, 'recordedAt');
        const inForce = dmpOppositionInForce(state);
        if (inForce !== undefined) {
          throw new DomainRuleViolation(
            'DMP_OPPOSITION_ALREADY_RECORDED',
            'L’opposition de l’usager à l’alimentation de son DMP est déjà enregistrée.',
            { expressedOn: inForce.expressedOn },
          );
        }
        requireDayNotAfter(command.expressedOn, command.today, 'expressedOn', 'L’opposition');
        const reason = command.reason?.trim();
        if (reason !== undefined && reason.length > MAX_REASON_LENGTH) {
          throw new DomainRuleViolation(
            'DMP_TEXT_TOO_LONG',
            `Le motif de l’opposition dépasse ${MAX_REASON_LENGTH} caractères.`,
          );
        }
        const { serviceUserId, facilityId, expressedOn, recordedBy, recordedAt } = command;
        return {
          type: 'DmpOppositionRecorded',
          data: {
            serviceUserId,
            facilityId,
            expressedOn,
            ...(reason ? { reason } : {}),
            recordedBy,
            recordedAt,
          },
        };
      }
      case 'WithdrawDmpOpposition': {
        requireDay(command.today, 'today');
        requireInstant(command.recordedAt, 'recordedAt');
        const inForce = dmpOppositionInForce(state);
        if (inForce === undefined) {
          throw new DomainRuleViolation(
            'DMP_NO_OPPOSITION',
            'L’usager ne s’est pas opposé à l’alimentation de son DMP : il n’y a pas d’opposition à lever.',
          );
        }
        requireDayNotAfter(command.withdrawnOn, command.today, 'withdrawnOn', 'La levée de l’opposition');
        if (command.withdrawnOn < inForce.expressedOn) {
          throw new DomainRuleViolation(
            'DMP_WITHDRAWAL_BEFORE_OPPOSITION',
            'L’opposition ne peut pas être levée avant le jour où elle a été exprimée.',
            { expressedOn: inForce.expressedOn },
          );
        }
        const { facilityId, withdrawnOn, recordedBy, recordedAt } = command;
        return { type: 'DmpOppositionWithdrawn', data: { facilityId, withdrawnOn, recordedBy, recordedAt } };
      }
      case 'RecordDmpAccessCheck': {
        requireInstant(command.checkedAt, 'checkedAt');
        requireIdentified(command.identity);
        const { facilityId, checkedBy, checkedAt, dmpExists, authorisation } = command;
        return { type: 'DmpAccessChecked', data: { facilityId, checkedBy, checkedAt, dmpExists, authorisation } };
      }
      case 'RequestDmpSubmission': {
        requireInstant(command.requestedAt, 'requestedAt');
        if (state.submissions.has(command.submissionId)) {
          throw new DomainRuleViolation(
            'DMP_SUBMISSION_ALREADY_REQUESTED',
            'Un envoi au DMP est déjà enregistré sous cet identifiant.',
            { submissionId: command.submissionId },
          );
        }
        requireIdentified(command.identity);
        const opposition = dmpOppositionInForce(state);
        if (opposition !== undefined) {
          throw new DomainRuleViolation(
            'DMP_OPPOSED',
            'L’usager s’est opposé à l’alimentation de son DMP : aucun document ne peut y être envoyé tant que l’opposition n’est pas levée.',
            { expressedOn: opposition.expressedOn },
          );
        }
        if (!Number.isSafeInteger(command.version) || command.version < 1) {
          throw new DomainRuleViolation('DMP_VERSION_INVALID', 'Le numéro de version du document est invalide.');
        }
        const replaces = command.replaces === undefined ? undefined : replaceable(state, command);
        const inForce = dmpSubmissionInForce(state, command.documentId);
        if (replaces === undefined && inForce !== undefined) {
          throw new DomainRuleViolation(
            'DMP_DOCUMENT_ALREADY_SENT',
            'Ce document est déjà dans le DMP de l’usager : envoyez sa nouvelle version en remplacement de l’envoi accepté.',
            { submissionId: inForce.submissionId },
          );
        }
        return {
          type: 'DmpSubmissionRequested',
          data: {
            submissionId: command.submissionId,
            serviceUserId: command.serviceUserId,
            facilityId: command.facilityId,
            documentId: command.documentId,
            version: command.version,
            masking: dmpMaskingSchema.parse(command.masking),
            requestedBy: command.requestedBy,
            requestedAt: command.requestedAt,
            ...(replaces === undefined ? {} : { replaces }),
          },
        };
      }
      case 'RecordDmpSubmissionAccepted': {
        requireInstant(command.acceptedAt, 'acceptedAt');
        const submission = requirePending(state, command.submissionId);
        if (command.entryUuid.trim() === '' || command.uniqueId.trim() === '') {
          throw new DomainRuleViolation(
            'DMP_ENTRY_REQUIRED',
            'Un envoi accepté par le DMP est enregistré avec l’identifiant de l’entrée et du document.',
          );
        }
        const { submissionId, entryUuid, uniqueId, acceptedAt } = command;
        const accepted: ServiceUserDmpEvent = {
          type: 'DmpSubmissionAccepted',
          data: { submissionId, entryUuid, uniqueId, acceptedAt },
        };
        if (submission.replaces === undefined) return accepted;
        return [
          accepted,
          {
            type: 'DmpSubmissionReplaced',
            data: { submissionId: submission.replaces.submissionId, replacedBy: submissionId, replacedAt: acceptedAt },
          },
        ];
      }
      case 'RecordDmpSubmissionRefused': {
        requireInstant(command.refusedAt, 'refusedAt');
        requirePending(state, command.submissionId);
        const code = command.code.trim();
        const label = command.label.trim();
        if (code === '' || label === '' || code.length > 200 || label.length > MAX_LABEL_LENGTH) {
          throw new DomainRuleViolation(
            'DMP_REFUSAL_REASON_REQUIRED',
            'Un refus du DMP est enregistré avec son code et son libellé.',
          );
        }
        return {
          type: 'DmpSubmissionRefused',
          data: { submissionId: command.submissionId, code, label, refusedAt: command.refusedAt },
        };
      }
    }
  },

  evolve(state, event) {
    if ('$erased' in event.data) return { ...state, erased: true };
    switch (event.type) {
      case 'DmpOppositionRecorded': {
        const data = event.data as DmpOppositionRecorded;
        const opposition: DmpOppositionTrace = {
          facilityId: data.facilityId,
          expressedOn: data.expressedOn,
          reason: data.reason,
          recordedBy: data.recordedBy,
          recordedAt: data.recordedAt,
          withdrawal: undefined,
        };
        return { ...state, oppositions: [...state.oppositions, opposition] };
      }
      case 'DmpOppositionWithdrawn': {
        const data = event.data as DmpOppositionWithdrawn;
        const last = state.oppositions.at(-1);
        if (last === undefined) return state;
        return { ...state, oppositions: [...state.oppositions.slice(0, -1), { ...last, withdrawal: { ...data } }] };
      }
      case 'DmpAccessChecked':
        return { ...state, lastAccessCheck: { ...(event.data as DmpAccessChecked) } };
      case 'DmpSubmissionRequested': {
        const data = event.data as DmpSubmissionRequested;
        const submissions = new Map(state.submissions);
        submissions.set(data.submissionId, {
          submissionId: data.submissionId,
          facilityId: data.facilityId,
          documentId: data.documentId,
          version: data.version,
          masking: data.masking,
          requestedBy: data.requestedBy,
          requestedAt: data.requestedAt,
          replaces: data.replaces,
          status: 'requested',
          accepted: undefined,
          refusal: undefined,
          replacement: undefined,
        });
        return { ...state, submissions };
      }
      case 'DmpSubmissionAccepted': {
        const { submissionId, entryUuid, uniqueId, acceptedAt } = event.data as DmpSubmissionAccepted;
        return changed(state, submissionId, { status: 'accepted', accepted: { entryUuid, uniqueId, acceptedAt } });
      }
      case 'DmpSubmissionRefused': {
        const { submissionId, code, label, refusedAt } = event.data as DmpSubmissionRefused;
        return changed(state, submissionId, { status: 'refused', refusal: { code, label, refusedAt } });
      }
      case 'DmpSubmissionReplaced': {
        const { submissionId, replacedBy, replacedAt } = event.data as DmpSubmissionReplaced;
        return changed(state, submissionId, { status: 'replaced', replacement: { replacedBy, replacedAt } });
      }
    }
  },
};

function changed(state: ServiceUserDmp, submissionId: string, change: Partial<DmpSubmissionTrace>): ServiceUserDmp {
  const submission = state.submissions.get(submissionId);
  if (submission === undefined) return state;
  const submissions = new Map(state.submissions);
  submissions.set(submissionId, { ...submission, ...change });
  return { ...state, submissions };
}

/** The accepted submission a replacement names: of the same document, with no other replacement pending. */
function replaceable(
  state: ServiceUserDmp,
  command: Extract<ServiceUserDmpCommand, { type: 'RequestDmpSubmission' }>,
): { submissionId: string; entryUuid: string } {
  const replaced = state.submissions.get(command.replaces as string);
  if (replaced === undefined) {
    throw new DomainRuleViolation(
      'DMP_REPLACED_SUBMISSION_NOT_FOUND',
      'Aucun envoi au DMP de cet usager sous cet identifiant : il n’y a rien à remplacer.',
      { replaces: command.replaces },
    );
  }
  if (replaced.status !== 'accepted' || replaced.accepted === undefined) {
    throw new DomainRuleViolation(
      'DMP_REPLACED_SUBMISSION_NOT_ACCEPTED',
      replaced.status === 'replaced'
        ? 'Cet envoi a déjà été remplacé dans le DMP : remplacez le plus récent.'
        : 'Seul un envoi accepté par le DMP peut être remplacé.',
      { replaces: replaced.submissionId, status: replaced.status },
    );
  }
  if (replaced.documentId !== command.documentId) {
    throw new DomainRuleViolation(
      'DMP_REPLACEMENT_OF_ANOTHER_DOCUMENT',
      'Un envoi au DMP ne peut être remplacé que par une version du même document.',
      { replaces: replaced.submissionId },
    );
  }
  if (command.version <= replaced.version) {
    throw new DomainRuleViolation(
      'DMP_REPLACEMENT_NOT_NEWER',
      `Le remplacement envoie une version plus récente que celle qui est dans le DMP (version ${replaced.version}).`,
      { replaces: replaced.submissionId, version: replaced.version },
    );
  }
  const pending = [...state.submissions.values()].find(
    (submission) => submission.status === 'requested' && submission.replaces?.submissionId === replaced.submissionId,
  );
  if (pending !== undefined) {
    throw new DomainRuleViolation(
      'DMP_REPLACEMENT_PENDING',
      'Un remplacement de cet envoi attend déjà la réponse du DMP.',
      { submissionId: pending.submissionId },
    );
  }
  return { submissionId: replaced.submissionId, entryUuid: replaced.accepted.entryUuid };
}

function requirePending(state: ServiceUserDmp, submissionId: string): DmpSubmissionTrace {
  const submission = state.submissions.get(submissionId);
  if (submission === undefined) {
    throw new DomainRuleViolation('DMP_SUBMISSION_NOT_FOUND', 'Aucun envoi au DMP sous cet identifiant.', {
      submissionId,
    });
  }
  if (submission.status !== 'requested') {
    throw new DomainRuleViolation('DMP_SUBMISSION_NOT_PENDING', 'La réponse du DMP à cet envoi est déjà enregistrée.', {
      submissionId,
      status: submission.status,
    });
  }
  return submission;
}

function requireIdentified(identity: DmpIdentity): void {
  if (identity === 'anonymous') {
    throw new DomainRuleViolation(
      'DMP_ANONYMOUS_USAGER',
      'L’usager est suivi anonymement : rien ne peut être transmis au DMP sous son identité.',
    );
  }
  if (identity !== 'qualified') {
    throw new DomainRuleViolation(
      'DMP_IDENTITY_NOT_QUALIFIED',
      'L’identité de l’usager n’est pas qualifiée : son INS ne peut pas être transmis au DMP. Qualifiez d’abord son identité (INSi et pièce d’identité à haut niveau de confiance).',
    );
  }
}

function requireInstant(value: string, field: string): void {
  if (!instant.safeParse(value).success) {
    throw new DomainRuleViolation('DMP_INSTANT_INVALID', 'Horodatage invalide (ISO 8601 attendu).', { field });
  }
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('DMP_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', { field });
  }
}

function requireDayNotAfter(value: string, today: string, field: string, what: string): void {
  requireDay(value, field);
  if (value > today) {
    throw new DomainRuleViolation('DMP_DAY_IN_FUTURE', `${what} ne peut pas être datée d’un jour à venir.`, {
      field,
    });
  }
}
