import type { RecordedEvent } from '@dui-pds/eventstore';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  REPORTED_EVENT_TYPES,
  REPORTING_EVENT_VERSIONS,
  type ReportingLookups,
  reportingFactsOf,
} from './reporting-events.js';
import { deriveReportingPseudonymKey, reportingSubjectKey } from './reporting-pseudonym.js';

const ORG = 'og-1';
const CSAPA = '750000001';
const key = deriveReportingPseudonymKey(Buffer.alloc(32, 7).map((byte, index) => byte + index));
const lookups: ReportingLookups = {
  subjectKeyOf: (serviceUserId) => reportingSubjectKey(key, ORG, serviceUserId),
  tsoProductOf: (facilityId, productId) =>
    facilityId === CSAPA && productId === 'p-metha' ? 'methadone-syrup' : productId === 'p-other' ? null : undefined,
};

function recorded(type: string, data: unknown, metadata: Partial<RecordedEvent['metadata']> = {}): RecordedEvent {
  return {
    id: '0195f0a0-0000-7000-8000-000000000001',
    type,
    version: 1,
    data,
    metadata: {
      organisationId: ORG,
      facilityId: CSAPA,
      actor: { kind: 'professional', id: 'pro-1', role: 'doctor' },
      occurredAt: '2026-03-31T23:30:00.000Z',
      recordedAt: '2026-03-31T23:30:00.000Z',
      serviceUserId: 'usager-1',
      ...metadata,
    },
    streamId: `pharmacy-ledger/${ORG}/${CSAPA}/2026-03`,
    streamRevision: 0,
    globalPosition: 1n,
    previousHash: '0'.repeat(64),
    hash: '0'.repeat(64),
  };
}

const traits = {
  birthName: 'DUPONT',
  birthFirstNames: ['Marie', 'Claire'],
  birthDate: '1984-07-14',
  sex: 'F' as const,
  birthplaceCode: '75056',
};

