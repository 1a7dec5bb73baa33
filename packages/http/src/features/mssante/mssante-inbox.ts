import { createHash, randomUUID } from 'node:crypto';
import { type SealedBlobStore, sha256Hex } from '@dui-pds/documents';
import {
  type AcknowledgementKind,
  type DocumentCommand,
  DomainRuleViolation,
  documentDecider,
  documentKindOfReceivedType,
  documentStreamId,
  foldEvents,
  INTEGRATION_ERROR_LABELS,
  type IntegrationErrorCode,
  matchReceivedPatient,
  type ReceivedDocument,
  type ReceivedIdentity,
  type ReceivedSecureMessageEvent,
  receivedSecureMessageDecider,
  receivedSecureMessageStreamId,
  sentSecureMessageDecider,
  sentSecureMessageStreamId,
} from '@dui-pds/domain';
import { type EventMetadata, type EventStore, handleCommand } from '@dui-pds/eventstore';
import { patientCandidates, sentSecureMessageByInternetId } from '@dui-pds/projections';
import {
  buildDispositionNotification,
  type Disposition,
  type IncomingMail,
  type ReceivedMssanteDocument,
  receivedMssanteDocuments,
} from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import type { MssanteMailbox } from '../../app/mssante-mailbox.js';

/** The namespaces of the ids derived from a received message: never change them. */
const RECEIVED_MESSAGE_NAMESPACE = '8a4f2c61-5d3e-4b7a-9c10-2e6f5a4b3c21';
const RECEIVED_DOCUMENT_NAMESPACE = 'c7e91b3a-24d6-4f58-8b0c-9d1e2f3a4b5c';
const INBOX_ACTOR = { kind: 'system', id: 'mssante-inbox' } as const;
const MAX_TITLE_LENGTH = 200;

export interface InboxDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  schemas: { secureMessaging: string; serviceUsers: string };
  blobs: SealedBlobStore;
  mailbox: MssanteMailbox;
  clock: () => Date;
}

export type InboxOutcome = 'filed' | 'rejected' | 'acknowledgement' | 'ignored';

/** What a pass over the inbox did, message by message. */
export interface InboxReport {
  handled: number;
  failed: number;
  filed: number;
  rejected: number;
  acknowledgements: number;
  ignored: number;
}

/**
 * One pass over the organisation's MSSanté inbox: each delivery status and disposition is recorded
 * against the message it reports on; each message with an `IHE_XDM.ZIP` is filed into the record
 * its patient matches (INS first, then the strict traits), its documents stored, a biology report
 * as an exam result, and a `processed` MDN sent when the sender asked for one; a message that
 * cannot be filed is rejected with the CI-SIS code, and an error MDN carries it back to the
 * sender. Anything else (a message for people) is left to people.
 */
export async function readMssanteInbox(
  deps: InboxDependencies,
  options: { limit?: number } = {},
): Promise<InboxReport> {
  const report: InboxReport = { handled: 0, failed: 0, filed: 0, rejected: 0, acknowledgements: 0, ignored: 0 };
  const pass = await deps.mailbox.messaging.pollInbox(async (mail) => {
    const outcome = await handleIncomingMail(deps, mail);
    report[outcome === 'acknowledgement' ? 'acknowledgements' : outcome] += 1;
  }, options);
  return { ...report, handled: pass.handled, failed: pass.failed };
}

