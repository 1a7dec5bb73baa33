import { selectRows } from '@dui-pds/eventstore';
import type { Knex } from 'knex';

export type BuildState = 'building' | 'active' | 'retired' | 'replay';

/** One build of a projection, as the registry holds it. */
export interface Build {
  schema: string;
  projection: string;
  version: number;
  state: BuildState;
  /** Global position of the last event applied; undefined before the first. */
  checkpoint: bigint | undefined;
  eventsDone: number;
  /** `recordedAt` of the last event applied, for the lag in seconds. */
  lastRecordedAt: Date | undefined;
}

type BuildRow = readonly [string, string, number, BuildState, string | null, string, Date | string | null];

const BUILD_COLUMNS = `build_schema, projection, version, state, checkpoint::text, events_done::text, last_recorded_at`;

function toBuild([schema, projection, version, state, checkpoint, eventsDone, lastRecordedAt]: BuildRow): Build {
  return {
    schema,
    projection,
    version,
    state,
    checkpoint: checkpoint === null ? undefined : BigInt(checkpoint),
    eventsDone: Number(eventsDone),
    lastRecordedAt: lastRecordedAt === null ? undefined : new Date(lastRecordedAt),
  };
}

/** Reads and writes `<store schema>.projection_builds`. */
export class BuildRegistry {
  readonly #table: string;

  constructor(storeSchema: string) {
    this.#table = `${storeSchema}.projection_builds`;
  }

  async all(db: Knex | Knex.Transaction): Promise<Build[]> {
    const rows = await selectRows<BuildRow>(
      db,
      `select ${BUILD_COLUMNS} from ${this.#table} order by projection, created_at`,
    );
    return rows.map(toBuild);
  }

  async find(
    db: Knex | Knex.Transaction,
    schema: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<Build | undefined> {
    const [row] = await selectRows<BuildRow>(
      db,
      `select ${BUILD_COLUMNS} from ${this.#table} where build_schema = ?${options.forUpdate ? ' for update' : ''}`,
      [schema],
    );
    return row && toBuild(row);
  }

  async active(db: Knex | Knex.Transaction, projection: string): Promise<Build | undefined> {
    const [row] = await selectRows<BuildRow>(
      db,
      `select ${BUILD_COLUMNS} from ${this.#table} where projection = ? and state = 'active'`,
      [projection],
    );
    return row && toBuild(row);
  }

  /** The active build of each of these projections, by projection name; one query for all. */
  async activeOf(db: Knex | Knex.Transaction, projections: readonly string[]): Promise<Map<string, Build>> {
    if (projections.length === 0) return new Map();
    const rows = await selectRows<BuildRow>(
      db,
      `select ${BUILD_COLUMNS} from ${this.#table} where state = 'active' and projection in (${projections.map(() => '?').join(', ')})`,
      [...projections],
    );
    return new Map(rows.map(toBuild).map((build) => [build.projection, build]));
  }

  /** Builds of a projection and version, newest last: to resume an unfinished rebuild, or number the next. */
  async ofVersion(db: Knex | Knex.Transaction, projection: string, version: number): Promise<Build[]> {
    const rows = await selectRows<BuildRow>(
      db,
      `select ${BUILD_COLUMNS} from ${this.#table} where projection = ? and version = ? order by created_at`,
      [projection, version],
    );
    return rows.map(toBuild);
  }

  async insert(db: Knex.Transaction, build: Pick<Build, 'schema' | 'projection' | 'version' | 'state'>): Promise<void> {
    await db.raw(`insert into ${this.#table} (build_schema, projection, version, state) values (?, ?, ?, ?)`, [
      build.schema,
      build.projection,
      build.version,
      build.state,
    ]);
  }

  async advance(
    db: Knex.Transaction,
    schema: string,
    progress: { checkpoint: bigint; events: number; lastRecordedAt: string },
  ): Promise<void> {
    await db.raw(
      `update ${this.#table}
          set checkpoint = ?::bigint, events_done = events_done + ?, last_recorded_at = ?, updated_at = now()
        where build_schema = ?`,
      [String(progress.checkpoint), progress.events, progress.lastRecordedAt, schema],
    );
  }

  async setState(db: Knex.Transaction, schema: string, state: BuildState): Promise<void> {
    await db.raw(`update ${this.#table} set state = ?, updated_at = now() where build_schema = ?`, [state, schema]);
  }

  async remove(db: Knex | Knex.Transaction, schema: string): Promise<void> {
    await db.raw(`delete from ${this.#table} where build_schema = ?`, [schema]);
  }
}
