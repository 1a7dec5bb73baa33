import { GENERATED_DOCUMENT_KINDS, INS_OIDS } from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  exampleCdaInput,
  examplePatient,
  MINIMAL_PDF,
  validateAgainstAnsCdaSchema,
  xpathCount,
  xpathValues,
} from '../testing/index.js';
import { buildCdaDocument } from './build-cda-document.js';
import type { CdaDocumentInput, CdaPatient } from './cda-document-input.js';
import { cdaDocumentTypeOf } from './cda-document-types.js';
import { CdaInputRefused } from './cda-input-refused.js';

const INS_ROOTS = Object.values(INS_OIDS);
const insIdsOf = (xml: string) =>
  xpathValues(xml, '/hl7:ClinicalDocument/hl7:recordTarget/hl7:patientRole/hl7:id/@root').filter((root) =>
    (INS_ROOTS as string[]).includes(root),
  );

describe('buildCdaDocument: a CDA R2 level 1 document with the CI-SIS header', () => {
  for (const kind of GENERATED_DOCUMENT_KINDS) {
    for (const identity of ['qualified', 'not-qualified'] as const) {
      it(`writes a ${kind} of a ${identity} usager that the ANS schema validates`, async () => {
        // given
        const type = cdaDocumentTypeOf(kind);
        expect(type, `${kind} has a document type`).to.not.equal(undefined);
        const input = exampleCdaInput({ type: type ?? exampleCdaInput().type, patient: examplePatient(identity) });

        // when
        const xml = buildCdaDocument(input);

        // then
        const validation = await validateAgainstAnsCdaSchema(xml);
        expect(validation.errors).to.deep.equal([]);
        expect(validation.valid).to.equal(true);
        expect(xpathValues(xml, '/hl7:ClinicalDocument/hl7:code/@code')).to.deep.equal([type?.code]);
      });
    }
  }

  it('writes a record rich in optional parts (used names, service event code, end dates, replacement) valid too', async () => {
    // given
    const input = exampleCdaInput({
      versionNumber: 2,
      replaces: { root: '2.25.329800735698586629295641978511506172918' },
      serviceEvent: {
        code: { code: 'ACCOMP', displayName: 'Accompagnement', codeSystem: '1.2.250.1.213.1.1.4.2.999' },
        start: new Date('2024-03-04T09:00:00+01:00'),
        end: new Date('2024-09-30T17:00:00+02:00'),
        performer: {
          id: { root: '1.2.250.1.71.4.2.1', extension: '3750000001/prof-42' },
          familyName: 'MARTIN',
        },
      },
      encounter: {
        id: { root: '2.25.42', extension: 'og-demo/accompagnement-1' },
        start: new Date('2024-03-04T09:00:00+01:00'),
        end: new Date('2024-09-30T17:00:00+02:00'),
        facility: exampleCdaInput().encounter.facility,
      },
    });

    // when
    const xml = buildCdaDocument(input);

    // then
    expect((await validateAgainstAnsCdaSchema(xml)).errors).to.deep.equal([]);
    expect(xpathValues(xml, '//hl7:relatedDocument[@typeCode="RPLC"]/hl7:parentDocument/hl7:id/@root')).to.deep.equal([
      '2.25.329800735698586629295641978511506172918',
    ]);
    expect(xpathValues(xml, '//hl7:serviceEvent/hl7:effectiveTime/hl7:high/@value')).to.deep.equal([
      '20240930170000+0200',
    ]);
    expect(xpathValues(xml, '//hl7:serviceEvent/hl7:performer/hl7:assignedEntity/hl7:id/@extension')).to.deep.equal([
      '3750000001/prof-42',
    ]);
  });

  it('follows the header rules of the structuration minimale', () => {
    // given
    const xml = buildCdaDocument(exampleCdaInput());
    const header = (path: string) => xpathValues(xml, `/hl7:ClinicalDocument/${path}`);

    // then: realm, type, the three templates of an unstructured document and no other
    expect(header('hl7:realmCode/@code')).to.deep.equal(['FR']);
    expect(header('hl7:typeId/@extension')).to.deep.equal(['POCD_HD000040']);
    expect(header('hl7:templateId/@root')).to.have.members([
      '2.16.840.1.113883.2.8.2.1',
      '1.2.250.1.213.1.1.1.1',
      '1.3.6.1.4.1.19376.1.2.20',
    ]);
    expect(header('hl7:templateId')).to.have.length(3);
    // one id, code with its display name, title, an effective time with its time zone
    expect(header('hl7:id/@root')).to.have.length(1);
    expect(header('hl7:code/@displayName')).to.deep.equal(["Projet personnalisé d'accompagnement"]);
    expect(header('hl7:title')).to.deep.equal(['Projet personnalisé']);
    expect(header('hl7:effectiveTime/@value')).to.deep.equal(['20240701101500+0200']);
    expect(header('hl7:confidentialityCode/@code')).to.deep.equal(['N']);
    expect(header('hl7:confidentialityCode/@codeSystem')).to.deep.equal(['2.16.840.1.113883.5.25']);
    expect(header('hl7:languageCode/@code')).to.deep.equal(['fr-FR']);
    expect(header('hl7:setId/@root')).to.have.length(1);
    expect(header('hl7:versionNumber/@value')).to.deep.equal(['1']);
    // one author with a time, an IdNat_PS, and the ESSMS by its FINESS
    expect(xpathCount(xml, '/hl7:ClinicalDocument/hl7:author/hl7:time')).to.equal(1);
    expect(header('hl7:author/hl7:assignedAuthor/hl7:id/@root')).to.deep.equal(['1.2.250.1.71.4.2.1']);
    expect(header('hl7:author/hl7:assignedAuthor/hl7:code/@code')).to.deep.equal(['G15_10']);
    expect(header('hl7:author/hl7:assignedAuthor/hl7:representedOrganization/hl7:id/@extension')).to.deep.equal([
      '1750000001',
    ]);
    // the custodian by its FINESS
    expect(
      header('hl7:custodian/hl7:assignedCustodian/hl7:representedCustodianOrganization/hl7:id/@root'),
    ).to.deep.equal(['1.2.250.1.71.4.2.2']);
    // exactly one legal authenticator, signature code S
    expect(header('hl7:legalAuthenticator')).to.have.length(1);
    expect(header('hl7:legalAuthenticator/hl7:signatureCode/@code')).to.deep.equal(['S']);
    expect(header('hl7:legalAuthenticator/hl7:time/@value')).to.have.length(1);
    // the service event with its start and a performer whose organisation has a practice setting
    expect(header('hl7:documentationOf/hl7:serviceEvent/hl7:effectiveTime/hl7:low/@value')).to.deep.equal([
      '20240304090000+0100',
    ]);
    expect(
      header(
        'hl7:documentationOf/hl7:serviceEvent/hl7:performer[@typeCode="PRF"]/hl7:assignedEntity/hl7:representedOrganization/hl7:standardIndustryClassCode/@code',
      ),
    ).to.deep.equal(['ESSMS']);
    // the encounter in the ESSMS, its facility type and provider
    expect(header('hl7:componentOf')).to.have.length(1);
    expect(
      header('hl7:componentOf/hl7:encompassingEncounter/hl7:location/hl7:healthCareFacility/hl7:code/@code'),
    ).to.deep.equal(['SA41']);
    expect(
      header(
        'hl7:componentOf/hl7:encompassingEncounter/hl7:location/hl7:healthCareFacility/hl7:serviceProviderOrganization/hl7:id/@extension',
      ),
    ).to.deep.equal(['1750000001']);
    // one component: the PDF
    expect(header('hl7:component/hl7:nonXMLBody/hl7:text/@mediaType')).to.deep.equal(['application/pdf']);
    expect(header('hl7:component/hl7:nonXMLBody/hl7:text/@representation')).to.deep.equal(['B64']);
  });

  it('carries the PDF unchanged as its body', () => {
    // when
    const xml = buildCdaDocument(exampleCdaInput());

    // then
    const [base64] = xpathValues(xml, '//hl7:nonXMLBody/hl7:text');
    expect(Buffer.from(base64 ?? '', 'base64').equals(MINIMAL_PDF)).to.equal(true);
  });

  it('writes the INS and every trait the INS rests on for a qualified identity', () => {
    // when
    const xml = buildCdaDocument(exampleCdaInput({ patient: examplePatient('qualified') }));

    // then
    const patient = '/hl7:ClinicalDocument/hl7:recordTarget/hl7:patientRole';
    expect(xpathValues(xml, `${patient}/hl7:id[1]/@root`)).to.deep.equal([INS_OIDS.nirTest]);
    expect(xpathValues(xml, `${patient}/hl7:id[1]/@extension`)).to.deep.equal(['279035121518989']);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:name/hl7:family[@qualifier="BR"]`)).to.deep.equal([
      'PAT-TROIS',
    ]);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:name/hl7:given[@qualifier="BR"]`)).to.deep.equal(['DOMINIQUE']);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:name/hl7:given[not(@qualifier)]`)).to.deep.equal([
      'DOMINIQUE MARIE-LOUISE',
    ]);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:name/hl7:family[@qualifier="CL"]`)).to.deep.equal(['NESSI']);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:birthTime/@value`)).to.deep.equal(['19790328']);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:administrativeGenderCode/@code`)).to.deep.equal(['F']);
    expect(xpathValues(xml, `${patient}/hl7:patient/hl7:birthplace/hl7:place/hl7:addr/hl7:county`)).to.deep.equal([
      '51215',
    ]);
  });

  it('names a usager whose identity is not qualified by their local id only, never by an INS', () => {
    // when
    const xml = buildCdaDocument(exampleCdaInput({ patient: examplePatient('not-qualified') }));

    // then
    expect(insIdsOf(xml)).to.deep.equal([]);
    expect(xpathValues(xml, '//hl7:patientRole/hl7:id/@extension')).to.deep.equal(['og-demo/usager-1']);
    expect(xpathValues(xml, '//hl7:patient/hl7:name/hl7:given[@qualifier="CL"]')).to.deep.equal(['DOMI']);
  });

  it('writes the INS exactly when the identity is qualified, whatever the traits, and stays valid', async () => {
    const name = fc.stringMatching(/^[A-ZÉÈÏ' -]{1,30}$/).filter((value) => value.trim() !== '');
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        name,
        fc.array(name, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('F', 'M', 'I'),
        fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
        async (qualified, birthName, birthFirstNames, sex, usedName) => {
          // given
          const base = examplePatient(qualified ? 'qualified' : 'not-qualified');
          const patient = {
            ...base,
            traits: {
              ...base.traits,
              birthName: birthName.trim(),
              birthFirstNames: birthFirstNames.map((n) => n.trim()),
              sex,
            },
            ...(usedName === undefined || usedName.trim() === '' ? {} : { usedName }),
          } as CdaPatient;

          // when
          const xml = buildCdaDocument(exampleCdaInput({ patient }));

          // then
          expect(insIdsOf(xml)).to.have.length(qualified ? 1 : 0);
          expect(xpathValues(xml, '//hl7:patient/hl7:name/hl7:family[@qualifier="BR"]')).to.deep.equal([
            birthName.trim(),
          ]);
          expect((await validateAgainstAnsCdaSchema(xml)).valid).to.equal(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('writes the sex `I` (indéterminé) as HL7’s UN', () => {
    const patient = examplePatient('qualified');
    const xml = buildCdaDocument(exampleCdaInput({ patient: { ...patient, traits: { ...patient.traits, sex: 'I' } } }));
    expect(xpathValues(xml, '//hl7:administrativeGenderCode/@code')).to.deep.equal(['UN']);
  });

  describe('refuses, in French, what the rules forbid', () => {
    const refusals: [string, Partial<CdaDocumentInput> | ((input: CdaDocumentInput) => CdaDocumentInput), string][] = [
      [
        'an anonymous usager',
        (input) => ({ ...input, patient: { identity: 'anonymous' } as unknown as CdaPatient }),
        'ANONYMOUS_PATIENT',
      ],
      [
        'traits without a birth first name',
        (input) => ({
          ...input,
          patient: { ...input.patient, traits: { ...input.patient.traits, birthFirstNames: [] } },
        }),
        'INVALID_IDENTITY',
      ],
      [
        'an INS whose key is wrong',
        (input) => ({
          ...input,
          patient: {
            ...examplePatient('qualified'),
            ins: { value: '279035121518900', oid: INS_OIDS.nirTest },
          } as CdaPatient,
        }),
        'INVALID_IDENTITY',
      ],
      [
        'a custodian not named by its FINESS',
        { custodian: { id: { root: '2.25.7', extension: 'x' }, name: 'OG' } },
        'INVALID_CUSTODIAN',
      ],
      ['a document id that is not an OID', { id: { root: 'not an oid' } }, 'INVALID_IDENTIFIER'],
      ['a version 0', { versionNumber: 0 }, 'INVALID_VERSION'],
      ['an empty title', { title: '  ' }, 'EMPTY_TITLE'],
      [
        'a body that is not a PDF',
        { body: { mediaType: 'application/pdf', content: Buffer.from('hello') } },
        'BODY_NOT_PDF',
      ],
      ['an invalid date', { effectiveTime: new Date('nope') }, 'INVALID_DATE'],
      [
        'a service event ending before it starts',
        { serviceEvent: { start: new Date('2024-02-01T00:00:00Z'), end: new Date('2024-01-01T00:00:00Z') } },
        'INVALID_DATE',
      ],
      [
        'a facility without a FINESS',
        (input) => ({
          ...input,
          encounter: { ...input.encounter, facility: { ...input.encounter.facility, finess: '12' } },
        }),
        'INVALID_FACILITY',
      ],
    ];
    for (const [what, change, code] of refusals) {
      it(what, () => {
        // given
        const base = exampleCdaInput();
        const input = typeof change === 'function' ? change(base) : { ...base, ...change };

        // when
        let refused: unknown;
        try {
          buildCdaDocument(input);
        } catch (error) {
          refused = error;
        }

        // then
        expect(refused).to.be.instanceOf(CdaInputRefused);
        expect((refused as CdaInputRefused).code).to.equal(code);
        expect((refused as CdaInputRefused).message).to.match(/[éèàùç’]|\b(le|la|du|un|une)\b/);
      });
    }

    it('says of an anonymous usager that nothing is sent', () => {
      expect(() =>
        buildCdaDocument({ ...exampleCdaInput(), patient: { identity: 'anonymous' } as unknown as CdaPatient }),
      ).to.throw(
        CdaInputRefused,
        'Un usager anonyme n’a pas de document CDA : rien n’est envoyé au DMP ni par MSSanté.',
      );
    });
  });
});
