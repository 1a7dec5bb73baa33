import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type DispensedFraction, type TsoPrescription, tsoDispensation } from '../opioid-substitution/tso-rules.js';
import { PersistentMap } from '../persistent-map.js';
import { inOrdonnancier, type LedgerProduct, ledgerProductSchema } from './ledger-products.js';

/**
 * The pharmacy ledger of one ESSMS for one month (DESIGN.md, Consistency boundaries): stock
 * entries and exits of every product, the narcotics register's lines, the ordonnancier's numbers
 * and the dispensations against registered prescriptions, in one stream, so that "stock never
 * negative", "ordonnancier numbers unique and increasing" and "dispensed never exceeds prescribed"
 * are one atomic decision.
 *
 * Decisions taken here:
 * - Each month opens with the previous month's closing (products, lots and their balances, the
 *   last ordonnancier number, the prescriptions still open with what was dispensed on them): the
 *   legal monthly balance, and a stream that stays short. A closed month refuses everything.
 * - Lines are insert-only. A mistake is corrected by a counter-entry naming the line and the
 *   reason; the ordonnancier number of a countered dispensation stays used, never given again.
 * - Quantities are whole units of administration (unités de prise). Lots are served first to
 *   expire first (FEFO); an expired lot is never dispensed, only destroyed or returned.
 * - No personal data: a dispensation names the usager by id only (the ordonnancier prints the name
 *   and address, or the pseudonym, from the identity at printing time). The ledger is kept ten
 *   years whatever happens to a usager's record: forgetting a usager must never erase a register
 *   line, so its events carry no usager subject and are not encrypted with a usager's key.
 * - An inventory sets each counted lot to the count and records the gap, which needs an
 *   explanation when it is not zero.
 */
const MAX_TEXT = 1_000;
const id = z.string().min(1).max(200);
const text = z.string().min(1).max(MAX_TEXT);
const day = z.iso.date();
const units = z.int().positive().max(10_000_000);
export const ledgerMonthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois AAAA-MM');

const lotBalanceSchema = z.object({ productId: id, lot: id, expiresOn: day, units: z.int().min(0) });
/** A fraction dispensed on a prescription; `lineId` names the ledger line, for a counter-entry. */
const dispensedFractionSchema = z.object({
  dispensedOn: day,
  coversFrom: day,
  coversTo: day,
  units,
  lineId: z.uuid().optional(),
});
const tsoPrescriptionSchema = z.object({
  prescriptionId: id,
  serviceUserId: id,
  product: z.enum(['methadone-syrup', 'methadone-capsules', 'buprenorphine-hd']),
  prescribedOn: day,
  startsOn: day,
  durationDays: z.int().positive().max(366),
  dailyUnits: z.number().positive().max(10_000),
  fractionDays: z.union([z.int().positive().max(366), z.literal('single')]),
  overlapAllowed: z.boolean(),
  prescriber: z.object({
    professionalId: id,
    name: text,
    address: text,
    setting: z.enum(['csapa', 'hospital', 'other']),
  }),
  namedPharmacist: text,
});
export const registeredPrescriptionSchema = z.object({
  prescriptionId: id,
  serviceUserId: id,
  productId: id,
  /** How many units the prescription allows in all. */
  totalUnits: units,
  prescribedOn: day,
  /** The last day the prescription covers. */
  endsOn: day,
  prescriber: z.object({ professionalId: id, name: text, address: text }),
  /** The TSO terms, for methadone and BHD. */
  tso: tsoPrescriptionSchema.optional(),
});
export type RegisteredPrescription = z.infer<typeof registeredPrescriptionSchema>;
const carriedPrescriptionSchema = registeredPrescriptionSchema.extend({
  dispensed: z.array(dispensedFractionSchema),
});
export type CarriedPrescription = z.infer<typeof carriedPrescriptionSchema>;

