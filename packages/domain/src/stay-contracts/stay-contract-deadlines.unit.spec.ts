import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import type { StayContract, StayContractCommand } from './stay-contract.js';
import { stayContractDecider } from './stay-contract.js';
import {
  STAY_CONTRACT_LEAD_DAYS,
  type StayContractDeadline,
  type StayContractWarningType,
  stayContractWarnings,
} from './stay-contract-deadlines.js';

/**
 * The rule, formulated apart from the code under test: days counted from 1970-01-01, months
 * counted on the calendar (year × 12 + month), then by the day of the month.
 */
const MS_PER_DAY = 86_400_000;
const dayNumber = (day: string) => Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / MS_PER_DAY;
const dayOf = (n: number) => new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
const plusDays = (day: string, days: number) => dayOf(dayNumber(day) + days);
const monthIndex = (day: string) => +day.slice(0, 4) * 12 + +day.slice(5, 7);
const dayOfMonth = (day: string) => +day.slice(8, 10);

/** Whether an act due `days` days after `from` is late if done on `day`. */
const lateAfterDays = (from: string, days: number) => (day: string) => dayNumber(day) - dayNumber(from) > days;
/**
 * Whether an act due `months` months after `from` is late on `day`: more calendar months have
 * passed, or exactly as many and a later day of the month (admitted on 31 January, a month has
 * not passed on 28 February, whatever the length of February).
 */
const lateAfterMonths = (from: string, months: number) => (day: string) => {
  const passed = monthIndex(day) - monthIndex(from);
  return passed > months || (passed === months && dayOfMonth(day) > dayOfMonth(from));
};

/** What the rule expects on `today`: overdue when late today, due soon when late if done after the lead time. */
function expectedWarning(
  deadline: StayContractDeadline,
  late: (day: string) => boolean,
  today: string,
): StayContractWarningType | undefined {
  if (late(today)) return `${deadline}-overdue`;
  if (late(plusDays(today, STAY_CONTRACT_LEAD_DAYS[deadline] + 1))) return `${deadline}-due-soon`;
  return undefined;
}

function warningOf(contract: StayContract, deadline: StayContractDeadline, today: string) {
  const found = stayContractWarnings(contract, today).filter((warning) => warning.deadline === deadline);
  assert.ok(found.length <= 1, `one warning per deadline at most: ${JSON.stringify(found)}`);
  return found[0];
}

/** The due day of a warning is the last day the act is on time. */
function assertDueOn(late: (day: string) => boolean, dueOn: string): void {
  assert.equal(late(dueOn), false, `${dueOn} is still on time`);
  assert.equal(late(plusDays(dueOn, 1)), true, `the day after ${dueOn} is late`);
}

const contractId = '0195f0a0-0000-7000-8000-0000000000c1';
/** 2000-01-01 to 2060-12-31. */
const anyDay = fc.integer({ min: dayNumber('2000-01-01'), max: dayNumber('2060-12-31') }).map(dayOf);
/** Days from a reference: mostly around `near` days (where the warnings change), sometimes anywhere. */
const offsetAround = (near: number) =>
  fc.oneof(fc.integer({ min: near - 60, max: near + 60 }), fc.integer({ min: -30, max: 1_200 }));

/** The contract after these commands, each decided on the state the previous ones left. */
function contractAfter(commands: StayContractCommand[]): StayContract {
  return commands.reduce(
    (state, command) =>
      asEventList(stayContractDecider.decide(command, state)).reduce(stayContractDecider.evolve, state),
    foldEvents(stayContractDecider, []),
  );
}

const draft = (admittedOn: string, kind: 'stay-contract' | 'dipc' = 'stay-contract'): StayContractCommand => ({
  type: 'DraftStayContract',
  contractId,
  kind,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  accompanimentId: '0195f0a0-0000-7000-8000-0000000000a1',
  admittedOn,
  objectives: [],
  services: ['Accompagnement social'],
  annexes: [],
});
const handOver = (day: string): StayContractCommand => ({ type: 'HandOverStayContract', day });
const sign = (day: string): StayContractCommand => ({
  type: 'SignStayContract',
  day,
  signedForUsagerBy: 'usager',
  directorId: 'pro-dir',
});
const amendAndSign = (day: string): StayContractCommand[] => [
  { type: 'DraftStayContractAmendment', day, reason: 'Avenant', objectives: ['Objectif précisé'] },
  { type: 'SignStayContractAmendment', day, signedForUsagerBy: 'usager', directorId: 'pro-dir' },
];
const review = (day: string): StayContractCommand => ({
  type: 'ReviewStayContract',
  day,
  outcome: 'objectives-confirmed',
});
const close = (day: string): StayContractCommand => ({ type: 'CloseStayContract', day, reason: 'Sortie' });

