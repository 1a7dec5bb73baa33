import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { redisNames } from './redis-names.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const CSAPA = '750000001';
const USAGERS = Array.from({ length: 6 }, (_, index) => `usager-${index + 1}`);
const ACTS = 48;

interface Page {
  events: { id: string; type: string; subjectKey: string | null; data: Record<string, unknown> }[];
  next: string;
}

describe('the HTTP API: reporting events read with a cursor, and the Redis stream', function () {
  this.timeout(120_000);
  // one organisation per run: its Redis stream key is unique too
  const ORG = `og-${randomUUID().slice(0, 8)}`;
  let app: ServerUnderTest;
  let redis: Redis;
  const tokens: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start({ REDIS_URL: 'redis://127.0.0.1:6379' });
    redis = new Redis('redis://127.0.0.1:6379');
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      ...USAGERS.map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId: 'pro-doctor',
        serviceUserId,
        facilityId: CSAPA,
      })),
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
    );
    for (const id of ['pro-doctor', 'pro-director']) tokens[id] = await app.loginAs(id);
  });
  after(async () => {
    await redis?.del(`${redisNames(app.schema).reportingStreams}${ORG}`);
    redis?.disconnect();
    await app?.close();
  });

  const page = async (after: string | undefined, limit: number): Promise<Page> => {
    const query = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
    const answer = await app.request('GET', `/organisations/${ORG}/reporting-events?${query}`, {
      as: tokens['pro-director'],
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as Page;
  };

  /** Everything visible now, from the start, in big pages. */
  const everything = async (): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const { events, next } = await page(cursor, 1000);
      if (events.length === 0) return ids;
      ids.push(...events.map((event) => event.id));
      cursor = next;
    }
  };

  it('gives a consumer, interrupted and resumed anywhere, every event exactly once, and Redis every one too', async () => {
    // given many acts recorded at once, while a consumer reads along
    const recording = Promise.all(
      Array.from({ length: ACTS }, (_, index) =>
        app.request('POST', `/organisations/${ORG}/usagers/${USAGERS[index % USAGERS.length]}/acts`, {
          as: tokens['pro-doctor'],
          body: {
            actId: randomUUID(),
            facilityId: CSAPA,
            actTypeCode: 'consultation-medicale',
            performedAt: '2026-03-11T09:00:00+01:00',
            durationMinutes: 30,
            note: 'Note libre, jamais publiée.',
          },
        }),
      ),
    );
    const alongside: string[] = [];
    let cursor: string | undefined;
    let done = false;
    void recording.then(() => {
      done = true;
    });
    while (!done || alongside.length < ACTS) {
      const { events, next } = await page(cursor, 5);
      alongside.push(...events.map((event) => event.id));
      cursor = next;
      if (events.length === 0) await sleep(20);
      if (alongside.length > ACTS) break;
    }
    for (const answer of await recording) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);

    // then the consumer reading along got each once
    const all = await everything();
    expect(all).to.have.length(ACTS);
    expect(alongside).to.deep.equal(all);

    // and a consumer that stops anywhere, losing what it had not yet saved, gets them exactly once
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ limit: fc.integer({ min: 1, max: 9 }), interrupted: fc.boolean() }), {
          minLength: 1,
          maxLength: 30,
        }),
        async (steps) => {
          const saved: string[] = [];
          let savedCursor: string | undefined;
          for (let step = 0; ; step++) {
            const { limit, interrupted } = steps[step % steps.length]!;
            const { events, next } = await page(savedCursor, limit);
            if (events.length === 0) break;
            // interrupted between reading a page and saving it: the page and the cursor are lost
            if (interrupted && step < steps.length) continue;
            saved.push(...events.map((event) => event.id));
            savedCursor = next;
          }
          expect(saved).to.deep.equal(all);
        },
      ),
      { numRuns: 12 },
    );

    // and the Redis stream of the organisation receives every event, each entry with its id
    const deadline = Date.now() + 20_000;
    let published: string[] = [];
    while (Date.now() < deadline) {
      const entries = await redis.xrange(`${redisNames(app.schema).reportingStreams}${ORG}`, '-', '+');
      published = entries.map(([, fields]) => fields[fields.indexOf('id') + 1]!);
      if (new Set(published).size >= ACTS) break;
      await sleep(100);
    }
    expect([...new Set(published)].sort()).to.deep.equal([...all].sort());
    const [[, fields] = ['', []]] = await redis.xrange(
      `${redisNames(app.schema).reportingStreams}${ORG}`,
      '-',
      '+',
      'COUNT',
      1,
    );
    const event = JSON.parse(fields[fields.indexOf('event') + 1]!) as Page['events'][number];
    expect(event).to.include({ type: 'act.recorded' });
    expect(event.data).to.include({ actType: 'consultation-medicale', profession: 'doctor', collective: false });
    const wholeStream = JSON.stringify(
      await redis.xrange(`${redisNames(app.schema).reportingStreams}${ORG}`, '-', '+'),
    );
    expect(wholeStream).not.to.include('usager-').and.not.to.include('Note libre');
  });

  it('is read by the direction only, and refuses a cursor it did not give in French', async () => {
    const byDoctor = await app.request('GET', `/organisations/${ORG}/reporting-events`, { as: tokens['pro-doctor'] });
    const forged = Buffer.from('r1:12:x').toString('base64url');
    const badCursor = await app.request('GET', `/organisations/${ORG}/reporting-events?after=${forged}`, {
      as: tokens['pro-director'],
    });
    const notACursor = await app.request('GET', `/organisations/${ORG}/reporting-events?after=pas%20un%20curseur`, {
      as: tokens['pro-director'],
    });

    expect(byDoctor.status).to.equal(403);
    expect(badCursor.status).to.equal(400);
    expect(badCursor.body).to.include({ type: 'https://dui-pds.org/problems/validation-failed' });
    expect(badCursor.body.detail).to.match(/curseur/);
    expect(notACursor.status).to.equal(400);
  });
});
