import type { ProductClass } from '@dui-pds/domain';
import type { Knex } from 'knex';
import type { StockLineKind } from './pharmacy-projection.js';

/** A line of the narcotics register: an entry or an exit (or a count), with the balance after it. */
export interface RegisterLine {
  /** The ledger line (what a counter-entry names); none for a brought-forward balance or a count. */
  lineId: string | null;
  month: string;
  /** The day of the operation. */
  day: string;
  /** When it was recorded: the line's place in the register. */
  recordedAt: string;
  kind: StockLineKind;
  entry: number;
  exit: number;
  /** The product's balance after this line, every lot. */
  balanceAfter: number;
  lots: { lot: string; units: number; expiresOn?: string }[];
  /** For a dispensation: its number in the ordonnancier. */
  ordonnancierNumber: number | null;
  /** The supplier (receipt, return), the witness (destruction), who counted (inventory). */
  party: string | null;
  /** The delivery reference, the destruction certificate, the theft or loss declaration. */
  document: string | null;
  arsNotifiedOn: string | null;
  /** The inventory gap's explanation, or the counter-entry's reason. */
  explanation: string | null;
  theoretical: number | null;
  counted: number | null;
  inventoryId: string | null;
  /** For a counter-entry: the line it counters. */
  counteredLineId: string | null;
  /** For a countered line: the counter-entry that corrected it. */
  counteredByLineId: string | null;
}

/** One narcotic's page of the register over a period. */
export interface RegisterProduct {
  productId: string;
  name: string;
  unit: string;
  /** The balance before the period's first line. */
  opening: number;
  entries: number;
  exits: number;
  /** The balance after the period's last line. */
  closing: number;
  lines: RegisterLine[];
}

interface LineRow {
  product_id: string;
  line_id: string | null;
  month: string;
  day: string;
  recorded_at: string;
  kind: StockLineKind;
  entry: number;
  exit: number;
  balance_after: number;
  lots: RegisterLine['lots'] | string;
  ordonnancier_number: number | null;
  party: string | null;
  document: string | null;
  ars_notified_on: string | null;
  explanation: string | null;
  theoretical: number | null;
  counted: number | null;
  inventory_id: string | null;
  countered_line_id: string | null;
  countered_by_line_id: string | null;
}

/**
 * The narcotics register of an ESSMS from `from` to `to` (days, included): for each `narcotic`
 * product (or the one asked for), by name, every line whose day is in the period, in the order
 * recorded, with the balance after each line. A line entered on a later day than its operation
 * stays where it was recorded: the register is read in the order it was written.
 *
 * A narcotic with no line in the period still has its page, with its balance then, as long as it
 * had a line before; one the ESSMS never held is left out.
 */
export async function narcoticsRegister(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; from: string; to: string; productId?: string },
): Promise<RegisterProduct[]> {
  const owner = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const products = (await db(`${readSchema}.products`)
    .where({ ...owner, product_class: 'narcotic' satisfies ProductClass })
    .modify((query) => {
      if (where.productId !== undefined) query.andWhere({ product_id: where.productId });
    })
    .orderBy(['name', 'product_id'])
    .select('product_id', 'name', 'unit')) as { product_id: string; name: string; unit: string }[];
  const rows = (await db(`${readSchema}.stock_lines`)
    .where({ ...owner, in_register: true })
    .andWhere('day', '>=', where.from)
    .andWhere('day', '<=', where.to)
    .modify((query) => {
      if (where.productId !== undefined) query.andWhere({ product_id: where.productId });
    })
    .orderBy(['position', 'item'])
    .select('*')) as LineRow[];
  const pages: RegisterProduct[] = [];
  for (const product of products) {
    const lines = rows.filter((row) => row.product_id === product.product_id).map(registerLineOf);
    const first = lines[0];
    const last = lines.at(-1);
    let opening: number;
    let closing: number;
    if (first && last) {
      opening = first.balanceAfter - first.entry + first.exit;
      closing = last.balanceAfter;
    } else {
      const before = (await db(`${readSchema}.stock_lines`)
        .where({ ...owner, product_id: product.product_id })
        .andWhere('day', '<', where.from)
        .orderBy([
          { column: 'position', order: 'desc' },
          { column: 'item', order: 'desc' },
        ])
        .first('balance_after')) as { balance_after: number } | undefined;
      if (!before) continue;
      opening = Number(before.balance_after);
      closing = opening;
    }
    pages.push({
      productId: product.product_id,
      name: product.name,
      unit: product.unit,
      opening,
      entries: lines.reduce((sum, line) => sum + line.entry, 0),
      exits: lines.reduce((sum, line) => sum + line.exit, 0),
      closing,
      lines,
    });
  }
  return pages;
}

