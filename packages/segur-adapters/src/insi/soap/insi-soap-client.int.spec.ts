import { request } from 'node:https';
import { type AddressInfo, createServer } from 'node:net';
import { expect } from 'chai';
import { type EphemeralCertificates, issueEphemeralCertificates } from '../../tls/ephemeral-certificates.js';
import { readXml, requiredChild } from '../../xml/xml-document.js';
import { searchIns } from '../insi-search-procedure.js';
import { INSI_TEST_IDENTITIES } from '../insi-stand-in.js';
import { InsiUnavailable } from '../insi-unavailable.js';
import { readInsiAnswer } from './insi-soap-answer.js';
import { InsiSoapClient, type InsiSoapClientConfig } from './insi-soap-client.js';
import { readInsiRequest } from './insi-soap-envelope.js';
import { INSI_ACTIONS, INSI_NAMESPACES as NS } from './insi-soap-namespaces.js';
import { type InsiSoapStandIn, startInsiSoapStandIn } from './insi-soap-stand-in.js';

const [jeanne, pierreLouis, pierreAndre] = INSI_TEST_IDENTITIES as [
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
];
const AUTHORISATION_NUMBER = 'AUTO-DUI-0001';
const NOW = new Date('2025-03-01T09:30:00.000Z');

/** UUIDs in the order the client asks for them: BAM context, LPS context, message. */
function sequentialIds(): () => string {
  let next = 0;
  return () => `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}`;
}

/** A search by birth name, date and sex, with these first names and no birthplace. */
function searchFor(traits: typeof jeanne.traits, firstNames = traits.birthFirstNames.slice(0, 1)) {
  return { birthName: traits.birthName, firstNames, birthDate: traits.birthDate, sex: traits.sex };
}

async function expectUnavailable(call: Promise<unknown>): Promise<InsiUnavailable> {
  try {
    await call;
  } catch (error) {
    expect(error).to.be.instanceOf(InsiUnavailable);
    return error as InsiUnavailable;
  }
  throw new Error('the call succeeded');
}

