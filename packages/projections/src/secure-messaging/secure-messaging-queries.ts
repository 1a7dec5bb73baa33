import type { RecipientStatus, SecureMessageDocument } from '@dui-pds/domain';
import type { Knex } from 'knex';
import type { SentRecipientRow } from './secure-messaging-projection.js';

/** One acknowledgement of a sent message: from whom, what it said, when. */
export interface AcknowledgementView {
  recipient: string;
  kind: string;
  source: 'dsn' | 'mdn';
  receivedAt: string;
  errorCode: string | null;
  errorLabel: string | null;
}

/** A message sent by MSSanté, with its recipients' states and the acknowledgements received. */
export interface SentSecureMessageView {
  messageId: string;
  internetMessageId: string;
  serviceUserId: string;
  facilityId: string;
  from: string;
  recipients: SentRecipientRow[];
  documents: SecureMessageDocument[];
  insIncluded: boolean;
  sentBy: string;
  sentAt: string;
  status: RecipientStatus;
  failureReason: 'refused' | 'unavailable' | null;
  acknowledgements: AcknowledgementView[];
  revision: number;
}

/** An exam result received by MSSanté and filed into the record. */
export interface ExamResultView {
  documentId: string;
  serviceUserId: string;
  facilityId: string;
  /** When the exam was reported (the document's date), when the document gives it. */
  effectiveAt: string | null;
  receivedAt: string;
  /** The sender's MSSanté address, and who produced the result (the laboratory). */
  sender: string;
  producer: string | null;
  title: string;
  typeCode: string | null;
  typeLabel: string | null;
}

interface SentRow {
  message_id: string;
  internet_message_id: string;
  service_user_id: string;
  facility_id: string;
  sender: string;
  recipients: SentRecipientRow[];
  documents: SecureMessageDocument[];
  ins_included: boolean;
  sent_by: string;
  sent_at: string;
  status: RecipientStatus;
  failure_reason: 'refused' | 'unavailable' | null;
  revision: number;
}

/** The messages sent for a usager from one ESSMS, the latest first. */
export async function sentSecureMessagesOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<SentSecureMessageView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('sent_messages')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .orderBy([
      { column: 'sent_at', order: 'desc' },
      { column: 'message_id', order: 'desc' },
    ])) as SentRow[];
  if (rows.length === 0) return [];
  const acknowledgements = (await db
    .withSchema(readSchema)
    .from('acknowledgements')
    .where({ organisation_id: where.organisationId })
    .whereIn(
      'message_id',
      rows.map((row) => row.message_id),
    )
    .orderBy([
      { column: 'received_at', order: 'asc' },
      { column: 'acknowledgement_id', order: 'asc' },
    ])) as (AcknowledgementRow & { message_id: string })[];
  return rows.map((row) =>
    viewOf(
      row,
      acknowledgements.filter((acknowledgement) => acknowledgement.message_id === row.message_id),
    ),
  );
}

/** The sent message an acknowledgement names by its Message-ID, or undefined. */
export async function sentSecureMessageByInternetId(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; internetMessageId: string },
): Promise<{ messageId: string; serviceUserId: string; facilityId: string; recipients: string[] } | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('sent_messages')
    .where({ organisation_id: where.organisationId, internet_message_id: where.internetMessageId })
    .first('message_id', 'service_user_id', 'facility_id', 'recipients')) as
    | Pick<SentRow, 'message_id' | 'service_user_id' | 'facility_id' | 'recipients'>
    | undefined;
  return row === undefined
    ? undefined
    : {
        messageId: row.message_id,
        serviceUserId: row.service_user_id,
        facilityId: row.facility_id,
        recipients: row.recipients.map((recipient) => recipient.address),
      };
}

/** The exam results filed into a usager's record in one ESSMS, the latest exam first. */
export async function examResultsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<ExamResultView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('exam_results')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .orderByRaw('coalesce(effective_at, received_at) desc, document_id')) as ExamResultRow[];
  return rows.map((row) => ({
    documentId: row.document_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    effectiveAt: row.effective_at,
    receivedAt: row.received_at,
    sender: row.sender,
    producer: row.producer,
    title: row.title,
    typeCode: row.type_code,
    typeLabel: row.type_label,
  }));
}

/** What became of a received message: filed (into which record) or rejected (with which code); undefined if never handled. */
export async function receivedSecureMessageById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; receivedMessageId: string },
): Promise<
  | { outcome: 'filed'; serviceUserId: string; facilityId: string; documentCount: number }
  | { outcome: 'rejected'; errorCode: string; errorNotificationSent: boolean }
  | undefined
> {
  const row = (await db
    .withSchema(readSchema)
    .from('received_messages')
    .where({ organisation_id: where.organisationId, received_message_id: where.receivedMessageId })
    .first()) as
    | {
        outcome: 'filed' | 'rejected';
        service_user_id: string | null;
        facility_id: string | null;
        document_count: number;
        error_code: string | null;
        error_notification_sent: boolean | null;
      }
    | undefined;
  if (row === undefined) return undefined;
  return row.outcome === 'filed'
    ? {
        outcome: 'filed',
        serviceUserId: row.service_user_id as string,
        facilityId: row.facility_id as string,
        documentCount: Number(row.document_count),
      }
    : {
        outcome: 'rejected',
        errorCode: row.error_code as string,
        errorNotificationSent: row.error_notification_sent === true,
      };
}

interface AcknowledgementRow {
  recipient: string;
  kind: string;
  source: 'dsn' | 'mdn';
  received_at: string;
  error_code: string | null;
  error_label: string | null;
}

interface ExamResultRow {
  document_id: string;
  service_user_id: string;
  facility_id: string;
  effective_at: string | null;
  received_at: string;
  sender: string;
  producer: string | null;
  title: string;
  type_code: string | null;
  type_label: string | null;
}

function viewOf(row: SentRow, acknowledgements: AcknowledgementRow[]): SentSecureMessageView {
  return {
    messageId: row.message_id,
    internetMessageId: row.internet_message_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    from: row.sender,
    recipients: row.recipients,
    documents: row.documents,
    insIncluded: row.ins_included,
    sentBy: row.sent_by,
    sentAt: row.sent_at,
    status: row.status,
    failureReason: row.failure_reason,
    acknowledgements: acknowledgements.map((acknowledgement) => ({
      recipient: acknowledgement.recipient,
      kind: acknowledgement.kind,
      source: acknowledgement.source,
      receivedAt: acknowledgement.received_at,
      errorCode: acknowledgement.error_code,
      errorLabel: acknowledgement.error_label,
    })),
    revision: Number(row.revision),
  };
}
