import { createHash } from 'node:crypto';
import type { LedgerMonthOpened, LedgerProduct, ProductDefined, TsoProduct } from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type Projection, type ProjectionContext } from '../projection.js';
import { ProjectionError } from '../runtime/errors.js';
import { ledgerFacilityOf, REPORTED_EVENT_TYPES, type ReportingLookups, reportingFactsOf } from './reporting-events.js';
import { reportingSubjectKey } from './reporting-pseudonym.js';

export const REPORTING_OUTBOX = 'reporting_outbox';

/** The outbox was declared without its key (the catalogue's entry) and asked to map an event. */
export class MissingPseudonymKeyError extends ProjectionError {
  override readonly name = 'MissingPseudonymKeyError';
  constructor() {
    super(`${REPORTING_OUTBOX} needs the pseudonym key, derived from the master key (DUI_MASTER_KEY)`);
  }
}

/**
 * The reporting outbox: the published stream of reporting events (reporting-events.ts), fed
 * inline, in the transaction of the facts it reports, and read with a cursor
 * (`readReportingEvents`). Table `events`:
 *
 * - `transaction_id` (the writing transaction, `pg_current_xact_id()`) and `position` (a
 *   bigserial): readers go in that order and only below the visibility fence (ADR 0003), so a
 *   transaction that commits late is read late, never skipped;
 * - one row per (source event, reporting type): a replayed event writes nothing twice.
 *
 * No `service_user_id` column, on purpose: the rows hold no personal data (a pseudonymous subject
 * key, codes, days), so the end-of-retention purge, which deletes by that column, keeps them, and
 * an erased event gives no row. `products` keeps the TSO product of each ledger product, which a
 * dispensation names by id only.
 *
 * A new version rebuilds the outbox in a new schema, whose rows get new positions: a consumer's
 * cursor then starts again from the beginning, and the event ids (stable) let it drop what it had.
 */
export function reportingOutboxProjection(options: { pseudonymKey?: Uint8Array | undefined } = {}): Projection {
  const { pseudonymKey } = options;
  return defineProjection({
    name: REPORTING_OUTBOX,
    version: 1,
    handles: [...REPORTED_EVENT_TYPES, 'LedgerMonthOpened', 'ProductDefined'],
    async migrate(db, schema) {
      await db.schema.withSchema(schema).createTable('events', (table) => {
        table.bigIncrements('position');
        table.specificType('transaction_id', 'xid8').notNullable().defaultTo(db.raw('pg_current_xact_id()'));
        table.uuid('id').notNullable().unique();
        table.text('source_event_id').notNullable();
        table.text('type').notNullable();
        table.integer('version').notNullable();
        table.text('organisation_id').notNullable();
        table.text('facility_id');
        table.text('occurred_on').notNullable();
        table.text('subject_key');
        table.jsonb('data').notNullable();
        table.unique(['source_event_id', 'type']);
        table.index(['transaction_id', 'position']);
        table.index(['organisation_id', 'transaction_id', 'position']);
        // the activity reports (reports/): facts of a kind in a period, any facts in a period
        table.index(['organisation_id', 'type', 'occurred_on']);
        table.index(['organisation_id', 'occurred_on']);
      });
      // a correction names its act or passage by id: the reports find the corrected one by it
      await db.raw(
        `create index events_recorded_act on ??.events (organisation_id, (data->>'actId')) where type = 'act.recorded'`,
        [schema],
      );
      await db.raw(
        `create index events_recorded_visit on ??.events (organisation_id, (data->>'visitId')) where type = 'visit.recorded'`,
        [schema],
      );
      await db.schema.withSchema(schema).createTable('products', (table) => {
        table.text('organisation_id').notNullable();
        table.text('facility_id').notNullable();
        table.text('product_id').notNullable();
        table.text('tso_product');
        table.primary(['organisation_id', 'facility_id', 'product_id']);
      });
    },
    async evolve(event, context) {
      if (isErased(event.data)) return;
      if (event.type === 'LedgerMonthOpened') {
        const { products } = event.data as LedgerMonthOpened;
        for (const product of products) await keepProduct(context, event, product);
        return;
      }
      if (event.type === 'ProductDefined') {
        await keepProduct(context, event, (event.data as ProductDefined).product);
        return;
      }
      const organisationId = event.metadata.organisationId;
      const products = await productsFor(context, event);
      const lookups: ReportingLookups = {
        subjectKeyOf(serviceUserId) {
          if (!pseudonymKey) throw new MissingPseudonymKeyError();
          return reportingSubjectKey(pseudonymKey, organisationId, serviceUserId);
        },
        tsoProductOf: (facilityId, productId) => products.get(`${facilityId}\u0000${productId}`),
      };
      const facts = reportingFactsOf(event, lookups);
      if (facts.length === 0) return;
      await context
        .table('events')
        .insert(
          facts.map((fact) => ({
            id: reportingEventId(event.id, fact.type),
            source_event_id: event.id,
            type: fact.type,
            version: fact.version,
            organisation_id: organisationId,
            facility_id: fact.facilityId,
            occurred_on: fact.occurredOn,
            subject_key: fact.subjectKey,
            data: JSON.stringify(fact.data),
          })),
        )
        .onConflict(['source_event_id', 'type'])
        .ignore();
    },
  });
}

async function keepProduct({ table }: ProjectionContext, event: RecordedEvent, product: LedgerProduct): Promise<void> {
  await table('products')
    .insert({
      organisation_id: event.metadata.organisationId,
      facility_id: ledgerFacilityOf(event),
      product_id: product.productId,
      tso_product: product.tsoProduct ?? null,
    })
    .onConflict(['organisation_id', 'facility_id', 'product_id'])
    .merge(['tso_product']);
}

/** The ledger products a dispensation names, read before the (synchronous) mapping. */
async function productsFor(
  { table }: ProjectionContext,
  event: RecordedEvent,
): Promise<Map<string, TsoProduct | null>> {
  const products = new Map<string, TsoProduct | null>();
  if (event.type !== 'MedicineDispensed') return products;
  const facilityId = ledgerFacilityOf(event);
  const { productId } = event.data as { productId: string };
  const row = (await table('products')
    .where({ organisation_id: event.metadata.organisationId, facility_id: facilityId, product_id: productId })
    .first('tso_product')) as { tso_product: TsoProduct | null } | undefined;
  if (row) products.set(`${facilityId}\u0000${productId}`, row.tso_product);
  return products;
}

/** A stable id for the reporting event a source event gives: consumers deduplicate by it. */
export function reportingEventId(sourceEventId: string, type: string): string {
  const hex = createHash('sha256').update(`${sourceEventId}\u0000${type}`).digest('hex');
  // shaped as a UUID (version 8: custom), so that it fits a uuid column and reads as an id
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
