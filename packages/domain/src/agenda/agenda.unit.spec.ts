import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AgendaFeedCommand,
  type AgendaFeedEvent,
  agendaFeedDecider,
  agendaFeedEventSchemas,
  agendaFeedStreamId,
} from './agenda-feed.js';
import {
  type AgendaItemAdded,
  type AgendaItemEvent,
  agendaItemDecider,
  agendaItemEventSchemas,
  agendaItemStreamId,
  agendaItemSubject,
} from './agenda-item.js';
import type { AgendaOwner } from './agenda-owner.js';
import {
  type InformationEvent,
  type InformationSent,
  informationDecider,
  informationEventSchemas,
  informationSubject,
} from './information.js';

const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const at = '2026-11-20T09:00:00+01:00';
const doctor: AgendaOwner = { kind: 'professional', professionalId: 'pro-medecin' };
const usager: AgendaOwner = { kind: 'usager', serviceUserId: 'usager-1' };

describe('agenda items', () => {
  const spec = DeciderSpecification.for(agendaItemDecider);
  const itemId = '0195f0a0-0000-7000-8000-0000000000a1';
  const hearing: AgendaItemAdded = {
    itemId,
    owner: usager,
    facilityId: '750000001',
    title: 'Audience au tribunal',
    startsAt: '2026-12-03T09:00:00+01:00',
    endsAt: '2026-12-03T11:00:00+01:00',
    place: 'Tribunal judiciaire',
    addedBy: 'pro-social',
  };
  const added: AgendaItemEvent = { type: 'AgendaItemAdded', data: hearing };

  it('puts an item into a usager’s or a professional’s agenda, trimmed', () => {
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...hearing, title: ' Audience au tribunal ', note: '  ' })
      .thenEmits([added]);
    const call = { ...hearing, owner: doctor, title: 'Rappeler la pharmacie', serviceUserId: 'usager-1' };
    const { place: _, ...withoutPlace } = call;
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...withoutPlace })
      .thenEmits([{ type: 'AgendaItemAdded', data: withoutPlace }]);
    assert.equal(agendaItemSubject(hearing), 'usager-1');
    assert.equal(agendaItemSubject(call), 'usager-1');
    assert.equal(agendaItemSubject({ owner: doctor }), undefined);
  });

  it('refuses an end before the start, more than 14 days, a usager’s item naming a usager, a blank title', () => {
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...hearing, endsAt: hearing.startsAt })
      .thenRefuses(refusedWith('AGENDA_ITEM_ENDS_BEFORE_START'));
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...hearing, endsAt: '2026-12-17T09:00:01+01:00' })
      .thenRefuses(refusedWith('AGENDA_ITEM_TOO_LONG'));
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...hearing, serviceUserId: 'usager-2' })
      .thenRefuses(refusedWith('AGENDA_ITEM_ABOUT_ONLY_FOR_PROFESSIONAL'));
    spec
      .given([])
      .when({ type: 'AddAgendaItem', ...hearing, title: ' ' })
      .thenRefuses(refusedWith('AGENDA_ITEM_TITLE_REQUIRED'));
    spec
      .given([added])
      .when({ type: 'AddAgendaItem', ...hearing })
      .thenRefuses(refusedWith('AGENDA_ITEM_ALREADY_ADDED'));
  });

  it('cancels an item once; a forgotten usager’s item refuses it', () => {
    const cancelled: AgendaItemEvent = { type: 'AgendaItemCancelled', data: { itemId, reason: 'renvoyée' } };
    spec.given([added]).when({ type: 'CancelAgendaItem', reason: ' renvoyée ' }).thenEmits([cancelled]);
    spec.given([added, cancelled]).when({ type: 'CancelAgendaItem' }).thenRefuses(refusedWith('AGENDA_ITEM_CANCELLED'));
    spec.given([]).when({ type: 'CancelAgendaItem' }).thenRefuses(refusedWith('AGENDA_ITEM_NOT_FOUND'));
    spec
      .given([{ type: 'AgendaItemAdded', data: { $erased: true } }])
      .when({ type: 'CancelAgendaItem' })
      .thenRefuses(refusedWith('AGENDA_ITEM_ERASED'));
    for (const event of [added, cancelled]) agendaItemEventSchemas[event.type].parse(event.data);
    assert.equal(agendaItemStreamId('og/1', itemId), `agenda-item/og%2F1/${itemId}`);
  });
});

