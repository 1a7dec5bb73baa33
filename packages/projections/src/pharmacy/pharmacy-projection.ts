import {
  type InventoryRecorded,
  inNarcoticsRegister,
  type LedgerMonthClosed,
  type LedgerMonthOpened,
  type LedgerProduct,
  type LineCountered,
  type MedicineDispensed,
  type PharmacyLedgerEventType,
  type PrescriptionRegistered,
  type ProductClass,
  type ProductDefined,
  type RegisteredPrescription,
  type StockDestroyed,
  type StockLost,
  type StockReceived,
  type StockReturned,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection, type ProjectionContext } from '../projection.js';

const handled: readonly PharmacyLedgerEventType[] = [
  'LedgerMonthOpened',
  'ProductDefined',
  'StockReceived',
  'PrescriptionRegistered',
  'MedicineDispensed',
  'StockLost',
  'StockDestroyed',
  'StockReturned',
  'InventoryRecorded',
  'LineCountered',
  'LedgerMonthClosed',
];

/** What a stock line records; `opening` is the month's brought-forward balance, moving nothing. */
export type StockLineKind =
  | 'opening'
  | 'receipt'
  | 'dispensation'
  | 'loss'
  | 'theft'
  | 'destruction'
  | 'return'
  | 'inventory'
  | 'counter-entry';

/**
 * The pharmacy of each ESSMS, from its ledger streams (`pharmacyLedgerStreamId`, one per month):
 *
 * - `ledger_months`: each month, open or closed, its opening and closing days, its last
 *   ordonnancier number and its stream's revision;
 * - `products`: the ESSMS' products as last defined (class, unit, low-stock threshold);
 * - `lots` and `month_products`: per month, each lot's balance, and each product's opening,
 *   entries, exits and closing (the monthly balance; at the close, the ledger's own totals);
 * - `stock_lines`: every line of every product in the order recorded (global position), with the
 *   product's balance after it: receipts, dispensations, losses and thefts, destructions, returns,
 *   inventory counts with their gap, counter-entries, and each month's brought-forward balance.
 *   The narcotics register is the lines of `narcotic` products (`in_register`, set when the line
 *   is written, since a product's class never changes);
 * - `dispensing_log`: the ordonnancier, one row per number, with the prescriber as the
 *   prescription named them and whether the dispensation was countered;
 * - `prescriptions`: what the ordonnancier needs of each prescription (prescriber, day).
 *
 * The ledger names usagers by id only and is never erased: no row here carries a name; the
 * printed ordonnancier resolves them from the identity model when it is printed.
 */
