import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DovecotServer, startDovecot } from '../mssante/local/dovecot-server.js';
import { type LocalDelivery, type LocalSmtpServer, startLocalSmtpServer } from '../mssante/local/local-smtp-server.js';
import { mailboxOwner } from '../mssante/local/mailbox-owner.js';
import { isLocalMailboxAddress, MaildirStore } from '../mssante/local/maildir.js';

export type { LocalDelivery } from '../mssante/local/local-smtp-server.js';

/** A mailbox of the local servers: its address is also its IMAP and SMTP login. */
export interface LocalMailUser {
  address: string;
  password: string;
}

export interface LocalMailServers {
  smtp: { host: string; port: number };
  imap: { host: string; port: number };
  users: readonly LocalMailUser[];
  /** Every message the SMTP server accepted, notifications included, in order. */
  readonly deliveries: readonly LocalDelivery[];
  /** The first delivery (already there, or to come) that `matches`; fails after `timeoutMs`. */
  waitForDelivery(matches: (delivery: LocalDelivery) => boolean, timeoutMs?: number): Promise<LocalDelivery>;
  close(): Promise<void>;
}

/**
 * Real mail servers on loopback, for the tests and the embedded default: an SMTP server
 * (`smtp-server`) that delivers into Maildirs, and Debian's Dovecot serving them over IMAP, with
 * a configuration generated in a temporary directory. Dovecot is required: without it this
 * fails, saying how to install it, rather than letting a test pass on nothing.
 */
export async function startLocalMailServers(
  options: { users?: readonly LocalMailUser[]; hostname?: string } = {},
): Promise<LocalMailServers> {
  const users = (
    options.users ?? [{ address: 'dui@localhost.mssante.fr', password: randomBytes(12).toString('hex') }]
  ).map((user) => ({ address: user.address.toLowerCase(), password: user.password }));
  for (const user of users) {
    if (!isLocalMailboxAddress(user.address) || /[:\n\r]/.test(user.password)) {
      throw new Error(
        `boîte locale invalide : ${user.address} (adresse simple, mot de passe sans « : » ni saut de ligne)`,
      );
    }
  }
  const directory = await mkdtemp(join(tmpdir(), 'dui-mail-'));
  let dovecot: DovecotServer | undefined;
  let smtp: LocalSmtpServer | undefined;
  try {
    // Dovecot's own processes go through it to the users file and the mailboxes
    await chmod(directory, 0o711);
    const owner = await mailboxOwner();
    const maildirs = new MaildirStore(join(directory, 'mail'), owner);
    await maildirs.prepare();
    for (const user of users) await maildirs.ensureMailbox(user.address);
    const passwdFile = join(directory, 'users');
    await writeFile(passwdFile, users.map((user) => `${user.address}:{PLAIN}${user.password}\n`).join(''), {
      mode: 0o600,
    });
    if (owner.runAsRoot) await chown(passwdFile, owner.uid, owner.gid);
    await mkdir(join(directory, 'run'));
    await mkdir(join(directory, 'state'));
    dovecot = await startDovecot({ directory, mailRoot: maildirs.root, passwdFile });
    smtp = await startLocalSmtpServer({
      users: new Map(users.map((user) => [user.address, user.password])),
      maildirs,
      hostname: options.hostname ?? 'mail.localhost',
    });
  } catch (error) {
    await smtp?.close();
    await dovecot?.stop();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const started = { smtp, dovecot };
  return {
    smtp: { host: started.smtp.host, port: started.smtp.port },
    imap: { host: started.dovecot.host, port: started.dovecot.port },
    users,
    get deliveries() {
      return started.smtp.deliveries;
    },
    async waitForDelivery(matches, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = started.smtp.deliveries.find(matches);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`aucun message attendu n’a été remis en ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await started.smtp.close();
      await started.dovecot.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
