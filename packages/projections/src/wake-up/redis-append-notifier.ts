import { EventEmitter } from 'node:events';
import type { AppendNotifier } from '@dui-pds/eventstore';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisAppendNotifierOptions {
  /** The pub/sub channel shared by every process of one deployment; 'dui:appended' by default. */
  channel?: string;
}

/**
 * Carries append notifications between processes over Redis pub/sub. Messages are lost while a
 * connection is down; subscribers' polling is what makes that harmless.
 *
 * The appends of one turn of the event loop are told once per organisation: a notification only
 * says "read again", and a request appends many at once (a handover feed traces a read per usager
 * shown), which the event store and its crypto-shredding decorator each tell.
 */
export class RedisAppendNotifier implements AppendNotifier {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #emitter = new EventEmitter().setMaxListeners(0);
  /** Organisations told of an append in this turn of the event loop, published at its end. */
  readonly #pending = new Set<string>();
  #publishFailures = 0;

  /** Publications that failed; each one only delays readers until their next poll. */
  get publishFailures(): number {
    return this.#publishFailures;
  }

  private constructor(publisher: Redis, subscriber: Redis, channel: string) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = channel;
    subscriber.on('message', (messageChannel: string, organisationId: string) => {
      if (messageChannel === channel) this.#emitter.emit('appended', organisationId);
    });
  }

  static async connect(
    redis: string | RedisOptions,
    options: RedisAppendNotifierOptions = {},
  ): Promise<RedisAppendNotifier> {
    const channel = options.channel ?? 'dui:appended';
    // A subscribed connection can do nothing but subscribe, hence a second one to publish. The
    // publisher keeps nothing for later while Redis is away: a notification that cannot go now is
    // worth nothing later (readers poll meanwhile), and a queue of them would only grow.
    const publisher = open(redis, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
    });
    const subscriber = open(redis);
    try {
      await Promise.all([publisher.connect(), subscriber.subscribe(channel)]);
    } catch (error) {
      publisher.disconnect();
      subscriber.disconnect();
      throw error;
    }
    return new RedisAppendNotifier(publisher, subscriber, channel);
  }

  notifyAppended(organisationId: string): void {
    if (this.#pending.size === 0) setImmediate(() => this.#publishPending());
    this.#pending.add(organisationId);
  }

  #publishPending(): void {
    for (const organisationId of this.#pending) {
      this.#publisher.publish(this.#channel, organisationId).catch(() => {
        this.#publishFailures += 1;
      });
    }
    this.#pending.clear();
  }

  onAppended(listener: (organisationId: string) => void): () => void {
    this.#emitter.on('appended', listener);
    return () => this.#emitter.off('appended', listener);
  }

  async close(): Promise<void> {
    this.#publishPending();
    this.#emitter.removeAllListeners();
    await Promise.all([quit(this.#publisher), quit(this.#subscriber)]);
  }
}

function open(redis: string | RedisOptions, options: RedisOptions = {}): Redis {
  const connection = typeof redis === 'string' ? new Redis(redis, options) : new Redis({ ...redis, ...options });
  // ioredis reconnects by itself; without a listener its 'error' events would crash the process.
  connection.on('error', () => {});
  return connection;
}

async function quit(connection: Redis): Promise<void> {
  await connection.quit().catch(() => connection.disconnect());
}
