import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { type Decider, DomainRuleViolation } from '@dui-pds/domain';
import fc from 'fast-check';
import {
  type CommandMetadata,
  type CommandRequest,
  type CommandResult,
  deriveEventId,
  foldStream,
  handleCommand,
} from './command-handler.js';
import { withCryptoShredding } from './crypto/crypto-shredding-event-store.js';
import { InMemoryDataKeyStore } from './crypto/in-memory-data-key-store.js';
import { WrongExpectedRevisionError } from './errors.js';
import type { RecordedEvent } from './event.js';
import type { EventStore } from './event-store.js';
import { InMemoryEventStore } from './in-memory/in-memory-event-store.js';
import { LruStreamStateCache } from './stream-state-cache.js';
import { rejectionOf } from './testing/fixtures.js';

// An attendance register (présence / absence) of one activity on one day: a usager is recorded
// once, the register holds at most CAPACITY present usagers, and nothing is recorded once closed.
const CAPACITY = 3;

type AttendanceCommand =
  | { type: 'RecordAttendance'; entries: { serviceUserId: string; present: boolean }[] }
  | { type: 'CloseRegister' };

type AttendanceEvent =
  | { type: 'AttendanceRecorded'; data: { serviceUserId: string; present: boolean }; version?: number }
  | { type: 'RegisterClosed'; data: { presentCount: number }; version?: number };

interface AttendanceRegister {
  recorded: string[];
  presentCount: number;
  closed: boolean;
}

const attendanceRegister: Decider<AttendanceCommand, AttendanceEvent, AttendanceRegister> = {
  initialState: () => ({ recorded: [], presentCount: 0, closed: false }),
  decide(command, state) {
    if (state.closed) throw new DomainRuleViolation('REGISTER_CLOSED', 'Le registre de présence est clos.');
    if (command.type === 'CloseRegister') {
      return { type: 'RegisterClosed', data: { presentCount: state.presentCount } };
    }
    let present = state.presentCount;
    return command.entries.map(({ serviceUserId, present: isPresent }): AttendanceEvent => {
      if (state.recorded.includes(serviceUserId)) {
        throw new DomainRuleViolation('ATTENDANCE_ALREADY_RECORDED', 'La présence de cet usager est déjà notée.', {
          serviceUserId,
        });
      }
      if (isPresent && ++present > CAPACITY) {
        throw new DomainRuleViolation('REGISTER_FULL', 'L’activité est complète.');
      }
      return { type: 'AttendanceRecorded', data: { serviceUserId, present: isPresent } };
    });
  },
  evolve(state, event) {
    switch (event.type) {
      case 'AttendanceRecorded':
        return {
          ...state,
          recorded: [...state.recorded, event.data.serviceUserId],
          presentCount: state.presentCount + (event.data.present ? 1 : 0),
        };
      case 'RegisterClosed':
        return { ...state, closed: true };
    }
  },
};

const metadata: CommandMetadata = {
  organisationId: 'og-1',
  facilityId: '750000001',
  actor: { kind: 'professional', id: 'pro-1', role: 'educateur' },
  occurredAt: '2024-03-01T10:00:00.000Z',
};

function record(...serviceUserIds: string[]): AttendanceCommand {
  return {
    type: 'RecordAttendance',
    entries: serviceUserIds.map((serviceUserId) => ({ serviceUserId, present: true })),
  };
}

function request(
  streamId: string,
  command: AttendanceCommand,
  overrides: Partial<CommandRequest<AttendanceCommand, AttendanceEvent, AttendanceRegister>> = {},
): CommandRequest<AttendanceCommand, AttendanceEvent, AttendanceRegister> {
  return { streamId, commandId: randomUUID(), command, metadata, ...overrides };
}

/** Mostly attendances of a few usagers (so that some repeat), sometimes the closing. */
const anyAttendanceCommand: fc.Arbitrary<AttendanceCommand> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .uniqueArray(fc.constantFrom('u-1', 'u-2', 'u-3', 'u-4', 'u-5'), { maxLength: 2 })
      .map((ids) => record(...ids)),
  },
  { weight: 1, arbitrary: fc.constant<AttendanceCommand>({ type: 'CloseRegister' }) },
);

function newRegister(): string {
  return `attendance-${randomUUID()}`;
}

