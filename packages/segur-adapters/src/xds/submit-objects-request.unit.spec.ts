import { expect } from 'chai';
import fc from 'fast-check';
import { buildCdaDocument } from '../cda/build-cda-document.js';
import { exampleCdaInput, examplePatient, xpathCount, xpathValues } from '../testing/index.js';
import { MalformedXml } from '../xml/xml-document.js';
import { xdsHashAndSize } from './hl7v2-values.js';
import { readSubmitObjectsRequest } from './read-submit-objects-request.js';
import { submissionSetEntryUuid, submitObjectsRequestXml } from './submit-objects-request.js';
import { xdsDocumentEntryOf } from './xds-document-entry.js';
import { XDS_UUIDS, type XdsDocumentEntry, type XdsSubmission } from './xds-metadata.js';

const NS = { rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0', lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0' };
const OLD_ENTRY = 'urn:uuid:6a3c1f8e-2d4b-4e5f-9a7b-1c2d3e4f5a6b';

function submissionOf(entries: XdsDocumentEntry[], changes: Partial<XdsSubmission> = {}): XdsSubmission {
  const [first] = entries as [XdsDocumentEntry];
  return {
    id: '2.25.111.1',
    sourceId: '2.25.111',
    submissionTime: new Date('2024-07-01T08:20:00Z'),
    author: first.author,
    contentType: first.typeCode,
    entries,
    ...changes,
  };
}

function entryOf(identity: 'qualified' | 'not-qualified' = 'qualified'): XdsDocumentEntry {
  const input = exampleCdaInput({ patient: examplePatient(identity) });
  return xdsDocumentEntryOf(input, { ...xdsHashAndSize(buildCdaDocument(input)), uri: 'DOC0001.XML' });
}

