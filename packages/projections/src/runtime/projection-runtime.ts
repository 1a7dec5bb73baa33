import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AppendNotifier,
  checkedSchemaName,
  DEFAULT_SCHEMA,
  type EventStore,
  type RecordedEvent,
} from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { InProcessLeaseManager, type Lease, type LeaseManager, PostgresAdvisoryLeaseManager } from '../leases/index.js';
import { contextFor, evolveAll, handles, type Projection, type ServiceUserRows } from '../projection.js';
import { AppendWakeups } from './append-wakeups.js';
import { applyBatch, applyInTransaction } from './apply-batch.js';
import { type Build, BuildRegistry } from './builds.js';
import {
  BuildRetiredError,
  CheckpointMovedError,
  PositionNotFoundError,
  ProjectionError,
  UnknownProjectionError,
} from './errors.js';
import { LogStatistics } from './log-statistics.js';
import { type ProgressListener, ProgressTracker } from './progress.js';
import { pointReadSchemaAt, relationsOf } from './read-schema.js';
import { migrateProjectionRegistry } from './registry-migration.js';
import { type AsOf, ReplayedModel } from './replayed-model.js';
import { buildSchemaOf, readSchemaOf, replaySchemaOf } from './schema-names.js';
import { type PurgedRows, purgeServiceUserRows } from './service-user-purge.js';
import { FenceTimeoutError, waitForFence } from './visibility-fence.js';

export interface ProjectionRuntimeOptions {
  /** The database of the event store: builds live beside it and commit with their checkpoints. */
  knex: Knex;
  /** Where events are read from: the store itself, or its crypto-shredding decorator so that projections see clear data. */
  store: Pick<EventStore<Knex.Transaction>, 'readAll'>;
  /** Projections run by async workers (`run`, `follow`). */
  projections: readonly Projection[];
  /**
   * Projections applied inline, in the transaction of each append made through
   * `withInlineProjections(store)`: read-your-writes, at the cost of slower appends. Never
   * followed by a worker. Every append of the event types they handle must go through that store.
   */
  inline?: readonly Projection[];
  /** The event store's schema; projections live in schemas named after it. Defaults to `dui`. */
  schema?: string;
  /** Wakes workers at once when something is appended (in process, or Redis across processes). */
  notifier?: AppendNotifier;
  /** Who may process which build. Defaults to advisory locks on PostgreSQL, in-process leases on PGlite. */
  leases?: LeaseManager;
  /** Events read and applied per transaction. Defaults to 2,000. */
  batchSize?: number;
  /** Longest wait for new events when no notification comes. Defaults to 1 s. */
  pollIntervalMs?: number;
  /** How often a worker without the lease tries again. Defaults to 1 s. */
  leaseRetryMs?: number;
  /** Told about a failed batch (the worker retries after `leaseRetryMs`). Messages may hold event data: never log them as they are. */
  onError?: (error: unknown, projection: string) => void;
  /** Told about every batch a worker tried, from its read to its commit or refusal: for metrics and tests. */
  onBatch?: (batch: BatchReport) => void;
}

export interface BatchReport {
  projection: string;
  buildSchema: string;
  events: number;
  /** Epoch milliseconds, fractional. */
  startedAt: number;
  finishedAt: number;
  outcome: 'applied' | 'checkpoint-moved';
}

export interface RebuildOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** Where one projection stands: what readers see and how far behind the log it is. */
export interface ProjectionStatus {
  name: string;
  mode: 'async' | 'inline';
  /** The version the running code declares. */
  version: number;
  active: Build | undefined;
  /**
   * Events of the visible log (ADR 0003) the active build has not applied yet (always 0 inline):
   * appends committed after an older transaction still running are counted once it ends.
   */
  behindEvents: number;
  /** Between the last event applied and the newest one, by their `recordedAt`; undefined when nothing was applied yet. */
  behindSeconds: number | undefined;
  /** Builds under way (rebuilds, upgrades). */
  building: Build[];
}

/** Measured with `pnpm bench`: 2,000 rebuilds faster than 500, and no slower than 5,000. */
const DEFAULT_BATCH_SIZE = 2_000;
/** Re-reads after a notification (or taking the lease) that found nothing yet, the last pause repeated up to the poll interval (see `#followBuild`). */
const FENCE_RETRY_MS = [5, 20, 50, 100, 250, 500];
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_LEASE_RETRY_MS = 1_000;
/** Tries to switch an inline projection while older transactions hold the visibility fence back (`#catchUpInSwitch`). */
const MAX_SWITCH_ATTEMPTS = 20;

