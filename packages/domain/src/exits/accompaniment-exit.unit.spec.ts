import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AccompanimentExit,
  type AccompanimentExitCommand,
  type AccompanimentExitEvent,
  accompanimentExitDecider,
  accompanimentExitEventSchemas,
  accompanimentExitStreamId,
  EXIT_DESTINATION_LABELS,
  EXIT_DESTINATIONS,
  EXIT_REASON_LABELS,
  EXIT_REASONS,
  type ExitRecorded,
  mayClosePostExitFollowUp,
} from './accompaniment-exit.js';

const spec = DeciderSpecification.for(accompanimentExitDecider);
const accompanimentId = '0195f0a0-0000-7000-8000-0000000000e1';
const actionIds = ['0195f0a0-0000-7000-8000-0000000000a1', '0195f0a0-0000-7000-8000-0000000000a2'] as const;
const [firstAction, secondAction] = actionIds;
const exit: ExitRecorded = {
  accompanimentId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  exitDay: '2025-06-30',
  exitReason: 'reoriented',
  destination: 'other-essms',
  destinationDetails: 'CSAPA de Lyon',
};
const recorded: AccompanimentExitEvent = { type: 'ExitRecorded', data: exit };
const plan = {
  type: 'PlanPostExitAction',
  actionId: firstAction,
  description: 'Appeler le CSAPA de Lyon pour vérifier le premier rendez-vous',
  assigneeId: 'pro-social',
  dueDay: '2025-07-15',
} as const;
const planned: AccompanimentExitEvent = {
  type: 'PostExitActionPlanned',
  data: {
    accompanimentId,
    actionId: firstAction,
    description: plan.description,
    assigneeId: 'pro-social',
    dueDay: '2025-07-15',
  },
};
const done: AccompanimentExitEvent = {
  type: 'PostExitActionDone',
  data: { accompanimentId, actionId: firstAction, doneDay: '2025-07-10', outcome: 'Rendez-vous honoré le 8 juillet' },
};
const closed: AccompanimentExitEvent = {
  type: 'PostExitFollowUpClosed',
  data: { accompanimentId, closedDay: '2025-07-20', note: 'Relais pris par le CSAPA de Lyon' },
};
const close = {
  type: 'ClosePostExitFollowUp',
  closedDay: '2025-07-20',
  note: 'Relais pris par le CSAPA de Lyon',
} as const;
const death: ExitRecorded = {
  ...exit,
  exitReason: 'death',
  destination: 'not-applicable',
  destinationDetails: undefined,
};
const { destinationDetails: _, ...deathData } = death;
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

