import {
  type SyringeCollectionCancelled,
  type SyringeCollectionEventType,
  type SyringesCollected,
  type VisitCancelled,
  type VisitCorrected,
  type VisitEventType,
  type VisitRecorded,
  type VisitVersion,
  versionOf,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

const handled: readonly (VisitEventType | SyringeCollectionEventType)[] = [
  'VisitRecorded',
  'VisitCorrected',
  'VisitCancelled',
  'SyringesCollected',
  'SyringeCollectionCancelled',
];

/**
 * The passages at CAARUD (visits) and the syringe collections outside a passage, as the
 * ASA-CAARUD report and the team's daily check read them:
 * - `visits`: one row per visit, its current version (corrections laid over), cancelled or not;
 * - `visit_supply_lines` and `visit_rapid_tests`: the current version's lines, one row each,
 *   replaced whole when a correction replaces them, removed when the visit is cancelled;
 * - `syringe_collections`: one row per collection, cancelled or not.
 * Every table keys its rows by organisation and ESSMS; those of an identified usager's visit carry
 * their `service_user_id`, which the end-of-retention purge deletes by. Read with
 * `visitsOfServiceUser`, `visitById`, `visitsOfFacility` and `visitTotals`.
 *
 * A forgotten usager's visits leave the model: an erased event removes the visit's rows (its data
 * is unreadable, so nothing of it could be counted anyway).
 */
export const visitsProjection = defineProjection({
  name: 'visits',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('visits', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('visit_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id');
      table.boolean('anonymous').notNullable();
      table.text('anonymous_sex');
      table.text('anonymous_age_band');
      table.text('occurred_on').notNullable();
      table.text('occurred_at');
      table.text('setting').notNullable();
      table.jsonb('services').notNullable();
      table.integer('syringes_collected').notNullable();
      table.text('status').notNullable();
      table.text('cancel_reason');
      table.integer('corrections').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'visit_id']);
      table.index(['organisation_id', 'service_user_id', 'occurred_on']);
      table.index(['organisation_id', 'facility_id', 'occurred_on']);
    });
    await db.schema.withSchema(schema).createTable('visit_supply_lines', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('visit_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id');
      table.text('supply_code').notNullable();
      table.integer('quantity').notNullable();
      table.primary(['organisation_id', 'visit_id', 'supply_code']);
      table.index(['organisation_id', 'facility_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('visit_rapid_tests', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('visit_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id');
      table.text('test').notNullable();
      table.text('result').notNullable();
      table.primary(['organisation_id', 'visit_id', 'test']);
      table.index(['organisation_id', 'facility_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('syringe_collections', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('collection_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('collected_on').notNullable();
      table.text('source').notNullable();
      table.integer('quantity').notNullable();
      table.text('status').notNullable();
      table.text('cancel_reason');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'collection_id']);
      table.index(['organisation_id', 'facility_id', 'collected_on']);
    });
  },
  async evolve(event, context) {
    const { table } = context;
    const organisationId = event.metadata.organisationId;
    const key = { organisation_id: organisationId, visit_id: lastSegment(event) };
    if (isErased(event.data)) {
      // only visits carry a usager's data; a collection never is erased
      for (const name of ['visit_supply_lines', 'visit_rapid_tests', 'visits']) await table(name).where(key).delete();
      return;
    }
    switch (event.type as VisitEventType | SyringeCollectionEventType) {
      case 'VisitRecorded': {
        const data = event.data as VisitRecorded;
        const version = versionOf(data);
        const inserted = await table('visits')
          .insert({
            ...key,
            facility_id: data.facilityId,
            service_user_id: 'serviceUserId' in data ? data.serviceUserId : null,
            anonymous: 'anonymous' in data,
            ...versionColumns(version),
            status: 'recorded',
            cancel_reason: null,
            corrections: 0,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'visit_id'])
          .ignore()
          .returning('visit_id');
        if (inserted.length > 0) await replaceLines(context, key, version);
        return;
      }
      case 'VisitCorrected': {
        const data = event.data as VisitCorrected;
        const row = await table('visits').where(key).first();
        if (!row) return;
        const { visitId: _visitId, reason: _reason, ...fields } = data;
        const version = { ...versionFromRow(row), ...definedOnly(fields) } as VisitVersion;
        await table('visits')
          .where(key)
          .update({ ...versionColumns(version), corrections: row.corrections + 1, revision: event.streamRevision });
        if (row.status === 'recorded' && (fields.supplies !== undefined || fields.rapidTests !== undefined)) {
          await replaceLines(context, key, version, row);
        }
        return;
      }
      case 'VisitCancelled': {
        const data = event.data as VisitCancelled;
        await table('visits')
          .where(key)
          .update({ status: 'cancelled', cancel_reason: data.reason, revision: event.streamRevision });
        // a cancelled visit hands nothing out: its lines leave the totals
        for (const name of ['visit_supply_lines', 'visit_rapid_tests']) await table(name).where(key).delete();
        return;
      }
      case 'SyringesCollected': {
        const data = event.data as SyringesCollected;
        await table('syringe_collections')
          .insert({
            organisation_id: organisationId,
            collection_id: data.collectionId,
            facility_id: data.facilityId,
            collected_on: data.collectedOn,
            source: data.source,
            quantity: data.quantity,
            status: 'recorded',
            cancel_reason: null,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'collection_id'])
          .ignore();
        return;
      }
      case 'SyringeCollectionCancelled': {
        const data = event.data as SyringeCollectionCancelled;
        await table('syringe_collections')
          .where({ organisation_id: organisationId, collection_id: data.collectionId })
          .update({ status: 'cancelled', cancel_reason: data.reason, revision: event.streamRevision });
        return;
      }
    }
  },
});

