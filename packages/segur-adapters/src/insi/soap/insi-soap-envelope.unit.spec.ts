import { INS_OIDS, nirKey } from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { MalformedXml, readXml, requiredChild, type XmlElement } from '../../xml/xml-document.js';
import { INSI_TEST_IDENTITIES } from '../insi-stand-in.js';
import { buildInsiRequest, type InsiRequest, type InsiRequestHeaders, readInsiRequest } from './insi-soap-envelope.js';
import { INSI_ACTIONS, INSI_NAMESPACES as NS } from './insi-soap-namespaces.js';

const [jeanne] = INSI_TEST_IDENTITIES as [(typeof INSI_TEST_IDENTITIES)[number]];

const headers = (action: string): InsiRequestHeaders => ({
  bamContext: {
    version: '01_02',
    id: '0b3a6f4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    time: '2025-03-01T09:30:00.000Z',
    emitter: '750000001',
  },
  lpsContext: {
    nature: 'CTXLPS',
    version: '01_00',
    id: '1c4b7a5f-2d3e-4f60-9bac-1d2e3f4a5b6c',
    time: '2025-03-01T09:30:00.000Z',
    emitter: '750000001',
    idamKind: '4',
    authorisationNumber: 'AUTO-DUI-0001',
    softwareVersion: '0.1.0',
    instance: 'csapa-paris-1',
    softwareName: 'urn:lps:DUI-PDS:0.1.0',
  },
  action,
  messageId: 'uuid:2d5c8b60-3e4f-4071-8cbd-2e3f4a5b6c7d',
  to: 'https://insi.example/lps',
});

const search: InsiRequest = {
  headers: headers(INSI_ACTIONS.search),
  body: {
    operation: 'search',
    query: { birthName: "D'ARTAGNAN & FILS", firstNames: ['JEANNE', 'MARIE'], birthDate: '1985-05-12', sex: 'F' },
  },
};

const verification: InsiRequest = {
  headers: headers(INSI_ACTIONS.verification),
  body: { operation: 'verification', ins: jeanne.ins, traits: jeanne.traits },
};

function expectMalformed(xml: string): void {
  expect(() => readInsiRequest(xml)).to.throw(MalformedXml);
}

