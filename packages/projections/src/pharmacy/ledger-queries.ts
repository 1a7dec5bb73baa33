import { addCalendarDays, type ProductClass } from '@dui-pds/domain';
import type { Knex } from 'knex';

export type LedgerMonthStatus = 'open' | 'closed';

/**
 * The latest ledger month of an ESSMS, or the latest strictly before `before` (`YYYY-MM`) when
 * given; undefined when it has none.
 */
export async function latestLedgerMonth(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; before?: string },
): Promise<{ month: string; status: LedgerMonthStatus } | undefined> {
  const row = (await db(`${readSchema}.ledger_months`)
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
    .modify((query) => {
      if (where.before !== undefined) query.andWhere('month', '<', where.before);
    })
    .orderBy('month', 'desc')
    .first('month', 'status')) as { month: string; status: LedgerMonthStatus } | undefined;
  return row && { month: row.month, status: row.status };
}

export interface StockLot {
  lot: string;
  expiresOn: string;
  units: number;
}

export interface StockProduct {
  productId: string;
  name: string;
  productClass: ProductClass;
  unit: string;
  tsoProduct: string | null;
  lowStockThreshold: number | null;
  /** Every lot, expired ones included. */
  units: number;
  /** The lots holding units, first to expire first. */
  lots: StockLot[];
}

export interface PharmacyStock {
  /** The ledger month the stock is read from: the ESSMS' latest. */
  month: string;
  status: LedgerMonthStatus;
  products: StockProduct[];
}

interface ProductRow {
  product_id: string;
  name: string;
  product_class: ProductClass;
  unit: string;
  tso_product: string | null;
  low_stock_threshold: number | null;
}

/** The stock of an ESSMS, per product (by name) and lot, as its latest ledger month holds it. */
export async function pharmacyStock(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string },
): Promise<PharmacyStock | undefined> {
  const latest = await latestLedgerMonth(db, readSchema, where);
  if (!latest) return undefined;
  const owner = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const products = (await db(`${readSchema}.products`)
    .where(owner)
    .orderBy(['name', 'product_id'])
    .select('*')) as ProductRow[];
  const lots = (await db(`${readSchema}.lots`)
    .where({ ...owner, month: latest.month })
    .andWhere('units', '>', 0)
    .orderBy(['expires_on', 'lot'])
    .select('product_id', 'lot', 'expires_on', 'units')) as {
    product_id: string;
    lot: string;
    expires_on: string;
    units: number;
  }[];
  return {
    ...latest,
    products: products.map((product) => {
      const own = lots
        .filter((lot) => lot.product_id === product.product_id)
        .map((lot) => ({ lot: lot.lot, expiresOn: lot.expires_on, units: Number(lot.units) }));
      return {
        productId: product.product_id,
        name: product.name,
        productClass: product.product_class,
        unit: product.unit,
        tsoProduct: product.tso_product,
        lowStockThreshold: product.low_stock_threshold === null ? null : Number(product.low_stock_threshold),
        units: own.reduce((sum, lot) => sum + lot.units, 0),
        lots: own,
      };
    }),
  };
}

/** Lots expiring within this many days are announced. */
export const EXPIRY_WARNING_DAYS = 60;

export interface PharmacyAlert {
  /** `expired`: a lot past its expiry, to destroy or return; `expiring`: within the warning; `low-stock`. */
  kind: 'expired' | 'expiring' | 'low-stock';
  productId: string;
  productName: string;
  unit: string;
  lot: string | null;
  expiresOn: string | null;
  /** The lot's units, or for low stock the product's usable units (lots not expired). */
  units: number;
  lowStockThreshold: number | null;
}

/**
 * What the pharmacy of an ESSMS must see on `today`: lots expired (expiry before today) or
 * expiring within `withinDays` (60 by default), soonest first, then products whose usable stock
 * (lots not expired) is under their low-stock threshold, by name.
 */
