import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AdmissionApplicationCommand,
  type AdmissionApplicationEvent,
  type Admitted,
  type ApplicationRefused,
  type ApplicationWithdrawn,
  admissionApplicationDecider,
  admissionApplicationEventSchemas,
  type ContactPlanned,
} from './application.js';

const spec = DeciderSpecification.for(admissionApplicationDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const applicationId = '0195f0a0-0000-7000-8000-0000000000a1';
const accompanimentId = '0195f0a0-0000-7000-8000-0000000000c1';
const contactId = '0195f0a0-0000-7000-8000-0000000000b1';
const csapa = '750000001';
const act = '750000002';
const lhss = '750000003';

const received: AdmissionApplicationEvent = {
  type: 'ApplicationReceived',
  data: {
    applicationId,
    serviceUserId: 'usager-1',
    facilityIds: [csapa, act],
    receivedAt: '2025-03-03T09:00:00.000Z',
    source: 'CAARUD de la Gare',
    priority: 'normal',
  },
};
const waiting: AdmissionApplicationEvent = {
  type: 'AddedToWaitingList',
  data: { facilityId: csapa, at: '2025-03-04T09:00:00.000Z', priority: 'normal' },
};
const contact: ContactPlanned = {
  facilityId: csapa,
  contactId,
  appointmentAt: '2025-03-10T14:00:00.000Z',
  professionalId: 'pro-1',
  mode: 'in-person',
  at: '2025-03-05T09:00:00.000Z',
};
const contactPlanned: AdmissionApplicationEvent = { type: 'ContactPlanned', data: contact };
const admission: Admitted = {
  facilityId: csapa,
  accompanimentId,
  admittedAt: '2025-03-10T15:00:00.000Z',
  applicationId,
  serviceUserId: 'usager-1',
};
const admitted: AdmissionApplicationEvent = { type: 'Admitted', data: admission };
const refusal: ApplicationRefused = { facilityId: csapa, reason: 'hors zone', at: '2025-03-06T09:00:00.000Z' };
const refused: AdmissionApplicationEvent = { type: 'ApplicationRefused', data: refusal };
const withdrawal: ApplicationWithdrawn = {
  facilityIds: [csapa, act],
  reason: 'déménagement',
  at: '2025-03-07T09:00:00.000Z',
};
const withdrawn: AdmissionApplicationEvent = { type: 'ApplicationWithdrawn', data: withdrawal };

const putOnList = (facilityId = csapa): AdmissionApplicationCommand => ({
  type: 'PutOnWaitingList',
  facilityId,
  at: '2025-03-04T09:00:00.000Z',
});
const admit = (facilityId = csapa): AdmissionApplicationCommand => ({
  type: 'Admit',
  facilityId,
  accompanimentId,
  admittedAt: '2025-03-10T15:00:00.000Z',
});
const planContact: AdmissionApplicationCommand = { type: 'PlanContact', ...contact };

describe('an application for admission', () => {
  describe('ReceiveApplication', () => {
    it('records the prospect, the ESSMS applied to (once each) and the priority', () => {
      spec
        .given([])
        .when({
          type: 'ReceiveApplication',
          applicationId,
          serviceUserId: 'usager-1',
          facilityIds: [csapa, act, csapa],
          receivedAt: '2025-03-03T09:00:00.000Z',
          source: '  CAARUD de la Gare ',
          priority: 'normal',
        })
        .thenEmits([received]);
    });

    it('is refused twice, or without any ESSMS', () => {
      const receive: AdmissionApplicationCommand = {
        type: 'ReceiveApplication',
        applicationId,
        serviceUserId: 'usager-1',
        facilityIds: [csapa],
        receivedAt: '2025-03-03T09:00:00.000Z',
        priority: 'urgent',
      };
      spec.given([received]).when(receive).thenRefuses(refusedWith('APPLICATION_ALREADY_RECEIVED'));
      spec
        .given([])
        .when({ ...receive, facilityIds: [] })
        .thenRefuses(refusedWith('APPLICATION_FACILITY_REQUIRED'));
    });

    it('is needed before anything else', () => {
      spec.given([]).when(putOnList()).thenRefuses(refusedWith('APPLICATION_NOT_FOUND'));
      spec.given([]).when(admit()).thenRefuses(refusedWith('APPLICATION_NOT_FOUND'));
    });
  });

  describe('PutOnWaitingList', () => {
    it('puts the prospect on an ESSMS’ list, with the application’s priority unless told otherwise', () => {
      spec.given([received]).when(putOnList()).thenEmits([waiting]);
      spec
        .given([received])
        .when({ type: 'PutOnWaitingList', facilityId: act, at: '2025-03-04T09:00:00.000Z', priority: 'high' })
        .thenEmits([
          { type: 'AddedToWaitingList', data: { facilityId: act, at: '2025-03-04T09:00:00.000Z', priority: 'high' } },
        ]);
    });

    it('is refused for an ESSMS not applied to', () => {
      spec.given([received]).when(putOnList(lhss)).thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
    });

    it('never puts the prospect twice on the same list', () => {
      spec.given([received, waiting]).when(putOnList()).thenRefuses(refusedWith('ALREADY_ON_WAITING_LIST'));
      spec
        .given([received, waiting, contactPlanned])
        .when(putOnList())
        .thenRefuses(refusedWith('ALREADY_ON_WAITING_LIST'));
    });

    it('is refused once admitted or refused there', () => {
      spec.given([received, admitted]).when(putOnList()).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
      spec.given([received, refused]).when(putOnList()).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
    });
  });

  describe('ChangePriority', () => {
    it('changes one ESSMS’ priority, with a reason', () => {
      spec
        .given([received, waiting])
        .when({ type: 'ChangePriority', facilityId: csapa, priority: 'urgent', reason: ' sortie d’hôpital ' })
        .thenEmits([
          { type: 'PriorityChanged', data: { facilityId: csapa, priority: 'urgent', reason: 'sortie d’hôpital' } },
        ]);
    });

    it('changes nothing when the priority is already that one', () => {
      spec
        .given([received, waiting])
        .when({ type: 'ChangePriority', facilityId: csapa, priority: 'normal', reason: 'revue' })
        .thenNothingHappens();
    });

    it('is refused without a reason, for an ESSMS not applied to, or once closed', () => {
      spec
        .given([received])
        .when({ type: 'ChangePriority', facilityId: csapa, priority: 'urgent', reason: '  ' })
        .thenRefuses(refusedWith('PRIORITY_REASON_REQUIRED'));
      spec
        .given([received])
        .when({ type: 'ChangePriority', facilityId: lhss, priority: 'urgent', reason: 'x' })
        .thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
      spec
        .given([received, refused])
        .when({ type: 'ChangePriority', facilityId: csapa, priority: 'urgent', reason: 'x' })
        .thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
    });
  });

  describe('PlanContact', () => {
    it('plans the appointment (when, who, how), from the list, straight away, or again', () => {
      spec.given([received, waiting]).when(planContact).thenEmits([contactPlanned]);
      spec.given([received]).when(planContact).thenEmits([contactPlanned]);
      spec.given([received, waiting, contactPlanned]).when(planContact).thenEmits([contactPlanned]);
    });

    it('is refused for an ESSMS not applied to, or once closed there', () => {
      spec
        .given([received])
        .when({ type: 'PlanContact', ...contact, facilityId: lhss })
        .thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
      spec.given([received, admitted]).when(planContact).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
    });
  });

  describe('Admit', () => {
    it('admits from the list or after the contact, opening an accompaniment', () => {
      spec.given([received, waiting]).when(admit()).thenEmits([admitted]);
      spec.given([received, waiting, contactPlanned]).when(admit()).thenEmits([admitted]);
    });

    it('admits directly from a received application (low-threshold services)', () => {
      spec.given([received]).when(admit()).thenEmits([admitted]);
    });

    it('leaves the other ESSMS’ open statuses, so a second ESSMS may admit too', () => {
      const admittedToAct: AdmissionApplicationEvent = {
        type: 'Admitted',
        data: { ...admission, facilityId: act },
      };
      spec.given([received, admitted]).when(admit(act)).thenEmits([admittedToAct]);
      spec
        .given([received, admitted])
        .when(putOnList(act))
        .thenEmits([
          { type: 'AddedToWaitingList', data: { facilityId: act, at: '2025-03-04T09:00:00.000Z', priority: 'normal' } },
        ]);
    });

    it('is refused twice, after a refusal, or for an ESSMS not applied to', () => {
      spec.given([received, admitted]).when(admit()).thenRefuses(refusedWith('ALREADY_ADMITTED'));
      spec.given([received, refused]).when(admit()).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
      spec.given([received]).when(admit(lhss)).thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
    });
  });

  describe('Refuse', () => {
    it('refuses in one ESSMS, with a reason', () => {
      spec
        .given([received, waiting])
        .when({ type: 'Refuse', facilityId: csapa, reason: ' hors zone ', at: '2025-03-06T09:00:00.000Z' })
        .thenEmits([refused]);
    });

    it('is refused without a reason, twice, after admission, or for an ESSMS not applied to', () => {
      const refuse = { type: 'Refuse', facilityId: csapa, reason: 'x', at: '2025-03-06T09:00:00.000Z' } as const;
      spec
        .given([received])
        .when({ ...refuse, reason: '' })
        .thenRefuses(refusedWith('REFUSAL_REASON_REQUIRED'));
      spec.given([received, refused]).when(refuse).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
      spec.given([received, admitted]).when(refuse).thenRefuses(refusedWith('APPLICATION_CLOSED_FOR_FACILITY'));
      spec
        .given([received])
        .when({ ...refuse, facilityId: lhss })
        .thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
    });
  });

  describe('Withdraw', () => {
    const withdraw = { type: 'Withdraw', reason: ' déménagement', at: '2025-03-07T09:00:00.000Z' } as const;

    it('ends every open status, with a reason', () => {
      spec.given([received, waiting]).when(withdraw).thenEmits([withdrawn]);
    });

    it('leaves admissions and refusals as they are', () => {
      spec
        .given([received, admitted])
        .when(withdraw)
        .thenEmits([{ type: 'ApplicationWithdrawn', data: { ...withdrawal, facilityIds: [act] } }]);
      spec
        .given([received, refused])
        .when(withdraw)
        .thenEmits([{ type: 'ApplicationWithdrawn', data: { ...withdrawal, facilityIds: [act] } }]);
    });

    it('is refused without a reason, or when nothing is open any more', () => {
      spec
        .given([received])
        .when({ ...withdraw, reason: ' ' })
        .thenRefuses(refusedWith('WITHDRAWAL_REASON_REQUIRED'));
      const actRefused: AdmissionApplicationEvent = {
        type: 'ApplicationRefused',
        data: { ...refusal, facilityId: act },
      };
      spec.given([received, admitted, actRefused]).when(withdraw).thenRefuses(refusedWith('NO_OPEN_APPLICATION'));
    });

    it('ends the application: no command after it', () => {
      const commands: AdmissionApplicationCommand[] = [
        putOnList(),
        admit(),
        planContact,
        { type: 'ChangePriority', facilityId: csapa, priority: 'urgent', reason: 'x' },
        { type: 'Refuse', facilityId: csapa, reason: 'x', at: '2025-03-08T09:00:00.000Z' },
        withdraw,
      ];
      for (const command of commands) {
        spec.given([received, withdrawn]).when(command).thenRefuses(refusedWith('APPLICATION_WITHDRAWN'));
      }
    });
  });

  it('decides nothing on a forgotten usager’s application, and does not fail on it', () => {
    const erased = { $erased: true } as const;
    spec
      .given([
        { type: 'ApplicationReceived', data: erased },
        { type: 'AddedToWaitingList', data: erased },
      ])
      .when(admit())
      .thenRefuses(refusedWith('FACILITY_NOT_APPLIED_FOR'));
  });

  it('emits only data its schemas accept, whatever the sequence of commands', () => {
    const facilities = [csapa, act, lhss];
    const facility = fc.constantFrom(...facilities);
    const at = fc
      .integer({ min: 0, max: 10_000 })
      .map((minutes) => new Date(Date.UTC(2025, 2, 1) + minutes * 60_000).toISOString());
    const priority = fc.constantFrom('urgent' as const, 'high' as const, 'normal' as const);
    const command: fc.Arbitrary<AdmissionApplicationCommand> = fc.oneof(
      fc.record({ type: fc.constant('PutOnWaitingList' as const), facilityId: facility, at, priority }),
      fc.record({ type: fc.constant('ChangePriority' as const), facilityId: facility, priority, reason: fc.string() }),
      fc.record({
        type: fc.constant('PlanContact' as const),
        facilityId: facility,
        contactId: fc.uuid(),
        appointmentAt: at,
        professionalId: fc.constantFrom('pro-1', 'pro-2'),
        mode: fc.constantFrom('in-person' as const, 'phone' as const, 'video' as const, 'mobile-unit' as const),
        at,
      }),
      fc.record({
        type: fc.constant('Admit' as const),
        facilityId: facility,
        accompanimentId: fc.uuid(),
        admittedAt: at,
      }),
      fc.record({ type: fc.constant('Refuse' as const), facilityId: facility, reason: fc.string(), at }),
      fc.record({ type: fc.constant('Withdraw' as const), reason: fc.string(), at }),
    );
    fc.assert(
      fc.property(
        fc.subarray(facilities, { minLength: 1 }),
        fc.array(command, { maxLength: 15 }),
        (applied, commands) => {
          let state = admissionApplicationDecider.initialState();
          const run = (next: AdmissionApplicationCommand) => {
            let events: readonly AdmissionApplicationEvent[];
            try {
              events = [admissionApplicationDecider.decide(next, state)].flat();
            } catch (error) {
              if (error instanceof DomainRuleViolation) return;
              throw error;
            }
            for (const event of events) {
              admissionApplicationEventSchemas[event.type].parse(event.data);
              state = admissionApplicationDecider.evolve(state, event);
            }
          };
          run({
            type: 'ReceiveApplication',
            applicationId,
            serviceUserId: 'usager-1',
            facilityIds: applied,
            receivedAt: '2025-03-01T00:00:00.000Z',
            priority: 'normal',
          });
          for (const next of commands) run(next);
        },
      ),
    );
  });
});