export const pharmacyProjection = defineProjection({
  name: 'pharmacy',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    // a schema builder accumulates its statements: one per table
    const tables = () => db.schema.withSchema(schema);
    await tables().createTable('ledger_months', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('month').notNullable();
      table.text('status').notNullable();
      table.text('opened_on').notNullable();
      table.text('closed_on');
      table.integer('last_ordonnancier_number').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'facility_id', 'month']);
    });
    await tables().createTable('products', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('product_id').notNullable();
      table.text('name').notNullable();
      table.text('product_class').notNullable();
      table.text('unit').notNullable();
      table.text('tso_product');
      table.integer('low_stock_threshold');
      table.primary(['organisation_id', 'facility_id', 'product_id']);
    });
    await tables().createTable('lots', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('month').notNullable();
      table.text('product_id').notNullable();
      table.text('lot').notNullable();
      table.text('expires_on').notNullable();
      table.integer('units').notNullable();
      table.primary(['organisation_id', 'facility_id', 'month', 'product_id', 'lot']);
    });
    await tables().createTable('month_products', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('month').notNullable();
      table.text('product_id').notNullable();
      table.integer('opening').notNullable();
      table.integer('entries').notNullable();
      table.integer('exits').notNullable();
      table.integer('closing').notNullable();
      table.primary(['organisation_id', 'facility_id', 'month', 'product_id']);
    });
    await tables().createTable('prescriptions', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('prescription_id').notNullable();
      table.text('service_user_id').notNullable();
      table.text('product_id').notNullable();
      table.text('prescribed_on').notNullable();
      table.text('prescriber_name').notNullable();
      table.text('prescriber_address').notNullable();
      table.primary(['organisation_id', 'facility_id', 'prescription_id']);
    });
    await tables().createTable('stock_lines', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.bigInteger('position').notNullable();
      table.integer('item').notNullable();
      table.text('month').notNullable();
      table.text('line_id');
      table.text('day').notNullable();
      table.text('recorded_at').notNullable();
      table.text('kind').notNullable();
      table.text('product_id').notNullable();
      table.boolean('in_register').notNullable();
      table.integer('entry').notNullable();
      table.integer('exit').notNullable();
      table.integer('balance_after').notNullable();
      table.jsonb('lots').notNullable();
      table.integer('ordonnancier_number');
      table.text('prescription_id');
      table.text('party');
      table.text('document');
      table.text('ars_notified_on');
      table.text('explanation');
      table.integer('theoretical');
      table.integer('counted');
      table.text('inventory_id');
      table.text('countered_line_id');
      table.text('countered_by_line_id');
      table.primary(['organisation_id', 'facility_id', 'position', 'item']);
      table.index(['organisation_id', 'facility_id', 'line_id']);
      table.index(['organisation_id', 'facility_id', 'in_register', 'day']);
    });
    await tables().createTable('dispensing_log', (table) => {
      table.text('organisation_id').notNullable();
      table.text('facility_id').notNullable();
      table.integer('ordonnancier_number').notNullable();
      table.text('month').notNullable();
      table.text('line_id').notNullable();
      table.bigInteger('position').notNullable();
      table.text('day').notNullable();
      table.text('presented_on').notNullable();
      table.text('recorded_at').notNullable();
      table.text('product_id').notNullable();
      table.text('product_name').notNullable();
      table.text('product_class').notNullable();
      table.text('unit').notNullable();
      table.integer('units').notNullable();
      table.text('prescription_id').notNullable();
      table.text('prescribed_on');
      table.text('service_user_id').notNullable();
      table.text('prescriber_name');
      table.text('prescriber_address');
      table.text('collected_by');
      table.text('covers_from');
      table.text('covers_to');
      table.text('countered_on');
      table.text('counter_reason');
      table.primary(['organisation_id', 'facility_id', 'ordonnancier_number']);
      table.index(['organisation_id', 'facility_id', 'day']);
    });
  },
  async evolve(event, context) {
    // ledger events carry no usager and are never erased: a marker is only kept from failing
    if (isErased(event.data)) return;
    const where = ledgerOf(event);
    await APPLY[event.type as PharmacyLedgerEventType](event, where, context);
  },
});

interface Ledger {
  organisation_id: string;
  facility_id: string;
  month: string;
}

type Apply = (event: RecordedEvent, ledger: Ledger, context: ProjectionContext) => Promise<void>;

/** Ledger streams are `pharmacy-ledger/<organisation>/<facility>/<month>`, each part escaped. */
function ledgerOf(event: RecordedEvent): Ledger {
  const [, , facility = '', month = ''] = event.streamId.split('/');
  return { organisation_id: event.metadata.organisationId, facility_id: decodeURIComponent(facility), month };
}

/** One movement of a line: units per lot, positive in, negative out. */
interface LotChange {
  lot: string;
  units: number;
  expiresOn?: string;
}

/** The details a line records beside its movement, as columns. */
type LineDetails = Partial<{
  line_id: string;
  ordonnancier_number: number;
  prescription_id: string;
  /** Who: the supplier (receipt, return), the witness (destruction), who counted (inventory). */
  party: string;
  /** The paper: delivery reference, destruction certificate, theft or loss declaration. */
  document: string;
  ars_notified_on: string;
  explanation: string;
  theoretical: number;
  counted: number;
  inventory_id: string;
  countered_line_id: string;
}>;

