import { randomUUID } from 'node:crypto';
import { accessLogStreamId, type RecordRead } from '@dui-pds/domain';
import {
  buildCdaDocument,
  buildMssanteMessage,
  CDA_DOCUMENT_TYPES,
  type CdaDocumentInput,
  INSI_TEST_IDENTITIES,
  type IncomingMail,
  readIncomingMail,
  receivedMssanteDocuments,
  SmtpImapSecureMessaging,
  xdsDocumentEntryOf,
} from '@dui-pds/segur-adapters';
import {
  exampleCdaInput,
  type LocalMailServers,
  MINIMAL_PDF,
  startLocalMailServers,
  validateAgainstAnsCdaSchema,
} from '@dui-pds/segur-adapters/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-mssante';
const CSAPA = '750000001';
const csapaMailbox = { address: 'secretariat@csapa-test.mssante.fr', password: 'mot-de-passe-csapa' };
const lab = { address: 'resultats@labo-test.mssante.fr', password: 'mot-de-passe-labo' };
const doctorAddress = 'dr.martin@hopital-test.mssante.fr';
const jeanne = INSI_TEST_IDENTITIES[0] as (typeof INSI_TEST_IDENTITIES)[number];
const stranger = INSI_TEST_IDENTITIES[1] as (typeof INSI_TEST_IDENTITIES)[number];