export const ledgerMonthOpenedSchema = z.object({
  facilityId: id,
  month: ledgerMonthSchema,
  openedOn: day,
  products: z.array(ledgerProductSchema),
  lots: z.array(lotBalanceSchema),
  lastOrdonnancierNumber: z.int().min(0),
  prescriptions: z.array(carriedPrescriptionSchema),
});
export const productDefinedSchema = z.object({ product: ledgerProductSchema });
export const stockReceivedSchema = z.object({
  lineId: z.uuid(),
  productId: id,
  lot: id,
  expiresOn: day,
  units,
  receivedOn: day,
  supplier: text,
  reference: text.optional(),
});
export const prescriptionRegisteredSchema = z.object({ prescription: registeredPrescriptionSchema });
const lotUnitsSchema = z.object({ lot: id, units });
export const medicineDispensedSchema = z.object({
  lineId: z.uuid(),
  /** In the ordonnancier for narcotics, narcotic-like and listed products; none otherwise. */
  ordonnancierNumber: z.int().positive().optional(),
  prescriptionId: id,
  serviceUserId: id,
  productId: id,
  lots: z.array(lotUnitsSchema).min(1),
  units,
  presentedOn: day,
  dispensedOn: day,
  coversFrom: day.optional(),
  coversTo: day.optional(),
  /** When someone else collects: who (R.5132-35). */
  collectedBy: text.optional(),
});
export const stockLostSchema = z.object({
  lineId: z.uuid(),
  productId: id,
  lot: id,
  units,
  lostOn: day,
  cause: z.enum(['theft', 'loss']),
  /** The declaration made (police, ARS, ANSM): its references. */
  declaration: text,
});
export const stockDestroyedSchema = z.object({
  lineId: z.uuid(),
  productId: id,
  lot: id,
  units,
  destroyedOn: day,
  certificate: text,
  witness: text,
  /** For a narcotic: when the ARS was told, at least a month before. */
  arsNotifiedOn: day.optional(),
});
export const stockReturnedSchema = z.object({
  lineId: z.uuid(),
  productId: id,
  lot: id,
  units,
  returnedOn: day,
  supplier: text,
});
const inventoryLineSchema = z.object({
  productId: id,
  lot: id,
  theoretical: z.int().min(0),
  counted: z.int().min(0),
  gap: z.int(),
  explanation: text.optional(),
});
export const inventoryRecordedSchema = z.object({
  inventoryId: z.uuid(),
  countedOn: day,
  countedBy: id,
  lines: z.array(inventoryLineSchema).min(1),
});
export const lineCounteredSchema = z.object({ lineId: z.uuid(), counteredLineId: z.uuid(), reason: text, on: day });
const productTotalsSchema = z.object({
  productId: id,
  opening: z.int().min(0),
  entries: z.int().min(0),
  exits: z.int().min(0),
  closing: z.int().min(0),
});
export const ledgerMonthClosedSchema = z.object({
  closedOn: day,
  products: z.array(ledgerProductSchema),
  lots: z.array(lotBalanceSchema),
  lastOrdonnancierNumber: z.int().min(0),
  prescriptions: z.array(carriedPrescriptionSchema),
  totals: z.array(productTotalsSchema),
});

export type LedgerMonthOpened = z.infer<typeof ledgerMonthOpenedSchema>;
export type ProductDefined = z.infer<typeof productDefinedSchema>;
export type StockReceived = z.infer<typeof stockReceivedSchema>;
export type PrescriptionRegistered = z.infer<typeof prescriptionRegisteredSchema>;
export type MedicineDispensed = z.infer<typeof medicineDispensedSchema>;
export type StockLost = z.infer<typeof stockLostSchema>;
export type StockDestroyed = z.infer<typeof stockDestroyedSchema>;
export type StockReturned = z.infer<typeof stockReturnedSchema>;
export type InventoryRecorded = z.infer<typeof inventoryRecordedSchema>;
export type LineCountered = z.infer<typeof lineCounteredSchema>;
export type LedgerMonthClosed = z.infer<typeof ledgerMonthClosedSchema>;
export type LotBalance = z.infer<typeof lotBalanceSchema>;
export type ProductTotals = z.infer<typeof productTotalsSchema>;

export type PharmacyLedgerEvent =
  | { type: 'LedgerMonthOpened'; data: LedgerMonthOpened }
  | { type: 'ProductDefined'; data: ProductDefined }
  | { type: 'StockReceived'; data: StockReceived }
  | { type: 'PrescriptionRegistered'; data: PrescriptionRegistered }
  | { type: 'MedicineDispensed'; data: MedicineDispensed }
  | { type: 'StockLost'; data: StockLost }
  | { type: 'StockDestroyed'; data: StockDestroyed }
  | { type: 'StockReturned'; data: StockReturned }
  | { type: 'InventoryRecorded'; data: InventoryRecorded }
  | { type: 'LineCountered'; data: LineCountered }
  | { type: 'LedgerMonthClosed'; data: LedgerMonthClosed };

export type PharmacyLedgerEventType = PharmacyLedgerEvent['type'];

export const pharmacyLedgerEventSchemas = {
  LedgerMonthOpened: ledgerMonthOpenedSchema,
  ProductDefined: productDefinedSchema,
  StockReceived: stockReceivedSchema,
  PrescriptionRegistered: prescriptionRegisteredSchema,
  MedicineDispensed: medicineDispensedSchema,
  StockLost: stockLostSchema,
  StockDestroyed: stockDestroyedSchema,
  StockReturned: stockReturnedSchema,
  InventoryRecorded: inventoryRecordedSchema,
  LineCountered: lineCounteredSchema,
  LedgerMonthClosed: ledgerMonthClosedSchema,
} as const;

