import type { SchemaMigration } from './migration.js';

/**
 * The outcome of one append inside a batch. The function never raises for what a caller did
 * wrong (wrong revision, other tenant, reused id of a retry): it reports it, so that the other
 * appends of the same batch still commit. Anything it does raise is unexpected and fails the
 * whole batch, which the adapter then replays one append at a time.
 */
export const AppendStatus = {
  appended: 'appended',
  alreadyAppended: 'already_appended',
  wrongExpectedRevision: 'wrong_expected_revision',
  tenantMismatch: 'tenant_mismatch',
  duplicateEventId: 'duplicate_event_id',
  staleTransaction: 'stale_transaction',
} as const;
export type AppendStatus = (typeof AppendStatus)[keyof typeof AppendStatus];

/**
 * Appends to several streams in one statement (ADR 0003, ADR 0007): the appends of one call
 * commit together, each decided on its own. An append is the slice of the event arrays given by
 * `p_event_counts`; its events' `serviceUserId`, `occurredAt` and `recordedAt` come as arrays of
 * their own, so the function never parses the metadata.
 *
 * First it takes every stream's lock: a transaction-scoped advisory lock on a 64-bit hash of the
 * stream id. It lives in memory, not in a table, so it costs no write; the caller orders appends
 * by stream id, so that concurrent batches take locks in the same order and never deadlock. All
 * the locks come before the first write, because the first write gives the transaction its id,
 * which orders the global log (ADR 0003): an id taken after every lock is above the id of each
 * stream's last append, so each stream keeps its order in the global log. A caller's transaction
 * that wrote before (its id already taken) is checked instead, stream by stream (step 5).
 *
 * Then for each append, in order:
 * 1. read the stream's head (revision, hash, organisation) from `streams`, without a row lock:
 *    the advisory lock already orders this stream's writers;
 * 2. the tenant: a writer of another organisation learns nothing, not even the revision;
 * 3. idempotency: a retried append gets its first result whatever the stream became since
 *    (ADR 0006). The lookup is skipped when the expected revision holds and could not hold for a
 *    retry, so most appends read nothing more;
 * 4. the expected revision;
 * 5. in a transaction whose id was taken before the locks, the order: refused if the stream's
 *    last append has a higher transaction id, as its events would then come after these;
 * 6. the chain step (ADR 0004), after the lock, so that it follows the head really stored:
 *    hash(n) = sha256(hash(n-1) ‖ int4send(revision) ‖ content hash from TypeScript);
 * 7. insert the events and move the head (one upsert: the stream's row is created by its first
 *    append, so a refused append leaves nothing behind).
 *
 * The function's text is its latest version: the first step creates it, and each later step that
 * changes it replaces it with the same text, so that every database ends with this one.
 */
export const createAppendFunction: SchemaMigration = {
  name: '0002_append_function',
  async up(knex, schema) {
    await knex.raw(appendFunctionSql(schema));
  },
};

/** Each stream keeps its order in the global log, whatever transaction appends to it. */
export const keepStreamOrderInGlobalLog: SchemaMigration = {
  name: '0005_append_keeps_stream_order',
  async up(knex, schema) {
    await knex.raw(appendFunctionSql(schema));
  },
};