describe('information to a professional or to a usager', () => {
  const spec = DeciderSpecification.for(informationDecider);
  const informationId = '0195f0a0-0000-7000-8000-0000000000c1';
  const message: InformationSent = {
    informationId,
    recipient: doctor,
    facilityId: '750000001',
    senderId: 'pro-secretaire',
    subject: 'Appel de Mme X',
    text: 'Elle rappellera demain matin.',
    serviceUserId: 'usager-1',
    sentAt: at,
  };
  const sent: InformationEvent = { type: 'InformationSent', data: message };

  it('sends an information, trimmed; about a usager only to a professional; never to oneself', () => {
    spec
      .given([])
      .when({ type: 'SendInformation', ...message, subject: ' Appel de Mme X ' })
      .thenEmits([sent]);
    spec
      .given([])
      .when({ type: 'SendInformation', ...message, recipient: usager })
      .thenRefuses(refusedWith('INFORMATION_ABOUT_ONLY_FOR_PROFESSIONAL'));
    spec
      .given([])
      .when({ type: 'SendInformation', ...message, senderId: 'pro-medecin' })
      .thenRefuses(refusedWith('INFORMATION_TO_ONESELF'));
    spec
      .given([])
      .when({ type: 'SendInformation', ...message, text: ' ' })
      .thenRefuses(refusedWith('INFORMATION_TEXT_REQUIRED'));
    spec
      .given([sent])
      .when({ type: 'SendInformation', ...message })
      .thenRefuses(refusedWith('INFORMATION_ALREADY_SENT'));
    assert.equal(informationSubject(message), 'usager-1');
    const { serviceUserId: _, ...toUsager } = { ...message, recipient: usager };
    assert.equal(informationSubject(toUsager), 'usager-1');
    assert.equal(informationSubject({ recipient: doctor }), undefined);
  });

  it('is marked read and unread by its recipient only, each change once', () => {
    const read: InformationEvent = { type: 'InformationRead', data: { informationId, at } };
    spec.given([sent]).when({ type: 'MarkInformationRead', reader: doctor, at }).thenEmits([read]);
    spec.given([sent, read]).when({ type: 'MarkInformationRead', reader: doctor, at }).thenNothingHappens();
    spec
      .given([sent, read])
      .when({ type: 'MarkInformationUnread', reader: doctor, at })
      .thenEmits([{ type: 'InformationMarkedUnread', data: { informationId, at } }]);
    spec.given([sent]).when({ type: 'MarkInformationUnread', reader: doctor, at }).thenNothingHappens();
    spec
      .given([sent])
      .when({ type: 'MarkInformationRead', reader: { kind: 'professional', professionalId: 'pro-autre' }, at })
      .thenRefuses(refusedWith('INFORMATION_NOT_ADDRESSED_TO_READER'));
    spec
      .given([sent])
      .when({ type: 'MarkInformationRead', reader: { kind: 'usager', serviceUserId: 'pro-medecin' }, at })
      .thenRefuses(refusedWith('INFORMATION_NOT_ADDRESSED_TO_READER'));
    spec
      .given([{ type: 'InformationSent', data: { $erased: true } }])
      .when({ type: 'MarkInformationRead', reader: doctor, at })
      .thenRefuses(refusedWith('INFORMATION_ERASED'));
    for (const event of [sent, read]) informationEventSchemas[event.type].parse(event.data);
  });
});

