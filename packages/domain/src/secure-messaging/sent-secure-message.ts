import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import type { IdentityStatus } from '../service-users/service-user-identity.js';

/**
 * A message sent by MSSanté from the organisation's mailbox: to whom, which documents of which
 * usager, whether the INS went with them, and what came back from each recipient.
 *
 * Decisions taken here:
 * - One stream per message (`sentSecureMessageStreamId`): its acknowledgements concern it alone.
 * - Nothing leaves for an anonymous usager: the message is refused before any byte is built.
 * - The INS goes with the documents, and a usager's Mon espace santé address
 *   (`<INS>@patient.mssante.fr`) is written to, only for a qualified identity (QUAL), and that
 *   address is the usager's own INS: no other identity status lets the INS leave the software.
 * - Each recipient moves from sent to delivered (a delivery status, or a processed disposition)
 *   to read (displayed), or to failed (a failed delivery, or a disposition with an error); a
 *   state never goes back. The message is failed when one recipient is, else where its slowest
 *   recipient is.
 * - An acknowledgement is recorded once (by the id of the message that brought it).
 */

export const PATIENT_MAILBOX_DOMAIN = 'patient.mssante.fr';
const MAX_RECIPIENTS = 20;
const MAX_DOCUMENTS = 20;
const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const address = z.email().max(254);
const internetMessageId = z.string().regex(/^<[^<>\s]{3,250}>$/, 'identifiant de message <…@…> attendu');

export const secureMessageRecipientSchema = z.object({
  address,
  kind: z.enum(['professional', 'serviceUser']),
  /** The directory entry the address came from. */
  directoryEntryId: z.uuid().optional(),
  name: z.string().min(1).max(200).optional(),
});
export type SecureMessageRecipient = z.infer<typeof secureMessageRecipientSchema>;

export const secureMessageDocumentSchema = z.object({
  documentId: z.uuid(),
  version: z.int().min(1),
  title: z.string().min(1).max(200),
  /** The document's type code (LOINC or the CI-SIS's), as in X-MSS-CODECDA. */
  typeCode: z.string().min(1).max(64),
});
export type SecureMessageDocument = z.infer<typeof secureMessageDocumentSchema>;

export const RECIPIENT_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

export const ACKNOWLEDGEMENT_KINDS = ['delivered', 'processed', 'displayed', 'deleted', 'failed'] as const;
export const acknowledgementKindSchema = z.enum(ACKNOWLEDGEMENT_KINDS);
export type AcknowledgementKind = z.infer<typeof acknowledgementKindSchema>;

const sentFields = {
  messageId: z.uuid(),
  internetMessageId,
  serviceUserId: id,
  facilityId: id,
  from: address,
  recipients: z.array(secureMessageRecipientSchema).min(1).max(MAX_RECIPIENTS),
  documents: z.array(secureMessageDocumentSchema).min(1).max(MAX_DOCUMENTS),
  /** Whether the documents carried the usager's INS (a qualified identity). */
  insIncluded: z.boolean(),
  sentBy: id,
};

export const secureMessageSentSchema = z.object({ ...sentFields, sentAt: instant });
export const secureMessageSendingFailedSchema = z.object({
  ...sentFields,
  failedAt: instant,
  /** The submission server refused it, or could not be reached. */
  reason: z.enum(['refused', 'unavailable']),
});
export const secureMessageAcknowledgedSchema = z.object({
  messageId: z.uuid(),
  recipient: address,
  kind: acknowledgementKindSchema,
  /** A delivery status from a server (DSN), or a disposition from the recipient's system (MDN). */
  source: z.enum(['dsn', 'mdn']),
  /** The Message-ID of the notification: the same one is recorded once. */
  acknowledgementId: internetMessageId,
  receivedAt: instant,
  errorCode: z.string().min(1).max(20).optional(),
  errorLabel: z.string().min(1).max(500).optional(),
});

export type SecureMessageSent = z.infer<typeof secureMessageSentSchema>;
export type SecureMessageSendingFailed = z.infer<typeof secureMessageSendingFailedSchema>;
export type SecureMessageAcknowledged = z.infer<typeof secureMessageAcknowledgedSchema>;

export interface ErasedSecureMessageData {
  $erased: true;
}
type OrErased<Data> = Data | ErasedSecureMessageData;

export type SentSecureMessageEvent =
  | { type: 'SecureMessageSent'; data: OrErased<SecureMessageSent> }
  | { type: 'SecureMessageSendingFailed'; data: OrErased<SecureMessageSendingFailed> }
  | { type: 'SecureMessageAcknowledged'; data: OrErased<SecureMessageAcknowledged> };
export type SentSecureMessageEventType = SentSecureMessageEvent['type'];

