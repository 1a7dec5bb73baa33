import { randomUUID } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkAnchorTimestamp, renewAnchorTimestamp, rfc3161TimestampAuthority } from '@dui-pds/eventstore';
import { type Command, InvalidArgumentError } from 'commander';
import { readAnchor } from '../anchor-file.js';
import {
  describeTimestampProblem,
  latestToken,
  readRevocationLists,
  readTrustedCertificates,
  TSA_CA_OPTION,
  TSA_CRL_OPTION,
  TSA_URL_OPTION,
  timestampAuthoritySetting,
} from '../anchor-timestamp.js';
import { IntegrityFailure, UsageError } from '../cli-errors.js';
import { type CliContext, note } from '../context.js';

interface RenewOptions {
  tsa?: string;
  tsaCa?: string;
  tsaCrl?: string;
  dueWithin?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function registerRenewAnchor(program: Command, context: CliContext): void {
  program
    .command('renew-anchor')
    .argument('<fichier>', 'ancre horodatée écrite par dui anchor')
    .summary('renouvelle l’horodatage d’une ancre avant que son certificat n’expire')
    .description(
      'Fait signer par une autorité d’horodatage (RFC 3161) l’empreinte de l’ancre et son dernier jeton, et ' +
        'ajoute ce jeton à l’ancre (renouvellement, RFC 4998) : il prouve que le jeton précédent existait ' +
        'à cette date, tant que son certificat tenait encore. À faire avant l’expiration du certificat de ' +
        'l’autorité, ou si elle annonce qu’il sera révoqué. Les jetons déjà présents sont vérifiés d’abord ' +
        '(code 1 s’ils ne tiennent pas) ; le fichier n’est remplacé qu’une fois le nouveau jeton obtenu et ' +
        'vérifié (code 3 sinon, fichier inchangé). La base n’est pas lue.',
    )
    .option(...TSA_URL_OPTION)
    .option(...TSA_CA_OPTION)
    .option(...TSA_CRL_OPTION)
    .option(
      '--due-within <jours>',
      'ne renouvelle que si le certificat de la dernière autorité expire dans ce nombre de jours ' +
        '(pour une tâche planifiée) ; sinon, rien n’est demandé ni écrit',
      daysOption,
    )
    .action(async (file: string, options: RenewOptions) => {
      const authority = timestampAuthoritySetting(options.tsa ?? (context.env.DUI_TSA_URL || undefined));
      if (!authority) throw new UsageError('indiquez l’autorité d’horodatage : --tsa ou DUI_TSA_URL');
      const anchor = await readAnchor(file);
      if (!anchor.timestamp)
        throw new UsageError(`l’ancre « ${file} » n’est pas horodatée : prenez-en une avec dui anchor --tsa`);
      const trustedCertificates = await readTrustedCertificates(options.tsaCa ?? context.env.DUI_TSA_CA);
      const revocationLists = await readRevocationLists(options.tsaCrl ?? context.env.DUI_TSA_CRL, trustedCertificates);
      // renewing a token that no longer holds would only date the proof of nothing
      const current = await checkAnchorTimestamp(anchor, { trustedCertificates, revocationLists });
      if (current && !current.ok) throw new IntegrityFailure(describeTimestampProblem(current));
      if (current && options.dueWithin !== undefined) {
        const { validUntil } = latestToken(current);
        const dueFrom = new Date(validUntil.getTime() - options.dueWithin * DAY_MS);
        if (dueFrom > new Date()) {
          note(
            context,
            `Horodatage de l’ancre du ${anchor.takenAt} : le certificat de sa dernière autorité vaut jusqu’au ` +
              `${validUntil.toISOString()} ; à renouveler à partir du ${dueFrom.toISOString()}, rien n’est fait.`,
          );
          return;
        }
      }
      const renewed = await renewAnchorTimestamp(
        anchor,
        rfc3161TimestampAuthority({ ...authority, trustedCertificates }),
      );
      await replaceFile(file, `${JSON.stringify(renewed, null, 2)}\n`);
      const renewal = renewed.renewals!.at(-1)!;
      note(
        context,
        `Horodatage de l’ancre du ${anchor.takenAt} renouvelé le ${renewal.time} par ${renewal.authority} ` +
          `(${renewed.renewals!.length} renouvellement(s)), écrit dans ${file}.`,
      );
    });
}

/**
 * Writes the whole file beside the old one, flushed, then renames it over it: the anchor on disk
 * is the old one or the renewed one, never a half-written file.
 */
async function replaceFile(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
  const { mode } = await stat(path);
  const handle = await open(temporary, 'wx', mode & 0o777);
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function daysOption(value: string): number {
  if (!/^\d{1,5}$/.test(value)) throw new InvalidArgumentError('un nombre entier de jours');
  return Number(value);
}