describe('submitObjectsRequestXml: the ebRIM metadata of a submission', () => {
  it('writes the DocumentEntry with its slots, classifications and external identifiers under IHE’s scheme UUIDs', () => {
    // given
    const entry = entryOf();

    // when
    const xml = submitObjectsRequestXml(submissionOf([entry]));

    // then
    const extrinsic = '/lcm:SubmitObjectsRequest/rim:RegistryObjectList/rim:ExtrinsicObject';
    const value = (path: string) => xpathValues(xml, `${extrinsic}/${path}`, NS);
    const slot = (name: string) => value(`rim:Slot[@name="${name}"]/rim:ValueList/rim:Value`);
    const code = (scheme: string) => value(`rim:Classification[@classificationScheme="${scheme}"]/@nodeRepresentation`);
    const scheme = XDS_UUIDS.documentEntry;
    expect(value('@objectType')).to.deep.equal([scheme.objectType]);
    expect(value('@mimeType')).to.deep.equal(['text/xml']);
    expect(slot('creationTime')).to.deep.equal(['20240701081500']);
    expect(slot('serviceStartTime')).to.deep.equal(['20240304080000']);
    expect(slot('languageCode')).to.deep.equal(['fr-FR']);
    expect(slot('sourcePatientId')).to.deep.equal(['og-demo/usager-1^^^&2.25.1234567890&ISO^PI']);
    expect(slot('sourcePatientInfo')).to.deep.equal([
      'PID-3|279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH~og-demo/usager-1^^^&2.25.1234567890&ISO^PI',
      'PID-5|PAT-TROIS^DOMINIQUE^^^^^L',
      'PID-7|19790328',
      'PID-8|F',
    ]);
    expect(slot('legalAuthenticator')).to.deep.equal([
      '810002422979^CHARLES^Pascal^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS',
    ]);
    expect(slot('hash')).to.deep.equal([entry.hash]);
    expect(slot('size')).to.deep.equal([String(entry.size)]);
    expect(slot('URI')).to.deep.equal(['DOC0001.XML']);
    expect(value('rim:Name/rim:LocalizedString/@value')).to.deep.equal(['Projet personnalisé']);
    expect(code(scheme.classCode)).to.deep.equal(['44']);
    expect(code(scheme.typeCode)).to.deep.equal(['80788-3']);
    expect(code(scheme.formatCode)).to.deep.equal(['urn:ihe:iti:xds-sd:pdf:2008']);
    expect(code(scheme.confidentialityCode)).to.deep.equal(['N']);
    expect(code(scheme.healthcareFacilityTypeCode)).to.deep.equal(['SA41']);
    expect(code(scheme.practiceSettingCode)).to.deep.equal(['ESSMS']);
    expect(
      value(
        `rim:Classification[@classificationScheme="${scheme.typeCode}"]/rim:Slot[@name="codingScheme"]/rim:ValueList/rim:Value`,
      ),
    ).to.deep.equal(['2.16.840.1.113883.6.1']);
    const author = `rim:Classification[@classificationScheme="${scheme.author}"]`;
    expect(value(`${author}/@nodeRepresentation`)).to.deep.equal(['']);
    expect(value(`${author}/rim:Slot[@name="authorInstitution"]/rim:ValueList/rim:Value`)).to.deep.equal([
      'CSAPA Les Tilleuls^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1750000001',
    ]);
    expect(value(`${author}/rim:Slot[@name="authorPerson"]/rim:ValueList/rim:Value`)).to.have.length(1);
    expect(value(`${author}/rim:Slot[@name="authorSpecialty"]/rim:ValueList/rim:Value`)).to.deep.equal([
      'G15_10^Médecin^1.2.250.1.213.1.1.4.5',
    ]);
    const identifier = (id: string) => value(`rim:ExternalIdentifier[@identificationScheme="${id}"]/@value`);
    expect(identifier(scheme.patientId)).to.deep.equal(['279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH']);
    expect(identifier(scheme.uniqueId)).to.deep.equal(['2.25.329800735698586629295641978511506172918']);
  });

  it('writes the SubmissionSet, the classification that makes it one and a HasMember association per entry', () => {
    // given
    const submission = submissionOf([entryOf()], { intendedRecipients: ['|^^Internet^dr.charles@test.mssante.fr'] });

    // when
    const xml = submitObjectsRequestXml(submission);

    // then
    const list = '/lcm:SubmitObjectsRequest/rim:RegistryObjectList';
    const packageId = submissionSetEntryUuid(submission);
    const scheme = XDS_UUIDS.submissionSet;
    const identifier = (id: string) =>
      xpathValues(xml, `${list}/rim:RegistryPackage/rim:ExternalIdentifier[@identificationScheme="${id}"]/@value`, NS);
    expect(xpathValues(xml, `${list}/rim:RegistryPackage/@id`, NS)).to.deep.equal([packageId]);
    expect(
      xpathValues(xml, `${list}/rim:RegistryPackage/rim:Slot[@name="submissionTime"]/rim:ValueList/rim:Value`, NS),
    ).to.deep.equal(['20240701082000']);
    expect(
      xpathValues(xml, `${list}/rim:RegistryPackage/rim:Slot[@name="intendedRecipient"]/rim:ValueList/rim:Value`, NS),
    ).to.deep.equal(['|^^Internet^dr.charles@test.mssante.fr']);
    expect(identifier(scheme.uniqueId)).to.deep.equal(['2.25.111.1']);
    expect(identifier(scheme.sourceId)).to.deep.equal(['2.25.111']);
    expect(identifier(scheme.patientId)).to.deep.equal(['279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH']);
    expect(
      xpathValues(
        xml,
        `${list}/rim:RegistryPackage/rim:Classification[@classificationScheme="${scheme.contentTypeCode}"]/@nodeRepresentation`,
        NS,
      ),
    ).to.deep.equal(['80788-3']);
    expect(
      xpathValues(
        xml,
        `${list}/rim:Classification[@classificationNode="${scheme.classificationNode}"]/@classifiedObject`,
        NS,
      ),
    ).to.deep.equal([packageId]);
    const hasMember = `${list}/rim:Association[@associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"]`;
    expect(xpathValues(xml, `${hasMember}/@sourceObject`, NS)).to.deep.equal([packageId]);
    expect(xpathValues(xml, `${hasMember}/@targetObject`, NS)).to.deep.equal([submission.entries[0]?.entryUuid]);
    expect(
      xpathValues(xml, `${hasMember}/rim:Slot[@name="SubmissionSetStatus"]/rim:ValueList/rim:Value`, NS),
    ).to.deep.equal(['Original']);
    expect(
      xpathCount(xml, `${list}/rim:Association[@associationType="urn:ihe:iti:2007:AssociationType:RPLC"]`, NS),
    ).to.equal(0);
  });

  it('writes the RPLC association from the new entry to the one it replaces', () => {
    // given
    const entry = entryOf();

    // when
    const xml = submitObjectsRequestXml(submissionOf([entry], { replaces: { entryUuid: OLD_ENTRY } }));

    // then
    const rplc = '//rim:Association[@associationType="urn:ihe:iti:2007:AssociationType:RPLC"]';
    expect(xpathValues(xml, `${rplc}/@sourceObject`, NS)).to.deep.equal([entry.entryUuid]);
    expect(xpathValues(xml, `${rplc}/@targetObject`, NS)).to.deep.equal([OLD_ENTRY]);
  });

  it('refuses an empty submission, and a replacement of several entries', () => {
    expect(() => submitObjectsRequestXml(submissionOf([entryOf()], { entries: [] }))).to.throw(TypeError);
    expect(() =>
      submitObjectsRequestXml(
        submissionOf([entryOf(), entryOf('not-qualified')], { replaces: { entryUuid: OLD_ENTRY } }),
      ),
    ).to.throw(TypeError);
  });
});