/** The closing of the previous month, or nothing for an ESSMS' first month. */
export type PreviousClosing = Pick<LedgerMonthClosed, 'products' | 'lots' | 'lastOrdonnancierNumber' | 'prescriptions'>;

export type PharmacyLedgerCommand =
  | { type: 'OpenLedgerMonth'; facilityId: string; month: string; openedOn: string; previous?: PreviousClosing }
  | { type: 'DefineProduct'; product: LedgerProduct }
  | ({ type: 'ReceiveStock' } & StockReceived)
  | { type: 'RegisterPrescription'; prescription: RegisteredPrescription }
  | {
      type: 'Dispense';
      lineId: string;
      prescriptionId: string;
      /** Whom the dispenser believes they serve: refused when the prescription is someone else's. */
      serviceUserId?: string;
      presentedOn: string;
      dispensedOn: string;
      /** For a prescription that is not a TSO: how many units. A TSO's fraction follows its rules. */
      units?: number;
      collectedBy?: string;
    }
  | ({ type: 'RecordStockLoss' } & StockLost)
  | ({ type: 'DestroyStock' } & StockDestroyed)
  | ({ type: 'ReturnStock' } & StockReturned)
  | {
      type: 'RecordInventory';
      inventoryId: string;
      countedOn: string;
      countedBy: string;
      counts: readonly { productId: string; lot: string; counted: number; explanation?: string }[];
    }
  | { type: 'CounterLine'; lineId: string; counteredLineId: string; reason: string; on: string }
  | { type: 'CloseLedgerMonth'; closedOn: string };

/** A line that moved stock, as a counter-entry needs it. */
interface StockLine {
  kind: 'receipt' | 'dispensation' | 'loss' | 'destruction' | 'return';
  productId: string;
  /** Units per lot; positive for an entry, negative for an exit. */
  lots: { lot: string; units: number }[];
  prescriptionId?: string;
  countered: boolean;
}

/**
 * What the decisions of the month need, and nothing the register or the ordonnancier print (they
 * are projections): the products, the lots' balances, the last number, the prescriptions with what
 * was dispensed on them, the month's lines as a counter-entry needs them, the totals of the closing.
 *
 * Its maps are persistent (`PersistentMap`): an event writes the keys it changes, and the state it
 * came from stays as it was, without copying maps that grow with every line of the month.
 */
export interface LedgerMonth {
  status: 'none' | 'open' | 'closed';
  facilityId: string;
  month: string;
  products: PersistentMap<string, LedgerProduct>;
  /** By `productId|lot`. */
  lots: PersistentMap<string, LotBalance>;
  lastOrdonnancierNumber: number;
  prescriptions: PersistentMap<string, CarriedPrescription>;
  lines: PersistentMap<string, StockLine>;
  /** Per product: the opening balance, and the entries and exits of the month. */
  totals: PersistentMap<string, ProductMovements>;
  /** A handful a month: copied when one is added. */
  inventoryIds: ReadonlySet<string>;
}

interface ProductMovements {
  opening: number;
  entries: number;
  exits: number;
}

/** One stream per ESSMS and month; the organisation and the ESSMS escaped. */
export function pharmacyLedgerStreamId(organisationId: string, facilityId: string, month: string): string {
  return `pharmacy-ledger/${encodeURIComponent(organisationId)}/${encodeURIComponent(facilityId)}/${month}`;
}

/** The month before `month` (`YYYY-MM`). */
export function previousLedgerMonth(month: string): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return monthNumber === 1 ? `${year - 1}-12` : `${year}-${String(monthNumber - 1).padStart(2, '0')}`;
}

const lotKey = (productId: string, lot: string) => `${productId}|${lot}`;

