import {
  type ContactDetails,
  type CosignatureMethod,
  mayConsultRecordNow,
  type OfferAnswer,
  type RevocationMethod,
  type TrustedPersonScope,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One designation of a personne de confiance, as it stands. */
export interface TrustedPersonView {
  trustedPersonId: string;
  /** The ESSMS where it was recorded. */
  facilityId: string;
  name: string;
  relationship: string | null;
  /** The entry of the usager's directory it was made from, if any. */
  entryId: string | null;
  contact: ContactDetails;
  scope: TrustedPersonScope[];
  status: 'designated' | 'revoked';
  designatedOn: string;
  cosignedOn?: string;
  cosignedHow?: CosignatureMethod;
  attestationOn?: string;
  /** The director who signed the attestation. */
  attestationSignedBy?: string;
  revokedOn?: string;
  revokedHow?: RevocationMethod;
  revocationDetails?: string;
  /** Whether the usager allowed it, whatever the designation's state. */
  consultationAllowedByUsager: boolean;
  /**
   * Whether the personne de confiance may consult the record through the usager portal now:
   * allowed by the usager, on a designation co-signed and not revoked (`mayConsultRecordNow`).
   */
  mayConsultRecord: boolean;
}

export interface TrustedPersonOfferView {
  offerId: string;
  facilityId: string;
  offeredOn: string;
  answer: OfferAnswer;
}

interface DesignationRow {
  trusted_person_id: string;
  facility_id: string;
  entry_id: string | null;
  name: string;
  relationship: string | null;
  phone: string | null;
  email: string | null;
  postal_address: string | null;
  scope: TrustedPersonScope[];
  designated_on: string;
  status: 'designated' | 'revoked';
  cosigned_on: string | null;
  cosigned_how: CosignatureMethod | null;
  attested_on: string | null;
  attested_by: string | null;
  consultation_allowed: boolean;
  revoked_on: string | null;
  revoked_how: RevocationMethod | null;
  revocation_details: string | null;
  revision: number;
}

const optional = <Key extends string, Value>(key: Key, value: Value | null) =>
  (value === null ? {} : { [key]: value }) as Partial<Record<Key, Value>>;

function toView(row: DesignationRow): TrustedPersonView {
  const cosignedOn = row.cosigned_on ?? undefined;
  return {
    trustedPersonId: row.trusted_person_id,
    facilityId: row.facility_id,
    name: row.name,
    relationship: row.relationship,
    entryId: row.entry_id,
    contact: {
      ...optional('phone', row.phone),
      ...optional('email', row.email),
      ...optional('postalAddress', row.postal_address),
    },
    scope: [...row.scope],
    status: row.status,
    designatedOn: row.designated_on,
    ...optional('cosignedOn', row.cosigned_on),
    ...optional('cosignedHow', row.cosigned_how),
    ...optional('attestationOn', row.attested_on),
    ...optional('attestationSignedBy', row.attested_by),
    ...optional('revokedOn', row.revoked_on),
    ...optional('revokedHow', row.revoked_how),
    ...optional('revocationDetails', row.revocation_details),
    consultationAllowedByUsager: row.consultation_allowed,
    mayConsultRecord: mayConsultRecordNow({
      status: row.status,
      cosignedOn,
      mayConsultRecord: row.consultation_allowed,
    }),
  };
}

/**
 * The designations of a usager's personne de confiance in the organisation: the one in force
 * first, then the revoked ones, latest designation first. The usager portal reads it to decide
 * whether a personne de confiance may log in and consult (`mayConsultRecord`).
 */
export async function trustedPersonsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<TrustedPersonView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('designations')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId })
    .orderByRaw(`status = 'designated' desc, designated_on desc, trusted_person_id`)) as DesignationRow[];
  return rows.map(toView);
}

/** The offers made to a usager at their admissions, latest first. */
export async function trustedPersonOffersOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<TrustedPersonOfferView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('offers')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId })
    .orderBy([
      { column: 'offered_on', order: 'desc' },
      { column: 'offer_id', order: 'asc' },
    ])) as { offer_id: string; facility_id: string; offered_on: string; answer: OfferAnswer }[];
  return rows.map((row) => ({
    offerId: row.offer_id,
    facilityId: row.facility_id,
    offeredOn: row.offered_on,
    answer: row.answer,
  }));
}

/** The revision of the usager's stream (−1 when it has none yet), for `If-Match` on the next command. */
export async function trustedPersonsRevision(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string },
): Promise<number> {
  const { rows } = (await db.raw(
    `select coalesce(max(revision), -1) as revision from (
       select revision from ?? where organisation_id = ? and service_user_id = ?
       union all
       select revision from ?? where organisation_id = ? and service_user_id = ?) as revisions`,
    [
      `${readSchema}.designations`,
      where.organisationId,
      where.serviceUserId,
      `${readSchema}.offers`,
      where.organisationId,
      where.serviceUserId,
    ],
  )) as { rows: { revision: number | string }[] };
  return Number(rows[0]?.revision ?? -1);
}
