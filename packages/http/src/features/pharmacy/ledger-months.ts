import {
  DomainRuleViolation,
  type LedgerMonth,
  type LedgerMonthClosed,
  type PharmacyLedgerCommand,
  type PharmacyLedgerEvent,
  pharmacyLedgerDecider,
  pharmacyLedgerStreamId,
  previousLedgerMonth,
} from '@dui-pds/domain';
import {
  type CommandMetadata,
  type EventStore,
  foldStream,
  LruStreamStateCache,
  StreamCommandQueue,
} from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { parisDay } from '../paris-day.js';

/** How far back an ESSMS' last ledger month is looked for, before opening its first one. */
const MONTHS_LOOKED_BACK = 24;

/**
 * Each event store's queue of ledger commands in this process. Every operation of an ESSMS' month
 * (a CSAPA dispenses hundreds a day, most of them at opening time) goes through that month's
 * stream, so the queue:
 * - keeps each month's state as last folded: a command reads only what was appended since, not the
 *   month so far. Ledger events name no usager and the ledger's state is never changed in place,
 *   which is what keeping it requires (ADR 0021);
 * - decides the commands that queued behind a busy month together and appends them in one
 *   transaction, instead of racing to append, where all but one would start over (2.4 times per
 *   dispensation under the HTTP benchmark's load), or waiting for each other's transactions
 *   (ADR 0022).
 */
const ledgerQueues = new WeakMap<
  EventStore<Knex.Transaction>,
  StreamCommandQueue<PharmacyLedgerCommand, PharmacyLedgerEvent, LedgerMonth, Knex.Transaction>
>();

function ledgerQueueOf(store: EventStore<Knex.Transaction>) {
  let queue = ledgerQueues.get(store);
  if (queue === undefined) {
    queue = new StreamCommandQueue(store, pharmacyLedgerDecider, { stateCache: new LruStreamStateCache() });
    ledgerQueues.set(store, queue);
  }
  return queue;
}

/** Today in Paris, and its ledger month. */
export function ledgerDayOf(now: Date): { day: string; month: string } {
  const day = parisDay.format(now);
  return { day, month: day.slice(0, 7) };
}

export async function readLedgerMonth(
  store: EventStore<Knex.Transaction>,
  organisationId: string,
  facilityId: string,
  month: string,
): Promise<LedgerMonth> {
  return foldStream(store, pharmacyLedgerDecider, pharmacyLedgerStreamId(organisationId, facilityId, month));
}

/**
 * Makes sure the ledger of `month` is open, at the first operation of the month: the last month
 * the ESSMS kept is closed (on `day`) if it was still open, and the new month opens with its
 * closing balances. Both commands have ids derived from the ESSMS and the months, so that two
 * nurses dispensing at 7 a.m. on the 1st open the month once: the second command is recognised as
 * the same command and appends nothing.
 */
export async function openLedgerMonth(
  store: EventStore<Knex.Transaction>,
  where: { organisationId: string; facilityId: string; month: string; day: string },
  metadata: CommandMetadata,
): Promise<void> {
  const { organisationId, facilityId, month, day } = where;
  const current = await readLedgerMonth(store, organisationId, facilityId, month);
  if (current.status !== 'none') return;
  let previous: Omit<LedgerMonthClosed, 'closedOn' | 'totals'> | undefined;
  let earlier = month;
  for (let step = 0; step < MONTHS_LOOKED_BACK && previous === undefined; step += 1) {
    earlier = previousLedgerMonth(earlier);
    const ledger = await readLedgerMonth(store, organisationId, facilityId, earlier);
    if (ledger.status === 'none') continue;
    previous = await closingOfMonth(store, { organisationId, facilityId, month: earlier, day }, metadata);
  }
  await decideOnLedger(
    store,
    { organisationId, facilityId, month },
    `ledger-open/${facilityId}/${month}`,
    { type: 'OpenLedgerMonth', facilityId, month, openedOn: day, ...(previous ? { previous } : {}) },
    metadata,
  );
}

/** The closing of a month, closing it first (on `day`) when it is still open. */
async function closingOfMonth(
  store: EventStore<Knex.Transaction>,
  where: { organisationId: string; facilityId: string; month: string; day: string },
  metadata: CommandMetadata,
): Promise<LedgerMonthClosed> {
  const streamId = pharmacyLedgerStreamId(where.organisationId, where.facilityId, where.month);
  const closedBefore = (await store.readStream(streamId)).find((event) => event.type === 'LedgerMonthClosed');
  if (closedBefore) return closedBefore.data as LedgerMonthClosed;
  const result = await decideOnLedger(
    store,
    where,
    `ledger-close/${where.facilityId}/${where.month}`,
    { type: 'CloseLedgerMonth', closedOn: where.day },
    metadata,
  );
  const closed = result.find((event) => event.type === 'LedgerMonthClosed');
  if (closed) return closed.data as LedgerMonthClosed;
  // closed meanwhile by another request: its closing is in the stream
  const closedMeanwhile = (await store.readStream(streamId)).find((event) => event.type === 'LedgerMonthClosed');
  if (!closedMeanwhile) throw new Error(`ledger month ${where.month} neither closed nor closable`);
  return closedMeanwhile.data as LedgerMonthClosed;
}

/**
 * A command on the ledger of `month`, the month opened first when the ledger answers it is not.
 * The command is tried before the month is looked at: all but the month's first operation find it
 * open, and so read and fold the month's stream once, not once to check the month and again to
 * decide. A refusal writes nothing, so the command is simply sent again once the month is open.
 */
export async function decideOnOpenedLedger(
  store: EventStore<Knex.Transaction>,
  where: { organisationId: string; facilityId: string; month: string; day: string },
  commandId: string,
  command: PharmacyLedgerCommand,
  metadata: CommandMetadata,
) {
  try {
    return await decideOnLedger(store, where, commandId, command, metadata);
  } catch (error) {
    if (!(error instanceof DomainRuleViolation && error.code === 'LEDGER_MONTH_NOT_OPEN')) throw error;
  }
  await openLedgerMonth(store, where, metadata);
  return await decideOnLedger(store, where, commandId, command, metadata);
}

/** One command on a month's ledger, retried as often as concurrent appends require. */
export async function decideOnLedger(
  store: EventStore<Knex.Transaction>,
  where: { organisationId: string; facilityId: string; month: string },
  commandId: string,
  command: PharmacyLedgerCommand,
  metadata: CommandMetadata,
  expectedRevision?: number,
) {
  const streamId = pharmacyLedgerStreamId(where.organisationId, where.facilityId, where.month);
  try {
    const result = await ledgerQueueOf(store).handle({
      streamId,
      commandId,
      command,
      metadata,
      // every dispensation of the ESSMS goes through this stream: other processes' may collide often
      maxRetries: 100,
      ...(expectedRevision === undefined ? {} : { expectedRevision }),
    });
    return result.events;
  } catch (error) {
    // opening or closing raced by another request: the month is as wanted
    if (
      error instanceof DomainRuleViolation &&
      ((command.type === 'OpenLedgerMonth' && error.code === 'LEDGER_MONTH_ALREADY_OPEN') ||
        (command.type === 'CloseLedgerMonth' && error.code === 'LEDGER_MONTH_CLOSED'))
    ) {
      return [];
    }
    throw error;
  }
}
