import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { handoverStreamId } from '@dui-pds/domain';
import { dropSchemasStartingWith, TEST_DATABASE_URL, testPostgres } from '@dui-pds/eventstore/testing';
import { activityJournal, recordNoteStreamId } from '@dui-pds/projections';
import { freeLoopbackPort } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { openSession, RedisSessionStore } from '../auth/index.js';
import { TestBrowser } from '../auth/testing/browser.js';
import { type PscLikeProvider, startPscLikeProvider } from '../auth/testing/psc-like-provider.js';
import { IDEMPOTENCY_REPLAYED_HEADER } from '../server/index.js';
import { redisNames } from './redis-names.js';
import { PrivateRedis } from './testing/private-redis.js';
import { RoundRobinClient } from './testing/round-robin-client.js';
import { ServerProcess } from './testing/server-process.js';
import { ServerUnderTest } from './testing/server-under-test.js';

/** Long enough that only a Redis notification can wake a worker in time: a poll would come too late. */
const POLL_INTERVAL_MS = 60_000;
/** Per professional and minute, counted in Redis for both instances. */
const RATE_LIMIT_PER_MINUTE = 120;
const CSAPA = '750000001';
const USAGER = 'usager-1';

/**
 * Scale out (DESIGN.md, Scale): two HTTP instances and two `dui projections run` workers on one
 * PostgreSQL schema and one Redis, behind a round-robin client standing for the load balancer. The
 * instances follow no projection themselves (DUI_PROJECTION_WORKER=false), so the activity journal
 * is the workers' work alone. See docs/scaling.md.
 */
