import { prepareEvents } from '../append-preparation.js';
import { InvalidEventError } from '../errors.js';
import type { ErasedData, EventToAppend, RecordedEvent } from '../event.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ReadAllOptions,
  ReadInTransaction,
  ReadStreamOptions,
  SubscribeOptions,
  VerifyOptions,
} from '../event-store.js';
import type { IntegrityReport } from '../integrity-report.js';
import { type AppendNotifier, InProcessAppendNotifier } from '../notifier.js';
import { pollGlobalLog } from '../subscription.js';
import type { DataKeyStore, StoredDataKey } from './data-key-store.js';
import {
  DataKeyMissingError,
  DataKeyUnwrapError,
  ServiceUserTenantMismatchError,
  SubjectForgottenError,
} from './errors.js';
import { decryptEventData, deriveContentKey, encryptEventData, isEncryptedData } from './event-data-cipher.js';
import { generateDataKey, type MasterKeys, unwrapKey, wrapDataKey } from './key-wrapping.js';
import { assertMasterKey } from './master-key.js';
import { SharedKeyLookups } from './shared-key-lookups.js';

export interface CryptoShreddingOptions<Transaction> {
  keys: DataKeyStore<Transaction>;
  /** 32 bytes, from configuration (`loadMasterKey(process.env.DUI_MASTER_KEY)`). */
  masterKey: Buffer;
  /**
   * The master keys `masterKey` replaced (`DUI_PREVIOUS_MASTER_KEYS`): data keys still wrapped by
   * one of them open until `rewrapUnderCurrentMasterKey` has re-wrapped them (ADR 0020).
   */
  previousMasterKeys?: readonly Buffer[];
  /**
   * Wakes this store's subscriptions. By default they hear this decorator's appends only and
   * poll for the rest; pass the notifier the wrapped store shares across processes to do better.
   */
  notifier?: AppendNotifier;
}

/** An event store whose usagers can be forgotten: their data becomes unreadable everywhere. */
export interface CryptoShreddingEventStore<Transaction = never> extends EventStore<Transaction> {
  /**
   * Destroys the usager's data key: every event about them now reads as `{ $erased: true }`,
   * on every read path and in every copy of the log, and nothing more can be written about them.
   * The hash chains still verify (they cover the ciphertext). Idempotent.
   */
  forget(serviceUserId: string): Promise<void>;

  /**
   * The usager's key for what is kept about them outside the log (their documents' bytes),
   * derived from their data key: `forget` destroys it with the rest, in every backup too.
   * With `create`, the data key is made on first use, as a first event about them would make it;
   * without, a usager with no key yet gives `undefined`. A forgotten usager gives `'forgotten'`.
   * Refuses a usager of another organisation (`ServiceUserTenantMismatchError`).
   */
  contentKey(serviceUserId: string, options: ContentKeyOptions & { create: true }): Promise<Buffer | 'forgotten'>;
  contentKey(serviceUserId: string, options: ContentKeyOptions): Promise<Buffer | 'forgotten' | undefined>;
}

export interface ContentKeyOptions {
  /** The organisation the caller acts for: the usager's key must be theirs. */
  organisationId: string;
  create: boolean;
}

/**
 * Crypto-shredding (DESIGN.md, Event store) as a decorator over any event store: the data of an
 * event with `metadata.serviceUserId` is encrypted with that usager's own key before it reaches
 * the wrapped store, and decrypted on the way out. Metadata (ids, tenant, actor, dates) stays in
 * clear, so the log, its chains and anonymous statistics outlive the erasure.
 */
export function withCryptoShredding<Transaction>(
  store: EventStore<Transaction>,
  options: CryptoShreddingOptions<Transaction>,
): CryptoShreddingEventStore<Transaction> {
  return new CryptoShreddingStore(store, options);
}

/** The clear data keys a batch needs, by usager; only destroyed keys map to `'forgotten'`. */
type BatchKeys = Map<string, Buffer | 'forgotten'>;

class CryptoShreddingStore<Transaction> implements CryptoShreddingEventStore<Transaction> {
  readonly #store: EventStore<Transaction>;
  readonly #keys: DataKeyStore<Transaction>;
  readonly #keysWrittenIn = new WeakMap<object, Map<string, Buffer>>();
  /** Look-ups outside a transaction, the concurrent ones in one query. */
  readonly #sharedLookups: SharedKeyLookups;
  readonly #masterKeys: MasterKeys;
  readonly #notifier: AppendNotifier;
  readonly #closing = new AbortController();

