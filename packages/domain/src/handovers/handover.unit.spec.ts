import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  HANDOVER_CATEGORIES,
  type HandoverCommand,
  type HandoverEvent,
  type HandoverRecorded,
  handoverDecider,
  handoverEventSchemas,
  handoverSensitivity,
  handoverStreamId,
} from './handover.js';

const spec = DeciderSpecification.for(handoverDecider);
const handoverId = '0195f0a0-0000-7000-8000-000000000001';
const recordedData: HandoverRecorded = {
  handoverId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  category: 'soins',
  sensitivity: 'medical',
  targetTeam: 'equipe-soins',
  text: 'TA 12/8, à recontrôler demain',
  occurredAt: '2025-03-31T07:00:00.000Z',
};
const { sensitivity: _, ...recordCommand } = recordedData;
const record: HandoverCommand = { type: 'RecordHandover', ...recordCommand };
const recorded: HandoverEvent = { type: 'HandoverRecorded', data: recordedData };
const readByNurse: HandoverEvent = {
  type: 'HandoverRead',
  data: { professionalId: 'pro-nurse', readAt: '2025-03-31T08:00:00.000Z' },
};
const erased = { $erased: true } as const;
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

describe('a handover', () => {
  it('is recorded once, its sensitivity decided by its category, its text and team trimmed', () => {
    spec
      .given([])
      .when({ ...record, text: '  TA 12/8, à recontrôler demain ', targetTeam: ' equipe-soins ' })
      .thenEmits([recorded]);
    spec.given([recorded]).when(record).thenRefuses(refusedWith('HANDOVER_ALREADY_RECORDED'));
  });

  it('keeps the event it is about, when it names one', () => {
    const linkedEventId = '0195f0a0-0000-7000-8000-0000000000e1';
    spec
      .given([])
      .when({ ...record, linkedEventId })
      .thenEmits([{ type: 'HandoverRecorded', data: { ...recordedData, linkedEventId } }]);
  });

  it('classes each category for the access policy', () => {
    expect(HANDOVER_CATEGORIES.map(handoverSensitivity)).to.deep.equal([
      'medical',
      'social',
      'social',
      'administrative',
      'psychological',
    ]);
  });

  it('refuses a blank team', () => {
    spec
      .given([])
      .when({ ...record, targetTeam: '   ' })
      .thenRefuses(refusedWith('HANDOVER_TEAM_REQUIRED'));
  });

  it('is corrected only with a reason, and only once recorded', () => {
    spec
      .given([recorded])
      .when({ type: 'CorrectHandover', text: 'TA 13/8', reason: ' erreur de saisie ' })
      .thenEmits([{ type: 'HandoverCorrected', data: { text: 'TA 13/8', reason: 'erreur de saisie' } }]);
    spec
      .given([recorded])
      .when({ type: 'CorrectHandover', text: 'TA 13/8', reason: '  ' })
      .thenRefuses(refusedWith('CORRECTION_REASON_REQUIRED'));
    spec
      .given([])
      .when({ type: 'CorrectHandover', text: 'x', reason: 'y' })
      .thenRefuses(refusedWith('HANDOVER_NOT_FOUND'));
  });

  it('is marked read once per professional: marking it again records nothing', () => {
    const markRead = (professionalId: string): HandoverCommand => ({
      type: 'MarkHandoverRead',
      professionalId,
      readAt: '2025-03-31T08:00:00.000Z',
    });
    spec.given([recorded]).when(markRead('pro-nurse')).thenEmits([readByNurse]);
    spec.given([recorded, readByNurse]).when(markRead('pro-nurse')).thenNothingHappens();
    spec
      .given([recorded, readByNurse])
      .when(markRead('pro-social'))
      .thenEmits([
        { type: 'HandoverRead', data: { professionalId: 'pro-social', readAt: '2025-03-31T08:00:00.000Z' } },
      ]);
    spec.given([]).when(markRead('pro-nurse')).thenRefuses(refusedWith('HANDOVER_NOT_FOUND'));
  });

  it('of a forgotten usager can still be told apart from none, without failing on its erased events', () => {
    spec
      .given([
        { type: 'HandoverRecorded', data: erased },
        { type: 'HandoverRead', data: erased },
      ])
      .when(record)
      .thenRefuses(refusedWith('HANDOVER_ALREADY_RECORDED'));
  });

  it('lives in a stream of its organisation', () => {
    expect(handoverStreamId('og/1', handoverId)).to.equal(`handover/og%2F1/${handoverId}`);
  });

  it('never records a blank text, whatever the whitespace', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\s*$/), (blank) => {
        spec
          .given([])
          .when({ ...record, text: blank })
          .thenRefuses(refusedWith('HANDOVER_TEXT_REQUIRED'));
        spec
          .given([recorded])
          .when({ type: 'CorrectHandover', text: blank, reason: 'r' })
          .thenRefuses(refusedWith('HANDOVER_TEXT_REQUIRED'));
      }),
    );
  });

  it('is read at most once by each professional, whatever the sequence of marks', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('pro-1', 'pro-2', 'pro-3'), { maxLength: 20, size: 'max' }), (readers) => {
        let state = handoverDecider.evolve(handoverDecider.initialState(), recorded);
        const reads: string[] = [];
        for (const professionalId of readers) {
          const events = [
            handoverDecider.decide(
              { type: 'MarkHandoverRead', professionalId, readAt: '2025-03-31T08:00:00.000Z' },
              state,
            ),
          ].flat();
          for (const event of events) {
            if (event.type === 'HandoverRead' && 'professionalId' in event.data) reads.push(event.data.professionalId);
            state = handoverDecider.evolve(state, event);
          }
        }
        expect(reads).to.deep.equal([...new Set(readers)]);
      }),
    );
  });

  it('emits only data its schemas accept, whatever the sequence of commands', () => {
    const at = fc
      .integer({ min: 0, max: 10_000 })
      .map((minutes) => new Date(Date.UTC(2025, 2, 1) + minutes * 60_000).toISOString());
    const text = fc.string({ minLength: 1, maxLength: 200 });
    const command: fc.Arbitrary<HandoverCommand> = fc.oneof(
      fc.record(
        {
          type: fc.constant('RecordHandover' as const),
          handoverId: fc.uuid(),
          serviceUserId: fc.constantFrom('usager-1', 'usager-2'),
          facilityId: fc.constant('750000001'),
          category: fc.constantFrom(...HANDOVER_CATEGORIES),
          targetTeam: fc.constantFrom('equipe-soins', 'equipe-sociale', ' '),
          text,
          occurredAt: at,
          linkedEventId: fc.uuid(),
        },
        {
          requiredKeys: [
            'type',
            'handoverId',
            'serviceUserId',
            'facilityId',
            'category',
            'targetTeam',
            'text',
            'occurredAt',
          ],
        },
      ),
      fc.record({ type: fc.constant('CorrectHandover' as const), text, reason: fc.string({ maxLength: 50 }) }),
      fc.record({
        type: fc.constant('MarkHandoverRead' as const),
        professionalId: fc.constantFrom('pro-1', 'pro-2'),
        readAt: at,
      }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 15 }), (commands) => {
        let state = handoverDecider.initialState();
        for (const next of commands) {
          let events: readonly HandoverEvent[];
          try {
            events = [handoverDecider.decide(next, state)].flat();
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          for (const event of events) {
            handoverEventSchemas[event.type].parse(event.data);
            state = handoverDecider.evolve(state, event);
          }
        }
      }),
    );
  });
});
