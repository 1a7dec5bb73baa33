import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { v7 as uuidv7 } from 'uuid';
import { type Anchor, type AnchorTaking, takeAnchor } from '../anchor.js';
import type { EventMetadata, EventToAppend, RecordedEvent } from '../event.js';
import type { EventStore } from '../event-store.js';

/**
 * Every conformance test writes to streams and organisations of its own, so that it stays valid
 * on a store that cannot be emptied between tests (a shared EventStoreDB).
 */
export function uniqueStreamId(label = 'dossier'): string {
  return `${label}-${randomUUID()}`;
}

export function uniqueOrganisationId(): string {
  return `og-${randomUUID()}`;
}

export interface TestEventOverrides extends Partial<Omit<EventToAppend, 'metadata'>> {
  metadata?: Partial<EventMetadata>;
}

/** A valid event of `organisationId`, with a fresh id. */
export function testEvent(organisationId: string, overrides: TestEventOverrides = {}): EventToAppend {
  const { metadata, ...envelope } = overrides;
  return {
    id: uuidv7(),
    type: 'ConformanceFactRecorded',
    data: { note: 'entretien d’accueil', count: 1, tags: ['a', 'b'], nested: { ok: true, none: null } },
    ...envelope,
    metadata: {
      organisationId,
      actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
      occurredAt: '2024-03-01T10:00:00.000Z',
      ...metadata,
    },
  };
}

export function testEvents(organisationId: string, count: number): EventToAppend[] {
  return Array.from({ length: count }, (_, index) => testEvent(organisationId, { data: { index } }));
}

export function idsOf(events: readonly { id: string }[]): string[] {
  return events.map((event) => event.id);
}

/** Takes `count` events from a subscription, failing instead of hanging when they do not come. */
export async function takeEvents(
  iterator: AsyncIterator<RecordedEvent>,
  count: number,
  timeoutMs = 5_000,
): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const next = await within(iterator.next(), deadline - Date.now());
    if (next === 'timeout') throw new Error(`only ${taken.length} of ${count} events arrived in ${timeoutMs} ms`);
    if (next.done) throw new Error(`the subscription ended after ${taken.length} of ${count} events`);
    taken.push(next.value);
  }
  return taken;
}

/**
 * The organisation's global log once it shows at least `count` events, or as it is after 10 s. On
 * PostgreSQL the visibility fence hides committed events while older transactions of the cluster
 * run (ADR 0003), and a store waits at most 2 s for its own appends: tests running beside this one
 * may hold it longer.
 */
export async function readAllOnceVisible(
  store: { readAll(options: { organisationId: string }): Promise<RecordedEvent[]> },
  organisationId: string,
  count: number,
): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = await store.readAll({ organisationId });
    if (log.length >= count || Date.now() >= deadline) return log;
    await sleep(50);
  }
}

/**
 * An anchor once it `sees` what the test appended, or as it is after 10 s. Like the global log, an
 * anchor holds what is below the visibility fence (ADR 0003), and `takeAnchor` waits at most 2 s
 * for the cluster's older transactions: tests running beside this one may hold it longer.
 */
export async function anchorOnceItSees(
  store: Pick<EventStore, 'verifyIntegrity'>,
  takenAt: Date,
  sees: (anchor: Anchor) => boolean,
): Promise<AnchorTaking> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const taken = await takeAnchor(store, takenAt);
    if (!taken.ok || sees(taken.anchor) || Date.now() >= deadline) return taken;
    await sleep(50);
  }
}

/** The promise's value, or `'timeout'` when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(Math.max(ms, 0), 'timeout' as const, { signal: timer.signal }).catch(() => 'timeout' as const),
    ]);
  } finally {
    timer.abort();
  }
}

/** The error a call was refused with; fails the test when the call succeeds. */
export async function rejectionOf(attempt: Promise<unknown>): Promise<unknown> {
  try {
    await attempt;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, the call succeeded');
}