export const pharmacyLedgerDecider: Decider<PharmacyLedgerCommand, PharmacyLedgerEvent, LedgerMonth> = {
  initialState: () => ({
    status: 'none',
    facilityId: '',
    month: '',
    products: PersistentMap.empty(),
    lots: PersistentMap.empty(),
    lastOrdonnancierNumber: 0,
    prescriptions: PersistentMap.empty(),
    lines: PersistentMap.empty(),
    totals: PersistentMap.empty(),
    inventoryIds: new Set(),
  }),

  decide(command, ledger) {
    if (command.type === 'OpenLedgerMonth') {
      if (ledger.status !== 'none') {
        throw new DomainRuleViolation('LEDGER_MONTH_ALREADY_OPEN', `Le mois ${command.month} est déjà ouvert.`);
      }
      if (!ledgerMonthSchema.safeParse(command.month).success) {
        throw new DomainRuleViolation('INVALID_MONTH', 'Mois invalide (AAAA-MM).', { month: command.month });
      }
      requireDayIn(command.openedOn, command.month, 'openedOn');
      const previous = command.previous ?? { products: [], lots: [], lastOrdonnancierNumber: 0, prescriptions: [] };
      return {
        type: 'LedgerMonthOpened',
        data: {
          facilityId: command.facilityId,
          month: command.month,
          openedOn: command.openedOn,
          products: previous.products,
          lots: previous.lots.filter((lot) => lot.units > 0),
          lastOrdonnancierNumber: previous.lastOrdonnancierNumber,
          // a prescription ended before the month and fully settled is not carried
          prescriptions: previous.prescriptions.filter(
            (prescription) =>
              prescription.endsOn >= `${command.month}-01` && dispensedUnits(prescription) < prescription.totalUnits,
          ),
        },
      };
    }
    const open = requireOpen(ledger);
    switch (command.type) {
      case 'DefineProduct': {
        const product = ledgerProductSchema.parse(command.product);
        const known = open.products.get(product.productId);
        if (known && known.productClass !== product.productClass) {
          throw new DomainRuleViolation(
            'PRODUCT_CLASS_CHANGED',
            'La classe réglementaire d’un produit ne change pas : créez un autre produit.',
            { productId: product.productId },
          );
        }
        if (known && JSON.stringify(known) === JSON.stringify(product)) return [];
        return { type: 'ProductDefined', data: { product } };
      }
      case 'ReceiveStock': {
        const product = productOf(open, command.productId);
        requireUnits(command.units);
        requireDayIn(command.receivedOn, open.month, 'receivedOn');
        requireDay(command.expiresOn, 'expiresOn');
        const known = open.lots.get(lotKey(product.productId, command.lot));
        if (known && known.expiresOn !== command.expiresOn) {
          throw new DomainRuleViolation(
            'LOT_EXPIRY_MISMATCH',
            `Le lot ${command.lot} est déjà en stock avec la péremption ${known.expiresOn}.`,
          );
        }
        requireNewLine(open, command.lineId);
        const { type: _, ...data } = command;
        return { type: 'StockReceived', data: { ...data, supplier: requireText(command.supplier, 'le fournisseur') } };
      }
      case 'RegisterPrescription': {
        const prescription = registeredPrescriptionSchema.parse(command.prescription);
        if (open.prescriptions.has(prescription.prescriptionId)) {
          throw new DomainRuleViolation('PRESCRIPTION_ALREADY_REGISTERED', 'Cette prescription est déjà enregistrée.');
        }
        const product = productOf(open, prescription.productId);
        if (prescription.tso && prescription.tso.product !== product.tsoProduct) {
          throw new DomainRuleViolation(
            'TSO_PRODUCT_MISMATCH',
            `La prescription de TSO ne porte pas sur le produit « ${product.name} ».`,
          );
        }
        if (product.tsoProduct && !prescription.tso) {
          throw new DomainRuleViolation(
            'TSO_TERMS_REQUIRED',
            `« ${product.name} » est un traitement de substitution : la prescription doit en préciser les termes.`,
          );
        }
        return { type: 'PrescriptionRegistered', data: { prescription } };
      }
      case 'Dispense':
        return dispense(open, command);
      case 'RecordStockLoss': {
        const { type: _, ...data } = command;
        requireDayIn(command.lostOn, open.month, 'lostOn');
        takeFromLot(open, command.productId, command.lot, command.units);
        requireNewLine(open, command.lineId);
        return {
          type: 'StockLost',
          data: { ...data, declaration: requireText(command.declaration, 'la déclaration') },
        };
      }
      case 'DestroyStock': {
        const { type: _, ...data } = command;
        requireDayIn(command.destroyedOn, open.month, 'destroyedOn');
        const product = productOf(open, command.productId);
        if (product.productClass === 'narcotic') {
          if (command.arsNotifiedOn === undefined || addMonths(command.arsNotifiedOn, 1) > command.destroyedOn) {
            throw new DomainRuleViolation(
              'ARS_NOT_NOTIFIED_IN_TIME',
              'La destruction d’un stupéfiant suppose que l’ARS en ait été informée au moins un mois avant.',
            );
          }
        }
        takeFromLot(open, command.productId, command.lot, command.units);
        requireNewLine(open, command.lineId);
        return {
          type: 'StockDestroyed',
          data: {
            ...data,
            certificate: requireText(command.certificate, 'le certificat de destruction'),
            witness: requireText(command.witness, 'le témoin'),
          },
        };
      }
      case 'ReturnStock': {
        const { type: _, ...data } = command;
        requireDayIn(command.returnedOn, open.month, 'returnedOn');
        takeFromLot(open, command.productId, command.lot, command.units);
        requireNewLine(open, command.lineId);
        return { type: 'StockReturned', data: { ...data, supplier: requireText(command.supplier, 'le fournisseur') } };
      }
      case 'RecordInventory': {
        if (open.inventoryIds.has(command.inventoryId)) {
          throw new DomainRuleViolation('INVENTORY_ALREADY_RECORDED', 'Cet inventaire est déjà enregistré.');
        }
        requireDayIn(command.countedOn, open.month, 'countedOn');
        if (command.counts.length === 0) {
          throw new DomainRuleViolation('INVENTORY_EMPTY', 'Un inventaire compte au moins un lot.');
        }
        const seen = new Set<string>();
        const lines = command.counts.map((count) => {
          const key = lotKey(count.productId, count.lot);
          const lot = open.lots.get(key);
          if (!lot) {
            throw new DomainRuleViolation(
              'LOT_UNKNOWN',
              `Le lot ${count.lot} n’est pas en stock pour ce produit.`,
              count,
            );
          }
          if (seen.has(key)) {
            throw new DomainRuleViolation('LOT_COUNTED_TWICE', `Le lot ${count.lot} est compté deux fois.`);
          }
          seen.add(key);
          if (!Number.isInteger(count.counted) || count.counted < 0) {
            throw new DomainRuleViolation('INVALID_COUNT', 'Un comptage est un nombre entier positif ou nul.');
          }
          const gap = count.counted - lot.units;
          const explanation = count.explanation?.trim();
          if (gap !== 0 && !explanation) {
            throw new DomainRuleViolation(
              'INVENTORY_GAP_UNEXPLAINED',
              `Écart de ${gap} unité(s) sur le lot ${count.lot} : l’écart doit être expliqué.`,
              { productId: count.productId, lot: count.lot, gap },
            );
          }
          return {
            productId: count.productId,
            lot: count.lot,
            theoretical: lot.units,
            counted: count.counted,
            gap,
            ...(explanation ? { explanation } : {}),
          };
        });
        return {
          type: 'InventoryRecorded',
          data: { inventoryId: command.inventoryId, countedOn: command.countedOn, countedBy: command.countedBy, lines },
        };
      }
      case 'CounterLine': {
        requireDayIn(command.on, open.month, 'on');
        requireNewLine(open, command.lineId);
        const line = open.lines.get(command.counteredLineId);
        if (!line) {
          throw new DomainRuleViolation(
            'LINE_NOT_FOUND',
            'Aucune ligne de ce mois ne porte cet identifiant : une contre-passation corrige une ligne du mois ouvert.',
          );
        }
        if (line.countered) {
          throw new DomainRuleViolation('LINE_ALREADY_COUNTERED', 'Cette ligne a déjà été contre-passée.');
        }
        for (const { lot, units: moved } of line.lots) {
          // undoing an entry takes its units back out: never below zero
          const balance = open.lots.get(lotKey(line.productId, lot))?.units ?? 0;
          if (balance - moved < 0) {
            throw new DomainRuleViolation(
              'STOCK_WOULD_BE_NEGATIVE',
              `La contre-passation rendrait négatif le stock du lot ${lot}.`,
              { lot, balance },
            );
          }
        }
        return {
          type: 'LineCountered',
          data: {
            lineId: command.lineId,
            counteredLineId: command.counteredLineId,
            reason: requireText(command.reason, 'le motif de la contre-passation'),
            on: command.on,
          },
        };
      }
      case 'CloseLedgerMonth': {
        requireDayIn(command.closedOn, open.month, 'closedOn', { orAfter: true });
        return { type: 'LedgerMonthClosed', data: { closedOn: command.closedOn, ...closingOf(open) } };
      }
    }
  },

  evolve(ledger, event) {
    switch (event.type) {
      case 'LedgerMonthOpened': {
        const data = event.data;
        const lots = PersistentMap.of(data.lots.map((lot) => [lotKey(lot.productId, lot.lot), lot]));
        const totals = PersistentMap.of(
          data.products.map((product) => [
            product.productId,
            { opening: sumUnits(data.lots, product.productId), entries: 0, exits: 0 },
          ]),
        );
        return {
          ...ledger,
          status: 'open',
          facilityId: data.facilityId,
          month: data.month,
          products: PersistentMap.of(data.products.map((product) => [product.productId, product])),
          lots,
          lastOrdonnancierNumber: data.lastOrdonnancierNumber,
          prescriptions: PersistentMap.of(
            data.prescriptions.map((prescription) => [prescription.prescriptionId, prescription]),
          ),
          totals,
        };
      }
      case 'ProductDefined': {
        const { product } = event.data;
        const totals = ledger.totals.has(product.productId)
          ? ledger.totals
          : ledger.totals.with(product.productId, { opening: 0, entries: 0, exits: 0 });
        return { ...ledger, products: ledger.products.with(product.productId, product), totals };
      }
      case 'StockReceived': {
        const data = event.data;
        return moved(ledger, data.lineId, {
          kind: 'receipt',
          productId: data.productId,
          lots: [{ lot: data.lot, units: data.units }],
          expiresOn: data.expiresOn,
        });
      }
      case 'PrescriptionRegistered':
        return {
          ...ledger,
          prescriptions: ledger.prescriptions.with(event.data.prescription.prescriptionId, {
            ...event.data.prescription,
            dispensed: [],
          }),
        };
      case 'MedicineDispensed': {
        const data = event.data;
        const prescription = ledger.prescriptions.get(data.prescriptionId);
        // the prescription's own fractions are copied: as many as it was dispensed, not the month's lines
        const prescriptions = prescription
          ? ledger.prescriptions.with(data.prescriptionId, {
              ...prescription,
              dispensed: [
                ...prescription.dispensed,
                {
                  dispensedOn: data.dispensedOn,
                  coversFrom: data.coversFrom ?? data.dispensedOn,
                  coversTo: data.coversTo ?? data.dispensedOn,
                  units: data.units,
                  lineId: data.lineId,
                },
              ],
            })
          : ledger.prescriptions;
        return {
          ...moved({ ...ledger, prescriptions }, data.lineId, {
            kind: 'dispensation',
            productId: data.productId,
            lots: data.lots.map(({ lot, units: taken }) => ({ lot, units: -taken })),
            prescriptionId: data.prescriptionId,
          }),
          lastOrdonnancierNumber: data.ordonnancierNumber ?? ledger.lastOrdonnancierNumber,
        };
      }
      case 'StockLost':
      case 'StockDestroyed':
      case 'StockReturned': {
        const data = event.data;
        const kind = event.type === 'StockLost' ? 'loss' : event.type === 'StockDestroyed' ? 'destruction' : 'return';
        return moved(ledger, data.lineId, {
          kind,
          productId: data.productId,
          lots: [{ lot: data.lot, units: -data.units }],
        });
      }
      case 'InventoryRecorded': {
        let next: LedgerMonth = { ...ledger, inventoryIds: new Set(ledger.inventoryIds).add(event.data.inventoryId) };
        for (const line of event.data.lines) {
          if (line.gap === 0) continue;
          next = adjusted(next, line.productId, line.lot, line.gap);
        }
        return next;
      }
      case 'LineCountered': {
        const line = ledger.lines.get(event.data.counteredLineId);
        if (!line) return ledger;
        let next: LedgerMonth = {
          ...ledger,
          lines: ledger.lines.with(event.data.counteredLineId, { ...line, countered: true }),
        };
        for (const { lot, units: movedUnits } of line.lots) next = adjusted(next, line.productId, lot, -movedUnits);
        if (line.kind === 'dispensation' && line.prescriptionId !== undefined) {
          const prescription = next.prescriptions.get(line.prescriptionId);
          if (prescription) {
            // the fraction no longer counts against the prescription; its number stays used
            const dispensed = prescription.dispensed.filter(
              (fraction) => fraction.lineId !== event.data.counteredLineId,
            );
            next = {
              ...next,
              prescriptions: next.prescriptions.with(line.prescriptionId, { ...prescription, dispensed }),
            };
          }
        }
        return next;
      }
      case 'LedgerMonthClosed':
        return { ...ledger, status: 'closed' };
    }
  },
};

