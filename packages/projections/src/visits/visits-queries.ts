import {
  type AnonymousTraits,
  RAPID_TESTS,
  type RapidTest,
  type RapidTestDone,
  type RapidTestResult,
  type SupplyLine,
  type SyringeCollectionSource,
  VISIT_SERVICES,
  VISIT_SETTINGS,
  type VisitService,
  type VisitSetting,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

/** One visit as it stands, its corrections applied. */
export interface VisitView {
  visitId: string;
  facilityId: string;
  /** The identified usager; null for an anonymous passage. */
  serviceUserId: string | null;
  /** The traits of an anonymous passage; null for an identified usager's. */
  anonymous: AnonymousTraits | null;
  occurredOn: string;
  occurredAt: string | null;
  setting: VisitSetting;
  services: VisitService[];
  /** Empty once cancelled: a cancelled visit hands nothing out. */
  supplies: SupplyLine[];
  syringesCollected: number;
  rapidTests: RapidTestDone[];
  status: 'recorded' | 'cancelled';
  cancelReason: string | null;
  corrections: number;
  /** The revision of the visit's stream, for `If-Match`. */
  revision: number;
}

interface VisitRow {
  visit_id: string;
  facility_id: string;
  service_user_id: string | null;
  anonymous: boolean;
  anonymous_sex: 'F' | 'M' | 'X' | null;
  anonymous_age_band: AnonymousTraits['ageBand'] | null;
  occurred_on: string;
  occurred_at: string | null;
  setting: VisitSetting;
  services: VisitService[] | string;
  syringes_collected: number;
  status: 'recorded' | 'cancelled';
  cancel_reason: string | null;
  corrections: number;
  revision: number;
}

/** The visits of these rows, with their lines read in two queries. */
async function toViews(db: Knex, readSchema: string, organisationId: string, rows: VisitRow[]): Promise<VisitView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.visit_id);
  const [supplies, tests] = await Promise.all([
    db
      .withSchema(readSchema)
      .from('visit_supply_lines')
      .where({ organisation_id: organisationId })
      .whereIn('visit_id', ids)
      .orderBy(['visit_id', 'supply_code']) as Promise<{ visit_id: string; supply_code: string; quantity: number }[]>,
    db
      .withSchema(readSchema)
      .from('visit_rapid_tests')
      .where({ organisation_id: organisationId })
      .whereIn('visit_id', ids) as Promise<{ visit_id: string; test: RapidTest; result: RapidTestResult }[]>,
  ]);
  return rows.map((row) => ({
    visitId: row.visit_id,
    facilityId: row.facility_id,
    serviceUserId: row.service_user_id,
    anonymous: row.anonymous
      ? {
          ...(row.anonymous_sex === null ? {} : { sex: row.anonymous_sex }),
          ...(row.anonymous_age_band === null ? {} : { ageBand: row.anonymous_age_band }),
        }
      : null,
    occurredOn: row.occurred_on,
    occurredAt: row.occurred_at,
    setting: row.setting,
    services: typeof row.services === 'string' ? JSON.parse(row.services) : row.services,
    supplies: supplies
      .filter((line) => line.visit_id === row.visit_id)
      .map((line) => ({ supplyCode: line.supply_code, quantity: Number(line.quantity) })),
    syringesCollected: Number(row.syringes_collected),
    rapidTests: tests
      .filter((done) => done.visit_id === row.visit_id)
      .sort((a, b) => RAPID_TESTS.indexOf(a.test) - RAPID_TESTS.indexOf(b.test))
      .map((done) => ({ test: done.test, result: done.result })),
    status: row.status,
    cancelReason: row.cancel_reason,
    corrections: Number(row.corrections),
    revision: Number(row.revision),
  }));
}

const latestFirst = [
  { column: 'occurred_on', order: 'desc' },
  { column: 'occurred_at', order: 'desc', nulls: 'last' },
  { column: 'visit_id', order: 'asc' },
] as const;

/** One visit; undefined when there is none under this id in this organisation (or its usager was forgotten). */
export async function visitById(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; visitId: string },
): Promise<VisitView | undefined> {
  const row = (await db
    .withSchema(readSchema)
    .from('visits')
    .where({ organisation_id: where.organisationId, visit_id: where.visitId })
    .first()) as VisitRow | undefined;
  return row === undefined ? undefined : (await toViews(db, readSchema, where.organisationId, [row]))[0];
}

/**
 * The visits of one usager (in one ESSMS, or in all of the organisation's), from `from` to `to`
 * (days, both included, either optional), the latest first; cancelled ones listed as such.
 */
export async function visitsOfServiceUser(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId?: string; from?: string; to?: string },
): Promise<VisitView[]> {
  const query = db
    .withSchema(readSchema)
    .from('visits')
    .where({ organisation_id: where.organisationId, service_user_id: where.serviceUserId });
  if (where.facilityId !== undefined) query.where('facility_id', where.facilityId);
  if (where.from !== undefined) query.where('occurred_on', '>=', where.from);
  if (where.to !== undefined) query.where('occurred_on', '<=', where.to);
  const rows = (await query.orderBy([...latestFirst])) as VisitRow[];
  return toViews(db, readSchema, where.organisationId, rows);
}

