import {
  type DestructionReportEvent,
  destructionReportDecider,
  type HabilitationEvent,
  habilitationsDecider,
} from '@dui-pds/domain';
import { type BenchResult, median, report } from './measure.js';

const ROUNDS = 5;
const CARE_TEAM_EVENTS = 20_000;
const DESTRUCTIONS = 20_000;

/**
 * Loading a long stream into a decider: what every command on it pays. The habilitations of an
 * organisation (one stream holding every care-team membership of its ESSMS, folded by each grant
 * and each admission) and its destruction report (one event per destroyed record, for years).
 * The baseline of the same run folds the same events with an evolve that only counts them: the
 * cost of going through them at all.
 */
export async function benchDeciders(results: BenchResult[]): Promise<void> {
  const careTeamEvents: HabilitationEvent[] = Array.from({ length: CARE_TEAM_EVENTS }, (_, index) => ({
    type: 'CareTeamMemberAdded',
    data: {
      professionalId: `pro-${index % 100}`,
      facilityId: `75000000${index % 5}`,
      serviceUserId: `usager-${Math.floor(index / 4)}`,
      joinedOn: '2026-01-05',
    },
  }));
  const destructions = Array.from(
    { length: DESTRUCTIONS },
    (_, index) =>
      ({
        type: 'RecordDestroyed',
        data: { serviceUserId: `usager-${index}`, destroyedAt: '2046-01-05T02:00:00.000Z' },
      }) as unknown as DestructionReportEvent,
  );
  const habilitations = foldTimes(careTeamEvents, habilitationsDecider);
  report(
    {
      name: 'habilitations_fold_ms',
      value: round2(habilitations.median),
      unit: 'ms',
      detail: {
        events: CARE_TEAM_EVENTS,
        rounds: ROUNDS,
        foldMs: habilitations.all,
        baselineMs: habilitations.baseline,
      },
    },
    results,
  );
  const report20k = foldTimes(destructions, destructionReportDecider);
  report(
    {
      name: 'destruction_report_fold_ms',
      value: round2(report20k.median),
      unit: 'ms',
      detail: { events: DESTRUCTIONS, rounds: ROUNDS, foldMs: report20k.all, baselineMs: report20k.baseline },
    },
    results,
  );
}

function foldTimes<Event, State>(
  events: readonly Event[],
  decider: { initialState(): State; evolve(state: State, event: Event): State },
): { median: number; all: number[]; baseline: number } {
  const fold = () => events.reduce(decider.evolve, decider.initialState());
  const count = () => events.reduce((seen: number) => seen + 1, 0);
  // warm-up: both paths compiled before anything is timed
  fold();
  count();
  const all: number[] = [];
  const baselines: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    all.push(timed(fold));
    baselines.push(timed(count));
  }
  return { median: median(all), all: all.map(round2), baseline: round2(median(baselines)) };
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