/** What a month hands to the next: products, lots and balances, the last number, open prescriptions, totals. */
export function closingOf(ledger: LedgerMonth): Omit<LedgerMonthClosed, 'closedOn'> {
  const lots = [...ledger.lots.values()].sort((one, other) =>
    lotKey(one.productId, one.lot) < lotKey(other.productId, other.lot) ? -1 : 1,
  );
  return {
    products: [...ledger.products.values()],
    lots,
    lastOrdonnancierNumber: ledger.lastOrdonnancierNumber,
    prescriptions: [...ledger.prescriptions.values()],
    totals: [...ledger.products.keys()].map((productId) => {
      const totals = ledger.totals.get(productId) ?? { opening: 0, entries: 0, exits: 0 };
      return { productId, ...totals, closing: sumUnits(lots, productId) };
    }),
  };
}

/** Units in stock of a product, every lot. */
export function stockOf(ledger: Pick<LedgerMonth, 'lots'>, productId: string): number {
  return sumUnits([...ledger.lots.values()], productId);
}

function dispense(
  ledger: LedgerMonth,
  command: Extract<PharmacyLedgerCommand, { type: 'Dispense' }>,
): PharmacyLedgerEvent {
  requireDayIn(command.dispensedOn, ledger.month, 'dispensedOn');
  requireDay(command.presentedOn, 'presentedOn');
  if (command.presentedOn > command.dispensedOn) {
    throw new DomainRuleViolation('PRESENTED_AFTER_DISPENSING', 'La présentation ne peut pas suivre la délivrance.');
  }
  requireNewLine(ledger, command.lineId);
  const prescription = ledger.prescriptions.get(command.prescriptionId);
  if (!prescription) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_NOT_REGISTERED',
      'Cette prescription n’est pas enregistrée à la pharmacie de l’établissement ce mois-ci.',
    );
  }
  if (command.serviceUserId !== undefined && command.serviceUserId !== prescription.serviceUserId) {
    throw new DomainRuleViolation(
      'PRESCRIPTION_OF_ANOTHER_USAGER',
      'Cette prescription est celle d’un autre usager : vérifiez l’identité de la personne.',
    );
  }
  const product = productOf(ledger, prescription.productId);
  let fraction: DispensedFraction;
  if (prescription.tso) {
    fraction = tsoDispensation(prescription.tso as TsoPrescription, prescription.dispensed, command.presentedOn);
  } else {
    if (command.units === undefined) {
      throw new DomainRuleViolation('UNITS_REQUIRED', 'Indiquez le nombre d’unités délivrées.');
    }
    requireUnits(command.units);
    if (command.dispensedOn > prescription.endsOn) {
      throw new DomainRuleViolation('PRESCRIPTION_ENDED', 'La prescription est échue.');
    }
    fraction = {
      dispensedOn: command.dispensedOn,
      coversFrom: command.dispensedOn,
      coversTo: command.dispensedOn,
      units: command.units,
    };
  }
  if (!Number.isInteger(fraction.units) || fraction.units <= 0) {
    throw new DomainRuleViolation(
      'UNITS_NOT_WHOLE',
      'La quantité à délivrer n’est pas un nombre entier d’unités de prise : vérifiez la posologie.',
      { units: fraction.units },
    );
  }
  const already = dispensedUnits(prescription);
  if (already + fraction.units > prescription.totalUnits) {
    throw new DomainRuleViolation(
      'DISPENSED_EXCEEDS_PRESCRIBED',
      `La délivrance dépasserait la quantité prescrite (${already} délivrées sur ${prescription.totalUnits}).`,
      { dispensed: already, prescribed: prescription.totalUnits, requested: fraction.units },
    );
  }
  const lots = takeFefo(ledger, product, fraction.units, command.dispensedOn);
  return {
    type: 'MedicineDispensed',
    data: {
      lineId: command.lineId,
      ...(inOrdonnancier(product) ? { ordonnancierNumber: ledger.lastOrdonnancierNumber + 1 } : {}),
      prescriptionId: prescription.prescriptionId,
      serviceUserId: prescription.serviceUserId,
      productId: product.productId,
      lots,
      units: fraction.units,
      presentedOn: command.presentedOn,
      dispensedOn: command.dispensedOn,
      ...(prescription.tso ? { coversFrom: fraction.coversFrom, coversTo: fraction.coversTo } : {}),
      ...(command.collectedBy?.trim() ? { collectedBy: command.collectedBy.trim() } : {}),
    },
  };
}

