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
 * Version 2 publishes the DMP submissions and the MSSanté messages: the rebuild derives them from
 * the ones recorded before it, so that the ESMS numérique indicators of a period that began
 * earlier count them too. As any rebuild, it loses the facts of records destroyed before it
 * (ADR 0015): the reports of past years are the ones kept as produced.
 */
export function reportingOutboxProjection(options: { pseudonymKey?: Uint8Array | undefined } = {}): Projection {
  const { pseudonymKey } = options;
  return defineProjection({
    name: REPORTING_OUTBOX,
    version: 2,
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
    evolve: (event, context) => publish([event], context, pseudonymKey),
    // one insert per batch: a rebuild goes through the whole log
    evolveBatch: (events, context) => publish(events, context, pseudonymKey),
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

/** Rows per insert: well under PostgreSQL's limit of 65,535 bound parameters (9 per row). */
const ROWS_PER_INSERT = 2_000;

/**
 * Maps the events to their reporting events and writes them in few inserts. Ledger products are
 * kept as they are defined (in this batch or before) and looked up once per batch, so that a
 * dispensation knows whether its product is a TSO.
 */
async function publish(
  events: readonly RecordedEvent[],
  context: ProjectionContext,
  pseudonymKey: Uint8Array | undefined,
): Promise<void> {
  const products = new Map<string, TsoProduct | null | undefined>();
  const productKey = (organisationId: string, facilityId: string, productId: string) =>
    `${organisationId}\u0000${facilityId}\u0000${productId}`;
  const rows: Record<string, unknown>[] = [];
  for (const event of events) {
    if (isErased(event.data)) continue;
    const organisationId = event.metadata.organisationId;
    if (event.type === 'LedgerMonthOpened' || event.type === 'ProductDefined') {
      const defined =
        event.type === 'LedgerMonthOpened'
          ? (event.data as LedgerMonthOpened).products
          : [(event.data as ProductDefined).product];
      for (const product of defined) {
        await keepProduct(context, event, product);
        products.set(
          productKey(organisationId, ledgerFacilityOf(event), product.productId),
          product.tsoProduct ?? null,
        );
      }
      continue;
    }
    if (event.type === 'MedicineDispensed') {
      const facilityId = ledgerFacilityOf(event);
      const { productId } = event.data as { productId: string };
      const key = productKey(organisationId, facilityId, productId);
      if (!products.has(key)) products.set(key, await storedProduct(context, organisationId, facilityId, productId));
    }
    const lookups: ReportingLookups = {
      subjectKeyOf(serviceUserId) {
        if (!pseudonymKey) throw new MissingPseudonymKeyError();
        return reportingSubjectKey(pseudonymKey, organisationId, serviceUserId);
      },
      tsoProductOf: (facilityId, productId) => products.get(productKey(organisationId, facilityId, productId)),
    };
    for (const fact of reportingFactsOf(event, lookups)) {
      rows.push({
        id: reportingEventId(event.id, fact.type),
        source_event_id: event.id,
        type: fact.type,
        version: fact.version,
        organisation_id: organisationId,
        facility_id: fact.facilityId,
        occurred_on: fact.occurredOn,
        subject_key: fact.subjectKey,
        data: JSON.stringify(fact.data),
      });
    }
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    await context
      .table('events')
      .insert(rows.slice(start, start + ROWS_PER_INSERT))
      .onConflict(['source_event_id', 'type'])
      .ignore();
  }
}

/** Whether a ledger product is a TSO, as kept by an earlier batch; undefined when never defined. */
async function storedProduct(
  { table }: ProjectionContext,
  organisationId: string,
  facilityId: string,
  productId: string,
): Promise<TsoProduct | null | undefined> {
  const row = (await table('products')
    .where({ organisation_id: organisationId, facility_id: facilityId, product_id: productId })
    .first('tso_product')) as { tso_product: TsoProduct | null } | undefined;
  return row?.tso_product;
}

/** A stable id for the reporting event a source event gives: consumers deduplicate by it. */
export function reportingEventId(sourceEventId: string, type: string): string {
  const hex = createHash('sha256').update(`${sourceEventId}\u0000${type}`).digest('hex');
  // shaped as a UUID (version 8: custom), so that it fits a uuid column and reads as an id
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
