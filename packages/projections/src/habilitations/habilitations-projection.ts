import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { defineProjection, type ProjectionContext } from '../projection.js';

/**
 * Who holds which role in which ESSMS, who is in which usager's care team, and whom a usager
 * allowed to read their psychologist's notes: what the shell checks on every request. Run
 * inline, so that a grant or a revocation applies from the next request on.
 */
export const habilitationsProjection = defineProjection({
  name: 'habilitations',
  version: 1,
  handles: [
    'RoleGranted',
    'RoleRevoked',
    'CareTeamMemberAdded',
    'CareTeamMemberRemoved',
    'PsychologicalNotesAllowed',
    'PsychologicalNotesAllowanceWithdrawn',
  ],
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('roles', (table) => {
      table.text('organisation_id').notNullable();
      table.text('professional_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('role').notNullable();
      table.primary(['organisation_id', 'professional_id', 'facility_id', 'role']);
    });
    await db.schema.withSchema(schema).createTable('care_team_members', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('professional_id').notNullable();
      table.text('facility_id').notNullable();
      // a care team is one usager's in one ESSMS: being in their team at the CSAPA opens nothing at the CAARUD
      table.primary(['organisation_id', 'service_user_id', 'professional_id', 'facility_id']);
    });
    await db.schema.withSchema(schema).createTable('psychological_note_readers', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('professional_id').notNullable();
      table.primary(['organisation_id', 'service_user_id', 'professional_id']);
    });
  },
  async evolve(event, context) {
    await applyHabilitation(event, context);
  },
});

interface HabilitationData {
  professionalId: string;
  facilityId?: string;
  role?: string;
  serviceUserId?: string;
}

async function applyHabilitation(event: RecordedEvent, { table }: ProjectionContext): Promise<void> {
  if (isErased(event.data)) return;
  const data = event.data as HabilitationData;
  const organisation_id = event.metadata.organisationId;
  const professional_id = data.professionalId;
  switch (event.type) {
    case 'RoleGranted':
      await upsert(table('roles'), { organisation_id, professional_id, facility_id: data.facilityId, role: data.role });
      return;
    case 'RoleRevoked':
      await table('roles')
        .where({ organisation_id, professional_id, facility_id: data.facilityId, role: data.role })
        .delete();
      return;
    case 'CareTeamMemberAdded':
      await upsert(table('care_team_members'), {
        organisation_id,
        service_user_id: data.serviceUserId,
        professional_id,
        facility_id: data.facilityId,
      });
      return;
    case 'CareTeamMemberRemoved':
      await table('care_team_members')
        .where({ organisation_id, service_user_id: data.serviceUserId, professional_id, facility_id: data.facilityId })
        .delete();
      return;
    case 'PsychologicalNotesAllowed':
      await upsert(table('psychological_note_readers'), {
        organisation_id,
        service_user_id: data.serviceUserId,
        professional_id,
      });
      return;
    case 'PsychologicalNotesAllowanceWithdrawn':
      await table('psychological_note_readers')
        .where({ organisation_id, service_user_id: data.serviceUserId, professional_id })
        .delete();
      return;
  }
}

function upsert(query: Knex.QueryBuilder, row: Record<string, unknown>): Promise<unknown> {
  return query.insert(row).onConflict().ignore();
}
