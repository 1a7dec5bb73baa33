import {
  type ArchiveReason,
  type DestructionReportEventType,
  isContactWithServiceUser,
  isHealthDataFact,
  NON_CONTACT_EVENT_TYPES,
  type RecordArchived,
  type RecordDestroyed,
  type RecordRetentionEventType,
  recordRetentionStreamParts,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

/**
 * The retention clock of every usager's record (DOMAIN.md, Retention): one row per usager of an
 * organisation with the facts the schedule is computed from (`retentionScheduleOf`) and the
 * archive state. Read with `recordRetentionOf`, `isRecordArchived` and `recordsDue`.
 *
 * It reads envelopes only (type, usager, ESSMS, `occurredAt`, actor), never event data, so that
 * erasure changes nothing of it and it outlives the destruction it reports: after crypto-shredding
 * the row keeps ids, days and counts, no personal data. Only its own retention events are read
 * for their days (archive, holds, destruction), and even those fall back on the envelope when
 * their data was erased. The usager of a retention event is taken from its stream id.
 *
 * - last contact: the Europe/Paris day of the latest fact about the usager that is a contact
 *   (`isContactWithServiceUser`); last stay ended: of the latest exit recorded or corrected;
 * - health data: held once any fact says so (`isHealthDataFact`), never unsaid;
 * - facilities: every ESSMS where a contact was recorded, for the destruction report.
 *
 * It must run inline: the archive guard (`withArchivedRecordsReadOnly`) reads it in the append's
 * transaction. It keeps its row when the usager's read-model rows are purged.
 */
const RETENTION_EVENTS: ReadonlySet<string> = new Set<RecordRetentionEventType>([
  'RecordArchived',
  'RecordReopened',
  'LegalHoldPlaced',
  'LegalHoldLifted',
]);
const RECORD_DESTROYED: DestructionReportEventType = 'RecordDestroyed';
const EXIT_EVENTS: ReadonlySet<string> = new Set(['ExitRecorded', 'ExitCorrected']);

/** What is neither a contact, nor a retention decision, nor a destruction: reads of the record, logins… */
const IGNORED_EVENTS = [...NON_CONTACT_EVENT_TYPES].filter(
  (type) => !RETENTION_EVENTS.has(type) && type !== RECORD_DESTROYED,
);

export const recordRetentionProjection = defineProjection({
  name: 'record_retention',
  version: 1,
  handles: { allBut: IGNORED_EVENTS },
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('record_retention', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.specificType('facility_ids', 'text[]').notNullable().defaultTo('{}');
      table.date('last_contact_on');
      table.date('last_stay_ended_on');
      table.boolean('holds_medical_data').notNullable().defaultTo(false);
      table.date('archived_on');
      table.text('archive_reason');
      table.integer('active_legal_holds').notNullable().defaultTo(0);
      table.timestamp('destroyed_at', { useTz: true });
      table.primary(['organisation_id', 'service_user_id']);
      table.index(['last_contact_on']);
    });
  },
  evolve: (event, context) => applyEnvelopes([event], context),
  // one upsert per batch: inline on every append, and a rebuild goes through the whole log
  evolveBatch: applyEnvelopes,
});

/** What a batch changes for one usager; folded in log order. */
interface RowChange {
  organisation_id: string;
  service_user_id: string;
  facility_ids: string[];
  last_contact_on: string | null;
  last_stay_ended_on: string | null;
  holds_medical_data: boolean;
  /** `set`: archived on `archived_on`; `clear`: reopened; null: unchanged. */
  archive_change: 'set' | 'clear' | null;
  archived_on: string | null;
  archive_reason: ArchiveReason | null;
  holds_delta: number;
  destroyed_at: string | null;
}

