import {
  type StayContractAmendmentDrafted,
  type StayContractAmendmentSigned,
  type StayContractClosed,
  type StayContractDrafted,
  type StayContractDraftRevised,
  type StayContractEventType,
  type StayContractHandedOver,
  type StayContractReviewed,
  type StayContractSigned,
  type StayContractTerms,
  stayContractDeadlines,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';

const handled: readonly StayContractEventType[] = [
  'StayContractDrafted',
  'StayContractDraftRevised',
  'StayContractHandedOver',
  'StayContractSigned',
  'StayContractSignatureRefused',
  'StayContractAmendmentDrafted',
  'StayContractAmendmentSigned',
  'StayContractReviewed',
  'StayContractClosed',
];

/** A row of `stay_contracts`, as stored. */
export interface StayContractRow {
  organisation_id: string;
  contract_id: string;
  facility_id: string;
  service_user_id: string;
  accompaniment_id: string;
  kind: string;
  status: StayContractTerms['status'];
  current_version: number;
  pending_amendment_version: number | null;
  admitted_on: string;
  handed_over_on: string | null;
  signed_on: string | null;
  first_amendment_signed_on: string | null;
  last_reviewed_on: string | null;
  closed_on: string | null;
  handover_due_on: string | null;
  signature_due_on: string | null;
  amendment_due_on: string | null;
  review_due_on: string | null;
  revision: number;
}

/**
 * The contrats de séjour and DIPC of usagers, one row per contract (its stream,
 * `stayContractStreamId`): whose and where, its kind, status, the version in force, the days of
 * its acts and its open deadlines (the domain's `stayContractDeadlines`, stored so that SQL finds
 * the contracts near one), and its revision. Read the ones to act on with `stayContractsToWatch`;
 * the content of the versions stays in the stream.
 *
 * A forgotten usager's contracts leave the model: the erased event's stream is enough to remove
 * the row.
 */
export const stayContractsProjection = defineProjection({
  name: 'stay_contracts',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    await db.schema.withSchema(schema).createTable('stay_contracts', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('contract_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.uuid('accompaniment_id').notNullable();
      table.text('kind').notNullable();
      table.text('status').notNullable();
      table.integer('current_version').notNullable();
      table.integer('pending_amendment_version');
      table.text('admitted_on').notNullable();
      table.text('handed_over_on');
      table.text('signed_on');
      table.text('first_amendment_signed_on');
      table.text('last_reviewed_on');
      table.text('closed_on');
      table.text('handover_due_on');
      table.text('signature_due_on');
      table.text('amendment_due_on');
      table.text('review_due_on');
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'contract_id']);
      table.index(['organisation_id', 'facility_id', 'status']);
      table.index(['organisation_id', 'service_user_id']);
    });
  },
  async evolve(event, { table }) {
    const key = { organisation_id: event.metadata.organisationId, contract_id: contractIdOf(event.streamId) };
    if (isErased(event.data)) {
      await table('stay_contracts').where(key).delete();
      return;
    }
    if (event.type === 'StayContractDrafted') {
      const data = event.data as StayContractDrafted;
      const row: StayContractRow = {
        ...key,
        facility_id: data.facilityId,
        service_user_id: data.serviceUserId,
        accompaniment_id: data.accompanimentId,
        kind: data.kind,
        status: 'draft',
        current_version: 0,
        pending_amendment_version: null,
        admitted_on: data.admittedOn,
        handed_over_on: null,
        signed_on: null,
        first_amendment_signed_on: null,
        last_reviewed_on: null,
        closed_on: null,
        ...deadlinesOf({ status: 'draft', admittedOn: data.admittedOn }),
        revision: event.streamRevision,
      };
      await table('stay_contracts').insert(row).onConflict(['organisation_id', 'contract_id']).ignore();
      return;
    }
    const current = (await table('stay_contracts').where(key).first()) as StayContractRow | undefined;
    if (current === undefined) return;
    const changes = changesOf(event, current);
    const next = { ...current, ...changes };
    await table('stay_contracts')
      .where(key)
      .update({ ...changes, ...deadlinesOf(termsOf(next)), revision: event.streamRevision });
  },
});

function changesOf(event: RecordedEvent, current: StayContractRow): Partial<StayContractRow> {
  switch (event.type as StayContractEventType) {
    case 'StayContractDraftRevised':
      return { kind: (event.data as StayContractDraftRevised).kind };
    case 'StayContractHandedOver':
      return { status: 'handed-over', handed_over_on: (event.data as StayContractHandedOver).handedOverOn };
    case 'StayContractSignatureRefused':
      return { kind: 'dipc' };
    case 'StayContractSigned':
      return { status: 'signed', current_version: 1, signed_on: (event.data as StayContractSigned).signedOn };
    case 'StayContractAmendmentDrafted':
      return { pending_amendment_version: (event.data as StayContractAmendmentDrafted).version };
    case 'StayContractAmendmentSigned': {
      const data = event.data as StayContractAmendmentSigned;
      return {
        current_version: data.version,
        pending_amendment_version: null,
        first_amendment_signed_on: current.first_amendment_signed_on ?? data.signedOn,
      };
    }
    case 'StayContractReviewed':
      return { last_reviewed_on: (event.data as StayContractReviewed).reviewedOn };
    case 'StayContractClosed':
      return { status: 'closed', closed_on: (event.data as StayContractClosed).closedOn };
    default:
      return {};
  }
}

/** What the domain's deadline rule reads of a row. */
export function termsOf(row: StayContractRow): StayContractTerms {
  return {
    status: row.status,
    admittedOn: row.admitted_on,
    handedOverOn: row.handed_over_on ?? undefined,
    signedOn: row.signed_on ?? undefined,
    firstAmendmentSignedOn: row.first_amendment_signed_on ?? undefined,
    lastReviewedOn: row.last_reviewed_on ?? undefined,
  };
}

function deadlinesOf(terms: StayContractTerms) {
  const deadlines = stayContractDeadlines(terms);
  return {
    handover_due_on: deadlines.handover ?? null,
    signature_due_on: deadlines.signature ?? null,
    amendment_due_on: deadlines.amendment ?? null,
    review_due_on: deadlines.review ?? null,
  };
}

/** Contracts live in streams `stay-contract/<organisation>/<contractId>` (`stayContractStreamId`). */
function contractIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
