import {
  messageStatusOf,
  RECEIVED_SECURE_MESSAGE_EVENT_TYPES,
  type ReceivedSecureMessageFiled,
  type ReceivedSecureMessageRejected,
  type RecipientStatus,
  recipientStatusAfter,
  SENT_SECURE_MESSAGE_EVENT_TYPES,
  type SecureMessageAcknowledged,
  type SecureMessageSendingFailed,
  type SecureMessageSent,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

/** One recipient of a sent message as the model keeps it: who, and where their acknowledgements have taken them. */
export interface SentRecipientRow {
  address: string;
  kind: 'professional' | 'serviceUser';
  name?: string;
  directoryEntryId?: string;
  status: RecipientStatus;
}

/**
 * MSSanté's messages: those sent from the organisation's mailbox with their recipients' states
 * (`sent_messages`) and each acknowledgement received (`acknowledgements`), those received and
 * filed or rejected (`received_messages`), and the exam results they brought into records
 * (`exam_results`: date, sender, title, document), which the record lists.
 *
 * A forgotten usager's messages and results leave the model; a rejected message names no usager.
 */
export const secureMessagingProjection = defineProjection({
  name: 'secure_messaging',
  version: 1,
  handles: [...SENT_SECURE_MESSAGE_EVENT_TYPES, ...RECEIVED_SECURE_MESSAGE_EVENT_TYPES],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('sent_messages', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('message_id').notNullable();
      table.text('internet_message_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('sender').notNullable();
      table.jsonb('recipients').notNullable();
      table.jsonb('documents').notNullable();
      table.boolean('ins_included').notNullable();
      table.text('sent_by').notNullable();
      table.text('sent_at').notNullable();
      table.text('status').notNullable();
      table.text('failure_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'message_id']);
      table.index(['organisation_id', 'internet_message_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('acknowledgements', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('message_id').notNullable();
      table.text('acknowledgement_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('recipient').notNullable();
      table.text('kind').notNullable();
      table.text('source').notNullable();
      table.text('received_at').notNullable();
      table.text('error_code');
      table.text('error_label');
      table.primary(['organisation_id', 'message_id', 'acknowledgement_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('received_messages', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('received_message_id').notNullable();
      table.text('internet_message_id').notNullable();
      table.text('sender').notNullable();
      table.text('received_at').notNullable();
      table.text('outcome').notNullable();
      table.text('service_user_id');
      table.text('facility_id');
      table.text('matched_by');
      table.integer('document_count').notNullable();
      table.text('error_code');
      table.text('reason');
      table.boolean('error_notification_sent');
      table.text('handled_at').notNullable();
      table.primary(['organisation_id', 'received_message_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('exam_results', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('document_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.uuid('received_message_id').notNullable();
      table.text('sender').notNullable();
      table.text('received_at').notNullable();
      table.text('effective_at');
      table.text('title').notNullable();
      table.text('type_code');
      table.text('type_label');
      table.text('producer');
      table.primary(['organisation_id', 'document_id']);
      table.index(['organisation_id', 'service_user_id', 'facility_id']);
    });
  },
  async evolve(event, context) {
    const organisation_id = event.metadata.organisationId;
    if (isErased(event.data)) {
      const usager = { organisation_id, service_user_id: event.data.serviceUserId };
      for (const name of ['sent_messages', 'acknowledgements', 'received_messages', 'exam_results']) {
        await context.table(name).where(usager).delete();
      }
      return;
    }
    switch (event.type) {
      case 'SecureMessageSent':
      case 'SecureMessageSendingFailed':
        return recordSent(event, context);
      case 'SecureMessageAcknowledged':
        return recordAcknowledgement(event, context);
      case 'ReceivedSecureMessageFiled':
        return recordFiled(event, context);
      case 'ReceivedSecureMessageRejected':
        return recordRejected(event, context);
    }
  },
});

async function recordSent(event: RecordedEvent, { table }: ProjectionContext): Promise<void> {
  const data = event.data as SecureMessageSent | SecureMessageSendingFailed;
  const failed = event.type === 'SecureMessageSendingFailed';
  const recipients: SentRecipientRow[] = data.recipients.map((recipient) => ({
    ...recipient,
    status: failed ? 'failed' : 'sent',
  }));
  await table('sent_messages')
    .insert({
      organisation_id: event.metadata.organisationId,
      message_id: data.messageId,
      internet_message_id: data.internetMessageId,
      service_user_id: data.serviceUserId,
      facility_id: data.facilityId,
      sender: data.from,
      recipients: JSON.stringify(recipients),
      documents: JSON.stringify(data.documents),
      ins_included: data.insIncluded,
      sent_by: data.sentBy,
      sent_at: failed ? (data as SecureMessageSendingFailed).failedAt : (data as SecureMessageSent).sentAt,
      status: failed ? 'failed' : 'sent',
      failure_reason: failed ? (data as SecureMessageSendingFailed).reason : null,
      revision: event.streamRevision,
    })
    .onConflict(['organisation_id', 'message_id'])
    .ignore();
}

async function recordAcknowledgement(event: RecordedEvent, { table }: ProjectionContext): Promise<void> {
  const data = event.data as SecureMessageAcknowledged;
  const where = { organisation_id: event.metadata.organisationId, message_id: data.messageId };
  const message = (await table('sent_messages').where(where).first('recipients', 'service_user_id')) as
    | { recipients: SentRecipientRow[]; service_user_id: string }
    | undefined;
  if (message === undefined) return;
  const recipients = message.recipients.map((recipient) =>
    recipient.address === data.recipient
      ? { ...recipient, status: recipientStatusAfter(recipient.status, data.kind) }
      : recipient,
  );
  await table('sent_messages')
    .where(where)
    .update({
      recipients: JSON.stringify(recipients),
      status: messageStatusOf(Object.fromEntries(recipients.map((recipient) => [recipient.address, recipient.status]))),
      revision: event.streamRevision,
    });
  await table('acknowledgements')
    .insert({
      ...where,
      acknowledgement_id: data.acknowledgementId,
      service_user_id: message.service_user_id,
      recipient: data.recipient,
      kind: data.kind,
      source: data.source,
      received_at: data.receivedAt,
      error_code: data.errorCode ?? null,
      error_label: data.errorLabel ?? null,
    })
    .onConflict(['organisation_id', 'message_id', 'acknowledgement_id'])
    .ignore();
}

async function recordFiled(event: RecordedEvent, { table }: ProjectionContext): Promise<void> {
  const data = event.data as ReceivedSecureMessageFiled;
  const organisation_id = event.metadata.organisationId;
  await table('received_messages')
    .insert({
      organisation_id,
      received_message_id: data.receivedMessageId,
      internet_message_id: data.internetMessageId,
      sender: data.from,
      received_at: data.receivedAt,
      outcome: 'filed',
      service_user_id: data.serviceUserId,
      facility_id: data.facilityId,
      matched_by: data.matchedBy,
      document_count: data.documents.length,
      handled_at: data.filedAt,
    })
    .onConflict(['organisation_id', 'received_message_id'])
    .ignore();
  const results = data.documents.filter((document) => document.kind === 'examResult');
  if (results.length === 0) return;
  await table('exam_results')
    .insert(
      results.map((document) => ({
        organisation_id,
        document_id: document.documentId,
        service_user_id: data.serviceUserId,
        facility_id: data.facilityId,
        received_message_id: data.receivedMessageId,
        sender: data.from,
        received_at: data.receivedAt,
        effective_at: document.effectiveAt ?? null,
        title: document.title,
        type_code: document.typeCode ?? null,
        type_label: document.typeLabel ?? null,
        producer: document.producer ?? null,
      })),
    )
    .onConflict(['organisation_id', 'document_id'])
    .ignore();
}

async function recordRejected(event: RecordedEvent, { table }: ProjectionContext): Promise<void> {
  const data = event.data as ReceivedSecureMessageRejected;
  await table('received_messages')
    .insert({
      organisation_id: event.metadata.organisationId,
      received_message_id: data.receivedMessageId,
      internet_message_id: data.internetMessageId,
      sender: data.from,
      received_at: data.receivedAt,
      outcome: 'rejected',
      document_count: 0,
      error_code: data.errorCode,
      reason: data.reason,
      error_notification_sent: data.errorNotificationSent,
      handled_at: data.rejectedAt,
    })
    .onConflict(['organisation_id', 'received_message_id'])
    .ignore();
}