async function applyEnvelopes(events: readonly RecordedEvent[], { db, schema }: ProjectionContext): Promise<void> {
  const changes = new Map<string, RowChange>();
  const changeOf = (organisationId: string, serviceUserId: string): RowChange => {
    const key = `${organisationId}\u0000${serviceUserId}`;
    let change = changes.get(key);
    if (!change) {
      change = {
        organisation_id: organisationId,
        service_user_id: serviceUserId,
        facility_ids: [],
        last_contact_on: null,
        last_stay_ended_on: null,
        holds_medical_data: false,
        archive_change: null,
        archived_on: null,
        archive_reason: null,
        holds_delta: 0,
        destroyed_at: null,
      };
      changes.set(key, change);
    }
    return change;
  };

  for (const event of events) {
    const { organisationId, serviceUserId, facilityId, occurredAt, actor } = event.metadata;
    if (RETENTION_EVENTS.has(event.type)) {
      const subject = recordRetentionStreamParts(event.streamId)?.serviceUserId ?? serviceUserId;
      if (subject === undefined) continue;
      applyRetentionEvent(changeOf(organisationId, subject), event);
      continue;
    }
    if (event.type === RECORD_DESTROYED) {
      const data = event.data as Partial<RecordDestroyed> & { serviceUserId?: string };
      const subject = data.serviceUserId ?? serviceUserId;
      if (subject === undefined) continue;
      const change = changeOf(organisationId, subject);
      change.destroyed_at ??= isErased(event.data) || !data.destroyedAt ? occurredAt : data.destroyedAt;
      continue;
    }
    if (serviceUserId === undefined || !isContactWithServiceUser(event)) continue;
    const change = changeOf(organisationId, serviceUserId);
    const day = parisDay(occurredAt);
    if (facilityId !== undefined && !change.facility_ids.includes(facilityId)) change.facility_ids.push(facilityId);
    change.last_contact_on = later(change.last_contact_on, day);
    if (EXIT_EVENTS.has(event.type)) change.last_stay_ended_on = later(change.last_stay_ended_on, day);
    if (isHealthDataFact({ type: event.type, actor })) change.holds_medical_data = true;
  }
  if (changes.size === 0) return;

  // The input as one json parameter: pg and PGlite read it alike, arrays included. The archive
  // change and the holds' delta are not columns, so the update reads them back from the input.
  // Holds are summed unclamped, so that a batch and the same events one by one agree whatever
  // the history; the decider never lifts a hold not in force, and readers clamp at zero.
  const from = `(select * from jsonb_to_recordset(?::jsonb) as i(
      organisation_id text, service_user_id text, facility_ids text[], last_contact_on date,
      last_stay_ended_on date, holds_medical_data boolean, archive_change text, archived_on date,
      archive_reason text, holds_delta int, destroyed_at timestamptz))`;
  const input = (column: 'archive_change' | 'holds_delta') =>
    `(select i.${column} from input i where i.organisation_id = r.organisation_id and i.service_user_id = r.service_user_id)`;
  await db.raw(
    `with input as ${from}
     insert into ${schema}.record_retention as r (organisation_id, service_user_id, facility_ids, last_contact_on,
       last_stay_ended_on, holds_medical_data, archived_on, archive_reason, active_legal_holds, destroyed_at)
     select organisation_id, service_user_id, facility_ids, last_contact_on, last_stay_ended_on, holds_medical_data,
            case when archive_change = 'set' then archived_on end,
            case when archive_change = 'set' then archive_reason end,
            holds_delta, destroyed_at
       from input
     on conflict (organisation_id, service_user_id) do update set
       facility_ids = array(select distinct f from unnest(r.facility_ids || excluded.facility_ids) as f order by f),
       last_contact_on = greatest(r.last_contact_on, excluded.last_contact_on),
       last_stay_ended_on = greatest(r.last_stay_ended_on, excluded.last_stay_ended_on),
       holds_medical_data = r.holds_medical_data or excluded.holds_medical_data,
       archived_on = case ${input('archive_change')} when 'set' then excluded.archived_on
                       when 'clear' then null else r.archived_on end,
       archive_reason = case ${input('archive_change')} when 'set' then excluded.archive_reason
                          when 'clear' then null else r.archive_reason end,
       active_legal_holds = r.active_legal_holds + ${input('holds_delta')},
       destroyed_at = coalesce(r.destroyed_at, excluded.destroyed_at)`,
    [JSON.stringify([...changes.values()].map((change) => ({ ...change, facility_ids: change.facility_ids.sort() })))],
  );
}

function applyRetentionEvent(change: RowChange, event: RecordedEvent): void {
  const readable = !isErased(event.data);
  switch (event.type as RecordRetentionEventType) {
    case 'RecordArchived': {
      const data = event.data as RecordArchived;
      change.archive_change = 'set';
      change.archived_on = readable ? data.archivedOn : parisDay(event.metadata.occurredAt);
      change.archive_reason = readable ? data.reason : null;
      return;
    }
    case 'RecordReopened':
      change.archive_change = 'clear';
      change.archived_on = null;
      change.archive_reason = null;
      // the usager came back: the active base starts again from the reopening
      change.last_contact_on = later(change.last_contact_on, parisDay(event.metadata.occurredAt));
      return;
    case 'LegalHoldPlaced':
      change.holds_delta += 1;
      return;
    case 'LegalHoldLifted':
      change.holds_delta -= 1;
      return;
  }
}

function later(day: string | null, other: string): string {
  return day === null || other > day ? other : day;
}

const parisDayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The Europe/Paris day of an instant, `YYYY-MM-DD`. */
export function parisDay(instant: string | Date): string {
  return parisDayFormat.format(typeof instant === 'string' ? new Date(instant) : instant);
}
