import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { type Anchor, takeAnchor } from '../anchor.js';
import type { RecordedEvent } from '../event.js';
import { hashEvent } from '../hash-chain.js';
import type { IntegrityReport } from '../integrity-report.js';
import {
  anchorOnceItSees,
  readAllOnceVisible,
  testEvent,
  testEvents,
  uniqueOrganisationId,
} from '../testing/fixtures.js';
import { migrateEventStore } from './migrations.js';
import { PostgresEventStore } from './postgres-event-store.js';
import {
  dropSchema,
  rewriteStreamFrom,
  slipIntoThePastOfTheLog,
  tamperWith,
  testPostgres,
  uniqueSchema,
} from './test-databases.js';

/**
 * Someone with write access to the tables rewrites the log in raw SQL; the hash chains and the
 * stream heads must show where. Each test gets a log of three interleaved streams of five events.
 */
describe('PostgresEventStore tamper evidence (PostgreSQL)', () => {
  let knex: Knex;
  let schema: string;
  let store: PostgresEventStore;
  let target: RecordedEvent[];
  const streamIds = ['register-a', 'register-b', 'register-c'];

  before(() => {
    knex = testPostgres();
  });
  after(async () => {
    await knex.destroy();
  });

  beforeEach(async () => {
    schema = uniqueSchema('tamper');
    await migrateEventStore(knex, { schema });
    store = new PostgresEventStore(knex, { schema });
    const organisationId = uniqueOrganisationId();
    for (let round = 0; round < 5; round++) {
      for (const streamId of streamIds) await store.appendToStream(streamId, testEvents(organisationId, 1));
    }
    target = await store.readStream('register-b');
  });
  afterEach(async () => {
    await store.close();
    await dropSchema(knex, schema);
  });

  const rewrite = (sql: string, bindings: Knex.RawBinding[] = []) =>
    tamperWith(knex, schema, (trx) => trx.raw(sql, bindings));

  /** The first bad event the whole-log and the one-stream checks both report. */
  async function verified(): Promise<IntegrityReport[]> {
    return [await store.verifyIntegrity(), await store.verifyIntegrity({ streamId: 'register-b' })];
  }

  function expectFirstBadEvent(
    reports: IntegrityReport[],
    problem: string,
    event: { eventId: string; streamRevision: number; globalPosition: bigint },
  ): void {
    for (const report of reports) {
      if (report.ok) expect.fail(`the log verified: ${JSON.stringify(report)}`);
      expect(report.firstBadEvent).to.include({ streamId: 'register-b', problem, ...event });
    }
  }

  it('verifies an untouched log', async () => {
    // given the log of beforeEach

    // when
    const [log, stream] = await verified();

    // then
    expect(log).to.deep.equal({ ok: true, streamsChecked: 3, eventsChecked: 15 });
    expect(stream).to.deep.equal({ ok: true, streamsChecked: 1, eventsChecked: 5 });
  });

  it('reports one byte changed in the data of an event as altered, at that event', async () => {
    // given
    const victim = target[2]!;

    // when the index 0 of the data becomes 1 (one character of the stored JSON)
    await rewrite(`update ${schema}.events set data = jsonb_set(data::jsonb, '{index}', '1')::json where id = ?`, [
      victim.id,
    ]);

    // then
    expectFirstBadEvent(await verified(), 'altered', at(victim));
  });

  it('reports an event deleted in the middle of a stream as removed, at the event after the gap', async () => {
    // given
    const [, , deleted, next] = target;

    // when
    await rewrite(`delete from ${schema}.events where id = ?`, [deleted!.id]);

    // then
    expectFirstBadEvent(await verified(), 'removed', at(next!));
  });

  it('reports two events whose contents were swapped as reordered, at the first of them', async () => {
    // given
    const [, first, second] = target;
    const contents = 'id, type, version, data, metadata, occurred_at, recorded_at, previous_hash, hash';

    // when their contents trade places while revisions and positions stay (ids are unique: move them aside first)
    await tamperWith(knex, schema, async (trx) => {
      const positions = [String(first!.globalPosition), String(second!.globalPosition)];
      await trx.raw(
        `create temporary table originals on commit drop as
           select global_position, ${contents} from ${schema}.events where global_position in (?, ?)`,
        positions,
      );
      await trx.raw(`update ${schema}.events set id = gen_random_uuid() where global_position in (?, ?)`, positions);
      await trx.raw(
        `update ${schema}.events e set (${contents}) = (select ${contents} from originals o
            where o.global_position = case e.global_position when ?::bigint then ?::bigint else ?::bigint end)
          where e.global_position in (?, ?)`,
        [positions[0]!, positions[1]!, positions[0]!, ...positions],
      );
    });

    // then revision 1 now holds the event chained to the original revision 1: out of its place
    expectFirstBadEvent(await verified(), 'reordered', {
      eventId: second!.id,
      streamRevision: 1,
      globalPosition: first!.globalPosition,
    });
  });

  it('reports events moved in the global log against their revisions as reordered, at the one that comes too early', async () => {
    // given
    const [, first, second] = target;

    // when their transaction ids trade places, so that the global log (ordered by transaction
    // first) gives revision 2 before revision 1, while contents, chain and positions stay
    await rewrite(
      `update ${schema}.events e set transaction_id = o.transaction_id
         from ${schema}.events o
        where (e.id = ? and o.id = ?) or (e.id = ? and o.id = ?)`,
      [first!.id, second!.id, second!.id, first!.id],
    );
    const log = await readAllOnceVisible(store, first!.metadata.organisationId, 15);
    const inLog = log.filter((event) => event.streamId === 'register-b');
    expect(inLog.map((event) => event.streamRevision)).to.deep.equal([0, 2, 1, 3, 4]);

    // then
    expectFirstBadEvent(await verified(), 'reordered', at(second!));
  });

  it('reports the last event of a stream deleted as removed, after the end of the stream', async () => {
    // given
    const last = target.at(-1)!;

    // when
    await rewrite(`delete from ${schema}.events where id = ?`, [last.id]);

    // then the stream's head still says where it ended
    for (const report of await verified()) {
      if (report.ok) expect.fail('the log verified');
      expect(report.firstBadEvent).to.include({ streamId: 'register-b', problem: 'removed' });
      expect(report.firstBadEvent.eventId).to.equal(undefined);
    }
  });

  describe('against an anchor taken before', () => {
    let anchor: Anchor;
    beforeEach(async () => {
      const taken = await anchorOnceItSees(store, new Date(), (seen) => seen.log?.events === 15);
      if (!taken.ok) expect.fail('the log should verify');
      anchor = taken.anchor;
    });

    it('reports a stream rewritten with recomputed hashes, which the chains alone do not show', async () => {
      // given the anchor of beforeEach

      // when register-b is rewritten from revision 2, by someone who knows the chain formula
      await rewriteStreamFrom(knex, schema, target, 2, { index: 99 });

      // then the chains verify, but the anchor shows that revision 4 is no longer the event it saw
      expect(await store.verifyIntegrity()).to.include({ ok: true });
      const rewritten = (await store.readStream('register-b'))[4]!;
      for (const report of [
        await store.verifyIntegrity({ anchor }),
        await store.verifyIntegrity({ streamId: 'register-b', anchor }),
      ]) {
        if (report.ok) expect.fail('the rewritten log verified against the anchor');
        expect(report.firstBadEvent).to.include({ streamId: 'register-b', problem: 'rewritten', ...at(rewritten) });
      }
    });

    it('reports the end of a stream cut off with its head moved back', async () => {
      // given the anchor of beforeEach

      // when register-b loses its last two events and its head says it ends at revision 2
      await rewrite(`delete from ${schema}.events where stream_id = 'register-b' and stream_revision > 2`);
      await rewrite(`update ${schema}.streams set revision = 2, head_hash = decode(?, 'hex') where stream_id = ?`, [
        target[2]!.hash,
        'register-b',
      ]);

      // then
      expect(await store.verifyIntegrity()).to.include({ ok: true });
      const report = await store.verifyIntegrity({ anchor });
      if (report.ok) expect.fail('the cut log verified against the anchor');
      expect(report.firstBadEvent).to.deep.include({ streamId: 'register-b', problem: 'removed' });
      expect(report.firstBadEvent.eventId).to.equal(undefined);
    });

    it('kept the whole log: its fifteen events and the order they came in', () => {
      // given the anchor of beforeEach

      // then
      expect(anchor.log?.events).to.equal(15);
      expect(anchor.streams.map(({ streamId, revision }) => [streamId, revision])).to.deep.equal(
        streamIds.map((streamId) => [streamId, 4]),
      );
    });

    it('reports events of two streams swapped in the global log as reordered, which the chains do not show', async () => {
      // given the anchor of beforeEach, where register-a's first event comes before register-b's
      const [first] = await store.readStream('register-a');

      // when the two first events change places in the global log (each keeps its place in its stream)
      await rewrite(
        `update ${schema}.events e set transaction_id = o.transaction_id
           from ${schema}.events o
          where (e.stream_id, e.stream_revision, o.stream_id, o.stream_revision) in
                (('register-a', 0, 'register-b', 0), ('register-b', 0, 'register-a', 0))`,
      );

      // then the chains verify and the log reads otherwise, but the anchor's order does not hold
      expect(await store.verifyIntegrity()).to.include({ ok: true });
      const log = await store.readAll();
      expect(log.slice(0, 2).map((event) => event.streamId)).to.deep.equal(['register-b', 'register-a']);
      expect(log[1]!.id).to.equal(first!.id);
      const report = await store.verifyIntegrity({ anchor });
      if (report.ok) expect.fail('the reordered log verified against the anchor');
      expect(report.firstBadEvent).to.deep.include({ problem: 'reordered', ...at(log[14]!) });
    });

    it('reports a stream written since and slipped into the past of the log as inserted, at its event', async () => {
      // given the anchor of beforeEach, and a stream begun since
      await store.appendToStream('register-d', testEvents(target[0]!.metadata.organisationId, 1));
      const [slipped] = await store.readStream('register-d');

      // when its event is given a transaction id older than the whole log's
      await slipIntoThePastOfTheLog(knex, schema, 'register-d');

      // then the chains verify and readers see it first, but the anchor did not see it there
      expect(await store.verifyIntegrity()).to.include({ ok: true });
      expect((await store.readAll())[0]!.id).to.equal(slipped!.id);
      const report = await store.verifyIntegrity({ anchor });
      if (report.ok) expect.fail('the log with a stream slipped into its past verified against the anchor');
      expect(report.firstBadEvent).to.deep.include({ streamId: 'register-d', problem: 'inserted', ...at(slipped!) });
    });

    it('reports the last event of a stream hidden from the readers of the log, with or without the anchor', async () => {
      // given the anchor of beforeEach

      // when register-b's last event is given a transaction id no transaction has had yet, so that
      // every reader of the global log (projections, registers) passes it over
      await rewrite(
        `update ${schema}.events set transaction_id = (pg_current_xact_id()::text::bigint + 1000000)::text::xid8
          where stream_id = 'register-b' and stream_revision = 4`,
      );

      // then the log reads without it; its chain and its stream's order hold, but its transaction id
      // cannot be one the store wrote, and the anchor saw it in the log
      expect((await store.readAll()).map((event) => event.id)).not.to.include(target[4]!.id);
      expectFirstBadEvent(await verified(), 'hidden', at(target[4]!));
      const report = await store.verifyIntegrity({ anchor });
      if (report.ok) expect.fail('the log with a hidden event verified against the anchor');
      expect(report.firstBadEvent).to.deep.include({ streamId: 'register-b', problem: 'reordered', streamRevision: 4 });
    });

    it('covers an append committed while an older transaction elsewhere still ran, once it ends', async () => {
      // given a transaction elsewhere that began writing, then an append, hidden behind it (ADR 0003)
      const other = await knex.transaction();
      await other.raw('select pg_current_xact_id()');
      await store.appendToStream('register-d', testEvents(target[0]!.metadata.organisationId, 1));

      // when an anchor is taken, and the other transaction ends meanwhile
      const taking = takeAnchor(store, new Date());
      await sleep(50);
      await other.commit();
      const taken = await taking;

      // then the anchor waited for it, and saw the append
      if (!taken.ok) expect.fail('the log should verify');
      expect(taken.anchor.log?.events).to.equal(16);
      expect(taken.anchor.streams.map((end) => end.streamId)).to.include('register-d');
    });

    it('still verifies once the log has grown', async () => {
      // given the anchor of beforeEach
      const organisationId = target[0]!.metadata.organisationId;

      // when every stream grows and a new one begins
      for (const streamId of [...streamIds, 'register-d'])
        await store.appendToStream(streamId, testEvents(organisationId, 1));

      // then
      expect(await store.verifyIntegrity({ anchor })).to.deep.equal({ ok: true, streamsChecked: 4, eventsChecked: 19 });
    });
  });

  it('refuses to update or delete an event through ordinary SQL', async () => {
    // given
    const victim = target[0]!;

    // when
    const attempts = await Promise.allSettled([
      knex.raw(`update ${schema}.events set data = '{}' where id = ?`, [victim.id]),
      knex.raw(`delete from ${schema}.events where id = ?`, [victim.id]),
    ]);

    // then
    expect(attempts.map((attempt) => attempt.status)).to.deep.equal(['rejected', 'rejected']);
    expect(await store.verifyIntegrity()).to.include({ ok: true });
  });

  it('reports a forged event appended behind the store as inserted, even with a well computed hash', async () => {
    // given a forger who knows the chain formula
    const last = target.at(-1)!;
    const forged = { ...testEvent(last.metadata.organisationId), streamId: 'register-b', version: 1 };
    const metadata = { ...forged.metadata, recordedAt: new Date().toISOString() };
    const hash = hashEvent(last.hash, last.streamRevision + 1, { ...forged, metadata });

    // when
    await rewrite(
      `insert into ${schema}.events (id, stream_id, stream_revision, type, version, data, metadata, organisation_id,
         occurred_at, recorded_at, previous_hash, hash)
       values (?, 'register-b', ?, ?, 1, ?::json, ?::json, ?, ?, ?, decode(?, 'hex'), decode(?, 'hex'))`,
      [
        forged.id,
        last.streamRevision + 1,
        forged.type,
        JSON.stringify(forged.data),
        JSON.stringify(metadata),
        metadata.organisationId,
        metadata.occurredAt,
        metadata.recordedAt,
        last.hash,
        hash,
      ],
    );

    // then
    const [inserted] = await store.readStream('register-b', { fromRevision: last.streamRevision + 1 });
    expectFirstBadEvent(await verified(), 'inserted', at(inserted!));
  });
});

function at(event: RecordedEvent) {
  return { eventId: event.id, streamRevision: event.streamRevision, globalPosition: event.globalPosition };
}