/**
 * Runs projections over the global log (DESIGN.md, Projections, and ADR 0008): async workers
 * behind leases, rebuilds beside the live version with an atomic switch, and time travel.
 */
export class ProjectionRuntime {
  readonly #knex: Knex;
  readonly #store: Pick<EventStore<Knex.Transaction>, 'readAll'>;
  readonly #projections: ReadonlyMap<string, Projection>;
  readonly #inline: ReadonlySet<string>;
  readonly #schema: string;
  readonly #notifier: AppendNotifier | undefined;
  readonly #leases: LeaseManager;
  readonly #ownsLeases: boolean;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  readonly #leaseRetryMs: number;
  readonly #onError: (error: unknown, projection: string) => void;
  readonly #onBatch: ((batch: BatchReport) => void) | undefined;
  readonly #registry: BuildRegistry;
  readonly #statistics: LogStatistics;
  readonly #upgrades = new Map<string, Promise<unknown>>();

  constructor(options: ProjectionRuntimeOptions) {
    this.#knex = options.knex;
    this.#store = options.store;
    this.#schema = checkedSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const all = [...options.projections, ...(options.inline ?? [])];
    this.#projections = new Map(all.map((projection) => [projection.name, projection]));
    if (this.#projections.size !== all.length) throw new TypeError('two projections share a name');
    this.#inline = new Set((options.inline ?? []).map((projection) => projection.name));
    this.#notifier = options.notifier;
    this.#ownsLeases = options.leases === undefined;
    this.#leases = options.leases ?? defaultLeases(options.knex);
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#leaseRetryMs = options.leaseRetryMs ?? DEFAULT_LEASE_RETRY_MS;
    this.#onError = options.onError ?? (() => undefined);
    this.#onBatch = options.onBatch;
    this.#registry = new BuildRegistry(this.#schema);
    this.#statistics = new LogStatistics(this.#schema);
  }

  get projections(): Projection[] {
    return [...this.#projections.values()];
  }

  projection(name: string): Projection {
    const projection = this.#projections.get(name);
    if (!projection) throw new UnknownProjectionError(name);
    return projection;
  }

  /** The schema readers query for a projection: views on its active build. */
  readSchema(name: string): string {
    return readSchemaOf(this.#schema, this.projection(name));
  }

  /**
   * Deletes a usager's rows from the read models of every projection but those in `keep` (the end
   * of the retention of their record), in one transaction: first what each projection deletes
   * itself (`Projection.purgeServiceUser`), then the rows of every table with a `service_user_id`
   * column (`purgeServiceUserRows`).
   */
  purgeServiceUser(
    where: ServiceUserRows,
    options: { keep?: readonly string[]; transaction?: Knex.Transaction } = {},
  ): Promise<PurgedRows> {
    const purged = this.projections.filter((projection) => !options.keep?.includes(projection.name));
    const purge = async (trx: Knex.Transaction): Promise<PurgedRows> => {
      const byTable: Record<string, number> = {};
      for (const projection of purged) {
        if (!projection.purgeServiceUser) continue;
        const schema = this.readSchema(projection.name);
        const deleted = await projection.purgeServiceUser(contextFor(trx, schema), where);
        for (const [table, rows] of Object.entries(deleted)) byTable[`${schema}.${table}`] = rows;
      }
      const schemas = purged.map((projection) => this.readSchema(projection.name));
      const columns = await purgeServiceUserRows(trx, schemas, where);
      for (const [table, rows] of Object.entries(columns.byTable)) byTable[table] = (byTable[table] ?? 0) + rows;
      return { byTable, total: Object.values(byTable).reduce((sum, rows) => sum + rows, 0) };
    };
    return options.transaction ? purge(options.transaction) : this.#knex.transaction(purge);
  }

  /**
   * Creates the registry and, for a projection seen for the first time, its first build (empty,
   * active at once: there is no older model to keep showing). An inline projection whose code
   * declares a newer version than its active build is rebuilt here (`#upgradeInline`). Safe to run
   * from several processes.
   */
  async migrate(): Promise<void> {
    await migrateProjectionRegistry(this.#knex, { schema: this.#schema });
    for (const projection of this.#projections.values()) {
      const active = await this.#ensureActiveBuild(projection);
      if (this.#inline.has(projection.name) && active.version < projection.version) {
        await this.#upgradeInline(projection);
      }
    }
  }

  /**
   * No worker upgrades an inline projection, and the appends write it themselves: new code must
   * not serve a command while its build is older, or the append would write the new shape into
   * the old tables and fail. So it is rebuilt at start, before the first request. A process
   * starting at the same time finds the rebuild under way and waits for the new build.
   */
  async #upgradeInline(projection: Projection): Promise<void> {
    for (;;) {
      try {
        await this.rebuild(projection.name);
        return;
      } catch (error) {
        if (!(error instanceof RebuildUnderWayError)) throw error;
      }
      await pause(this.#leaseRetryMs, new AbortController().signal);
      const active = await this.#registry.active(this.#knex, projection.name);
      if (active !== undefined && active.version >= projection.version) return;
    }
  }

  /** Follows every async projection until `signal` aborts: the worker's main loop. */
  async run(signal: AbortSignal): Promise<void> {
    const followed = [...this.#projections.keys()].filter((name) => !this.#inline.has(name));
    await Promise.all(followed.map((name) => this.follow(name, signal)));
    await Promise.allSettled(this.#upgrades.values());
  }

  /**
   * Keeps one projection's active build up to date, as long as this worker holds its lease;
   * without the lease, waits for it (another worker is at work). Starts the upgrade when the code
   * declares a newer version than the active build's.
   */
  async follow(name: string, signal: AbortSignal): Promise<void> {
    const projection = this.projection(name);
    if (this.#inline.has(name)) throw new ProjectionError(`${name} runs inline: no worker follows it`);
    while (!signal.aborted) {
      try {
        const active = await this.#ensureActiveBuild(projection);
        if (active.version < projection.version) this.#startUpgrade(projection, signal);
        if (active.version > projection.version) {
          // newer code runs elsewhere and owns this projection: wait to be replaced
          await pause(this.#leaseRetryMs, signal);
          continue;
        }
        const lease = await this.#leases.tryAcquire(leaseKey(active.schema));
        if (!lease) {
          await pause(this.#leaseRetryMs, signal);
          continue;
        }
        try {
          await this.#followBuild(projection, active.schema, AbortSignal.any([signal, lease.lost]));
        } finally {
          await lease.release();
        }
      } catch (error) {
        if (error instanceof BuildRetiredError) continue;
        if (signal.aborted) return;
        this.#onError(error, name);
        await pause(this.#leaseRetryMs, signal);
      }
    }
  }

  /**
   * Builds the projection again beside the active build, from the start of the log, then switches
   * readers to it in one transaction and drops the old one. Resumes an unfinished build of the
   * same version left by a crash. Returns the new build as it was at the switch.
   */
  async rebuild(name: string, options: RebuildOptions = {}): Promise<Build> {
    const projection = this.projection(name);
    await migrateProjectionRegistry(this.#knex, { schema: this.#schema });
    const { build, lease } = await this.#startBuild(projection);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, lease.lost]) : lease.lost;
      const total = await this.#statistics.countAfter(this.#knex, undefined);
      const progress = new ProgressTracker({ projection: name, buildSchema: build.schema, total }, options.onProgress);
      progress.add(build.eventsDone);
      const onBatch = (events: number) => progress.add(events);
      let checkpoint = build.checkpoint;
      for (let attempt = 1; ; attempt += 1) {
        checkpoint = await this.#catchUp(projection, build.schema, checkpoint, signal, onBatch);
        if (signal.aborted) throw new ProjectionError(`the rebuild of ${name} was interrupted`);
        const switched = await this.#switchTo(projection, build.schema).catch((error: unknown) => {
          if (error instanceof FenceTimeoutError && attempt < MAX_SWITCH_ATTEMPTS) return undefined;
          throw error;
        });
        if (switched) return switched;
        checkpoint = (await this.#registry.find(this.#knex, build.schema))?.checkpoint;
      }
    } finally {
      await lease.release();
    }
  }

  /**
   * Time travel: builds the projection into a schema of its own from the start of the log up to
   * `asOf` (a position, included, or a date on the recording clock or the business clock), for
   * an auditor. The caller reads the model, then disposes of it.
   */
  async replay(
    name: string,
    asOf: AsOf,
    options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
  ): Promise<ReplayedModel> {
    const projection = this.projection(name);
    await migrateProjectionRegistry(this.#knex, { schema: this.#schema });
    const schema = replaySchemaOf(this.#schema, projection);
    await this.#createBuildSchema(projection, schema, 'replay');
    let applied = 0;
    const model = () => new ReplayedModel(this.#knex, this.#registry, name, schema, asOf, applied);
    try {
      const total = await this.#statistics.countAfter(this.#knex, undefined);
      const progress = new ProgressTracker({ projection: name, buildSchema: schema, total }, options.onProgress);
      let after: bigint | undefined;
      for (;;) {
        // an interrupted replay drops what it built, like a failed one
        options.signal?.throwIfAborted();
        const events = await this.#store.readAll({ after, maxCount: this.#batchSize });
        if (events.length === 0) {
          if ('position' in asOf) throw new PositionNotFoundError(asOf.position);
          return model();
        }
        const stop = 'position' in asOf ? events.findIndex((event) => event.globalPosition === asOf.position) : -1;
        const read = stop >= 0 ? events.slice(0, stop + 1) : events;
        const selected = read.filter((event) => happenedBy(event, asOf));
        await applyBatch(
          this.#knex,
          this.#registry,
          { projection, buildSchema: schema, readAfter: after },
          read,
          selected,
        );
        applied += selected.filter((event) => handles(projection, event)).length;
        progress.add(read.length);
        after = read.at(-1)!.globalPosition;
        if (stop >= 0) return model();
      }
    } catch (error) {
      await model().dispose();
      throw error;
    }
  }

  /** Where every projection stands: checkpoints, lag, builds under way. */
  async status(): Promise<ProjectionStatus[]> {
    await migrateProjectionRegistry(this.#knex, { schema: this.#schema });
    const builds = await this.#registry.all(this.#knex);
    const headRecordedAt = await this.#statistics.headRecordedAt(this.#knex);
    const statuses: ProjectionStatus[] = [];
    for (const projection of this.#projections.values()) {
      const own = builds.filter((build) => build.projection === projection.name);
      const active = own.find((build) => build.state === 'active');
      const behindEvents = await this.#statistics.countAfter(this.#knex, active?.checkpoint);
      const lastApplied = active?.lastRecordedAt;
      const inline = this.#inline.has(projection.name);
      statuses.push({
        name: projection.name,
        mode: inline ? 'inline' : 'async',
        version: projection.version,
        active,
        behindEvents: inline ? 0 : behindEvents,
        behindSeconds:
          inline || behindEvents === 0
            ? 0
            : lastApplied && headRecordedAt
              ? Math.max(0, (headRecordedAt.getTime() - lastApplied.getTime()) / 1000)
              : undefined,
        building: own.filter((build) => build.state === 'building'),
      });
    }
    return statuses;
  }

  /** Releases the leases it made (a lease manager given to it stays open). */
  async close(): Promise<void> {
    if (this.#ownsLeases) await this.#leases.close();
  }

  async #followBuild(projection: Projection, schema: string, signal: AbortSignal): Promise<void> {
    const wakeups = new AppendWakeups(this.#notifier);
    try {
      // read once the lease is held: the previous holder may have moved it
      let checkpoint = (await this.#registry.find(this.#knex, schema))?.checkpoint;
      // Start as if woken: an append notified before this worker listened may still be behind
      // the fence at the first read, and its notification will not come again.
      let woken = true;
      let fenceRetry = 0;
      let emptySince: number | undefined;
      while (!signal.aborted) {
        const startedAt = epochMs();
        const events = await this.#store.readAll({ after: checkpoint, maxCount: this.#batchSize });
        if (events.length === 0) {
          // Heard of an append but read nothing: its events are still behind the visibility
          // fence (an older transaction runs, maybe another program's), and no second
          // notification will come when it ends. Look again, soon then every 500 ms, until the
          // poll would have come anyway: a long poll interval must not delay them that long.
          emptySince ??= performance.now();
          const left = this.#pollIntervalMs - (performance.now() - emptySince);
          if (woken && left > 0) {
            const retryMs = FENCE_RETRY_MS[Math.min(fenceRetry++, FENCE_RETRY_MS.length - 1)]!;
            await pause(Math.min(retryMs, left), signal);
            continue;
          }
          woken = (await wakeups.next(this.#pollIntervalMs, signal)) === 'notified';
          fenceRetry = 0;
          emptySince = undefined;
          continue;
        }
        fenceRetry = 0;
        emptySince = undefined;
        if (signal.aborted) return;
        const report = { projection: projection.name, buildSchema: schema, events: events.length, startedAt };
        try {
          await applyBatch(
            this.#knex,
            this.#registry,
            { projection, buildSchema: schema, readAfter: checkpoint },
            events,
          );
          checkpoint = events.at(-1)!.globalPosition;
          this.#onBatch?.({ ...report, finishedAt: epochMs(), outcome: 'applied' });
        } catch (error) {
          if (!(error instanceof CheckpointMovedError)) throw error;
          this.#onBatch?.({ ...report, finishedAt: epochMs(), outcome: 'checkpoint-moved' });
          checkpoint = (await this.#registry.find(this.#knex, schema))?.checkpoint;
        }
      }
    } finally {
      wakeups.stop();
    }
  }

  /**
   * Applies the log to a build until it reaches the live edge (a batch that is not full): with
   * appends going on, the log has no end to wait for.
   */
  async #catchUp(
    projection: Projection,
    schema: string,
    from: bigint | undefined,
    signal: AbortSignal,
    onBatch: (events: number) => void,
  ): Promise<bigint | undefined> {
    let checkpoint = from;
    while (!signal.aborted) {
      const events = await this.#store.readAll({ after: checkpoint, maxCount: this.#batchSize });
      if (events.length === 0) return checkpoint;
      await applyBatch(this.#knex, this.#registry, { projection, buildSchema: schema, readAfter: checkpoint }, events);
      checkpoint = events.at(-1)!.globalPosition;
      onBatch(events.length);
      if (events.length < this.#batchSize) return checkpoint;
    }
    return checkpoint;
  }

  #startUpgrade(projection: Projection, signal: AbortSignal): void {
    if (this.#upgrades.has(projection.name)) return;
    const upgrade = this.rebuild(projection.name, { signal })
      .catch((error) => {
        if (!(error instanceof RebuildUnderWayError) && !signal.aborted) this.#onError(error, projection.name);
      })
      .finally(() => this.#upgrades.delete(projection.name));
    this.#upgrades.set(projection.name, upgrade);
  }

  /** The active build, created (empty, with its tables and views) if the projection has none yet. */
  async #ensureActiveBuild(projection: Projection): Promise<Build> {
    const active = await this.#registry.active(this.#knex, projection.name);
    if (active) return active;
    return this.#knex.transaction(async (trx) => {
      await this.#lockProjection(trx, projection);
      const again = await this.#registry.active(trx, projection.name);
      if (again) return again;
      const schema = await this.#nextBuildSchema(trx, projection);
      await trx.raw(`create schema ${schema}`);
      await projection.migrate(trx, schema);
      await this.#registry.insert(trx, {
        schema,
        projection: projection.name,
        version: projection.version,
        state: 'active',
      });
      await pointReadSchemaAt(trx, readSchemaOf(this.#schema, projection), schema);
      return (await this.#registry.find(trx, schema))!;
    });
  }

  /** A build to rebuild into, with its lease: an unfinished one of the same version if nobody holds it, else a new one. */
  async #startBuild(projection: Projection): Promise<{ build: Build; lease: Lease }> {
    const unfinished = (await this.#registry.ofVersion(this.#knex, projection.name, projection.version)).filter(
      (build) => build.state === 'building',
    );
    for (const build of unfinished) {
      const lease = await this.#leases.tryAcquire(leaseKey(build.schema));
      if (lease) return { build: (await this.#registry.find(this.#knex, build.schema))!, lease };
    }
    if (unfinished.length > 0) throw new RebuildUnderWayError(projection.name);
    const schema = await this.#knex.transaction(async (trx) => {
      await this.#lockProjection(trx, projection);
      return this.#nextBuildSchema(trx, projection);
    });
    const lease = await this.#leases.tryAcquire(leaseKey(schema));
    if (!lease) throw new RebuildUnderWayError(projection.name);
    try {
      await this.#createBuildSchema(projection, schema, 'building');
    } catch (error) {
      await lease.release();
      throw error;
    }
    return { build: (await this.#registry.find(this.#knex, schema))!, lease };
  }

  async #createBuildSchema(projection: Projection, schema: string, state: 'building' | 'replay'): Promise<void> {
    await this.#knex.transaction(async (trx) => {
      await trx.raw(`create schema ${schema}`);
      await projection.migrate(trx, schema);
      await this.#registry.insert(trx, { schema, projection: projection.name, version: projection.version, state });
    });
  }

  /**
   * The switch: readers move from the old build to the new one in one transaction, then the old
   * build is dropped. Its worker, if any, finds it retired at its next batch and follows the new one.
   */
  async #switchTo(projection: Projection, schema: string): Promise<Build> {
    // Statistics before readers arrive: a freshly filled table has none until autovacuum passes,
    // and a planner without them may pick plans that take minutes instead of milliseconds.
    for (const table of await relationsOf(this.#knex, schema, 'r')) await this.#knex.raw(`analyze ${schema}.${table}`);
    const outcome = await this.#knex.transaction(async (trx) => {
      await this.#lockProjection(trx, projection);
      if (this.#inline.has(projection.name)) await this.#catchUpInSwitch(trx, projection, schema);
      const active = await this.#registry.active(trx, projection.name);
      // waits for the old build's batch in flight, if any, to commit
      const old = active && (await this.#registry.find(trx, active.schema, { forUpdate: true }));
      const build = await this.#registry.find(trx, schema, { forUpdate: true });
      if (build?.state !== 'building') throw new BuildRetiredError(schema);
      const inline = this.#inline.has(projection.name);
      // an old build that has applied nothing cannot be ahead
      if (!inline && old?.checkpoint !== undefined && (await this.#isBehind(trx, build, old))) {
        // The old build's worker is a batch or two ahead: its row is locked above, so the worker
        // waits while the new build applies what the old one is ahead by, and readers never see the
        // model go back. No wait for the fence: the old worker's next batch, older than this
        // transaction, waits on it; what the old build applied was below the fence, so it still is.
        await this.#applyInSwitch(trx, projection, schema, old.checkpoint);
      }
      if (old) await this.#registry.setState(trx, old.schema, 'retired');
      await this.#registry.setState(trx, schema, 'active');
      await pointReadSchemaAt(trx, readSchemaOf(this.#schema, projection), schema);
      // read again: the catch-up above may have moved its checkpoint
      return { switched: (await this.#registry.find(trx, schema))!, retired: old?.schema };
    });
    const { switched, retired } = outcome;
    if (retired) {
      await this.#knex.raw(`drop schema if exists ${retired} cascade`);
      await this.#registry.remove(this.#knex, retired);
    }
    return switched;
  }

  /**
   * An inline projection's appends take its lock in shared mode before they write (see
   * `holdInlineBuilds`); the switch holds it exclusively. Once every transaction older than the
   * switch has ended (the visibility fence has passed them), the log holds every event the old
   * build got inline, and the new build reads the rest of them here, in the switch's transaction.
   */
  async #catchUpInSwitch(trx: Knex.Transaction, projection: Projection, schema: string): Promise<void> {
    await waitForFence(trx);
    await this.#applyInSwitch(trx, projection, schema);
  }

  /**
   * Applies to the build `schema`, in the switch's transaction, the events after its checkpoint:
   * up to the event at `upTo` (included), or to the end of the log without it.
   */
  async #applyInSwitch(trx: Knex.Transaction, projection: Projection, schema: string, upTo?: bigint): Promise<void> {
    let checkpoint = (await this.#registry.find(trx, schema))?.checkpoint;
    while (upTo === undefined || checkpoint !== upTo) {
      const events = await this.#store.readAll({ after: checkpoint, maxCount: this.#batchSize, transaction: trx });
      const last = upTo === undefined ? -1 : events.findIndex((event) => event.globalPosition === upTo);
      const batch = last === -1 ? events : events.slice(0, last + 1);
      if (batch.length === 0) return;
      await applyInTransaction(trx, this.#registry, { projection, buildSchema: schema, readAfter: checkpoint }, batch);
      checkpoint = batch.at(-1)!.globalPosition;
    }
  }

  /**
   * For an append about to be made in `trx` (`withInlineProjections`): holds, in shared mode and
   * before anything is written, the locks of the inline projections that handle one of the
   * event types about to be appended, so that a switch of one of them waits for this append
   * rather than missing it. One statement for all of them: an append pays this on every write.
   */
  async holdInlineBuilds(trx: Knex.Transaction, eventTypes?: readonly string[]): Promise<void> {
    const keys = this.#inlineHandling(eventTypes).map((projection) => this.#projectionLockKey(projection.name));
    if (keys.length === 0) return;
    // as one json parameter, which pg and PGlite read alike; locks are taken in the array's order
    await trx.raw(
      'select pg_advisory_xact_lock_shared(hashtextextended(key, 0)) from jsonb_array_elements_text(?::jsonb) as key',
      [JSON.stringify(keys)],
    );
  }

  /**
   * Applies appended events to the active build of every inline projection that handles one of
   * them, in the append's transaction; the active builds are read in one query.
   */
  async applyInline(trx: Knex.Transaction, events: readonly RecordedEvent[]): Promise<void> {
    const projections = this.#inlineHandling(events.map((event) => event.type));
    if (projections.length === 0) return;
    const active = await this.#registry.activeOf(
      trx,
      projections.map((projection) => projection.name),
    );
    for (const projection of projections) {
      const build = active.get(projection.name);
      if (!build) throw new ProjectionError(`${projection.name} has no active build: run migrate() first`);
      await evolveAll(projection, events, contextFor(trx, build.schema));
    }
  }

  /** Whether an inline projection handles one of these event types: an append of them must apply it. */
  handlesInline(eventTypes: readonly string[]): boolean {
    return this.#inlineHandling(eventTypes).length > 0;
  }

  /** The inline projections handling at least one of these event types; all of them without types. */
  #inlineHandling(eventTypes: readonly string[] | undefined): Projection[] {
    const inline = [...this.#inline].map((name) => this.projection(name));
    if (eventTypes === undefined) return inline;
    return inline.filter((projection) => eventTypes.some((type) => handles(projection, { type })));
  }

  /**
   * Whether `build` has applied fewer events of the log than `other`. Both apply the log in the
   * same order, and below the visibility fence that order never changes, so this is whether its
   * checkpoint comes first. (Counting what is left after each, in two statements, could see
   * appends commit in between and call a build that is behind level.)
   */
  async #isBehind(trx: Knex.Transaction, build: Build, other: Build): Promise<boolean> {
    if (other.checkpoint === undefined || build.checkpoint === other.checkpoint) return false;
    if (build.checkpoint === undefined) return true;
    return this.#statistics.precedes(trx, build.checkpoint, other.checkpoint);
  }

  /** Serialises the creation and the switch of a projection's builds across processes. */
  async #lockProjection(trx: Knex.Transaction, projection: Projection): Promise<void> {
    await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [this.#projectionLockKey(projection.name)]);
  }

  #projectionLockKey(name: string): string {
    return `${this.#schema}:projection:${name}`;
  }

  /** The first build number of this version whose schema is not taken. */
  async #nextBuildSchema(db: Knex.Transaction, projection: Projection): Promise<string> {
    const taken = new Set(
      (await this.#registry.ofVersion(db, projection.name, projection.version)).map((b) => b.schema),
    );
    for (let number = 1; ; number += 1) {
      const schema = buildSchemaOf(this.#schema, projection, number);
      if (!taken.has(schema)) return schema;
    }
  }
}

/** Another process (or this one) is already rebuilding this projection. */
export class RebuildUnderWayError extends ProjectionError {
  override readonly name = 'RebuildUnderWayError';
  constructor(readonly projection: string) {
    super(`a rebuild of ${projection} is already under way`);
  }
}

function leaseKey(buildSchema: string): string {
  return `projection-build:${buildSchema}`;
}

function happenedBy(event: RecordedEvent, asOf: AsOf): boolean {
  if ('recordedAt' in asOf) return new Date(event.metadata.recordedAt) <= asOf.recordedAt;
  if ('occurredAt' in asOf) return new Date(event.metadata.occurredAt) <= asOf.occurredAt;
  return true;
}

function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}

function defaultLeases(knex: Knex): LeaseManager {
  const config = knex.client.config as { client?: unknown; connection?: { connectionString?: string } };
  const url = config.connection?.connectionString;
  return config.client === 'pg' && url ? new PostgresAdvisoryLeaseManager(url) : new InProcessLeaseManager();
}
