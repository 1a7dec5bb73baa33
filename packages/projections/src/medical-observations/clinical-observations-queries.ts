import type {
  ClinicalObservationAuthorProfession,
  ExternalObservationChannel,
  ObservationOrigin,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/** A medical observation as it stands, with its origin. */
export interface ClinicalObservationView {
  observationId: string;
  serviceUserId: string;
  facilityId: string;
  origin: ObservationOrigin;
  /** The clinician who wrote it; null when received. */
  author: { professionalId: string; profession: ClinicalObservationAuthorProfession } | null;
  /** Where it came from; null when written here. */
  source: {
    senderName: string;
    senderIdentifier: string | null;
    channel: ExternalObservationChannel;
    documentReference: string;
  } | null;
  /** When it was observed (written here) or received (from outside). */
  datedAt: string;
  title: string | null;
  text: string;
  status: 'current' | 'withdrawn';
  amendments: number;
  lastAmendmentReason: string | null;
  withdrawalReason: string | null;
  /** The revision of the observation's stream, for `If-Match`. */
  revision: number;
}

interface ObservationRow {
  observation_id: string;
  service_user_id: string;
  facility_id: string;
  origin: ObservationOrigin;
  author_id: string | null;
  author_profession: ClinicalObservationAuthorProfession | null;
  sender_name: string | null;
  sender_identifier: string | null;
  channel: ExternalObservationChannel | null;
  document_reference: string | null;
  dated_at: string;
  title: string | null;
  text: string;
  status: 'current' | 'withdrawn';
  amendments: number;
  last_amendment_reason: string | null;
  withdrawal_reason: string | null;
  revision: number;
}

function toView(row: ObservationRow): ClinicalObservationView {
  return {
    observationId: row.observation_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    origin: row.origin,
    author: row.origin === 'clinician' ? { professionalId: row.author_id!, profession: row.author_profession! } : null,
    source:
      row.origin === 'external'
        ? {
            senderName: row.sender_name!,
            senderIdentifier: row.sender_identifier,
            channel: row.channel!,
            documentReference: row.document_reference!,
          }
        : null,
    datedAt: row.dated_at,
    title: row.title,
    text: row.text,
    status: row.status,
    amendments: Number(row.amendments),
    lastAmendmentReason: row.last_amendment_reason,
    withdrawalReason: row.withdrawal_reason,
    revision: Number(row.revision),
  };
}

/** One observation; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function clinicalObservationById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; observationId: string },
): Promise<ClinicalObservationView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('observations')
    .where({ organisation_id: where.organisationId, observation_id: where.observationId })
    .first()) as ObservationRow | undefined;
  return row === undefined ? undefined : toView(row);
}

/**
 * The medical observations of one usager in one ESSMS, written here and received, the latest
 * first; withdrawn ones listed as such, with why.
 */
export async function clinicalObservationsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<ClinicalObservationView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('observations')
    .where({
      organisation_id: where.organisationId,
      service_user_id: where.serviceUserId,
      facility_id: where.facilityId,
    })
    .orderBy([
      { column: 'dated_at_utc', order: 'desc' },
      { column: 'observation_id', order: 'asc' },
    ])) as ObservationRow[];
  return rows.map(toView);
}
