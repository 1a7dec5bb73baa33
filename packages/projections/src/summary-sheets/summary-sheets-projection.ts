import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { evolveSummarySheet, SHEET_EVENT_TYPES } from './evolve-summary-sheet.js';
import { emptySheet, type SummarySheet, withEveryPart } from './summary-sheet.js';

/**
 * The summary sheet of each usager, one row per usager holding the sheet as JSON: identity,
 * accompaniments and exits, contract, personalised project, benefits, measures, last scores,
 * care team, treatments in progress, personne de confiance, usage profile. `evolveSummarySheet`
 * says how each fact changes it.
 *
 * Facts about one usager come from many streams, appended concurrently: the row is locked before
 * it is read, so that two appends in flight never overwrite each other's change. A forgotten
 * usager's sheet is removed.
 */
export const summarySheetsProjection = defineProjection({
  name: 'summary_sheets',
  // 4: the last filling of a grid is the latest instant, not the greatest string (rebuilt once)
  version: 4,
  handles: SHEET_EVENT_TYPES,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('sheets', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.jsonb('sheet').notNullable();
      table.primary(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const serviceUserId = serviceUserIdOf(event);
    if (serviceUserId === undefined) return;
    const key = { organisation_id: event.metadata.organisationId, service_user_id: serviceUserId };
    if (isErased(event.data)) {
      await table('sheets').where(key).delete();
      return;
    }
    await table('sheets')
      .insert({ ...key, sheet: JSON.stringify(emptySheet(serviceUserId)) })
      .onConflict(['organisation_id', 'service_user_id'])
      .ignore();
    const row = (await table('sheets').where(key).forUpdate().first('sheet')) as { sheet: SummarySheet };
    const sheet = evolveSummarySheet(withEveryPart(row.sheet), {
      type: event.type,
      data: event.data,
      recordedAt: event.metadata.recordedAt,
    });
    await table('sheets')
      .where(key)
      .update({ sheet: JSON.stringify(sheet) });
  },
});

/** The usager a fact is about: the envelope's subject, or the data's for habilitation facts. */
function serviceUserIdOf(event: RecordedEvent): string | undefined {
  if (event.metadata.serviceUserId) return event.metadata.serviceUserId;
  const data = event.data as { serviceUserId?: unknown };
  return typeof data.serviceUserId === 'string' ? data.serviceUserId : undefined;
}