export async function pharmacyAlerts(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; today: string; withinDays?: number },
): Promise<PharmacyAlert[]> {
  const stock = await pharmacyStock(db, readSchema, where);
  if (!stock) return [];
  const horizon = addCalendarDays(where.today, where.withinDays ?? EXPIRY_WARNING_DAYS);
  const lotAlerts: PharmacyAlert[] = [];
  const lowStock: PharmacyAlert[] = [];
  for (const product of stock.products) {
    const about = {
      productId: product.productId,
      productName: product.name,
      unit: product.unit,
      lowStockThreshold: product.lowStockThreshold,
    };
    for (const lot of product.lots) {
      // a lot may still be dispensed on its expiry day (the ledger's rule)
      if (lot.expiresOn < where.today) {
        lotAlerts.push({ kind: 'expired', ...about, lot: lot.lot, expiresOn: lot.expiresOn, units: lot.units });
      } else if (lot.expiresOn <= horizon) {
        lotAlerts.push({ kind: 'expiring', ...about, lot: lot.lot, expiresOn: lot.expiresOn, units: lot.units });
      }
    }
    const usable = product.lots.filter((lot) => lot.expiresOn >= where.today).reduce((sum, lot) => sum + lot.units, 0);
    if (product.lowStockThreshold !== null && usable < product.lowStockThreshold) {
      lowStock.push({ kind: 'low-stock', ...about, lot: null, expiresOn: null, units: usable });
    }
  }
  const rank = { expired: 0, expiring: 1, 'low-stock': 2 } as const;
  lotAlerts.sort(
    (one, other) =>
      rank[one.kind] - rank[other.kind] ||
      (one.expiresOn ?? '').localeCompare(other.expiresOn ?? '') ||
      (one.lot ?? '').localeCompare(other.lot ?? ''),
  );
  return [...lotAlerts, ...lowStock];
}

export interface MonthlyBalanceLine {
  productId: string;
  name: string;
  productClass: ProductClass;
  unit: string;
  opening: number;
  entries: number;
  exits: number;
  closing: number;
}

export interface MonthlyBalance {
  month: string;
  status: LedgerMonthStatus;
  openedOn: string;
  closedOn: string | null;
  /** Per product, by name: while the month is open, as it stands; once closed, the ledger's closing totals. */
  products: MonthlyBalanceLine[];
}

/** The monthly balance of entries and exits of an ESSMS (R.5132-36), or undefined for a month it did not keep. */
export async function monthlyBalance(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; month: string },
): Promise<MonthlyBalance | undefined> {
  const owner = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const month = (await db(`${readSchema}.ledger_months`)
    .where({ ...owner, month: where.month })
    .first('status', 'opened_on', 'closed_on')) as
    | { status: LedgerMonthStatus; opened_on: string; closed_on: string | null }
    | undefined;
  if (!month) return undefined;
  const rows = (await db(`${readSchema}.month_products as totals`)
    .join(`${readSchema}.products as product`, function () {
      this.on('product.organisation_id', 'totals.organisation_id')
        .andOn('product.facility_id', 'totals.facility_id')
        .andOn('product.product_id', 'totals.product_id');
    })
    .where({ 'totals.organisation_id': where.organisationId, 'totals.facility_id': where.facilityId })
    .andWhere('totals.month', where.month)
    .orderBy(['product.name', 'totals.product_id'])
    .select(
      'totals.product_id',
      'product.name',
      'product.product_class',
      'product.unit',
      'totals.opening',
      'totals.entries',
      'totals.exits',
      'totals.closing',
    )) as (ProductRow & { opening: number; entries: number; exits: number; closing: number })[];
  return {
    month: where.month,
    status: month.status,
    openedOn: month.opened_on,
    closedOn: month.closed_on,
    products: rows.map((row) => ({
      productId: row.product_id,
      name: row.name,
      productClass: row.product_class,
      unit: row.unit,
      opening: Number(row.opening),
      entries: Number(row.entries),
      exits: Number(row.exits),
      closing: Number(row.closing),
    })),
  };
}

/** One narcotic's line of the annual statement: the year's movements by kind. */
export interface AnnualNarcoticStatementLine {
  productId: string;
  name: string;
  unit: string;
  /** The balance before the year's first line. */
  opening: number;
  received: number;
  dispensed: number;
  destroyed: number;
  stolen: number;
  lost: number;
  returned: number;
  /** The inventories' gaps, net (a surplus counts positive). */
  inventoryGap: number;
  /** Counter-entries, net (an undone exit counts positive, an undone entry negative). */
  counterEntries: number;
  entries: number;
  exits: number;
  /** The balance after the year's last line: opening + entries − exits. */
  closing: number;
  /** The year's counts of this product, lot by lot, with their gaps and explanations. */
  inventories: {
    day: string;
    lot: string;
    theoretical: number;
    counted: number;
    gap: number;
    explanation: string | null;
  }[];
}

