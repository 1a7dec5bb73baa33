import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { buildDeliveryStatusNotification, type DeliveryStatusRecipient } from '../acknowledgements/delivery-status.js';
import { isLocalMailboxAddress, type MaildirStore } from './maildir.js';

/** One message the local SMTP server accepted: its envelope and bytes, as they were received. */
export interface LocalDelivery {
  /** The envelope sender; empty for a notification (null sender). */
  from: string;
  to: string[];
  raw: Buffer;
  receivedAt: Date;
}

export interface LocalSmtpServer {
  host: string;
  port: number;
  readonly deliveries: readonly LocalDelivery[];
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Reserved by RFC 2606: an address there never exists, which lets a test see a refusal. */
const NOWHERE = /\.invalid$/;

/**
 * An SMTP server on loopback that delivers into local Maildirs (read by Dovecot over IMAP). It
 * asks for authentication (PLAIN or LOGIN, the users' passwords), accepts any well-formed address
 * (an address of no user still gets a Maildir, for a test to read), refuses `*.invalid`, and
 * speaks DSN (RFC 3461): a recipient whose `NOTIFY` includes SUCCESS gets its sender a delivery
 * status notification, as an operator's server would send.
 */
export async function startLocalSmtpServer(options: {
  users: ReadonlyMap<string, string>;
  maildirs: MaildirStore;
  hostname: string;
}): Promise<LocalSmtpServer> {
  const { users, maildirs, hostname } = options;
  const deliveries: LocalDelivery[] = [];

  const deliver = async (delivery: LocalDelivery) => {
    for (const recipient of delivery.to) await maildirs.deliver(recipient, delivery.raw);
    deliveries.push(delivery);
  };

  const notifySuccess = async (session: SMTPServerSession, raw: Buffer, arrivalDate: Date) => {
    const sender = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address.toLowerCase();
    const asked = session.envelope.rcptTo.filter((recipient) => recipient.dsn?.notify?.includes('SUCCESS'));
    if (sender === '' || asked.length === 0) return;
    const recipients: DeliveryStatusRecipient[] = asked.map((recipient) => {
      const original = recipient.dsn?.orcpt?.replace(/^rfc822;/i, '');
      return {
        finalRecipient: recipient.address.toLowerCase(),
        ...(original === undefined ? {} : { originalRecipient: original }),
        action: 'delivered',
        status: '2.0.0',
      };
    });
    const envelopeId = session.envelope.dsn?.envid ?? undefined;
    const notification = await buildDeliveryStatusNotification({
      reportingMta: hostname,
      to: sender,
      messageId: `<${randomUUID()}@${hostname}>`,
      date: new Date(),
      ...(envelopeId ? { originalEnvelopeId: envelopeId } : {}),
      arrivalDate,
      recipients,
      originalHeaders: headersOf(raw),
    });
    await deliver({ from: '', to: [sender], raw: notification, receivedAt: new Date() });
  };

  const server = new SMTPServer({
    name: hostname,
    banner: 'serveur MSSanté local (DUI-PDS), pour les essais',
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    hideDSN: false,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = users.get((auth.username ?? '').toLowerCase());
      if (expected === undefined || expected !== auth.password) {
        callback(Object.assign(new Error('identifiants refusés'), { responseCode: 535 }));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const recipient = address.address.toLowerCase();
      if (!isLocalMailboxAddress(recipient)) {
        callback(Object.assign(new Error('adresse refusée'), { responseCode: 553 }));
        return;
      }
      if (NOWHERE.test(recipient)) {
        callback(Object.assign(new Error('boîte inconnue'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error('message trop volumineux'), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const receivedAt = new Date();
        const delivery: LocalDelivery = {
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address.toLowerCase(),
          to: session.envelope.rcptTo.map((recipient) => recipient.address.toLowerCase()),
          raw,
          receivedAt,
        };
        deliver(delivery)
          .then(() => notifySuccess(session, raw, receivedAt))
          .then(() => callback(), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The header block of a message, returned in a DSN (RET=HDRS). */
function headersOf(raw: Buffer): string {
  const text = raw.toString('utf8');
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}