describe('the exit of a usager from an accompaniment', () => {
  it('names one stream per accompaniment, the organisation escaped', () => {
    assert.equal(accompanimentExitStreamId('og/1', accompanimentId), `accompaniment-exit/og%2F1/${accompanimentId}`);
  });

  it('labels every reason and destination in French', () => {
    for (const reason of EXIT_REASONS) assert.ok(EXIT_REASON_LABELS[reason].length > 0, reason);
    for (const destination of EXIT_DESTINATIONS) assert.ok(EXIT_DESTINATION_LABELS[destination].length > 0);
    assert.equal(EXIT_REASON_LABELS['lost-to-follow-up'], 'Perdu de vue');
  });

  it('is recorded once, with its day, reason and destination, texts trimmed', () => {
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, destinationDetails: ' CSAPA de Lyon ', exitReasonDetails: '  ' })
      .thenEmits([recorded]);
    spec
      .given([recorded])
      .when({ type: 'RecordExit', ...exit })
      .thenRefuses(refusedWith('EXIT_ALREADY_RECORDED'));
  });

  it('asks for details of an « other » reason or destination', () => {
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, exitReason: 'other' })
      .thenRefuses(refusedWith('EXIT_REASON_DETAILS_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, destination: 'other', destinationDetails: ' ' })
      .thenRefuses(refusedWith('DESTINATION_DETAILS_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, exitReason: 'other', exitReasonDetails: 'Déménagement' })
      .thenEmits([{ type: 'ExitRecorded', data: { ...exit, exitReason: 'other', exitReasonDetails: 'Déménagement' } }]);
  });

  it('gives a death no destination, and no other exit the « not applicable » one', () => {
    spec
      .given([])
      .when({ type: 'RecordExit', ...deathData })
      .thenEmits([{ type: 'ExitRecorded', data: deathData }]);
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, exitReason: 'death' })
      .thenRefuses(refusedWith('DESTINATION_NOT_APPLICABLE_ONLY_FOR_DEATH'));
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, destination: 'not-applicable' })
      .thenRefuses(refusedWith('DESTINATION_NOT_APPLICABLE_ONLY_FOR_DEATH'));
  });

  it('refuses an invalid exit day', () => {
    spec
      .given([])
      .when({ type: 'RecordExit', ...exit, exitDay: '2025-02-30' })
      .thenRefuses(refusedWith('INVALID_DATE'));
  });

  describe('its correction', () => {
    const correct = {
      type: 'CorrectExit',
      reason: ' Erreur de saisie ',
      exit: {
        exitDay: '2025-06-28',
        exitReason: 'reoriented',
        destination: 'other-essms',
        destinationDetails: 'CSAPA de Lyon',
      },
    } as const;

    it('records what the exit now says and why', () => {
      spec
        .given([recorded])
        .when(correct)
        .thenEmits([
          {
            type: 'ExitCorrected',
            data: { accompanimentId, reason: 'Erreur de saisie', exit: { ...correct.exit } },
          },
        ]);
      spec
        .given([recorded])
        .when({ ...correct, reason: ' ' })
        .thenRefuses(refusedWith('CORRECTION_REASON_REQUIRED'));
      spec.given([]).when(correct).thenRefuses(refusedWith('EXIT_NOT_RECORDED'));
    });

    it('records nothing when nothing changes', () => {
      const { accompanimentId: _a, serviceUserId: _s, facilityId: _f, ...same } = exit;
      spec
        .given([recorded])
        .when({ ...correct, exit: same })
        .thenNothingHappens();
    });

    it('does not move the exit past the follow-up already planned, nor make it a death while actions are open', () => {
      spec
        .given([recorded, planned])
        .when({ ...correct, exit: { ...correct.exit, exitDay: '2025-07-16' } })
        .thenRefuses(refusedWith('EXIT_AFTER_FOLLOW_UP'));
      const { destinationDetails: _d, ...toDeath } = {
        ...correct.exit,
        exitReason: 'death',
        destination: 'not-applicable',
      } as const;
      spec
        .given([recorded, planned])
        .when({ ...correct, exit: toDeath })
        .thenRefuses(refusedWith('POST_EXIT_ACTIONS_OPEN'));
      spec
        .given([recorded, planned, done])
        .when({ ...correct, exit: toDeath })
        .thenEmits([{ type: 'ExitCorrected', data: { accompanimentId, reason: 'Erreur de saisie', exit: toDeath } }]);
    });
  });

  describe('the follow-up after it', () => {
    it('plans an action: what, who, by when, on or after the exit day', () => {
      spec
        .given([recorded])
        .when({ ...plan, description: `  ${plan.description}` })
        .thenEmits([planned]);
      spec.given([recorded, planned]).when(plan).thenRefuses(refusedWith('POST_EXIT_ACTION_ALREADY_PLANNED'));
      spec
        .given([recorded])
        .when({ ...plan, dueDay: '2025-06-29' })
        .thenRefuses(refusedWith('BEFORE_EXIT'));
      spec
        .given([recorded])
        .when({ ...plan, description: ' ' })
        .thenRefuses(refusedWith('POST_EXIT_ACTION_DESCRIPTION_REQUIRED'));
      spec.given([]).when(plan).thenRefuses(refusedWith('EXIT_NOT_RECORDED'));
    });

    it('plans nothing after a death', () => {
      spec
        .given([{ type: 'ExitRecorded', data: deathData }])
        .when(plan)
        .thenRefuses(refusedWith('NO_FOLLOW_UP_AFTER_DEATH'));
    });

    it('records an action done, with its day and outcome, once', () => {
      const record = {
        type: 'RecordPostExitActionDone',
        actionId: firstAction,
        doneDay: '2025-07-10',
        outcome: 'Rendez-vous honoré le 8 juillet',
      } as const;
      spec.given([recorded, planned]).when(record).thenEmits([done]);
      spec.given([recorded, planned, done]).when(record).thenRefuses(refusedWith('POST_EXIT_ACTION_SETTLED'));
      spec
        .given([recorded, planned])
        .when({ ...record, actionId: secondAction })
        .thenRefuses(refusedWith('POST_EXIT_ACTION_NOT_FOUND'));
      spec
        .given([recorded, planned])
        .when({ ...record, doneDay: '2025-06-01' })
        .thenRefuses(refusedWith('BEFORE_EXIT'));
      spec
        .given([recorded, planned])
        .when({ ...record, outcome: '' })
        .thenRefuses(refusedWith('POST_EXIT_ACTION_OUTCOME_REQUIRED'));
    });

    it('cancels an open action, with a reason', () => {
      const cancel = { type: 'CancelPostExitAction', actionId: firstAction, reason: 'Usager injoignable' } as const;
      spec
        .given([recorded, planned])
        .when(cancel)
        .thenEmits([
          {
            type: 'PostExitActionCancelled',
            data: { accompanimentId, actionId: firstAction, reason: 'Usager injoignable' },
          },
        ]);
      spec
        .given([recorded, planned])
        .when({ ...cancel, reason: ' ' })
        .thenRefuses(refusedWith('CANCEL_REASON_REQUIRED'));
      spec.given([recorded, planned, done]).when(cancel).thenRefuses(refusedWith('POST_EXIT_ACTION_SETTLED'));
    });

    it('closes only when no action is still open, on or after the last one done', () => {
      spec.given([recorded, planned]).when(close).thenRefuses(refusedWith('POST_EXIT_ACTIONS_OPEN'));
      spec.given([recorded, planned, done]).when(close).thenEmits([closed]);
      spec.given([recorded]).when(close).thenEmits([closed]);
      spec
        .given([recorded, planned, done])
        .when({ ...close, closedDay: '2025-07-09' })
        .thenRefuses(refusedWith('CLOSED_BEFORE_LAST_ACTION'));
      spec
        .given([recorded, planned, done])
        .when({ ...close, note: ' ' })
        .thenRefuses(refusedWith('CLOSING_NOTE_REQUIRED'));
    });

    it('refuses every command once closed', () => {
      const commands: AccompanimentExitCommand[] = [
        { ...plan, actionId: secondAction },
        { type: 'CancelPostExitAction', actionId: firstAction, reason: 'doublon' },
        close,
        { type: 'CorrectExit', reason: 'erreur', exit: { ...exit, exitDay: '2025-06-29' } },
      ];
      for (const command of commands) {
        spec
          .given([recorded, planned, done, closed])
          .when(command)
          .thenRefuses(refusedWith('POST_EXIT_FOLLOW_UP_CLOSED'));
      }
      spec
        .given([recorded, planned, done, closed])
        .when({ type: 'RecordExit', ...exit })
        .thenRefuses(refusedWith('EXIT_ALREADY_RECORDED'));
    });
  });

  it('emits events that match their schemas', () => {
    const events: AccompanimentExitEvent[] = [
      recorded,
      { type: 'ExitCorrected', data: { accompanimentId, reason: 'erreur', exit: { ...exit } } },
      planned,
      done,
      { type: 'PostExitActionCancelled', data: { accompanimentId, actionId: secondAction, reason: 'doublon' } },
      closed,
    ];
    for (const event of events) {
      assert.ok(accompanimentExitEventSchemas[event.type].safeParse(event.data).success, event.type);
    }
  });

  it('keeps nothing of a forgotten usager, and takes no command for them', () => {
    const forgotten: AccompanimentExitEvent[] = [
      { type: 'ExitRecorded', data: { $erased: true } },
      { type: 'PostExitActionPlanned', data: { $erased: true } },
    ];
    const state = foldEvents(accompanimentExitDecider, forgotten);
    assert.ok(state.status === 'recorded');
    assert.equal(state.serviceUserId, undefined);
    assert.equal(state.exit, undefined);
    assert.deepEqual(state.actions, []);
    spec.given(forgotten).when(close).thenRefuses(refusedWith('EXIT_ERASED'));
  });
});

