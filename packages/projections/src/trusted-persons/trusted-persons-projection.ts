import type {
  TrustedPersonAttestationSigned,
  TrustedPersonCosigned,
  TrustedPersonDesignated,
  TrustedPersonEventType,
  TrustedPersonOffered,
  TrustedPersonRecordConsultation,
  TrustedPersonRevoked,
} from '@dui-pds/domain';
import { isErased } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly TrustedPersonEventType[] = [
  'TrustedPersonOffered',
  'TrustedPersonDesignated',
  'TrustedPersonCosigned',
  'TrustedPersonAttestationSigned',
  'TrustedPersonRecordConsultationAllowed',
  'TrustedPersonRecordConsultationWithdrawn',
  'TrustedPersonRevoked',
];

/**
 * The personnes de confiance of usagers (one stream per usager, `trustedPersonsStreamId`): one
 * row per designation, as it stands (co-signature, attestation, consultation allowance,
 * revocation), and one per offer made at an admission. Each row keeps the revision of the
 * usager's stream at its last change: the greatest is the stream's, for `If-Match`. Read with
 * `trustedPersonsOf` and `trustedPersonOffersOf`.
 *
 * A forgotten usager's designations and offers leave the model: an erased event removes them all.
 */
export const trustedPersonsProjection = defineProjection({
  name: 'trusted_persons',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('designations', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('trusted_person_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.uuid('entry_id');
      table.text('name').notNullable();
      table.text('relationship');
      table.text('phone');
      table.text('email');
      table.text('postal_address');
      table.specificType('scope', 'text[]').notNullable();
      table.text('designated_on').notNullable();
      table.text('status').notNullable();
      table.text('cosigned_on');
      table.text('cosigned_how');
      table.text('attested_on');
      table.text('attested_by');
      table.boolean('consultation_allowed').notNullable();
      table.text('revoked_on');
      table.text('revoked_how');
      table.text('revocation_details');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'trusted_person_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
    await db.schema.withSchema(schema).createTable('offers', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('offer_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('offered_on').notNullable();
      table.text('answer').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'offer_id']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const organisation_id = event.metadata.organisationId;
    const revision = event.streamRevision;
    if (isErased(event.data)) {
      const usager = { organisation_id, service_user_id: event.data.serviceUserId };
      await table('designations').where(usager).delete();
      await table('offers').where(usager).delete();
      return;
    }
    const designation = (trustedPersonId: string) =>
      table('designations').where({ organisation_id, trusted_person_id: trustedPersonId });
    switch (event.type as TrustedPersonEventType) {
      case 'TrustedPersonOffered': {
        const data = event.data as TrustedPersonOffered;
        await table('offers')
          .insert({
            organisation_id,
            offer_id: data.offerId,
            service_user_id: data.serviceUserId,
            facility_id: data.facilityId,
            offered_on: data.offeredOn,
            answer: data.answer,
            revision,
          })
          .onConflict(['organisation_id', 'offer_id'])
          .ignore();
        return;
      }
      case 'TrustedPersonDesignated': {
        const data = event.data as TrustedPersonDesignated;
        await table('designations')
          .insert({
            organisation_id,
            trusted_person_id: data.trustedPersonId,
            service_user_id: data.serviceUserId,
            facility_id: data.facilityId,
            entry_id: data.person.entryId ?? null,
            name: data.person.name,
            relationship: data.person.relationship ?? null,
            phone: data.person.contact.phone ?? null,
            email: data.person.contact.email ?? null,
            postal_address: data.person.contact.postalAddress ?? null,
            scope: data.scope,
            designated_on: data.designatedOn,
            status: 'designated',
            consultation_allowed: data.mayConsultRecord,
            revision,
          })
          .onConflict(['organisation_id', 'trusted_person_id'])
          .ignore();
        return;
      }
      case 'TrustedPersonCosigned': {
        const data = event.data as TrustedPersonCosigned;
        await designation(data.trustedPersonId).update({
          cosigned_on: data.cosignedOn,
          cosigned_how: data.how,
          revision,
        });
        return;
      }
      case 'TrustedPersonAttestationSigned': {
        const data = event.data as TrustedPersonAttestationSigned;
        await designation(data.trustedPersonId).update({
          attested_on: data.attestedOn,
          attested_by: data.directorId,
          revision,
        });
        return;
      }
      case 'TrustedPersonRecordConsultationAllowed':
      case 'TrustedPersonRecordConsultationWithdrawn': {
        const data = event.data as TrustedPersonRecordConsultation;
        await designation(data.trustedPersonId).update({
          consultation_allowed: event.type === 'TrustedPersonRecordConsultationAllowed',
          revision,
        });
        return;
      }
      case 'TrustedPersonRevoked': {
        const data = event.data as TrustedPersonRevoked;
        await designation(data.trustedPersonId).update({
          status: 'revoked',
          revoked_on: data.revokedOn,
          revoked_how: data.how,
          revocation_details: data.details ?? null,
          revision,
        });
        return;
      }
    }
  },
});
