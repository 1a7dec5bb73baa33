import {
  annualStatementCsv,
  dispensingLogCsv,
  type EstablishmentOnPrint,
  narcoticsRegisterCsv,
  type PatientOnPrint,
  patientOnPrint,
  renderAnnualStatementPdf,
  renderDispensingLogPdf,
  renderNarcoticsRegisterPdf,
} from '@dui-pds/documents';
import type { Principal, Role } from '@dui-pds/domain';
import {
  annualNarcoticsStatement,
  DISPENSING_LOG_SORTS,
  type DispensingLogEntry,
  type DispensingLogSort,
  dispensingLog,
  EXPIRY_WARNING_DAYS,
  monthlyBalance,
  narcoticsRegister,
  type ProjectionRuntime,
  pharmacyAlerts,
  pharmacyProjection,
  pharmacyStock,
  serviceUserIdentities,
  sortedByPatient,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineQuery, HttpProblem, type RouteDefinition, validationProblem } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import { parisDay } from '../paris-day.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { facilityParams, identifier } from '../route-parameters.js';
import { pharmacyResponses } from './pharmacy-registers-schemas.js';

const TAGS = ['Pharmacie : registres'];
const day = z.iso.date();
const CSV = 'text/csv; charset=utf-8';
const PDF = 'application/pdf';

/** Who keeps and reads the registers (R.5132-76, D.3411-9 CSP): the pharmacist, the doctor, the director. */
const REGISTER_READERS: readonly Role[] = ['pharmacist', 'doctor', 'director'];
/** The stock and its alerts are also the nurses', who dispense. */
const STOCK_READERS: readonly Role[] = [...REGISTER_READERS, 'nurse'];

const periodQuery = z.object({
  from: day.optional().describe('Premier jour (inclus) ; par défaut le premier du mois'),
  to: day.optional().describe('Dernier jour (inclus) ; par défaut aujourd’hui, ou le jour de `asOf`'),
  asOf: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Instant passé : le registre tel qu’il était enregistré à cet instant (rejoué depuis le journal)'),
});
const registerQuery = periodQuery.extend({ productId: identifier.optional() });
const dispensingLogQuery = periodQuery.extend({
  sort: z.enum(DISPENSING_LOG_SORTS).optional().describe('number (défaut), patient, product ou date'),
  productId: identifier.optional(),
});

export interface PharmacyRegistersDependencies {
  knex: Knex;
  /** The read schema of the pharmacy projection. */
  pharmacySchema: string;
  /** The read schema of the service_users projection: the ordonnancier names usagers when printed. */
  serviceUsersSchema: string;
  /** Time travel: the pharmacy model rebuilt as of a past moment. */
  runtime: Pick<ProjectionRuntime, 'replay'>;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  /** Each ESSMS' name and address by FINESS: every printed page carries them. */
  facilities: Readonly<Record<string, { name: string; address: string }>>;
  clock: () => Date;
}

/**
 * The pharmacy's registers and stock, read: the narcotics register and the ordonnancier as JSON,
 * CSV and PDF, for a period and as of a past moment; the stock and its alerts; the monthly
 * balance; the annual statement for the ARS. Facility-level data: the roles in the ESSMS decide,
 * not the care teams. The ordonnancier names usagers: each read is traced in their access logs.
 */
