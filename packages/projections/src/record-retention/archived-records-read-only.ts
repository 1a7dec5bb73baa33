import {
  accessLogStreamId,
  DomainRuleViolation,
  destructionReportStreamId,
  portalAccountStreamId,
  RECORD_ARCHIVED,
  RECORD_ARCHIVED_MESSAGE,
  recordRetentionStreamId,
} from '@dui-pds/domain';
import {
  type AppendOptions,
  type AppendResult,
  arrayLiteral,
  type EventStore,
  type EventToAppend,
  type IntegrityReport,
  type ReadAllOptions,
  type ReadInTransaction,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  selectRows,
  type VerifyOptions,
} from '@dui-pds/eventstore';
import type { Knex } from 'knex';

interface Forgetting {
  forget(serviceUserId: string): Promise<void>;
}

/** The guarded store, with `forget` when the wrapped store has it (crypto-shredding). */
export type ArchiveGuardedStore<S extends EventStore<Knex.Transaction>> = EventStore<Knex.Transaction> &
  (S extends Forgetting ? Forgetting : unknown);

/**
 * An event store that keeps archived records read-only (DOMAIN.md, Retention): an append whose
 * events name (`metadata.serviceUserId`) a usager whose record is archived is refused with
 * `DomainRuleViolation('RECORD_ARCHIVED')`, and nothing of it is written. Some streams stay
 * open, for they are how an archived record is handled: the usager's retention stream (reopen,
 * legal holds), the organisation's destruction report, the usager's access log (the archivist's
 * reads are traced) and the portal accounts (a usager's logins are security traces).
 *
 * `schema` is the read schema of `recordRetentionProjection`, which must run inline: the check
 * locks the usagers' rows in the append's transaction (the caller's, or one opened here), so that
 * an archive committed meanwhile is either seen, or waits for the append to commit. Appends that
 * name no usager outside those streams pass through untouched.
 *
 * A command retried after its record was archived is refused too, even if its first attempt was
 * stored: the caller sees the archive rather than a stale success.
 */
export function withArchivedRecordsReadOnly<S extends EventStore<Knex.Transaction>>(
  store: S,
  knex: Knex,
  schema: string,
): ArchiveGuardedStore<S> {
  const guarded = new ArchivedRecordsReadOnlyStore(store, knex, schema);
  const forgetting = store as Partial<Forgetting>;
  if (typeof forgetting.forget === 'function') {
    const forget = forgetting.forget.bind(store);
    return Object.assign(guarded, { forget }) as ArchiveGuardedStore<S>;
  }
  return guarded as unknown as ArchiveGuardedStore<S>;
}

class ArchivedRecordsReadOnlyStore implements EventStore<Knex.Transaction> {
  constructor(
    private readonly store: EventStore<Knex.Transaction>,
    private readonly knex: Knex,
    private readonly schema: string,
  ) {}

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions<Knex.Transaction> = {},
  ): Promise<AppendResult> {
    const subjects = subjectsToCheck(streamId, events);
    if (subjects.size === 0) return this.store.appendToStream(streamId, events, options);
    const append = async (trx: Knex.Transaction) => {
      await this.refuseArchived(trx, subjects);
      return this.store.appendToStream(streamId, events, { ...options, transaction: trx });
    };
    return options.transaction ? append(options.transaction) : this.knex.transaction(append);
  }

  /**
   * Locks the usagers' rows as an update would (the inline projection updates them next, in this
   * transaction, so no weaker lock could be upgraded without deadlocks), in a stable order.
   */
  private async refuseArchived(trx: Knex.Transaction, subjects: ReadonlyMap<string, Set<string>>): Promise<void> {
    for (const [organisationId, serviceUserIds] of [...subjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const ids = [...serviceUserIds].sort();
      const rows = await selectRows<readonly [string, string | null]>(
        trx,
        `select service_user_id, archived_on from ${this.schema}.record_retention
          where organisation_id = ? and service_user_id = any(?::text[])
          order by service_user_id
          for no key update`,
        [organisationId, arrayLiteral(ids)],
      );
      const archived = rows.filter(([, archivedOn]) => archivedOn !== null).map(([serviceUserId]) => serviceUserId);
      if (archived.length > 0) {
        throw new DomainRuleViolation(RECORD_ARCHIVED, RECORD_ARCHIVED_MESSAGE, {
          organisationId,
          serviceUserIds: archived,
        });
      }
    }
  }

  readStream(
    streamId: string,
    options?: ReadStreamOptions & ReadInTransaction<Knex.Transaction>,
  ): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions & ReadInTransaction<Knex.Transaction>): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent> {
    return this.store.subscribeToAll(options);
  }

  verifyIntegrity(options?: VerifyOptions): Promise<IntegrityReport> {
    return this.store.verifyIntegrity(options);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** The usagers, by organisation, whose archive state decides whether this append may be made. */
function subjectsToCheck(streamId: string, events: readonly EventToAppend[]): Map<string, Set<string>> {
  const subjects = new Map<string, Set<string>>();
  for (const { metadata } of events) {
    const { organisationId, serviceUserId } = metadata ?? {};
    if (typeof organisationId !== 'string' || typeof serviceUserId !== 'string') continue;
    if (
      streamId === recordRetentionStreamId(organisationId, serviceUserId) ||
      streamId === accessLogStreamId(organisationId, serviceUserId) ||
      streamId === destructionReportStreamId(organisationId) ||
      // logins to the portal are security traces, not the record: a usager keeps their access
      streamId.startsWith(portalAccountStreamId(organisationId, ''))
    ) {
      continue;
    }
    const ids = subjects.get(organisationId) ?? new Set<string>();
    ids.add(serviceUserId);
    subjects.set(organisationId, ids);
  }
  return subjects;
}