/** The units to take from each lot, first to expire first, never an expired one; refused when short. */
function takeFefo(ledger: LedgerMonth, product: LedgerProduct, wanted: number, on: string) {
  const usable = [...ledger.lots.values()]
    .filter((lot) => lot.productId === product.productId && lot.units > 0 && lot.expiresOn >= on)
    .sort((one, other) =>
      one.expiresOn === other.expiresOn ? (one.lot < other.lot ? -1 : 1) : one.expiresOn < other.expiresOn ? -1 : 1,
    );
  const available = usable.reduce((sum, lot) => sum + lot.units, 0);
  if (available < wanted) {
    throw new DomainRuleViolation(
      'STOCK_INSUFFICIENT',
      `Stock insuffisant de « ${product.name} » : ${available} unité(s) utilisable(s) pour ${wanted} à délivrer.`,
      { productId: product.productId, available, wanted },
    );
  }
  const taken: { lot: string; units: number }[] = [];
  let left = wanted;
  for (const lot of usable) {
    if (left === 0) break;
    const part = Math.min(lot.units, left);
    taken.push({ lot: lot.lot, units: part });
    left -= part;
  }
  return taken;
}

/** An exit from a named lot (loss, destruction, return): expired lots too, never below zero. */
function takeFromLot(ledger: LedgerMonth, productId: string, lot: string, wanted: number): void {
  productOf(ledger, productId);
  requireUnits(wanted);
  const balance = ledger.lots.get(lotKey(productId, lot));
  if (!balance) {
    throw new DomainRuleViolation('LOT_UNKNOWN', `Le lot ${lot} n’est pas en stock pour ce produit.`, {
      productId,
      lot,
    });
  }
  if (balance.units < wanted) {
    throw new DomainRuleViolation(
      'STOCK_INSUFFICIENT',
      `Le lot ${lot} ne compte que ${balance.units} unité(s) : une sortie de ${wanted} le rendrait négatif.`,
      { productId, lot, balance: balance.units, wanted },
    );
  }
}