describe('handleCommand', () => {
  let store: InMemoryEventStore;

  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  afterEach(() => store.close());

  it('appends what the decider decides, with ids derived from the command id, and returns it with the new state', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, request(streamId, record('u-1')));
    const commandId = randomUUID();

    // when
    const result = await handleCommand(
      store,
      attendanceRegister,
      request(streamId, record('u-2', 'u-3'), { commandId }),
    );

    // then
    assert.deepEqual(result.events, (await store.readStream(streamId)).slice(1), 'the events as recorded');
    assert.deepEqual(
      result.events.map((event) => [event.id, event.type, event.data]),
      [
        [deriveEventId(commandId, 0), 'AttendanceRecorded', { serviceUserId: 'u-2', present: true }],
        [deriveEventId(commandId, 1), 'AttendanceRecorded', { serviceUserId: 'u-3', present: true }],
      ],
    );
    assert.equal(result.nextExpectedRevision, 2);
    assert.deepEqual(result.state, { recorded: ['u-1', 'u-2', 'u-3'], presentCount: 3, closed: false });
    for (const event of result.events) {
      assert.deepEqual(
        { ...event.metadata, recordedAt: undefined },
        { ...metadata, correlationId: commandId, causationId: commandId, recordedAt: undefined },
      );
    }
  });

  it('keeps the correlation id of the caller', async () => {
    // when
    const result = await handleCommand(
      store,
      attendanceRegister,
      request(newRegister(), record('u-1'), { metadata: { ...metadata, correlationId: 'http-request-42' } }),
    );

    // then
    assert.equal(result.events[0]?.metadata.correlationId, 'http-request-42');
  });

  it('derives the same event ids for the same command id, and different ones otherwise', () => {
    assert.equal(deriveEventId('cmd-1', 0), deriveEventId('cmd-1', 0));
    assert.notEqual(deriveEventId('cmd-1', 0), deriveEventId('cmd-1', 1));
    assert.notEqual(deriveEventId('cmd-1', 0), deriveEventId('cmd-2', 0));
    assert.notEqual(deriveEventId('cmd-1', 10), deriveEventId('cmd-11', 0));
  });

  it('answers a retried command with the first result and appends nothing', async () => {
    // given
    const streamId = newRegister();
    const sent = request(streamId, record('u-1', 'u-2'));
    const first = await handleCommand(store, attendanceRegister, sent);

    // when
    const retried = await handleCommand(store, attendanceRegister, sent);

    // then
    assert.deepEqual(retried, first);
    assert.equal((await store.readStream(streamId)).length, 2);
  });

  it('answers a retried command with the first result even after other commands moved the stream on', async () => {
    // given
    const streamId = newRegister();
    const sent = request(streamId, record('u-1'));
    const first = await handleCommand(store, attendanceRegister, sent);
    await handleCommand(store, attendanceRegister, request(streamId, record('u-2')));
    await handleCommand(store, attendanceRegister, request(streamId, { type: 'CloseRegister' }));

    // when
    const retried = await handleCommand(store, attendanceRegister, { ...sent, expectedRevision: 'noStream' });

    // then
    assert.deepEqual(retried, first);
    assert.deepEqual(retried.state, { recorded: ['u-1'], presentCount: 1, closed: false }, 'the state right after it');
    assert.equal((await store.readStream(streamId)).length, 3);
  });

  it('lets two concurrent commands both succeed when the decider accepts them in either order', async () => {
    // given: both commands read the empty stream before either appends
    const streamId = newRegister();
    const racing = readersMeet(store, 2);

    // when
    const [a, b] = await Promise.all([
      handleCommand(racing, attendanceRegister, request(streamId, record('u-1'))),
      handleCommand(racing, attendanceRegister, request(streamId, record('u-2'))),
    ]);

    // then
    const stream = await store.readStream(streamId);
    assert.equal(stream.length, 2);
    assert.deepEqual(new Set([a.nextExpectedRevision, b.nextExpectedRevision]), new Set([0, 1]));
    const last = a.nextExpectedRevision === 1 ? a : b;
    assert.deepEqual([...last.state.recorded].sort(), ['u-1', 'u-2']);
  });

  it('refuses the loser of a race when the state it re-reads breaks a rule', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, request(streamId, record('u-1', 'u-2')));
    const racing = readersMeet(store, 2);

    // when: both want the last place
    const outcomes = await Promise.allSettled([
      handleCommand(racing, attendanceRegister, request(streamId, record('u-3'))),
      handleCommand(racing, attendanceRegister, request(streamId, record('u-4'))),
    ]);

    // then
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(refused.length, 1);
    assert.ok(refused[0]?.reason instanceof DomainRuleViolation && refused[0].reason.code === 'REGISTER_FULL');
    assert.equal((await store.readStream(streamId)).length, 3);
  });

  it('propagates a domain refusal untouched and writes nothing', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, request(streamId, record('u-1')));

    // when
    const error = await rejectionOf(handleCommand(store, attendanceRegister, request(streamId, record('u-1'))));

    // then
    assert.ok(error instanceof DomainRuleViolation, String(error));
    assert.equal(error.code, 'ATTENDANCE_ALREADY_RECORDED');
    assert.deepEqual(error.details, { serviceUserId: 'u-1' });
    assert.equal((await store.readStream(streamId)).length, 1);
  });

  it('refuses, without retrying, when the stream is no longer at the revision the caller saw', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, request(streamId, record('u-1')));
    await handleCommand(store, attendanceRegister, request(streamId, record('u-2')));

    // when
    const error = await rejectionOf(
      handleCommand(store, attendanceRegister, request(streamId, record('u-3'), { expectedRevision: 0 })),
    );

    // then
    assert.ok(error instanceof WrongExpectedRevisionError, String(error));
    assert.deepEqual({ expected: error.expected, actual: error.actual }, { expected: 0, actual: 1 });
    assert.equal((await store.readStream(streamId)).length, 2);
  });

  it('gives up after maxRetries conflicts and rethrows the last one', async () => {
    // given: a stream someone writes to between every read and append
    const streamId = newRegister();
    const appends: number[] = [];
    const contended: EventStore = {
      ...delegateTo(store),
      appendToStream: async (id, events, options) => {
        appends.push(events.length);
        throw new WrongExpectedRevisionError(id, options?.expectedRevision ?? 'any', 7);
      },
    };

    // when
    const error = await rejectionOf(
      handleCommand(contended, attendanceRegister, request(streamId, record('u-1'), { maxRetries: 2 })),
    );

    // then
    assert.ok(error instanceof WrongExpectedRevisionError, String(error));
    assert.equal(appends.length, 3, 'one attempt and two retries');
  });

  it('appends nothing when the decider decides nothing', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, request(streamId, record('u-1')));

    // when
    const result = await handleCommand(store, attendanceRegister, request(streamId, record()));

    // then
    assert.deepEqual(result, {
      events: [],
      nextExpectedRevision: 0,
      state: { recorded: ['u-1'], presentCount: 1, closed: false },
    });
    assert.equal((await store.readStream(streamId)).length, 1);
  });

  it('answers from the stream when a twin of the command wrote between its read and its append', async () => {
    // given: a twin (same command id) appends right after this one has read the stream
    const streamId = newRegister();
    const sent = request(streamId, record('u-1'));
    let twin: Promise<CommandResult<AttendanceRegister>> | undefined;
    const overtaken: EventStore = {
      ...delegateTo(store),
      readStream: async (id, options) => {
        const events = await store.readStream(id, options);
        twin ??= handleCommand(store, attendanceRegister, sent);
        await twin;
        return events;
      },
    };

    // when
    const result = await handleCommand(overtaken, attendanceRegister, sent);

    // then
    assert.deepEqual(result, await twin);
    assert.equal((await store.readStream(streamId)).length, 1);
  });

  it('hands the decider clear data through crypto-shredding, and the erased marker once the usager is forgotten', async () => {
    // given
    const shredding = withCryptoShredding(store, { keys: new InMemoryDataKeyStore(), masterKey: randomBytes(32) });
    const streamId = newRegister();
    const onUsager = { ...metadata, serviceUserId: 'u-1' };
    const first = await handleCommand(
      shredding,
      attendanceRegister,
      request(streamId, record('u-1'), { metadata: onUsager }),
    );
    const seen: unknown[] = [];
    const observing: Decider<AttendanceCommand, AttendanceEvent, AttendanceRegister> = {
      ...attendanceRegister,
      evolve: (state, event) => {
        seen.push(event.data);
        return state;
      },
    };

    // when
    await shredding.forget('u-1');
    await handleCommand(shredding, observing, request(streamId, { type: 'CloseRegister' }));

    // then
    assert.deepEqual(first.events[0]?.data, { serviceUserId: 'u-1', present: true });
    assert.deepEqual(seen, [{ $erased: true, serviceUserId: 'u-1' }, { presentCount: 0 }]);
  });

  it('running any command twice equals running it once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ command: anyAttendanceCommand, twice: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        async (steps) => {
          // given
          const [once, twice] = [new InMemoryEventStore(), new InMemoryEventStore()];
          const streamId = newRegister();
          const outcome = (attempt: Promise<CommandResult<AttendanceRegister>>) =>
            attempt.then(summarise, (error: unknown) => (error instanceof DomainRuleViolation ? error.code : error));

          for (const { command, twice: retried } of steps) {
            // when
            const sent = request(streamId, command);
            const expected = await outcome(handleCommand(once, attendanceRegister, sent));
            const first = await outcome(handleCommand(twice, attendanceRegister, sent));
            const second = retried ? await outcome(handleCommand(twice, attendanceRegister, sent)) : first;

            // then
            assert.deepEqual(first, expected);
            // A refused command left no trace to recognise: only a command that wrote is answered again.
            if (typeof first !== 'string') assert.deepEqual(second, first);
          }
          assert.deepEqual(
            summariseStream(await twice.readStream(streamId)),
            summariseStream(await once.readStream(streamId)),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('handleCommand with kept states', () => {
  let store: InMemoryEventStore;
  let states: LruStreamStateCache<AttendanceRegister>;

  beforeEach(() => {
    store = new InMemoryEventStore();
    states = new LruStreamStateCache();
  });

  afterEach(() => store.close());

  const keeping = (streamId: string, command: AttendanceCommand) => request(streamId, command, { stateCache: states });

  it('reads only what was appended since the stream was last folded', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-1')));
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-2')));
    const reads: { fromRevision: number | undefined; count: number }[] = [];
    const counting: EventStore = {
      ...delegateTo(store),
      readStream: async (id, options) => {
        const events = await store.readStream(id, options);
        reads.push({ fromRevision: options?.fromRevision, count: events.length });
        return events;
      },
    };

    // when
    const result = await handleCommand(counting, attendanceRegister, keeping(streamId, record('u-3')));

    // then: nothing before revision 2 is read, neither to decide nor to read the new event back
    assert.deepEqual(reads, [
      { fromRevision: 2, count: 0 },
      { fromRevision: 2, count: 1 },
    ]);
    assert.deepEqual(result.state, { recorded: ['u-1', 'u-2', 'u-3'], presentCount: 3, closed: false });
    assert.deepEqual(states.get(streamId), { state: result.state, revision: 2 });
  });

  it('finds what another process appended since, and decides on it', async () => {
    // given: the register is full once another process (no kept state) has recorded u-3
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-1', 'u-2')));
    await handleCommand(store, attendanceRegister, request(streamId, record('u-3')));

    // when
    const error = await rejectionOf(handleCommand(store, attendanceRegister, keeping(streamId, record('u-4'))));

    // then
    assert.ok(error instanceof DomainRuleViolation && error.code === 'REGISTER_FULL', String(error));
    assert.equal(states.get(streamId)?.revision, 2);
  });

  it('answers a command retried after the kept revision with its first result', async () => {
    // given: the kept state already holds the command's own event
    const streamId = newRegister();
    const sent = keeping(streamId, record('u-1'));
    const first = await handleCommand(store, attendanceRegister, sent);
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-2')));

    // when
    const retried = await handleCommand(store, attendanceRegister, sent);

    // then
    assert.deepEqual(retried, first);
    assert.equal((await store.readStream(streamId)).length, 2);
  });

  it('answers a retried command with its first result when the kept state makes it decide otherwise', async () => {
    // given: a decider that emits one event more than the stream holds, so that the retry, decided
    // on a state that holds the first attempt's event, would reuse that event's id in a longer append
    const growing: Decider<{ type: 'Grow' }, { type: 'Grown'; data: Record<string, never> }, number> = {
      initialState: () => 0,
      decide: (_command, size) => Array.from({ length: size + 1 }, () => ({ type: 'Grown' as const, data: {} })),
      evolve: (size) => size + 1,
    };
    const streamId = `growing-${randomUUID()}`;
    const sent = {
      streamId,
      commandId: randomUUID(),
      command: { type: 'Grow' as const },
      metadata,
      stateCache: new LruStreamStateCache<number>(),
    };
    const first = await handleCommand(store, growing, sent);

    // when
    const retried = await handleCommand(store, growing, sent);

    // then
    assert.deepEqual(retried, first);
    assert.equal((await store.readStream(streamId)).length, 1);
  });

  it('keeps no state folded from an event about a usager, whose data forgetting them would erase', async () => {
    // given
    const streamId = newRegister();
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-1')));
    assert.equal(states.get(streamId)?.revision, 0);

    // when
    await handleCommand(store, attendanceRegister, {
      ...keeping(streamId, record('u-2')),
      metadata: { ...metadata, serviceUserId: 'u-2' },
    });
    await handleCommand(store, attendanceRegister, keeping(streamId, record('u-3')));

    // then
    assert.equal(states.get(streamId), undefined);
  });

  it('gives every command the answer it gets without kept states, whoever else writes (property)', async () => {
    const anyStep = fc.record({
      command: anyAttendanceCommand,
      /** Sent by another process, which keeps no state. */
      elsewhere: fc.boolean(),
      /** Sent again: the index among the commands sent so far. */
      retryOf: fc.option(fc.nat(), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(anyStep, { minLength: 1, maxLength: 10 }), async (steps) => {
        // given
        const [plain, kept] = [new InMemoryEventStore(), new InMemoryEventStore()];
        const cache = new LruStreamStateCache<AttendanceRegister>();
        const streamId = newRegister();
        const outcome = (attempt: Promise<CommandResult<AttendanceRegister>>) =>
          attempt.then(summarise, (error: unknown) => (error instanceof DomainRuleViolation ? error.code : error));
        const sent: CommandRequest<AttendanceCommand, AttendanceEvent, AttendanceRegister>[] = [];

        for (const { command, elsewhere, retryOf } of steps) {
          const earlier = retryOf === undefined || sent.length === 0 ? undefined : sent[retryOf % sent.length];
          const next = earlier ?? request(streamId, command);
          sent.push(next);

          // when
          const expected = await outcome(handleCommand(plain, attendanceRegister, next));
          const got = await outcome(
            handleCommand(kept, attendanceRegister, elsewhere ? next : { ...next, stateCache: cache }),
          );

          // then
          assert.deepEqual(got, expected);
        }
        assert.deepEqual(
          summariseStream(await kept.readStream(streamId)),
          summariseStream(await plain.readStream(streamId)),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe('foldStream', () => {
  let store: InMemoryEventStore;

  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  afterEach(() => store.close());

  it('gives the initial state for a stream that does not exist', async () => {
    // when
    const state = await foldStream(store, attendanceRegister, newRegister());

    // then
    assert.deepEqual(state, attendanceRegister.initialState());
  });

  it('gives the state the last command left, whatever the commands (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyAttendanceCommand, { maxLength: 8 }), async (commands) => {
        // given
        const streamId = newRegister();
        let expected = attendanceRegister.initialState();
        for (const command of commands) {
          const result = await handleCommand(store, attendanceRegister, request(streamId, command)).catch(
            (error: unknown) => {
              if (error instanceof DomainRuleViolation) return undefined;
              throw error;
            },
          );
          if (result) expected = result.state;
        }

        // when
        const state = await foldStream(store, attendanceRegister, streamId);

        // then
        assert.deepEqual(state, expected);
      }),
      { numRuns: 100 },
    );
  });

  it('hands evolve the erased marker once the usager is forgotten, as handleCommand does', async () => {
    // given
    const shredding = withCryptoShredding(store, { keys: new InMemoryDataKeyStore(), masterKey: randomBytes(32) });
    const streamId = newRegister();
    await handleCommand(
      shredding,
      attendanceRegister,
      request(streamId, record('u-1'), { metadata: { ...metadata, serviceUserId: 'u-1' } }),
    );
    const seen: unknown[] = [];
    const observing = {
      ...attendanceRegister,
      evolve: (state: AttendanceRegister, event: AttendanceEvent) => {
        seen.push(event);
        return state;
      },
    };

    // when
    await foldStream(shredding, observing, streamId);
    await shredding.forget('u-1');
    await foldStream(shredding, observing, streamId);

    // then
    assert.deepEqual(seen, [
      { type: 'AttendanceRecorded', version: 1, data: { serviceUserId: 'u-1', present: true } },
      { type: 'AttendanceRecorded', version: 1, data: { $erased: true, serviceUserId: 'u-1' } },
    ]);
  });
});

/** What two runs on two stores must agree on: everything but the time of recording and hashes that cover it. */
function summarise(result: CommandResult<AttendanceRegister>) {
  return { ...result, events: summariseStream(result.events) };
}

function summariseStream(events: readonly RecordedEvent[]) {
  return events.map(({ id, type, data, streamRevision }) => ({ id, type, data, streamRevision }));
}

function delegateTo(store: EventStore): EventStore {
  return {
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    subscribeToAll: (...args) => store.subscribeToAll(...args),
    verifyIntegrity: (...args) => store.verifyIntegrity(...args),
    close: () => store.close(),
  };
}

/** The first `parties` stream reads wait for each other: the commands behind them race to append. */
function readersMeet(store: EventStore, parties: number): EventStore {
  let waiting = parties;
  let release: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    ...delegateTo(store),
    readStream: async (id, options) => {
      const events = await store.readStream(id, options);
      if (waiting > 0) {
        waiting -= 1;
        if (waiting === 0) release();
        await allRead;
      }
      return events;
    },
  };
}
