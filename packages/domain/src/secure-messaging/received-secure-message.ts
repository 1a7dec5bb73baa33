import { z } from 'zod';
import type { Decider } from '../decider.js';
import { documentKindSchema } from '../documents/document-kinds.js';
import { DomainRuleViolation } from '../errors.js';
import { integrationErrorCodeSchema } from './integration-errors.js';

/**
 * A message received in the organisation's MSSanté mailbox with documents (an IHE XDM archive):
 * filed into one usager's record with the documents it brought, or rejected with the code of the
 * error MDN sent back to its sender.
 *
 * Decisions taken here:
 * - One stream per received message, named from its Message-ID by the shell (the same message
 *   read twice is the same stream): a message is filed into one record at most, or rejected, once.
 * - What a filing says of each document (its kind, its type code, the exam's date, who produced
 *   it) is kept with it: the exam results of a record are read from it.
 * - A rejection names no usager (none was found), only the sender and the code.
 */

const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
const internetMessageId = z.string().regex(/^<[^<>\s]{3,250}>$/, 'identifiant de message <…@…> attendu');

export const receivedDocumentSchema = z.object({
  documentId: z.uuid(),
  kind: documentKindSchema,
  title: z.string().min(1).max(200),
  /** The document's type code and label (LOINC: 11502-2 CR d'examens biologiques). */
  typeCode: z.string().min(1).max(64).optional(),
  typeLabel: z.string().min(1).max(200).optional(),
  /** When the document was made (the CDA's effectiveTime): the exam's date for a result. */
  effectiveAt: instant.optional(),
  /** Who produced it: the author's organisation (the laboratory) and the person. */
  producer: z.string().min(1).max(300).optional(),
});
export type ReceivedDocument = z.infer<typeof receivedDocumentSchema>;

const received = {
  receivedMessageId: z.uuid(),
  internetMessageId,
  from: z.email().max(254),
  receivedAt: instant,
};

export const receivedSecureMessageFiledSchema = z.object({
  ...received,
  serviceUserId: id,
  facilityId: id,
  matchedBy: z.enum(['ins', 'traits']),
  documents: z.array(receivedDocumentSchema).min(1).max(50),
  filedAt: instant,
});
export const receivedSecureMessageRejectedSchema = z.object({
  ...received,
  errorCode: integrationErrorCodeSchema,
  reason: z.string().min(1).max(500),
  /** Whether an error MDN went back to the sender (they asked for one, and it was accepted). */
  errorNotificationSent: z.boolean(),
  rejectedAt: instant,
});

export type ReceivedSecureMessageFiled = z.infer<typeof receivedSecureMessageFiledSchema>;
export type ReceivedSecureMessageRejected = z.infer<typeof receivedSecureMessageRejectedSchema>;

type OrErased<Data> = Data | { $erased: true };
export type ReceivedSecureMessageEvent =
  | { type: 'ReceivedSecureMessageFiled'; data: OrErased<ReceivedSecureMessageFiled> }
  | { type: 'ReceivedSecureMessageRejected'; data: OrErased<ReceivedSecureMessageRejected> };
export type ReceivedSecureMessageEventType = ReceivedSecureMessageEvent['type'];

export const receivedSecureMessageEventSchemas = {
  ReceivedSecureMessageFiled: receivedSecureMessageFiledSchema,
  ReceivedSecureMessageRejected: receivedSecureMessageRejectedSchema,
} as const;
export const RECEIVED_SECURE_MESSAGE_EVENT_TYPES = Object.keys(
  receivedSecureMessageEventSchemas,
) as ReceivedSecureMessageEventType[];

export type ReceivedSecureMessageCommand =
  | ({ type: 'FileReceivedSecureMessage' } & ReceivedSecureMessageFiled)
  | ({ type: 'RejectReceivedSecureMessage' } & ReceivedSecureMessageRejected);

export type ReceivedSecureMessageState =
  | { status: 'none' }
  | { status: 'erased' }
  | { status: 'filed'; serviceUserId: string; facilityId: string; documents: readonly ReceivedDocument[] }
  | { status: 'rejected'; errorCode: string };

export function receivedSecureMessageStreamId(organisationId: string, receivedMessageId: string): string {
  return `received-secure-message/${encodeURIComponent(organisationId)}/${encodeURIComponent(receivedMessageId)}`;
}

export const receivedSecureMessageDecider: Decider<
  ReceivedSecureMessageCommand,
  ReceivedSecureMessageEvent,
  ReceivedSecureMessageState
> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    if (state.status !== 'none') {
      throw new DomainRuleViolation(
        'RECEIVED_MESSAGE_ALREADY_HANDLED',
        state.status === 'filed'
          ? 'Ce message est déjà classé dans le dossier d’un usager : il ne peut l’être dans un autre.'
          : 'Ce message a déjà été traité.',
        state.status === 'filed' ? { serviceUserId: state.serviceUserId } : {},
      );
    }
    const { type, ...data } = command;
    if (type === 'FileReceivedSecureMessage') {
      const documentIds = (data as ReceivedSecureMessageFiled).documents.map((document) => document.documentId);
      if (new Set(documentIds).size !== documentIds.length) {
        throw new DomainRuleViolation(
          'RECEIVED_DOCUMENT_DUPLICATE',
          'Un document figure deux fois dans le classement.',
        );
      }
      return { type: 'ReceivedSecureMessageFiled', data: valid(receivedSecureMessageFiledSchema, data) };
    }
    return { type: 'ReceivedSecureMessageRejected', data: valid(receivedSecureMessageRejectedSchema, data) };
  },
  evolve(_state, event) {
    if ('$erased' in event.data) return { status: 'erased' };
    if (event.type === 'ReceivedSecureMessageFiled') {
      const data = event.data as ReceivedSecureMessageFiled;
      return {
        status: 'filed',
        serviceUserId: data.serviceUserId,
        facilityId: data.facilityId,
        documents: data.documents,
      };
    }
    return { status: 'rejected', errorCode: (event.data as ReceivedSecureMessageRejected).errorCode };
  },
};

function valid<Schema extends z.ZodType>(schema: Schema, data: unknown): z.output<Schema> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new DomainRuleViolation(
      'RECEIVED_MESSAGE_INVALID',
      `Message reçu illisible : ${parsed.error.issues.map((issue) => issue.path.join('.') || issue.message).join(', ')}.`,
    );
  }
  return parsed.data;
}
