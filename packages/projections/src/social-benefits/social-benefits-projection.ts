import type { SocialBenefitEventType, SocialBenefitRecorded, SocialBenefitRenewed } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly SocialBenefitEventType[] = [
  'SocialBenefitRecorded',
  'SocialBenefitRenewed',
  'SocialBenefitClosed',
];

/**
 * The social benefits of usagers, one row per benefit (its stream, `socialBenefitStreamId`): its
 * kind, organism, rights' days, renewal lead time, whether closed, and its revision. Read the
 * ones that need attention with `benefitsToWatch`.
 *
 * A forgotten usager's benefits leave the model: the stream of an erased event is enough to
 * remove the row.
 */
export const socialBenefitsProjection = defineProjection({
  name: 'social_benefits',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('benefits', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('benefit_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('kind').notNullable();
      table.text('organism').notNullable();
      table.text('open_from').notNullable();
      table.text('open_to').notNullable();
      table.integer('renewal_lead_days').notNullable();
      table.boolean('closed').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'benefit_id']);
      table.index(['organisation_id', 'facility_id', 'closed', 'open_to']);
    });
  },
  async evolve(event, { table }) {
    const benefitId = benefitIdOf(event.streamId);
    const row = () =>
      table('benefits').where({ organisation_id: event.metadata.organisationId, benefit_id: benefitId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    switch (event.type as SocialBenefitEventType) {
      case 'SocialBenefitRecorded': {
        const data = event.data as SocialBenefitRecorded;
        await table('benefits')
          .insert({
            organisation_id: event.metadata.organisationId,
            benefit_id: data.benefitId,
            facility_id: data.facilityId,
            service_user_id: data.serviceUserId,
            kind: data.kind,
            organism: data.organism,
            open_from: data.openFrom,
            open_to: data.openTo,
            renewal_lead_days: data.renewalLeadDays,
            closed: false,
            revision: event.streamRevision,
          })
          .onConflict(['organisation_id', 'benefit_id'])
          .ignore();
        return;
      }
      case 'SocialBenefitRenewed': {
        const data = event.data as SocialBenefitRenewed;
        await row().update({ open_to: data.openTo, revision: event.streamRevision });
        return;
      }
      case 'SocialBenefitClosed':
        await row().update({ closed: true, revision: event.streamRevision });
        return;
    }
  },
});

/** Benefits live in streams `social-benefit/<organisation>/<benefitId>` (`socialBenefitStreamId`). */
function benefitIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