/** The ledger after a stock line: lots moved, totals counted, the line kept for a counter-entry. */
function moved(
  ledger: LedgerMonth,
  lineId: string,
  line: Omit<StockLine, 'countered'> & { expiresOn?: string },
): LedgerMonth {
  let next: LedgerMonth = ledger;
  for (const { lot, units: change } of line.lots) next = adjusted(next, line.productId, lot, change, line.expiresOn);
  const { expiresOn: _, ...kept } = line;
  return { ...next, lines: next.lines.with(lineId, { ...kept, countered: false }) };
}

/** One lot's balance changed by `change`, counted in the product's entries (> 0) or exits (< 0). */
function adjusted(
  ledger: LedgerMonth,
  productId: string,
  lot: string,
  change: number,
  expiresOn?: string,
): LedgerMonth {
  const key = lotKey(productId, lot);
  const current = ledger.lots.get(key) ?? { productId, lot, expiresOn: expiresOn ?? '', units: 0 };
  const lots = ledger.lots.with(key, { ...current, units: current.units + change });
  const productTotals = ledger.totals.get(productId) ?? { opening: 0, entries: 0, exits: 0 };
  const totals = ledger.totals.with(
    productId,
    change > 0
      ? { ...productTotals, entries: productTotals.entries + change }
      : { ...productTotals, exits: productTotals.exits - change },
  );
  return { ...ledger, lots, totals };
}