describe('the INSi SOAP client against its stand-in, over HTTPS with mutual TLS', function () {
  this.timeout(30_000);
  let certificates: EphemeralCertificates;
  let standIn: InsiSoapStandIn;
  const clients: InsiSoapClient[] = [];

  const clientWith = (overrides: Partial<InsiSoapClientConfig> = {}) => {
    const client = new InsiSoapClient({
      endpoint: standIn.url,
      tls: { ...certificates.client, ca: certificates.ca },
      lps: {
        authorisationNumber: AUTHORISATION_NUMBER,
        softwareName: 'DUI-PDS',
        softwareVersion: '0.1.0',
        instance: 'csapa-paris-1',
      },
      emitter: '750000001',
      clock: () => NOW,
      newId: sequentialIds(),
      ...overrides,
    });
    clients.push(client);
    return client;
  };

  before(async () => {
    certificates = await issueEphemeralCertificates();
    standIn = await startInsiSoapStandIn({
      tls: { ...certificates.server, ca: certificates.ca },
      authorisationNumber: AUTHORISATION_NUMBER,
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await standIn.close();
  });

  it('finds one identity (CR 00), none (01) and several (02)', async () => {
    // given a client with the software's certificate
    const insi = clientWith();
    const before = standIn.calls;

    // when searching Jeanne Martin, an unknown name, and Pierre Durand by his first first name
    const one = await insi.search(searchFor(jeanne.traits));
    const none = await insi.search(searchFor({ ...jeanne.traits, birthName: 'INCONNUE' }));
    const several = await insi.search(searchFor(pierreAndre.traits));

    // then each went over the wire and came back as the port's answer
    expect(one).to.deep.equal({ outcome: 'found', ins: jeanne.ins, traits: jeanne.traits });
    expect(none).to.deep.equal({ outcome: 'not-found' });
    expect(several).to.deep.equal({ outcome: 'several' });
    expect(standIn.calls - before).to.equal(3);
  });

  it('resolves several identities with every first name, then with the birthplace', async () => {
    // given the search procedure over SOAP
    const before = standIn.calls;
    const found = await searchIns(clientWith(), pierreAndre.traits);
    expect(found).to.deep.equal({ outcome: 'found', ins: pierreAndre.ins, traits: pierreAndre.traits });
    expect(standIn.calls - before).to.equal(2);

    // and twins differing only by their birthplace, at another stand-in
    const twin = { ...pierreLouis, traits: { ...pierreLouis.traits, birthplaceCode: '33063' } };
    const twinsStandIn = await startInsiSoapStandIn({
      identities: [pierreLouis, twin],
      tls: { ...certificates.server, ca: certificates.ca },
    });
    try {
      const answer = await searchIns(clientWith({ endpoint: twinsStandIn.url }), twin.traits);
      expect(answer).to.deep.equal({ outcome: 'found', ins: twin.ins, traits: twin.traits });
      expect(twinsStandIn.calls).to.equal(3);
      // the last call carried the birthplace
      const last = readInsiRequest(twinsStandIn.lastRequest ?? '');
      expect(last.body).to.deep.include({ operation: 'search' });
      expect(last.body.operation === 'search' && last.body.query.birthplaceCode).to.equal('33063');
    } finally {
      await twinsStandIn.close();
    }
  });

  it('confirms an INS with its traits, and does not with a trait that differs', async () => {
    const insi = clientWith();
    expect(await insi.verify(jeanne.ins, jeanne.traits)).to.deep.equal({ outcome: 'confirmed', traits: jeanne.traits });
    expect(await insi.verify(jeanne.ins, { ...jeanne.traits, birthplaceCode: '75101' })).to.deep.equal({
      outcome: 'not-confirmed',
    });
    expect(await insi.verify(pierreAndre.ins, jeanne.traits)).to.deep.equal({ outcome: 'not-confirmed' });
  });

  it('sends the envelope the teleservice expects: contexts, addressing and body', async () => {
    // when the client searches Jeanne Martin with her birthplace
    await clientWith().search({ ...searchFor(jeanne.traits, jeanne.traits.birthFirstNames), birthplaceCode: '75056' });

    // then the stand-in received both contexts, WS-Addressing and RECSANSVITALE
    const sent = standIn.lastRequest ?? '';
    expect(readInsiRequest(sent)).to.deep.equal({
      headers: {
        bamContext: {
          version: '01_02',
          id: '00000000-0000-4000-8000-000000000001',
          time: '2025-03-01T09:30:00.000Z',
          emitter: '750000001',
        },
        lpsContext: {
          nature: 'CTXLPS',
          version: '01_00',
          id: '00000000-0000-4000-8000-000000000002',
          time: '2025-03-01T09:30:00.000Z',
          emitter: '750000001',
          idamKind: '4',
          authorisationNumber: AUTHORISATION_NUMBER,
          softwareVersion: '0.1.0',
          instance: 'csapa-paris-1',
          softwareName: 'urn:lps:DUI-PDS:0.1.0',
        },
        action: INSI_ACTIONS.search,
        messageId: 'uuid:00000000-0000-4000-8000-000000000003',
        to: standIn.url,
      },
      body: {
        operation: 'search',
        query: {
          birthName: 'MARTIN',
          firstNames: ['JEANNE', 'MARIE'],
          birthDate: '1985-05-12',
          sex: 'F',
          birthplaceCode: '75056',
        },
      },
    });
    // in the teleservice's namespaces
    const envelope = readXml(sent);
    expect(envelope.namespace).to.equal(NS.soap);
    const body = requiredChild(envelope, NS.soap, 'Body');
    expect(body.children.map(({ namespace, name }) => `${namespace} ${name}`)).to.deep.equal([
      `${NS.searchWithoutVitale} RECSANSVITALE`,
    ]);
  });

  it('sends a verification with the verification action and the INS', async () => {
    await clientWith().verify(jeanne.ins, jeanne.traits);
    const sent = readInsiRequest(standIn.lastRequest ?? '');
    expect(sent.headers.action).to.equal(INSI_ACTIONS.verification);
    expect(sent.body).to.deep.equal({ operation: 'verification', ins: jeanne.ins, traits: jeanne.traits });
  });

  it('is refused without a client certificate, or with one from another authority', async () => {
    // given a client that trusts the stand-in but shows no certificate
    const before = standIn.calls;
    const anonymous = clientWith({ tls: { ca: certificates.ca } as InsiSoapClientConfig['tls'] });
    await expectUnavailable(anonymous.search(searchFor(jeanne.traits)));

    // and one whose certificate another authority signed
    const stranger = await issueEphemeralCertificates({ name: 'stranger' });
    const impostor = clientWith({ tls: { ...stranger.client, ca: certificates.ca } });
    await expectUnavailable(impostor.verify(jeanne.ins, jeanne.traits));

    // then the stand-in answered neither
    expect(standIn.calls).to.equal(before);
  });

  it('does not trust a server its authorities did not sign', async () => {
    const stranger = await issueEphemeralCertificates({ name: 'stranger' });
    const wary = clientWith({ tls: { ...certificates.client, ca: stranger.ca } });
    await expectUnavailable(wary.search(searchFor(jeanne.traits)));
  });

  it('turns a SOAP fault into InsiUnavailable, never quoting the traits', async () => {
    // given a software the teleservice does not know
    const unknown = clientWith({
      lps: { authorisationNumber: 'UNKNOWN', softwareName: 'X', softwareVersion: '1', instance: 'i' },
    });
    // when it searches
    const error = await expectUnavailable(unknown.search(searchFor(jeanne.traits)));
    // then the fault is named, the traits are not
    expect(error.message).to.include('SOAP fault Sender');
    expect(error.message).not.to.match(/MARTIN|JEANNE|1985/);
  });

  it('is unavailable when the stand-in is down', async () => {
    // given a stand-in that stopped
    const stopped = await startInsiSoapStandIn({ tls: { ...certificates.server, ca: certificates.ca } });
    await stopped.close();
    // when called
    const error = await expectUnavailable(clientWith({ endpoint: stopped.url }).search(searchFor(jeanne.traits)));
    // then
    expect(error.message).to.include('ECONNREFUSED');
  });

  it('is unavailable when no answer comes in time', async () => {
    // given a server that accepts connections and never says a word
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      // when the client calls it
      const slow = clientWith({ endpoint: `https://127.0.0.1:${port}/lps`, timeoutMs: 200 });
      const error = await expectUnavailable(slow.search(searchFor(jeanne.traits)));
      // then it gives up
      expect(error.message).to.include('no answer within 200 ms');
    } finally {
      silent.close();
    }
  });

  it('answers a malformed request with a SOAP 1.2 Fault, env:Sender', async () => {
    // when something that is not an INSi envelope is posted with a valid certificate
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const post = request(
        standIn.url,
        {
          method: 'POST',
          ...certificates.client,
          ca: certificates.ca,
          headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      post.on('error', reject);
      post.end('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body/></soap:Envelope>');
    });

    // then a Sender fault comes back
    expect(status).to.equal(400);
    expect(readInsiAnswer(text)).to.deep.equal({ kind: 'fault', fault: { code: 'Sender', subcode: undefined } });
  });
});