export async function handleIncomingMail(deps: InboxDependencies, mail: IncomingMail): Promise<InboxOutcome> {
  switch (mail.kind) {
    case 'delivery-status': {
      const envelopeId = mail.report.originalEnvelopeId;
      const original =
        envelopeId === undefined ? mail.report.originalMessageId : `<${envelopeId.replace(/^<|>$/g, '')}>`;
      const acknowledgements = mail.report.recipients.flatMap((recipient, index) => {
        const kind: AcknowledgementKind | undefined =
          recipient.action === 'delivered' ? 'delivered' : recipient.action === 'failed' ? 'failed' : undefined;
        if (kind === undefined) return [];
        return [
          {
            recipient: recipient.finalRecipient,
            kind,
            index,
            ...(kind === 'failed'
              ? { errorCode: recipient.status, errorLabel: recipient.diagnostic ?? recipient.status }
              : {}),
          },
        ];
      });
      return recordAcknowledgements(deps, mail, original, 'dsn', acknowledgements);
    }
    case 'disposition-notification': {
      const { disposition, originalRecipient, finalRecipient } = mail.report;
      return recordAcknowledgements(deps, mail, mail.report.originalMessageId, 'mdn', [
        {
          recipient: originalRecipient ?? finalRecipient,
          alternative: finalRecipient,
          kind: acknowledgementOf(disposition),
          index: 0,
          ...(disposition.error === undefined
            ? {}
            : { errorCode: disposition.error.code || 'inconnu', errorLabel: disposition.error.label || 'erreur' }),
        },
      ]);
    }
    case 'message':
      return fileReceivedMessage(deps, mail);
  }
}

function acknowledgementOf(disposition: Disposition): AcknowledgementKind {
  if (disposition.error !== undefined) return 'failed';
  if (disposition.type === 'displayed') return 'displayed';
  if (disposition.type === 'deleted') return 'deleted';
  return disposition.type === 'processed' ? 'processed' : 'delivered';
}

async function recordAcknowledgements(
  deps: InboxDependencies,
  mail: IncomingMail,
  originalMessageId: string | undefined,
  source: 'dsn' | 'mdn',
  acknowledgements: {
    recipient: string;
    alternative?: string;
    kind: AcknowledgementKind;
    index: number;
    errorCode?: string;
    errorLabel?: string;
  }[],
): Promise<InboxOutcome> {
  if (originalMessageId === undefined) return 'ignored';
  const { organisationId } = deps.mailbox;
  const sent = await sentSecureMessageByInternetId(deps.knex, deps.schemas.secureMessaging, {
    organisationId,
    internetMessageId: originalMessageId,
  });
  if (sent === undefined) return 'ignored';
  const mailId = messageIdOf(mail);
  let recorded = 0;
  for (const acknowledgement of acknowledgements) {
    const recipient = sent.recipients.includes(acknowledgement.recipient.toLowerCase())
      ? acknowledgement.recipient
      : acknowledgement.alternative;
    if (recipient === undefined || !sent.recipients.includes(recipient.toLowerCase())) continue;
    const acknowledgementId = `${mailId.slice(0, -1)}#${acknowledgement.index}>`;
    const done = await settled(
      handleCommand(deps.store, sentSecureMessageDecider, {
        streamId: sentSecureMessageStreamId(organisationId, sent.messageId),
        commandId: `mssante-inbox/acknowledgement/${acknowledgementId}`,
        command: {
          type: 'RecordSecureMessageAcknowledgement',
          messageId: sent.messageId,
          recipient,
          kind: acknowledgement.kind,
          source,
          acknowledgementId,
          receivedAt: mail.receivedAt.toISOString(),
          ...(acknowledgement.errorCode === undefined ? {} : { errorCode: acknowledgement.errorCode.slice(0, 20) }),
          ...(acknowledgement.errorLabel === undefined ? {} : { errorLabel: acknowledgement.errorLabel.slice(0, 500) }),
        },
        metadata: systemMetadata(deps, { facilityId: sent.facilityId, serviceUserId: sent.serviceUserId }),
      }),
      ['ACKNOWLEDGEMENT_ALREADY_RECORDED', 'SECURE_MESSAGE_UNKNOWN_RECIPIENT'],
    );
    if (done) recorded += 1;
  }
  return recorded > 0 ? 'acknowledgement' : 'ignored';
}

