import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  type CollectionFacts,
  type ContainerFacts,
  INFECTIOUS_WASTE_RETENTION_YEARS,
  infectiousWasteAlerts,
  MONTHLY_KG_AT_100_KG_A_WEEK,
  rollingMonthlyAverageKg,
  storageDeadline,
  storageLimit,
  trackingSlipReturnDeadline,
} from './storage-limit.js';

/** The bands as the arrêté writes them, in kilograms a month: the upper edge belongs to the band. */
const BANDS = [
  { upTo: 5, label: '3 mois' },
  { upTo: 15, label: '1 mois' },
  { upTo: (100 * 52) / 12, label: '7 jours' },
  { upTo: Number.POSITIVE_INFINITY, label: '72 heures' },
] as const;
const expectedLabel = (average: number) => BANDS.find((band) => average <= band.upTo)?.label;

const float = new Float64Array(1);
const bits = new BigInt64Array(float.buffer);
/** The next double above a positive one: just over a band's edge. */
function nextUp(x: number): number {
  float[0] = x;
  bits[0] = (bits[0] as bigint) + 1n;
  return float[0] as number;
}

const MS_PER_HOUR = 3_600_000;
const ms = (instant: string) => Date.parse(instant);
const iso = (milliseconds: number) => new Date(milliseconds).toISOString();
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
/** Calendar months added to a UTC instant by string arithmetic, independently of the rule under test. */
function plusMonths(instant: string, months: number): string {
  const year = Number(instant.slice(0, 4));
  const month = Number(instant.slice(5, 7)) - 1 + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const lastDay = targetMonth === 1 && isLeap(targetYear) ? 29 : (DAYS_IN_MONTH[targetMonth] as number);
  const day = Math.min(Number(instant.slice(8, 10)), lastDay);
  return `${String(targetYear).padStart(4, '0')}-${String(targetMonth + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}${instant.slice(10)}`;
}
/** The deadline of a limit, by its label, computed here. */
function deadlineOf(startedAt: string, label: string | undefined): string {
  switch (label) {
    case '72 heures':
      return iso(ms(startedAt) + 72 * MS_PER_HOUR);
    case '7 jours':
      return iso(ms(startedAt) + 7 * 24 * MS_PER_HOUR);
    case '1 mois':
      return plusMonths(startedAt, 1);
    case '3 mois':
      return plusMonths(startedAt, 3);
  }
  throw new Error(`no band for ${label}`);
}
const LEAD_MS: Record<string, number> = {
  '72 heures': 24 * MS_PER_HOUR,
  '7 jours': 2 * 24 * MS_PER_HOUR,
};
function dueSoonFrom(deadline: string, label: string): number {
  if (label === '1 mois') return ms(deadline) - 7 * 24 * MS_PER_HOUR;
  if (label === '3 mois') return ms(deadline) - 14 * 24 * MS_PER_HOUR;
  return ms(deadline) - (LEAD_MS[label] as number);
}

const container = (containerId: string, startedAt: string, collectionId?: string): ContainerFacts => ({
  containerId,
  startedAt,
  collectionId,
});
const collection = (collectionId: string, collectedAt: string, weightKg: number, slip?: string): CollectionFacts => ({
  collectionId,
  collectedAt,
  weightKg,
  trackingSlipNumber: slip,
  slipReturnedAt: undefined,
});

/** From 2020 to 2030, to the millisecond. */
const anyInstant = fc.integer({ min: ms('2020-01-01T00:00:00Z'), max: ms('2030-12-31T23:59:59Z') }).map(iso);

