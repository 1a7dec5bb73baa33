import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Decider, DomainRuleViolation } from '@dui-pds/domain';
import fc from 'fast-check';
import { type CommandMetadata, type CommandResult, deriveEventId, handleCommand } from './command-handler.js';
import { EventStoreError, WrongExpectedRevisionError } from './errors.js';
import type { EventToAppend, RecordedEvent } from './event.js';
import type { AppendOptions, AppendResult } from './event-store.js';
import { InMemoryEventStore } from './in-memory/in-memory-event-store.js';
import { type QueuedCommandRequest, StreamCommandQueue } from './stream-command-queue.js';
import { LruStreamStateCache } from './stream-state-cache.js';

// The stock of one product in a month's ledger: receipts add units, dispensations take them, and a
// dispensation the stock cannot cover is refused.
type StockCommand = { type: 'Receive'; units: number } | { type: 'Dispense'; units: number };
type StockEvent =
  | { type: 'Received'; data: { units: number }; version?: number }
  | { type: 'Dispensed'; data: { units: number; balanceAfter: number }; version?: number };
interface Stock {
  balance: number;
}

const stock: Decider<StockCommand, StockEvent, Stock> = {
  initialState: () => ({ balance: 0 }),
  decide(command, state) {
    if (command.type === 'Receive') return { type: 'Received', data: { units: command.units } };
    if (command.units > state.balance) {
      throw new DomainRuleViolation('STOCK_INSUFFICIENT', 'Le stock ne couvre pas cette délivrance.');
    }
    return { type: 'Dispensed', data: { units: command.units, balanceAfter: state.balance - command.units } };
  },
  evolve(state, event) {
    return { balance: state.balance + (event.type === 'Received' ? event.data.units : -event.data.units) };
  },
};

const metadata: CommandMetadata = {
  organisationId: 'og-1',
  facilityId: '750000001',
  actor: { kind: 'professional', id: 'pro-1', role: 'infirmier' },
  occurredAt: '2024-03-01T07:00:00.000Z',
};

function request(
  streamId: string,
  command: StockCommand,
  overrides: Partial<QueuedCommandRequest<StockCommand, StockEvent>> = {},
): QueuedCommandRequest<StockCommand, StockEvent> {
  return { streamId, commandId: randomUUID(), command, metadata, ...overrides };
}

const dispense = (units: number): StockCommand => ({ type: 'Dispense', units });
const receive = (units: number): StockCommand => ({ type: 'Receive', units });

/**
 * An in-memory store that counts appends and can hold the next one until released, so that a
 * test can make commands queue behind a busy stream.
 */
class HeldStore extends InMemoryEventStore {
  appends = 0;
  /** Run before an append of more than one event reaches the store (another process, a failure). */
  beforeGroupAppend: (() => Promise<void>) | undefined;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  holdNextAppend(): () => void {
    this.#held = new Promise((resolve) => {
      this.#release = resolve;
    });
    return () => this.#release?.();
  }

  override async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions<never>,
  ): Promise<AppendResult> {
    this.appends += 1;
    const held = this.#held;
    this.#held = undefined;
    if (held) await held;
    if (events.length > 1 && this.beforeGroupAppend) await this.beforeGroupAppend();
    return super.appendToStream(streamId, events, options);
  }
}

