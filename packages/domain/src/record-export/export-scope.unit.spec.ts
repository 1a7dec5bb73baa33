import { expect } from 'chai';
import fc from 'fast-check';
import {
  documentIsExported,
  type ExportRequester,
  FACTS_NEVER_EXPORTED,
  FACTS_OPEN_TO_TRUSTED_PERSON,
  factIsExported,
  withoutMisfiledObservations,
} from './export-scope.js';

const usager: ExportRequester = { kind: 'serviceUser' };
const trustedPerson: ExportRequester = { kind: 'trustedPerson', trustedPersonId: 'tp-1' };
const archivist: ExportRequester = { kind: 'archivist', professionalId: 'pro-archives' };
const requesters = fc.constantFrom(usager, trustedPerson, archivist);
const factTypes = fc.oneof(
  fc.constantFrom(
    ...FACTS_NEVER_EXPORTED,
    ...FACTS_OPEN_TO_TRUSTED_PERSON,
    'ClinicalObservationRecorded',
    'NoteWritten',
  ),
  fc.stringMatching(/^[A-Z][A-Za-z]{2,30}$/),
);

describe('what a record export carries', () => {
  it('never carries the secrets of a portal account, whoever asks', () => {
    fc.assert(
      fc.property(requesters, fc.constantFrom(...FACTS_NEVER_EXPORTED), (requester, type) => {
        expect(factIsExported(requester, { type, data: {} })).to.equal(false);
      }),
    );
  });

  it('gives a personne de confiance nothing the portal does not show them', () => {
    fc.assert(
      fc.property(factTypes, (type) => {
        const fact = { type, data: { trustedPersonId: 'tp-1' } };
        expect(factIsExported(trustedPerson, fact)).to.equal(FACTS_OPEN_TO_TRUSTED_PERSON.has(type));
      }),
    );
    expect(factIsExported(trustedPerson, { type: 'ClinicalObservationRecorded', data: {} })).to.equal(false);
    expect(factIsExported(trustedPerson, { type: 'NoteWritten', data: {} })).to.equal(false);
  });

  it('gives a personne de confiance the facts of their own designation, never of another one', () => {
    const designationFacts = [...FACTS_OPEN_TO_TRUSTED_PERSON].filter((type) => type.startsWith('TrustedPerson'));
    fc.assert(
      fc.property(fc.constantFrom(...designationFacts), fc.constantFrom('tp-1', 'tp-0', undefined), (type, of) => {
        const fact = { type, data: of === undefined ? { revokedOn: '2026-01-05' } : { trustedPersonId: of } };
        expect(factIsExported(trustedPerson, fact)).to.equal(of === 'tp-1');
        expect(factIsExported(usager, fact)).to.equal(true);
      }),
    );
  });

  it('gives the usager and the archivist every other fact of the record', () => {
    fc.assert(
      fc.property(fc.constantFrom(usager, archivist), factTypes, (requester, type) => {
        expect(factIsExported(requester, { type, data: { trustedPersonId: 'tp-0' } })).to.equal(
          !FACTS_NEVER_EXPORTED.has(type),
        );
      }),
    );
  });

  it('gives a personne de confiance only the documents shared with the usager', () => {
    expect(documentIsExported(trustedPerson, { sharedWithServiceUser: false })).to.equal(false);
    expect(documentIsExported(trustedPerson, { sharedWithServiceUser: true })).to.equal(true);
    expect(documentIsExported(usager, { sharedWithServiceUser: false })).to.equal(true);
    expect(documentIsExported(archivist, { sharedWithServiceUser: false })).to.equal(true);
  });
});

describe('an observation filed in the wrong record, in the export', () => {
  it('leaves only its withdrawal, without its content nor the reason, and keeps the other observations', () => {
    // given an observation misfiled then withdrawn as such, one withdrawn as a duplicate, and one standing
    const facts = [
      { type: 'ClinicalObservationRecorded', data: { observationId: 'o-1', text: 'patient X : VIH+' } },
      { type: 'ClinicalObservationAmended', data: { observationId: 'o-1', text: 'patient X : VIH+, CD4 350' } },
      { type: 'ClinicalObservationWithdrawn', data: { observationId: 'o-1', kind: 'wrong-record', reason: 'M. X' } },
      { type: 'ClinicalObservationRecorded', data: { observationId: 'o-2', text: 'tension 12/8' } },
      { type: 'ClinicalObservationWithdrawn', data: { observationId: 'o-2', kind: 'duplicate', reason: 'doublon' } },
      { type: 'ExternalObservationReceived', data: { observationId: 'o-3', text: 'bilan hépatique normal' } },
    ];

    // when the facts are made ready for the export
    const exported = withoutMisfiledObservations(facts);

    // then nothing of the misfiled one is left but its withdrawal, reduced; the others are as they were
    expect(exported).to.deep.equal([
      {
        type: 'ClinicalObservationWithdrawn',
        data: { observationId: 'o-1', kind: 'wrong-record', contentWithheld: true },
      },
      facts[3],
      facts[4],
      facts[5],
    ]);
  });

  it('withholds a withdrawal older than kinds the same way: it may be one', () => {
    const facts = [
      { type: 'ClinicalObservationRecorded', data: { observationId: 'o-1', text: 'autre patient' } },
      { type: 'ClinicalObservationWithdrawn', data: { observationId: 'o-1', reason: 'erreur' } },
      { type: 'ClinicalObservationWithdrawn', data: { $erased: true } },
    ];
    expect(withoutMisfiledObservations(facts)).to.deep.equal([
      { type: 'ClinicalObservationWithdrawn', data: { observationId: 'o-1', kind: null, contentWithheld: true } },
      facts[2],
    ]);
  });
});
