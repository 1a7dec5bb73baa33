import type { HabilitationEvent, HabilitationEventType } from '@dui-pds/domain';
import type { RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly HabilitationEventType[] = [
  'CareTeamMemberAdded',
  'CareTeamMemberRemoved',
  'KeyWorkerDesignated',
];

const parisDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The day an event says, or else the day (in Paris) it happened: the older additions said none. */
function dayOf(given: string | undefined, event: RecordedEvent): string {
  return given ?? parisDay.format(new Date(event.metadata.occurredAt));
}

/**
 * The care teams of usagers, one per usager and ESSMS, from the organisation's habilitation
 * events: one row per membership (a professional who leaves and comes back has two), with the
 * member's role in the team, the days they joined and left, and whether they are the team's
 * référent. What a member may read is not here: it is the `habilitations` model's, which the
 * access policy reads. Read with `careTeamOf`.
 *
 * Habilitation events carry identifiers only and are not encrypted: nothing to forget here.
 */
export const careTeamsProjection = defineProjection({
  name: 'care_teams',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('members', (table) => {
      table.text('organisation_id').notNullable();
      /** The id of the event that added the member: one row per membership. */
      table.uuid('membership_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('professional_id').notNullable();
      table.text('team_role');
      table.text('joined_on').notNullable();
      table.text('left_on');
      table.boolean('key_worker').notNullable();
      table.primary(['organisation_id', 'membership_id']);
      table.index(['organisation_id', 'service_user_id', 'facility_id']);
    });
  },
  async evolve(event, { table }) {
    const organisation_id = event.metadata.organisationId;
    const { type, data } = event as unknown as HabilitationEvent;
    if (type !== 'CareTeamMemberAdded' && type !== 'CareTeamMemberRemoved' && type !== 'KeyWorkerDesignated') return;
    const team = { organisation_id, facility_id: data.facilityId, service_user_id: data.serviceUserId };
    const current = () => table('members').where(team).whereNull('left_on');
    switch (type) {
      case 'CareTeamMemberAdded':
        await table('members')
          .insert({
            ...team,
            membership_id: event.id,
            professional_id: data.professionalId,
            team_role: data.teamRole ?? null,
            joined_on: dayOf(data.joinedOn, event),
            left_on: null,
            key_worker: false,
          })
          .onConflict(['organisation_id', 'membership_id'])
          .ignore();
        return;
      case 'CareTeamMemberRemoved':
        await current()
          .where({ professional_id: data.professionalId })
          .update({ left_on: dayOf(data.leftOn, event), key_worker: false });
        return;
      case 'KeyWorkerDesignated':
        // one référent per team: the one designated, and nobody else
        await current().update({ key_worker: false });
        await current().where({ professional_id: data.professionalId }).update({ key_worker: true });
        return;
    }
  },
});