  constructor(store: EventStore<Transaction>, options: CryptoShreddingOptions<Transaction>) {
    assertMasterKey(options.masterKey);
    for (const previous of options.previousMasterKeys ?? []) assertMasterKey(previous);
    this.#store = store;
    this.#keys = options.keys;
    this.#sharedLookups = new SharedKeyLookups(options.keys);
    this.#masterKeys = {
      current: Buffer.from(options.masterKey),
      previous: (options.previousMasterKeys ?? []).map((key) => Buffer.from(key)),
    };
    this.#notifier = options.notifier ?? new InProcessAppendNotifier();
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions<Transaction> = {},
  ): Promise<AppendResult> {
    // Validated here as the wrapped store would, because it only ever sees ciphertext.
    const prepared = prepareEvents(streamId, events, new Date());
    const organisationId = prepared[0]!.metadata.organisationId;
    const subjects = distinctSubjects(prepared);
    if (subjects.length === 0) return this.#append(streamId, events, options, organisationId);

    const keys = await this.#keysForWriting(subjects, organisationId, options.transaction);
    this.#rememberIn(options.transaction, keys);
    const encrypted = events.map((event, index): EventToAppend => {
      const serviceUserId = event.metadata.serviceUserId;
      if (!serviceUserId) return event;
      return {
        ...event,
        data: encryptEventData(keys.get(serviceUserId)!, { eventId: event.id, serviceUserId }, prepared[index]!.data),
      };
    });
    return this.#append(streamId, encrypted, options, organisationId);
  }

  async readStream(
    streamId: string,
    options?: ReadStreamOptions & ReadInTransaction<Transaction>,
  ): Promise<RecordedEvent[]> {
    return this.#reveal(await this.#store.readStream(streamId, options), options?.transaction);
  }

  async readAll(options?: ReadAllOptions & ReadInTransaction<Transaction>): Promise<RecordedEvent[]> {
    return this.#reveal(await this.#store.readAll(options), options?.transaction);
  }

  /**
   * Polls this store's own `readAll` rather than wrapping the inner subscription, so that each
   * batch costs one key look-up instead of one per event.
   */
  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    const signal = options.signal ? AbortSignal.any([options.signal, this.#closing.signal]) : this.#closing.signal;
    return pollGlobalLog((readOptions) => this.readAll(readOptions), this.#notifier, { ...options, signal });
  }

  verifyIntegrity(options?: VerifyOptions): Promise<IntegrityReport> {
    return this.#store.verifyIntegrity(options);
  }

  async forget(serviceUserId: string): Promise<void> {
    if (typeof serviceUserId !== 'string' || serviceUserId.length === 0) {
      throw new InvalidEventError('a usager id is a non-empty string');
    }
    await this.#keys.destroy(serviceUserId);
  }

  contentKey(serviceUserId: string, options: ContentKeyOptions & { create: true }): Promise<Buffer | 'forgotten'>;
  contentKey(serviceUserId: string, options: ContentKeyOptions): Promise<Buffer | 'forgotten' | undefined>;
  async contentKey(serviceUserId: string, options: ContentKeyOptions): Promise<Buffer | 'forgotten' | undefined> {
    if (typeof serviceUserId !== 'string' || serviceUserId.length === 0) {
      throw new InvalidEventError('a usager id is a non-empty string');
    }
    const { organisationId, create } = options;
    let dataKey: Buffer;
    if (create) {
      try {
        dataKey = (await this.#keysForWriting([serviceUserId], organisationId, undefined)).get(serviceUserId)!;
      } catch (error) {
        if (error instanceof SubjectForgottenError) return 'forgotten';
        throw error;
      }
    } else {
      const stored = (await this.#sharedLookups.getMany([serviceUserId])).get(serviceUserId);
      if (stored === undefined) return undefined;
      if (stored.status === 'destroyed') return 'forgotten';
      if (stored.organisationId !== organisationId) throw new ServiceUserTenantMismatchError(serviceUserId);
      dataKey = this.#unwrap(serviceUserId, stored.wrappedKey);
    }
    return deriveContentKey(dataKey);
  }

  close(): Promise<void> {
    this.#closing.abort();
    return this.#store.close();
  }

  async #append(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions<Transaction>,
    organisationId: string,
  ): Promise<AppendResult> {
    const result = await this.#store.appendToStream(streamId, events, options);
    if (!result.alreadyAppended) this.#notifier.notifyAppended(organisationId);
    return result;
  }

  /** Each usager's key, created on first write; refuses forgotten usagers and other tenants' ones. */
  async #keysForWriting(
    subjects: readonly string[],
    organisationId: string,
    transaction: Transaction | undefined,
  ): Promise<Map<string, Buffer>> {
    const options = transaction === undefined ? undefined : { transaction };
    const stored = await this.#lookUp(subjects, transaction);
    const keys = new Map<string, Buffer>();
    for (const serviceUserId of subjects) {
      let key = stored.get(serviceUserId);
      if (key === undefined) {
        const wrappedKey = wrapDataKey(this.#masterKeys.current, serviceUserId, generateDataKey());
        // Another process may have created it meanwhile: `create` then returns theirs.
        key = await this.#keys.create({ serviceUserId, organisationId, wrappedKey }, options);
      }
      if (key.status === 'destroyed') throw new SubjectForgottenError(serviceUserId);
      if (key.organisationId !== organisationId) throw new ServiceUserTenantMismatchError(serviceUserId);
      keys.set(serviceUserId, this.#unwrap(serviceUserId, key.wrappedKey));
    }
    return keys;
  }

  async #reveal(events: RecordedEvent[], transaction: Transaction | undefined): Promise<RecordedEvent[]> {
    const subjects = distinctSubjects(events);
    if (subjects.length === 0) return events;
    const written = isObject(transaction) ? this.#keysWrittenIn.get(transaction) : undefined;
    const unknown = written ? subjects.filter((subject) => !written.has(subject)) : subjects;
    const keys: BatchKeys = unknown.length > 0 ? this.#unwrapAll(await this.#lookUp(unknown, transaction)) : new Map();
    for (const [subject, key] of written ?? []) keys.set(subject, key);
    return events.map((event) => this.#revealOne(event, keys));
  }

  /**
   * Inline projections read back, in the append's transaction, what it just wrote: the keys it
   * wrote with are those it reads with, so they are not looked up again. Kept as long as the
   * transaction object lives. A usager forgotten by another transaction meanwhile still reads
   * here as written, as the append itself did.
   */
  #rememberIn(transaction: Transaction | undefined, keys: ReadonlyMap<string, Buffer>): void {
    if (!isObject(transaction)) return;
    const written = this.#keysWrittenIn.get(transaction) ?? new Map<string, Buffer>();
    for (const [subject, key] of keys) written.set(subject, key);
    this.#keysWrittenIn.set(transaction, written);
  }

  /** In the caller's transaction, which must see its own keys; shared with concurrent look-ups otherwise. */
  #lookUp(subjects: readonly string[], transaction: Transaction | undefined): Promise<Map<string, StoredDataKey>> {
    return transaction === undefined
      ? this.#sharedLookups.getMany(subjects)
      : this.#keys.getMany(subjects, { transaction });
  }

  #unwrapAll(stored: Map<string, StoredDataKey>): BatchKeys {
    const keys: BatchKeys = new Map();
    for (const [serviceUserId, key] of stored) {
      keys.set(serviceUserId, key.status === 'destroyed' ? 'forgotten' : this.#unwrap(serviceUserId, key.wrappedKey));
    }
    return keys;
  }

  #unwrap(serviceUserId: string, wrappedKey: Buffer): Buffer {
    const opened = unwrapKey(this.#masterKeys, { dataKeyOf: serviceUserId }, wrappedKey);
    if (!opened) throw new DataKeyUnwrapError(serviceUserId);
    return opened.key;
  }

  #revealOne(event: RecordedEvent, keys: BatchKeys): RecordedEvent {
    const serviceUserId = event.metadata.serviceUserId;
    if (!serviceUserId) return event;
    const key = keys.get(serviceUserId);
    if (key === 'forgotten') {
      const erased: ErasedData = { $erased: true, serviceUserId };
      return { ...event, data: erased };
    }
    // Written in clear before crypto-shredding was switched on, or by another path: left as is.
    if (!isEncryptedData(event.data)) return event;
    if (key === undefined) throw new DataKeyMissingError(event.id, serviceUserId);
    return { ...event, data: decryptEventData(key, { eventId: event.id, serviceUserId }, event.data) };
  }
}

/** A transaction a WeakMap can hold (knex's are functions). */
function isObject(value: unknown): value is object {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function distinctSubjects(events: readonly { metadata: { serviceUserId?: string | undefined } }[]): string[] {
  const subjects = new Set<string>();
  for (const event of events) if (event.metadata.serviceUserId) subjects.add(event.metadata.serviceUserId);
  return [...subjects];
}