const APPLY: Readonly<Record<PharmacyLedgerEventType, Apply>> = {
  async LedgerMonthOpened(event, ledger, { table }) {
    const data = event.data as LedgerMonthOpened;
    await table('ledger_months')
      .insert({
        ...ledger,
        status: 'open',
        opened_on: data.openedOn,
        closed_on: null,
        last_ordonnancier_number: data.lastOrdonnancierNumber,
        revision: event.streamRevision,
      })
      .onConflict(['organisation_id', 'facility_id', 'month'])
      .ignore();
    for (const product of data.products) await defineProduct(table, ledger, product);
    for (const lot of data.lots) {
      await table('lots').insert({
        ...ledger,
        product_id: lot.productId,
        lot: lot.lot,
        expires_on: lot.expiresOn,
        units: lot.units,
      });
    }
    for (const prescription of data.prescriptions) await keepPrescription(table, ledger, prescription);
    for (const [item, product] of data.products.entries()) {
      const opening = data.lots
        .filter((lot) => lot.productId === product.productId)
        .reduce((sum, lot) => sum + lot.units, 0);
      await table('month_products')
        .insert({ ...ledger, product_id: product.productId, opening, entries: 0, exits: 0, closing: opening })
        .onConflict(['organisation_id', 'facility_id', 'month', 'product_id'])
        .ignore();
      await table('stock_lines').insert({
        ...lineColumns(event, ledger, item, 'opening', product, data.openedOn, [], {}),
        balance_after: opening,
      });
    }
  },

  async ProductDefined(event, ledger, { table }) {
    const { product } = event.data as ProductDefined;
    await defineProduct(table, ledger, product);
    await table('month_products')
      .insert({ ...ledger, product_id: product.productId, opening: 0, entries: 0, exits: 0, closing: 0 })
      .onConflict(['organisation_id', 'facility_id', 'month', 'product_id'])
      .ignore();
    await touch(table, ledger, event);
  },

  async StockReceived(event, ledger, context) {
    const data = event.data as StockReceived;
    await recordLine(context, event, ledger, {
      kind: 'receipt',
      productId: data.productId,
      day: data.receivedOn,
      lots: [{ lot: data.lot, units: data.units, expiresOn: data.expiresOn }],
      details: { line_id: data.lineId, party: data.supplier, ...(data.reference ? { document: data.reference } : {}) },
    });
  },

  async PrescriptionRegistered(event, ledger, { table }) {
    await keepPrescription(table, ledger, (event.data as PrescriptionRegistered).prescription);
    await touch(table, ledger, event);
  },

  async MedicineDispensed(event, ledger, context) {
    const data = event.data as MedicineDispensed;
    const number = data.ordonnancierNumber;
    const product = await recordLine(
      context,
      event,
      ledger,
      {
        kind: 'dispensation',
        productId: data.productId,
        day: data.dispensedOn,
        lots: data.lots.map(({ lot, units }) => ({ lot, units: -units })),
        details: {
          line_id: data.lineId,
          prescription_id: data.prescriptionId,
          ...(number === undefined ? {} : { ordonnancier_number: number }),
        },
      },
      { month: number === undefined ? {} : { last_ordonnancier_number: number } },
    );
    // an unlisted medicine is not numbered, and has no line in the ordonnancier
    if (number === undefined) return;
    const { table } = context;
    const prescription = (await table('prescriptions')
      .where({ ...key(ledger), prescription_id: data.prescriptionId })
      .first()) as { prescribed_on: string; prescriber_name: string; prescriber_address: string } | undefined;
    await table('dispensing_log').insert({
      ...ledger,
      ordonnancier_number: number,
      line_id: data.lineId,
      position: String(event.globalPosition),
      day: data.dispensedOn,
      presented_on: data.presentedOn,
      recorded_at: event.metadata.recordedAt,
      product_id: data.productId,
      product_name: product?.name ?? data.productId,
      product_class: product?.product_class ?? 'listed',
      unit: product?.unit ?? '',
      units: data.units,
      prescription_id: data.prescriptionId,
      prescribed_on: prescription?.prescribed_on ?? null,
      service_user_id: data.serviceUserId,
      prescriber_name: prescription?.prescriber_name ?? null,
      prescriber_address: prescription?.prescriber_address ?? null,
      collected_by: data.collectedBy ?? null,
      covers_from: data.coversFrom ?? null,
      covers_to: data.coversTo ?? null,
    });
  },

  async StockLost(event, ledger, context) {
    const data = event.data as StockLost;
    await recordLine(context, event, ledger, {
      kind: data.cause,
      productId: data.productId,
      day: data.lostOn,
      lots: [{ lot: data.lot, units: -data.units }],
      details: { line_id: data.lineId, document: data.declaration },
    });
  },

  async StockDestroyed(event, ledger, context) {
    const data = event.data as StockDestroyed;
    await recordLine(context, event, ledger, {
      kind: 'destruction',
      productId: data.productId,
      day: data.destroyedOn,
      lots: [{ lot: data.lot, units: -data.units }],
      details: {
        line_id: data.lineId,
        document: data.certificate,
        party: data.witness,
        ...(data.arsNotifiedOn ? { ars_notified_on: data.arsNotifiedOn } : {}),
      },
    });
  },

  async StockReturned(event, ledger, context) {
    const data = event.data as StockReturned;
    await recordLine(context, event, ledger, {
      kind: 'return',
      productId: data.productId,
      day: data.returnedOn,
      lots: [{ lot: data.lot, units: -data.units }],
      details: { line_id: data.lineId, party: data.supplier },
    });
  },

  async InventoryRecorded(event, ledger, context) {
    const data = event.data as InventoryRecorded;
    for (const [item, line] of data.lines.entries()) {
      await recordLine(
        context,
        event,
        ledger,
        {
          kind: 'inventory',
          productId: line.productId,
          day: data.countedOn,
          lots: line.gap === 0 ? [] : [{ lot: line.lot, units: line.gap }],
          details: {
            inventory_id: data.inventoryId,
            theoretical: line.theoretical,
            counted: line.counted,
            party: data.countedBy,
            ...(line.explanation ? { explanation: line.explanation } : {}),
          },
          countedLot: line.lot,
        },
        { item },
      );
    }
  },

  async LineCountered(event, ledger, context) {
    const data = event.data as LineCountered;
    const { table } = context;
    const countered = (await table('stock_lines')
      .where({ ...key(ledger), line_id: data.counteredLineId })
      .first()) as { product_id: string; lots: LotChange[]; kind: StockLineKind } | undefined;
    if (!countered) return;
    await recordLine(context, event, ledger, {
      kind: 'counter-entry',
      productId: countered.product_id,
      day: data.on,
      lots: countered.lots.map(({ lot, units }) => ({ lot, units: -units })),
      details: { line_id: data.lineId, explanation: data.reason, countered_line_id: data.counteredLineId },
    });
    await table('stock_lines')
      .where({ ...key(ledger), line_id: data.counteredLineId })
      .update({ countered_by_line_id: data.lineId });
    if (countered.kind === 'dispensation') {
      // the number stays used: the entry is kept, marked countered
      await table('dispensing_log')
        .where({ ...key(ledger), line_id: data.counteredLineId })
        .update({ countered_on: data.on, counter_reason: data.reason });
    }
  },

  async LedgerMonthClosed(event, ledger, { table }) {
    const data = event.data as LedgerMonthClosed;
    await table('ledger_months').where(ledger).update({
      status: 'closed',
      closed_on: data.closedOn,
      last_ordonnancier_number: data.lastOrdonnancierNumber,
      revision: event.streamRevision,
    });
    // the monthly balance is the ledger's own, as closed
    for (const totals of data.totals) {
      await table('month_products')
        .insert({
          ...ledger,
          product_id: totals.productId,
          opening: totals.opening,
          entries: totals.entries,
          exits: totals.exits,
          closing: totals.closing,
        })
        .onConflict(['organisation_id', 'facility_id', 'month', 'product_id'])
        .merge();
    }
  },
};

