import { readFile } from 'node:fs/promises';

/** Whose the mail files are: Dovecot refuses to open mailboxes as root. */
export interface MailboxOwner {
  uid: number;
  gid: number;
  /** This process is root: files it writes are handed to `uid` and `gid`. */
  runAsRoot: boolean;
}

/**
 * As root (CI), the `dovecot` system user that Debian's package creates owns the mailboxes; as
 * anyone else, that user does, and Dovecot runs as them too.
 */
export async function mailboxOwner(): Promise<MailboxOwner> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid !== 0) return { uid, gid, runAsRoot: false };
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith('dovecot:'));
  const [, , userId, groupId] = line?.split(':') ?? [];
  if (userId === undefined || groupId === undefined) {
    throw new Error(
      'l’utilisateur système « dovecot » est introuvable : réinstallez dovecot-imapd (apt-get install --reinstall dovecot-imapd)',
    );
  }
  return { uid: Number(userId), gid: Number(groupId), runAsRoot: true };
}
