import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  IntegrityReport,
  ReadAllOptions,
  ReadInTransaction,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  VerifyOptions,
} from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import type { ProjectionRuntime } from './projection-runtime.js';

/**
 * An event store whose appends also update the runtime's inline projections, in the same
 * transaction (the caller's, or one opened here): once the append has committed, so have its
 * read models. Wrap last (over the crypto-shredding decorator, so that projections see clear
 * data); what the inner store offers beyond the port stays on the inner store.
 */
export function withInlineProjections(
  store: EventStore<Knex.Transaction>,
  knex: Knex,
  runtime: ProjectionRuntime,
): EventStore<Knex.Transaction> {
  return new InlineProjectingStore(store, knex, runtime);
}

class InlineProjectingStore implements EventStore<Knex.Transaction> {
  constructor(
    private readonly store: EventStore<Knex.Transaction>,
    private readonly knex: Knex,
    private readonly runtime: ProjectionRuntime,
  ) {}

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions<Knex.Transaction> = {},
  ): Promise<AppendResult> {
    const types = events.map((event) => event.type);
    // nothing to project (a trace of a read, say): the store's own append, which concurrent
    // appends share (one round trip for several), rather than a transaction of its own
    if (!options.transaction && !this.runtime.handlesInline(types)) {
      return this.store.appendToStream(streamId, events, options);
    }
    const append = async (trx: Knex.Transaction) => {
      await this.runtime.holdInlineBuilds(trx, types);
      const result = await this.store.appendToStream(streamId, events, { ...options, transaction: trx });
      if (result.alreadyAppended) return result;
      const appended = await this.store.readStream(streamId, {
        fromRevision: result.nextExpectedRevision - events.length + 1,
        transaction: trx,
      });
      await this.runtime.applyInline(trx, appended);
      return { ...result, recorded: appended };
    };
    return options.transaction ? append(options.transaction) : this.knex.transaction(append);
  }

  readStream(
    streamId: string,
    options?: ReadStreamOptions & ReadInTransaction<Knex.Transaction>,
  ): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions & ReadInTransaction<Knex.Transaction>): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.store.subscribeToAll(options);
  }

  verifyIntegrity(options?: VerifyOptions): Promise<IntegrityReport> {
    return this.store.verifyIntegrity(options);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
