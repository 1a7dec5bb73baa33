import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { WrongExpectedRevisionError } from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../event.js';
import type { AppendResult, EventStore, ExpectedRevision } from '../event-store.js';
import { idsOf, readAllOnceVisible, testEvent, testEvents } from './fixtures.js';

/**
 * A deliberately naive event store: stream → ids, and the ids in the order they were appended.
 * The real store under test must answer every command exactly as this would.
 */
export interface EventStoreModel {
  streams: Map<number, string[]>;
  log: string[];
  /** Every append that succeeded, for the commands that retry one. */
  appends: { streamIndex: number; events: EventToAppend[]; expected: ExpectedRevision; result: AppendResult }[];
}

export interface RealEventStore {
  store: EventStore<unknown>;
  /** One organisation per run, so that a run reads only what it wrote. */
  organisationId: string;
  streamIds: readonly string[];
}

type ModelCommand = fc.AsyncCommand<EventStoreModel, RealEventStore>;

export const MODEL_STREAM_COUNT = 3;

export function emptyModel(): EventStoreModel {
  return { streams: new Map(), log: [], appends: [] };
}

export function newRealEventStore(store: EventStore<unknown>): RealEventStore {
  const run = randomUUID();
  return {
    store,
    organisationId: `og-model-${run}`,
    streamIds: Array.from({ length: MODEL_STREAM_COUNT }, (_, index) => `model-${run}-${index}`),
  };
}

/** How a command states its expectation; an exact one is taken relative to the model's revision, right or wrong. */
type Expectation = 'any' | 'noStream' | 'streamExists' | { offset: number };

function streamOf(model: EventStoreModel, streamIndex: number): string[] {
  return model.streams.get(streamIndex) ?? [];
}

/** The stream's revision now, `undefined` before its first event. */
function revisionOf(model: EventStoreModel, streamIndex: number): number | undefined {
  const stream = streamOf(model, streamIndex);
  return stream.length === 0 ? undefined : stream.length - 1;
}

/** An exact expectation is taken relative to the stream's revision now, right or wrong. */
function expectedRevisionOf(expectation: Expectation, model: EventStoreModel, streamIndex: number): ExpectedRevision {
  if (typeof expectation !== 'object') return expectation;
  return Math.max(0, (revisionOf(model, streamIndex) ?? -1) + expectation.offset);
}

function holds(expected: ExpectedRevision, actual: number | undefined): boolean {
  return (
    expected === 'any' ||
    (expected === 'noStream' && actual === undefined) ||
    (expected === 'streamExists' && actual !== undefined) ||
    expected === actual
  );
}

class Append implements ModelCommand {
  constructor(
    readonly streamIndex: number,
    readonly count: number,
    readonly expectation: Expectation,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: EventStoreModel, real: RealEventStore): Promise<void> {
    const stream = streamOf(model, this.streamIndex);
    const expected = expectedRevisionOf(this.expectation, model, this.streamIndex);
    const actual = revisionOf(model, this.streamIndex);
    const accepted = holds(expected, actual);
    const events = Array.from({ length: this.count }, () => testEvent(real.organisationId));
    const streamId = real.streamIds[this.streamIndex]!;

    if (!accepted) {
      await assert.rejects(real.store.appendToStream(streamId, events, { expectedRevision: expected }), (error) => {
        assert.ok(error instanceof WrongExpectedRevisionError, `expected WrongExpectedRevisionError, got ${error}`);
        assert.equal(error.actual, actual, 'the error carries the actual revision');
        return true;
      });
      return;
    }
    const result = await real.store.appendToStream(streamId, events, { expectedRevision: expected });
    const ids = idsOf(events);
    assert.equal(result.alreadyAppended, false);
    assert.equal(result.nextExpectedRevision, stream.length + ids.length - 1);
    model.streams.set(this.streamIndex, [...stream, ...ids]);
    model.log.push(...ids);
    model.appends.push({ streamIndex: this.streamIndex, events, expected, result });
  }

  toString(): string {
    const expectation =
      typeof this.expectation === 'object' ? `current${signed(this.expectation.offset)}` : this.expectation;
    return `append(s${this.streamIndex}, ${this.count}, ${expectation})`;
  }
}

/**
 * A command retried after it succeeded, with its original expectation, even once the stream
 * moved on: nothing is written, and the first result comes back.
 */
class RetryAppend implements ModelCommand {
  constructor(readonly pick: number) {}

  check(model: Readonly<EventStoreModel>): boolean {
    return model.appends.length > 0;
  }

  async run(model: EventStoreModel, real: RealEventStore): Promise<void> {
    const { streamIndex, events, expected, result } = model.appends[this.pick % model.appends.length]!;
    const retried = await real.store.appendToStream(real.streamIds[streamIndex]!, events, {
      expectedRevision: expected,
    });
    assert.deepEqual(retried, { ...result, alreadyAppended: true });
  }

  toString(): string {
    return `retryAppend(#${this.pick})`;
  }
}

/** A member of a group of appends sent together: a new append, or the retry of an earlier one. */
type Together = { streamIndex: number; count: number; expectation: Expectation } | { retry: number };

