import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  type ScryptOptions,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * The portal's secrets, kept out of the domain (which does no I/O and draws no random):
 *
 * - Passwords: scrypt (memory-hard, in Node's crypto: no native add-on to build), N = 2^15, r = 8,
 *   p = 1, i.e. 32 MiB and about 0.1 s per hash on a server core (OWASP's minimum for scrypt is
 *   N = 2^17 with r = 8 at 128 MiB; we stay at 32 MiB for a 2-core host and rely on the lockout),
 *   16-byte random salt, 32-byte key, stored as a PHC-like string `$scrypt$ln=15,r=8,p=1$salt$hash`
 *   so that the parameters can be raised later and old hashes still verified.
 * - One-time codes: TOTP (RFC 6238) with `otpauth`, SHA-1, 6 digits, 30 s, a 160-bit secret;
 *   one step of drift accepted either way.
 * - The TOTP secret must be readable by the server to check a code (unlike a password), so it is
 *   kept sealed: AES-256-GCM under a key derived (HKDF-SHA-256) from the server's master key. The
 *   event store already encrypts the event with the usager's key (crypto-shredding); the seal
 *   keeps the secret out of anything that reads events decrypted (exports, audits, projections).
 * - Invitation tokens: 256 random bits, base64url; only their SHA-256 is recorded.
 */
const SCRYPT_LOG_N = 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
export const MIN_PASSWORD_LENGTH = 12;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, {
    N: 2 ** SCRYPT_LOG_N,
    r: SCRYPT_R,
    p: SCRYPT_P,
    maxmem: SCRYPT_MAXMEM,
  });
  return `$scrypt$ln=${SCRYPT_LOG_N},r=${SCRYPT_R},p=${SCRYPT_P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time; `undefined` (an unknown login) still costs one hash, so that timing tells nothing. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = PHC.exec(stored ?? '');
  if (parsed === null) {
    await hashPassword(password);
    return false;
  }
  const [, ln, r, p, salt, hash] = parsed as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: 2 ** Number(ln),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT_MAXMEM,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** French refusals of a password that is too weak to be accepted; empty when it is acceptable. */
export function passwordProblems(password: string, login: string): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`Le mot de passe doit compter au moins ${MIN_PASSWORD_LENGTH} caractères.`);
  }
  if (password.length > 200) problems.push('Le mot de passe ne doit pas dépasser 200 caractères.');
  if (login.length > 0 && password.toLowerCase().includes(login.toLowerCase())) {
    problems.push('Le mot de passe ne doit pas contenir votre identifiant.');
  }
  return problems;
}

/** A new TOTP secret, base32 (what an authenticator app asks for). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secretBase32: string, label = 'portail', issuer = 'DUI-PDS'): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The `otpauth://` URI an authenticator app can import. */
export function totpUri(secretBase32: string, login: string): string {
  return totpOf(secretBase32, login).toString();
}

/** The time step the code matches at `now` (one step of drift either way), or undefined. */
export function totpStepOf(secretBase32: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return undefined;
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

/** The code of the step at `now`, for tests that play the authenticator app. */
export function totpCodeAt(secretBase32: string, now: Date): string {
  return totpOf(secretBase32).generate({ timestamp: now.getTime() });
}

/**
 * The seal key's value in a database first started before the deployment's secrets were stored
 * (ADR 0020): derived from the master key of the time.
 */
export function deriveTotpSealKey(masterKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'dui-pds portal totp secret v1', 32));
}

/** Seals and opens TOTP secrets under the deployment's seal key. */
export class TotpSecretSeal {
  private readonly key: Buffer;

  /** `key`: the deployment's portal TOTP seal key (`loadDeploymentSecrets`). */
  constructor(key: Buffer) {
    this.key = Buffer.from(key);
  }

  seal(secretBase32: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
    return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** Undefined when the seal is not ours or was tampered with. */
  open(sealed: string): string | undefined {
    const [version, iv, data, tag] = sealed.split('.');
    if (version !== 'v1' || iv === undefined || data === undefined || tag === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

/** 256 random bits, base64url: what the invitee receives. */
export function newInvitationToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is recorded of an invitation token. */
export function invitationDigestOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
