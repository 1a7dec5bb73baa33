import { type AddressObject, type Attachment, simpleParser } from 'mailparser';
import { type DeliveryStatusReport, readDeliveryStatus } from './acknowledgements/delivery-status.js';
import {
  type DispositionNotification,
  readDispositionNotification,
} from './acknowledgements/disposition-notification.js';
import { messageIdOf } from './acknowledgements/report-fields.js';

/** An attachment of a received message, its bytes in memory. */
export interface IncomingAttachment {
  fileName: string | undefined;
  contentType: string;
  content: Buffer;
}

interface Received {
  /** The message's own Message-ID (`<…>`), or undefined when it has none. */
  messageId: string | undefined;
  from: string | undefined;
  subject: string;
  /** The Date header, or when the mailbox received it. */
  receivedAt: Date;
  /** The bytes as received: what an error MDN returns to the sender. */
  raw: Buffer;
}

/** What the inbox holds: a delivery status from a server, a disposition from a recipient, or a message. */
export type IncomingMail =
  | (Received & { kind: 'delivery-status'; report: DeliveryStatusReport })
  | (Received & { kind: 'disposition-notification'; report: DispositionNotification })
  | (Received & {
      kind: 'message';
      to: string[];
      text: string;
      /** The X-MSS-* headers, and any other as received, by lower-case name. */
      headers: ReadonlyMap<string, string>;
      /** Where the sender asks for an MDN (`Disposition-Notification-To`). */
      dispositionNotificationTo: string | undefined;
      attachments: IncomingAttachment[];
    });

/**
 * Parses a message as received (RFC 5322, MIME): the reports by their `report-type`, anything
 * else as a message with its attachments. Never throws on malformed mail: what cannot be read is
 * an empty part.
 */
export async function readIncomingMail(raw: Buffer, fallbackDate: Date = new Date()): Promise<IncomingMail> {
  const parsed = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true });
  const received: Received = {
    messageId: messageIdOf(parsed.messageId),
    from: firstAddress(parsed.from),
    subject: parsed.subject ?? '',
    receivedAt: parsed.date ?? fallbackDate,
    raw,
  };
  const reportType = reportTypeOf(parsed.headers.get('content-type'));
  const part = (type: string) =>
    parsed.attachments.find((attachment) => attachment.contentType.toLowerCase() === type)?.content.toString('utf8');
  if (reportType === 'delivery-status') {
    const fields = part('message/delivery-status');
    if (fields !== undefined) {
      const headers = part('text/rfc822-headers') ?? headersOfReturnedMessage(parsed.attachments);
      return { ...received, kind: 'delivery-status', report: readDeliveryStatus(fields, headers) };
    }
  }
  if (reportType === 'disposition-notification') {
    const fields = part('message/disposition-notification');
    const report = fields === undefined ? undefined : readDispositionNotification(fields);
    if (report !== undefined) return { ...received, kind: 'disposition-notification', report };
  }
  const headers = new Map<string, string>();
  for (const { key, line } of parsed.headerLines) {
    if (!headers.has(key)) headers.set(key, line.slice(line.indexOf(':') + 1).trim());
  }
  const dispositionTo = parsed.headers.get('disposition-notification-to');
  return {
    ...received,
    kind: 'message',
    to: addressesOf(parsed.to),
    text: parsed.text ?? '',
    headers,
    dispositionNotificationTo: dispositionTo === undefined ? undefined : firstAddress(dispositionTo as AddressObject),
    attachments: parsed.attachments.map((attachment) => ({
      fileName: attachment.filename,
      contentType: attachment.contentType.toLowerCase(),
      content: attachment.content,
    })),
  };
}

function reportTypeOf(contentType: unknown): string | undefined {
  if (typeof contentType !== 'object' || contentType === null || !('value' in contentType)) return undefined;
  const { value, params } = contentType as { value: string; params: Record<string, string> };
  return value.toLowerCase() === 'multipart/report' ? params['report-type']?.toLowerCase() : undefined;
}

function headersOfReturnedMessage(attachments: readonly Attachment[]): string | undefined {
  const returned = attachments.find((attachment) => attachment.contentType.toLowerCase() === 'message/rfc822');
  if (returned === undefined) return undefined;
  const text = returned.content.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

function firstAddress(value: AddressObject | AddressObject[] | undefined): string | undefined {
  return addressesOf(value)[0];
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((object) =>
    object.value.flatMap((entry) => (entry.address ? [entry.address.toLowerCase()] : [])),
  );
}