type Planned =
  | { kind: 'append'; streamIndex: number; expected: ExpectedRevision; events: EventToAppend[] }
  | { kind: 'retry'; earlier: EventStoreModel['appends'][number] };

/**
 * Appends sent at once, as concurrent requests do (the PostgreSQL adapter then shares round trips
 * among them, ADR 0007). Their expectations are taken from the model before the group. The store
 * may apply them in any order, but in one: some order of the group, applied to the model one
 * after the other, must give exactly the answers the store gave, and the streams it holds after.
 */
class AppendTogether implements ModelCommand {
  constructor(readonly members: readonly Together[]) {}

  check(): boolean {
    return true;
  }

  async run(model: EventStoreModel, real: RealEventStore): Promise<void> {
    const planned = this.members.flatMap((member): Planned[] => {
      if ('retry' in member) {
        const earlier = model.appends[member.retry % Math.max(model.appends.length, 1)];
        return earlier ? [{ kind: 'retry', earlier }] : [];
      }
      const { streamIndex, count, expectation } = member;
      const expected = expectedRevisionOf(expectation, model, streamIndex);
      return [{ kind: 'append', streamIndex, expected, events: testEvents(real.organisationId, count) }];
    });

    const answers = await Promise.allSettled(
      planned.map((member) =>
        member.kind === 'retry'
          ? real.store.appendToStream(real.streamIds[member.earlier.streamIndex]!, member.earlier.events, {
              expectedRevision: member.earlier.expected,
            })
          : real.store.appendToStream(real.streamIds[member.streamIndex]!, member.events, {
              expectedRevision: member.expected,
            }),
      ),
    );

    const order = orderExplaining(model, planned, answers);
    assert.ok(order, `no order of ${this} gives the store's answers: ${answers.map(describeAnswer).join(', ')}`);
    const logBefore = model.log.length;
    for (const index of order) {
      const member = planned[index]!;
      const answer = answers[index]!;
      if (member.kind === 'retry' || answer.status === 'rejected') continue;
      const ids = idsOf(member.events);
      model.streams.set(member.streamIndex, [...streamOf(model, member.streamIndex), ...ids]);
      model.log.push(...ids);
      const { expected, events, streamIndex } = member;
      model.appends.push({ streamIndex, events, expected, result: answer.value });
    }

    // the group's events may come in any order in the global log, but each stream's in its own
    const log = idsOf(await readAllOnceVisible(real.store, real.organisationId, model.log.length));
    assert.deepEqual([...log.slice(logBefore)].sort(), [...model.log.slice(logBefore)].sort(), 'the group in the log');
    model.log.splice(logBefore, model.log.length - logBefore, ...log.slice(logBefore));
    for (const [streamIndex, ids] of model.streams) {
      const inLog = model.log.filter((id) => ids.includes(id));
      assert.deepEqual(inLog, ids, `stream s${streamIndex} in the global log`);
    }
  }

  toString(): string {
    const members = this.members.map((member) => {
      if ('retry' in member) return `retry(#${member.retry})`;
      const { streamIndex, count, expectation } = member;
      const expected = typeof expectation === 'object' ? `current${signed(expectation.offset)}` : expectation;
      return `append(s${streamIndex}, ${count}, ${expected})`;
    });
    return `together(${members.join(', ')})`;
  }
}

/**
 * An order of the group that the model, applying it one append after the other, answers exactly
 * as the store did; `undefined` when there is none. A depth-first search: groups are small.
 */