/**
 * A stock line: lots moved, the month's totals counted, the line written with the balance after it.
 * `item` numbers the lines of one event (an inventory's); `month` holds what else the event changes
 * of the month, written with its revision in the same statement. Gives the product as last
 * defined, for the caller's other rows.
 */
async function recordLine(
  { table, db }: ProjectionContext,
  event: RecordedEvent,
  ledger: Ledger,
  line: {
    kind: StockLineKind;
    productId: string;
    day: string;
    lots: LotChange[];
    details: LineDetails;
    /** For an inventory: the lot counted, even when its gap is nil. */
    countedLot?: string;
  },
  { item = 0, month = {} }: { item?: number; month?: Record<string, unknown> } = {},
): Promise<ProductRow | undefined> {
  for (const change of line.lots) {
    const lotKey = { ...ledger, product_id: line.productId, lot: change.lot };
    const updated = await table('lots').where(lotKey).increment('units', change.units);
    if (updated === 0) {
      await table('lots').insert({ ...lotKey, expires_on: change.expiresOn ?? '', units: change.units });
    }
  }
  const entry = line.lots.filter((change) => change.units > 0).reduce((sum, change) => sum + change.units, 0);
  const exit = -line.lots.filter((change) => change.units < 0).reduce((sum, change) => sum + change.units, 0);
  const [{ balance }] = (await table('lots')
    .where({ ...ledger, product_id: line.productId })
    .sum({ balance: 'units' })) as [{ balance: string | number | null }];
  const balanceAfter = Number(balance ?? 0);
  const monthProduct = { ...ledger, product_id: line.productId };
  const updated = await table('month_products')
    .where(monthProduct)
    .update({ closing: balanceAfter, entries: db.raw('entries + ?', [entry]), exits: db.raw('exits + ?', [exit]) });
  if (updated === 0) {
    await table('month_products').insert({
      ...monthProduct,
      opening: 0,
      entries: entry,
      exits: exit,
      closing: balanceAfter,
    });
  }
  const product = await productRow(table, ledger, line.productId);
  const lots =
    line.countedLot !== undefined && line.lots.length === 0 ? [{ lot: line.countedLot, units: 0 }] : line.lots;
  await table('stock_lines').insert({
    ...lineColumns(
      event,
      ledger,
      item,
      line.kind,
      { productId: line.productId, productClass: product?.product_class ?? 'unlisted' },
      line.day,
      lots,
      line.details,
    ),
    entry,
    exit,
    balance_after: balanceAfter,
  });
  await touch(table, ledger, event, month);
  return product;
}