export interface AnnualNarcoticsStatement {
  year: number;
  /** The months the ESSMS kept that year, with their status: a statement with an open month is provisional. */
  months: { month: string; status: LedgerMonthStatus }[];
  products: AnnualNarcoticStatementLine[];
}

interface AnnualRow {
  product_id: string;
  kind: string;
  entry: number;
  exit: number;
  balance_after: number;
  day: string;
  lots: { lot: string; units: number }[] | string;
  theoretical: number | null;
  counted: number | null;
  explanation: string | null;
}

/**
 * The annual statement of entries and exits of narcotics for the ARS (D.3411-9 CSP): for each
 * `narcotic` product the ESSMS held during the calendar year, by name, its opening and closing
 * balances and the year's movements by kind, with the inventories' gaps.
 */
export async function annualNarcoticsStatement(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; year: number },
): Promise<AnnualNarcoticsStatement> {
  const owner = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const yearMonths = (query: Knex.QueryBuilder) =>
    query.andWhere('month', '>=', `${where.year}-01`).andWhere('month', '<=', `${where.year}-12`);
  const months = (await db(`${readSchema}.ledger_months`)
    .where(owner)
    .modify(yearMonths)
    .orderBy('month')
    .select('month', 'status')) as { month: string; status: LedgerMonthStatus }[];
  const rows = (await db(`${readSchema}.stock_lines`)
    .where({ ...owner, in_register: true })
    .modify(yearMonths)
    .orderBy(['position', 'item'])
    .select(
      'product_id',
      'kind',
      'entry',
      'exit',
      'balance_after',
      'day',
      'lots',
      'theoretical',
      'counted',
      'explanation',
    )) as AnnualRow[];
  const products = (await db(`${readSchema}.products`)
    .where({ ...owner, product_class: 'narcotic' satisfies ProductClass })
    .orderBy(['name', 'product_id'])
    .select('product_id', 'name', 'unit')) as { product_id: string; name: string; unit: string }[];
  const statement: AnnualNarcoticStatementLine[] = [];
  for (const product of products) {
    const own = rows.filter((row) => row.product_id === product.product_id);
    const first = own[0];
    const last = own.at(-1);
    if (!first || !last) continue;
    const sum = (kinds: readonly string[], side: 'entry' | 'exit') =>
      own.filter((row) => kinds.includes(row.kind)).reduce((total, row) => total + Number(row[side]), 0);
    const net = (kind: string) => sum([kind], 'entry') - sum([kind], 'exit');
    statement.push({
      productId: product.product_id,
      name: product.name,
      unit: product.unit,
      opening: Number(first.balance_after) - Number(first.entry) + Number(first.exit),
      received: sum(['receipt'], 'entry'),
      dispensed: sum(['dispensation'], 'exit'),
      destroyed: sum(['destruction'], 'exit'),
      stolen: sum(['theft'], 'exit'),
      lost: sum(['loss'], 'exit'),
      returned: sum(['return'], 'exit'),
      inventoryGap: net('inventory'),
      counterEntries: net('counter-entry'),
      entries: own.reduce((total, row) => total + Number(row.entry), 0),
      exits: own.reduce((total, row) => total + Number(row.exit), 0),
      closing: Number(last.balance_after),
      inventories: own
        .filter((row) => row.kind === 'inventory')
        .map((row) => {
          const lots = typeof row.lots === 'string' ? (JSON.parse(row.lots) as { lot: string }[]) : row.lots;
          const theoretical = Number(row.theoretical);
          const counted = Number(row.counted);
          return {
            day: row.day,
            lot: lots[0]?.lot ?? '',
            theoretical,
            counted,
            gap: counted - theoretical,
            explanation: row.explanation,
          };
        }),
    });
  }
  return { year: where.year, months, products: statement };
}
