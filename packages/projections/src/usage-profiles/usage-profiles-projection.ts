import { type UsageProfileEventType, type UsageProfileRecorded, usageProfileStreamParts } from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { dayOf } from '../reporting/reporting-events.js';

const handled: readonly UsageProfileEventType[] = ['UsageProfileRecorded'];

/**
 * The current usage profile of each usager, per ESSMS and year (its stream,
 * `usageProfileStreamId`): table `profiles`, one row per (organisation, usager, ESSMS, year), the
 * latest record laid over the previous ones, with how many corrections it took, the day of the
 * latest record (Europe/Paris) and the stream's revision. Read with `usageProfileOf` and
 * `usageProfilesOf`.
 *
 * A forgotten usager's profiles leave the model: the stream of an erased event names the row, and
 * the end-of-retention purge finds it by `service_user_id`. The free-text reason of a correction
 * stays in the record's events: nothing here reads it.
 */
export const usageProfilesProjection = defineProjection({
  name: 'usage_profiles',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('profiles', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.integer('year').notNullable();
      table.uuid('profile_id').notNullable();
      table.text('population').notNullable();
      table.text('referral').notNullable();
      table.text('housing').notNullable();
      table.text('income').notNullable();
      table.text('main_product');
      table.text('use_level');
      table.text('injection');
      table.text('recorded_on').notNullable();
      table.integer('corrections').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'service_user_id', 'facility_id', 'year']);
      table.index(['organisation_id', 'facility_id', 'year']);
    });
  },
  async evolve(event, { table }) {
    if (isErased(event.data)) {
      const parts = usageProfileStreamParts(event.streamId);
      if (!parts) return;
      await table('profiles')
        .where({
          organisation_id: event.metadata.organisationId,
          service_user_id: parts.serviceUserId,
          facility_id: parts.facilityId,
          year: parts.year,
        })
        .delete();
      return;
    }
    const data = event.data as UsageProfileRecorded;
    const fields = {
      profile_id: data.profileId,
      population: data.population,
      referral: data.referral,
      housing: data.housing,
      income: data.income,
      main_product: data.mainProduct,
      use_level: data.useLevel,
      injection: data.injection,
      recorded_on: dayOf(event.metadata.occurredAt),
      // every event of the stream records the whole profile: all but the first correct it
      corrections: event.streamRevision,
      revision: event.streamRevision,
    };
    await table('profiles')
      .insert({
        organisation_id: event.metadata.organisationId,
        service_user_id: data.serviceUserId,
        facility_id: data.facilityId,
        year: data.year,
        ...fields,
      })
      .onConflict(['organisation_id', 'service_user_id', 'facility_id', 'year'])
      .merge(fields);
  },
});