export function pharmacyRegistersRoutes(deps: PharmacyRegistersDependencies): RouteDefinition[] {
  const { knex, pharmacySchema, serviceUsersSchema, runtime, access, accessLog, facilities, clock } = deps;
  const base = '/organisations/:organisationId/facilities/:facilityId/pharmacy';

  const allowed = async (
    context: RequestContext,
    params: { organisationId: string; facilityId: string },
    readers: readonly Role[],
  ) => {
    const principal = await access.principal(context, params.organisationId);
    const roles = access.rolesIn(principal, params.facilityId);
    if (!roles.some((role) => readers.includes(role))) {
      throw new HttpProblem(
        'forbidden',
        readers.includes('nurse')
          ? 'Le stock de la pharmacie est réservé au pharmacien, aux médecins, aux infirmiers et à la direction de l’établissement.'
          : 'Les registres de la pharmacie sont réservés au pharmacien, aux médecins et à la direction de l’établissement.',
      );
    }
    return principal;
  };

  /** The model to read: the live one, or one replayed as of `asOf` and dropped after the read. */
  const fromModel = async <T>(asOf: Date | undefined, read: (schema: string) => Promise<T>): Promise<T> => {
    if (asOf === undefined) return read(pharmacySchema);
    const model = await runtime.replay(pharmacyProjection.name, { recordedAt: asOf });
    try {
      return await read(model.schema);
    } finally {
      await model.dispose();
    }
  };

  const periodOf = (query: z.output<typeof periodQuery>) => {
    const asOf = query.asOf === undefined ? undefined : new Date(query.asOf);
    const to = query.to ?? parisDay.format(asOf ?? clock());
    const from = query.from ?? `${to.slice(0, 7)}-01`;
    if (from > to) {
      throw validationProblem('La période est à l’envers.', [
        { path: 'query.from', message: 'Le premier jour doit précéder le dernier (`to`).' },
      ]);
    }
    return { from, to, ...(asOf ? { asOf } : {}) };
  };

  const establishmentOf = (facilityId: string): EstablishmentOnPrint => {
    const known = facilities[facilityId];
    if (!known) {
      throw new HttpProblem(
        'domain-rule-violated',
        'Le nom et l’adresse de cet établissement ne sont pas configurés (DUI_FACILITIES) : chaque page imprimée ' +
          'd’un registre doit les porter (art. R.5132-36 du code de la santé publique).',
        { extensions: { code: 'ESTABLISHMENT_NOT_CONFIGURED' } },
      );
    }
    return { facilityId, ...known };
  };

  const readRegister = (params: z.output<typeof facilityParams>, query: z.output<typeof registerQuery>) => {
    const period = periodOf(query);
    return fromModel(period.asOf, async (schema) => ({
      period,
      products: await narcoticsRegister(knex, schema, {
        ...params,
        from: period.from,
        to: period.to,
        ...(query.productId ? { productId: query.productId } : {}),
      }),
    }));
  };

  /** The ordonnancier of the period, its usagers named now, sorted as asked, the read traced per usager. */
  const readDispensingLog = async (
    principal: Principal,
    context: RequestContext,
    params: z.output<typeof facilityParams>,
    query: z.output<typeof dispensingLogQuery>,
    resource: string,
  ) => {
    const period = periodOf(query);
    const sort: DispensingLogSort = query.sort ?? 'number';
    const entries = await fromModel(period.asOf, (schema) =>
      dispensingLog(knex, schema, {
        ...params,
        from: period.from,
        to: period.to,
        sort,
        ...(query.productId ? { productId: query.productId } : {}),
      }),
    );
    const patients: Record<string, PatientOnPrint> = {};
    const named = [...new Set(entries.map((entry) => entry.serviceUserId))];
    // The ordonnancier is a legal register, kept 10 years (R.5132-10 CSP): it names every patient,
    // those of archived records too (their reads traced like the others); a destroyed record has
    // no name left to print.
    const closed = await access.closedRecordsAmong(params.organisationId, named);
    const read = named.filter((serviceUserId) => closed.get(serviceUserId) !== 'destroyed');
    const identities = await serviceUserIdentities(knex, serviceUsersSchema, {
      organisationId: params.organisationId,
      serviceUserIds: read,
    });
    for (const serviceUserId of named) {
      patients[serviceUserId] =
        closed.get(serviceUserId) === 'destroyed'
          ? {
              name: `Usager ${serviceUserId} (dossier détruit au terme de sa conservation)`,
              address: 'non communiquée',
            }
          : patientOnPrint(identities.get(serviceUserId), serviceUserId);
    }
    await accessLog.recordReadsBy(
      principal,
      context.correlationId,
      read.map((serviceUserId) => ({
        serviceUserId,
        facilityId: params.facilityId,
        resource,
        sensitivities: ['administrative', 'medical'],
        purpose: 'pharmacy-registers',
      })),
      { archivedRecords: 'open' },
    );
    const sorted: DispensingLogEntry[] =
      sort === 'patient'
        ? sortedByPatient(entries, (serviceUserId) => patients[serviceUserId]?.name ?? serviceUserId)
        : entries;
    return { period, sort, entries: sorted, patients };
  };

  const printed = (principal: Principal, period: { from: string; to: string; asOf?: Date }) => ({
    from: period.from,
    to: period.to,
    ...(period.asOf ? { asOf: period.asOf } : {}),
    printedAt: clock(),
    printedBy: principal.professionalId,
  });
  const file = (name: string, period: { from: string; to: string }) => `${name}-${period.from}-${period.to}`;

  return [
    defineQuery({
      path: `${base}/narcotics-register.csv`,
      summary: 'Le registre des stupéfiants d’un ESSMS en CSV (tableur), pour une période ou à une date passée',
      tags: TAGS,
      params: facilityParams,
      query: registerQuery,
      produces: CSV,
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        await allowed(context, params, REGISTER_READERS);
        const { period, products } = await readRegister(params, query);
        return {
          body: narcoticsRegisterCsv({ products }),
          headers: attachment(`${file('registre-des-stupefiants', period)}.csv`),
        };
      },
    }),
    defineQuery({
      path: `${base}/narcotics-register.pdf`,
      summary:
        'Le registre des stupéfiants d’un ESSMS en PDF, chaque page au nom et à l’adresse de l’établissement, pour une période ou à une date passée',
      tags: TAGS,
      params: facilityParams,
      query: registerQuery,
      produces: PDF,
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'validation-failed', 'domain-rule-violated'],
      async handler({ params, query, context }) {
        const principal = await allowed(context, params, REGISTER_READERS);
        const establishment = establishmentOf(params.facilityId);
        const { period, products } = await readRegister(params, query);
        const pdf = await renderNarcoticsRegisterPdf({ establishment, ...printed(principal, period), products });
        return { body: pdf, headers: inline(`${file('registre-des-stupefiants', period)}.pdf`) };
      },
    }),
    defineQuery({
      path: `${base}/narcotics-register`,
      summary:
        'Le registre des stupéfiants d’un ESSMS : par stupéfiant, chaque entrée et sortie dans l’ordre d’enregistrement avec le stock après elle',
      description:
        'Par période (`from`, `to`, jours inclus ; par défaut le mois en cours) et à une date passée (`asOf`) : ' +
        'le registre tel qu’il était enregistré à cet instant, rejoué depuis le journal. Le registre ne nomme aucun usager.',
      tags: TAGS,
      params: facilityParams,
      query: registerQuery,
      response: pharmacyResponses.register,
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        await allowed(context, params, REGISTER_READERS);
        const { period, products } = await readRegister(params, query);
        return {
          body: {
            facilityId: params.facilityId,
            from: period.from,
            to: period.to,
            asOf: period.asOf?.toISOString() ?? null,
            products,
          },
        };
      },
    }),
    defineQuery({
      path: `${base}/dispensing-log.csv`,
      summary:
        'L’ordonnancier d’un ESSMS en CSV (tableur), trié, pour une période ou à une date passée (lecture tracée)',
      tags: TAGS,
      params: facilityParams,
      query: dispensingLogQuery,
      produces: CSV,
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await allowed(context, params, REGISTER_READERS);
        const log = await readDispensingLog(principal, context, params, query, 'dispensing-log-csv');
        return {
          body: dispensingLogCsv(log),
          headers: attachment(`${file('ordonnancier', log.period)}.csv`),
        };
      },
    }),
    defineQuery({
      path: `${base}/dispensing-log.pdf`,
      summary:
        'L’ordonnancier d’un ESSMS en PDF, chaque page au nom et à l’adresse de l’établissement, trié par numéro, patient, produit ou date (lecture tracée)',
      tags: TAGS,
      params: facilityParams,
      query: dispensingLogQuery,
      produces: PDF,
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'validation-failed', 'domain-rule-violated'],
      async handler({ params, query, context }) {
        const principal = await allowed(context, params, REGISTER_READERS);
        const establishment = establishmentOf(params.facilityId);
        const log = await readDispensingLog(principal, context, params, query, 'dispensing-log-pdf');
        const pdf = await renderDispensingLogPdf({
          establishment,
          ...printed(principal, log.period),
          entries: log.entries,
          sort: log.sort,
          patients: log.patients,
        });
        return { body: pdf, headers: inline(`${file('ordonnancier', log.period)}.pdf`) };
      },
    }),
    defineQuery({
      path: `${base}/dispensing-log`,
      summary:
        'L’ordonnancier d’un ESSMS : chaque délivrance numérotée, avec le patient (nom, ou numéro pseudonyme) et le prescripteur (lecture tracée)',
      description:
        'Par période (`from`, `to`), trié (`sort` : `number`, `patient`, `product`, `date`), et à une date passée ' +
        '(`asOf`). Le nom de l’usager est lu au moment de la lecture ; chaque usager nommé voit cette lecture à son ' +
        'journal des accès.',
      tags: TAGS,
      params: facilityParams,
      query: dispensingLogQuery,
      response: pharmacyResponses.dispensingLog,
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        const principal = await allowed(context, params, REGISTER_READERS);
        const log = await readDispensingLog(principal, context, params, query, 'dispensing-log');
        return {
          body: {
            facilityId: params.facilityId,
            from: log.period.from,
            to: log.period.to,
            asOf: log.period.asOf?.toISOString() ?? null,
            sort: log.sort,
            entries: log.entries.map((entry) => ({
              ...entry,
              patient: log.patients[entry.serviceUserId] ?? { name: entry.serviceUserId },
            })),
          },
        };
      },
    }),
    defineQuery({
      path: `${base}/stock`,
      summary: 'Le stock d’un ESSMS par produit et par lot, au dernier mois tenu',
      tags: TAGS,
      params: facilityParams,
      response: pharmacyResponses.stock,
      problems: ['forbidden'],
      async handler({ params, context }) {
        await allowed(context, params, STOCK_READERS);
        const stock = await pharmacyStock(knex, pharmacySchema, params);
        return { body: stock ?? { month: null, status: null, products: [] } };
      },
    }),
    defineQuery({
      path: `${base}/alerts`,
      summary: 'Les alertes de la pharmacie : lots périmés ou bientôt périmés, produits sous leur seuil',
      description: `\`withinDays\` : les lots périmant dans ce nombre de jours (${EXPIRY_WARNING_DAYS} par défaut).`,
      tags: TAGS,
      params: facilityParams,
      query: z.object({
        today: day.optional(),
        withinDays: z.coerce.number().int().min(0).max(366).optional(),
      }),
      response: pharmacyResponses.alerts,
      problems: ['forbidden', 'validation-failed'],
      async handler({ params, query, context }) {
        await allowed(context, params, STOCK_READERS);
        const today = query.today ?? parisDay.format(clock());
        const withinDays = query.withinDays ?? EXPIRY_WARNING_DAYS;
        const alerts = await pharmacyAlerts(knex, pharmacySchema, { ...params, today, withinDays });
        return { body: { today, withinDays, alerts } };
      },
    }),
    defineQuery({
      path: `${base}/monthly-balances/:month`,
      summary: 'La balance mensuelle des entrées et sorties d’un ESSMS, par produit',
      tags: TAGS,
      params: facilityParams.extend({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois AAAA-MM') }),
      response: pharmacyResponses.monthlyBalance,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        await allowed(context, params, REGISTER_READERS);
        const balance = await monthlyBalance(knex, pharmacySchema, params);
        if (!balance) throw new HttpProblem('not-found', `Aucun registre de pharmacie pour le mois ${params.month}.`);
        return { body: balance };
      },
    }),
    ...annualStatementRoutes(),
  ];

  function annualStatementRoutes(): RouteDefinition[] {
    const params = facilityParams.extend({ year: z.coerce.number().int().min(2000).max(2999) });
    const read = async (values: z.output<typeof params>) =>
      annualNarcoticsStatement(knex, pharmacySchema, {
        organisationId: values.organisationId,
        facilityId: values.facilityId,
        year: values.year,
      });
    return [
      defineQuery({
        path: `${base}/annual-statements/:year.csv`,
        summary: 'L’état annuel des entrées et sorties de stupéfiants pour l’ARS, en CSV',
        tags: TAGS,
        params,
        produces: CSV,
        response: z.custom<Buffer>(),
        problems: ['forbidden'],
        async handler({ params: values, context }) {
          await allowed(context, values, REGISTER_READERS);
          return {
            body: annualStatementCsv(await read(values)),
            headers: attachment(`etat-annuel-stupefiants-${values.year}.csv`),
          };
        },
      }),
      defineQuery({
        path: `${base}/annual-statements/:year.pdf`,
        summary: 'L’état annuel des entrées et sorties de stupéfiants pour l’ARS, en PDF',
        tags: TAGS,
        params,
        produces: PDF,
        response: z.custom<Buffer>(),
        problems: ['forbidden', 'domain-rule-violated'],
        async handler({ params: values, context }) {
          const principal = await allowed(context, values, REGISTER_READERS);
          const establishment = establishmentOf(values.facilityId);
          const pdf = await renderAnnualStatementPdf({
            establishment,
            statement: await read(values),
            printedAt: clock(),
            printedBy: principal.professionalId,
          });
          return { body: pdf, headers: inline(`etat-annuel-stupefiants-${values.year}.pdf`) };
        },
      }),
      defineQuery({
        path: `${base}/annual-statements/:year`,
        summary:
          'L’état annuel des entrées et sorties de stupéfiants pour l’ARS (art. D.3411-9 CSP) : par stupéfiant, soldes, mouvements par nature, inventaires',
        tags: TAGS,
        params,
        response: pharmacyResponses.annualStatement,
        problems: ['forbidden'],
        async handler({ params: values, context }) {
          await allowed(context, values, REGISTER_READERS);
          return { body: await read(values) };
        },
      }),
    ];
  }
}

function attachment(filename: string): Record<string, string> {
  return { 'Content-Disposition': `attachment; filename="${filename}"` };
}

function inline(filename: string): Record<string, string> {
  return { 'Content-Disposition': `inline; filename="${filename}"` };
}