interface VisitRowForVersion {
  facility_id: string;
  service_user_id: string | null;
  anonymous: boolean;
  anonymous_sex: string | null;
  anonymous_age_band: string | null;
  occurred_on: string;
  occurred_at: string | null;
  setting: string;
  services: string[] | string;
  syringes_collected: number;
  corrections: number;
  status: string;
}

function versionColumns(version: VisitVersion) {
  return {
    anonymous_sex: version.anonymous?.sex ?? null,
    anonymous_age_band: version.anonymous?.ageBand ?? null,
    occurred_on: version.occurredOn,
    occurred_at: version.occurredAt ?? null,
    setting: version.setting,
    services: JSON.stringify(version.services),
    syringes_collected: version.syringesCollected,
  };
}

/** The scalar part of the current version, as the row holds it (lines are replaced apart). */
function versionFromRow(row: VisitRowForVersion): Omit<VisitVersion, 'supplies' | 'rapidTests'> {
  return {
    occurredOn: row.occurred_on,
    ...(row.occurred_at === null ? {} : { occurredAt: row.occurred_at }),
    setting: row.setting as VisitVersion['setting'],
    services: typeof row.services === 'string' ? JSON.parse(row.services) : row.services,
    syringesCollected: Number(row.syringes_collected),
    ...(row.anonymous
      ? {
          anonymous: {
            ...(row.anonymous_sex === null ? {} : { sex: row.anonymous_sex as 'F' | 'M' | 'X' }),
            ...(row.anonymous_age_band === null
              ? {}
              : { ageBand: row.anonymous_age_band as NonNullable<VisitVersion['anonymous']>['ageBand'] }),
          },
        }
      : {}),
  };
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Replaces the lines the version carries (supplies, rapid tests): those it does not carry stay. */
async function replaceLines(
  { table }: ProjectionContext,
  key: { organisation_id: string; visit_id: string },
  version: Partial<Pick<VisitVersion, 'supplies' | 'rapidTests'>>,
  existing?: Pick<VisitRowForVersion, 'facility_id' | 'service_user_id'>,
): Promise<void> {
  const owner = existing ?? ((await table('visits').where(key).first()) as VisitRowForVersion);
  const base = { ...key, facility_id: owner.facility_id, service_user_id: owner.service_user_id };
  if (version.supplies !== undefined) {
    await table('visit_supply_lines').where(key).delete();
    if (version.supplies.length > 0) {
      await table('visit_supply_lines').insert(
        version.supplies.map((line) => ({ ...base, supply_code: line.supplyCode, quantity: line.quantity })),
      );
    }
  }
  if (version.rapidTests !== undefined) {
    await table('visit_rapid_tests').where(key).delete();
    if (version.rapidTests.length > 0) {
      await table('visit_rapid_tests').insert(
        version.rapidTests.map((done) => ({ ...base, test: done.test, result: done.result })),
      );
    }
  }
}

/** Visits and collections live in streams `<kind>/<organisation>/<id>`. */
function lastSegment(event: RecordedEvent): string {
  return event.streamId.split('/').at(-1) ?? event.streamId;
}
