import { randomUUID } from 'node:crypto';
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