function orderExplaining(
  model: EventStoreModel,
  planned: readonly Planned[],
  answers: readonly PromiseSettledResult<AppendResult>[],
): number[] | undefined {
  const search = (revisions: Map<number, number | undefined>, taken: number[]): number[] | undefined => {
    if (taken.length === planned.length) return taken;
    for (const [index, member] of planned.entries()) {
      if (taken.includes(index)) continue;
      const next = answerMatches(member, answers[index]!, revisions);
      if (next) {
        const found = search(next, [...taken, index]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const revisions = new Map(
    Array.from({ length: MODEL_STREAM_COUNT }, (_, index) => [index, revisionOf(model, index)] as const),
  );
  return search(revisions, []);
}

/** The revisions after `member` when the store's answer is the model's at `revisions`; otherwise undefined. */
function answerMatches(
  member: Planned,
  answer: PromiseSettledResult<AppendResult>,
  revisions: ReadonlyMap<number, number | undefined>,
): Map<number, number | undefined> | undefined {
  if (member.kind === 'retry') {
    const same =
      answer.status === 'fulfilled' &&
      isDeepStrictEqual(answer.value, { ...member.earlier.result, alreadyAppended: true });
    return same ? new Map(revisions) : undefined;
  }
  const actual = revisions.get(member.streamIndex);
  if (!holds(member.expected, actual)) {
    const refused =
      answer.status === 'rejected' &&
      answer.reason instanceof WrongExpectedRevisionError &&
      answer.reason.actual === actual;
    return refused ? new Map(revisions) : undefined;
  }
  const next = (actual ?? -1) + member.events.length;
  const appended =
    answer.status === 'fulfilled' && !answer.value.alreadyAppended && answer.value.nextExpectedRevision === next;
  return appended ? new Map(revisions).set(member.streamIndex, next) : undefined;
}

function describeAnswer(answer: PromiseSettledResult<AppendResult>): string {
  if (answer.status === 'rejected') return String(answer.reason);
  return `next ${answer.value.nextExpectedRevision}${answer.value.alreadyAppended ? ' (already)' : ''}`;
}

class ReadStream implements ModelCommand {
  constructor(
    readonly streamIndex: number,
    readonly direction: 'forwards' | 'backwards',
    readonly fromRevision: number | undefined,
    readonly maxCount: number | undefined,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: EventStoreModel, real: RealEventStore): Promise<void> {
    const stream = streamOf(model, this.streamIndex).map((id, revision) => ({ id, revision }));
    const from = this.fromRevision;
    const ordered =
      this.direction === 'forwards'
        ? stream.slice(from ?? 0)
        : stream.slice(0, from === undefined ? stream.length : from + 1).reverse();
    const expected = ordered.slice(0, this.maxCount ?? ordered.length);

    const events = await real.store.readStream(real.streamIds[this.streamIndex]!, {
      direction: this.direction,
      fromRevision: this.fromRevision,
      maxCount: this.maxCount,
    });
    assert.deepEqual(
      events.map((event) => ({ id: event.id, revision: event.streamRevision })),
      expected,
    );
  }

  toString(): string {
    return `readStream(s${this.streamIndex}, ${this.direction}, from=${this.fromRevision}, max=${this.maxCount})`;
  }
}

class ReadAll implements ModelCommand {
  constructor(
    readonly afterIndex: number | undefined,
    readonly maxCount: number | undefined,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: EventStoreModel, real: RealEventStore): Promise<void> {
    const { organisationId } = real;
    const whole = await readAllOnceVisible(real.store, organisationId, model.log.length);
    assert.deepEqual(idsOf(whole), model.log, 'the log holds every append, in order');
    assertDistinctPositions(whole);

    const afterIndex = this.afterIndex === undefined ? undefined : Math.min(this.afterIndex, whole.length - 1);
    const after = afterIndex === undefined || afterIndex < 0 ? undefined : whole[afterIndex]!.globalPosition;
    const page = await real.store.readAll({ organisationId, after, maxCount: this.maxCount });
    const rest = model.log.slice(after === undefined ? 0 : afterIndex! + 1);
    assert.deepEqual(idsOf(page), rest.slice(0, this.maxCount ?? rest.length));
  }

  toString(): string {
    return `readAll(afterIndex=${this.afterIndex}, max=${this.maxCount})`;
  }
}

/**
 * Positions are cursors, not counters: unique, but on PostgreSQL not increasing along the log when
 * appends ran side by side (ADR 0003), so the model asks no more of them.
 */
function assertDistinctPositions(events: readonly RecordedEvent[]): void {
  const positions = new Set(events.map((event) => event.globalPosition));
  assert.equal(positions.size, events.length, 'every event has a position of its own');
}

function signed(offset: number): string {
  return offset < 0 ? String(offset) : `+${offset}`;
}

const streamIndex = fc.integer({ min: 0, max: MODEL_STREAM_COUNT - 1 });
const smallCount = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });

const append = fc
  .tuple(
    streamIndex,
    fc.integer({ min: 1, max: 3 }),
    fc.oneof(
      fc.constantFrom<Expectation>('any', 'noStream', 'streamExists'),
      // Mostly right, sometimes one off either way.
      fc.constantFrom(-1, 0, 0, 0, 1).map((offset): Expectation => ({ offset })),
    ),
  )
  .map(([stream, count, expectation]) => new Append(stream, count, expectation));

const readStream = fc
  .tuple(
    streamIndex,
    fc.constantFrom('forwards' as const, 'backwards' as const),
    fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    smallCount,
  )
  .map(([stream, direction, from, max]) => new ReadStream(stream, direction, from, max));

const readAll = fc
  .tuple(fc.option(fc.nat({ max: 12 }), { nil: undefined }), smallCount)
  .map(([afterIndex, max]) => new ReadAll(afterIndex, max));

const appendTogether = fc
  .array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: append.map(({ streamIndex, count, expectation }) => ({ streamIndex, count, expectation })),
      },
      { weight: 1, arbitrary: fc.nat({ max: 20 }).map((retry) => ({ retry })) },
    ),
    { minLength: 2, maxLength: 5 },
  )
  .map((members) => new AppendTogether(members));

/** Appends and stream reads are listed twice: fast-check picks among the list evenly. */
export const eventStoreCommands: fc.Arbitrary<ModelCommand>[] = [
  append,
  append,
  appendTogether,
  fc.nat({ max: 20 }).map((pick) => new RetryAppend(pick)),
  readStream,
  readStream,
  readAll,
];

/** Sequences as long as allowed, not the short ones fast-check draws by default. */
export function eventStoreCommandSequences(maxCommands: number) {
  return fc.commands(eventStoreCommands, { maxCommands, size: 'max' });
}