/** The visits of one ESSMS from `from` to `to` (days, both included), the latest first. */
export async function visitsOfFacility(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; from: string; to: string },
): Promise<VisitView[]> {
  const rows = (await db
    .withSchema(readSchema)
    .from('visits')
    .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
    .where('occurred_on', '>=', where.from)
    .where('occurred_on', '<=', where.to)
    .orderBy([...latestFirst])) as VisitRow[];
  return toViews(db, readSchema, where.organisationId, rows);
}

/** What a CAARUD did in a period, cancelled visits and collections left out. Counts only: nobody is named. */
export interface VisitTotals {
  from: string;
  to: string;
  visits: {
    total: number;
    /** Passages of identified usagers (pseudonymous records included), and how many distinct usagers. */
    identified: number;
    serviceUsers: number;
    /** Unidentified passages, counted apart. */
    anonymous: number;
  };
  /** Every setting, zero included. */
  bySetting: Record<VisitSetting, number>;
  /** Visits that gave each service, zero included. */
  byService: Record<VisitService, number>;
  /** Quantities handed out by supply code, codes handed out only, in code order. */
  supplies: { supplyCode: string; quantity: number }[];
  syringesCollected: {
    /** Brought back during visits. */
    duringVisits: number;
    /** Collected outside a passage, by source. */
    bySource: Partial<Record<SyringeCollectionSource, number>>;
    total: number;
  };
  /** Rapid tests done, by test and result, those done only. */
  rapidTests: { test: RapidTest; result: RapidTestResult; count: number }[];
}

/**
 * The totals of one ESSMS from `from` to `to` (days, both included): what the ASA-CAARUD report
 * and the team's daily check read. Cancelled visits and collections do not count.
 */
export async function visitTotals(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; facilityId: string; from: string; to: string },
): Promise<VisitTotals> {
  const scope = { organisation_id: where.organisationId, facility_id: where.facilityId, status: 'recorded' };
  const live = () =>
    db
      .withSchema(readSchema)
      .from('visits')
      .where(scope)
      .where('occurred_on', '>=', where.from)
      .where('occurred_on', '<=', where.to);
  const liveIds = () => live().select('visit_id');
  const [counts, settings, services, supplies, tests, collections] = await Promise.all([
    live()
      .select(
        db.raw('count(*)::int as total'),
        db.raw('count(*) filter (where not anonymous)::int as identified'),
        db.raw('count(distinct service_user_id)::int as service_users'),
        db.raw('count(*) filter (where anonymous)::int as anonymous'),
        db.raw('coalesce(sum(syringes_collected), 0)::int as syringes'),
      )
      .first() as Promise<{
      total: number;
      identified: number;
      service_users: number;
      anonymous: number;
      syringes: number;
    }>,
    live().select('setting').count({ count: '*' }).groupBy('setting') as Promise<
      { setting: VisitSetting; count: string | number }[]
    >,
    live()
      .select(db.raw('service, count(*)::int as count'))
      .joinRaw('cross join lateral jsonb_array_elements_text(services) as service')
      .groupBy('service') as Promise<{ service: VisitService; count: number }[]>,
    db
      .withSchema(readSchema)
      .from('visit_supply_lines')
      .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
      .whereIn('visit_id', liveIds())
      .select('supply_code', db.raw('sum(quantity)::int as quantity'))
      .groupBy('supply_code')
      .orderBy('supply_code') as Promise<{ supply_code: string; quantity: number }[]>,
    db
      .withSchema(readSchema)
      .from('visit_rapid_tests')
      .where({ organisation_id: where.organisationId, facility_id: where.facilityId })
      .whereIn('visit_id', liveIds())
      .select('test', 'result', db.raw('count(*)::int as count'))
      .groupBy('test', 'result')
      .orderBy(['test', 'result']) as Promise<{ test: RapidTest; result: RapidTestResult; count: number }[]>,
    db
      .withSchema(readSchema)
      .from('syringe_collections')
      .where(scope)
      .where('collected_on', '>=', where.from)
      .where('collected_on', '<=', where.to)
      .select('source', db.raw('sum(quantity)::int as quantity'))
      .groupBy('source')
      .orderBy('source') as Promise<{ source: SyringeCollectionSource; quantity: number }[]>,
  ]);
  const bySetting = Object.fromEntries(VISIT_SETTINGS.map((setting) => [setting, 0])) as Record<VisitSetting, number>;
  for (const row of settings) bySetting[row.setting] = Number(row.count);
  const byService = Object.fromEntries(VISIT_SERVICES.map((service) => [service, 0])) as Record<VisitService, number>;
  for (const row of services) byService[row.service] = Number(row.count);
  const bySource: Partial<Record<SyringeCollectionSource, number>> = {};
  for (const row of collections) bySource[row.source] = Number(row.quantity);
  const duringVisits = Number(counts.syringes);
  const outside = collections.reduce((total, row) => total + Number(row.quantity), 0);
  return {
    from: where.from,
    to: where.to,
    visits: {
      total: Number(counts.total),
      identified: Number(counts.identified),
      serviceUsers: Number(counts.service_users),
      anonymous: Number(counts.anonymous),
    },
    bySetting,
    byService,
    supplies: supplies.map((row) => ({ supplyCode: row.supply_code, quantity: Number(row.quantity) })),
    syringesCollected: { duringVisits, bySource, total: duringVisits + outside },
    rapidTests: tests
      .map((row) => ({ test: row.test, result: row.result, count: Number(row.count) }))
      .sort((a, b) => RAPID_TESTS.indexOf(a.test) - RAPID_TESTS.indexOf(b.test)),
  };
}