describe('the reporting events a domain event gives', () => {
  it('reports a registration with sex and birth year only, under a pseudonymous subject key', () => {
    // given a usager registered with their traits
    const event = recorded('ServiceUserRegistered', {
      serviceUserId: 'usager-1',
      facilityId: CSAPA,
      traits,
      usedName: 'Marie Martin',
      registeredAt: '2026-03-31T23:30:00.000Z',
      status: 'PROV',
    });

    // when mapped
    const facts = reportingFactsOf(event, lookups);

    // then the day is the Paris day, the subject a key that is not the id
    const subjectKey = reportingSubjectKey(key, ORG, 'usager-1');
    expect(subjectKey).to.match(/^[0-9a-f]{64}$/);
    expect(facts).to.deep.equal([
      {
        type: 'usager.registered',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-04-01',
        subjectKey,
        data: { anonymous: false, sex: 'F', birthYear: 1984 },
      },
      {
        type: 'identity-status.recorded',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-04-01',
        subjectKey,
        data: { status: 'PROV' },
      },
    ]);
  });

  it('gives the same usager the same key, another usager or organisation another one', () => {
    expect(reportingSubjectKey(key, ORG, 'usager-1')).to.equal(reportingSubjectKey(key, ORG, 'usager-1'));
    expect(reportingSubjectKey(key, ORG, 'usager-2')).not.to.equal(reportingSubjectKey(key, ORG, 'usager-1'));
    expect(reportingSubjectKey(key, 'og-2', 'usager-1')).not.to.equal(reportingSubjectKey(key, ORG, 'usager-1'));
    expect(reportingSubjectKey(key, 'og-1u', 'sager-1')).not.to.equal(reportingSubjectKey(key, 'og-1', 'usager-1'));
    const otherKey = deriveReportingPseudonymKey(Buffer.alloc(32, 9).map((byte, index) => byte ^ index));
    expect(reportingSubjectKey(otherKey, ORG, 'usager-1')).not.to.equal(reportingSubjectKey(key, ORG, 'usager-1'));
  });

  it('reports an act by type, profession and whether it was collective', () => {
    const facts = reportingFactsOf(
      recorded('ActRecorded', {
        actId: '0195f0a0-0000-7000-8000-0000000000a1',
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        actType: { code: 'groupe-parole', label: 'Groupe de parole', sensitivity: 'social' },
        performedBy: { professionalId: 'pro-1', profession: 'educator' },
        performedAt: '2026-03-10T10:00:00+01:00',
        durationMinutes: 90,
        note: 'Très bonne participation.',
        interventionId: '0195f0a0-0000-7000-8000-0000000000b1',
      }),
      lookups,
    );
    expect(facts.map(({ type, occurredOn, data }) => ({ type, occurredOn, data }))).to.deep.equal([
      {
        type: 'act.recorded',
        occurredOn: '2026-03-10',
        data: {
          actId: '0195f0a0-0000-7000-8000-0000000000a1',
          actType: 'groupe-parole',
          profession: 'educator',
          collective: true,
          durationMinutes: 90,
        },
      },
    ]);
  });

  it('reports a dispensation with the family of its product, from the ledger’s products', () => {
    const dispensed = (productId: string) =>
      reportingFactsOf(
        recorded('MedicineDispensed', {
          lineId: '0195f0a0-0000-7000-8000-0000000000d1',
          ordonnancierNumber: 12,
          prescriptionId: 'rx-1',
          serviceUserId: 'usager-1',
          productId,
          lots: [{ lot: 'L1', units: 7 }],
          units: 7,
          presentedOn: '2026-03-02',
          dispensedOn: '2026-03-02',
          collectedBy: 'Son frère, Paul Dupont',
        }),
        lookups,
      )[0];
    expect(dispensed('p-metha')).to.deep.include({
      type: 'medicine.dispensed',
      facilityId: CSAPA,
      occurredOn: '2026-03-02',
      data: {
        lineId: '0195f0a0-0000-7000-8000-0000000000d1',
        prescriptionId: 'rx-1',
        productFamily: 'methadone-syrup',
        units: 7,
      },
    });
    expect(dispensed('p-other')?.data).to.include({ productFamily: 'other' });
    expect(dispensed('p-unknown')?.data).to.include({ productFamily: 'other' });
  });

  it('reports a CAARUD passage: an identified one under its subject key, an unidentified one with no key', () => {
    const visit = {
      visitId: '0195f0a0-0000-7000-8000-0000000000aa',
      facilityId: CSAPA,
      occurredOn: '2026-03-30',
      setting: 'street',
      services: ['harmReductionAdvice'],
      supplies: [{ supplyCode: 'kit-base', quantity: 2 }],
      syringesCollected: 12,
      rapidTests: [{ test: 'hcv', result: 'negative' }],
    };
    const identified = reportingFactsOf(recorded('VisitRecorded', { ...visit, serviceUserId: 'usager-1' }), lookups);
    const unidentified = reportingFactsOf(
      recorded('VisitRecorded', { ...visit, anonymous: { sex: 'M', ageBand: '25-34' } }, { serviceUserId: undefined }),
      lookups,
    );

    expect(identified).to.deep.equal([
      {
        type: 'visit.recorded',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-03-30',
        subjectKey: lookups.subjectKeyOf('usager-1'),
        data: {
          visitId: visit.visitId,
          setting: 'street',
          services: ['harmReductionAdvice'],
          identified: true,
          anonymous: null,
          supplies: [{ supplyCode: 'kit-base', quantity: 2 }],
          syringesCollected: 12,
          rapidTests: [{ test: 'hcv', result: 'negative' }],
        },
      },
    ]);
    expect(unidentified[0]).to.deep.include({ subjectKey: null });
    expect(unidentified[0]!.data).to.deep.include({ identified: false, anonymous: { sex: 'M', ageBand: '25-34' } });
  });

  it('reports a usage profile whole, under the subject key of its usager, without the reason of a correction', () => {
    const facts = reportingFactsOf(
      recorded(
        'UsageProfileRecorded',
        {
          profileId: '0195f0a0-0000-7000-8000-0000000000c1',
          serviceUserId: 'usager-2',
          facilityId: CSAPA,
          year: 2025,
          population: 'patient',
          referral: 'justice',
          housing: 'precarious',
          income: 'minimumIncome',
          mainProduct: 'opioids',
          useLevel: 'dependence',
          injection: 'past',
          reason: 'Produit principal revu avec le Dr Martin.',
        },
        { serviceUserId: 'usager-2' },
      ),
      lookups,
    );
    expect(facts).to.deep.equal([
      {
        type: 'usage-profile.recorded',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-04-01',
        subjectKey: lookups.subjectKeyOf('usager-2'),
        data: {
          profileId: '0195f0a0-0000-7000-8000-0000000000c1',
          year: 2025,
          population: 'patient',
          referral: 'justice',
          housing: 'precarious',
          income: 'minimumIncome',
          mainProduct: 'opioids',
          useLevel: 'dependence',
          injection: 'past',
        },
      },
    ]);
  });

  it('reports a DMP submission from the ESSMS that requests it, and the DMP’s acceptance on its own day', () => {
    // given a replacement requested late on 31 March (Paris), accepted after midnight
    const submissionId = '0195f0a0-0000-7000-8000-0000000000e2';
    const requested = recorded(
      'DmpSubmissionRequested',
      {
        submissionId,
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        documentId: '0195f0a0-0000-7000-8000-0000000000f1',
        version: 2,
        masking: { hiddenFromProfessionals: false, hiddenFromPatient: true, hiddenFromLegalRepresentatives: false },
        requestedBy: 'pro-1',
        requestedAt: '2026-03-31T21:50:00.000Z',
        replaces: { submissionId: '0195f0a0-0000-7000-8000-0000000000e1', entryUuid: 'urn:uuid:entry-1' },
      },
      { facilityId: undefined },
    );
    const accepted = recorded('DmpSubmissionAccepted', {
      submissionId,
      entryUuid: 'urn:uuid:entry-2',
      uniqueId: '1.2.250.1.999.1.2',
      acceptedAt: '2026-03-31T22:10:00.000Z',
    });

    // when mapped
    const facts = [...reportingFactsOf(requested, lookups), ...reportingFactsOf(accepted, lookups)];

    // then the request names its ESSMS from its data, the replaced submission, never the masking;
    // the acceptance counts on the DMP's day, under the same subject
    const subjectKey = lookups.subjectKeyOf('usager-1');
    expect(facts).to.deep.equal([
      {
        type: 'dmp-submission.requested',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-03-31',
        subjectKey,
        data: {
          submissionId,
          documentId: '0195f0a0-0000-7000-8000-0000000000f1',
          version: 2,
          replaces: '0195f0a0-0000-7000-8000-0000000000e1',
        },
      },
      {
        type: 'dmp-submission.accepted',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-04-01',
        subjectKey,
        data: { submissionId },
      },
    ]);
  });

  it('reports an MSSanté message by its counts of recipients and documents, never an address', () => {
    const facts = reportingFactsOf(
      recorded('SecureMessageSent', {
        messageId: '0195f0a0-0000-7000-8000-0000000000a7',
        internetMessageId: '<0195f0a0@dui.exemple.mssante.fr>',
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        from: 'secretariat@csapa.exemple.mssante.fr',
        recipients: [
          { address: 'dr.martin@medecin.exemple.mssante.fr', kind: 'professional', name: 'Dr Martin' },
          { address: 'cmp@ght.exemple.mssante.fr', kind: 'professional' },
          { address: '284071234567890@patient.mssante.fr', kind: 'serviceUser' },
        ],
        documents: [
          { documentId: '0195f0a0-0000-7000-8000-0000000000f1', version: 1, title: 'Bilan', typeCode: '11488-4' },
        ],
        insIncluded: true,
        sentBy: 'pro-1',
        sentAt: '2026-05-04T09:00:00+02:00',
      }),
      lookups,
    );
    expect(facts).to.deep.equal([
      {
        type: 'mssante-message.sent',
        version: 1,
        facilityId: CSAPA,
        occurredOn: '2026-05-04',
        subjectKey: lookups.subjectKeyOf('usager-1'),
        data: {
          messageId: '0195f0a0-0000-7000-8000-0000000000a7',
          professionalRecipients: 2,
          toServiceUser: true,
          documents: 1,
          insIncluded: true,
        },
      },
    ]);
  });

  it('gives nothing for a refused DMP submission nor for a message that never left', () => {
    expect(
      reportingFactsOf(
        recorded('DmpSubmissionRefused', {
          submissionId: '0195f0a0-0000-7000-8000-0000000000e3',
          code: 'XDSRegistryMetadataError',
          label: 'Refusé',
          refusedAt: '2026-03-02T10:00:00+01:00',
        }),
        lookups,
      ),
    ).to.deep.equal([]);
    expect(reportingFactsOf(recorded('SecureMessageSendingFailed', { messageId: 'm' }), lookups)).to.deep.equal([]);
  });

  it('gives nothing for an erased event nor for an event it does not report', () => {
    expect(
      reportingFactsOf(recorded('ActRecorded', { $erased: true, serviceUserId: 'usager-1' }), lookups),
    ).to.deep.equal([]);
    expect(reportingFactsOf(recorded('RecordNoteWritten', { text: 'x' }), lookups)).to.deep.equal([]);
  });

  it('declares a version for every type it gives', () => {
    for (const type of REPORTED_EVENT_TYPES) expect(type).to.match(/^[A-Z][A-Za-z]+$/);
    for (const version of Object.values(REPORTING_EVENT_VERSIONS)) expect(version).to.equal(1);
  });

  it('never carries a name, a free text, an INS, a birth date or a usager id (property)', () => {
    const SECRET = 'Ωsecret';
    const secret = fc.string({ minLength: 1, maxLength: 12 }).map((text) => `${SECRET}${text}`);
    const uuid = fc.uuid({ version: 4 });
    const instant = fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
      .map((date) => date.toISOString());
    const day = instant.map((at) => at.slice(0, 10));
    const sex = fc.constantFrom('F' as const, 'M' as const, 'I' as const);
    const someTraits = fc.record({
      birthName: secret,
      birthFirstNames: fc.array(secret, { minLength: 1, maxLength: 3 }),
      birthDate: fc.constant('1979-02-03'),
      sex,
      birthplaceCode: fc.constant('75056'),
    });
    const status = fc.constantFrom('PROV', 'RECUP', 'VALI', 'QUAL');
    const ins = fc.record({ value: secret, oid: secret });
    const sources: fc.Arbitrary<[string, unknown]>[] = [
      fc.tuple(
        fc.constant('ServiceUserRegistered'),
        fc.record({
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          traits: someTraits,
          usedName: secret,
          usedFirstName: secret,
          registeredAt: instant,
          status,
        }),
      ),
      fc.tuple(
        fc.constant('AnonymousServiceUserRegistered'),
        fc.record({
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          pseudonym: secret,
          sex,
          birthYear: fc.integer({ min: 1900, max: 2100 }),
          registeredAt: instant,
        }),
      ),
      fc.tuple(
        fc.constant('IdentityTraitsCorrected'),
        fc.record({ traits: someTraits, reason: secret, at: instant, status }),
      ),
      fc.tuple(
        fc.constant('InsRetrieved'),
        fc.record({ ins, traits: someTraits, operation: fc.constant('search'), at: instant, status }),
      ),
      fc.tuple(
        fc.constant('IdentityDocumentChecked'),
        fc.record({
          checkId: uuid,
          kind: fc.constant('passport'),
          checkedOn: day,
          checkedBy: secret,
          outcome: fc.constant('consistent'),
          validates: fc.boolean(),
          comment: secret,
          status,
        }),
      ),
      fc.tuple(
        fc.constant('AnonymityLifted'),
        fc.record({ reason: secret, traits: someTraits, usedName: secret, liftedBy: secret, at: instant, status }),
      ),
      fc.tuple(
        fc.constant('Admitted'),
        fc.record({
          facilityId: fc.constant(CSAPA),
          accompanimentId: uuid,
          admittedAt: instant,
          applicationId: uuid,
          serviceUserId: secret,
        }),
      ),
      fc.tuple(
        fc.constant('ExitRecorded'),
        fc.record({
          accompanimentId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          exitDay: day,
          exitReason: fc.constant('other'),
          exitReasonDetails: secret,
          destination: fc.constant('other'),
          destinationDetails: secret,
        }),
      ),
      fc.tuple(
        fc.constant('ExitCorrected'),
        fc.record({
          accompanimentId: uuid,
          reason: secret,
          exit: fc.record({
            exitDay: day,
            exitReason: fc.constant('death'),
            exitReasonDetails: secret,
            destination: fc.constant('not-applicable'),
            destinationDetails: secret,
          }),
        }),
      ),
      fc.tuple(
        fc.constant('ActRecorded'),
        fc.record({
          actId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          actType: fc.record({
            code: fc.constant('consultation-medicale'),
            label: secret,
            sensitivity: fc.constant('medical'),
          }),
          performedBy: fc.record({ professionalId: secret, profession: fc.constant('doctor') }),
          performedAt: instant,
          durationMinutes: fc.integer({ min: 1, max: 600 }),
          note: secret,
          partners: fc.array(fc.record({ entryId: uuid, name: secret }), { minLength: 1, maxLength: 2 }),
        }),
      ),
      fc.tuple(
        fc.constant('ActCorrected'),
        fc.record({
          actId: uuid,
          reason: secret,
          performedAt: instant,
          durationMinutes: fc.integer({ min: 1, max: 600 }),
          note: secret,
        }),
      ),
      fc.tuple(fc.constant('ActCancelled'), fc.record({ actId: uuid, reason: secret })),
      fc.tuple(
        fc.constant('MedicinePrescribed'),
        fc.record({
          prescriptionId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          productId: fc.constant('p-metha'),
          productName: secret,
          tsoProduct: fc.constant('buprenorphine-hd'),
          dose: secret,
          posology: secret,
          dailyUnits: fc.integer({ min: 1, max: 10 }),
          prescribedOn: day,
          startsOn: day,
          durationDays: fc.integer({ min: 1, max: 28 }),
          overlapAllowed: fc.boolean(),
          prescriber: fc.record({ professionalId: secret, name: secret }),
          namedPharmacist: secret,
        }),
      ),
      fc.tuple(
        fc.constant('ExamPrescribed'),
        fc.record({
          prescriptionId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          category: fc.constant('biology'),
          examCode: fc.constant('B-1'),
          examLabel: secret,
          instructions: secret,
          prescribedOn: day,
          dueOn: day,
          prescriber: fc.record({ name: secret }),
        }),
      ),
      fc.tuple(
        fc.constant('MedicineDispensed'),
        fc.record({
          lineId: uuid,
          prescriptionId: uuid,
          serviceUserId: secret,
          productId: fc.constant('p-metha'),
          lots: fc.constant([{ lot: 'L1', units: 1 }]),
          units: fc.integer({ min: 1, max: 99 }),
          presentedOn: day,
          dispensedOn: day,
          collectedBy: secret,
        }),
      ),
      fc.tuple(
        fc.constant('LineCountered'),
        fc.record({ lineId: uuid, counteredLineId: uuid, reason: secret, on: day }),
      ),
      fc.tuple(
        fc.constant('DocumentStored'),
        fc.record({
          documentId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          kind: fc.constant('letter'),
          title: secret,
          sensitivity: fc.constant('social'),
          source: fc.constant('uploaded'),
          authorId: secret,
          storedAt: instant,
          version: fc.record({ fileName: secret }),
        }),
      ),
      fc.tuple(
        fc.constant('DocumentSharedWithServiceUser'),
        fc.record({ documentId: uuid, sharedBy: secret, sharedAt: instant }),
      ),
      fc.tuple(fc.constant('PortalLoginSucceeded'), fc.record({ accountId: uuid, totpStep: fc.nat(), at: instant })),
      fc.tuple(
        fc.constant('DmpSubmissionRequested'),
        fc.record({
          submissionId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          documentId: uuid,
          version: fc.integer({ min: 1, max: 9 }),
          masking: fc.record({
            hiddenFromProfessionals: fc.boolean(),
            hiddenFromPatient: fc.boolean(),
            hiddenFromLegalRepresentatives: fc.boolean(),
          }),
          requestedBy: secret,
          requestedAt: instant,
          replaces: fc.option(fc.record({ submissionId: uuid, entryUuid: secret }), { nil: undefined }),
        }),
      ),
      fc.tuple(
        fc.constant('DmpSubmissionAccepted'),
        fc.record({ submissionId: uuid, entryUuid: secret, uniqueId: secret, acceptedAt: instant }),
      ),
      fc.tuple(
        fc.constant('SecureMessageSent'),
        fc.record({
          messageId: uuid,
          internetMessageId: secret,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          from: secret,
          recipients: fc.array(
            fc.record({ address: secret, kind: fc.constantFrom('professional', 'serviceUser'), name: secret }),
            { minLength: 1, maxLength: 3 },
          ),
          documents: fc.array(
            fc.record({ documentId: uuid, version: fc.integer({ min: 1, max: 9 }), title: secret, typeCode: secret }),
            { minLength: 1, maxLength: 3 },
          ),
          insIncluded: fc.boolean(),
          sentBy: secret,
          sentAt: instant,
        }),
      ),
      fc.tuple(
        fc.constant('VisitRecorded'),
        fc
          .record({
            visitId: uuid,
            facilityId: fc.constant(CSAPA),
            occurredOn: day,
            setting: fc.constantFrom('premises', 'street', 'mobileUnit'),
            services: fc.constant(['reception', 'harmReductionAdvice']),
            supplies: fc.constant([{ supplyCode: 'seringue-1ml', quantity: 10 }]),
            syringesCollected: fc.nat({ max: 50 }),
            rapidTests: fc.constant([{ test: 'hcv', result: 'negative' }]),
            who: fc.oneof(
              fc.record({ serviceUserId: secret }),
              fc.record({
                anonymous: fc.record({ sex: fc.constantFrom('F', 'M', 'X'), ageBand: fc.constant('25-34') }),
              }),
            ),
          })
          .map(({ who, ...visit }) => ({ ...visit, ...who })),
      ),
      fc.tuple(
        fc.constant('VisitCorrected'),
        fc.record({ visitId: uuid, reason: secret, setting: fc.constant('street'), syringesCollected: fc.nat() }),
      ),
      fc.tuple(fc.constant('VisitCancelled'), fc.record({ visitId: uuid, reason: secret })),
      fc.tuple(
        fc.constant('SyringesCollected'),
        fc.record({
          collectionId: uuid,
          facilityId: fc.constant(CSAPA),
          collectedOn: day,
          source: fc.constant('collectionBox'),
          quantity: fc.integer({ min: 1, max: 500 }),
        }),
      ),
      fc.tuple(fc.constant('SyringeCollectionCancelled'), fc.record({ collectionId: uuid, reason: secret })),
      fc.tuple(
        fc.constant('UsageProfileRecorded'),
        fc.record({
          profileId: uuid,
          serviceUserId: secret,
          facilityId: fc.constant(CSAPA),
          year: fc.integer({ min: 2000, max: 2099 }),
          population: fc.constant('patient'),
          referral: fc.constantFrom('self', 'justice', 'unknown'),
          housing: fc.constantFrom('stable', 'homeless'),
          income: fc.constantFrom('minimumIncome', 'none'),
          mainProduct: fc.constantFrom('alcohol', 'opioids', null),
          useLevel: fc.constantFrom('harmfulUse', null),
          injection: fc.constantFrom('last30days', null),
          reason: secret,
        }),
      ),
    ];
    expect(sources.length).to.equal(REPORTED_EVENT_TYPES.length);
    fc.assert(
      fc.property(fc.oneof(...sources), secret, ([type, data], serviceUserId) => {
        const facts = reportingFactsOf(recorded(type, data, { serviceUserId }), lookups);
        expect(facts).not.to.be.empty;
        const published = JSON.stringify(facts);
        expect(published).not.to.include(SECRET);
        expect(published).not.to.include('1979-02-03');
        for (const fact of facts) {
          expect(fact.occurredOn).to.match(/^\d{4}-\d{2}-\d{2}$/);
          expect(fact.subjectKey).to.match(/^[0-9a-f]{64}$/);
        }
      }),
    );
  });
});