describe('the ICS feed of an agenda', () => {
  const spec = DeciderSpecification.for(agendaFeedDecider);
  const feedIds = ['0195f0a0-0000-7000-8000-0000000000f1', '0195f0a0-0000-7000-8000-0000000000f2'] as const;
  const hash = (digit: string) => digit.repeat(64);
  const issue = (feedId: string, tokenHash = hash('a')): AgendaFeedCommand => ({
    type: 'IssueAgendaFeed',
    feedId,
    owner: doctor,
    tokenHash,
    issuedBy: 'pro-medecin',
    issuedAt: at,
  });
  const issued = (feedId: string, tokenHash = hash('a')): AgendaFeedEvent => ({
    type: 'AgendaFeedIssued',
    data: { feedId, owner: doctor, tokenHash, issuedBy: 'pro-medecin', issuedAt: at },
  });

  it('issues a feed, and a new one replaces it', () => {
    spec
      .given([])
      .when(issue(feedIds[0]))
      .thenEmits([issued(feedIds[0])]);
    spec
      .given([issued(feedIds[0])])
      .when(issue(feedIds[1], hash('b')))
      .thenEmits([
        { type: 'AgendaFeedRevoked', data: { feedId: feedIds[0], reason: 'replaced', at } },
        issued(feedIds[1], hash('b')),
      ]);
    spec
      .given([issued(feedIds[0])])
      .when(issue(feedIds[0]))
      .thenRefuses(refusedWith('AGENDA_FEED_ALREADY_ISSUED'));
    spec.given([]).when(issue(feedIds[0], 'secret')).thenRefuses(refusedWith('AGENDA_FEED_TOKEN_HASH_INVALID'));
  });

  it('revokes the live feed, and refuses when there is none', () => {
    const revoked: AgendaFeedEvent = { type: 'AgendaFeedRevoked', data: { feedId: feedIds[0], reason: 'revoked', at } };
    spec
      .given([issued(feedIds[0])])
      .when({ type: 'RevokeAgendaFeed', at })
      .thenEmits([revoked]);
    spec
      .given([issued(feedIds[0]), revoked])
      .when({ type: 'RevokeAgendaFeed', at })
      .thenRefuses(refusedWith('AGENDA_FEED_NOT_ISSUED'));
    spec
      .given([{ type: 'AgendaFeedIssued', data: { $erased: true } }])
      .when(issue(feedIds[1]))
      .thenRefuses(refusedWith('AGENDA_FEED_ERASED'));
    for (const event of [issued(feedIds[0]), revoked]) agendaFeedEventSchemas[event.type].parse(event.data);
    assert.equal(
      agendaFeedStreamId('og/1', { kind: 'usager', serviceUserId: 'u/1' }),
      'agenda-feed/og%2F1/usager/u%2F1',
    );
  });

  it('never holds more than one live feed, and the live one is the last issued and not revoked since', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(0, 1, 2, 3, 4), fc.constant('revoke' as const)), {
          maxLength: 30,
          size: 'max',
        }),
        (steps) => {
          let state = agendaFeedDecider.initialState();
          const events: AgendaFeedEvent[] = [];
          let expectedLive: string | undefined;
          for (const step of steps) {
            const command: AgendaFeedCommand =
              step === 'revoke'
                ? { type: 'RevokeAgendaFeed', at }
                : issue(`0195f0a0-0000-7000-8000-00000000000${step}`);
            let decided: AgendaFeedEvent[];
            try {
              decided = [agendaFeedDecider.decide(command, state)].flat();
            } catch (error) {
              assert.ok(error instanceof DomainRuleViolation);
              continue;
            }
            events.push(...decided);
            state = decided.reduce(agendaFeedDecider.evolve, state);
            expectedLive = command.type === 'RevokeAgendaFeed' ? undefined : command.feedId;
          }
          const live = new Set<string>();
          for (const event of events) {
            if ('$erased' in event.data) continue;
            if (event.type === 'AgendaFeedIssued') live.add(event.data.feedId);
            else live.delete(event.data.feedId);
            assert.ok(live.size <= 1, 'one live feed at most');
          }
          assert.equal(state.activeFeedId, expectedLive);
          assert.deepEqual([...live], expectedLive === undefined ? [] : [expectedLive]);
          assert.deepEqual(foldEvents(agendaFeedDecider, events), state);
        },
      ),
      { numRuns: 500 },
    );
  });
});