function dispensedUnits(prescription: CarriedPrescription): number {
  return prescription.dispensed.reduce((sum, fraction) => sum + fraction.units, 0);
}

function sumUnits(lots: readonly LotBalance[], productId: string): number {
  return lots.filter((lot) => lot.productId === productId).reduce((sum, lot) => sum + lot.units, 0);
}

function requireOpen(ledger: LedgerMonth): LedgerMonth {
  if (ledger.status === 'none') {
    throw new DomainRuleViolation('LEDGER_MONTH_NOT_OPEN', 'Le registre de ce mois n’est pas ouvert.');
  }
  if (ledger.status === 'closed') {
    throw new DomainRuleViolation(
      'LEDGER_MONTH_CLOSED',
      `Le mois ${ledger.month} est clos : plus aucune ligne ne peut y être portée.`,
    );
  }
  return ledger;
}

function productOf(ledger: LedgerMonth, productId: string): LedgerProduct {
  const product = ledger.products.get(productId);
  if (!product) {
    throw new DomainRuleViolation('PRODUCT_UNKNOWN', `Produit inconnu de la pharmacie : ${productId}.`, { productId });
  }
  return product;
}

function requireNewLine(ledger: LedgerMonth, lineId: string): void {
  if (ledger.lines.has(lineId)) {
    throw new DomainRuleViolation('LINE_ALREADY_RECORDED', 'Une ligne porte déjà cet identifiant.', { lineId });
  }
}

function requireUnits(value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new DomainRuleViolation('INVALID_UNITS', 'Une quantité est un nombre entier d’unités de prise, positif.', {
      units: value,
    });
  }
}

function requireDay(value: string, field: string): void {
  if (!day.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}

/** A day of the ledger's month (or, for a closing, that month or later). */
function requireDayIn(value: string, month: string, field: string, options: { orAfter?: boolean } = {}): void {
  requireDay(value, field);
  const inMonth = value.startsWith(`${month}-`);
  if (!inMonth && !(options.orAfter && value > month)) {
    throw new DomainRuleViolation(
      'DAY_OUTSIDE_MONTH',
      `Le ${value} n’est pas dans le mois ${month} du registre : une opération se porte dans le mois où elle a lieu.`,
      { field, value, month },
    );
  }
}

function requireText(value: string, what: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation('TEXT_REQUIRED', `Indiquez ${what}.`);
  if (trimmed.length > MAX_TEXT) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${MAX_TEXT} caractères.`, { maxLength: MAX_TEXT });
  }
  return trimmed;
}

/** The same day `months` months later, clamped to the end of the month. */
function addMonths(date: string, months: number): string {
  const [year, month, dayOfMonth] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(dayOfMonth, lastDay));
  return target.toISOString().slice(0, 10);
}