async function fileReceivedMessage(
  deps: InboxDependencies,
  mail: Extract<IncomingMail, { kind: 'message' }>,
): Promise<InboxOutcome> {
  const received = receivedMssanteDocuments(mail.attachments);
  if (received.kind === 'none') return 'ignored';
  const { organisationId } = deps.mailbox;
  const internetMessageId = messageIdOf(mail);
  const receivedMessageId = uuidv5(`${organisationId}/${internetMessageId}`, RECEIVED_MESSAGE_NAMESPACE);
  const streamId = receivedSecureMessageStreamId(organisationId, receivedMessageId);
  const state = foldEvents(
    receivedSecureMessageDecider,
    (await deps.store.readStream(streamId)).map(
      (event) => ({ type: event.type, data: event.data }) as ReceivedSecureMessageEvent,
    ),
  );
  if (state.status === 'rejected') return 'rejected';
  if (state.status === 'filed') {
    // filed before a stop: the documents not stored yet are stored now
    if (received.kind === 'documents') await storeDocuments(deps, mail, state, received.documents);
    return 'filed';
  }
  const envelope = {
    receivedMessageId,
    internetMessageId,
    from: (mail.from ?? 'expediteur-inconnu@invalid.invalid').toLowerCase(),
    receivedAt: mail.receivedAt.toISOString(),
  };
  if (received.kind === 'unreadable')
    return reject(deps, mail, envelope, '906', `Archive IHE_XDM illisible : ${received.reason}`);
  const patients = received.documents.map((document) => identityOf(document));
  const first = patients[0] as ReceivedIdentity;
  if (patients.some((patient) => !samePatient(patient, first))) {
    return reject(
      deps,
      mail,
      envelope,
      '906',
      'Les documents de ce message concernent plusieurs patients : un message ne doit en concerner qu’un.',
    );
  }
  const candidates = await patientCandidates(deps.knex, deps.schemas.serviceUsers, {
    organisationId,
    ...(first.ins === undefined ? {} : { insValue: first.ins.value }),
    ...(first.birthDate === undefined ? {} : { birthDate: first.birthDate }),
  });
  const match = matchReceivedPatient(first, candidates);
  if (match.outcome === 'rejected') return reject(deps, mail, envelope, match.code, match.reason);
  const documents: ReceivedDocument[] = received.documents.map((document, index) =>
    receivedDocumentOf(receivedMessageId, document, index),
  );
  const filed = await handleCommand(deps.store, receivedSecureMessageDecider, {
    streamId,
    commandId: `mssante-inbox/file/${receivedMessageId}`,
    command: {
      type: 'FileReceivedSecureMessage',
      ...envelope,
      serviceUserId: match.serviceUserId,
      facilityId: match.facilityId,
      matchedBy: match.by,
      documents,
      filedAt: deps.clock().toISOString(),
    },
    metadata: systemMetadata(deps, { facilityId: match.facilityId, serviceUserId: match.serviceUserId }),
  });
  if (filed.state.status === 'filed') await storeDocuments(deps, mail, filed.state, received.documents);
  await notifySender(deps, mail, internetMessageId, {
    actionMode: 'automatic-action',
    sendingMode: 'MDN-sent-automatically',
    type: 'processed',
  });
  return 'filed';
}

async function reject(
  deps: InboxDependencies,
  mail: Extract<IncomingMail, { kind: 'message' }>,
  envelope: { receivedMessageId: string; internetMessageId: string; from: string; receivedAt: string },
  code: IntegrationErrorCode,
  reason: string,
): Promise<InboxOutcome> {
  const notified = await notifySender(deps, mail, envelope.internetMessageId, {
    actionMode: 'automatic-action',
    sendingMode: 'MDN-sent-automatically',
    type: 'processed',
    error: { code, label: INTEGRATION_ERROR_LABELS[code] },
  });
  await settled(
    handleCommand(deps.store, receivedSecureMessageDecider, {
      streamId: receivedSecureMessageStreamId(deps.mailbox.organisationId, envelope.receivedMessageId),
      commandId: `mssante-inbox/reject/${envelope.receivedMessageId}`,
      command: {
        type: 'RejectReceivedSecureMessage',
        ...envelope,
        errorCode: code,
        reason: reason.slice(0, 500),
        errorNotificationSent: notified,
        rejectedAt: deps.clock().toISOString(),
      },
      // no usager: none was found, and the rejection names none
      metadata: systemMetadata(deps, {}),
    }),
    ['RECEIVED_MESSAGE_ALREADY_HANDLED'],
  );
  return 'rejected';
}

