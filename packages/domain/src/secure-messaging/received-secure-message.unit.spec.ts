import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import { type MatchCandidate, matchReceivedPatient, type ReceivedIdentity } from './patient-matching.js';
import { documentKindOfReceivedType } from './received-document-kinds.js';
import {
  type ReceivedSecureMessageCommand,
  type ReceivedSecureMessageEvent,
  receivedSecureMessageDecider,
  receivedSecureMessageStreamId,
} from './received-secure-message.js';

const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const nir = { oid: '1.2.250.1.213.1.4.8' };
const traitsOf = (birthName: string, firstNames: string[] = ['MARIE']) => ({
  birthName,
  birthFirstNames: firstNames,
  birthDate: '1980-02-01',
  sex: 'F' as const,
  birthplaceCode: '75056',
});
const record = (serviceUserId: string, overrides: Partial<MatchCandidate> = {}): MatchCandidate => ({
  serviceUserId,
  facilityId: '750000001',
  anonymous: false,
  identityStatus: 'QUAL',
  ins: { value: '280027505612345', ...nir },
  traits: traitsOf('DUPONT'),
  ...overrides,
});
const anonymous = (serviceUserId: string): MatchCandidate => ({
  serviceUserId,
  facilityId: '750000002',
  anonymous: true,
  identityStatus: null,
  ins: null,
  traits: null,
});
const received = (overrides: Partial<ReceivedIdentity> = {}): ReceivedIdentity => ({
  ins: { value: '280027505612345', ...nir },
  ...traitsOf('DUPONT'),
  ...overrides,
});

describe('matching the patient of a received document', () => {
  it('finds the record holding the INS when the traits are the same, accents and case aside', () => {
    assert.deepEqual(
      matchReceivedPatient(received({ birthName: 'Dupont', birthFirstNames: ['Marié'] }), [
        record('u-1'),
        record('u-2', { ins: null, traits: traitsOf('MARTIN') }),
      ]),
      {
        outcome: 'matched',
        serviceUserId: 'u-1',
        facilityId: '750000001',
        by: 'ins',
      },
    );
  });

  it('answers the codes of the CI-SIS volet when it cannot file the document', () => {
    const code = (identity: ReceivedIdentity, candidates: MatchCandidate[]) => {
      const match = matchReceivedPatient(identity, candidates);
      return match.outcome === 'rejected' ? match.code : match.serviceUserId;
    };
    const { ins: _, ...withoutIns } = received();
    assert.equal(code(withoutIns, [record('u-1')]), '903');
    assert.equal(code(received({ sex: undefined }), [record('u-1')]), '905');
    assert.equal(code(received({ birthDate: '1980-02-02' }), [record('u-1')]), '904');
    assert.equal(code(received({ ins: { value: '280027505699999', ...nir } }), [record('u-1')]), '904');
    assert.equal(
      code(received({ ins: { value: '280027505699999', ...nir }, birthName: 'DURAND' }), [record('u-1')]),
      '902',
    );
    assert.equal(code(received(), []), '902');
    assert.equal(code(received(), [record('u-1'), record('u-2')]), '906');
  });

  it('falls back on the strict traits for a record that holds no INS yet', () => {
    const match = matchReceivedPatient(received(), [record('u-1', { ins: null, identityStatus: 'VALI' })]);
    assert.deepEqual(match, { outcome: 'matched', serviceUserId: 'u-1', facilityId: '750000001', by: 'traits' });
    assert.equal(
      matchReceivedPatient(received({ birthplaceCode: '13055' }), [record('u-1', { ins: null })]).outcome,
      'rejected',
    );
  });

  const identities = fc.record({
    ins: fc.option(
      fc.constantFrom('280027505612345', '190017512345612').map((value) => ({ value, ...nir })),
      {
        nil: undefined,
      },
    ),
    birthName: fc.option(fc.constantFrom('DUPONT', 'MARTIN'), { nil: undefined }),
    birthFirstNames: fc.constantFrom([], ['MARIE'], ['MARIE', 'JEANNE']),
    birthDate: fc.option(fc.constantFrom('1980-02-01', '1990-05-06'), { nil: undefined }),
    sex: fc.option(fc.constantFrom('F' as const, 'M' as const), { nil: undefined }),
  });
  const candidates = fc.array(
    fc.oneof(
      fc.uuid().map(anonymous),
      fc
        .record({
          id: fc.uuid(),
          ins: fc.option(fc.constantFrom('280027505612345', '190017512345612'), { nil: null }),
          name: fc.constantFrom('DUPONT', 'MARTIN'),
        })
        .map(({ id, ins, name }) =>
          record(id, { ins: ins === null ? null : { value: ins, ...nir }, traits: traitsOf(name) }),
        ),
    ),
    { maxLength: 6 },
  );

  it('never files into an anonymous record, nor a document without INS, and is the same whatever the order (property)', () => {
    fc.assert(
      fc.property(identities, candidates, (identity, records) => {
        const match = matchReceivedPatient(identity, records);
        const reversed = matchReceivedPatient(identity, [...records].reverse());
        assert.deepEqual(match, reversed);
        if (match.outcome !== 'matched') return;
        assert.notEqual(identity.ins, undefined);
        const chosen = records.find((candidate) => candidate.serviceUserId === match.serviceUserId);
        assert.ok(chosen !== undefined && !chosen.anonymous);
        if (match.by === 'ins') assert.equal(chosen.ins?.value, identity.ins?.value);
        else assert.equal(chosen.ins, null);
        assert.equal(chosen.traits?.birthName, identity.birthName);
        assert.equal(chosen.traits?.birthDate, identity.birthDate);
      }),
    );
  });
});

