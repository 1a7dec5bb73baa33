import {
  type DispensingRoundEntry,
  decideAccess,
  dispensingRound,
  type LedgerMonth,
  ROLE_LABELS,
  type Role,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { lastExitOf, latestLedgerMonth, medicinePrescriptionStatuses } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { parisDay } from '../paris-day.js';
import { readLedgerMonth } from '../pharmacy/ledger-months.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams } from '../route-parameters.js';

/** Who draws the round: those who dispense. */
const DISPENSERS: readonly Role[] = ['pharmacist', 'doctor', 'nurse'];

export interface DispensingRoundDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the `pharmacy` projection: which ledger months an ESSMS has. */
  pharmacySchema: string;
  /** The read schema of the `prescriptions` projection: whether a prescription is still in force. */
  prescriptionsSchema: string;
  /** The read schema of the `accompaniment_exits` projection: whether the usager left the ESSMS. */
  exitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

const fraction = z.object({ coversFrom: z.string(), coversTo: z.string(), units: z.int() });
const entry = z.object({
  prescriptionId: z.string(),
  serviceUserId: z.string(),
  productId: z.string(),
  productName: z.string(),
  unit: z.string(),
  tsoProduct: z.string().nullable(),
  status: z.enum(['late', 'due', 'asNeeded', 'notInForce', 'blocked', 'covered', 'notStarted']),
  fraction: fraction.nullable(),
  missedDays: z.int(),
  nextOn: z.string().nullable(),
  lastDispensedOn: z.string().nullable(),
  dispensedToday: z.boolean(),
  remainingUnits: z.int(),
  endsOn: z.string(),
  prescriptionStatus: z.string().nullable(),
  reason: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/**
 * The nurse's list at opening time: for one ESSMS and one day, every prescription registered at its
 * pharmacy that is still open, with what the TSO rules would dispense to a usager presenting that
 * day (the late first, then those due), and the prescriptions the record suspended or stopped.
 * Read from the ledger month itself, as a dispensation is decided, so the list and the counter
 * never disagree; only the usagers whose medical data the reader may read; each read is traced.
 */
export function dispensingRoundRoutes(deps: DispensingRoundDependencies): RouteDefinition[] {
  const { store, knex, pharmacySchema, prescriptionsSchema, exitsSchema, access, accessLog, clock } = deps;

  /** The ledger a dispensation that day would be decided on: its month's, or the last month kept before it. */
  const ledgerFor = async (
    organisationId: string,
    facilityId: string,
    day: string,
  ): Promise<LedgerMonth | undefined> => {
    const month = day.slice(0, 7);
    const ledger = await readLedgerMonth(store, organisationId, facilityId, month);
    if (ledger.status !== 'none') return ledger;
    const earlier = await latestLedgerMonth(knex, pharmacySchema, { organisationId, facilityId, before: month });
    return earlier && (await readLedgerMonth(store, organisationId, facilityId, earlier.month));
  };

  return [
    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/pharmacy/dispensing-round',
      summary:
        'Les délivrances du jour : les prescriptions en cours de l’ESSMS, les fractions de TSO dues (en retard d’abord), couvertes ou à venir (lecture tracée)',
      tags: ['Pharmacie : stock, délivrances et registres'],
      params: facilityParams,
      query: z.object({ day: z.iso.date().optional() }),
      response: z.object({ day: z.string(), ledgerMonth: z.string().nullable(), entries: z.array(entry) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const { organisationId, facilityId } = params;
        const principal = await access.principal(context, organisationId);
        if (!access.rolesIn(principal, facilityId).some((role) => DISPENSERS.includes(role))) {
          throw new HttpProblem(
            'forbidden',
            `Les délivrances du jour se consultent par les fonctions suivantes dans cet établissement : ${DISPENSERS.map((role) => ROLE_LABELS[role]).join(', ')}.`,
            { extensions: { reason: 'sensitivityClosedToRole' } },
          );
        }
        const day = query.day ?? parisDay.format(clock());
        const ledger = await ledgerFor(organisationId, facilityId, day);
        if (ledger === undefined) return { body: { day, ledgerMonth: null, entries: [] } };
        const statuses = await medicinePrescriptionStatuses(knex, prescriptionsSchema, {
          organisationId,
          prescriptionIds: [...ledger.prescriptions.keys()],
        });
        // only the usagers whose medical data the reader may read: the others' treatments are not theirs to see
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'medical' })
            .allowed;
        const usagers = [
          ...new Set([...ledger.prescriptions.values()].map((prescription) => prescription.serviceUserId)),
        ];
        const exits = new Map(
          await Promise.all(
            usagers.map(
              async (serviceUserId) =>
                [
                  serviceUserId,
                  await lastExitOf(knex, exitsSchema, { organisationId, facilityId, serviceUserId }),
                ] as const,
            ),
          ),
        );
        const round = dispensingRound(ledger, day, {
          statusOf: (prescriptionId) => statuses.get(prescriptionId),
          endOf: (serviceUserId) => exits.get(serviceUserId),
        });
        const entries = await access.openRecordsAmong(
          organisationId,
          round.filter((entry) => readable(entry.serviceUserId)),
          (entry) => entry.serviceUserId,
        );
        await accessLog.recordReadsBy(
          principal,
          context.correlationId,
          [...new Set(entries.map((round) => round.serviceUserId))].map((serviceUserId) => ({
            facilityId,
            serviceUserId,
            resource: 'dispensing-round',
            sensitivities: ['medical'],
            purpose: 'care',
          })),
        );
        return { body: { day, ledgerMonth: ledger.month, entries: entries.map(asAnswered) } };
      },
    }),
  ];
}

/** JSON has no undefined: absent values are null. */
function asAnswered(round: DispensingRoundEntry) {
  return {
    ...round,
    tsoProduct: round.tsoProduct ?? null,
    fraction: round.fraction ?? null,
    nextOn: round.nextOn ?? null,
    lastDispensedOn: round.lastDispensedOn ?? null,
    prescriptionStatus: round.prescriptionStatus ?? null,
    reason: round.reason ?? null,
  };
}
