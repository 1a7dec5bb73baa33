import { expect } from 'chai';
import fc from 'fast-check';
import { buildCdaDocument } from '../cda/build-cda-document.js';
import { exampleCdaInput, examplePatient, xpathValues } from '../testing/index.js';
import { cx, hl7v2Escaped, hl7v2Unescaped, identifierOfCx, xdsHashAndSize } from './hl7v2-values.js';
import { xdsDocumentEntryOf } from './xds-document-entry.js';

describe('xdsDocumentEntryOf: the DocumentEntry of a CDA document', () => {
  it('names a qualified usager by their INS and says so', () => {
    // when
    const entry = xdsDocumentEntryOf(exampleCdaInput({ patient: examplePatient('qualified') }));

    // then
    expect(entry.patientId).to.equal('279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH');
    expect(entry.patientIdIsIns).to.equal(true);
    expect(entry.sourcePatientId).to.equal('og-demo/usager-1^^^&2.25.1234567890&ISO^PI');
  });

  it('names any other usager by the local id only: no INS anywhere in the metadata', () => {
    // when
    const entry = xdsDocumentEntryOf(exampleCdaInput({ patient: examplePatient('not-qualified') }));

    // then
    expect(entry.patientId).to.equal(entry.sourcePatientId);
    expect(entry.patientIdIsIns).to.equal(false);
    expect(JSON.stringify(entry)).to.not.include('279035121518989');
    expect(JSON.stringify(entry)).to.not.include('1.2.250.1.213.1.4.');
  });

  it('agrees with the CDA document: uniqueId, type, confidentiality, creation time, title', () => {
    // given
    const input = exampleCdaInput({ confidentiality: 'R' });
    const xml = buildCdaDocument(input);

    // when
    const entry = xdsDocumentEntryOf(input, xdsHashAndSize(xml));

    // then
    expect(entry.uniqueId).to.equal(xpathValues(xml, '/hl7:ClinicalDocument/hl7:id/@root')[0]);
    expect(entry.typeCode.code).to.equal(xpathValues(xml, '/hl7:ClinicalDocument/hl7:code/@code')[0]);
    expect(entry.confidentialityCodes.map((code) => code.code)).to.deep.equal(['R']);
    expect(entry.creationTime).to.equal(input.effectiveTime);
    expect(entry.title).to.equal(xpathValues(xml, '/hl7:ClinicalDocument/hl7:title')[0]);
    expect(entry.size).to.equal(Buffer.byteLength(xml));
    expect(entry.hash).to.match(/^[0-9a-f]{40}$/);
  });

  it('adds the DMP’s masking and invisibility codes asked for', () => {
    // when
    const entry = xdsDocumentEntryOf(exampleCdaInput(), {
      masked: { fromPatient: true, fromProfessionals: true, fromLegalRepresentatives: true },
    });

    // then
    expect(entry.confidentialityCodes.map((code) => `${code.code}@${code.codingScheme}`)).to.deep.equal([
      'N@2.16.840.1.113883.5.25',
      'MASQUE_PS@1.2.250.1.213.1.1.4.13',
      'INVISIBLE_PATIENT@1.2.250.1.213.1.1.4.13',
      'INVISIBLE_REPRESENTANTS_LEGAUX@1.2.250.1.213.1.1.4.13',
    ]);
  });

  it('gives the same document the same entryUUID, and another document another', () => {
    const one = xdsDocumentEntryOf(exampleCdaInput());
    expect(xdsDocumentEntryOf(exampleCdaInput()).entryUuid).to.equal(one.entryUuid);
    expect(xdsDocumentEntryOf(exampleCdaInput({ id: { root: '2.25.5' } })).entryUuid).to.not.equal(one.entryUuid);
    expect(one.entryUuid).to.match(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('HL7 v2 values of the XDS slots', () => {
  it('escapes and unescapes the separators, so that a name never shifts a component', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = hl7v2Escaped(text);
        expect(escaped).to.not.match(/[|^&~]/);
        expect(hl7v2Unescaped(escaped)).to.equal(text.trim());
      }),
    );
  });

  it('reads back the id and assigning authority of a CX', () => {
    expect(identifierOfCx(cx({ root: '2.25.9', extension: 'og^1&x' }, 'PI'))).to.deep.equal({
      root: '2.25.9',
      extension: 'og^1&x',
    });
    expect(identifierOfCx('no authority')).to.equal(undefined);
  });
});