describe('readSubmitObjectsRequest: the metadata read back', () => {
  it('gives back the submission written, entries, replacement and all', () => {
    // given
    const submission = submissionOf([entryOf()], {
      replaces: { entryUuid: OLD_ENTRY },
      title: 'Envoi au DMP',
      intendedRecipients: ['|^^Internet^279035121518989@patient.mssante.fr'],
    });

    // when
    const read = readSubmitObjectsRequest(submitObjectsRequestXml(submission));

    // then
    expect(read).to.deep.equal({ ...submission, entryUuid: submissionSetEntryUuid(submission) });
  });

  it('round-trips any submission of whole-second instants, names with XML and HL7 v2 special characters included', () => {
    const instant = fc
      .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
      .map((date) => new Date(Math.floor(date.getTime() / 1000) * 1000));
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((title) => title.trim() !== ''),
        fc.string({ minLength: 1, maxLength: 40 }).filter((name) => name.trim() !== ''),
        instant,
        instant,
        fc.boolean(),
        fc.record({
          fromPatient: fc.boolean(),
          fromProfessionals: fc.boolean(),
          fromLegalRepresentatives: fc.boolean(),
        }),
        (title, facilityName, effectiveTime, submissionTime, qualified, masked) => {
          // given
          const base = exampleCdaInput({ patient: examplePatient(qualified ? 'qualified' : 'not-qualified') });
          const input = {
            ...base,
            title,
            effectiveTime,
            encounter: { ...base.encounter, facility: { ...base.encounter.facility, name: facilityName } },
          };
          const entry = xdsDocumentEntryOf(input, { masked, hash: 'a'.repeat(40), size: 123 });
          const submission = submissionOf([entry], { submissionTime });

          // when
          const read = readSubmitObjectsRequest(submitObjectsRequestXml(submission));

          // then
          expect(read).to.deep.equal({ ...submission, entryUuid: submissionSetEntryUuid(submission) });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses what is not a SubmitObjectsRequest, and one without its submission set, with MalformedXml', () => {
    expect(() => readSubmitObjectsRequest('<a/>')).to.throw(MalformedXml);
    expect(() => readSubmitObjectsRequest('not xml at all <')).to.throw(MalformedXml);
    const withoutPackage = submitObjectsRequestXml(submissionOf([entryOf()])).replace(
      /<rim:RegistryPackage[\s\S]*<\/rim:RegistryPackage>/,
      '',
    );
    expect(() => readSubmitObjectsRequest(withoutPackage)).to.throw(MalformedXml, 'submission set');
  });
});