describe('the storage time of DASRI', () => {
  describe('storageLimit', () => {
    it('gives each band its limit, the upper edge in the band, the next kilogram fraction in the next', () => {
      assert.equal(MONTHLY_KG_AT_100_KG_A_WEEK, 5200 / 12);
      const cases: [number, string][] = [
        [0, '3 mois'],
        [5, '3 mois'],
        [nextUp(5), '1 mois'],
        [15, '1 mois'],
        [nextUp(15), '7 jours'],
        [MONTHLY_KG_AT_100_KG_A_WEEK, '7 jours'],
        [nextUp(MONTHLY_KG_AT_100_KG_A_WEEK), '72 heures'],
        [10_000, '72 heures'],
      ];
      for (const [average, label] of cases) assert.equal(storageLimit(average).label, label, `${average} kg/mois`);
      assert.deepEqual(storageLimit(2).duration, { unit: 'months', amount: 3 });
      assert.deepEqual(storageLimit(10).duration, { unit: 'months', amount: 1 });
      assert.deepEqual(storageLimit(100).duration, { unit: 'days', amount: 7 });
      assert.deepEqual(storageLimit(500).duration, { unit: 'hours', amount: 72 });
      assert.equal(INFECTIOUS_WASTE_RETENTION_YEARS, 3);
    });

    it('is exactly the limit of the band the average falls in, whatever the average', () => {
      const edges = [5, 15, MONTHLY_KG_AT_100_KG_A_WEEK];
      const nearEdges = fc.constantFrom(...edges.flatMap((edge) => [edge, nextUp(edge)]));
      fc.assert(
        fc.property(fc.oneof(fc.double({ min: 0, max: 100_000, noNaN: true }), nearEdges), (average) => {
          assert.equal(storageLimit(average).label, expectedLabel(average));
        }),
        { numRuns: 2_000 },
      );
    });

    it('refuses a production that is not a number of kilograms', () => {
      for (const average of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => storageLimit(average), RangeError);
      }
    });
  });

  describe('rollingMonthlyAverageKg', () => {
    const at = '2026-06-15T10:00:00.000Z';

    it('counts the 12 months up to now, the first instant excluded, now included, over 12 months', () => {
      const facts = {
        activeSince: '2020-01-01T00:00:00.000Z',
        collections: [
          collection('a', '2025-06-15T10:00:00.000Z', 1_000),
          collection('b', '2025-06-15T10:00:00.001Z', 24),
          collection('c', '2026-06-15T10:00:00.000Z', 36),
          collection('d', '2026-06-15T10:00:00.001Z', 1_000),
        ],
      };
      assert.equal(rollingMonthlyAverageKg(facts, at), 5);
    });

    it('divides by the whole months since the first container when the ESSMS is newer, at least 1', () => {
      const collections = [collection('a', '2026-06-01T00:00:00.000Z', 12)];
      assert.equal(rollingMonthlyAverageKg({ activeSince: '2026-05-20T00:00:00.000Z', collections }, at), 12);
      assert.equal(rollingMonthlyAverageKg({ activeSince: '2026-03-15T10:00:00.000Z', collections }, at), 4);
      assert.equal(rollingMonthlyAverageKg({ activeSince: '2026-03-15T10:00:00.001Z', collections }, at), 6);
      assert.equal(rollingMonthlyAverageKg({ activeSince: undefined, collections: [] }, at), 0);
    });

    it('is the weight collected in the window over 12 for an ESSMS active for over a year', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ collectedAt: anyInstant, weightKg: fc.integer({ min: 1, max: 1_000 }) }), {
            maxLength: 30,
          }),
          anyInstant,
          (given, now) => {
            const collections = given.map(({ collectedAt, weightKg }, index) =>
              collection(String(index), collectedAt, weightKg),
            );
            const windowStart = ms(plusMonths(now, -12));
            const expected =
              given
                .filter(({ collectedAt }) => ms(collectedAt) > windowStart && ms(collectedAt) <= ms(now))
                .reduce((sum, { weightKg }) => sum + weightKg, 0) / 12;
            const average = rollingMonthlyAverageKg({ activeSince: '2019-01-01T00:00:00.000Z', collections }, now);
            assert.ok(Math.abs(average - expected) < 1e-9, `${average} ≠ ${expected}`);
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('infectiousWasteAlerts', () => {
    const activeSince = '2024-01-01T08:00:00.000Z';

    it('announces the oldest container from the lead before its deadline, overdue just after it', () => {
      // given a small producer (≤ 5 kg a month: 3 months, announced 14 days ahead) and two containers
      const facts = {
        activeSince,
        containers: [
          container('newer', '2026-02-01T08:00:00.000Z'),
          container('oldest', '2026-01-10T08:00:00.000Z'),
          container('gone', '2025-01-01T08:00:00.000Z', 'collection-1'),
        ],
        collections: [collection('collection-1', '2025-12-01T08:00:00.000Z', 20)],
      };
      const at = (now: string) => infectiousWasteAlerts(facts, now).map((alert) => alert.kind);

      // then
      assert.deepEqual(at('2026-03-27T07:59:59.999Z'), []);
      assert.deepEqual(at('2026-03-27T08:00:00.000Z'), ['container-due-soon']);
      assert.deepEqual(at('2026-04-10T08:00:00.000Z'), ['container-due-soon']);
      assert.deepEqual(at('2026-04-10T08:00:00.001Z'), ['container-overdue']);
      const [overdue] = infectiousWasteAlerts(facts, '2026-05-01T00:00:00.000Z');
      assert.ok(overdue?.kind === 'container-overdue');
      assert.equal(overdue.containerId, 'oldest');
      assert.equal(overdue.deadline, '2026-04-10T08:00:00.000Z');
      assert.equal(overdue.limit.label, '3 mois');
    });

    it('shortens the limit as the production grows', () => {
      // given 120 kg collected in the last year (10 kg a month: 1 month)
      const facts = {
        activeSince,
        containers: [container('open', '2026-03-01T08:00:00.000Z')],
        collections: [collection('c', '2026-02-20T08:00:00.000Z', 120)],
      };
      assert.deepEqual(
        infectiousWasteAlerts(facts, '2026-04-01T08:00:00.001Z').map((alert) => alert.kind),
        ['container-overdue'],
      );
      assert.deepEqual(infectiousWasteAlerts({ ...facts, collections: [] }, '2026-04-01T08:00:00.001Z'), []);
    });

    it('warns of a slip not back a month after its collection, until it is returned', () => {
      const late = collection('c', '2026-01-31T09:00:00.000Z', 3, 'BSD-001');
      const facts = {
        activeSince,
        containers: [],
        collections: [late, collection('no-slip', '2025-01-01T09:00:00Z', 1)],
      };
      assert.equal(trackingSlipReturnDeadline(late.collectedAt), '2026-02-28T09:00:00.000Z');
      assert.deepEqual(infectiousWasteAlerts(facts, '2026-02-28T09:00:00.000Z'), []);
      assert.deepEqual(infectiousWasteAlerts(facts, '2026-02-28T09:00:00.001Z'), [
        {
          kind: 'tracking-slip-not-returned',
          collectionId: 'c',
          collectedAt: late.collectedAt,
          trackingSlipNumber: 'BSD-001',
          returnBy: '2026-02-28T09:00:00.000Z',
        },
      ]);
      const returned = { ...late, slipReturnedAt: '2026-03-15T09:00:00.000Z' };
      assert.deepEqual(infectiousWasteAlerts({ ...facts, collections: [returned] }, '2026-06-01T00:00:00.000Z'), []);
    });

    it('alerts exactly when the rule says, for any containers, collections and now', () => {
      const anyContainer = fc.record({ startedAt: anyInstant, collected: fc.boolean() });
      const anyCollection = fc.record({
        collectedAt: anyInstant,
        weightKg: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3_000 })),
        slip: fc.boolean(),
        returned: fc.boolean(),
      });
      fc.assert(
        fc.property(
          fc.array(anyContainer, { maxLength: 8 }),
          fc.array(anyCollection, { maxLength: 8 }),
          anyInstant,
          (givenContainers, givenCollections, now) => {
            // given
            const containers = givenContainers.map(({ startedAt, collected }, index) =>
              container(`k${index}`, startedAt, collected ? 'somewhere' : undefined),
            );
            const collections = givenCollections.map(({ collectedAt, weightKg, slip, returned }, index) => ({
              ...collection(`c${index}`, collectedAt, weightKg, slip ? `BSD-${index}` : undefined),
              slipReturnedAt: slip && returned ? collectedAt : undefined,
            }));
            const facts = { activeSince: '2019-06-01T00:00:00.000Z', containers, collections };

            // when
            const alerts = infectiousWasteAlerts(facts, now);

            // then the oldest container waiting is announced, or not, by its own deadline
            const waiting = containers
              .filter((c) => c.collectionId === undefined)
              .sort((a, b) => ms(a.startedAt) - ms(b.startedAt) || (a.containerId < b.containerId ? -1 : 1));
            const expected: string[] = [];
            const oldest = waiting[0];
            if (oldest !== undefined) {
              const label = expectedLabel(rollingMonthlyAverageKg(facts, now)) as string;
              const deadline = deadlineOf(oldest.startedAt, label);
              assert.equal(
                storageDeadline(oldest.startedAt, storageLimit(rollingMonthlyAverageKg(facts, now))),
                deadline,
              );
              if (ms(now) > ms(deadline)) expected.push(`container-overdue ${oldest.containerId}`);
              else if (ms(now) >= dueSoonFrom(deadline, label))
                expected.push(`container-due-soon ${oldest.containerId}`);
            }
            // and every slip not back a calendar month after its collection, oldest first
            const lateSlips = collections
              .filter((c) => c.trackingSlipNumber !== undefined && c.slipReturnedAt === undefined)
              .filter((c) => ms(now) > ms(plusMonths(c.collectedAt, 1)))
              .sort((a, b) => ms(a.collectedAt) - ms(b.collectedAt));
            for (const c of lateSlips) expected.push(`tracking-slip-not-returned ${c.collectionId}`);
            assert.deepEqual(
              alerts.map((alert) =>
                alert.kind === 'tracking-slip-not-returned'
                  ? `${alert.kind} ${alert.collectionId}`
                  : `${alert.kind} ${alert.containerId}`,
              ),
              expected,
            );
          },
        ),
        { numRuns: 1_000 },
      );
    });
  });
});
