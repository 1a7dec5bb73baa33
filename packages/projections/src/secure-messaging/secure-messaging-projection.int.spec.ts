import {
  type ReceivedSecureMessageFiled,
  receivedSecureMessageStreamId,
  type SecureMessageSent,
  sentSecureMessageStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { secureMessagingProjection } from './secure-messaging-projection.js';
import {
  examResultsOf,
  receivedSecureMessageById,
  sentSecureMessageByInternetId,
  sentSecureMessagesOf,
} from './secure-messaging-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const messageId = '0195f0a0-0000-7000-8000-00000000aa01';
const receivedMessageId = '0195f0a0-0000-7000-8000-00000000bb01';
const doctor = 'dr.martin@hopital-test.mssante.fr';
const metadata = {
  organisationId,
  facilityId: csapa,
  serviceUserId: 'usager-1',
  occurredAt: '2026-03-20T10:00:00.000Z',
};

const sent: SecureMessageSent = {
  messageId,
  internetMessageId: `<${messageId}@csapa-test.mssante.fr>`,
  serviceUserId: 'usager-1',
  facilityId: csapa,
  from: 'csapa@csapa-test.mssante.fr',
  recipients: [{ address: doctor, kind: 'professional', name: 'Dr Martin' }],
  documents: [
    {
      documentId: '0195f0a0-0000-7000-8000-0000000000d1',
      version: 1,
      title: 'Projet personnalisé',
      typeCode: '80788-3',
    },
  ],
  insIncluded: true,
  sentBy: 'pro-doctor',
  sentAt: '2026-03-20T10:00:00.000Z',
};
const acknowledged = (kind: string, acknowledgementId: string, receivedAt: string): GivenEvent => ({
  type: 'SecureMessageAcknowledged',
  streamId: sentSecureMessageStreamId(organisationId, messageId),
  metadata,
  data: {
    messageId,
    recipient: doctor,
    kind,
    source: kind === 'delivered' ? 'dsn' : 'mdn',
    acknowledgementId,
    receivedAt,
  },
});
const filed: ReceivedSecureMessageFiled = {
  receivedMessageId,
  internetMessageId: '<resultat-1@labo-test.mssante.fr>',
  from: 'resultats@labo-test.mssante.fr',
  receivedAt: '2026-03-21T08:00:00.000Z',
  serviceUserId: 'usager-1',
  facilityId: csapa,
  matchedBy: 'ins',
  documents: [
    {
      documentId: '0195f0a0-0000-7000-8000-0000000000e1',
      kind: 'examResult',
      title: 'Bilan hépatique',
      typeCode: '11502-2',
      typeLabel: "CR d'examens biologiques",
      effectiveAt: '2026-03-20T07:30:00.000Z',
      producer: 'Laboratoire Test',
    },
    {
      documentId: '0195f0a0-0000-7000-8000-0000000000e2',
      kind: 'medicalReport',
      title: 'Courrier',
      typeCode: '11488-4',
    },
  ],
  filedAt: '2026-03-21T08:01:00.000Z',
};
const sentEvent: GivenEvent = {
  type: 'SecureMessageSent',
  streamId: sentSecureMessageStreamId(organisationId, messageId),
  metadata,
  data: sent,
};
const filedEvent: GivenEvent = {
  type: 'ReceivedSecureMessageFiled',
  streamId: receivedSecureMessageStreamId(organisationId, receivedMessageId),
  metadata,
  data: filed,
};

describe('the secure messaging projection', () => {
  const spec = ProjectionSpecification.for(secureMessagingProjection);
  after(() => spec.close());
  const where = { organisationId, serviceUserId: 'usager-1', facilityId: csapa };

  it('lists a usager’s sent messages with each recipient’s state and the acknowledgements received', async () => {
    // given a message delivered, then read, then a late delivery notice
    const schema = await spec.modelAfter([
      sentEvent,
      acknowledged('delivered', '<dsn-1@mail.test>', '2026-03-20T10:01:00.000Z'),
      acknowledged('displayed', '<mdn-1@hopital-test.mssante.fr>', '2026-03-20T11:00:00.000Z'),
      acknowledged('delivered', '<dsn-2@mail.test>', '2026-03-20T12:00:00.000Z'),
    ]);
    // then it is read, and never goes back to delivered
    const [message, ...others] = await sentSecureMessagesOf(spec.db, schema, where);
    expect(others).to.have.length(0);
    expect(message).to.deep.include({ status: 'read', insIncluded: true, failureReason: null });
    expect(message?.recipients).to.deep.equal([
      { address: doctor, kind: 'professional', name: 'Dr Martin', status: 'read' },
    ]);
    expect(message?.acknowledgements.map((acknowledgement) => acknowledgement.kind)).to.deep.equal([
      'delivered',
      'displayed',
      'delivered',
    ]);
    expect(
      await sentSecureMessageByInternetId(spec.db, schema, {
        organisationId,
        internetMessageId: sent.internetMessageId,
      }),
    ).to.deep.equal({ messageId, serviceUserId: 'usager-1', facilityId: csapa, recipients: [doctor] });
  });

  it('lists the exam results filed into the record, and says what became of each received message', async () => {
    const schema = await spec.modelAfter([
      filedEvent,
      {
        type: 'ReceivedSecureMessageRejected',
        streamId: receivedSecureMessageStreamId(organisationId, '0195f0a0-0000-7000-8000-00000000bb02'),
        metadata: { organisationId, occurredAt: '2026-03-21T09:00:00.000Z' },
        data: {
          receivedMessageId: '0195f0a0-0000-7000-8000-00000000bb02',
          internetMessageId: '<resultat-2@labo-test.mssante.fr>',
          from: 'resultats@labo-test.mssante.fr',
          receivedAt: '2026-03-21T09:00:00.000Z',
          errorCode: '902',
          reason: 'Identifiant patient inconnu',
          errorNotificationSent: true,
          rejectedAt: '2026-03-21T09:00:01.000Z',
        },
      },
    ]);
    expect(await examResultsOf(spec.db, schema, where)).to.deep.equal([
      {
        documentId: '0195f0a0-0000-7000-8000-0000000000e1',
        serviceUserId: 'usager-1',
        facilityId: csapa,
        effectiveAt: '2026-03-20T07:30:00.000Z',
        receivedAt: '2026-03-21T08:00:00.000Z',
        sender: 'resultats@labo-test.mssante.fr',
        producer: 'Laboratoire Test',
        title: 'Bilan hépatique',
        typeCode: '11502-2',
        typeLabel: "CR d'examens biologiques",
      },
    ]);
    expect(await receivedSecureMessageById(spec.db, schema, { organisationId, receivedMessageId })).to.deep.equal({
      outcome: 'filed',
      serviceUserId: 'usager-1',
      facilityId: csapa,
      documentCount: 2,
    });
    expect(
      await receivedSecureMessageById(spec.db, schema, {
        organisationId,
        receivedMessageId: '0195f0a0-0000-7000-8000-00000000bb02',
      }),
    ).to.deep.equal({ outcome: 'rejected', errorCode: '902', errorNotificationSent: true });
  });

  it('forgets a forgotten usager’s messages and results', async () => {
    const schema = await spec.modelAfter([sentEvent, filedEvent, erased(sentEvent), erased(filedEvent)]);
    expect(await sentSecureMessagesOf(spec.db, schema, where)).to.deep.equal([]);
    expect(await examResultsOf(spec.db, schema, where)).to.deep.equal([]);
  });
});