describe('the deadlines of a contrat de séjour or DIPC', () => {
  it('counts from the admission day: 15 days, 1 month (clamped), 6 months', () => {
    const contract = contractAfter([draft('2025-01-31')]);
    assert.deepEqual(stayContractWarnings(contract, '2025-02-10'), [
      { type: 'handover-due-soon', deadline: 'handover', dueOn: '2025-02-15' },
    ]);
    assert.deepEqual(stayContractWarnings(contract, '2025-02-21'), [
      { type: 'handover-overdue', deadline: 'handover', dueOn: '2025-02-15' },
      { type: 'signature-due-soon', deadline: 'signature', dueOn: '2025-02-28' },
    ]);
    assert.deepEqual(
      stayContractWarnings(contract, '2025-07-01').map(({ type, dueOn }) => [type, dueOn]),
      [
        ['handover-overdue', '2025-02-15'],
        ['signature-overdue', '2025-02-28'],
        ['amendment-due-soon', '2025-07-31'],
      ],
    );
    assert.deepEqual(stayContractWarnings(contract, '2025-02-09'), []);
  });

  it('reviews a year after the first amendment, then a year after each review', () => {
    const amended = contractAfter([
      draft('2025-03-03'),
      handOver('2025-03-05'),
      sign('2025-03-20'),
      ...amendAndSign('2025-08-15'),
    ]);
    assert.deepEqual(stayContractWarnings(amended, '2026-07-15'), []);
    assert.deepEqual(stayContractWarnings(amended, '2026-07-16'), [
      { type: 'review-due-soon', deadline: 'review', dueOn: '2026-08-15' },
    ]);
    assert.deepEqual(stayContractWarnings(amended, '2026-08-16'), [
      { type: 'review-overdue', deadline: 'review', dueOn: '2026-08-15' },
    ]);
    const reviewed = [review('2026-08-20')].reduce(
      (state, command) =>
        asEventList(stayContractDecider.decide(command, state)).reduce(stayContractDecider.evolve, state),
      amended,
    );
    assert.deepEqual(stayContractWarnings(reviewed, '2026-08-21'), []);
    assert.deepEqual(stayContractWarnings(reviewed, '2027-08-21'), [
      { type: 'review-overdue', deadline: 'review', dueOn: '2027-08-20' },
    ]);
  });

  describe('a warning appears exactly when the rule says (today injected)', () => {
    it('handover: 15 days after admission, until handed over', () => {
      fc.assert(
        fc.property(
          anyDay,
          offsetAround(15),
          fc.option(fc.integer({ min: 0, max: 60 })),
          (admittedOn, offset, handoverAfter) => {
            const today = plusDays(admittedOn, offset);
            const commands = [draft(admittedOn)];
            if (handoverAfter !== null) commands.push(handOver(plusDays(admittedOn, handoverAfter)));
            const warning = warningOf(contractAfter(commands), 'handover', today);

            const late = lateAfterDays(admittedOn, 15);
            assert.equal(warning?.type, handoverAfter === null ? expectedWarning('handover', late, today) : undefined);
            if (warning) assertDueOn(late, warning.dueOn);
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it('signature: 1 month after admission, until signed, whether a contract or a DIPC', () => {
      fc.assert(
        fc.property(
          anyDay,
          offsetAround(30),
          fc.constantFrom<'stay-contract' | 'dipc'>('stay-contract', 'dipc'),
          fc.constantFrom('drafted', 'handed over', 'signed'),
          (admittedOn, offset, kind, stage) => {
            const today = plusDays(admittedOn, offset);
            const commands = [draft(admittedOn, kind)];
            if (stage !== 'drafted') commands.push(handOver(plusDays(admittedOn, 3)));
            if (stage === 'signed') commands.push(sign(plusDays(admittedOn, 40)));
            const warning = warningOf(contractAfter(commands), 'signature', today);

            const late = lateAfterMonths(admittedOn, 1);
            assert.equal(warning?.type, stage === 'signed' ? undefined : expectedWarning('signature', late, today));
            if (warning) assertDueOn(late, warning.dueOn);
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it('amendment: 6 months after admission, until the first amendment is signed', () => {
      fc.assert(
        fc.property(
          anyDay,
          offsetAround(182),
          fc.constantFrom('drafted', 'signed', 'amendment drafted', 'amended'),
          (admittedOn, offset, stage) => {
            const today = plusDays(admittedOn, offset);
            const commands = [draft(admittedOn)];
            if (stage !== 'drafted') commands.push(handOver(admittedOn), sign(plusDays(admittedOn, 10)));
            const amendment = amendAndSign(plusDays(admittedOn, 200));
            if (stage === 'amendment drafted') commands.push(amendment[0] as StayContractCommand);
            if (stage === 'amended') commands.push(...amendment);
            const warning = warningOf(contractAfter(commands), 'amendment', today);

            const late = lateAfterMonths(admittedOn, 6);
            assert.equal(warning?.type, stage === 'amended' ? undefined : expectedWarning('amendment', late, today));
            if (warning) assertDueOn(late, warning.dueOn);
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it('review: a year after the first amendment or the last review, never before the first amendment', () => {
      fc.assert(
        fc.property(
          anyDay,
          fc.integer({ min: 0, max: 400 }),
          fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 3 }),
          fc.option(fc.integer({ min: 1, max: 300 })),
          offsetAround(365),
          (admittedOn, amendedAfter, reviewGaps, secondAmendmentGap, offset) => {
            const firstAmendment = plusDays(admittedOn, amendedAfter);
            const commands = [
              draft(admittedOn),
              handOver(admittedOn),
              sign(admittedOn),
              ...amendAndSign(firstAmendment),
            ];
            let anchor = firstAmendment;
            for (const gap of reviewGaps) {
              anchor = plusDays(anchor, gap);
              commands.push(review(anchor));
            }
            // a later amendment is not a review: the anchor stays
            if (secondAmendmentGap !== null) commands.push(...amendAndSign(plusDays(anchor, secondAmendmentGap)));
            const today = plusDays(anchor, offset);
            const warning = warningOf(contractAfter(commands), 'review', today);

            const late = lateAfterMonths(anchor, 12);
            assert.equal(warning?.type, expectedWarning('review', late, today));
            if (warning) assertDueOn(late, warning.dueOn);
            const notYetAmended = contractAfter([draft(admittedOn), handOver(admittedOn), sign(admittedOn)]);
            assert.equal(warningOf(notYetAmended, 'review', today), undefined);
          },
        ),
        { numRuns: 1_000 },
      );
    });

    it('none at all once the contract is closed, whatever its stage and the day', () => {
      fc.assert(
        fc.property(
          anyDay,
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: -30, max: 2_000 }),
          (admittedOn, stage, offset) => {
            const lifeCycle = [
              draft(admittedOn),
              handOver(plusDays(admittedOn, 20)),
              sign(plusDays(admittedOn, 40)),
              ...amendAndSign(plusDays(admittedOn, 300)),
              review(plusDays(admittedOn, 900)),
            ];
            const commands = [...lifeCycle.slice(0, stage), close(plusDays(admittedOn, 1_000))];
            const today = plusDays(admittedOn, offset);
            assert.deepEqual(stayContractWarnings(contractAfter(commands), today), []);
            assert.notDeepEqual(
              stayContractWarnings(contractAfter(commands.slice(0, -1)), plusDays(admittedOn, 2_000)),
              [],
            );
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  it('sorts the warnings most urgent first, and none for a contract that does not exist', () => {
    fc.assert(
      fc.property(anyDay, fc.integer({ min: -30, max: 1_200 }), (admittedOn, offset) => {
        const warnings = stayContractWarnings(contractAfter([draft(admittedOn)]), plusDays(admittedOn, offset));
        const dues = warnings.map((warning) => warning.dueOn);
        assert.deepEqual(dues, [...dues].sort());
      }),
    );
    assert.deepEqual(stayContractWarnings({ status: 'none' }, '2025-01-01'), []);
  });
});