/** A step of the follow-up, on one of a few actions. */
type Step = { kind: 'plan' | 'done' | 'cancel'; action: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('plan' as const), action: fc.nat(3) }),
  fc.record({ kind: fc.constant('done' as const), action: fc.nat(3) }),
  fc.record({ kind: fc.constant('cancel' as const), action: fc.nat(3) }),
);
const actionIdOf = (n: number) => `0195f0a0-0000-7000-8000-00000000010${n}`;

function commandOf(s: Step): AccompanimentExitCommand {
  const actionId = actionIdOf(s.action);
  switch (s.kind) {
    case 'plan':
      return {
        type: 'PlanPostExitAction',
        actionId,
        description: 'Appeler',
        assigneeId: 'pro-1',
        dueDay: '2025-07-15',
      };
    case 'done':
      return { type: 'RecordPostExitActionDone', actionId, doneDay: '2025-07-01', outcome: 'Fait' };
    case 'cancel':
      return { type: 'CancelPostExitAction', actionId, reason: 'Sans objet' };
  }
}

describe('the closing of the follow-up after an exit', () => {
  it('is possible exactly when every action planned is done or cancelled', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 20, size: 'max' }), (steps) => {
        // given an exit, then whatever of the steps the decider accepts
        let state: AccompanimentExit = foldEvents(accompanimentExitDecider, [recorded]);
        const planned = new Set<string>();
        const settled = new Set<string>();
        for (const s of steps) {
          let events: readonly AccompanimentExitEvent[];
          try {
            events = asEventList(accompanimentExitDecider.decide(commandOf(s), state));
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
            continue;
          }
          const actionId = actionIdOf(s.action);
          if (s.kind === 'plan') planned.add(actionId);
          else settled.add(actionId);
          state = events.reduce(accompanimentExitDecider.evolve, state);
        }
        assert.ok(state.status === 'recorded');

        // when the follow-up is closed
        const expected = [...planned].every((actionId) => settled.has(actionId));
        let closedState: AccompanimentExit | undefined;
        try {
          closedState = asEventList(accompanimentExitDecider.decide(close, state)).reduce(
            accompanimentExitDecider.evolve,
            state,
          );
        } catch (error) {
          assert.ok(refusedWith('POST_EXIT_ACTIONS_OPEN')(error as Error), String(error));
        }

        // then it closes iff nothing is open, and nothing is accepted after
        assert.equal(closedState !== undefined, expected);
        assert.equal(mayClosePostExitFollowUp(state.actions), expected);
        if (closedState !== undefined) {
          for (const s of steps) {
            assert.throws(
              () => accompanimentExitDecider.decide(commandOf(s), closedState),
              refusedWith('POST_EXIT_FOLLOW_UP_CLOSED'),
            );
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
