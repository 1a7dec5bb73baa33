import type {
  AddedToWaitingList,
  AdmissionApplicationEventType,
  Admitted,
  ApplicationReceived,
  ApplicationRefused,
  ApplicationWithdrawn,
  ContactPlanned,
  PriorityChanged,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

const handled: readonly AdmissionApplicationEventType[] = [
  'ApplicationReceived',
  'AddedToWaitingList',
  'PriorityChanged',
  'ContactPlanned',
  'Admitted',
  'ApplicationRefused',
  'ApplicationWithdrawn',
];

/**
 * The applications for admission of an organisme gestionnaire, per ESSMS: one row per application
 * and ESSMS applied to, with its status (received, waiting, contactPlanned, admitted, refused,
 * withdrawn), priority and `since`, when it reached that status (planning a contact keeps the
 * date it joined the waiting list: it does not lose its place). Read it with `waitingList` and
 * `waitingListCounts`.
 *
 * A forgotten usager's application leaves the model: its events reach a rebuild erased, and what
 * an erased event still tells (its stream) is only enough to remove the application's rows.
 */
export const waitingListProjection = defineProjection({
  name: 'waiting_list',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('entries', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('application_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('priority').notNullable();
      table.text('status').notNullable();
      table.text('since').notNullable();
      table.text('contact_planned_at');
      table.primary(['organisation_id', 'application_id', 'facility_id']);
      table.index(['organisation_id', 'facility_id', 'status']);
    });
  },
  async evolve(event, context) {
    const organisationId = event.metadata.organisationId;
    const applicationId = applicationIdOf(event.streamId);
    if (isErased(event.data)) {
      await context.table('entries').where({ organisation_id: organisationId, application_id: applicationId }).delete();
      return;
    }
    const entry = (facilityId: string) =>
      context
        .table('entries')
        .where({ organisation_id: organisationId, application_id: applicationId, facility_id: facilityId });
    switch (event.type as AdmissionApplicationEventType) {
      case 'ApplicationReceived': {
        const data = event.data as ApplicationReceived;
        await context
          .table('entries')
          .insert(
            data.facilityIds.map((facilityId) => ({
              organisation_id: organisationId,
              facility_id: facilityId,
              application_id: applicationId,
              service_user_id: data.serviceUserId,
              priority: data.priority,
              status: 'received',
              since: data.receivedAt,
              contact_planned_at: null,
            })),
          )
          .onConflict(['organisation_id', 'application_id', 'facility_id'])
          .ignore();
        return;
      }
      case 'AddedToWaitingList': {
        const data = event.data as AddedToWaitingList;
        await entry(data.facilityId).update({ status: 'waiting', priority: data.priority, since: data.at });
        return;
      }
      case 'PriorityChanged': {
        const data = event.data as PriorityChanged;
        await entry(data.facilityId).update({ priority: data.priority });
        return;
      }
      case 'ContactPlanned': {
        const data = event.data as ContactPlanned;
        await entry(data.facilityId).update({
          status: 'contactPlanned',
          contact_planned_at: data.appointmentAt,
          since: context.db.raw(`case when status = 'received' then ? else since end`, [data.at]),
        });
        return;
      }
      case 'Admitted': {
        const data = event.data as Admitted;
        await entry(data.facilityId).update({ status: 'admitted', since: data.admittedAt });
        return;
      }
      case 'ApplicationRefused': {
        const data = event.data as ApplicationRefused;
        await entry(data.facilityId).update({ status: 'refused', since: data.at });
        return;
      }
      case 'ApplicationWithdrawn': {
        const data = event.data as ApplicationWithdrawn;
        await withdraw(context, organisationId, applicationId, data);
        return;
      }
    }
  },
});

async function withdraw(
  context: ProjectionContext,
  organisationId: string,
  applicationId: string,
  data: ApplicationWithdrawn,
): Promise<void> {
  if (data.facilityIds.length === 0) return;
  await context
    .table('entries')
    .where({ organisation_id: organisationId, application_id: applicationId })
    .whereIn('facility_id', data.facilityIds)
    .update({ status: 'withdrawn', since: data.at });
}

const STREAM_PREFIX = 'admission-application-';

/** Applications live in streams `admission-application-<applicationId>` (`admissionApplicationStreamId`). */
function applicationIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.startsWith(STREAM_PREFIX) ? streamId.slice(STREAM_PREFIX.length) : streamId;
}
