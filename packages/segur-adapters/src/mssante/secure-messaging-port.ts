import type { IncomingMail } from './incoming-mail.js';

/** A file joined to a message. */
export interface OutgoingAttachment {
  fileName: string;
  contentType: string;
  content: Buffer;
}

/** A message to send from the organisation's MSSanté mailbox. */
export interface OutgoingMail {
  /** Chosen by the caller (`<uuid@domain>`), so that the acknowledgements can be tied back to it. */
  messageId: string;
  to: readonly string[];
  subject: string;
  text: string;
  /** The MSSanté headers (X-MSS-*), by name. */
  headers: Readonly<Record<string, string>>;
  attachments: readonly OutgoingAttachment[];
  /**
   * Ask for acknowledgements: a delivery status from the recipients' servers (DSN, `NOTIFY`
   * SUCCESS and FAILURE, the message id as ENVID) and a disposition from their systems (MDN,
   * `Disposition-Notification-To` and `Return-Receipt-To`), both to this mailbox.
   */
  acknowledgements: boolean;
}

/** What the submission server took: the recipients it accepted and those it refused at once. */
export interface MailSubmission {
  accepted: string[];
  rejected: string[];
}

/** A pass over the inbox: how many messages were handled, and how many were left for the next pass. */
export interface InboxPass {
  handled: number;
  failed: number;
}

/**
 * The organisation's MSSanté mailbox: sending through its operator's SMTP submission server,
 * reading through its IMAP server. The messages read are handed over one at a time; one handled
 * without error is marked so and never handed over again, one whose handling failed is left for
 * the next pass.
 */
export interface SecureMessaging {
  /** The mailbox's own address: the sender of every message, and where acknowledgements come back. */
  readonly address: string;
  send(mail: OutgoingMail): Promise<MailSubmission>;
  /** Sends a message already built (an MDN) with the null envelope sender, as RFC 8098 asks. */
  sendNotification(to: string, raw: Buffer): Promise<MailSubmission>;
  pollInbox(handle: (mail: IncomingMail) => Promise<void>, options?: { limit?: number }): Promise<InboxPass>;
  close(): Promise<void>;
}

/** The mailbox or its servers cannot be reached: the caller answers that MSSanté is unavailable. */
export class SecureMessagingUnavailable extends Error {
  override readonly name = 'SecureMessagingUnavailable';
}

/** The submission server refused the message as a whole (no recipient accepted, too large…). */
export class SecureMessageRefused extends Error {
  override readonly name = 'SecureMessageRefused';
  constructor(
    message: string,
    readonly rejected: readonly string[],
  ) {
    super(message);
  }
}