/**
 * An MDN to whom the sender named in `Disposition-Notification-To`, and to no one when they named
 * no one (RFC 8098: a disposition is sent only on request). An error MDN returns the original
 * message and its attachments. Answers whether one was sent.
 */
async function notifySender(
  deps: InboxDependencies,
  mail: Extract<IncomingMail, { kind: 'message' }>,
  internetMessageId: string,
  disposition: Disposition,
): Promise<boolean> {
  const to = mail.dispositionNotificationTo;
  if (to === undefined) return false;
  const address = deps.mailbox.messaging.address;
  const raw = await buildDispositionNotification({
    from: address,
    to,
    messageId: `<${randomUUID()}@${address.split('@')[1] ?? 'mssante.local'}>`,
    date: deps.clock(),
    original: {
      messageId: internetMessageId,
      recipient: mail.to.find((recipient) => recipient === address) ?? address,
      subject: mail.subject,
      raw: mail.raw,
    },
    disposition,
    returnedAttachments:
      disposition.error === undefined
        ? []
        : mail.attachments.map((attachment) => ({
            fileName: attachment.fileName ?? 'piece-jointe',
            contentType: attachment.contentType,
            content: attachment.content,
          })),
  });
  const submission = await deps.mailbox.messaging.sendNotification(to, raw);
  return submission.accepted.length > 0;
}

/** The documents of a filing, stored once each in the record it names (what a previous pass stored stays). */
async function storeDocuments(
  deps: InboxDependencies,
  mail: Extract<IncomingMail, { kind: 'message' }>,
  filing: { serviceUserId: string; facilityId: string; documents: readonly ReceivedDocument[] },
  received: readonly ReceivedMssanteDocument[],
): Promise<void> {
  const { organisationId } = deps.mailbox;
  for (const [index, document] of filing.documents.entries()) {
    const source = received[index];
    if (source === undefined) continue;
    const content = contentOf(source);
    await deps.blobs.put({ organisationId, serviceUserId: filing.serviceUserId }, content.bytes);
    const command: DocumentCommand = {
      type: 'StoreDocument',
      documentId: document.documentId,
      serviceUserId: filing.serviceUserId,
      facilityId: filing.facilityId,
      kind: document.kind,
      title: document.title,
      sensitivity: 'medical',
      source: 'uploaded',
      authorId: INBOX_ACTOR.id,
      storedAt: mail.receivedAt.toISOString(),
      content: {
        contentSha256: sha256Hex(content.bytes),
        byteLength: content.bytes.length,
        mediaType: content.mediaType,
        fileName: content.fileName,
      },
    };
    await settled(
      handleCommand(deps.store, documentDecider, {
        streamId: documentStreamId(organisationId, document.documentId),
        commandId: `mssante-inbox/document/${document.documentId}`,
        command,
        metadata: systemMetadata(deps, { facilityId: filing.facilityId, serviceUserId: filing.serviceUserId }),
      }),
      ['DOCUMENT_ALREADY_STORED'],
    );
  }
}

