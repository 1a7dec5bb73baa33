import type {
  ClinicalObservationAuthorProfession,
  ExternalObservationChannel,
  ObservationOrigin,
  ObservationWithdrawalKind,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/**
 * A medical observation as it stands, with its origin, who amended it last and its withdrawal.
 * Withdrawn as filed in the wrong record (or before withdrawals had a kind), its content is
 * withheld (`contentWithheld`): title, text, reasons and document reference are null.
 */
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
    /** Null when the content is withheld. */
    documentReference: string | null;
  } | null;
  /** When it was observed (written here) or received (from outside). */
  datedAt: string;
  title: string | null;
  /** Null when the content is withheld. */
  text: string | null;
  status: 'current' | 'withdrawn';
  amendments: number;
  lastAmendmentReason: string | null;
  /** Who amended it last (the amending event's actor), and when; null if never amended. */
  amendedBy: { professionalId: string; profession: ClinicalObservationAuthorProfession | null } | null;
  amendedAt: string | null;
  /** Why it was withdrawn; null while current, or for a withdrawal recorded before kinds existed. */
  withdrawalKind: ObservationWithdrawalKind | null;
  withdrawalReason: string | null;
  withdrawnBy: string | null;
  withdrawnAt: string | null;
  /** Withdrawn as another person's data: its content is not shown. */
  contentWithheld: boolean;
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
  text: string | null;
  status: 'current' | 'withdrawn';
  amendments: number;
  last_amendment_reason: string | null;
  amended_by: string | null;
  amended_by_profession: ClinicalObservationAuthorProfession | null;
  amended_at: string | null;
  withdrawal_kind: ObservationWithdrawalKind | null;
  withdrawal_reason: string | null;
  withdrawn_by: string | null;
  withdrawn_at: string | null;
  content_withheld: boolean;
  revision: number;
}

function toView(row: ObservationRow): ClinicalObservationView {
  // The projection drops the content from the row; the reads check again, so that a row left by
  // code older than this rule (an instance still running during a rolling upgrade) never shows it.
  const withheld =
    Boolean(row.content_withheld) ||
    (row.status === 'withdrawn' && (row.withdrawal_kind == null || row.withdrawal_kind === 'wrong-record'));
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
            documentReference: withheld ? null : row.document_reference,
          }
        : null,
    datedAt: row.dated_at,
    title: withheld ? null : row.title,
    text: withheld ? null : row.text,
    status: row.status,
    amendments: Number(row.amendments),
    lastAmendmentReason: withheld ? null : row.last_amendment_reason,
    amendedBy:
      row.amended_by == null ? null : { professionalId: row.amended_by, profession: row.amended_by_profession ?? null },
    amendedAt: row.amended_at ?? null,
    withdrawalKind: row.withdrawal_kind ?? null,
    withdrawalReason: withheld ? null : row.withdrawal_reason,
    withdrawnBy: row.withdrawn_by ?? null,
    withdrawnAt: row.withdrawn_at ?? null,
    contentWithheld: withheld,
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
 * first; withdrawn ones listed as such, with why, those filed in the wrong record without content.
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
