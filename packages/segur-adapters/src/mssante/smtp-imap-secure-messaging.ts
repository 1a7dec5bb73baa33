import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { type IncomingMail, readIncomingMail } from './incoming-mail.js';
import {
  type InboxPass,
  type MailSubmission,
  type OutgoingMail,
  SecureMessageRefused,
  type SecureMessaging,
  SecureMessagingUnavailable,
} from './secure-messaging-port.js';

export interface SmtpImapSecureMessagingConfig {
  /** The mailbox's MSSanté address. */
  address: string;
  /** `smtps://host:465`, or `smtp://host:587` (STARTTLS when `requireTls`). */
  smtpUrl: string;
  /** `imaps://host:993`, or `imap://host:143` (STARTTLS when `requireTls`). */
  imapUrl: string;
  user: string;
  password: string;
  /** Never in clear: STARTTLS is required on `smtp://` and `imap://` (always, outside loopback tests). */
  requireTls: boolean;
  /** Extra trust for the operator's servers (PEM), for a private authority. */
  ca?: string;
}

/** The keyword a handled message gets, so that a later pass skips it (the mailbox may be read by people too). */
export const HANDLED_KEYWORD = '$DuiHandled';
const DEFAULT_PASS_LIMIT = 50;

/**
 * The MSSanté mailbox over its operator's standard protocols: SMTP submission (nodemailer) with
 * DSN, and IMAP (imapflow). Each pass over the inbox opens a connection, takes the messages that
 * have no `$DuiHandled` keyword (at most `limit`), hands them over one at a time, marks those
 * handled (seen, and the keyword), and closes.
 */
export class SmtpImapSecureMessaging implements SecureMessaging {
  readonly address: string;
  readonly #transport: Transporter;
  readonly #imap: ImapFlowOptions;

  constructor(config: SmtpImapSecureMessagingConfig) {
    this.address = config.address.toLowerCase();
    const smtp = new URL(config.smtpUrl);
    const smtpSecure = smtp.protocol === 'smtps:';
    this.#transport = nodemailer.createTransport({
      host: smtp.hostname,
      port: Number(smtp.port) || (smtpSecure ? 465 : 587),
      secure: smtpSecure,
      requireTLS: !smtpSecure && config.requireTls,
      ignoreTLS: !smtpSecure && !config.requireTls,
      auth: { user: config.user, pass: config.password },
      ...(config.ca === undefined ? {} : { tls: { ca: config.ca } }),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
    });
    const imap = new URL(config.imapUrl);
    const imapSecure = imap.protocol === 'imaps:';
    this.#imap = {
      host: imap.hostname,
      port: Number(imap.port) || (imapSecure ? 993 : 143),
      secure: imapSecure,
      auth: { user: config.user, pass: config.password },
      logger: false,
      disableAutoIdle: true,
      ...(config.ca === undefined ? {} : { tls: { ca: config.ca } }),
      // STARTTLS forced, or never tried on a plain loopback test server
      ...({ doSTARTTLS: imapSecure ? undefined : config.requireTls } as object),
    };
  }

  async send(mail: OutgoingMail): Promise<MailSubmission> {
    const acknowledgements = mail.acknowledgements
      ? { 'Disposition-Notification-To': this.address, 'Return-Receipt-To': this.address }
      : {};
    return this.#submit({
      from: this.address,
      to: [...mail.to],
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      headers: { ...mail.headers, ...acknowledgements },
      attachments: mail.attachments.map((attachment) => ({
        filename: attachment.fileName,
        contentType: attachment.contentType,
        content: attachment.content,
      })),
      envelope: { from: this.address, to: [...mail.to] },
      ...(mail.acknowledgements
        ? {
            dsn: {
              id: mail.messageId.replace(/^<|>$/g, ''),
              return: 'headers',
              notify: ['success', 'failure', 'delay'],
            },
          }
        : {}),
    });
  }

  sendNotification(to: string, raw: Buffer): Promise<MailSubmission> {
    return this.#submit({ envelope: { from: '', to: [to] }, raw });
  }

  async pollInbox(handle: (mail: IncomingMail) => Promise<void>, options: { limit?: number } = {}): Promise<InboxPass> {
    const client = new ImapFlow(this.#imap);
    // a dropped connection is reported by the pass that used it, not as an unhandled event
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      throw new SecureMessagingUnavailable(`le serveur IMAP de la messagerie ne répond pas : ${reason(error)}`);
    }
    const pass: InboxPass = { handled: 0, failed: 0 };
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const found = await client.search({ unKeyword: HANDLED_KEYWORD, deleted: false }, { uid: true });
        const uids = (found || []).slice(0, options.limit ?? DEFAULT_PASS_LIMIT);
        if (uids.length === 0) return pass;
        const fetched = await client.fetchAll(uids, { uid: true, source: true, internalDate: true }, { uid: true });
        for (const message of fetched) {
          if (message.source === undefined) continue;
          const receivedAt = message.internalDate === undefined ? new Date() : new Date(message.internalDate);
          try {
            await handle(await readIncomingMail(message.source, receivedAt));
            await client.messageFlagsAdd(message.uid, ['\\Seen', HANDLED_KEYWORD], { uid: true });
            pass.handled += 1;
          } catch {
            pass.failed += 1;
          }
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return pass;
  }

  async close(): Promise<void> {
    this.#transport.close();
  }

  async #submit(message: SendMailOptions): Promise<MailSubmission> {
    try {
      const info = await this.#transport.sendMail(message);
      return { accepted: (info.accepted ?? []).map(addressOf), rejected: (info.rejected ?? []).map(addressOf) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EENVELOPE' || code === 'EMESSAGE') {
        const rejected = ((error as { rejected?: unknown[] }).rejected ?? []).map(addressOf);
        throw new SecureMessageRefused(`le serveur de messagerie refuse le message : ${reason(error)}`, rejected);
      }
      throw new SecureMessagingUnavailable(`le serveur SMTP de la messagerie ne répond pas : ${reason(error)}`);
    }
  }
}

function addressOf(value: unknown): string {
  if (typeof value === 'string') return value.toLowerCase();
  const address = (value as { address?: string } | undefined)?.address;
  return (address ?? String(value)).toLowerCase();
}

/** The error's kind and first line: enough to diagnose, nothing of the message itself. */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return 'erreur inconnue';
  const code = (error as { code?: string }).code;
  return `${code ?? error.name}: ${error.message.split('\n')[0]}`;
}
