import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { IDENTITY_STATUS_LABELS, type IdentityStatus } from '../service-users/service-user-identity.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  ACKNOWLEDGEMENT_KINDS,
  type AcknowledgementKind,
  messageStatusOf,
  RECIPIENT_STATUSES,
  type RecipientStatus,
  recipientStatusAfter,
  type SecureMessageIdentity,
  type SecureMessageRecipient,
  type SecureMessageSent,
  type SentSecureMessageCommand,
  type SentSecureMessageEvent,
  sentSecureMessageDecider,
  sentSecureMessageEventSchemas,
  sentSecureMessageStreamId,
} from './sent-secure-message.js';

const spec = DeciderSpecification.for(sentSecureMessageDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const messageId = '0195f0a0-0000-7000-8000-00000000aa01';
const ins = '279035121518989';
const doctor: SecureMessageRecipient = {
  address: 'dr.martin@hopital-test.mssante.fr',
  kind: 'professional',
  name: 'Dr Martin',
};
const monEspaceSante: SecureMessageRecipient = { address: `${ins}@patient.mssante.fr`, kind: 'serviceUser' };
const qualified: SecureMessageIdentity = { kind: 'identified', status: 'QUAL', insValue: ins };
const document = {
  documentId: '0195f0a0-0000-7000-8000-0000000000d1',
  version: 1,
  title: 'Projet personnalisé',
  typeCode: '80788-3',
};
const send = (overrides: Partial<Extract<SentSecureMessageCommand, { type: 'SendSecureMessage' }>> = {}) =>
  ({
    type: 'SendSecureMessage',
    messageId,
    internetMessageId: `<${messageId}@csapa-test.mssante.fr>`,
    serviceUserId: 'usager-1',
    facilityId: '750000001',
    from: 'csapa@csapa-test.mssante.fr',
    recipients: [doctor],
    documents: [document],
    identity: qualified,
    insIncluded: true,
    sentBy: 'pro-doctor',
    sentAt: '2026-03-20T10:00:00.000Z',
    ...overrides,
  }) satisfies SentSecureMessageCommand;
const sent = (recipients = [doctor]): SentSecureMessageEvent => {
  const { type: _, identity: __, ...fields } = send({ recipients });
  return { type: 'SecureMessageSent', data: fields as SecureMessageSent };
};
const acknowledgement = (
  kind: AcknowledgementKind,
  acknowledgementId = '<dsn-1@mail.test>',
  recipient = doctor.address,
) =>
  ({
    type: 'RecordSecureMessageAcknowledgement',
    messageId,
    recipient,
    kind,
    source: kind === 'delivered' ? 'dsn' : 'mdn',
    acknowledgementId,
    receivedAt: '2026-03-20T10:05:00.000Z',
  }) satisfies SentSecureMessageCommand;

describe('a message sent by MSSanté', () => {
  it('lives in a stream of its own, per organisation', () => {
    assert.equal(sentSecureMessageStreamId('og-1', messageId), `secure-message/og-1/${messageId}`);
    assert.notEqual(sentSecureMessageStreamId('og-1', messageId), sentSecureMessageStreamId('og-2', messageId));
  });

  it('records what left: recipients, documents, and whether the INS went with them', () => {
    spec.given([]).when(send()).thenEmits([sent()]);
    const [event] = asEventList(sentSecureMessageDecider.decide(send(), { status: 'none' }));
    assert.ok(sentSecureMessageEventSchemas.SecureMessageSent.safeParse(event?.data).success);
  });

  it('refuses to send anything for an anonymous usager', () => {
    spec
      .given([])
      .when(send({ identity: { kind: 'anonymous' }, insIncluded: false }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_ANONYMOUS_USAGER'));
    spec
      .given([])
      .when({
        ...send({ identity: { kind: 'anonymous' }, insIncluded: false }),
        type: 'RecordSecureMessageSendingFailure',
        failedAt: '2026-03-20T10:00:00.000Z',
        reason: 'unavailable',
      })
      .thenRefuses(refusedWith('SECURE_MESSAGE_ANONYMOUS_USAGER'));
  });

  it('writes to the usager’s Mon espace santé only for a qualified identity, at their own INS', () => {
    spec
      .given([])
      .when(send({ recipients: [monEspaceSante] }))
      .thenEmits([sent([monEspaceSante])]);
    spec
      .given([])
      .when(
        send({
          recipients: [monEspaceSante],
          identity: { kind: 'identified', status: 'VALI', insValue: ins },
          insIncluded: false,
        }),
      )
      .thenRefuses(refusedWith('SECURE_MESSAGE_PATIENT_ADDRESS_NOT_QUALIFIED'));
    spec
      .given([])
      .when(send({ recipients: [{ address: '190017512345612@patient.mssante.fr', kind: 'serviceUser' }] }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_PATIENT_ADDRESS_NOT_QUALIFIED'));
    spec
      .given([])
      .when(send({ recipients: [{ ...monEspaceSante, kind: 'professional' }] }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_RECIPIENT_KIND'));
  });

  it('lets the INS go with the documents only for a qualified identity', () => {
    spec
      .given([])
      .when(send({ identity: { kind: 'identified', status: 'RECUP', insValue: ins } }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_INS_NOT_QUALIFIED'));
    spec
      .given([])
      .when(send({ identity: { kind: 'identified', status: 'PROV' }, insIncluded: false }))
      .thenEmits([{ type: 'SecureMessageSent', data: { ...(sent().data as SecureMessageSent), insIncluded: false } }]);
  });

  it('refuses a message without recipient or document, a recipient twice, and a second record under the same id', () => {
    spec
      .given([])
      .when(send({ recipients: [] }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_NO_RECIPIENT'));
    spec
      .given([])
      .when(send({ documents: [] }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_NO_DOCUMENT'));
    spec
      .given([])
      .when(send({ recipients: [doctor, { ...doctor, address: doctor.address.toUpperCase() }] }))
      .thenRefuses(refusedWith('SECURE_MESSAGE_DUPLICATE_RECIPIENT'));
    spec.given([sent()]).when(send()).thenRefuses(refusedWith('SECURE_MESSAGE_ALREADY_RECORDED'));
  });

  it('follows each recipient from sent to delivered to read, and records an acknowledgement once', () => {
    const state = (events: SentSecureMessageEvent[]) => foldEvents(sentSecureMessageDecider, events);
    const delivered = asEventList(sentSecureMessageDecider.decide(acknowledgement('delivered'), state([sent()])));
    assert.deepEqual(state([sent(), ...delivered]), {
      status: 'sent',
      messageId,
      recipients: { [doctor.address]: 'delivered' },
      acknowledgementIds: ['<dsn-1@mail.test>'],
    });
    spec
      .given([sent(), ...delivered])
      .when(acknowledgement('delivered'))
      .thenRefuses(refusedWith('ACKNOWLEDGEMENT_ALREADY_RECORDED'));
    spec.given([]).when(acknowledgement('delivered')).thenRefuses(refusedWith('SECURE_MESSAGE_NOT_SENT'));
    spec
      .given([sent()])
      .when(acknowledgement('displayed', '<mdn-9@x.test>', 'quelqu.un@ailleurs.mssante.fr'))
      .thenRefuses(refusedWith('SECURE_MESSAGE_UNKNOWN_RECIPIENT'));
  });

  it('never moves a recipient back, and keeps a failed one failed (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RECIPIENT_STATUSES),
        fc.array(fc.constantFrom(...ACKNOWLEDGEMENT_KINDS), { maxLength: 8 }),
        (start, acknowledgements) => {
          const rank: Record<RecipientStatus, number> = { sent: 0, delivered: 1, read: 2, failed: 3 };
          let current = start;
          for (const kind of acknowledgements) {
            const next = recipientStatusAfter(current, kind);
            assert.ok(rank[next] >= rank[current]);
            if (current === 'failed') assert.equal(next, 'failed');
            current = next;
          }
        },
      ),
    );
  });

  it('is failed when one recipient is, else where its slowest recipient is', () => {
    assert.equal(messageStatusOf({ a: 'read', b: 'delivered' }), 'delivered');
    assert.equal(messageStatusOf({ a: 'read', b: 'failed' }), 'failed');
    assert.equal(messageStatusOf({ a: 'read' }), 'read');
    assert.equal(messageStatusOf({ a: 'sent', b: 'read' }), 'sent');
  });

  it('never lets anything leave for an anonymous usager, nor the patient address or the INS without QUAL (property)', () => {
    const statuses = Object.keys(IDENTITY_STATUS_LABELS) as IdentityStatus[];
    const identity = fc.oneof(
      fc.constant<SecureMessageIdentity>({ kind: 'anonymous' }),
      fc.record({
        kind: fc.constant('identified' as const),
        status: fc.constantFrom(...statuses),
        insValue: fc.option(fc.constant(ins), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(
        identity,
        fc.boolean(),
        fc.subarray([doctor, monEspaceSante], { minLength: 1 }),
        (who, withIns, to) => {
          let emitted: readonly SentSecureMessageEvent[] = [];
          try {
            emitted = asEventList(
              sentSecureMessageDecider.decide(send({ identity: who, insIncluded: withIns, recipients: to }), {
                status: 'none',
              }),
            );
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
            return;
          }
          const qualifiedIdentity = who.kind === 'identified' && who.status === 'QUAL' && who.insValue !== undefined;
          assert.notEqual(who.kind, 'anonymous');
          const data = emitted[0]?.data as SecureMessageSent;
          if (data.insIncluded) assert.ok(qualifiedIdentity);
          if (data.recipients.some((recipient) => recipient.address.endsWith('@patient.mssante.fr')))
            assert.ok(qualifiedIdentity);
        },
      ),
    );
  });
});