describe('a message received by MSSanté', () => {
  const spec = DeciderSpecification.for(receivedSecureMessageDecider);
  const receivedMessageId = '0195f0a0-0000-7000-8000-00000000bb01';
  const envelope = {
    receivedMessageId,
    internetMessageId: '<resultat-1@labo-test.mssante.fr>',
    from: 'resultats@labo-test.mssante.fr',
    receivedAt: '2026-03-20T10:00:00.000Z',
  };
  const file = (serviceUserId: string): ReceivedSecureMessageCommand => ({
    type: 'FileReceivedSecureMessage',
    ...envelope,
    serviceUserId,
    facilityId: '750000001',
    matchedBy: 'ins',
    documents: [
      {
        documentId: '0195f0a0-0000-7000-8000-0000000000e1',
        kind: 'examResult',
        title: 'Bilan hépatique',
        typeCode: '11502-2',
        effectiveAt: '2026-03-19T08:00:00.000Z',
        producer: 'Laboratoire Test',
      },
    ],
    filedAt: '2026-03-20T10:01:00.000Z',
  });
  const reject: ReceivedSecureMessageCommand = {
    type: 'RejectReceivedSecureMessage',
    ...envelope,
    errorCode: '902',
    reason: 'Identifiant patient inconnu',
    errorNotificationSent: true,
    rejectedAt: '2026-03-20T10:01:00.000Z',
  };
  const filedEvent = (serviceUserId: string): ReceivedSecureMessageEvent => {
    const { type: _, ...data } = file(serviceUserId) as Extract<
      ReceivedSecureMessageCommand,
      { type: 'FileReceivedSecureMessage' }
    >;
    return { type: 'ReceivedSecureMessageFiled', data };
  };

  it('lives in a stream of its own, per organisation', () => {
    assert.notEqual(
      receivedSecureMessageStreamId('og-1', receivedMessageId),
      receivedSecureMessageStreamId('og-2', receivedMessageId),
    );
  });

  it('is filed into one record at most, or rejected once', () => {
    spec
      .given([])
      .when(file('u-1'))
      .thenEmits([filedEvent('u-1')]);
    spec
      .given([filedEvent('u-1')])
      .when(file('u-2'))
      .thenRefuses(refusedWith('RECEIVED_MESSAGE_ALREADY_HANDLED'));
    spec
      .given([filedEvent('u-1')])
      .when(reject)
      .thenRefuses(refusedWith('RECEIVED_MESSAGE_ALREADY_HANDLED'));
    const { type: _, ...rejection } = reject as Extract<
      ReceivedSecureMessageCommand,
      { type: 'RejectReceivedSecureMessage' }
    >;
    spec
      .given([])
      .when(reject)
      .thenEmits([{ type: 'ReceivedSecureMessageRejected', data: rejection }]);
    spec
      .given([{ type: 'ReceivedSecureMessageRejected', data: rejection }])
      .when(file('u-1'))
      .thenRefuses(refusedWith('RECEIVED_MESSAGE_ALREADY_HANDLED'));
  });

  it('is filed into one record at most, whatever the commands that follow (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('u-1', 'u-2', 'reject'), { minLength: 1, maxLength: 6 }), (attempts) => {
        let events: ReceivedSecureMessageEvent[] = [];
        for (const attempt of attempts) {
          const state = events.reduce(receivedSecureMessageDecider.evolve, receivedSecureMessageDecider.initialState());
          try {
            const decided = receivedSecureMessageDecider.decide(attempt === 'reject' ? reject : file(attempt), state);
            events = [...events, ...(Array.isArray(decided) ? decided : [decided])];
          } catch (error) {
            assert.ok(refusedWith('RECEIVED_MESSAGE_ALREADY_HANDLED')(error as Error));
          }
        }
        assert.equal(events.length, 1);
      }),
    );
  });

  it('refuses what does not read as a filing', () => {
    spec
      .given([])
      .when({ ...file('u-1'), internetMessageId: 'sans chevrons' } as ReceivedSecureMessageCommand)
      .thenRefuses(refusedWith('RECEIVED_MESSAGE_INVALID'));
  });

  it('files a biology report as an exam result, anything else as a medical report', () => {
    assert.equal(documentKindOfReceivedType('11502-2'), 'examResult');
    assert.equal(documentKindOfReceivedType('34133-9'), 'medicalReport');
    assert.equal(documentKindOfReceivedType(undefined), 'medicalReport');
  });
});
