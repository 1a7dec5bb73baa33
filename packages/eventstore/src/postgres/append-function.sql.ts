import type { SchemaMigration } from './migration.js';
import { EventStoreSqlState as SqlState } from './sqlstate.js';

/**
 * One append is one statement (ADR 0003): this function takes the whole append as arrays, so a
 * call outside a caller's transaction is one round trip and its own transaction.
 *
 * Order of the checks: the stream row is locked first (writers of one stream queue here, writers
 * of other streams do not wait), then the tenant (a writer of another organisation learns
 * nothing, not even the revision), then idempotency (a retried append returns its first result
 * whatever the stream became since, ADR 0006), then the expected revision. The idempotency
 * lookup is skipped when the expected revision holds and could not hold for a retry: most
 * appends then cost no read of the events table at all.
 *
 * A stream's row is created before its first events, with `on conflict do nothing`: a concurrent
 * creator makes this writer wait for its commit and then lock the row it made, so two first
 * appends meet on the expected revision rather than on a unique violation.
 *
 * The chain step (ADR 0004) is computed here, after the lock, so that it always follows the head
 * that is really stored: hash(n) = sha256(hash(n-1) ‖ int4send(revision) ‖ content hash), where
 * the content hash (RFC 8785 canonical form) comes from TypeScript.
 */
export const createAppendFunction: SchemaMigration = {
  name: '0002_append_function',
  async up(knex, schema) {
    await knex.raw(`
      create function ${schema}.append_to_stream(
        p_stream_id text,
        p_organisation_id text,
        p_expected_revision text, -- 'any' | 'noStream' | 'streamExists' | the revision of the last event
        p_recorded_at timestamptz,
        p_ids uuid[],
        p_types text[],
        p_versions int[],
        p_data jsonb[],
        p_metadata jsonb[],
        p_content_hashes bytea[],
        out next_revision int,
        out last_position bigint,
        out already_appended boolean)
      language plpgsql
      as $fn$
      declare
        v_count constant int := cardinality(p_ids);
        v_current int;     -- revision of the stream's last event; -1 before the first
        v_owner text;
        v_head bytea;
        v_stored_stream text;
        v_stored_revision int;
        v_matching int;
        v_accepted boolean;
        v_previous_hash bytea;
        v_previous_hashes bytea[] := '{}';
        v_hashes bytea[] := '{}';
        v_index int;
      begin
        loop
          select revision, organisation_id, head_hash into v_current, v_owner, v_head
            from ${schema}.streams where stream_id = p_stream_id for update;
          exit when found;
          insert into ${schema}.streams (stream_id, organisation_id, revision, head_hash)
            values (p_stream_id, p_organisation_id, -1, null)
            on conflict (stream_id) do nothing;
          if found then
            v_current := -1;
            v_owner := p_organisation_id;
            v_head := decode(repeat('00', 32), 'hex');
            exit;
          end if;
          -- someone created the stream meanwhile and has committed: lock the row they made
        end loop;

        if v_owner <> p_organisation_id then
          raise exception using errcode = '${SqlState.tenantMismatch}', message = 'stream belongs to another organisation';
        end if;

        v_accepted := case
          when p_expected_revision = 'any' then true
          when p_expected_revision = 'noStream' then v_current = -1
          when p_expected_revision = 'streamExists' then v_current >= 0
          when p_expected_revision ~ '^[0-9]{1,9}$' then v_current = p_expected_revision::int
          else false
        end;

        -- Is this a retry of an append already stored? A retry carries the expectation of its first
        -- run, which that run made false ('noStream', an exact revision): it is only worth looking
        -- when the expectation fails, or cannot fail ('any', 'streamExists'). Otherwise a stored id
        -- can only be a reused one, and the unique index on ids refuses it.
        if not v_accepted or p_expected_revision in ('any', 'streamExists') then
          select stream_id, stream_revision into v_stored_stream, v_stored_revision
            from ${schema}.events where id = p_ids[1];
          if found then
            if v_stored_stream = p_stream_id then
              select count(*) into v_matching
                from unnest(p_ids) with ordinality as appended(id, ordinal)
                join ${schema}.events e
                  on e.id = appended.id
                 and e.stream_id = p_stream_id
                 and e.stream_revision = v_stored_revision + appended.ordinal::int - 1;
              if v_matching = v_count then
                next_revision := v_stored_revision + v_count - 1;
                select global_position into last_position
                  from ${schema}.events where stream_id = p_stream_id and stream_revision = next_revision;
                already_appended := true;
                return;
              end if;
            end if;
            raise exception using errcode = '${SqlState.duplicateEventId}',
              message = 'event id already stored by another append', detail = p_ids[1]::text;
          end if;
        end if;

        if not v_accepted then
          raise exception using errcode = '${SqlState.wrongExpectedRevision}', message = 'wrong expected revision',
            detail = case when v_current >= 0 then v_current::text else '' end;
        end if;

        if v_count = 1 then
          -- the most common append, without the unnest, sort and aggregate a batch needs
          v_previous_hash := v_head;
          v_head := sha256(v_head || int4send(v_current + 1) || p_content_hashes[1]);
          insert into ${schema}.events (id, stream_id, stream_revision, type, version, data, metadata,
            organisation_id, service_user_id, occurred_at, recorded_at, previous_hash, hash)
          values (p_ids[1], p_stream_id, v_current + 1, p_types[1], p_versions[1], p_data[1], p_metadata[1],
            p_organisation_id, p_metadata[1] ->> 'serviceUserId', (p_metadata[1] ->> 'occurredAt')::timestamptz,
            p_recorded_at, v_previous_hash, v_head)
          returning global_position into last_position;
        else
          for v_index in 1 .. v_count loop
            v_previous_hashes[v_index] := v_head;
            v_head := sha256(v_head || int4send(v_current + v_index) || p_content_hashes[v_index]);
            v_hashes[v_index] := v_head;
          end loop;

          -- rows come out of the sort in append order, so global positions follow revisions
          with inserted as (
            insert into ${schema}.events (id, stream_id, stream_revision, type, version, data, metadata,
              organisation_id, service_user_id, occurred_at, recorded_at, previous_hash, hash)
            select appended.id, p_stream_id, v_current + appended.ordinal::int, appended.type, appended.version,
              appended.data, appended.metadata, p_organisation_id, appended.metadata ->> 'serviceUserId',
              (appended.metadata ->> 'occurredAt')::timestamptz, p_recorded_at,
              v_previous_hashes[appended.ordinal], v_hashes[appended.ordinal]
            from unnest(p_ids, p_types, p_versions, p_data, p_metadata)
              with ordinality as appended(id, type, version, data, metadata, ordinal)
            order by appended.ordinal
            returning global_position)
          select max(global_position) into last_position from inserted;
        end if;

        next_revision := v_current + v_count;
        update ${schema}.streams set revision = next_revision, head_hash = v_head where stream_id = p_stream_id;
        already_appended := false;
      end
      $fn$
    `);
  },
};