export const sentSecureMessageEventSchemas = {
  SecureMessageSent: secureMessageSentSchema,
  SecureMessageSendingFailed: secureMessageSendingFailedSchema,
  SecureMessageAcknowledged: secureMessageAcknowledgedSchema,
} as const;
export const SENT_SECURE_MESSAGE_EVENT_TYPES = Object.keys(
  sentSecureMessageEventSchemas,
) as SentSecureMessageEventType[];

/** What the sender knows of the usager when it decides: anonymous, or identified with its status and INS. */
export type SecureMessageIdentity =
  | { kind: 'anonymous' }
  | { kind: 'identified'; status: IdentityStatus; insValue?: string };

interface SendFields {
  messageId: string;
  internetMessageId: string;
  serviceUserId: string;
  facilityId: string;
  from: string;
  recipients: SecureMessageRecipient[];
  documents: SecureMessageDocument[];
  identity: SecureMessageIdentity;
  insIncluded: boolean;
  sentBy: string;
}

export type SentSecureMessageCommand =
  | ({ type: 'SendSecureMessage'; sentAt: string } & SendFields)
  | ({ type: 'RecordSecureMessageSendingFailure'; failedAt: string; reason: 'refused' | 'unavailable' } & SendFields)
  | ({ type: 'RecordSecureMessageAcknowledgement' } & Omit<SecureMessageAcknowledged, 'messageId'> & {
        messageId: string;
      });

export type SentSecureMessageState =
  | { status: 'none' }
  | { status: 'erased' }
  | { status: 'failed'; messageId: string }
  | {
      status: 'sent';
      messageId: string;
      recipients: Readonly<Record<string, RecipientStatus>>;
      acknowledgementIds: readonly string[];
    };

export function sentSecureMessageStreamId(organisationId: string, messageId: string): string {
  return `secure-message/${encodeURIComponent(organisationId)}/${encodeURIComponent(messageId)}`;
}

/** Whether an address is a usager's Mon espace santé mailbox. */
export function isPatientMailbox(mailbox: string): boolean {
  return mailbox.toLowerCase().endsWith(`@${PATIENT_MAILBOX_DOMAIN}`);
}

const RANK: Readonly<Record<RecipientStatus, number>> = { sent: 0, delivered: 1, read: 2, failed: 3 };

/** Where an acknowledgement takes a recipient: never back, and failed stays failed. */
export function recipientStatusAfter(current: RecipientStatus, acknowledgement: AcknowledgementKind): RecipientStatus {
  const reached: RecipientStatus | undefined =
    acknowledgement === 'failed'
      ? 'failed'
      : acknowledgement === 'displayed'
        ? 'read'
        : acknowledgement === 'delivered' || acknowledgement === 'processed'
          ? 'delivered'
          : undefined;
  if (reached === undefined || current === 'failed') return current;
  return RANK[reached] > RANK[current] ? reached : current;
}

/** The message's state: failed when one recipient is, else where its slowest recipient is. */
export function messageStatusOf(recipients: Readonly<Record<string, RecipientStatus>>): RecipientStatus {
  const statuses = Object.values(recipients);
  if (statuses.includes('failed')) return 'failed';
  return statuses.reduce<RecipientStatus>(
    (slowest, status) => (RANK[status] < RANK[slowest] ? status : slowest),
    'read',
  );
}

export const sentSecureMessageDecider: Decider<
  SentSecureMessageCommand,
  SentSecureMessageEvent,
  SentSecureMessageState
> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    if (state.status === 'erased') {
      throw new DomainRuleViolation(
        'SECURE_MESSAGE_ERASED',
        'Ce message appartient au dossier d’une personne oubliée.',
      );
    }
    if (command.type === 'RecordSecureMessageAcknowledgement') {
      if (state.status !== 'sent') {
        throw new DomainRuleViolation(
          'SECURE_MESSAGE_NOT_SENT',
          'Aucun message envoyé ne porte cet identifiant : l’accusé ne peut pas lui être rattaché.',
        );
      }
      const recipient = command.recipient.toLowerCase();
      if (!(recipient in state.recipients)) {
        throw new DomainRuleViolation(
          'SECURE_MESSAGE_UNKNOWN_RECIPIENT',
          'Cet accusé vient d’une adresse à laquelle le message n’a pas été envoyé.',
        );
      }
      if (state.acknowledgementIds.includes(command.acknowledgementId)) {
        throw new DomainRuleViolation('ACKNOWLEDGEMENT_ALREADY_RECORDED', 'Cet accusé est déjà enregistré.');
      }
      const { type: _, ...acknowledged } = command;
      const data = secureMessageAcknowledgedSchema.safeParse({ ...acknowledged, recipient });
      if (!data.success) {
        throw new DomainRuleViolation('ACKNOWLEDGEMENT_INVALID', 'Accusé illisible : il n’est pas enregistré.');
      }
      return { type: 'SecureMessageAcknowledged', data: data.data };
    }
    if (state.status !== 'none') {
      throw new DomainRuleViolation(
        'SECURE_MESSAGE_ALREADY_RECORDED',
        'Un message est déjà enregistré sous cet identifiant.',
      );
    }
    const fields = checkedSend(command);
    if (command.type === 'SendSecureMessage') {
      requireInstant(command.sentAt);
      return { type: 'SecureMessageSent', data: { ...fields, sentAt: command.sentAt } };
    }
    requireInstant(command.failedAt);
    return {
      type: 'SecureMessageSendingFailed',
      data: { ...fields, failedAt: command.failedAt, reason: command.reason },
    };
  },
  evolve(state, event) {
    if ('$erased' in event.data) return { status: 'erased' };
    switch (event.type) {
      case 'SecureMessageSent': {
        const data = event.data as SecureMessageSent;
        return {
          status: 'sent',
          messageId: data.messageId,
          recipients: Object.fromEntries(data.recipients.map((recipient) => [recipient.address.toLowerCase(), 'sent'])),
          acknowledgementIds: [],
        };
      }
      case 'SecureMessageSendingFailed':
        return { status: 'failed', messageId: (event.data as SecureMessageSendingFailed).messageId };
      case 'SecureMessageAcknowledged': {
        if (state.status !== 'sent') return state;
        const data = event.data as SecureMessageAcknowledged;
        const current = state.recipients[data.recipient] ?? 'sent';
        return {
          ...state,
          recipients: { ...state.recipients, [data.recipient]: recipientStatusAfter(current, data.kind) },
          acknowledgementIds: [...state.acknowledgementIds, data.acknowledgementId],
        };
      }
    }
  },
};

/** The rules of what may leave, checked on the fields of a send (made or failed). */
function checkedSend(command: SendFields): Omit<SecureMessageSent, 'sentAt'> {
  if (command.identity.kind === 'anonymous') {
    throw new DomainRuleViolation(
      'SECURE_MESSAGE_ANONYMOUS_USAGER',
      'Le dossier d’un usager anonyme ne quitte pas la structure : aucun document ne peut être envoyé par MSSanté.',
    );
  }
  const qualified = command.identity.status === 'QUAL' && command.identity.insValue !== undefined;
  if (command.insIncluded && !qualified) {
    throw new DomainRuleViolation(
      'SECURE_MESSAGE_INS_NOT_QUALIFIED',
      'L’INS ne peut accompagner les documents que pour une identité qualifiée.',
    );
  }
  const recipients = command.recipients.map((recipient) => ({
    ...recipient,
    address: recipient.address.toLowerCase(),
  }));
  if (recipients.length === 0) {
    throw new DomainRuleViolation('SECURE_MESSAGE_NO_RECIPIENT', 'Indiquez au moins un destinataire.');
  }
  if (new Set(recipients.map((recipient) => recipient.address)).size !== recipients.length) {
    throw new DomainRuleViolation('SECURE_MESSAGE_DUPLICATE_RECIPIENT', 'Un destinataire figure deux fois.');
  }
  for (const recipient of recipients) {
    const patientMailbox = isPatientMailbox(recipient.address);
    if (patientMailbox !== (recipient.kind === 'serviceUser')) {
      throw new DomainRuleViolation(
        'SECURE_MESSAGE_RECIPIENT_KIND',
        'Seule la messagerie de Mon espace santé de l’usager est une adresse @patient.mssante.fr.',
      );
    }
    if (patientMailbox) {
      const own = `${command.identity.insValue ?? ''}@${PATIENT_MAILBOX_DOMAIN}`.toLowerCase();
      if (!qualified || recipient.address !== own) {
        throw new DomainRuleViolation(
          'SECURE_MESSAGE_PATIENT_ADDRESS_NOT_QUALIFIED',
          'La messagerie de Mon espace santé n’est adressée qu’à l’usager lui-même, par son INS, et pour une identité qualifiée.',
        );
      }
    }
  }
  if (command.documents.length === 0) {
    throw new DomainRuleViolation('SECURE_MESSAGE_NO_DOCUMENT', 'Joignez au moins un document.');
  }
  const parsed = secureMessageSentSchema.omit({ sentAt: true }).safeParse({
    messageId: command.messageId,
    internetMessageId: command.internetMessageId,
    serviceUserId: command.serviceUserId,
    facilityId: command.facilityId,
    from: command.from.toLowerCase(),
    recipients,
    documents: command.documents,
    insIncluded: command.insIncluded,
    sentBy: command.sentBy,
  });
  if (!parsed.success) {
    throw new DomainRuleViolation(
      'SECURE_MESSAGE_INVALID',
      `Message invalide : ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}.`,
    );
  }
  return parsed.data;
}

function requireInstant(value: string): void {
  if (!instant.safeParse(value).success) {
    throw new DomainRuleViolation('SECURE_MESSAGE_INSTANT_INVALID', 'Horodatage invalide (ISO 8601 attendu).');
  }
}