/** Lets every promise settled so far run its callbacks, and the queue take its next group. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function unitsOf(result: CommandResult<Stock>): number[] {
  return result.events.map((event) => (event.data as { units: number }).units);
}

describe('StreamCommandQueue', () => {
  let store: HeldStore;
  let queue: StreamCommandQueue<StockCommand, StockEvent, Stock>;
  let ledger: string;

  beforeEach(async () => {
    store = new HeldStore();
    queue = new StreamCommandQueue(store, stock);
    ledger = `ledger-${randomUUID()}`;
    await handleCommand(store, stock, request(ledger, receive(10)));
    store.appends = 0;
  });

  afterEach(() => store.close());

  it('handles a command on an idle stream at once, as handleCommand does', async () => {
    // when
    const result = await queue.handle(request(ledger, dispense(3)));

    // then
    assert.deepEqual(unitsOf(result), [3]);
    assert.equal(result.nextExpectedRevision, 1);
    assert.deepEqual(result.state, { balance: 7 });
    await settle();
    assert.equal(queue.busyStreams, 0);
  });

  it('decides the commands that queued behind a busy stream in turn, and appends them together', async () => {
    // given a dispensation on its way
    const release = store.holdNextAppend();
    const first = queue.handle(request(ledger, dispense(1)));
    await settle();

    // when three more arrive meanwhile
    const queued = [2, 3, 4].map((units) => queue.handle(request(ledger, dispense(units))));
    release();
    const results = await Promise.all([first, ...queued]);

    // then two appends: the first command's, then the group's
    assert.equal(store.appends, 2);
    assert.deepEqual(results.map(unitsOf), [[1], [2], [3], [4]]);
    assert.deepEqual(
      results.map((result) => result.nextExpectedRevision),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      results.map((result) => result.state.balance),
      [9, 7, 4, 0],
    );
    const stream = await store.readStream(ledger);
    assert.deepEqual(
      stream.map((event) => event.data),
      [
        { units: 10 },
        { units: 1, balanceAfter: 9 },
        { units: 2, balanceAfter: 7 },
        { units: 3, balanceAfter: 4 },
        { units: 4, balanceAfter: 0 },
      ],
    );
    // each event caused by its own command
    assert.deepEqual(
      results.map((result) => result.events[0]!.metadata.causationId),
      stream.slice(1).map((event) => event.metadata.causationId),
    );
    assert.equal(queue.busyStreams, 0);
  });

  it('refuses a command of the group as handleCommand would, and appends the others', async () => {
    // given
    const release = store.holdNextAppend();
    const first = queue.handle(request(ledger, dispense(4)));
    await settle();

    // when the second asks for more than the stock will hold
    const tooMuch = queue.handle(request(ledger, dispense(7)));
    const third = queue.handle(request(ledger, dispense(5)));
    const fourth = queue.handle(request(ledger, dispense(1)));
    release();

    // then
    await assert.rejects(tooMuch, (error: unknown) => (error as DomainRuleViolation).code === 'STOCK_INSUFFICIENT');
    assert.deepEqual((await Promise.all([first, third, fourth])).map(unitsOf), [[4], [5], [1]]);
    assert.deepEqual((await store.readStream(ledger)).at(-1)!.data, { units: 1, balanceAfter: 0 });
  });

  it('answers a command sent again with its first result, and appends nothing twice', async () => {
    // given a dispensation already recorded
    const earlier = request(ledger, dispense(2));
    const firstAnswer = await queue.handle(earlier);
    const release = store.holdNextAppend();
    const busy = queue.handle(request(ledger, dispense(1)));
    await settle();

    // when it is sent again (a lost answer) among new ones
    const again = queue.handle(earlier);
    const others = [queue.handle(request(ledger, dispense(3))), queue.handle(request(ledger, dispense(1)))];
    release();

    // then
    assert.deepEqual(await again, firstAnswer);
    await Promise.all([busy, ...others]);
    const stream = await store.readStream(ledger);
    assert.equal(stream.filter((event) => event.id === deriveEventId(earlier.commandId, 0)).length, 1);
    assert.equal(stream.length, 5);
  });

  it('decides the group again when another process appended to the stream meanwhile', async () => {
    // given another process that dispenses just before the group's append, once
    const release = store.holdNextAppend();
    const busy = queue.handle(request(ledger, dispense(1)));
    await settle();
    let elsewhere: Promise<unknown> | undefined;
    store.beforeGroupAppend = async () => {
      store.beforeGroupAppend = undefined;
      // a single-event append: it passes this hook, as another process's would
      elsewhere = handleCommand(store, stock, request(ledger, dispense(6)));
      await elsewhere;
    };

    // when
    const group = [queue.handle(request(ledger, dispense(2))), queue.handle(request(ledger, dispense(1)))];
    release();
    const results = await Promise.all([busy, ...group]);

    // then the group was decided on the stock the other process left
    assert.ok(elsewhere);
    assert.deepEqual(
      results.map((result) => result.state.balance),
      [9, 1, 0],
    );
    assert.deepEqual(
      (await store.readStream(ledger)).map((event) => event.data),
      [
        { units: 10 },
        { units: 1, balanceAfter: 9 },
        { units: 6, balanceAfter: 3 },
        { units: 2, balanceAfter: 1 },
        { units: 1, balanceAfter: 0 },
      ],
    );
  });

  it('handles each command of the group alone when their append fails for another reason', async () => {
    // given a store that fails the group's append once, as a dropped connection would
    const release = store.holdNextAppend();
    const busy = queue.handle(request(ledger, dispense(1)));
    await settle();
    store.beforeGroupAppend = async () => {
      store.beforeGroupAppend = undefined;
      throw new EventStoreError('connection reset');
    };

    // when
    const group = [queue.handle(request(ledger, dispense(2))), queue.handle(request(ledger, dispense(3)))];
    release();

    // then each was appended alone, and nothing twice
    assert.deepEqual((await Promise.all([busy, ...group])).map(unitsOf), [[1], [2], [3]]);
    assert.equal((await store.readStream(ledger)).length, 4);
  });

  it('handles a command with an expected revision alone, and refuses it when the stream moved on', async () => {
    // given
    const release = store.holdNextAppend();
    const busy = queue.handle(request(ledger, dispense(1)));
    await settle();

    // when the caller saw revision 0, which the queued dispensations move past
    const others = [queue.handle(request(ledger, dispense(2))), queue.handle(request(ledger, dispense(3)))];
    const seenAtZero = queue.handle(request(ledger, dispense(1), { expectedRevision: 0 }));
    release();

    // then
    await assert.rejects(seenAtZero, WrongExpectedRevisionError);
    assert.deepEqual((await Promise.all([busy, ...others])).map(unitsOf), [[1], [2], [3]]);
  });

  it('keeps the state the group left, at its last revision', async () => {
    // given
    const cache = new LruStreamStateCache<Stock>();
    queue = new StreamCommandQueue(store, stock, { stateCache: cache });
    const release = store.holdNextAppend();
    const busy = queue.handle(request(ledger, dispense(1)));
    await settle();
    const group = [queue.handle(request(ledger, dispense(2))), queue.handle(request(ledger, dispense(3)))];
    release();
    await Promise.all([busy, ...group]);

    // then the group's state is kept at its last revision
    assert.deepEqual(cache.get(ledger), { state: { balance: 4 }, revision: 3 });
  });

  it('gives every command an answer that agrees with the stream, whatever arrives together (property)', async () => {
    const anyStep = fc.record({
      command: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map(dispense) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map(receive) },
      ),
      /** Sent again: the index among the commands sent so far. */
      retryOf: rarely(fc.nat()),
      /** Sent with the revision its sender saw. */
      withRevision: rarely(fc.integer({ min: 0, max: 9 })),
      /** Held at the store before its append, so that the next ones queue. */
      held: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(anyStep, { minLength: 1, maxLength: 12 }), async (steps) => {
        // given
        const heldStore = new HeldStore();
        const streamId = `ledger-${randomUUID()}`;
        const queued = new StreamCommandQueue(heldStore, stock, {
          stateCache: new LruStreamStateCache(),
          maxTogether: 4,
        });
        await handleCommand(heldStore, stock, request(streamId, receive(8)));
        const sent: QueuedCommandRequest<StockCommand, StockEvent>[] = [];
        const answers: Promise<CommandResult<Stock> | DomainRuleViolation | WrongExpectedRevisionError>[] = [];

        // when they all arrive at once, some held on their way
        let release: (() => void) | undefined;
        for (const { command, retryOf, withRevision, held } of steps) {
          const earlier = retryOf === undefined || sent.length === 0 ? undefined : sent[retryOf % sent.length];
          const next =
            earlier ?? request(streamId, command, withRevision === undefined ? {} : { expectedRevision: withRevision });
          sent.push(next);
          if (held && release === undefined) release = heldStore.holdNextAppend();
          answers.push(
            queued.handle(next).catch((error: unknown) => {
              if (error instanceof DomainRuleViolation || error instanceof WrongExpectedRevisionError) return error;
              throw error;
            }),
          );
          if (held) await settle();
        }
        release?.();
        const settled = await Promise.all(answers);
        await settle();

        // then the stream holds each command's events once, in one piece, and never dispenses what
        // it does not have
        const stream = await heldStore.readStream(streamId);
        let balance = 0;
        for (const event of stream) {
          balance += event.type === 'Received' ? (event.data as { units: number }).units : 0;
          if (event.type === 'Dispensed') {
            balance -= (event.data as { units: number }).units;
            assert.equal((event.data as { balanceAfter: number }).balanceAfter, balance);
          }
          assert.ok(balance >= 0);
        }
        assert.equal(new Set(stream.map((event) => event.metadata.causationId)).size, stream.length);
        // and each answer is what the stream says of its command
        for (const [index, answer] of settled.entries()) {
          const own = stream.filter((event) => event.metadata.causationId === sent[index]!.commandId);
          if (answer instanceof Error) {
            // a refusal writes nothing, though the same command sent again may be accepted later
            const acceptedLater = settled.some(
              (other, at) => !(other instanceof Error) && sent[at]!.commandId === sent[index]!.commandId,
            );
            if (!acceptedLater) assert.deepEqual(own, []);
            continue;
          }
          assert.deepEqual(idsOf(answer.events), idsOf(own));
          assert.equal(answer.nextExpectedRevision, own.at(-1)!.streamRevision);
          assert.deepEqual(answer.state, { balance: balanceAt(stream, answer.nextExpectedRevision) });
        }
        assert.equal(queued.busyStreams, 0);
      }),
      { numRuns: 200 },
    );
  });
});

/** A value one time in five, undefined otherwise. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

function idsOf(events: readonly RecordedEvent[]): string[] {
  return events.map((event) => event.id);
}

function balanceAt(stream: readonly RecordedEvent[], revision: number): number {
  return stream
    .filter((event) => event.streamRevision <= revision)
    .reduce(
      (balance, event) => balance + (event.type === 'Received' ? 1 : -1) * (event.data as { units: number }).units,
      0,
    );
}
