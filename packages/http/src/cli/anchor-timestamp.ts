import { readFile } from 'node:fs/promises';
import {
  type CheckedToken,
  parsePemCertificates,
  parsePemRevocationLists,
  type TimestampCheck,
  type TimestampProblem,
} from '@dui-pds/eventstore';
import { UsageError } from './cli-errors.js';

const PROBLEMS: Record<TimestampProblem, string> = {
  imprint: 'le jeton d’horodatage ne porte pas sur l’empreinte de cette ancre',
  signature: 'la signature du jeton d’horodatage ne correspond plus à son contenu (jeton modifié)',
  untrusted:
    'l’autorité d’horodatage n’est pas reconnue par les certificats de confiance donnés, ' +
    'ou son certificat n’est pas un certificat d’horodatage',
  time: 'la date d’horodatage écrite dans l’ancre n’est pas celle de son jeton',
  malformed: 'le jeton d’horodatage de l’ancre est illisible',
  revoked:
    'le certificat de l’autorité d’horodatage est révoqué (clé compromise, ou révocation antérieure à ' +
    'l’horodatage) : ses jetons ne prouvent plus rien',
  'revocation-unknown':
    'aucune des listes de révocation données n’est celle de l’émetteur du certificat de l’autorité ' +
    'd’horodatage, signée par lui et en vigueur à la date du jeton',
};

export const TSA_URL_OPTION = ['--tsa <url>', 'autorité d’horodatage RFC 3161 (par défaut : DUI_TSA_URL)'] as const;
export const TSA_CA_OPTION = [
  '--tsa-ca <fichier>',
  'certificats PEM de l’autorité d’horodatage ou de sa racine (par défaut : DUI_TSA_CA)',
] as const;

export const TSA_CRL_OPTION = [
  '--tsa-crl <fichier>',
  'listes de révocation PEM de l’émetteur de l’autorité d’horodatage, avec --tsa-ca (par défaut : DUI_TSA_CRL)',
] as const;

export interface TimestampAuthoritySetting {
  /** Without the user and password it may have held. */
  url: string;
  credentials?: { user: string; password: string };
}

/**
 * The authority from `--tsa` or `DUI_TSA_URL`, checked before the log is walked. A user and
 * password in the URL (an authority that asks for them) are taken out of it: they are sent as HTTP
 * Basic, never written in the anchor nor printed.
 */
export function timestampAuthoritySetting(value: string | undefined): TimestampAuthoritySetting | undefined {
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new UsageError('l’autorité d’horodatage (--tsa ou DUI_TSA_URL) doit être une URL http ou https');
  if (url.username === '' && url.password === '') return { url: url.href };
  const credentials = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  return { url: url.href, credentials };
}

/**
 * The certificates a time-stamp must chain to, read from `--tsa-ca` or `DUI_TSA_CA`; checked now,
 * so that a wrong file fails before the log is walked.
 */
export async function readTrustedCertificates(path: string | undefined): Promise<string | undefined> {
  if (path === undefined || path === '') return undefined;
  return readPemFile(path, parsePemCertificates, {
    what: 'les certificats de confiance',
    none: 'aucun certificat X.509 lisible',
  });
}

/**
 * The revocation lists a time-stamp's authority is checked against, read from `--tsa-crl` or
 * `DUI_TSA_CRL`; only beside trusted certificates, which sign them.
 */
export async function readRevocationLists(
  path: string | undefined,
  trustedCertificates: string | undefined,
): Promise<string | undefined> {
  if (path === undefined || path === '') return undefined;
  if (trustedCertificates === undefined)
    throw new UsageError(
      'les listes de révocation (--tsa-crl) se vérifient avec les certificats de confiance (--tsa-ca)',
    );
  return readPemFile(path, parsePemRevocationLists, {
    what: 'les listes de révocation',
    none: 'aucune liste de révocation X.509 lisible',
  });
}

/** A PEM file holding at least one block `parse` reads, else a usage error in French. */
async function readPemFile(
  path: string,
  parse: (pem: string) => unknown[],
  words: { what: string; none: string },
): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`impossible de lire ${words.what} « ${path} »`);
  }
  let blocks: unknown[];
  try {
    blocks = parse(pem);
  } catch {
    blocks = [];
  }
  if (blocks.length === 0) throw new UsageError(`« ${path} » ne contient ${words.none} (format PEM attendu)`);
  return pem;
}

/**
 * Longer than any walk of the log `dui anchor` does before the stamp (about 2.5 s per 100,000
 * events here): past it, the date the anchor gives itself is not what the stamp proves.
 */
const LATE_STAMP_MS = 60 * 60 * 1000;
/** Time-stamp authorities say their time to the second or better; their tokens round it down. */
const EARLY_STAMP_MS = 60 * 1000;

/** What the auditor reads of a checked time-stamp, after the verification's summary. */
export function describeTimestamp(checked: Extract<TimestampCheck, { ok: true }>, takenAt: string): string {
  const stamped = `Ancre horodatée le ${checked.time.toISOString()} par « ${checked.authority} » (${trustOf(checked)}).`;
  const renewals = checked.renewals.map(
    (renewal, index) =>
      ` Horodatage renouvelé (n° ${index + 1}) le ${renewal.time.toISOString()} par « ${renewal.authority} » ` +
      `(${trustOf(renewal)}).`,
  );
  const renewBefore = ` À renouveler avant le ${latestToken(checked).validUntil.toISOString()}, fin du certificat de sa dernière autorité (dui renew-anchor).`;
  return datesFlagged(checked, takenAt, `${stamped}${renewals.join('')}${renewBefore}`);
}

/** The token whose authority the proof rests on now: the latest renewal's, or the first stamp's. */
export function latestToken(checked: Extract<TimestampCheck, { ok: true }>): CheckedToken {
  return checked.renewals.at(-1) ?? checked;
}

function trustOf(token: CheckedToken): string {
  const revocation = token.revocationChecked
    ? ', non révoqué selon la liste de révocation donnée'
    : ', révocation non vérifiée faute de --tsa-crl';
  return token.trusted
    ? `certificat vérifié jusqu’à une autorité de confiance${revocation}`
    : 'signature vérifiée, certificat non vérifié faute de --tsa-ca';
}

/** Only the first stamp's date is proven: the date the anchor gives itself is flagged when far from it. */
function datesFlagged(checked: CheckedToken, takenAt: string, stamped: string): string {
  const gap = checked.time.getTime() - new Date(takenAt).getTime();
  if (gap > LATE_STAMP_MS)
    return (
      `${stamped} Attention : l’ancre se dit prise le ${takenAt}, ${Math.round(gap / 60_000)} min avant son ` +
      'horodatage : seule la date d’horodatage est prouvée.'
    );
  if (gap < -EARLY_STAMP_MS)
    return (
      `${stamped} Attention : l’ancre se dit prise le ${takenAt}, après son horodatage : l’horloge du serveur ` +
      'qui l’a prise avançait, seule la date d’horodatage est prouvée.'
    );
  return stamped;
}

export function describeTimestampProblem(checked: Extract<TimestampCheck, { ok: false }>): string {
  const which = checked.renewal === undefined ? '' : ` (renouvellement n° ${checked.renewal})`;
  return `horodatage de l’ancre non conforme${which} : ${PROBLEMS[checked.problem]}`;
}
