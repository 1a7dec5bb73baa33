import MimeNode from 'nodemailer/lib/mime-node';
import { addressOfTypedField, messageIdOf, reportFieldBlocks } from './report-fields.js';

/** What a mail server says of one recipient (RFC 3464 §2.3). */
export interface DeliveryStatusRecipient {
  finalRecipient: string;
  originalRecipient?: string;
  action: 'delivered' | 'failed' | 'delayed' | 'relayed' | 'expanded';
  /** The enhanced status code (RFC 3463): `2.0.0` delivered, `5.1.1` no such mailbox… */
  status: string;
  diagnostic?: string;
}

/** A delivery status notification, as read from a `multipart/report; report-type=delivery-status`. */
export interface DeliveryStatusReport {
  /** The ENVID the sender gave with `MAIL FROM`: ours is the message's id. */
  originalEnvelopeId?: string;
  reportingMta?: string;
  recipients: DeliveryStatusRecipient[];
  /** The Message-ID of the message reported on, from the headers the report returns. */
  originalMessageId?: string;
}

const ACTIONS = new Set(['delivered', 'failed', 'delayed', 'relayed', 'expanded']);

/** Reads the `message/delivery-status` part, and the returned headers when there are some. */
export function readDeliveryStatus(fields: string, returnedHeaders?: string): DeliveryStatusReport {
  const [message, ...perRecipient] = reportFieldBlocks(fields);
  const recipients: DeliveryStatusRecipient[] = [];
  for (const block of perRecipient) {
    const finalRecipient = addressOfTypedField(block.get('final-recipient'));
    const action = block.get('action')?.toLowerCase();
    if (finalRecipient === undefined || action === undefined || !ACTIONS.has(action)) continue;
    const originalRecipient = addressOfTypedField(block.get('original-recipient'));
    const diagnostic = block.get('diagnostic-code');
    recipients.push({
      finalRecipient,
      ...(originalRecipient === undefined ? {} : { originalRecipient }),
      action: action as DeliveryStatusRecipient['action'],
      status: block.get('status') ?? '',
      ...(diagnostic === undefined ? {} : { diagnostic }),
    });
  }
  const envelopeId = message?.get('original-envelope-id');
  const reportingMta = addressOfTypedField(message?.get('reporting-mta'));
  const originalMessageId = messageIdOf(
    returnedHeaders === undefined ? undefined : reportFieldBlocks(returnedHeaders)[0]?.get('message-id'),
  );
  return {
    ...(envelopeId === undefined ? {} : { originalEnvelopeId: envelopeId }),
    ...(reportingMta === undefined ? {} : { reportingMta }),
    recipients,
    ...(originalMessageId === undefined ? {} : { originalMessageId }),
  };
}

/**
 * A DSN as a mail server sends it to the envelope sender (RFC 3464): a French line for people,
 * the machine-readable part, and the headers of the message reported on. The local SMTP server
 * sends one for each recipient whose `NOTIFY` asked for it.
 */
export function buildDeliveryStatusNotification(report: {
  reportingMta: string;
  to: string;
  messageId: string;
  date: Date;
  originalEnvelopeId?: string;
  arrivalDate: Date;
  recipients: readonly DeliveryStatusRecipient[];
  originalHeaders: string;
}): Promise<Buffer> {
  const root = new MimeNode('multipart/report; report-type=delivery-status');
  root.setHeader({
    From: `Serveur de messagerie <mailer-daemon@${report.reportingMta}>`,
    To: report.to,
    Subject: report.recipients.every((recipient) => recipient.action === 'delivered')
      ? 'Avis de remise : message remis'
      : 'Avis de non-remise : message non remis',
    Date: report.date,
    'Message-ID': report.messageId,
    'Auto-Submitted': 'auto-replied',
  });
  root
    .createChild('text/plain; charset=utf-8')
    .setContent(
      report.recipients
        .map((recipient) =>
          recipient.action === 'delivered'
            ? `Le message a été remis à ${recipient.finalRecipient}.`
            : `Le message n’a pas pu être remis à ${recipient.finalRecipient} (${recipient.status}).`,
        )
        .join('\n'),
    );
  const fields = [
    `Reporting-MTA: dns; ${report.reportingMta}`,
    ...(report.originalEnvelopeId === undefined ? [] : [`Original-Envelope-Id: ${report.originalEnvelopeId}`]),
    `Arrival-Date: ${report.arrivalDate.toUTCString()}`,
    '',
    ...report.recipients.flatMap((recipient) => [
      ...(recipient.originalRecipient === undefined
        ? []
        : [`Original-Recipient: rfc822; ${recipient.originalRecipient}`]),
      `Final-Recipient: rfc822; ${recipient.finalRecipient}`,
      `Action: ${recipient.action}`,
      `Status: ${recipient.status}`,
      ...(recipient.diagnostic === undefined ? [] : [`Diagnostic-Code: smtp; ${recipient.diagnostic}`]),
      '',
    ]),
  ];
  root.createChild('message/delivery-status').setContent(fields.join('\r\n'));
  root.createChild('text/rfc822-headers').setContent(report.originalHeaders);
  return root.build();
}