describe('scale-out: two HTTP instances and two projection workers on one database and one Redis', function () {
  this.timeout(240_000);
  // every name is this run's own: rate limits, sessions and idempotency keys live in the shared Redis
  const run = randomUUID().slice(0, 8);
  const ORG = `og-scale-${run}`;
  const nurses = Array.from({ length: 8 }, (_, index) => `pro-nurse-${index}-${run}`);
  const colleague = `pro-colleague-${run}`;
  const busy = `pro-busy-${run}`;
  const pscNurse = `8100${Number.parseInt(run, 16) % 100_000_000}`.padEnd(12, '0');
  const tokens = new Map<string, string>();
  const processes: ServerProcess[] = [];
  let schema: string;
  let knex: Knex;
  let privateRedis: PrivateRedis;
  let redis: Redis;
  let provider: PscLikeProvider;
  let instances: string[];
  let balancer: RoundRobinClient;
  let workerEnv: NodeJS.ProcessEnv;
  let firstWorker: ServerProcess;
  let secondWorker: ServerProcess;
  let journalBuild: string;

  before(async () => {
    // given a schema seeded with the habilitations of this run's professionals
    const seeded = await ServerUnderTest.start();
    schema = seeded.schema;
    await seeded.asSystem(
      ORG,
      ...[...nurses, colleague].flatMap((professionalId) => [
        { type: 'GrantRole' as const, professionalId, facilityId: CSAPA, role: 'nurse' as const },
        { type: 'AddToCareTeam' as const, professionalId, serviceUserId: USAGER, facilityId: CSAPA },
      ]),
      { type: 'GrantRole', professionalId: pscNurse, facilityId: CSAPA, role: 'nurse' },
    );
    const masterKey = seeded.masterKey;
    await seeded.close({ keepData: true });
    knex = testPostgres(3);
    // a Redis of this test's own: no other test's appends may wake its workers
    privateRedis = await PrivateRedis.create();
    redis = new Redis(privateRedis.url);
    // sessions opened in the shared Redis store, as a login on any instance would
    const sessions = new RedisSessionStore(redis, { keyPrefix: redisNames(schema).sessions });
    for (const professionalId of [...nurses, colleague, busy]) {
      const { token } = await openSession(sessions, { professionalId, displayName: professionalId, provider: 'test' });
      tokens.set(professionalId, token);
    }

    // two instances on known ports: Pro Santé Connect sends every callback to the first one's address
    const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
    const callback = new URL('/auth/psc/callback', `http://127.0.0.1:${ports[0]}`);
    provider = await startPscLikeProvider({
      redirectUri: callback,
      accounts: {
        'f:ans:scale': { SubjectNameID: pscNurse, SubjectRefPro: {}, given_name: 'Alex', family_name: 'MARTIN' },
      },
    });
    const shared = {
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: schema,
      DUI_MASTER_KEY: masterKey,
      REDIS_URL: privateRedis.url,
      LOG_LEVEL: 'silent',
    };
    const serverEnv = {
      ...shared,
      DUI_PROJECTION_WORKER: 'false',
      DUI_BLOB_STORE: 'postgres',
      DUI_RETENTION_JOB_HOURS: '0',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
      PSC_ISSUER: provider.issuer.href,
      PSC_CLIENT_ID: provider.clientId,
      PSC_CLIENT_SECRET: provider.clientSecret,
      PSC_REDIRECT_URI: callback.href,
    };
    workerEnv = shared;
    // together, as a supervisor starts them: each creates at its start the tables it is the first to
    // need (sessions, idempotency keys, relay cursors), one after the other
    instances = await Promise.all(
      ports.map((port) => started(ServerProcess.server({ ...serverEnv, PORT: String(port) })).url(120_000)),
    );
    firstWorker = started(projectionWorker(workerEnv));
    balancer = new RoundRobinClient(instances);
    journalBuild = await activeBuildOf(activityJournal.name);
    // the first worker alone takes the lease; the second one waits for it
    await waitFor(async () => (await leaseToken()) !== null, 120_000, 'the first worker to take the lease');
    secondWorker = started(projectionWorker(workerEnv));
    await workerFollowing(secondWorker);
  });

  after(async () => {
    await Promise.all(processes.map((process) => process.kill()));
    await provider?.stop();
    if (knex) {
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    }
    redis?.disconnect();
    await privateRedis?.stop();
  });

  it('reads at once through one instance what was written through the other, for inline projections', async () => {
    const nurse = tokens.get(colleague)!;
    for (let round = 0; round < 10; round += 1) {
      // given an instance that writes and another that reads, swapped every round
      const [writer, reader] = round % 2 === 0 ? [0, 1] : [1, 0];
      const noteId = randomUUID();
      const handoverId = randomUUID();

      // when a note and a handover are written through one instance
      const note = await balancer.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
        as: nurse,
        via: writer,
        body: { noteId, facilityId: CSAPA, sensitivity: 'medical', text: `note ${round}` },
      });
      const handover = await balancer.request('POST', `/organisations/${ORG}/usagers/${USAGER}/handovers`, {
        as: nurse,
        via: writer,
        body: { handoverId, facilityId: CSAPA, category: 'soins', targetTeam: 'equipe-soins', text: `relève ${round}` },
      });
      expect([note.status, handover.status], JSON.stringify([note.body, handover.body])).to.deep.equal([201, 201]);

      // then the other instance reads them at once, without waiting or retrying
      const readNote = await balancer.request('GET', `/organisations/${ORG}/notes/${noteId}`, {
        as: nurse,
        via: reader,
      });
      const feed = await balancer.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/handovers`, {
        as: nurse,
        via: reader,
      });
      expect(readNote.status, JSON.stringify(readNote.body)).to.equal(200);
      expect(readNote.body.text).to.equal(`note ${round}`);
      expect(feed.status, JSON.stringify(feed.body)).to.equal(200);
      expect(feed.body.handovers.map((entry: { handoverId: string }) => entry.handoverId)).to.include(handoverId);
    }
  });

  it('answers an Idempotency-Key sent to one instance then to the other alike, with one event', async () => {
    // given one command and its key
    const nurse = tokens.get(colleague)!;
    const noteId = randomUUID();
    const idempotencyKey = randomUUID();
    const body = { noteId, facilityId: CSAPA, sensitivity: 'medical', text: 'une seule fois' };
    const path = `/organisations/${ORG}/usagers/${USAGER}/notes`;

    // when it is sent to the first instance, then again to the second, then to both at once
    const first = await balancer.request('POST', path, { as: nurse, via: 0, body, idempotencyKey });
    const again = await balancer.request('POST', path, { as: nurse, via: 1, body, idempotencyKey });
    const together = await Promise.all(
      [0, 1].map((via) => balancer.request('POST', path, { as: nurse, via, body, idempotencyKey })),
    );

    // then the second instance replays the first one's answer, and the log holds one event
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    expect(again.status).to.equal(201);
    expect(again.body).to.deep.equal(first.body);
    expect(again.headers.get(IDEMPOTENCY_REPLAYED_HEADER)).to.equal('true');
    expect(together.map((answer) => [answer.status, answer.body])).to.deep.equal([
      [201, first.body],
      [201, first.body],
    ]);
    expect(await eventsPerStream([recordNoteStreamId(ORG, noteId)])).to.deep.equal({
      [recordNoteStreamId(ORG, noteId)]: 1,
    });
  });

  it('shares sessions: a login begun on one instance ends on the other, and a logout on one closes it on both', async () => {
    // given a professional who starts a Pro Santé Connect login on the first instance
    const browser = new TestBrowser();
    const toProvider = await browser.navigate(
      new URL('/auth/psc/login', instances[0]),
      (next) => next.pathname !== '/auth/psc/callback',
    );
    expect(toProvider.next?.pathname, `${toProvider.response.status}`).to.equal('/auth/psc/callback');

    // when the load balancer sends the provider's callback to the second instance
    const callback = await browser.request(new URL(toProvider.next!.pathname + toProvider.next!.search, instances[1]));
    const onFirst = await browser.request(new URL(`/organisations/${ORG}/me`, instances[0]));
    const onSecond = await browser.request(new URL(`/organisations/${ORG}/me`, instances[1]));

    // then the login succeeds there, and both instances know the session
    expect(callback.status, await callback.text()).to.be.oneOf([302, 303]);
    expect([onFirst.status, onSecond.status]).to.deep.equal([200, 200]);
    expect(((await onSecond.json()) as { professionalId: string }).professionalId).to.equal(pscNurse);

    // and when the session is closed through the second instance, the first refuses it too
    const logout = await browser.request(new URL('/auth/logout', instances[1]), { method: 'POST' });
    const afterLogout = await browser.request(new URL(`/organisations/${ORG}/me`, instances[0]));
    expect(logout.status).to.be.oneOf([200, 204]);
    expect(afterLogout.status).to.equal(401);
  });

  it('counts one rate limit for both instances, in Redis', async () => {
    // given a professional who sends twice the budget of a minute, half to each instance
    const token = tokens.get(busy)!;
    const statuses: number[] = [];
    const send = async (requests: number) => {
      for (let sent = 0; sent < requests; sent += 1) {
        const answer = await balancer.request('GET', `/organisations/${ORG}/me`, { as: token });
        statuses.push(answer.status);
      }
    };

    // when
    await Promise.all(Array.from({ length: 4 }, () => send(RATE_LIMIT_PER_MINUTE / 2)));

    // then the budget was spent once, not once per instance
    const refused = statuses.filter((status) => status === 429).length;
    expect(statuses.length).to.equal(2 * RATE_LIMIT_PER_MINUTE);
    expect(refused).to.equal(RATE_LIMIT_PER_MINUTE);
  });

  it('applies every acknowledged command once, wakes the workers through Redis, and hands the lease over when its holder is killed', async () => {
    const firstHolder = (await leaseToken())!;
    const written: { kind: 'note' | 'handover'; id: string; status: number; instance: number }[] = [];
    const catchUps: number[] = [];
    let takeOver = 0;
    let nextHolder: string | null = null;

    for (let burst = 0; burst < 4; burst += 1) {
      // given, from the third burst on, a fresh worker beside the one that took over
      if (burst === 2) await workerFollowing(started(projectionWorker(workerEnv)));

      // when 48 commands go through the load balancer, from 8 professionals at once; in the second
      // burst, the lease holder is killed once half of them are acknowledged
      const killMidway = burst === 1;
      let killed: Promise<void> | undefined;
      const queue = Array.from({ length: 48 }, (_, index): 'note' | 'handover' => (index % 2 ? 'handover' : 'note'));
      const acknowledged = written.length;
      await Promise.all(
        nurses.map(async (nurse) => {
          for (let kind = queue.shift(); kind !== undefined; kind = queue.shift()) {
            written.push(await write(kind, tokens.get(nurse)!));
            if (killMidway && killed === undefined && written.length - acknowledged >= 24) {
              expect(await leaseToken(), 'the first worker still holds the lease').to.equal(firstHolder);
              killed = firstWorker.kill();
            }
          }
        }),
      );
      await killed;

      // then the activity journal reaches the head of the log: within the lease's ttl after a kill,
      // else well before a poll would have come
      const lastAcknowledged = performance.now();
      await waitFor(journalCaughtUp, POLL_INTERVAL_MS, `the activity journal to catch up after burst ${burst + 1}`);
      const waited = performance.now() - lastAcknowledged;
      if (killMidway) {
        takeOver = waited;
        nextHolder = await leaseToken();
      } else catchUps.push(waited);
    }

    // every command was acknowledged, by both instances
    expect(written.filter(({ status }) => status !== 201)).to.deep.equal([]);
    expect(new Set(written.map(({ instance }) => instance))).to.deep.equal(new Set([0, 1]));
    // one event per acknowledged command, and one row per command in the inline read models
    const streams = written.map(({ kind, id }) =>
      kind === 'note' ? recordNoteStreamId(ORG, id) : handoverStreamId(ORG, id),
    );
    expect(Object.values(await eventsPerStream(streams))).to.deep.equal(streams.map(() => 1));
    expect(await rowsPerId('record_notes', 'notes', 'note_id', idsOf(written, 'note'))).to.equal(96);
    expect(await rowsPerId('handovers', 'handovers', 'handover_id', idsOf(written, 'handover'))).to.equal(96);
    // every event of the log counted once by the activity journal, type by type
    expect(await journalCounts()).to.deep.equal(await logCounts());
    const [build] = await knex(`${schema}.projection_builds`)
      .where({ build_schema: journalBuild })
      .select('events_done');
    expect(Number(build.events_done)).to.equal(await eventsInLog());
    // the second worker took over from the killed one and kept the lease; the third never took it
    expect(nextHolder).to.be.a('string').and.not.equal(firstHolder);
    expect(await leaseToken()).to.equal(nextHolder);
    // no wake-up lost: each burst was applied long before the next poll
    expect(Math.max(...catchUps), `catch-ups ${catchUps.map(Math.round).join(', ')} ms`).to.be.below(
      POLL_INTERVAL_MS / 4,
    );
    expect(takeOver, `take-over ${Math.round(takeOver)} ms`).to.be.below(POLL_INTERVAL_MS / 2);
    console.log(
      `      scale-out: ${written.length} commands (${balancer.served.join(' + ')} requests per instance); ` +
        `journal at the head ${catchUps.map(Math.round).join(', ')} ms after the last acknowledgement ` +
        `(poll interval ${POLL_INTERVAL_MS} ms); take-over after a kill ${Math.round(takeOver)} ms`,
    );
  });

  it('catches up at once when a long transaction elsewhere held the log back past the last wake-up', async () => {
    // given a transaction of another program that holds an id, so the log's visibility fence stays behind it
    const elsewhere = await knex.transaction();
    try {
      await elsewhere.raw('select pg_current_xact_id()');

      // when commands are acknowledged meanwhile, and the transaction ends well after their wake-ups
      for (const nurse of nurses) {
        expect((await write('note', tokens.get(nurse)!)).status).to.equal(201);
      }
      await sleep(2_000);
      expect(await journalCaughtUp(), 'nothing can be read behind the fence').to.equal(false);
    } finally {
      await elsewhere.commit();
    }
    const committed = performance.now();
    await waitFor(journalCaughtUp, 2 * POLL_INTERVAL_MS, 'the activity journal to catch up');
    const caughtUpAfterCommit = performance.now() - committed;

    // then the workers did not sleep until their next poll
    expect(caughtUpAfterCommit, `caught up ${Math.round(caughtUpAfterCommit)} ms after the commit`).to.be.below(
      POLL_INTERVAL_MS / 4,
    );
    expect(await journalCounts()).to.deep.equal(await logCounts());
    console.log(
      `      scale-out: journal at the head ${Math.round(caughtUpAfterCommit)} ms after the end of a transaction ` +
        'that held the log back for 2 s past the last wake-up',
    );
  });

  async function write(kind: 'note' | 'handover', token: string) {
    const id = randomUUID();
    const answer =
      kind === 'note'
        ? await balancer.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
            as: token,
            body: { noteId: id, facilityId: CSAPA, sensitivity: 'medical', text: `note ${id}` },
          })
        : await balancer.request('POST', `/organisations/${ORG}/usagers/${USAGER}/handovers`, {
            as: token,
            body: { handoverId: id, facilityId: CSAPA, category: 'soins', targetTeam: 'equipe-soins', text: id },
          });
    return { kind, id, status: answer.status, instance: answer.instance };
  }

  function started(process: ServerProcess): ServerProcess {
    processes.push(process);
    return process;
  }

  /** The Redis lease of the activity journal's build: its holder's random token, or null when free. */
  function leaseToken(): Promise<string | null> {
    return redis.get(`${redisNames(schema).leases}projection-build:${journalBuild}`);
  }

  async function activeBuildOf(projection: string): Promise<string> {
    const [row] = await knex(`${schema}.projection_builds`)
      .where({ projection, state: 'active' })
      .select('build_schema');
    return row.build_schema;
  }

  async function eventsInLog(): Promise<number> {
    const [row] = await knex(`${schema}.events`).count({ count: '*' });
    return Number(row?.count);
  }

  async function journalCaughtUp(): Promise<boolean> {
    const [build] = await knex(`${schema}.projection_builds`)
      .where({ build_schema: journalBuild })
      .select('events_done');
    return Number(build.events_done) === (await eventsInLog());
  }

  async function eventsPerStream(streamIds: readonly string[]): Promise<Record<string, number>> {
    const rows: { stream_id: string; count: string }[] = await knex(`${schema}.events`)
      .whereIn('stream_id', streamIds)
      .groupBy('stream_id')
      .select('stream_id')
      .count({ count: '*' });
    const counts = new Map(rows.map((row) => [row.stream_id, Number(row.count)]));
    return Object.fromEntries(streamIds.map((streamId) => [streamId, counts.get(streamId) ?? 0]));
  }

  /** How many rows the read model holds for these ids; each id twice or missing would show. */
  async function rowsPerId(projection: string, table: string, column: string, ids: readonly string[]) {
    const rows: { id: string; count: string }[] = await knex(`${schema}_${projection}.${table}`)
      .where({ organisation_id: ORG })
      .whereIn(column, ids)
      .groupBy(column)
      .select({ id: column })
      .count({ count: '*' });
    expect(rows.filter((row) => Number(row.count) !== 1)).to.deep.equal([]);
    return rows.length;
  }

  async function journalCounts(): Promise<Record<string, number>> {
    const rows: { type: string; count: string }[] = await knex(`${schema}_${activityJournal.name}.daily_activity`)
      .groupBy('event_type')
      .select({ type: 'event_type' })
      .sum({ count: 'events' });
    return Object.fromEntries(rows.map((row) => [row.type, Number(row.count)]).sort());
  }

  async function logCounts(): Promise<Record<string, number>> {
    const rows: { type: string; count: string }[] = await knex(`${schema}.events`)
      .groupBy('type')
      .select('type')
      .count({ count: '*' });
    return Object.fromEntries(rows.map((row) => [row.type, Number(row.count)]).sort());
  }
});

function projectionWorker(env: NodeJS.ProcessEnv): ServerProcess {
  return ServerProcess.dui(['projections', 'run', '--poll-interval', String(POLL_INTERVAL_MS)], env);
}

/** Resolves once the worker has migrated and follows the log (it says so on stderr). */
async function workerFollowing(worker: ServerProcess): Promise<void> {
  await waitFor(async () => worker.output.includes('Suivi de'), 120_000, `a worker to start:\n${worker.output}`);
}

function idsOf(written: readonly { kind: string; id: string }[], kind: string): string[] {
  return written.filter((entry) => entry.kind === kind).map((entry) => entry.id);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(20);
  }
}