describe('the INSi request envelope', () => {
  it('reads back a search and a verification as they were built', () => {
    // given a search with a name that needs escaping, without then with a birthplace, and a verification
    const withBirthplace: InsiRequest = {
      ...search,
      body: { operation: 'search', query: { ...(search.body as { query: object }).query, birthplaceCode: '2A004' } },
    } as InsiRequest;
    // when each is written then read
    // then nothing is lost nor added
    for (const request of [search, withBirthplace, verification]) {
      expect(readInsiRequest(buildInsiRequest(request))).to.deep.equal(request);
    }
  });

  it('puts the headers and the body in the teleservice’s namespaces', () => {
    // when a search is written
    const envelope = readXml(buildInsiRequest(search));

    // then it is a SOAP 1.2 envelope with both contexts, WS-Addressing and RECSANSVITALE
    expect([envelope.namespace, envelope.name]).to.deep.equal([NS.soap, 'Envelope']);
    const header = requiredChild(envelope, NS.soap, 'Header');
    expect(header.children.map(qualified)).to.deep.equal([
      `${NS.bamContext} ContexteBAM`,
      `${NS.lpsContext} ContexteLPS`,
      `${NS.addressing} Action`,
      `${NS.addressing} MessageID`,
      `${NS.addressing} To`,
    ]);
    const lps = requiredChild(header, NS.lpsContext, 'ContexteLPS');
    expect(lps.attributes).to.deep.equal({ Nature: 'CTXLPS', Version: '01_00' });
    const idam = requiredChild(requiredChild(lps, NS.lpsContext, 'LPS'), NS.lpsContext, 'IDAM');
    expect([idam.attributes.R, idam.text]).to.deep.equal(['4', 'AUTO-DUI-0001']);
    const body = requiredChild(requiredChild(envelope, NS.soap, 'Body'), NS.searchWithoutVitale, 'RECSANSVITALE');
    expect(body.children.map((child) => [qualified(child), child.text])).to.deep.equal([
      [`${NS.searchWithoutVitale} NomNaissance`, "D'ARTAGNAN & FILS"],
      [`${NS.searchWithoutVitale} Prenom`, 'JEANNE MARIE'],
      [`${NS.searchWithoutVitale} Sexe`, 'F'],
      [`${NS.searchWithoutVitale} DateNaissance`, '1985-05-12'],
    ]);
  });

  it('sends the INS of a verification as its 13 characters and its key, with the OID', () => {
    const envelope = readXml(buildInsiRequest(verification));
    const verif = requiredChild(requiredChild(envelope, NS.soap, 'Body'), NS.verification, 'VERIFINS');
    const individual = requiredChild(verif, NS.verification, 'IdIndividu');
    expect(individual.children.map((child) => child.text)).to.deep.equal([
      jeanne.ins.value.slice(0, 13),
      jeanne.ins.value.slice(13),
    ]);
    expect(requiredChild(verif, NS.verification, 'OID').text).to.equal(INS_OIDS.nirTest);
  });

  it('reads a request whatever prefixes the sender chose', () => {
    // given a search written with other prefixes and a default namespace for the body
    const xml = `<?xml version="1.0"?>
      <e:Envelope xmlns:e="${NS.soap}" xmlns:b="${NS.bamContext}" xmlns:l="${NS.lpsContext}">
        <e:Header>
          <b:ContexteBAM Version="01_02"><b:Id>a</b:Id><b:Temps>t</b:Temps><b:Emetteur>x</b:Emetteur><b:COUVERTURE/></b:ContexteBAM>
          <l:ContexteLPS Nature="CTXLPS" Version="01_00"><l:Id>b</l:Id><l:Temps>t</l:Temps><l:Emetteur>x</l:Emetteur>
            <l:LPS><l:IDAM R="4">N</l:IDAM><l:Version>1</l:Version><l:Instance>i</l:Instance><l:Nom>n</l:Nom></l:LPS>
          </l:ContexteLPS>
          <Action xmlns="${NS.addressing}">${INSI_ACTIONS.search}</Action>
          <MessageID xmlns="${NS.addressing}">uuid:m</MessageID>
        </e:Header>
        <e:Body>
          <RECSANSVITALE xmlns="${NS.searchWithoutVitale}">
            <NomNaissance>MARTIN</NomNaissance><Prenom>JEANNE</Prenom><Sexe>F</Sexe>
            <DateNaissance>1985-05-12</DateNaissance><LieuNaissance>75056</LieuNaissance>
          </RECSANSVITALE>
        </e:Body>
      </e:Envelope>`;

    // when read
    const request = readInsiRequest(xml);

    // then the prefixes did not matter
    expect(request.body).to.deep.equal({
      operation: 'search',
      query: {
        birthName: 'MARTIN',
        firstNames: ['JEANNE'],
        birthDate: '1985-05-12',
        sex: 'F',
        birthplaceCode: '75056',
      },
    });
    expect(request.headers.lpsContext.authorisationNumber).to.equal('N');
    expect(request.headers.to).to.equal(undefined);
  });

  it('refuses what is not an INSi request, without quoting it', () => {
    const valid = buildInsiRequest(search);
    expectMalformed('MARTIN JEANNE');
    expectMalformed('<a><b></a>');
    expectMalformed(`<!DOCTYPE x [<!ENTITY e "MARTIN">]>${valid.replace(/^<\?xml[^>]*>/, '')}`);
    expectMalformed(valid.replace(/<ctxlps:ContexteLPS.*<\/ctxlps:ContexteLPS>/, ''));
    expectMalformed(valid.replace(/RECSANSVITALE/g, 'RECVITALE'));
    expectMalformed(valid.replace('<insi_recsans_ins:Sexe>F', '<insi_recsans_ins:Sexe>X'));
    expectMalformed(valid.replace('xmlns:soap="http://www.w3.org/2003/05/soap-envelope"', 'xmlns:soap="urn:other"'));
    try {
      readInsiRequest(valid.replace('<insi_recsans_ins:Sexe>F', '<insi_recsans_ins:Sexe>X'));
    } catch (error) {
      expect((error as Error).message).not.to.include('ARTAGNAN');
    }
  });

  it('round-trips any strict traits in a verification (property)', () => {
    const name = fc.stringMatching(/^[A-ZÀ-Ü][A-ZÀ-Ü'& <>"-]{0,30}[A-ZÀ-Ü]$/).filter((text) => !/\s{2}/.test(text));
    const firstName = fc.stringMatching(/^[A-ZÀ-Ü][A-ZÀ-Ü'-]{0,20}$/);
    const first13 = fc.stringMatching(/^[12]\d{2}(0[1-9]|1[0-2])\d{8}$/);
    fc.assert(
      fc.property(
        first13,
        name,
        fc.array(firstName, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(...(['F', 'M', 'I'] as const)),
        fc.date({ min: new Date('1900-01-01'), max: new Date('2024-12-31'), noInvalidDate: true }),
        fc.stringMatching(/^(\d{5}|2[AB]\d{3})$/),
        (digits, birthName, birthFirstNames, sex, date, birthplaceCode) => {
          const request: InsiRequest = {
            headers: headers(INSI_ACTIONS.verification),
            body: {
              operation: 'verification',
              ins: { value: `${digits}${nirKey(digits)}`, oid: INS_OIDS.nir },
              traits: { birthName, birthFirstNames, sex, birthDate: date.toISOString().slice(0, 10), birthplaceCode },
            },
          };
          expect(readInsiRequest(buildInsiRequest(request))).to.deep.equal(request);
        },
      ),
    );
  });
});

function qualified(element: XmlElement): string {
  return `${element.namespace} ${element.name}`;
}
