import { productClassSchema } from '@dui-pds/domain';
import { DISPENSING_LOG_SORTS } from '@dui-pds/projections';
import { z } from 'zod';

/** What the pharmacy's read routes answer, for the API reference (the queries' types, as schemas). */
const text = z.string();
const nullableText = z.string().nullable();
const nullableInt = z.int().nullable();
const lineKind = z.enum([
  'opening',
  'receipt',
  'dispensation',
  'loss',
  'theft',
  'destruction',
  'return',
  'inventory',
  'counter-entry',
]);
const monthStatus = z.enum(['open', 'closed']);

const registerLine = z.object({
  lineId: nullableText,
  month: text,
  day: text,
  recordedAt: text,
  kind: lineKind,
  entry: z.int(),
  exit: z.int(),
  balanceAfter: z.int(),
  lots: z.array(z.object({ lot: text, units: z.int(), expiresOn: text.optional() })),
  ordonnancierNumber: nullableInt,
  party: nullableText,
  document: nullableText,
  arsNotifiedOn: nullableText,
  explanation: nullableText,
  theoretical: nullableInt,
  counted: nullableInt,
  inventoryId: nullableText,
  counteredLineId: nullableText,
  counteredByLineId: nullableText,
});

const period = { facilityId: text, from: text, to: text, asOf: nullableText };

export const pharmacyResponses = {
  register: z.object({
    ...period,
    products: z.array(
      z.object({
        productId: text,
        name: text,
        unit: text,
        opening: z.int(),
        entries: z.int(),
        exits: z.int(),
        closing: z.int(),
        lines: z.array(registerLine),
      }),
    ),
  }),
  dispensingLog: z.object({
    ...period,
    sort: z.enum(DISPENSING_LOG_SORTS),
    entries: z.array(
      z.object({
        ordonnancierNumber: z.int(),
        month: text,
        lineId: text,
        day: text,
        presentedOn: text,
        recordedAt: text,
        productId: text,
        productName: text,
        productClass: productClassSchema,
        unit: text,
        units: z.int(),
        prescriptionId: text,
        prescribedOn: nullableText,
        serviceUserId: text,
        patient: z.object({ name: text, address: text.optional(), pseudonym: text.optional() }),
        prescriberName: nullableText,
        prescriberAddress: nullableText,
        collectedBy: nullableText,
        coversFrom: nullableText,
        coversTo: nullableText,
        counteredOn: nullableText,
        counterReason: nullableText,
      }),
    ),
  }),
  stock: z.object({
    month: nullableText,
    status: monthStatus.nullable(),
    products: z.array(
      z.object({
        productId: text,
        name: text,
        productClass: productClassSchema,
        unit: text,
        tsoProduct: nullableText,
        lowStockThreshold: nullableInt,
        units: z.int(),
        lots: z.array(z.object({ lot: text, expiresOn: text, units: z.int() })),
      }),
    ),
  }),
  alerts: z.object({
    today: text,
    withinDays: z.int(),
    alerts: z.array(
      z.object({
        kind: z.enum(['expired', 'expiring', 'low-stock']),
        productId: text,
        productName: text,
        unit: text,
        lot: nullableText,
        expiresOn: nullableText,
        units: z.int(),
        lowStockThreshold: nullableInt,
      }),
    ),
  }),
  monthlyBalance: z.object({
    month: text,
    status: monthStatus,
    openedOn: text,
    closedOn: nullableText,
    products: z.array(
      z.object({
        productId: text,
        name: text,
        productClass: productClassSchema,
        unit: text,
        opening: z.int(),
        entries: z.int(),
        exits: z.int(),
        closing: z.int(),
      }),
    ),
  }),
  annualStatement: z.object({
    year: z.int(),
    months: z.array(z.object({ month: text, status: monthStatus })),
    products: z.array(
      z.object({
        productId: text,
        name: text,
        unit: text,
        opening: z.int(),
        received: z.int(),
        dispensed: z.int(),
        destroyed: z.int(),
        stolen: z.int(),
        lost: z.int(),
        returned: z.int(),
        inventoryGap: z.int(),
        counterEntries: z.int(),
        entries: z.int(),
        exits: z.int(),
        closing: z.int(),
        inventories: z.array(
          z.object({
            day: text,
            lot: text,
            theoretical: z.int(),
            counted: z.int(),
            gap: z.int(),
            explanation: nullableText,
          }),
        ),
      }),
    ),
  }),
};
