/**
 * How long DASRI may be stored before their collection (arrêté du 7 septembre 1999, art. 2 and 3),
 * by the ESSMS' monthly production, and the alerts that follow from it.
 *
 * Decisions taken here:
 * - The production is measured on the collections (the collector weighs what leaves): the kilograms
 *   collected over the 12 months before `at`, divided by 12, or by the whole months since the ESSMS
 *   started its first container when that is more recent (at least 1): a new ESSMS is not credited
 *   with months it did not produce in, which would lengthen its limit.
 * - "100 kg a week" is compared as a monthly amount: 100 × 52 / 12 kg a month (52 weeks a year).
 *   The band edges are the arrêté's: 5 kg a month exactly is still "≤ 5 kg" (3 months), 15 kg a
 *   month exactly is still "5 to 15 kg" (1 month), 100 kg a week exactly is still 7 days.
 * - The storage time runs from the container's start (the first waste put in it: the arrêté's
 *   "production effective des déchets"), not from its closing: the stricter reading, and the only
 *   one that also watches a container left open.
 * - The oldest container not yet collected is due soon from `lead` before its deadline, overdue once
 *   its deadline has passed (the deadline itself is still on time).
 * - A tracking slip is due back signed within 1 month of its collection (calendar month, clamped to
 *   the end of a shorter month); overdue once that instant has passed and it has not come back.
 * - Instants are ISO 8601 in UTC; months are counted in UTC. The clock comes in as `now`.
 */

/** Monthly kilograms that make 100 kg a week (52 weeks a year). */
export const MONTHLY_KG_AT_100_KG_A_WEEK = (100 * 52) / 12;
/** Above it, a tracking slip (CERFA 11351) must go with every collection. */
export const TRACKING_SLIP_REQUIRED_ABOVE_MONTHLY_KG = 5;
/** A signed slip comes back within this many months of its collection. */
export const TRACKING_SLIP_RETURN_MONTHS = 1;
/** DASRI records and slips are kept this many years. */
export const INFECTIOUS_WASTE_RETENTION_YEARS = 3;

export type StorageBand = 'over-100-kg-a-week' | 'over-15-kg-a-month' | 'over-5-kg-a-month' | 'up-to-5-kg-a-month';

export interface WasteDuration {
  unit: 'hours' | 'days' | 'months';
  amount: number;
}

export interface StorageLimit {
  band: StorageBand;
  /** The longest a container may wait, from its start to its collection. */
  duration: WasteDuration;
  /** How long before the deadline the oldest container is announced as due soon. */
  lead: WasteDuration;
  /** For staff: « 72 heures », « 7 jours »… */
  label: string;
  /** For staff: the production band, in the arrêté's words. */
  bandLabel: string;
}

const LIMITS: Readonly<Record<StorageBand, StorageLimit>> = {
  'over-100-kg-a-week': {
    band: 'over-100-kg-a-week',
    duration: { unit: 'hours', amount: 72 },
    lead: { unit: 'hours', amount: 24 },
    label: '72 heures',
    bandLabel: 'plus de 100 kg par semaine',
  },
  'over-15-kg-a-month': {
    band: 'over-15-kg-a-month',
    duration: { unit: 'days', amount: 7 },
    lead: { unit: 'days', amount: 2 },
    label: '7 jours',
    bandLabel: 'plus de 15 kg par mois et au plus 100 kg par semaine',
  },
  'over-5-kg-a-month': {
    band: 'over-5-kg-a-month',
    duration: { unit: 'months', amount: 1 },
    lead: { unit: 'days', amount: 7 },
    label: '1 mois',
    bandLabel: 'plus de 5 kg et au plus 15 kg par mois',
  },
  'up-to-5-kg-a-month': {
    band: 'up-to-5-kg-a-month',
    duration: { unit: 'months', amount: 3 },
    lead: { unit: 'days', amount: 14 },
    label: '3 mois',
    bandLabel: 'au plus 5 kg par mois',
  },
};

/** The maximum storage time for a production of `rollingMonthlyAverageKg` kilograms a month. */
export function storageLimit(rollingMonthlyAverageKg: number): StorageLimit {
  if (!Number.isFinite(rollingMonthlyAverageKg) || rollingMonthlyAverageKg < 0) {
    throw new RangeError(`a monthly production is a finite number of kilograms from 0: ${rollingMonthlyAverageKg}`);
  }
  if (rollingMonthlyAverageKg <= 5) return LIMITS['up-to-5-kg-a-month'];
  if (rollingMonthlyAverageKg <= 15) return LIMITS['over-5-kg-a-month'];
  if (rollingMonthlyAverageKg <= MONTHLY_KG_AT_100_KG_A_WEEK) return LIMITS['over-15-kg-a-month'];
  return LIMITS['over-100-kg-a-week'];
}

/** What the storage rules read of a container. */
export interface ContainerFacts {
  containerId: string;
  startedAt: string;
  collectionId: string | undefined;
}

/** What the storage rules read of a collection. */
export interface CollectionFacts {
  collectionId: string;
  collectedAt: string;
  weightKg: number;
  trackingSlipNumber: string | undefined;
  slipReturnedAt: string | undefined;
}

/** What the rules need of an ESSMS' DASRI: the decider's state, or the read model's rows. */
export interface InfectiousWasteFacts {
  /** When the ESSMS started its first container; undefined before. */
  activeSince: string | undefined;
  containers: Iterable<ContainerFacts>;
  collections: Iterable<CollectionFacts>;
}

