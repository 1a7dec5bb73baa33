/**
 * How a backend embeds DUI-PDS: a decider from its own domain, the event store on embedded
 * PostgreSQL (PGlite), crypto-shredding for the usager's data, and the command handler between
 * them. Records a handover, corrects it, retries the first command as a client whose answer got
 * lost would, reads the handover back, verifies the hash chain, then forgets the usager.
 *
 *   pnpm example                       data in examples/.dui-data/example
 *   DUI_DATA_DIR=/tmp/dui pnpm example data elsewhere
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import {
  type CommandMetadata,
  handleCommand,
  type IntegrityReport,
  isErased,
  KnexDataKeyStore,
  openEventStore,
  type RecordedEvent,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import { exampleMasterKey } from './handover/example-master-key.js';
import { type HandoverCommand, handoverDecider } from './handover/handover-decider.js';

export const DEFAULT_DATA_DIR = '.dui-data/example';

export interface HandoverLogOptions {
  /** Where the data lives (PGlite, and the development master key). Defaults to `.dui-data/example`. */
  dataDir?: string;
  /** The master key in base64; without it, a development key is kept in the data directory. */
  masterKey?: string;
  print?: (line: string) => void;
}

export interface HandoverLogOutcome {
  streamId: string;
  serviceUserId: string;
  /** The events of the handover's stream, read back (in clear, before the usager is forgotten). */
  history: RecordedEvent[];
  /** The retried command appended nothing and was answered as the first time. */
  retryWasIdempotent: boolean;
  integrity: IntegrityReport;
  /** After the usager was forgotten. */
  erasedOnRead: boolean;
  integrityAfterForget: IntegrityReport;
}

export async function main(options: HandoverLogOptions = {}): Promise<HandoverLogOutcome> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const print = options.print ?? console.log;
  await mkdir(dataDir, { recursive: true });
  const masterKey = await exampleMasterKey(dataDir, options.masterKey);
  // An empty URL means PGlite even where DATABASE_URL is set: an example never writes to a server.
  const opened = await openEventStore({ databaseUrl: '', dataDir: join(dataDir, 'pglite') });
  const store = withCryptoShredding(opened.store, {
    keys: new KnexDataKeyStore(opened.knex),
    masterKey: masterKey.key,
  });
  try {
    const handoverId = randomUUID();
    const serviceUserId = `usager-${randomUUID()}`;
    const streamId = `handover-${handoverId}`;
    const metadata: CommandMetadata = {
      organisationId: 'og-example',
      facilityId: '750000001',
      actor: { kind: 'professional', id: 'rpps-10000000001', role: 'infirmier' },
      occurredAt: new Date().toISOString(),
      serviceUserId,
    };
    const command = (payload: HandoverCommand) => ({ streamId, commandId: randomUUID(), command: payload, metadata });

    const record = command({
      type: 'RecordHandover',
      handoverId,
      serviceUserId,
      text: 'Nuit agitée, a demandé à parler à son référent. À revoir demain matin.',
    });
    const recorded = await handleCommand(store, handoverDecider, record);
    const corrected = await handleCommand(store, handoverDecider, {
      ...command({
        type: 'CorrectHandover',
        text: 'Nuit agitée, a demandé à parler à son référent. Rendez-vous pris demain à 9 h.',
        reason: 'heure du rendez-vous précisée',
      }),
      expectedRevision: recorded.nextExpectedRevision,
    });
    const retried = await handleCommand(store, handoverDecider, record);

    const history = await store.readStream(streamId);
    const retryWasIdempotent = isDeepStrictEqual(retried, recorded) && history.length === 2;
    const integrity = await store.verifyIntegrity();

    // End of the retention period: destroying the usager's key erases them from every copy of the log.
    await store.forget(serviceUserId);
    const erasedOnRead = (await store.readStream(streamId)).every((event) => isErased(event.data));
    const integrityAfterForget = await store.verifyIntegrity();

    print(`Handover log: PGlite in ${dataDir}, master key from ${masterKey.source}`);
    print(`  recorded handover ${handoverId} (revision ${recorded.nextExpectedRevision})`);
    print(`  corrected it (revision ${corrected.nextExpectedRevision})`);
    print(`  retried the first command: ${retryWasIdempotent ? 'nothing appended, same answer' : 'NOT IDEMPOTENT'}`);
    for (const event of history) print(`    #${event.streamRevision} ${event.type}: ${describe(event.data)}`);
    print(`  hash chain: ${report(integrity)}`);
    print(`  forgot the usager: the handover ${erasedOnRead ? 'now reads as erased' : 'IS STILL READABLE'}`);
    print(`  hash chain after forgetting: ${report(integrityAfterForget)}`);

    return { streamId, serviceUserId, history, retryWasIdempotent, integrity, erasedOnRead, integrityAfterForget };
  } finally {
    await store.close();
    await opened.close();
  }
}

function describe(data: unknown): string {
  if (typeof data !== 'object' || data === null) return JSON.stringify(data);
  const { text, reason } = data as { text?: unknown; reason?: unknown };
  return reason === undefined ? JSON.stringify(text) : `${JSON.stringify(text)} (reason: ${String(reason)})`;
}

function report(integrity: IntegrityReport): string {
  return integrity.ok
    ? `verified (${count(integrity.eventsChecked, 'event')} in ${count(integrity.streamsChecked, 'stream')})`
    : `BROKEN at event ${integrity.firstBadEvent.eventId ?? '?'}: ${integrity.firstBadEvent.detail}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main({ dataDir: process.env.DUI_DATA_DIR || undefined, masterKey: process.env.DUI_MASTER_KEY || undefined }).catch(
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
