import type {
  AnonymityLifted,
  AnonymousServiceUserRegistered,
  IdentityDocumentChecked,
  IdentityTraitsCorrected,
  InsRetrieved,
  PostalAddressChanged,
  ServiceUserIdentityEventType,
  ServiceUserRegistered,
  StrictTraits,
  UsedNamesChanged,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly ServiceUserIdentityEventType[] = [
  'ServiceUserRegistered',
  'AnonymousServiceUserRegistered',
  'IdentityTraitsCorrected',
  'UsedNamesChanged',
  'PostalAddressChanged',
  'InsRetrieved',
  'IdentityDocumentChecked',
  'AnonymityLifted',
];

/**
 * The identity of each usager, one row per record: the strict traits, the used names, the INS
 * status and the INS itself, or the pseudonym of an anonymous record; and the revision of the
 * record's stream for `If-Match`. Screens and searches read it; the summary sheet too.
 *
 * A forgotten usager leaves the model: an erased event removes the row.
 */
export const serviceUsersProjection = defineProjection({
  name: 'service_users',
  version: 2,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('identities', (table) => {
      table.text('organisation_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.boolean('anonymous').notNullable();
      table.text('pseudonym');
      table.text('birth_name');
      table.specificType('birth_first_names', 'text[]');
      table.text('birth_date');
      table.text('sex');
      table.text('birthplace_code');
      table.integer('birth_year');
      table.text('used_name');
      table.text('used_first_name');
      table.text('postal_address');
      table.text('identity_status');
      table.text('ins_value');
      table.text('ins_oid');
      table.text('last_document_check');
      table.text('registered_at').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'service_user_id']);
      table.index(['organisation_id', 'facility_id', 'birth_name']);
    });
  },
  async evolve(event, { table }) {
    const serviceUserId = serviceUserIdOf(event);
    const row = () =>
      table('identities').where({ organisation_id: event.metadata.organisationId, service_user_id: serviceUserId });
    if (isErased(event.data)) {
      await row().delete();
      return;
    }
    const revision = event.streamRevision;
    switch (event.type as ServiceUserIdentityEventType) {
      case 'ServiceUserRegistered': {
        const data = event.data as ServiceUserRegistered;
        await table('identities')
          .insert({
            organisation_id: event.metadata.organisationId,
            service_user_id: data.serviceUserId,
            facility_id: data.facilityId,
            anonymous: false,
            ...traitColumns(data.traits),
            used_name: data.usedName ?? null,
            used_first_name: data.usedFirstName ?? null,
            identity_status: data.status,
            registered_at: data.registeredAt,
            revision,
          })
          .onConflict(['organisation_id', 'service_user_id'])
          .ignore();
        return;
      }
      case 'AnonymousServiceUserRegistered': {
        const data = event.data as AnonymousServiceUserRegistered;
        await table('identities')
          .insert({
            organisation_id: event.metadata.organisationId,
            service_user_id: data.serviceUserId,
            facility_id: data.facilityId,
            anonymous: true,
            pseudonym: data.pseudonym,
            sex: data.sex ?? null,
            birth_year: data.birthYear ?? null,
            registered_at: data.registeredAt,
            revision,
          })
          .onConflict(['organisation_id', 'service_user_id'])
          .ignore();
        return;
      }
      case 'IdentityTraitsCorrected': {
        const data = event.data as IdentityTraitsCorrected;
        await row().update({ ...traitColumns(data.traits), identity_status: data.status, revision });
        return;
      }
      case 'UsedNamesChanged': {
        const data = event.data as UsedNamesChanged;
        await row().update({ used_name: data.usedName ?? null, used_first_name: data.usedFirstName ?? null, revision });
        return;
      }
      case 'PostalAddressChanged': {
        const data = event.data as PostalAddressChanged;
        await row().update({ postal_address: data.postalAddress, revision });
        return;
      }
      case 'InsRetrieved': {
        const data = event.data as InsRetrieved;
        await row().update({
          ...traitColumns(data.traits),
          ins_value: data.ins.value,
          ins_oid: data.ins.oid,
          identity_status: data.status,
          revision,
        });
        return;
      }
      case 'IdentityDocumentChecked': {
        const data = event.data as IdentityDocumentChecked;
        await row().update({ identity_status: data.status, last_document_check: data.checkedOn, revision });
        return;
      }
      case 'AnonymityLifted': {
        const data = event.data as AnonymityLifted;
        await row().update({
          anonymous: false,
          ...traitColumns(data.traits),
          used_name: data.usedName ?? null,
          used_first_name: data.usedFirstName ?? null,
          identity_status: data.status,
          revision,
        });
        return;
      }
    }
  },
});

function traitColumns(traits: StrictTraits) {
  return {
    birth_name: traits.birthName,
    birth_first_names: traits.birthFirstNames,
    birth_date: traits.birthDate,
    sex: traits.sex,
    birthplace_code: traits.birthplaceCode,
    birth_year: Number(traits.birthDate.slice(0, 4)),
  };
}

/** Records live in streams `service-user/<organisation>/<serviceUserId>`, the id escaped. */
function serviceUserIdOf(event: RecordedEvent): string {
  return decodeURIComponent(event.streamId.split('/').at(-1) ?? event.streamId);
}
