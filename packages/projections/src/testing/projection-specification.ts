import { type ErasedData, type EventMetadata, openPglite, type RecordedEvent } from '@dui-pds/eventstore';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { contextFor, evolveAll, type Projection } from '../projection.js';
import { modelRows } from '../runtime/model-rows.js';

/** An event as a projection test writes it: the type and data, and what else matters to the case. */
export interface GivenEvent {
  type: string;
  data?: unknown;
  streamId?: string;
  metadata?: Partial<EventMetadata> & { recordedAt?: string };
}

/** The same event as it reads once its usager was forgotten (crypto-shredding). */
export function erased(
  event: GivenEvent,
  serviceUserId = event.metadata?.serviceUserId ?? 'usager-oublie',
): GivenEvent {
  const marker: ErasedData = { $erased: true, serviceUserId };
  return { ...event, data: marker, metadata: { ...event.metadata, serviceUserId } };
}

/**
 * Given / when / then for projections, on embedded PostgreSQL (PGlite, in memory): given events
 * in log order, then a table of the model holds exactly these rows (`thenTable`).
 *
 *   const spec = ProjectionSpecification.for(activityJournal);
 *   after(() => spec.close());
 *   await spec.given([{ type: 'TransmissionRecorded', metadata: { ... } }]).thenTable('daily_activity', [{ ... }]);
 *
 * Each `given` builds the model in a fresh schema, so cases do not see each other's rows.
 */
export class ProjectionSpecification {
  #database: Knex | undefined;
  #schemas = 0;

  private constructor(private readonly projection: Projection) {}

  static for(projection: Projection): ProjectionSpecification {
    return new ProjectionSpecification(projection);
  }

  given(events: readonly GivenEvent[]): {
    thenTable(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  } {
    return {
      thenTable: async (table, rows) => {
        const model = await this.modelAfter(events);
        expect(await modelRows(this.#db(), model, table)).to.deep.equal(rows);
      },
    };
  }

  /** Builds the model from these events and returns its schema, for assertions `thenTable` does not cover. */
  async modelAfter(events: readonly GivenEvent[]): Promise<string> {
    const db = this.#db();
    const schema = `spec_${this.projection.name}_${++this.#schemas}`;
    await db.transaction(async (trx) => {
      await trx.raw(`create schema ${schema}`);
      await this.projection.migrate(trx, schema);
      await evolveAll(this.projection, recordedInOrder(events), contextFor(trx, schema));
    });
    return schema;
  }

  get db(): Knex {
    return this.#db();
  }

  async close(): Promise<void> {
    await this.#database?.destroy();
    this.#database = undefined;
  }

  #db(): Knex {
    this.#database ??= openPglite();
    return this.#database;
  }
}

let position = 0n;

/** The events as the store would hand them back: positions in order, revisions counted per stream. */
function recordedInOrder(events: readonly GivenEvent[]): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return events.map((event) => {
    const streamId = event.streamId ?? 'stream-test';
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    return recorded(event, streamId, revision);
  });
}

function recorded(event: GivenEvent, streamId: string, streamRevision: number): RecordedEvent {
  position += 1n;
  const occurredAt = event.metadata?.occurredAt ?? '2025-03-31T08:00:00.000Z';
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type: event.type,
    version: 1,
    data: event.data ?? {},
    metadata: {
      organisationId: 'og-test',
      actor: { kind: 'professional', id: 'pro-test', role: 'infirmier' },
      ...event.metadata,
      occurredAt,
      recordedAt: event.metadata?.recordedAt ?? occurredAt,
    },
    streamId,
    streamRevision,
    globalPosition: position,
    previousHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  };
}
