import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { WrongExpectedRevisionError } from '../errors.js';
import type { EventToAppend, RecordedEvent } from '../event.js';
import type { AppendResult, EventStore, ExpectedRevision } from '../event-store.js';
import { idsOf, testEvent } from './fixtures.js';

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
    const actual = stream.length === 0 ? undefined : stream.length - 1;
    const expected: ExpectedRevision =
      typeof this.expectation === 'object' ? Math.max(0, (actual ?? -1) + this.expectation.offset) : this.expectation;
    const accepted =
      expected === 'any' ||
      (expected === 'noStream' && actual === undefined) ||
      (expected === 'streamExists' && actual !== undefined) ||
      expected === actual;
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
    const whole = await real.store.readAll({ organisationId });
    assert.deepEqual(idsOf(whole), model.log, 'the log holds every append, in order');
    assertIncreasing(whole);

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

function assertIncreasing(events: readonly RecordedEvent[]): void {
  for (const [index, event] of events.entries()) {
    const previous = events[index - 1];
    if (previous) assert.ok(event.globalPosition > previous.globalPosition, 'global positions increase');
  }
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

/** Appends and stream reads are listed twice: fast-check picks among the list evenly. */
export const eventStoreCommands: fc.Arbitrary<ModelCommand>[] = [
  append,
  append,
  fc.nat({ max: 20 }).map((pick) => new RetryAppend(pick)),
  readStream,
  readStream,
  readAll,
];

/** Sequences as long as allowed, not the short ones fast-check draws by default. */
export function eventStoreCommandSequences(maxCommands: number) {
  return fc.commands(eventStoreCommands, { maxCommands, size: 'max' });
}