/**
 * The ESSMS' monthly production as of `at`: the kilograms collected in the 12 months up to `at`
 * (`at − 12 months` excluded, `at` included), over 12 months, or over the whole months since
 * `activeSince` when fewer (at least 1). 0 before any container.
 */
export function rollingMonthlyAverageKg(
  facts: Pick<InfectiousWasteFacts, 'activeSince' | 'collections'>,
  at: string,
): number {
  if (facts.activeSince === undefined) return 0;
  const now = instantMs(at);
  const windowStart = instantMs(addMonths(at, -12));
  let collected = 0;
  for (const collection of facts.collections) {
    const collectedAt = instantMs(collection.collectedAt);
    if (collectedAt > windowStart && collectedAt <= now) collected += collection.weightKg;
  }
  const months = Math.min(12, Math.max(1, wholeMonthsBetween(facts.activeSince, at)));
  return collected / months;
}

/** The instant by which a container started at `startedAt` must be collected. */
export function storageDeadline(startedAt: string, limit: Pick<StorageLimit, 'duration'>): string {
  return after(startedAt, limit.duration);
}

/** The instant by which the signed slip of a collection made at `collectedAt` must be back. */
export function trackingSlipReturnDeadline(collectedAt: string): string {
  return addMonths(collectedAt, TRACKING_SLIP_RETURN_MONTHS);
}

export type InfectiousWasteAlert =
  | {
      kind: 'container-due-soon' | 'container-overdue';
      containerId: string;
      startedAt: string;
      /** The last instant the container is on time. */
      deadline: string;
      limit: StorageLimit;
      rollingMonthlyAverageKg: number;
    }
  | {
      kind: 'tracking-slip-not-returned';
      collectionId: string;
      collectedAt: string;
      trackingSlipNumber: string;
      returnBy: string;
    };

/**
 * What the ESSMS must be told at `now`: the oldest container not yet collected when it is due soon
 * or overdue under the limit of the current production, then each collection whose slip has not
 * come back within a month, oldest first.
 */
export function infectiousWasteAlerts(facts: InfectiousWasteFacts, now: string): InfectiousWasteAlert[] {
  const collections = [...facts.collections];
  const alerts: InfectiousWasteAlert[] = [];
  const oldest = oldestUncollected(facts.containers);
  if (oldest !== undefined) {
    const average = rollingMonthlyAverageKg({ activeSince: facts.activeSince, collections }, now);
    const limit = storageLimit(average);
    const deadline = storageDeadline(oldest.startedAt, limit);
    const nowMs = instantMs(now);
    const deadlineMs = instantMs(deadline);
    const kind =
      nowMs > deadlineMs
        ? 'container-overdue'
        : nowMs >= instantMs(before(deadline, limit.lead))
          ? 'container-due-soon'
          : undefined;
    if (kind !== undefined) {
      alerts.push({
        kind,
        containerId: oldest.containerId,
        startedAt: oldest.startedAt,
        deadline,
        limit,
        rollingMonthlyAverageKg: average,
      });
    }
  }
  const late = collections
    .filter((collection) => collection.trackingSlipNumber !== undefined && collection.slipReturnedAt === undefined)
    .map((collection) => ({ collection, returnBy: trackingSlipReturnDeadline(collection.collectedAt) }))
    .filter(({ returnBy }) => instantMs(now) > instantMs(returnBy))
    .sort((a, b) => instantMs(a.collection.collectedAt) - instantMs(b.collection.collectedAt));
  for (const { collection, returnBy } of late) {
    alerts.push({
      kind: 'tracking-slip-not-returned',
      collectionId: collection.collectionId,
      collectedAt: collection.collectedAt,
      trackingSlipNumber: collection.trackingSlipNumber as string,
      returnBy,
    });
  }
  return alerts;
}

function oldestUncollected(containers: Iterable<ContainerFacts>): ContainerFacts | undefined {
  let oldest: ContainerFacts | undefined;
  for (const container of containers) {
    if (container.collectionId !== undefined) continue;
    if (
      oldest === undefined ||
      instantMs(container.startedAt) < instantMs(oldest.startedAt) ||
      (container.startedAt === oldest.startedAt && container.containerId < oldest.containerId)
    ) {
      oldest = container;
    }
  }
  return oldest;
}

const MS_PER_HOUR = 3_600_000;

function after(instant: string, duration: WasteDuration): string {
  return shift(instant, duration, 1);
}

function before(instant: string, duration: WasteDuration): string {
  return shift(instant, duration, -1);
}

function shift(instant: string, { unit, amount }: WasteDuration, sign: 1 | -1): string {
  switch (unit) {
    case 'hours':
      return new Date(instantMs(instant) + sign * amount * MS_PER_HOUR).toISOString();
    case 'days':
      return new Date(instantMs(instant) + sign * amount * 24 * MS_PER_HOUR).toISOString();
    case 'months':
      return addMonths(instant, sign * amount);
  }
}

/** The same time of day `months` calendar months later (UTC), the day clamped to the end of a shorter month. */
function addMonths(instant: string, months: number): string {
  const date = new Date(instantMs(instant));
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target.toISOString();
}

/** How many whole calendar months fit from `from` to `to` (0 when `to` is earlier). */
function wholeMonthsBetween(from: string, to: string): number {
  const start = new Date(instantMs(from));
  const end = new Date(instantMs(to));
  let months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + (end.getUTCMonth() - start.getUTCMonth());
  if (months > 0 && instantMs(addMonths(from, months)) > end.getTime()) months -= 1;
  return Math.max(0, months);
}

function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${instant}`);
  return ms;
}