function lineColumns(
  event: RecordedEvent,
  ledger: Ledger,
  item: number,
  kind: StockLineKind,
  product: Pick<LedgerProduct, 'productId' | 'productClass'>,
  day: string,
  lots: LotChange[],
  details: LineDetails,
) {
  return {
    ...ledger,
    position: String(event.globalPosition),
    item,
    day,
    recorded_at: event.metadata.recordedAt,
    kind,
    product_id: product.productId,
    in_register: inNarcoticsRegister(product),
    entry: 0,
    exit: 0,
    lots: JSON.stringify(lots),
    ...details,
  };
}

async function defineProduct(table: ProjectionContext['table'], ledger: Ledger, product: LedgerProduct) {
  await table('products')
    .insert({
      organisation_id: ledger.organisation_id,
      facility_id: ledger.facility_id,
      product_id: product.productId,
      name: product.name,
      product_class: product.productClass,
      unit: product.unit,
      tso_product: product.tsoProduct ?? null,
      low_stock_threshold: product.lowStockThreshold ?? null,
    })
    .onConflict(['organisation_id', 'facility_id', 'product_id'])
    .merge();
}

async function keepPrescription(
  table: ProjectionContext['table'],
  ledger: Ledger,
  prescription: RegisteredPrescription,
): Promise<void> {
  await table('prescriptions')
    .insert({
      ...key(ledger),
      prescription_id: prescription.prescriptionId,
      service_user_id: prescription.serviceUserId,
      product_id: prescription.productId,
      prescribed_on: prescription.prescribedOn,
      prescriber_name: prescription.prescriber.name,
      prescriber_address: prescription.prescriber.address,
    })
    .onConflict(['organisation_id', 'facility_id', 'prescription_id'])
    .ignore();
}

interface ProductRow {
  name: string;
  product_class: ProductClass;
  unit: string;
}

function productRow(table: ProjectionContext['table'], ledger: Ledger, productId: string) {
  return table('products')
    .where({ ...key(ledger), product_id: productId })
    .first() as Promise<ProductRow | undefined>;
}

/** The month's stream revision, for a screen's `If-Match`, with what else the event changed of the month. */
async function touch(
  table: ProjectionContext['table'],
  ledger: Ledger,
  event: RecordedEvent,
  monthColumns: Record<string, unknown> = {},
): Promise<void> {
  await table('ledger_months')
    .where(ledger)
    .update({ ...monthColumns, revision: event.streamRevision });
}

function key(ledger: Ledger) {
  return { organisation_id: ledger.organisation_id, facility_id: ledger.facility_id };
}