describe('the HTTP API: MSSanté, sending documents and receiving exam results over SMTP and IMAP', function () {
  this.timeout(180_000);
  let servers: LocalMailServers;
  let app: ServerUnderTest;
  let labMailbox: SmtpImapSecureMessaging;
  const tokens: Record<string, string> = {};
  const qualified = randomUUID();
  const anonymous = randomUUID();
  const provisional = randomUUID();
  const usager = (serviceUserId: string) => `/organisations/${ORG}/facilities/${CSAPA}/usagers/${serviceUserId}`;
  const post = async (as: string, path: string, body: unknown) => {
    const answer = await app.request('POST', path, { as, body });
    expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).to.be.oneOf([200, 201]);
    return answer;
  };
  const upload = async (serviceUserId: string) =>
    (
      await post(tokens.doctor as string, `${usager(serviceUserId)}/documents`, {
        kind: 'examResult',
        title: 'Bilan sanguin',
        sensitivity: 'medical',
        fileName: 'bilan.pdf',
        mediaType: 'application/pdf',
        contentBase64: MINIMAL_PDF.toString('base64'),
      })
    ).body.documentId as string;
  const pollInbox = async () =>
    (await post(tokens.secretary as string, `/organisations/${ORG}/mssante/inbox/polls`, {})).body;
  const labInbox = async () => {
    const read: IncomingMail[] = [];
    await labMailbox.pollInbox(async (mail) => {
      read.push(mail);
    });
    return read;
  };
  /** A biology report about `patient`, in an XDM archive, as a laboratory's system sends it to the CSAPA. */
  const labSends = async (patient: (typeof INSI_TEST_IDENTITIES)[number], messageId: string) => {
    const input: CdaDocumentInput = exampleCdaInput({
      id: { root: `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}` },
      type: CDA_DOCUMENT_TYPES.biologyReport,
      title: 'Bilan hépatique',
      effectiveTime: new Date('2026-03-19T08:30:00+01:00'),
      patient: {
        identity: 'qualified',
        ins: patient.ins,
        traits: patient.traits,
        localId: { root: '2.25.4242', extension: 'LAB-1' },
      },
    });
    const mail = buildMssanteMessage({
      messageId,
      to: [csapaMailbox.address],
      documents: [
        { cda: buildCdaDocument(input), input, entry: xdsDocumentEntryOf(input), pdfFileName: 'bilan-hepatique.pdf' },
      ],
      text: 'Résultats ci-joints.',
      submission: { id: '2.25.99', sourceId: '2.25.98', submissionTime: new Date() },
      sender: { organisation: 'Laboratoire de test', software: 'SGL de test', softwareVersion: '1' },
      acknowledgements: true,
    });
    await labMailbox.send(mail);
  };

  before(async () => {
    servers = await startLocalMailServers({ users: [csapaMailbox, lab] });
    labMailbox = new SmtpImapSecureMessaging({
      address: lab.address,
      smtpUrl: `smtp://${servers.smtp.host}:${servers.smtp.port}`,
      imapUrl: `imap://${servers.imap.host}:${servers.imap.port}`,
      user: lab.address,
      password: lab.password,
      requireTls: false,
    });
    app = await ServerUnderTest.start({
      DUI_MSSANTE_SMTP_URL: `smtp://${servers.smtp.host}:${servers.smtp.port}`,
      DUI_MSSANTE_IMAP_URL: `imap://${servers.imap.host}:${servers.imap.port}`,
      DUI_MSSANTE_ADDRESS: csapaMailbox.address,
      DUI_MSSANTE_USER: csapaMailbox.address,
      DUI_MSSANTE_PASSWORD: csapaMailbox.password,
      DUI_MSSANTE_ORGANISATION: ORG,
      DUI_MSSANTE_PRODUCT_REFERENCE: 'REF-TEST-0001',
      DUI_MSSANTE_POLL_MINUTES: '0',
    });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      ...[qualified, anonymous, provisional].map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId: 'pro-doctor',
        serviceUserId,
        facilityId: CSAPA,
      })),
    );
    for (const who of ['secretary', 'doctor', 'educator']) tokens[who] = await app.loginAs(`pro-${who}`);
    const secretary = tokens.secretary as string;
    // a qualified identity: the INS from the INSi, the traits checked on an identity card
    await post(secretary, `/organisations/${ORG}/usagers`, {
      serviceUserId: qualified,
      facilityId: CSAPA,
      traits: jeanne.traits,
    });
    await post(secretary, `/organisations/${ORG}/usagers/${qualified}/ins-searches`, {});
    await post(secretary, `/organisations/${ORG}/usagers/${qualified}/identity-document-checks`, {
      checkId: randomUUID(),
      kind: 'national-id-card',
      outcome: 'consistent',
    });
    await post(secretary, `/organisations/${ORG}/usagers`, {
      serviceUserId: provisional,
      facilityId: CSAPA,
      traits: {
        birthName: 'ROCHE',
        birthFirstNames: ['PAUL'],
        birthDate: '1975-09-21',
        sex: 'M',
        birthplaceCode: '13055',
      },
    });
    await post(secretary, `/organisations/${ORG}/anonymous-usagers`, {
      serviceUserId: anonymous,
      facilityId: CSAPA,
      sex: 'F',
      birthYear: 1992,
    });
  });
  after(async () => {
    await labMailbox?.close();
    await app?.close();
    await servers?.close();
  });

  it('sends a document of a qualified usager to a professional’s MSSanté address: a valid XDM whose CDA validates and carries the INS', async () => {
    // given a document of Jeanne, and her doctor in her directory with an MSSanté address
    const documentId = await upload(qualified);
    const entryId = randomUUID();
    await post(tokens.doctor as string, `/organisations/${ORG}/usagers/${qualified}/directory`, {
      entryId,
      facilityId: CSAPA,
      kind: 'professional',
      role: 'generalPractitioner',
      name: 'Dr Claire Martin',
      contact: { email: doctorAddress },
    });

    // when the doctor sends it by MSSanté
    const sent = await post(tokens.doctor as string, `${usager(qualified)}/mssante/messages`, {
      recipients: [{ directoryEntryId: entryId }],
      documents: [{ documentId }],
    });

    // then the message arrives over SMTP with the reference's headers and a valid XDM archive
    expect(sent.status).to.equal(201);
    expect(sent.body).to.deep.include({ status: 'sent', insIncluded: true });
    const delivery = await servers.waitForDelivery((candidate) => candidate.to.includes(doctorAddress));
    expect(delivery.from).to.equal(csapaMailbox.address);
    const mail = await readIncomingMail(delivery.raw);
    if (mail.kind !== 'message') throw new Error('a message was expected');
    expect(mail.messageId).to.equal(sent.body.internetMessageId);
    expect(mail.subject).to.equal("XDM/1.0/DDM+CR d'examens biologiques MARTIN Jeanne 12/05/1985");
    expect(mail.headers.get('x-mss-ins')).to.equal('O');
    expect(mail.headers.get('x-mss-codecda')).to.equal('11502-2');
    expect(mail.headers.get('x-mss-nil')).to.equal('REF-TEST-0001');
    expect(mail.dispositionNotificationTo).to.equal(csapaMailbox.address);
    const received = receivedMssanteDocuments(mail.attachments);
    if (received.kind !== 'documents') throw new Error(`the XDM archive should read: ${JSON.stringify(received)}`);
    const [document] = received.documents;
    expect((await validateAgainstAnsCdaSchema(document?.cdaBytes.toString('utf8') ?? '')).errors).to.deep.equal([]);
    expect(document?.cda.patient.ins).to.deep.equal(jeanne.ins);
    expect(document?.entry.patientIdIsIns).to.equal(true);

    // and the server's delivery notification, read by the inbox poll, marks it delivered
    const poll = await pollInbox();
    expect(poll.acknowledgements).to.be.at.least(1);
    const messages = await app.request('GET', `${usager(qualified)}/mssante/messages`, { as: tokens.doctor });
    expect(messages.status).to.equal(200);
    const [listed] = messages.body.messages;
    expect(listed).to.deep.include({ messageId: sent.body.messageId, status: 'delivered', insIncluded: true });
    expect(listed.recipients).to.deep.equal([
      {
        address: doctorAddress,
        kind: 'professional',
        name: 'Dr Claire Martin',
        directoryEntryId: entryId,
        status: 'delivered',
      },
    ]);
    expect(
      listed.acknowledgements.map((acknowledgement: { kind: string; source: string }) => [
        acknowledgement.kind,
        acknowledgement.source,
      ]),
    ).to.deep.equal([['delivered', 'dsn']]);
  });

  it('writes to the usager’s Mon espace santé at <INS>@patient.mssante.fr, for a qualified identity only', async () => {
    const documentId = await upload(qualified);
    const sent = await post(tokens.doctor as string, `${usager(qualified)}/mssante/messages`, {
      recipients: [{ monEspaceSante: true }],
      documents: [{ documentId }],
      replyBlocked: true,
    });
    const address = `${jeanne.ins.value}@patient.mssante.fr`.toLowerCase();
    expect(sent.body.recipients).to.deep.equal([{ address, kind: 'serviceUser', status: 'sent' }]);
    const delivery = await servers.waitForDelivery((candidate) => candidate.to.includes(address));
    const mail = await readIncomingMail(delivery.raw);
    expect(mail.kind === 'message' && mail.headers.get('x-mss-mes')).to.equal('FIN');

    // a provisional identity has no Mon espace santé address to write to
    const before = servers.deliveries.length;
    const refused = await app.request('POST', `${usager(provisional)}/mssante/messages`, {
      as: tokens.doctor,
      body: { recipients: [{ monEspaceSante: true }], documents: [{ documentId: await upload(provisional) }] },
    });
    expect(refused.status, JSON.stringify(refused.body)).to.equal(409);
    expect(servers.deliveries.length).to.equal(before);
  });

  it('never sends an anonymous usager’s document: 409, and nothing reaches the SMTP server', async () => {
    // given a document in an anonymous usager's record
    const documentId = await upload(anonymous);
    const before = servers.deliveries.length;
    const eventsBefore = await app.eventCount();

    // when someone tries to send it
    const answer = await app.request('POST', `${usager(anonymous)}/mssante/messages`, {
      as: tokens.doctor,
      body: { recipients: [{ monEspaceSante: true }], documents: [{ documentId }] },
    });

    // then it is refused, nothing was delivered and nothing recorded
    expect(answer.status, JSON.stringify(answer.body)).to.equal(409);
    expect(answer.body.code).to.equal('SECURE_MESSAGE_ANONYMOUS_USAGER');
    expect(servers.deliveries.length).to.equal(before);
    expect(await app.eventCount()).to.equal(eventsBefore);
  });

  it('files a lab’s result for a known usager into her record, visible in her exam results, and tells the lab so', async () => {
    // given a biology report about Jeanne (INS and traits), sent by a laboratory to the CSAPA's mailbox
    await labInbox();
    await labSends(jeanne, '<resultat-jeanne@labo-test.mssante.fr>');

    // when the CSAPA's inbox is read
    const poll = await pollInbox();

    // then the result is filed into Jeanne's record, as an exam result with its document
    expect(poll).to.deep.include({ filed: 1, rejected: 0, failed: 0 });
    const results = await app.request('GET', `${usager(qualified)}/exam-results`, { as: tokens.doctor });
    expect(results.status).to.equal(200);
    const [result, ...others] = results.body.examResults;
    expect(others).to.have.length(0);
    expect(result).to.deep.include({
      title: 'Bilan hépatique',
      typeCode: '11502-2',
      sender: lab.address,
      effectiveAt: '2026-03-19T07:30:00.000Z',
      producer: 'CSAPA Les Tilleuls — Pascal CHARLES',
    });
    const content = await app.request('GET', `${usager(qualified)}/documents/${result.documentId}/versions/1/content`, {
      as: tokens.doctor,
    });
    expect(content.status).to.equal(200);
    expect(Buffer.from(content.bytes).equals(MINIMAL_PDF)).to.equal(true);
    // and the read was traced
    const trail = await app.server.store.readStream(accessLogStreamId(ORG, qualified));
    expect(trail.map((event) => (event.data as RecordRead).resource)).to.include('exam-results');
    // and an educator, who may not read medical data, is refused
    expect((await app.request('GET', `${usager(qualified)}/exam-results`, { as: tokens.educator })).status).to.equal(
      403,
    );

    // and the lab receives the server's delivery notice and a processed disposition
    const acknowledgements = await labInbox();
    const disposition = acknowledgements.find((mail) => mail.kind === 'disposition-notification');
    expect(disposition?.kind === 'disposition-notification' && disposition.report.disposition).to.deep.equal({
      actionMode: 'automatic-action',
      sendingMode: 'MDN-sent-automatically',
      type: 'processed',
    });
    // and reading the inbox again files nothing twice
    expect(await pollInbox()).to.deep.include({ filed: 0, handled: 0 });
  });

  it('answers an error MDN 902 to the lab for a patient it does not know, and files nothing', async () => {
    // given a result about someone who is no usager of the organisation
    await labInbox();
    const eventsBefore = await app.eventCount();
    await labSends(stranger, '<resultat-inconnu@labo-test.mssante.fr>');

    // when the inbox is read
    const poll = await pollInbox();

    // then the message is rejected, and an error MDN goes back to the lab, read from its mailbox
    expect(poll).to.deep.include({ filed: 0, rejected: 1 });
    const [mdn] = (await labInbox()).filter((mail) => mail.kind === 'disposition-notification');
    if (mdn?.kind !== 'disposition-notification') throw new Error('the lab should have received an MDN');
    expect(mdn.subject).to.match(/^\[KO Intégration système !\]\[902\] XDM\/1\.0\/DDM\+/);
    expect(mdn.report).to.deep.include({ originalMessageId: '<resultat-inconnu@labo-test.mssante.fr>' });
    expect(mdn.report.disposition.error).to.deep.equal({ code: '902', label: 'Identifiant patient inconnu' });
    // and only the rejection was recorded: no document, no result
    expect(await app.eventCount()).to.equal(eventsBefore + 1);
  });
});

describe('the HTTP API: MSSanté without a configured mailbox', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(ORG, {
      type: 'GrantRole',
      professionalId: 'pro-secretary',
      facilityId: CSAPA,
      role: 'secretary',
    });
  });
  after(() => app?.close());

  it('answers 503 to an inbox poll, in French, and never 5xx for a malformed request', async () => {
    const session = await app.loginAs('pro-secretary');
    const poll = await app.request('POST', `/organisations/${ORG}/mssante/inbox/polls`, { as: session, body: {} });
    expect(poll.status).to.equal(503);
    expect(poll.body.detail).to.match(/messagerie MSSanté n’est pas configurée/);
    const malformed = await app.request('POST', `/organisations/${ORG}/mssante/inbox/polls`, {
      as: session,
      body: { limit: 'x' },
    });
    expect(malformed.status).to.equal(400);
  });
});
