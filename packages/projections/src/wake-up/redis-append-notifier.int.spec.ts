import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { RedisAppendNotifier } from './redis-append-notifier.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisAppendNotifier', () => {
  let channel: string;
  let writer: RedisAppendNotifier;
  let reader: RedisAppendNotifier;

  beforeEach(async () => {
    // Two notifiers, as two processes would have, on a channel no other run shares.
    channel = `dui:test-appended:${randomUUID()}`;
    [writer, reader] = await Promise.all([
      RedisAppendNotifier.connect(REDIS_URL, { channel }),
      RedisAppendNotifier.connect(REDIS_URL, { channel }),
    ]);
  });

  afterEach(async () => {
    await Promise.all([writer.close(), reader.close()]);
  });

  it('carries an organisation id from one process to a listener of another', async () => {
    // given
    const received = nextAppended(reader);

    // when
    writer.notifyAppended('organisation-1');

    // then
    expect(await received).to.equal('organisation-1');
    expect(writer.publishFailures).to.equal(0);
  });

  it('also tells the publishing process itself', async () => {
    // given
    const received = nextAppended(writer);

    // when
    writer.notifyAppended('organisation-2');

    // then
    expect(await received).to.equal('organisation-2');
  });

  it('no longer calls a listener that stopped listening', async () => {
    // given
    const heard: string[] = [];
    const stop = reader.onAppended((organisationId) => heard.push(organisationId));
    stop();
    const stillListening = nextAppended(reader);

    // when
    writer.notifyAppended('organisation-3');

    // then
    expect(await stillListening).to.equal('organisation-3');
    expect(heard).to.deep.equal([]);
  });

  it('publishes once per organisation what was appended in one turn of the event loop', async () => {
    // given
    const heard: string[] = [];
    reader.onAppended((organisationId) => heard.push(organisationId));

    // when a feed traces its reads: many appends at once, in two organisations
    for (let append = 0; append < 10; append++) writer.notifyAppended('organisation-a');
    for (let append = 0; append < 3; append++) writer.notifyAppended('organisation-b');
    await new Promise((resolve) => setImmediate(resolve));
    writer.notifyAppended('organisation-a');

    // then each organisation once for the first turn, then again for the next
    await waitUntil(() => heard.length >= 3, 1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).to.deep.equal(['organisation-a', 'organisation-b', 'organisation-a']);
  });

  it('counts a failed publication instead of throwing', async () => {
    // given
    const closed = await RedisAppendNotifier.connect(REDIS_URL, { channel });
    await closed.close();

    // when
    closed.notifyAppended('organisation-4');

    // then
    await waitUntil(() => closed.publishFailures === 1, 1000);
  });
});

describe('RedisAppendNotifier while Redis is away', () => {
  it('fails publications at once and sends none of them once Redis is back', async () => {
    // given a notifier reaching Redis through a link that can be cut, and a reader on Redis itself
    const channel = `dui:test-appended:${randomUUID()}`;
    const link = await CuttableLink.to(new URL(REDIS_URL));
    const writer = await RedisAppendNotifier.connect(`redis://127.0.0.1:${link.port}`, { channel });
    const reader = await RedisAppendNotifier.connect(REDIS_URL, { channel });
    const heard: string[] = [];
    reader.onAppended((organisationId) => heard.push(organisationId));
    try {
      // when the link is cut and appends go on
      await link.cut();
      for (let turn = 0; turn < 50; turn++) {
        writer.notifyAppended('while-away');
        await new Promise((resolve) => setImmediate(resolve));
      }
      // then every publication fails without waiting for a reconnection
      await waitUntil(() => writer.publishFailures === 50, 500);

      // and once the link is back, only what is published then arrives
      await link.restore();
      await waitUntil(() => {
        writer.notifyAppended('back');
        return heard.includes('back');
      }, 5000);
      expect(heard.filter((organisationId) => organisationId === 'while-away')).to.deep.equal([]);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
      await link.close();
    }
  });
});

/** A TCP relay on a fixed local port, whose connections can be cut and whose port can be reopened. */
class CuttableLink {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly target: URL,
    public port: number,
  ) {}

  static async to(target: URL): Promise<CuttableLink> {
    const link = new CuttableLink(target, 0);
    await link.restore();
    return link;
  }

  async restore(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(Number(this.target.port || 6379), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  close(): Promise<void> {
    return this.cut();
  }
}

function nextAppended(notifier: RedisAppendNotifier, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`nothing heard within ${ms} ms`));
    }, ms);
    const stop = notifier.onAppended((organisationId) => {
      clearTimeout(timer);
      stop();
      resolve(organisationId);
    });
  });
}

async function waitUntil(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
