import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type ExchangeCommand,
  type ExchangeEvent,
  type ExchangeRecorded,
  exchangeChannels,
  exchangeDecider,
  exchangeEventSchemas,
  exchangeStreamId,
} from './exchange.js';

const spec = DeciderSpecification.for(exchangeDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const exchangeId = '0195f0a0-0000-7000-8000-0000000000e9';
const now = '2026-03-10T12:00:00+01:00';
const spip = { entryId: '0195f0a0-0000-7000-8000-0000000000e1', name: 'SPIP de Paris' };
const gp = { entryId: '0195f0a0-0000-7000-8000-0000000000e2', name: 'Dr Anne Moreau' };
const call: ExchangeRecorded = {
  exchangeId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  channel: 'phone',
  direction: 'out',
  occurredAt: '2026-03-10T10:00:00+01:00',
  recordedBy: 'pro-social',
  withUsager: false,
  partners: [spip],
  summary: 'Point sur l’obligation de soins : attestation de suivi envoyée.',
};
const recorded: ExchangeEvent = { type: 'ExchangeRecorded', data: call };
const correct = (changes: Partial<Extract<ExchangeCommand, { type: 'CorrectExchange' }>>): ExchangeCommand => ({
  type: 'CorrectExchange',
  reason: 'erreur de saisie',
  now,
  ...changes,
});

describe('an exchange with the usager or a partner', () => {
  it('is recorded with its channel, direction, time, counterparts and a trimmed summary', () => {
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, summary: `  ${call.summary} ` })
      .thenEmits([recorded]);
    spec
      .given([recorded])
      .when({ type: 'RecordExchange', now, ...call })
      .thenRefuses(refusedWith('EXCHANGE_ALREADY_RECORDED'));
  });

  it('has at least one counterpart, each partner once, a summary, and a time in the past', () => {
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, partners: [] })
      .thenRefuses(refusedWith('EXCHANGE_COUNTERPART_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, withUsager: true, partners: [] })
      .thenEmits([{ type: 'ExchangeRecorded', data: { ...call, withUsager: true, partners: [] } }]);
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, partners: [spip, spip] })
      .thenRefuses(refusedWith('EXCHANGE_PARTNER_TWICE'));
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, summary: '  ' })
      .thenRefuses(refusedWith('EXCHANGE_SUMMARY_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordExchange', now, ...call, occurredAt: '2026-03-10T13:00:00+01:00' })
      .thenRefuses(refusedWith('EXCHANGE_IN_FUTURE'));
  });

  it('is corrected with a reason, the event saying only what changed', () => {
    spec
      .given([recorded])
      .when(correct({ channel: 'phone', direction: 'in', partners: [spip, gp] }))
      .thenEmits([
        {
          type: 'ExchangeCorrected',
          data: { exchangeId, reason: 'erreur de saisie', direction: 'in', partners: [spip, gp] },
        },
      ]);
    spec
      .given([recorded])
      .when(correct({ channel: 'phone' }))
      .thenRefuses(refusedWith('EXCHANGE_CORRECTION_CHANGES_NOTHING'));
    spec
      .given([recorded])
      .when(correct({ reason: ' ', channel: 'email' }))
      .thenRefuses(refusedWith('EXCHANGE_CORRECTION_REASON_REQUIRED'));
    spec
      .given([recorded])
      .when(correct({ partners: [] }))
      .thenRefuses(refusedWith('EXCHANGE_COUNTERPART_REQUIRED'));
    spec
      .given([])
      .when(correct({ channel: 'email' }))
      .thenRefuses(refusedWith('EXCHANGE_NOT_FOUND'));
    spec
      .given([{ type: 'ExchangeRecorded', data: { $erased: true } }])
      .when(correct({ channel: 'email' }))
      .thenRefuses(refusedWith('EXCHANGE_ERASED'));
  });

  it('names one stream per exchange, the organisation escaped', () => {
    assert.equal(exchangeStreamId('og/1', exchangeId), `exchange/og%2F1/${exchangeId}`);
  });

  it('whatever the corrections, keeps a counterpart and a past time, and folds to what its events say', () => {
    const changes: fc.Arbitrary<ExchangeCommand> = fc.record(
      {
        type: fc.constant('CorrectExchange' as const),
        reason: fc.constantFrom('correction', ' '),
        now: fc.constant(now),
        channel: fc.constantFrom(...exchangeChannels),
        direction: fc.constantFrom('in' as const, 'out' as const),
        occurredAt: fc.constantFrom('2026-03-09T08:00:00Z', '2026-03-11T08:00:00Z', call.occurredAt),
        withUsager: fc.boolean(),
        partners: fc.subarray([spip, gp]),
        summary: fc.constantFrom('Appel', ' ', 'Rencontre au SPIP'),
      },
      { requiredKeys: ['type', 'reason', 'now'] },
    );
    fc.assert(
      fc.property(fc.array(changes, { maxLength: 15 }), (attempts) => {
        const events: ExchangeEvent[] = [recorded];
        let state = foldEvents(exchangeDecider, events);
        for (const command of attempts) {
          try {
            for (const event of asEventList(exchangeDecider.decide(command, state))) {
              exchangeEventSchemas[event.type].parse(event.data);
              events.push(event);
              state = exchangeDecider.evolve(state, event);
            }
          } catch (error) {
            if (!(error instanceof DomainRuleViolation)) throw error;
          }
          assert.ok(state.status === 'recorded' && !state.erased);
          assert.ok(state.withUsager || state.partners.length > 0);
          assert.ok(Date.parse(state.occurredAt) <= Date.parse(now));
        }
        assert.deepEqual(foldEvents(exchangeDecider, events), state);
      }),
      { numRuns: 300 },
    );
  });
});
