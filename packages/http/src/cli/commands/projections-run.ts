import { ProjectionRuntime, RedisAppendNotifier, RedisLeaseManager } from '@dui-pds/projections';
import { type Command, InvalidArgumentError } from 'commander';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../app/redis-connection.js';
import { redisNames } from '../../app/redis-names.js';
import { runsInline } from '../../projection-catalogue.js';
import { CliError, ExitCode } from '../cli-errors.js';
import { type CliContext, inSession, note, say } from '../context.js';
import { interruptible } from '../interruption.js';

/**
 * A projection worker: follows the catalogue's async projections until Ctrl-C or SIGTERM. Run
 * several, on one machine or many: leases see to it that each projection is processed by one of
 * them at a time. With REDIS_URL, leases and wake-ups go through Redis; without it, leases are
 * PostgreSQL advisory locks and workers poll.
 */
export function registerProjectionsRun(projections: Command, context: CliContext): void {
  projections
    .command('run')
    .summary('suit le journal et tient les projections à jour (processus de travail)')
    .description(
      'Tient à jour les projections du catalogue jusqu’à Ctrl-C ou SIGTERM. Plusieurs processus peuvent tourner : ' +
        'chaque projection n’est traitée que par un seul à la fois. Avec REDIS_URL, les réveils et les baux passent par Redis.',
    )
    .option(
      '--poll-interval <ms>',
      'attente maximale entre deux lectures sans notification (ms)',
      parseMilliseconds,
      1_000,
    )
    .action(async (options: { pollInterval: number }, command: Command) => {
      await inSession(command, context, async ({ config, opened, reader }) => {
        // the server's names, so that its appends wake this worker and they share the leases
        const inRedis = redisNames(config.schema);
        const redis = config.redisUrl ? await connectLeasesRedis(config.redisUrl, context) : undefined;
        const notifier = config.redisUrl
          ? await RedisAppendNotifier.connect(config.redisUrl, { channel: inRedis.appendedChannel })
          : undefined;
        const runtime = new ProjectionRuntime({
          knex: opened.knex,
          store: reader,
          schema: config.schema,
          projections: context.catalogue.filter((projection) => !runsInline(projection)),
          inline: context.catalogue.filter(runsInline),
          notifier,
          leases: redis ? new RedisLeaseManager(redis, { prefix: inRedis.leases }) : undefined,
          pollIntervalMs: options.pollInterval,
          onError: (error, projection) =>
            // the name of the error only: its message may quote event data
            note(context, `projection ${projection} : échec d’un lot (${(error as Error).name}), nouvel essai`),
        });
        try {
          await runtime.migrate();
          note(
            context,
            `Suivi de ${followed(context)} ` +
              `(${redis ? 'réveils et baux Redis' : 'baux PostgreSQL, interrogation périodique'}) ; Ctrl-C pour arrêter.`,
          );
          await interruptible((signal) => runtime.run(signal));
          say(context, 'Arrêté.');
        } finally {
          await runtime.close();
          await notifier?.close();
          redis?.disconnect();
        }
      });
    });
}

/**
 * The leases' connection fails fast, as the server's does: a renewal that cannot go out is a lease
 * lost, not a command queued while another worker takes the projection over. A worker does not
 * start on a Redis it cannot reach.
 */
async function connectLeasesRedis(url: string, context: CliContext): Promise<Redis> {
  let connected = false;
  let refusal: string | undefined;
  try {
    const redis = await connectRedis(url, {
      unavailable: (reason) => {
        refusal = reason.code ?? reason.name;
        if (connected) note(context, `Redis indisponible (${refusal}) : baux et réveils suspendus`);
      },
      availableAgain: () => note(context, 'Redis de nouveau disponible'),
    });
    connected = true;
    return redis;
  } catch {
    throw new CliError(`impossible de joindre Redis (REDIS_URL)${refusal ? ` : ${refusal}` : ''}`, ExitCode.failure);
  }
}

function followed(context: CliContext): string {
  const names = context.catalogue.filter((projection) => !runsInline(projection)).map((projection) => projection.name);
  return names.length > 0 ? names.join(', ') : 'aucune projection asynchrone';
}

function parseMilliseconds(value: string): number {
  const milliseconds = Number(value);
  if (!Number.isInteger(milliseconds) || milliseconds < 10) {
    throw new InvalidArgumentError('un nombre entier de millisecondes, au moins 10');
  }
  return milliseconds;
}