function registerLineOf(row: LineRow): RegisterLine {
  const nullableNumber = (value: number | null) => (value === null ? null : Number(value));
  return {
    lineId: row.line_id,
    month: row.month,
    day: row.day,
    recordedAt: row.recorded_at,
    kind: row.kind,
    entry: Number(row.entry),
    exit: Number(row.exit),
    balanceAfter: Number(row.balance_after),
    lots: typeof row.lots === 'string' ? (JSON.parse(row.lots) as RegisterLine['lots']) : row.lots,
    ordonnancierNumber: nullableNumber(row.ordonnancier_number),
    party: row.party,
    document: row.document,
    arsNotifiedOn: row.ars_notified_on,
    explanation: row.explanation,
    theoretical: nullableNumber(row.theoretical),
    counted: nullableNumber(row.counted),
    inventoryId: row.inventory_id,
    counteredLineId: row.countered_line_id,
    counteredByLineId: row.countered_by_line_id,
  };
}

/** The orders the ordonnancier is printed in (R.5132-10: by patient, product and date). */
export const DISPENSING_LOG_SORTS = ['number', 'patient', 'product', 'date'] as const;
export type DispensingLogSort = (typeof DISPENSING_LOG_SORTS)[number];

/** An entry of the ordonnancier: one numbered dispensation. */
export interface DispensingLogEntry {
  ordonnancierNumber: number;
  month: string;
  lineId: string;
  /** The day dispensed. */
  day: string;
  presentedOn: string;
  recordedAt: string;
  productId: string;
  /** The product as named when dispensed. */
  productName: string;
  productClass: ProductClass;
  unit: string;
  units: number;
  prescriptionId: string;
  prescribedOn: string | null;
  /** The usager, by id: the printed ordonnancier resolves the name, or the pseudonym. */
  serviceUserId: string;
  prescriberName: string | null;
  prescriberAddress: string | null;
  /** Who collected, when not the usager (R.5132-35). */
  collectedBy: string | null;
  coversFrom: string | null;
  coversTo: string | null;
  /** Set when a counter-entry corrected it: the number stays used. */
  counteredOn: string | null;
  counterReason: string | null;
}

interface EntryRow {
  ordonnancier_number: number;
  month: string;
  line_id: string;
  day: string;
  presented_on: string;
  recorded_at: string;
  product_id: string;
  product_name: string;
  product_class: ProductClass;
  unit: string;
  units: number;
  prescription_id: string;
  prescribed_on: string | null;
  service_user_id: string;
  prescriber_name: string | null;
  prescriber_address: string | null;
  collected_by: string | null;
  covers_from: string | null;
  covers_to: string | null;
  countered_on: string | null;
  counter_reason: string | null;
}

const SORTS: Readonly<Record<DispensingLogSort, readonly string[]>> = {
  number: ['ordonnancier_number'],
  // by id here: the printed ordonnancier sorts again by the names it resolves
  patient: ['service_user_id', 'ordonnancier_number'],
  product: ['product_name', 'product_id', 'ordonnancier_number'],
  date: ['day', 'ordonnancier_number'],
};

/** The ordonnancier of an ESSMS from `from` to `to` (days dispensed, included), by number unless asked. */
export async function dispensingLog(
  db: Knex,
  readSchema: string,
  where: {
    organisationId: string;
    facilityId: string;
    from: string;
    to: string;
    sort?: DispensingLogSort;
    productId?: string;
    serviceUserId?: string;
  },
): Promise<DispensingLogEntry[]> {
  const rows = (await db(`${readSchema}.dispensing_log`)
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
    .andWhere('day', '>=', where.from)
    .andWhere('day', '<=', where.to)
    .modify((query) => {
      if (where.productId !== undefined) query.andWhere({ product_id: where.productId });
      if (where.serviceUserId !== undefined) query.andWhere({ service_user_id: where.serviceUserId });
    })
    .orderBy([...SORTS[where.sort ?? 'number']])
    .select('*')) as EntryRow[];
  return rows.map((row) => ({
    ordonnancierNumber: Number(row.ordonnancier_number),
    month: row.month,
    lineId: row.line_id,
    day: row.day,
    presentedOn: row.presented_on,
    recordedAt: row.recorded_at,
    productId: row.product_id,
    productName: row.product_name,
    productClass: row.product_class,
    unit: row.unit,
    units: Number(row.units),
    prescriptionId: row.prescription_id,
    prescribedOn: row.prescribed_on,
    serviceUserId: row.service_user_id,
    prescriberName: row.prescriber_name,
    prescriberAddress: row.prescriber_address,
    collectedBy: row.collected_by,
    coversFrom: row.covers_from,
    coversTo: row.covers_to,
    counteredOn: row.countered_on,
    counterReason: row.counter_reason,
  }));
}

/**
 * The ordonnancier sorted by patient once their names are known: by name, then number. The
 * entries of one usager stay together whatever their names' collation.
 */
export function sortedByPatient<Entry extends Pick<DispensingLogEntry, 'ordonnancierNumber' | 'serviceUserId'>>(
  entries: readonly Entry[],
  nameOf: (serviceUserId: string) => string,
): Entry[] {
  const collator = new Intl.Collator('fr', { sensitivity: 'base' });
  return [...entries].sort(
    (one, other) =>
      collator.compare(nameOf(one.serviceUserId), nameOf(other.serviceUserId)) ||
      (one.serviceUserId < other.serviceUserId ? -1 : one.serviceUserId > other.serviceUserId ? 1 : 0) ||
      one.ordonnancierNumber - other.ordonnancierNumber,
  );
}
