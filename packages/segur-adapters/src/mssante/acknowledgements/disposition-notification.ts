import MimeNode from 'nodemailer/lib/mime-node';
import { addressOfTypedField, messageIdOf, reportFieldBlocks } from './report-fields.js';

export const DISPOSITION_TYPES = ['displayed', 'dispatched', 'processed', 'deleted'] as const;
export type DispositionType = (typeof DISPOSITION_TYPES)[number];

/** An integration error as the CI-SIS volet carries it in the disposition: `902^Identifiant patient inconnu`. */
export interface DispositionError {
  code: string;
  label: string;
}

/** What a recipient's system did with a message (RFC 8098 §3.2.6), and the error when it failed. */
export interface Disposition {
  actionMode: 'manual-action' | 'automatic-action';
  sendingMode: 'MDN-sent-manually' | 'MDN-sent-automatically';
  type: DispositionType;
  error?: DispositionError;
}

/** A message disposition notification, as read from a `multipart/report; report-type=disposition-notification`. */
export interface DispositionNotification {
  /** The Message-ID of the message it reports on. */
  originalMessageId?: string;
  originalRecipient?: string;
  finalRecipient: string;
  disposition: Disposition;
}

/** The table the CI-SIS volet names for the integration errors (user-defined applicationErrorCondition). */
const ERROR_TABLE = 'applicationErrorCondition';

export function dispositionField(disposition: Disposition): string {
  const modifier =
    disposition.error === undefined
      ? ''
      : `/Error: ${disposition.error.code}^${disposition.error.label}^${ERROR_TABLE}|E^Error^errorSeverity`;
  return `${disposition.actionMode}/${disposition.sendingMode}; ${disposition.type}${modifier}`;
}

/**
 * Reads a `Disposition:` field: `automatic-action/MDN-sent-automatically; processed`, or with the
 * volet's error modifier `processed/Error: 902^Identifiant patient inconnu^…`; undefined when it
 * does not read as one.
 */
export function readDisposition(value: string): Disposition | undefined {
  const match = value.match(
    /^\s*(manual-action|automatic-action)\s*\/\s*(MDN-sent-manually|MDN-sent-automatically)\s*;\s*(displayed|dispatched|processed|deleted)\s*(?:\/\s*(.*))?$/i,
  );
  if (!match) return undefined;
  const [, actionMode, sendingMode, type, modifier] = match;
  const disposition: Disposition = {
    actionMode: actionMode?.toLowerCase() === 'manual-action' ? 'manual-action' : 'automatic-action',
    sendingMode: sendingMode?.toLowerCase() === 'mdn-sent-manually' ? 'MDN-sent-manually' : 'MDN-sent-automatically',
    type: type?.toLowerCase() as DispositionType,
  };
  if (modifier !== undefined && /^error/i.test(modifier.trim())) {
    const coded = modifier.match(/^error\s*:?\s*(\d{3})\^([^^|]*)/i);
    disposition.error = coded
      ? { code: coded[1] as string, label: (coded[2] as string).trim() }
      : { code: '', label: modifier.replace(/^error\s*:?\s*/i, '').trim() };
  }
  return disposition;
}

/** Reads the `message/disposition-notification` part; undefined without a Final-Recipient or a Disposition. */
export function readDispositionNotification(fields: string): DispositionNotification | undefined {
  const [block] = reportFieldBlocks(fields);
  const finalRecipient = addressOfTypedField(block?.get('final-recipient'));
  const disposition = readDisposition(block?.get('disposition') ?? '');
  if (finalRecipient === undefined || disposition === undefined) return undefined;
  const originalMessageId = messageIdOf(block?.get('original-message-id'));
  const originalRecipient = addressOfTypedField(block?.get('original-recipient'));
  return {
    ...(originalMessageId === undefined ? {} : { originalMessageId }),
    ...(originalRecipient === undefined ? {} : { originalRecipient }),
    finalRecipient,
    disposition,
  };
}

/** An attachment of the original message, returned with an error MDN (IHE_XDM.ZIP, the PDF). */
export interface ReturnedAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/**
 * An MDN as the CI-SIS volet « transmission de documents CDA par courriel MSSanté » describes it:
 * `multipart/report; report-type=disposition-notification` with a French text naming the error,
 * the machine-readable part (Final-Recipient, Original-Recipient, Original-Message-ID,
 * Disposition), the original message, then the original's attachments. An error MDN's subject is
 * `[KO Intégration système !][<code>] ` followed by the original subject.
 */
export function buildDispositionNotification(notification: {
  from: string;
  to: string;
  messageId: string;
  date: Date;
  original: { messageId: string; recipient: string; subject: string; raw: Buffer };
  disposition: Disposition;
  returnedAttachments?: readonly ReturnedAttachment[];
}): Promise<Buffer> {
  const { original, disposition } = notification;
  const subject =
    disposition.error === undefined
      ? original.subject
      : `[KO Intégration système !][${disposition.error.code}] ${original.subject}`;
  const root = new MimeNode('multipart/report; report-type=disposition-notification');
  root.setHeader({
    From: notification.from,
    To: notification.to,
    Subject: subject,
    Date: notification.date,
    'Message-ID': notification.messageId,
    'In-Reply-To': original.messageId,
    References: original.messageId,
    'Auto-Submitted': 'auto-replied',
  });
  root.createChild('text/plain; charset=utf-8').setContent(humanText(disposition));
  root
    .createChild('message/disposition-notification')
    .setContent(
      [
        `Original-Recipient: rfc822;${original.recipient}`,
        `Final-Recipient: rfc822;${notification.from}`,
        `Original-Message-ID: ${original.messageId}`,
        `Disposition: ${dispositionField(disposition)}`,
        '',
      ].join('\r\n'),
    );
  root.createChild('message/rfc822').setContent(original.raw);
  for (const attachment of notification.returnedAttachments ?? []) {
    root.createChild(attachment.contentType, { filename: attachment.fileName }).setContent(attachment.content);
  }
  return root.build();
}

function humanText(disposition: Disposition): string {
  if (disposition.error !== undefined) {
    return [
      'Le document n’a pas pu être intégré automatiquement dans le dossier de l’usager.',
      `Le système a retourné l’erreur ${disposition.error.code}^${disposition.error.label}.`,
      'Le message d’origine et ses pièces jointes sont joints à cet accusé.',
    ].join('\n');
  }
  return disposition.type === 'displayed'
    ? 'Le message a été lu par son destinataire.'
    : 'Le message a été intégré au dossier de l’usager.';
}
