import { randomBytes } from 'node:crypto';
import { chown, mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { MailboxOwner } from './mailbox-owner.js';

/** The addresses a local mailbox may have: they name a directory, so nothing else gets in. */
const LOCAL_ADDRESS = /^[a-z0-9][a-z0-9._+-]{0,63}@[a-z0-9][a-z0-9.-]{0,252}$/;

export function isLocalMailboxAddress(address: string): boolean {
  return LOCAL_ADDRESS.test(address) && !address.includes('..');
}

/**
 * One Maildir per address under `root` (`<root>/<address>/Maildir`), as Dovecot reads them with
 * `mail_location = maildir:~/Maildir` and home `<root>/%u`. A message is written in `tmp/` and
 * moved to `new/`, so that a reader never sees half of it.
 */
export class MaildirStore {
  #sequence = 0;

  constructor(
    readonly root: string,
    private readonly owner: MailboxOwner,
  ) {}

  async prepare(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await this.#own(this.root);
  }

  /** Creates the address's Maildir when it has none. */
  async ensureMailbox(address: string): Promise<string> {
    const key = address.toLowerCase();
    if (!isLocalMailboxAddress(key)) throw new Error(`adresse de boîte locale invalide : ${address}`);
    const home = join(this.root, key);
    const maildir = join(home, 'Maildir');
    for (const directory of [home, maildir, ...['tmp', 'new', 'cur'].map((part) => join(maildir, part))]) {
      await mkdir(directory, { recursive: true });
      await this.#own(directory);
    }
    return maildir;
  }

  async deliver(address: string, raw: Buffer): Promise<void> {
    const maildir = await this.ensureMailbox(address);
    this.#sequence += 1;
    const name = `${Date.now()}.P${process.pid}Q${this.#sequence}R${randomBytes(4).toString('hex')}.${hostname().replace(/[/:]/g, '_')}`;
    const staged = join(maildir, 'tmp', name);
    await writeFile(staged, raw);
    await this.#own(staged);
    await rename(staged, join(maildir, 'new', name));
  }

  async #own(path: string): Promise<void> {
    if (this.owner.runAsRoot) await chown(path, this.owner.uid, this.owner.gid);
  }
}
