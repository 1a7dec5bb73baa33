import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Knex } from 'knex';
import type { RecordedEvent } from '../event.js';
import { testEvents, uniqueOrganisationId } from '../testing/fixtures.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { dropSchema, testPostgres, uniqueSchema } from './test-databases.js';

const WRITERS = 8;
const EVENTS_PER_WRITER = 2_000;
const EVENTS_PER_APPEND = 5;
const STREAMS_PER_WRITER = 4;
const LONGEST_COMMIT_DELAY_MS = 20;

describe('PostgresEventStore global order under contention (PostgreSQL)', function () {
  this.timeout(90_000);
  let knex: Knex;
  let schema: string;
  let store: PostgresEventStore;

  before(async () => {
    knex = testPostgres(WRITERS + 4);
    schema = uniqueSchema('global_order');
    await migrateEventStore(knex, { schema });
    store = new PostgresEventStore(knex, { schema });
  });

  after(async () => {
    await store.close();
    await dropSchema(knex, schema);
    await knex.destroy();
  });

  it('hands every event to a reader following the log exactly once, in the order of a final read', async () => {
    // given writers whose transactions commit late and out of position order
    const organisationId = uniqueOrganisationId();
    const total = WRITERS * EVENTS_PER_WRITER;
    const writer = async (index: number) => {
      for (let append = 0; append < EVENTS_PER_WRITER / EVENTS_PER_APPEND; append++) {
        const streamId = `writer-${index}-stream-${append % STREAMS_PER_WRITER}`;
        await knex.transaction(async (trx) => {
          await store.appendToStream(streamId, testEvents(organisationId, EVENTS_PER_APPEND), { transaction: trx });
          await sleep(Math.random() * LONGEST_COMMIT_DELAY_MS);
        });
      }
    };

    // when a poller follows the log from its last position while they write
    const seen: RecordedEvent[] = [];
    let writing = true;
    const poller = async () => {
      let after: bigint | undefined;
      while (writing || seen.length < total) {
        const batch = await store.readAll({ after, maxCount: 1_000 });
        seen.push(...batch);
        after = batch.at(-1)?.globalPosition ?? after;
        if (batch.length === 0) await sleep(1);
      }
    };
    const started = performance.now();
    const polling = poller();
    await Promise.all(Array.from({ length: WRITERS }, (_, index) => writer(index)));
    const writtenInMs = performance.now() - started;
    writing = false;
    await polling;
    const caughtUpInMs = performance.now() - started;

    // then
    const final = await store.readAll();
    expect(final).to.have.length(total);
    expect(seen.map((event) => event.id)).to.deep.equal(final.map((event) => event.id));
    expect(new Set(seen.map((event) => event.id)).size).to.equal(total);
    expect(revisionsOutOfOrder(final), 'every stream reads in revision order in the log').to.deep.equal([]);
    const overtaken = overtakenEvents(seen);
    // a reader following bare positions would have skipped these: proof the test raced for real
    expect(overtaken, 'events committed after an event with a higher position').to.be.greaterThan(0);
    console.log(
      `      ${total} events by ${WRITERS} writers in ${Math.round(writtenInMs)} ms, reader caught up at ` +
        `${Math.round(caughtUpInMs)} ms; ${overtaken} events committed behind a higher position`,
    );
  });
});

/** Events read after an event of higher position: a `global_position > last` reader misses them. */
function overtakenEvents(events: readonly RecordedEvent[]): number {
  let highest = 0n;
  let overtaken = 0;
  for (const event of events) {
    if (event.globalPosition < highest) overtaken += 1;
    else highest = event.globalPosition;
  }
  return overtaken;
}

/** Streams whose events the log does not list as revisions 0, 1, 2, ... */
function revisionsOutOfOrder(events: readonly RecordedEvent[]): string[] {
  const next = new Map<string, number>();
  const broken = new Set<string>();
  for (const event of events) {
    if (event.streamRevision !== (next.get(event.streamId) ?? 0)) broken.add(event.streamId);
    next.set(event.streamId, event.streamRevision + 1);
  }
  return [...broken];
}
