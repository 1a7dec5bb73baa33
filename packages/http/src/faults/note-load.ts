import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { recordNoteStreamId } from '@dui-pds/projections';
import { Redis } from 'ioredis';
import type { Knex } from 'knex';
import { sessionsCachedInRedis } from '../app/redis-fallbacks.js';
import { redisNames } from '../app/redis-names.js';
import { ServerUnderTest } from '../app/testing/server-under-test.js';
import { openSession } from '../auth/index.js';

export const ORGANISATION = 'og-a';
export const SERVICE_USER = 'usager-1';
export const NURSE = 'pro-nurse';

/** What a client got for one request: an answer, or none (connection refused or cut). */
export type Outcome = { status: number; retryAfter: string | null; body: string } | 'no answer';

/** One note to write, sent again with the same Idempotency-Key and body until acknowledged. */
export interface NoteCommand {
  noteId: string;
  idempotencyKey: string;
  body: string;
  outcomes: Outcome[];
}

/** A schema with a nurse allowed to write notes about usager-1, on `databaseUrl`, left for a server process to start on. */
export async function seedNurse(databaseUrl = TEST_DATABASE_URL): Promise<{ schema: string; masterKey: string }> {
  const seeded = await ServerUnderTest.start({ DATABASE_URL: databaseUrl });
  await seeded.asSystem(
    ORGANISATION,
    { type: 'GrantRole', professionalId: NURSE, facilityId: '750000001', role: 'nurse' },
    { type: 'AddToCareTeam', professionalId: NURSE, serviceUserId: SERVICE_USER, facilityId: '750000001' },
  );
  await seeded.close({ keepData: true });
  return { schema: seeded.schema, masterKey: seeded.masterKey };
}

/** The nurse's session, opened where the server keeps them: PostgreSQL, cached in Redis. */
export async function nurseSession(knex: Knex, schema: string, redisUrl: string): Promise<string> {
  const redis = new Redis(redisUrl);
  try {
    const sessions = await sessionsCachedInRedis(redis, knex, {
      schema,
      kind: 'professional',
      keyPrefix: redisNames(schema).sessions,
      // a test login has no provider tokens: the key seals nothing here
      tokensKey: randomBytes(32),
    });
    const { token } = await openSession(sessions, {
      professionalId: NURSE,
      displayName: 'Infirmier',
      provider: 'test',
    });
    return token;
  } finally {
    redis.disconnect();
  }
}

/** Writes notes over HTTP as the nurse, keeping every command and what each try of it got. */
export class NoteWriter {
  readonly commands: NoteCommand[] = [];

  constructor(
    private readonly baseUrl: () => string,
    private readonly token: string,
  ) {}

  newCommand(): NoteCommand {
    const noteId = randomUUID();
    const body = JSON.stringify({ noteId, facilityId: '750000001', sensitivity: 'medical', text: `note ${noteId}` });
    const command = { noteId, idempotencyKey: randomUUID(), body, outcomes: [] };
    this.commands.push(command);
    return command;
  }

  async send(command: NoteCommand, timeoutMs = 30_000): Promise<Outcome> {
    let outcome: Outcome;
    try {
      const response = await fetch(`${this.baseUrl()}/organisations/${ORGANISATION}/usagers/${SERVICE_USER}/notes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.token}`,
          'content-type': 'application/json',
          'idempotency-key': command.idempotencyKey,
        },
        body: command.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      outcome = {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.text(),
      };
    } catch {
      outcome = 'no answer';
    }
    command.outcomes.push(outcome);
    return outcome;
  }

  /** Sends a command again (same key, same body) until it is acknowledged, waiting out 409 "in progress" and 503. */
  async sendUntilAcknowledged(command: NoteCommand, deadline: number): Promise<Outcome> {
    for (;;) {
      const outcome = await this.send(command);
      if (outcome !== 'no answer' && !retryable(outcome.status)) return outcome;
      if (Date.now() > deadline) return outcome;
      await sleep(outcome !== 'no answer' && outcome.retryAfter ? 500 : 250);
    }
  }

  async read(noteId: string): Promise<number> {
    const response = await fetch(`${this.baseUrl()}/organisations/${ORGANISATION}/notes/${noteId}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    await response.arrayBuffer();
    return response.status;
  }
}

/** 409 (the key is held by a request that died with its server) and 503 (a dependency away) clear by themselves. */
export function retryable(status: number): boolean {
  return status === 409 || status === 503;
}

export function acknowledged(outcome: Outcome | undefined): outcome is Exclude<Outcome, 'no answer'> {
  return outcome !== undefined && outcome !== 'no answer' && outcome.status >= 200 && outcome.status < 300;
}

/** The first acknowledged answer a command got, if any. */
export function firstAcknowledgement(command: NoteCommand): Exclude<Outcome, 'no answer'> | undefined {
  return command.outcomes.find(acknowledged);
}

/** How many events the log holds for each note: the event store's count, not the read model's. */
export async function eventsPerNote(
  knex: Knex,
  schema: string,
  noteIds: readonly string[],
): Promise<Map<string, number>> {
  const streams = noteIds.map((noteId) => recordNoteStreamId(ORGANISATION, noteId));
  const rows: { stream_id: string; count: string | number }[] = await knex(`${schema}.events`)
    .whereIn('stream_id', streams)
    .groupBy('stream_id')
    .select('stream_id')
    .count({ count: '*' });
  const byStream = new Map(rows.map((row) => [row.stream_id, Number(row.count)]));
  return new Map(noteIds.map((noteId) => [noteId, byStream.get(recordNoteStreamId(ORGANISATION, noteId)) ?? 0]));
}

/** The notes the log does not hold exactly once (lost, or recorded twice), with their count: none, when all is well. */
export async function notesNotRecordedOnce(
  knex: Knex,
  schema: string,
  commands: readonly NoteCommand[],
): Promise<{ noteId: string; events: number }[]> {
  const events = await eventsPerNote(
    knex,
    schema,
    commands.map((command) => command.noteId),
  );
  return [...events].filter(([, count]) => count !== 1).map(([noteId, count]) => ({ noteId, events: count }));
}

/** Runs `count` clients until `stop` aborts. */
export async function clients(
  count: number,
  stop: AbortSignal,
  client: (index: number) => Promise<void>,
): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      while (!stop.aborted) await client(index);
    }),
  );
}