/** A level 1 document is its PDF; a level 3 one, its sections as text; neither, the CDA's title as text. */
function contentOf(document: ReceivedMssanteDocument): {
  bytes: Buffer;
  mediaType: 'application/pdf' | 'text/plain';
  fileName: string;
} {
  const base = fileNameOf(document.cda.title || document.entry.title || 'document');
  const { body } = document.cda;
  if (body.kind === 'pdf') return { bytes: body.content, mediaType: 'application/pdf', fileName: `${base}.pdf` };
  const text =
    body.kind === 'structured' && body.text.trim() !== ''
      ? body.text
      : document.cda.title || 'Document sans contenu lisible.';
  return { bytes: Buffer.from(text, 'utf8'), mediaType: 'text/plain', fileName: `${base}.txt` };
}

function receivedDocumentOf(
  receivedMessageId: string,
  document: ReceivedMssanteDocument,
  index: number,
): ReceivedDocument {
  const typeCode = document.cda.type?.code ?? document.entry.typeCode.code;
  const typeLabel = document.cda.type?.displayName ?? document.entry.typeCode.displayName;
  const title = (document.cda.title || document.entry.title || typeLabel || 'Document reçu par MSSanté').slice(
    0,
    MAX_TITLE_LENGTH,
  );
  const producer = [document.cda.author.organisation, document.cda.author.person].filter(Boolean).join(' — ');
  return {
    documentId: uuidv5(`${receivedMessageId}/${index}`, RECEIVED_DOCUMENT_NAMESPACE),
    kind: documentKindOfReceivedType(typeCode),
    title,
    ...(typeCode ? { typeCode: typeCode.slice(0, 64) } : {}),
    ...(typeLabel ? { typeLabel: typeLabel.slice(0, 200) } : {}),
    ...(document.cda.effectiveTime === undefined ? {} : { effectiveAt: document.cda.effectiveTime.toISOString() }),
    ...(producer ? { producer: producer.slice(0, 300) } : {}),
  };
}

function identityOf(document: ReceivedMssanteDocument): ReceivedIdentity {
  const { ins, birthName, birthFirstNames, birthDate, sex, birthplaceCode } = document.cda.patient;
  return {
    ...(ins === undefined ? {} : { ins }),
    ...(birthName === undefined ? {} : { birthName }),
    birthFirstNames,
    ...(birthDate === undefined ? {} : { birthDate }),
    ...(sex === undefined ? {} : { sex }),
    ...(birthplaceCode === undefined ? {} : { birthplaceCode }),
  };
}

function samePatient(one: ReceivedIdentity, other: ReceivedIdentity): boolean {
  return (
    one.ins?.value === other.ins?.value &&
    one.birthName === other.birthName &&
    one.birthDate === other.birthDate &&
    one.sex === other.sex
  );
}

/** The message's Message-ID, or one drawn from its bytes when it has none: the same message, the same id. */
function messageIdOf(mail: IncomingMail): string {
  return mail.messageId ?? `<${createHash('sha256').update(mail.raw).digest('hex')}@sans-identifiant.invalid>`;
}

function fileNameOf(title: string): string {
  const name = title
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\w .-]+/g, '-')
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 100);
  return name === '' ? 'document' : name;
}

function systemMetadata(
  deps: InboxDependencies,
  where: { facilityId?: string; serviceUserId?: string },
): EventMetadata {
  return {
    organisationId: deps.mailbox.organisationId,
    ...(where.facilityId === undefined ? {} : { facilityId: where.facilityId }),
    ...(where.serviceUserId === undefined ? {} : { serviceUserId: where.serviceUserId }),
    actor: INBOX_ACTOR,
    occurredAt: deps.clock().toISOString(),
    correlationId: randomUUID(),
  };
}

/** A step an earlier pass (or another instance) already took is taken; answers whether this one took it. */
async function settled(step: Promise<unknown>, alreadyDone: readonly string[]): Promise<boolean> {
  try {
    await step;
    return true;
  } catch (error) {
    if (error instanceof DomainRuleViolation && alreadyDone.includes(error.code)) return false;
    throw error;
  }
}
