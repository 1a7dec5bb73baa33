import {
  type AccompanimentEnd,
  DomainRuleViolation,
  endedAccompanimentRefusal,
  ledgerMonthSchema,
  ledgerProductSchema,
  type PharmacyLedgerCommand,
  type Principal,
  ROLE_LABELS,
  type Role,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { z } from 'zod';
import { defineCommand, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams, identifier } from '../route-parameters.js';
import { decideOnLedger, decideOnOpenedLedger, ledgerDayOf } from './ledger-months.js';

const TAG = 'Pharmacie : stock, délivrances et registres';
const day = z.iso.date();
const units = z.int().positive().max(1_000_000);
const text = z.string().trim().min(1).max(1_000);
const accepted = z.object({
  lineId: z.string().optional(),
  month: z.string(),
  ordonnancierNumber: z.int().optional(),
  units: z.int().optional(),
  revision: z.int(),
});

/**
 * Who keeps the ledger (R.5132-76, D.3411-9 CSP): the pharmacist, or the doctor authorised in a
 * CSAPA; nurses dispense under their responsibility; the director defines the products the ESSMS
 * holds. Roles are per ESSMS.
 */
const KEEPERS: readonly Role[] = ['pharmacist', 'doctor'];
const DISPENSERS: readonly Role[] = ['pharmacist', 'doctor', 'nurse'];
const PRODUCT_DEFINERS: readonly Role[] = ['pharmacist', 'doctor', 'director'];

export interface PharmacyDependencies {
  store: EventStore<Knex.Transaction>;
  access: ProfessionalAccess;
  clock: () => Date;
  /** Reads the prescription to register from its own stream (the prescriptions module). */
  registeredPrescription: RegisteredPrescriptionReader;
  /** The last exit of a usager from an ESSMS (the accompaniments' exits), if any. */
  lastExitOf(where: {
    organisationId: string;
    facilityId: string;
    serviceUserId: string;
  }): Promise<AccompanimentEnd | undefined>;
}

export type RegisteredPrescriptionReader = (
  organisationId: string,
  prescriptionId: string,
) => Promise<Extract<PharmacyLedgerCommand, { type: 'RegisterPrescription' }>['prescription'] & { facilityId: string }>;

/**
 * The commands of the pharmacy ledger of an ESSMS: products, receipts, prescriptions registered
 * for dispensing, dispensations (TSO fractions computed by the rules), losses and thefts,
 * destructions, returns, inventories, counter-entries, month closing. Each goes to the ledger of
 * the current month (Paris time), opened on its first operation with the previous month's closing.
 * The register and the ordonnancier are read and printed under « Pharmacie : registres ».
 */
export function pharmacyRoutes(deps: PharmacyDependencies): RouteDefinition[] {
  const { store, access, clock } = deps;

  const requireRole = (principal: Principal, facilityId: string, allowed: readonly Role[], what: string) => {
    const held = access.rolesIn(principal, facilityId);
    if (!held.some((role) => allowed.includes(role))) {
      throw new HttpProblem(
        'forbidden',
        `${what} est réservé aux fonctions suivantes dans cet établissement : ${allowed.map((role) => ROLE_LABELS[role]).join(', ')}.`,
        { extensions: { reason: 'sensitivityClosedToRole' } },
      );
    }
  };

  /** The command on the current month's ledger, the month opened first when needed. */
  const onCurrentLedger = async (
    principal: Principal,
    context: RequestContext,
    facilityId: string,
    command: PharmacyLedgerCommand,
  ) => {
    const { organisationId } = principal;
    const { day: today, month } = ledgerDayOf(clock());
    // ledger events name no usager subject: they are never encrypted with a usager's key
    const metadata = access.metadata(principal, context, { facilityId });
    const events = await decideOnOpenedLedger(
      store,
      { organisationId, facilityId, month, day: today },
      access.commandId(principal, context),
      command,
      metadata,
    );
    const last = events.at(-1);
    const dispensed = events.find((event) => event.type === 'MedicineDispensed')?.data as
      | { ordonnancierNumber?: number; units: number }
      | undefined;
    return {
      body: {
        ...('lineId' in command ? { lineId: command.lineId } : {}),
        month,
        ...(dispensed?.ordonnancierNumber === undefined ? {} : { ordonnancierNumber: dispensed.ordonnancierNumber }),
        ...(dispensed ? { units: dispensed.units } : {}),
        revision: last?.streamRevision ?? -1,
      },
    };
  };

  const today = () => ledgerDayOf(clock()).day;

  const command = <Body extends z.ZodObject>(
    path: string,
    summary: string,
    roles: readonly Role[],
    what: string,
    body: Body,
    toCommand: (body: z.output<Body>, principal: Principal) => PharmacyLedgerCommand,
  ) =>
    defineCommand({
      path: `/organisations/:organisationId/facilities/:facilityId/pharmacy/${path}`,
      summary,
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body,
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body: input, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, params.facilityId, roles, what);
        const answer = await onCurrentLedger(principal, context, params.facilityId, toCommand(input, principal));
        return { ...answer, status: 201 };
      },
    });

  return [
    command(
      'products',
      'Définir un produit tenu par la pharmacie (classe réglementaire, unité de prise, seuil d’alerte)',
      PRODUCT_DEFINERS,
      'Définir un produit',
      z.object({ product: ledgerProductSchema }),
      (body) => ({ type: 'DefineProduct', product: body.product }),
    ),
    command(
      'receipts',
      'Enregistrer une entrée en stock (lot, péremption, quantité, fournisseur)',
      KEEPERS,
      'Enregistrer une entrée',
      z.object({
        lineId: z.uuid(),
        productId: identifier,
        lot: z.string().trim().min(1).max(100),
        expiresOn: day,
        units,
        supplier: text,
        reference: text.optional(),
      }),
      (body) => ({ type: 'ReceiveStock', ...body, receivedOn: today() }),
    ),
    defineCommand({
      path: '/organisations/:organisationId/facilities/:facilityId/pharmacy/prescriptions',
      summary: 'Enregistrer à la pharmacie une prescription à délivrer (lue dans le dossier de prescription)',
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body: z.object({ prescriptionId: identifier }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, params.facilityId, DISPENSERS, 'Enregistrer une prescription à délivrer');
        const { facilityId, ...prescription } = await deps.registeredPrescription(
          params.organisationId,
          body.prescriptionId,
        );
        if (facilityId !== params.facilityId) {
          throw new HttpProblem('not-found', 'Cette prescription n’existe pas dans cet établissement.');
        }
        const answer = await onCurrentLedger(principal, context, params.facilityId, {
          type: 'RegisterPrescription',
          prescription,
        });
        return { ...answer, status: 201 };
      },
    }),
    defineCommand({
      path: '/organisations/:organisationId/facilities/:facilityId/pharmacy/dispensations',
      summary:
        'Délivrer sur une prescription enregistrée : fraction de TSO selon les règles, numéro d’ordonnancier, lots les plus proches de leur péremption d’abord',
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body: z.object({
        lineId: z.uuid(),
        prescriptionId: identifier,
        serviceUserId: identifier,
        /** Defaults to today: the day the patient presented the prescription. */
        presentedOn: day.optional(),
        /** For a prescription that is not a TSO. */
        units: units.optional(),
        collectedBy: text.optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, params.facilityId, DISPENSERS, 'Délivrer');
        // a dispensation is a care act on the usager: the dispenser must be of their care team
        access.check(principal, 'write', {
          organisationId: params.organisationId,
          facilityId: params.facilityId,
          serviceUserId: body.serviceUserId,
          sensitivity: 'medical',
        });
        // the ledger learnt of the prescription when it was registered; a suspension or a stop since
        // is in the prescription's own stream: never dispense what the doctor suspended
        const prescription = await deps.registeredPrescription(params.organisationId, body.prescriptionId);
        const dispensedOn = today();
        // nor for a usager whose accompaniment ended since it was prescribed (a death, an incarceration)
        const end = await deps.lastExitOf({
          organisationId: params.organisationId,
          facilityId: params.facilityId,
          serviceUserId: body.serviceUserId,
        });
        const ended = endedAccompanimentRefusal(prescription, end, dispensedOn);
        if (ended !== undefined) throw ended;
        const answer = await onCurrentLedger(principal, context, params.facilityId, {
          type: 'Dispense',
          lineId: body.lineId,
          prescriptionId: body.prescriptionId,
          serviceUserId: body.serviceUserId,
          presentedOn: body.presentedOn ?? dispensedOn,
          dispensedOn,
          ...(body.units === undefined ? {} : { units: body.units }),
          ...(body.collectedBy === undefined ? {} : { collectedBy: body.collectedBy }),
        });
        return { ...answer, status: 201 };
      },
    }),
    command(
      'losses',
      'Déclarer un vol ou une perte (avec la déclaration faite : police, ARS, ANSM)',
      KEEPERS,
      'Déclarer un vol ou une perte',
      z.object({
        lineId: z.uuid(),
        productId: identifier,
        lot: z.string().trim().min(1).max(100),
        units,
        cause: z.enum(['theft', 'loss']),
        declaration: text,
      }),
      (body) => ({ type: 'RecordStockLoss', ...body, lostOn: today() }),
    ),
    command(
      'destructions',
      'Enregistrer une destruction (certificat, témoin ; pour un stupéfiant, ARS informée un mois avant)',
      KEEPERS,
      'Enregistrer une destruction',
      z.object({
        lineId: z.uuid(),
        productId: identifier,
        lot: z.string().trim().min(1).max(100),
        units,
        certificate: text,
        witness: text,
        arsNotifiedOn: day.optional(),
      }),
      (body) => ({ type: 'DestroyStock', ...body, destroyedOn: today() }),
    ),
    command(
      'returns',
      'Enregistrer un retour au fournisseur',
      KEEPERS,
      'Enregistrer un retour',
      z.object({
        lineId: z.uuid(),
        productId: identifier,
        lot: z.string().trim().min(1).max(100),
        units,
        supplier: text,
      }),
      (body) => ({ type: 'ReturnStock', ...body, returnedOn: today() }),
    ),
    command(
      'inventories',
      'Enregistrer un inventaire par comptage : le stock prend le compte, l’écart est expliqué',
      KEEPERS,
      'Enregistrer un inventaire',
      z.object({
        inventoryId: z.uuid(),
        counts: z
          .array(
            z.object({
              productId: identifier,
              lot: z.string().trim().min(1).max(100),
              counted: z.int().min(0).max(1_000_000),
              explanation: text.optional(),
            }),
          )
          .min(1)
          .max(1_000),
      }),
      (body, principal) => ({
        type: 'RecordInventory',
        inventoryId: body.inventoryId,
        countedOn: today(),
        countedBy: principal.professionalId,
        counts: body.counts,
      }),
    ),
    command(
      'counter-entries',
      'Contre-passer une ligne du mois, en disant pourquoi (la ligne reste, son numéro d’ordonnancier aussi)',
      KEEPERS,
      'Contre-passer une ligne',
      z.object({ lineId: z.uuid(), counteredLineId: z.uuid(), reason: text }),
      (body) => ({ type: 'CounterLine', ...body, on: today() }),
    ),
    defineCommand({
      path: '/organisations/:organisationId/facilities/:facilityId/pharmacy/month-closings',
      summary:
        'Clore un mois passé resté ouvert (bilan mensuel des entrées et sorties) ; le mois suivant s’ouvre sur ce solde',
      tags: [TAG],
      status: 201,
      params: facilityParams,
      body: z.object({ month: ledgerMonthSchema }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        requireRole(principal, params.facilityId, KEEPERS, 'Clore le mois');
        const { day: closedOn, month: current } = ledgerDayOf(clock());
        if (body.month >= current) {
          throw new DomainRuleViolation(
            'LEDGER_MONTH_NOT_OVER',
            `Le mois ${body.month} n’est pas terminé : il se clôt à partir du premier jour du mois suivant.`,
          );
        }
        const events = await decideOnLedger(
          store,
          { organisationId: params.organisationId, facilityId: params.facilityId, month: body.month },
          access.commandId(principal, context),
          { type: 'CloseLedgerMonth', closedOn },
          access.metadata(principal, context, { facilityId: params.facilityId }),
        );
        return { status: 201, body: { month: body.month, revision: events.at(-1)?.streamRevision ?? -1 } };
      },
    }),
  ];
}