function appendFunctionSql(schema: string): string {
  return `
      create or replace function ${schema}.append_to_streams(
        p_stream_ids text[],
        p_organisation_ids text[],
        p_expected_revisions text[], -- 'any' | 'noStream' | 'streamExists' | the revision of the last event
        p_event_counts int[],
        p_ids uuid[],
        p_types text[],
        p_versions int[],
        p_data json[],
        p_metadata json[],
        p_service_user_ids text[],
        p_occurred_at timestamptz[],
        p_recorded_at timestamptz[],
        p_content_hashes bytea[])
      returns table (append_index int, status text, next_revision int, last_position bigint, actual_revision int)
      language plpgsql
      as $fn$
      declare
        v_stream text;
        v_organisation text;
        v_expected text;
        v_first int;       -- first and last event of the append in the arrays
        v_last int := 0;
        v_current int;     -- revision of the stream's last event; -1 before the first
        v_owner text;
        v_head bytea;
        v_accepted boolean;
        v_stored_stream text;
        v_stored_revision int;
        v_matching int;
        v_previous_hashes bytea[];
        v_hashes bytea[];
        v_written_before_locks xid8 := pg_current_xact_id_if_assigned();
        v_head_transaction xid8;
      begin
        for v_index in 1 .. cardinality(p_stream_ids) loop
          perform pg_advisory_xact_lock(hashtextextended(p_stream_ids[v_index], 0));
        end loop;

        for v_index in 1 .. cardinality(p_stream_ids) loop
          v_stream := p_stream_ids[v_index];
          v_organisation := p_organisation_ids[v_index];
          v_expected := p_expected_revisions[v_index];
          v_first := v_last + 1;
          v_last := v_last + p_event_counts[v_index];
          append_index := v_index;
          status := null;
          next_revision := null;
          last_position := null;
          actual_revision := null;

          select s.revision, s.head_hash, s.organisation_id into v_current, v_head, v_owner
            from ${schema}.streams s where s.stream_id = v_stream;
          if not found then
            v_current := -1;
            v_head := decode(repeat('00', 32), 'hex');
            v_owner := v_organisation;
          end if;

          if v_owner <> v_organisation then
            status := '${AppendStatus.tenantMismatch}';
          else
            v_accepted := case
              when v_expected = 'any' then true
              when v_expected = 'noStream' then v_current = -1
              when v_expected = 'streamExists' then v_current >= 0
              when v_expected ~ '^[0-9]{1,9}$' then v_current = v_expected::int
              else false
            end;

            -- A retry carries the expectation of its first run, which that run made false
            -- ('noStream', an exact revision): only look when the expectation fails, or cannot
            -- fail. Otherwise a stored id is a reused one, and the unique index refuses it.
            if not v_accepted or v_expected in ('any', 'streamExists') then
              select e.stream_id, e.stream_revision into v_stored_stream, v_stored_revision
                from ${schema}.events e where e.id = p_ids[v_first];
              if found then
                status := '${AppendStatus.duplicateEventId}';
                if v_stored_stream = v_stream then
                  select count(*) into v_matching
                    from unnest(p_ids[v_first:v_last]) with ordinality as appended(id, ordinal)
                    join ${schema}.events e
                      on e.id = appended.id
                     and e.stream_id = v_stream
                     and e.stream_revision = v_stored_revision + appended.ordinal::int - 1;
                  if v_matching = v_last - v_first + 1 then
                    status := '${AppendStatus.alreadyAppended}';
                    next_revision := v_stored_revision + v_matching - 1;
                    select e.global_position into last_position
                      from ${schema}.events e where e.stream_id = v_stream and e.stream_revision = next_revision;
                  end if;
                end if;
              end if;
            end if;

            if status is null and not v_accepted then
              status := '${AppendStatus.wrongExpectedRevision}';
              actual_revision := nullif(v_current, -1);
            end if;

            if status is null and v_written_before_locks is not null and v_current >= 0 then
              select e.transaction_id into v_head_transaction
                from ${schema}.events e where e.stream_id = v_stream and e.stream_revision = v_current;
              if v_head_transaction > v_written_before_locks then
                status := '${AppendStatus.staleTransaction}';
              end if;
            end if;
          end if;

          if status is not null then
            return next;
            continue;
          end if;

          if v_first = v_last then
            -- the most common append, without the unnest and sort a longer one needs
            insert into ${schema}.events (id, stream_id, stream_revision, type, version, data, metadata,
              organisation_id, service_user_id, occurred_at, recorded_at, previous_hash, hash)
            values (p_ids[v_first], v_stream, v_current + 1, p_types[v_first], p_versions[v_first],
              p_data[v_first], p_metadata[v_first], v_organisation, p_service_user_ids[v_first],
              p_occurred_at[v_first], p_recorded_at[v_first], v_head,
              sha256(v_head || int4send(v_current + 1) || p_content_hashes[v_first]))
            returning global_position, hash into last_position, v_head;
          else
            v_previous_hashes := '{}';
            v_hashes := '{}';
            for v_event in v_first .. v_last loop
              v_previous_hashes := v_previous_hashes || v_head;
              v_head := sha256(v_head || int4send(v_current + v_event - v_first + 1) || p_content_hashes[v_event]);
              v_hashes := v_hashes || v_head;
            end loop;
            -- rows come out of the sort in append order, so global positions follow revisions
            with inserted as (
              insert into ${schema}.events (id, stream_id, stream_revision, type, version, data, metadata,
                organisation_id, service_user_id, occurred_at, recorded_at, previous_hash, hash)
              select appended.id, v_stream, v_current + appended.ordinal::int, appended.type, appended.version,
                appended.data, appended.metadata, v_organisation, appended.service_user_id,
                appended.occurred_at, appended.recorded_at,
                v_previous_hashes[appended.ordinal], v_hashes[appended.ordinal]
              from unnest(p_ids[v_first:v_last], p_types[v_first:v_last], p_versions[v_first:v_last],
                          p_data[v_first:v_last], p_metadata[v_first:v_last], p_service_user_ids[v_first:v_last],
                          p_occurred_at[v_first:v_last], p_recorded_at[v_first:v_last])
                with ordinality as appended(id, type, version, data, metadata, service_user_id,
                                            occurred_at, recorded_at, ordinal)
              order by appended.ordinal
              returning global_position)
            select max(inserted.global_position) into last_position from inserted;
          end if;

          next_revision := v_current + v_last - v_first + 1;
          insert into ${schema}.streams as s (stream_id, organisation_id, revision, head_hash)
            values (v_stream, v_organisation, next_revision, v_head)
            on conflict (stream_id) do update set revision = excluded.revision, head_hash = excluded.head_hash;
          status := '${AppendStatus.appended}';
          return next;
        end loop;
      end
      $fn$
    `;
}
