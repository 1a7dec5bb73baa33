import { randomUUID } from 'node:crypto';
import { FACTS_NEVER_EXPORTED, FACTS_OPEN_TO_TRUSTED_PERSON } from '@dui-pds/domain';
import { expect } from 'chai';
import { strFromU8, unzipSync } from 'fflate';
import { totpCodeAt } from '../portal/portal-credentials.js';
import { PortalClient } from '../portal/testing/portal-client.js';
import { startPortalServer } from '../portal/testing/portal-server.js';
import type { ServerUnderTest } from './testing/server-under-test.js';
import { TestClock } from './testing/test-clock.js';

const ORG = 'og-export';
const CSAPA = '750000001';
const USAGER = randomUUID();
const PASSWORD = 'cheval agrafe pile correcte';

interface ExportedRecord {
  requester: { kind: string };
  facts: { id: string; type: string; data: unknown }[];
  documents: {
    documentId: string;
    title: string;
    versions: { version: number; file: string; contentSha256: string }[];
  }[];
}

describe('the export of a rich record as a ZIP, for the usager and for their personne de confiance', function () {
  this.timeout(180_000);
  const clock = new TestClock(Date.parse('2026-11-02T09:00:00Z'));
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const uploaded: Record<string, { documentId: string; bytes: Buffer }> = {};
  const documentsPath = `/organisations/${ORG}/facilities/${CSAPA}/usagers/${USAGER}/documents`;

  const expectCreated = (answer: { status: number; body: unknown }) =>
    expect(answer.status, JSON.stringify(answer.body)).to.be.oneOf([200, 201]);

  const upload = async (name: string, as: string, body: Record<string, string>) => {
    const bytes = Buffer.from(`%PDF-1.7\n% ${name}\n%%EOF\n`);
    const answer = await app.request('POST', documentsPath, {
      as: tokens[as],
      body: { fileName: `${name}.pdf`, mediaType: 'application/pdf', contentBase64: bytes.toString('base64'), ...body },
    });
    expectCreated(answer);
    uploaded[name] = { documentId: answer.body.documentId, bytes };
    return answer.body.documentId as string;
  };

  /** Invites, activates and logs in a portal account. */
  const portalOf = async (login: string, extra: Record<string, string>) => {
    const invited = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/portal-invitations`, {
      as: tokens.secretary,
      body: { accountId: randomUUID(), facilityId: CSAPA, login, holder: 'service-user', ...extra },
    });
    expectCreated(invited);
    const client = new PortalClient(app.url);
    const secret = await client.activate(invited.body.invitationPath, PASSWORD, clock.now);
    clock.advance(30_000);
    const loggedIn = await client.login(login, PASSWORD, totpCodeAt(secret, clock.now()));
    expect(loggedIn.status, loggedIn.text).to.equal(303);
    return client;
  };

  /** The facts of the record as stored now, by id. */
  const factsNow = async () =>
    (await app.server.store.readAll({ organisationId: ORG })).filter(
      (event) => event.metadata.serviceUserId === USAGER,
    );

  const download = async (client: PortalClient) => {
    const answer = await client.get('/portail/export');
    expect(answer.status, answer.text.slice(0, 500)).to.equal(200);
    expect(answer.contentType).to.match(/^application\/zip/);
    const files = unzipSync(answer.bytes);
    const record = JSON.parse(strFromU8(files['dossier.json']!)) as ExportedRecord;
    return { files, record };
  };

  before(async () => {
    app = await startPortalServer(clock, {});
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
    );
    for (const who of ['secretary', 'doctor', 'social', 'director']) tokens[who] = await app.loginAs(`pro-${who}`);

    // given a rich record: identity, medical and social facts, a project, an appointment, a
    // personne de confiance allowed to consult, and documents, some shared with the usager
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers`, {
        as: tokens.secretary,
        body: {
          serviceUserId: USAGER,
          facilityId: CSAPA,
          traits: {
            birthName: 'LEROUX',
            birthFirstNames: ['MARIE'],
            birthDate: '1979-04-03',
            sex: 'F',
            birthplaceCode: '13055',
          },
        },
      }),
    );
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/clinical-observations`, {
        as: tokens.doctor,
        body: { observationId: randomUUID(), facilityId: CSAPA, text: 'Sevrage en cours, tension normale.' },
      }),
    );
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
        as: tokens.social,
        body: { noteId: randomUUID(), facilityId: CSAPA, sensitivity: 'social', text: 'Demande de logement déposée.' },
      }),
    );
    const projectId = randomUUID();
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
        as: tokens.social,
        body: { projectId, facilityId: CSAPA, accompanimentId: randomUUID(), startedOn: '2026-10-05' },
      }),
    );
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/personalised-projects/${projectId}/objectives`, {
        as: tokens.social,
        body: { objectiveId: randomUUID(), title: 'Accéder à un logement autonome', domain: 'housing' },
      }),
    );
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/agenda-items`, {
        as: tokens.secretary,
        body: {
          itemId: randomUUID(),
          facilityId: CSAPA,
          title: 'Rendez-vous avec l’assistante sociale',
          startsAt: '2026-11-20T10:00:00+01:00',
          endsAt: '2026-11-20T10:30:00+01:00',
        },
      }),
    );
    const trustedPersonId = randomUUID();
    expectCreated(
      await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/trusted-persons`, {
        as: tokens.social,
        body: {
          trustedPersonId,
          facilityId: CSAPA,
          person: { name: 'Jeanne Leroux', relationship: 'sœur', contact: { phone: '06 11 22 33 44' } },
          scope: ['casf'],
          mayConsultRecord: true,
        },
      }),
    );
    expectCreated(
      await app.request(
        'POST',
        `/organisations/${ORG}/usagers/${USAGER}/trusted-persons/${trustedPersonId}/cosignatures`,
        {
          as: tokens.social,
          body: { facilityId: CSAPA, how: 'inPerson' },
        },
      ),
    );
    await upload('compte-rendu-hepatologie', 'doctor', {
      kind: 'medicalReport',
      title: 'Compte rendu d’hépatologie',
      sensitivity: 'medical',
    });
    const letter = await upload('courrier-bailleur', 'social', {
      kind: 'letter',
      title: 'Courrier au bailleur social',
      sensitivity: 'social',
    });
    expectCreated(await app.request('POST', `${documentsPath}/${letter}/share`, { as: tokens.social, body: {} }));
    const project = await app.request('POST', `${documentsPath}/generated`, {
      as: tokens.social,
      body: { kind: 'personalisedProject', sourceId: projectId },
    });
    expectCreated(project);
    uploaded.project = { documentId: project.body.documentId, bytes: Buffer.alloc(0) };
    expectCreated(
      await app.request('POST', `${documentsPath}/${project.body.documentId}/share`, { as: tokens.social, body: {} }),
    );
    tokens.trustedPersonId = trustedPersonId;
  });
  after(() => app?.close());

  it('gives the usager every fact and every document of the record, and none of their portal secrets', async () => {
    // given the usager logged in to the portal
    const portal = await portalOf('marie.leroux', {});
    const expected = (await factsNow()).filter((fact) => !FACTS_NEVER_EXPORTED.has(fact.type));

    // when they download their record
    const { files, record } = await download(portal);

    // then every fact they are entitled to is there, exactly, and every document with its bytes
    expect(record.requester.kind).to.equal('serviceUser');
    expect(record.facts.map((fact) => fact.id).sort()).to.deep.equal(expected.map((fact) => fact.id).sort());
    const types = new Set(record.facts.map((fact) => fact.type));
    for (const type of ['ClinicalObservationRecorded', 'NoteWritten', 'TrustedPersonDesignated', 'AgendaItemAdded']) {
      expect(types, type).to.include(type);
    }
    expect(record.documents.map((document) => document.documentId).sort()).to.deep.equal(
      Object.values(uploaded)
        .map((document) => document.documentId)
        .sort(),
    );
    for (const name of ['compte-rendu-hepatologie', 'courrier-bailleur']) {
      const document = record.documents.find((candidate) => candidate.documentId === uploaded[name]!.documentId)!;
      expect(Buffer.from(files[document.versions[0]!.file]!).equals(uploaded[name]!.bytes)).to.equal(true);
    }
    const project = record.documents.find((candidate) => candidate.documentId === uploaded.project!.documentId)!;
    expect(strFromU8(files[project.versions[0]!.file]!.subarray(0, 5))).to.equal('%PDF-');
    const json = strFromU8(files['dossier.json']!);
    expect(json).not.to.match(/passwordHash|sealedTotpSecret|scrypt/);
    expect(strFromU8(files['LISEZMOI.txt']!)).to.contain('droit d’accès');
  });

  it('gives the personne de confiance what the portal opens to them and the shared documents, nothing else', async () => {
    // given the personne de confiance, designated, co-signed and allowed to consult, logged in
    const portal = await portalOf('jeanne.leroux', {
      holder: 'trusted-person',
      trustedPersonId: tokens.trustedPersonId!,
    });
    const expected = (await factsNow()).filter((fact) => FACTS_OPEN_TO_TRUSTED_PERSON.has(fact.type));

    // when they download the record
    const { files, record } = await download(portal);

    // then: identity, project, agenda, designation and reads; no medical or social note; the two
    // shared documents only
    expect(record.requester.kind).to.equal('trustedPerson');
    expect(record.facts.map((fact) => fact.id).sort()).to.deep.equal(expected.map((fact) => fact.id).sort());
    const types = new Set(record.facts.map((fact) => fact.type));
    expect(types).to.include('ServiceUserRegistered');
    expect(types).to.include('ProjectObjectiveAdded');
    expect(types).not.to.include('ClinicalObservationRecorded');
    expect(types).not.to.include('NoteWritten');
    const json = strFromU8(files['dossier.json']!);
    expect(json).not.to.contain('Sevrage en cours');
    expect(json).not.to.contain('Demande de logement');
    expect(record.documents.map((document) => document.documentId).sort()).to.deep.equal(
      [uploaded['courrier-bailleur']!.documentId, uploaded.project!.documentId].sort(),
    );
    expect(Object.keys(files).filter((path) => path.startsWith('documents/'))).to.have.length(2);

    // and the documents page of the portal lists the same two, and gives their bytes
    const page = await portal.get('/portail/documents');
    expect(page.text).to.contain('Courrier au bailleur social');
    expect(page.text).not.to.contain('hépatologie');
    const letter = await portal.get(`/portail/documents/${uploaded['courrier-bailleur']!.documentId}`);
    expect(Buffer.from(letter.bytes).equals(uploaded['courrier-bailleur']!.bytes)).to.equal(true);
    const medical = await portal.get(`/portail/documents/${uploaded['compte-rendu-hepatologie']!.documentId}`);
    expect(medical.status).to.equal(404);
  });
});
