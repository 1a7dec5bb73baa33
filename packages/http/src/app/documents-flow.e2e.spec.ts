import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemBlobStore, slotOf } from '@dui-pds/documents';
import { accessLogStreamId, documentStreamId, portalAccountStreamId, type RecordRead } from '@dui-pds/domain';
import { habilitationsProjection } from '@dui-pds/projections';
import { expect } from 'chai';
import { storeGeneratedDocument } from '../features/documents/documents-routes.js';
import { ProfessionalAccess } from '../features/professional-access.js';
import { totpCodeAt } from '../portal/portal-credentials.js';
import { PortalClient } from '../portal/testing/portal-client.js';
import { wrongTotpCodeAt } from '../portal/testing/portal-server.js';
import { createLogger } from '../server/index.js';
import type { RequestContext } from '../server/request-context.js';
import { filesHolding } from './testing/files-holding.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-documents';
const CSAPA = '750000001';
const USAGER = 'usager-1';
const PASSWORD = 'cheval agrafe pile correcte';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pdf = (text: string) => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
/** The PNG signature and an IHDR chunk's start: enough to be taken for a PNG. */
const signatureImage = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('IHDR tracé'),
]);

describe('the HTTP API: the documents of a usager, their signatures and their share', function () {
  /** An instant in the previous 30-second TOTP step: the enrolment's code, used up by the enrolment. */
  const aStepAgo = () => new Date(Date.now() - 30_000);
  this.timeout(120_000);
  let app: ServerUnderTest;
  let blobDirectory: string;
  let doctor: string;
  let secretary: string;
  let nurseOutsideTeam: string;
  const base = `/organisations/${ORG}/facilities/${CSAPA}/usagers/${USAGER}/documents`;

  before(async () => {
    blobDirectory = await mkdtemp(join(tmpdir(), 'dui-e2e-blobs-'));
    app = await ServerUnderTest.start({ DUI_BLOB_DIR: blobDirectory });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
    );
    doctor = await app.loginAs('pro-doctor');
    secretary = await app.loginAs('pro-secretary');
    nurseOutsideTeam = await app.loginAs('pro-nurse');
  });
  after(async () => {
    await app?.close();
    await rm(blobDirectory, { recursive: true, force: true });
  });

  const upload = (content: Buffer, overrides: Record<string, unknown> = {}, as = doctor) =>
    app.request('POST', base, {
      as,
      body: {
        kind: 'medicalReport',
        title: 'Compte rendu de consultation d’addictologie',
        sensitivity: 'medical',
        fileName: 'compte-rendu-consultation.pdf',
        mediaType: 'application/pdf',
        contentBase64: content.toString('base64'),
        ...overrides,
      },
    });
  const blobFiles = async () =>
    (await readdir(blobDirectory, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).length;

  it('stores, lists, gives back the same bytes, signs, verifies, freezes, collects the usager’s signature and shares', async () => {
    // given a report uploaded by the doctor of the care team
    const report = pdf('Compte rendu : sevrage tabagique, substitution nicotinique.');
    const uploaded = await upload(report);
    expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
    const { documentId, contentSha256 } = uploaded.body;
    expect(contentSha256).to.equal(sha256(report));
    expect(uploaded.headers.get('location')).to.equal(`${base}/${documentId}`);
    const document = `${base}/${documentId}`;

    // when it is listed and downloaded
    const listed = await app.request('GET', base, { as: doctor });
    const downloaded = await app.request('GET', `${document}/versions/1/content`, { as: doctor });

    // then the list has it, and the bytes are the same, with their type and hash
    expect(listed.status, JSON.stringify(listed.body)).to.equal(200);
    expect(listed.body.documents.map((item: { documentId: string }) => item.documentId)).to.deep.equal([documentId]);
    expect(listed.body.documents[0]).to.deep.include({
      kind: 'medicalReport',
      sensitivity: 'medical',
      source: 'uploaded',
      authorId: 'pro-doctor',
      signed: false,
      sharedWithServiceUser: false,
    });
    expect(downloaded.status).to.equal(200);
    expect(Buffer.from(downloaded.bytes).equals(report)).to.equal(true);
    expect(downloaded.headers.get('content-type')).to.match(/^application\/pdf/);
    expect(downloaded.headers.get('etag')).to.equal(`"${sha256(report)}"`);
    expect(downloaded.headers.get('content-disposition')).to.include('compte-rendu-consultation.pdf');

    // when the doctor signs with a hash that is not the content's, then with the right one
    const wrongHash = await app.request('POST', `${document}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256: sha256(Buffer.from('autre chose')) },
    });
    const signed = await app.request('POST', `${document}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256 },
    });
    const verified = await app.request('GET', `${document}/signatures/0/verification`, { as: doctor });

    // then the first is refused, the second traced, and it verifies on the stored bytes
    expect([wrongHash.status, wrongHash.body.code]).to.deep.equal([422, 'SIGNED_CONTENT_MISMATCH']);
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
    expect(signed.body).to.deep.include({ signatureIndex: 0, signedSha256: contentSha256 });
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
    expect(verified.body).to.deep.include({
      valid: true,
      signedSha256: contentSha256,
      actualSha256: contentSha256,
      content: 'intact',
      version: 1,
      signer: { kind: 'professional', professionalId: 'pro-doctor', role: 'doctor' },
    });

    // when a new version is sent for the signed document
    const newVersion = await app.request('POST', `${document}/versions`, {
      as: doctor,
      body: { fileName: 'v2.pdf', mediaType: 'application/pdf', contentBase64: pdf('modifié').toString('base64') },
    });

    // then it is refused, in conflict, in French, and no byte of it is kept
    expect(newVersion.status, JSON.stringify(newVersion.body)).to.equal(409);
    expect(newVersion.body.code).to.equal('DOCUMENT_SIGNED_FROZEN');
    expect(newVersion.body.detail).to.match(/signé.*avenant/);
    expect(await blobFiles()).to.equal(1);
    expect(await filesHolding(blobDirectory, 'sevrage tabagique'), 'the report kept in clear').to.deep.equal([]);

    // when the usager signs by hand on the tablet, witnessed by the doctor
    const byHand = await app.request('POST', `${document}/signatures`, {
      as: doctor,
      body: {
        version: 1,
        contentSha256,
        signer: 'serviceUser',
        method: 'handwritten',
        signatureImageBase64: signatureImage.toString('base64'),
      },
    });
    const withoutImage = await app.request('POST', `${document}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256, signer: 'serviceUser', method: 'handwritten' },
    });
    const usagerVerified = await app.request('GET', `${document}/signatures/1/verification`, { as: doctor });

    // then it is traced with the image's hash, the image is kept, and it verifies
    expect(byHand.status, JSON.stringify(byHand.body)).to.equal(201);
    expect(byHand.body.signatureIndex).to.equal(1);
    expect(withoutImage.status).to.equal(400);
    expect(usagerVerified.body).to.deep.include({
      valid: true,
      signer: {
        kind: 'serviceUser',
        method: 'handwritten',
        witnessedBy: 'pro-doctor',
        signatureImageSha256: sha256(signatureImage),
      },
      signatureImage: { sha256: sha256(signatureImage), intact: true },
    });
    expect(await blobFiles()).to.equal(2);

    // when the document is shared with the usager, twice, then the share withdrawn
    const shared = await app.request('POST', `${document}/share`, { as: doctor, body: {} });
    const sharedAgain = await app.request('POST', `${document}/share`, { as: doctor, body: {} });
    const afterShare = await app.request('GET', document, { as: doctor });
    const withdrawn = await app.request('POST', `${document}/share/withdrawal`, {
      as: doctor,
      body: { reason: 'partagé par erreur' },
    });
    const read = await app.request('GET', document, { as: doctor });

    // then
    expect(shared.status, JSON.stringify(shared.body)).to.equal(200);
    expect([sharedAgain.status, sharedAgain.body.code]).to.deep.equal([422, 'DOCUMENT_ALREADY_SHARED']);
    expect(afterShare.body.sharedWithServiceUser).to.equal(true);
    expect(withdrawn.status).to.equal(200);
    expect(read.status).to.equal(200);
    expect(read.headers.get('etag')).to.equal('"4"');
    expect(read.body).to.deep.include({ documentId, signed: true, signatureCount: 2, sharedWithServiceUser: false });
    expect(read.body.versions).to.have.length(1);
    expect(read.body.signatures.map((signature: { index: number }) => signature.index)).to.deep.equal([0, 1]);

    // and every read of the document was traced in the usager's access log
    const log = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));
    const resources = log.map((event) => (event.data as RecordRead).resource);
    expect(resources).to.include.members([
      'documents',
      'document',
      'document-content',
      'document-signature-verification',
    ]);
    const contentRead = log.find((event) => (event.data as RecordRead).resource === 'document-content');
    expect((contentRead?.data as RecordRead | undefined)?.sensitivities).to.deep.equal(['medical']);
  });

  it('stores identical bytes once, and versions a document not yet signed', async () => {
    // given a letter uploaded twice as two documents
    const letter = pdf('Courrier au médecin traitant');
    const before = await blobFiles();
    const first = await upload(letter, { kind: 'letter', title: 'Courrier' });
    const second = await upload(letter, { kind: 'letter', title: 'Courrier (copie)' });

    // when the first gets a second version
    const corrected = pdf('Courrier au médecin traitant, corrigé');
    const version = await app.request('POST', `${base}/${first.body.documentId}/versions`, {
      as: doctor,
      body: { fileName: 'courrier-v2.pdf', mediaType: 'application/pdf', contentBase64: corrected.toString('base64') },
    });
    const oldVersion = await app.request('GET', `${base}/${first.body.documentId}/versions/1/content`, { as: doctor });
    const signOld = await app.request('POST', `${base}/${first.body.documentId}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256: sha256(letter) },
    });

    // then two documents, one blob for both, and the old version kept but no longer signable
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    expect(first.body.documentId).not.to.equal(second.body.documentId);
    expect(version.status, JSON.stringify(version.body)).to.equal(201);
    expect(version.body).to.deep.include({ version: 2, contentSha256: sha256(corrected) });
    expect(await blobFiles()).to.equal(before + 2);
    expect(Buffer.from(oldVersion.bytes).equals(letter)).to.equal(true);
    expect([signOld.status, signOld.body.code]).to.deep.equal([422, 'NOT_LATEST_VERSION']);
  });

  it('refuses content that is not of its declared type, and takes a file of several megabytes on this route only', async () => {
    // when
    const notAPdf = await upload(Buffer.from('<html><script>alert(1)</script></html>'));
    const large = await upload(Buffer.concat([pdf('scan'), Buffer.alloc(3 * 1024 * 1024, 7)]), { title: 'Scan' });
    const tooLarge = await upload(Buffer.concat([pdf('scan'), Buffer.alloc(11 * 1024 * 1024, 7)]), { title: 'Scan' });
    const elsewhere = await app.request('POST', `${base}/${randomUUID()}/share/withdrawal`, {
      as: doctor,
      body: { reason: 'x'.repeat(2 * 1024 * 1024) },
    });

    // then
    expect(notAPdf.status).to.equal(400);
    expect(notAPdf.body.detail).to.include('n’est pas au format déclaré');
    expect(large.status, JSON.stringify(large.body)).to.equal(201);
    expect(tooLarge.status).to.equal(413);
    expect(elsewhere.status).to.equal(413);
  });

  it('answers an altered content with a French 500 problem, and its signature no longer verifies', async () => {
    // given a signed document whose sealed bytes are then altered on disk
    const content = pdf('Contrat signé');
    const uploaded = await upload(content, { kind: 'stayContract', title: 'Contrat', sensitivity: 'administrative' });
    const document = `${base}/${uploaded.body.documentId}`;
    await app.request('POST', `${document}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256: sha256(content) },
    });
    const path = new FileSystemBlobStore(blobDirectory).sealedPathOf(
      slotOf({ organisationId: ORG, serviceUserId: USAGER }, sha256(content)),
    );
    const altered = await readFile(path);
    altered[altered.length - 2] = 0x21;
    await chmod(path, 0o644);
    await writeFile(path, altered);

    // when
    const downloaded = await app.request('GET', `${document}/versions/1/content`, { as: doctor });
    const verified = await app.request('GET', `${document}/signatures/0/verification`, { as: doctor });

    // then nothing of the altered bytes is sent, and the verification says the signature fails
    // (sealed bytes that no longer open have no hash to give)
    expect(downloaded.status).to.equal(500);
    expect(downloaded.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(downloaded.body.detail).to.include('ne correspond plus à son empreinte');
    expect(verified.status).to.equal(200);
    expect(verified.body).to.deep.include({
      valid: false,
      signedSha256: sha256(content),
      actualSha256: null,
      content: 'altered',
    });
  });

  it('checks the usager’s one-time code against their portal account, and refuses clearly without one', async () => {
    // given a contract, and no portal account yet
    const content = pdf('DIPC');
    const uploaded = await upload(content, { kind: 'dipc', title: 'DIPC', sensitivity: 'administrative' });
    const signatures = `${base}/${uploaded.body.documentId}/signatures`;
    const byCode = (code: string) =>
      app.request('POST', signatures, {
        as: doctor,
        body: { version: 1, contentSha256: sha256(content), signer: 'serviceUser', method: 'oneTimeCode', code },
      });
    const withoutAccount = await byCode('123456');

    // when the usager gets an active portal account, then signs with a wrong code and with theirs
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId: USAGER,
        facilityId: CSAPA,
        traits: {
          birthName: 'MARTIN',
          birthFirstNames: ['CAMILLE'],
          birthDate: '1985-05-12',
          sex: 'F',
          birthplaceCode: '75056',
        },
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const accountId = randomUUID();
    const invited = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/portal-invitations`, {
      as: secretary,
      body: { accountId, facilityId: CSAPA, login: 'camille.documents', holder: 'service-user' },
    });
    expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
    const secret = await new PortalClient(app.url).activate(invited.body.invitationPath, PASSWORD, aStepAgo);
    const good = totpCodeAt(secret, new Date());
    const wrong = await byCode(wrongTotpCodeAt(secret, new Date()));
    const right = await byCode(good);
    const read = await app.request('GET', `${base}/${uploaded.body.documentId}`, { as: doctor });

    // then
    expect([withoutAccount.status, withoutAccount.body.code]).to.deep.equal([422, 'NO_PORTAL_SECOND_FACTOR']);
    expect(withoutAccount.body.detail).to.include('pas de compte du portail');
    expect([wrong.status, wrong.body.code]).to.deep.equal([422, 'ONE_TIME_CODE_INVALID']);
    expect(right.status, JSON.stringify(right.body)).to.equal(201);
    expect(read.body.signatures[0].signer).to.deep.equal({
      kind: 'serviceUser',
      method: 'oneTimeCode',
      witnessedBy: 'pro-doctor',
      portalAccountId: accountId,
    });
  });

  /**
   * A usager of the CSAPA, in the doctor's care team, with an active portal account: its TOTP
   * secret. The account is enrolled with the code of the previous 30-second step by default (the
   * code typed at enrolment is used up), so that the current step's code is fresh for the test.
   */
  const usagerWithPortalAccount = async (
    serviceUserId: string,
    login: string,
    birthName: string,
    enrolledAt: () => Date = aStepAgo,
  ) => {
    await app.asSystem(ORG, { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId, facilityId: CSAPA });
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId,
        facilityId: CSAPA,
        traits: { birthName, birthFirstNames: ['ALEX'], birthDate: '1979-03-08', sex: 'M', birthplaceCode: '69123' },
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const accountId = randomUUID();
    const invited = await app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/portal-invitations`, {
      as: secretary,
      body: { accountId, facilityId: CSAPA, login, holder: 'service-user' },
    });
    expect(invited.status, JSON.stringify(invited.body)).to.equal(201);
    const secret = await new PortalClient(app.url).activate(invited.body.invitationPath, PASSWORD, enrolledAt);
    return {
      accountId,
      secret,
      documents: `/organisations/${ORG}/facilities/${CSAPA}/usagers/${serviceUserId}/documents`,
    };
  };
  /** A contract (DIPC) uploaded by the doctor in the documents of `documents`. */
  const uploadContract = (documents: string, content: Buffer, title: string) =>
    app.request('POST', documents, {
      as: doctor,
      body: {
        kind: 'dipc',
        title,
        sensitivity: 'administrative',
        fileName: 'dipc.pdf',
        mediaType: 'application/pdf',
        contentBase64: content.toString('base64'),
      },
    });
  /** The usager's signature by one-time code of the latest version of a document, as the doctor collects it. */
  const signByCode = (documents: string, documentId: string, content: Buffer, code: string) =>
    app.request('POST', `${documents}/${documentId}/signatures`, {
      as: doctor,
      body: { version: 1, contentSha256: sha256(content), signer: 'serviceUser', method: 'oneTimeCode', code },
    });
  const eventTypesOf = async (streamId: string) =>
    (await app.server.store.readStream(streamId)).map((event) => event.type);

  it('takes a one-time code for one signature only: the same code is refused for a second document within its window', async () => {
    // given two documents of a usager with a portal account, and the usager gives the code of their app to sign the first
    const { accountId, secret, documents } = await usagerWithPortalAccount(
      'usager-code-1',
      'alex.signatures',
      'DURAND',
    );
    const contract = pdf('Contrat de séjour');
    const amendment = pdf('Avenant au contrat de séjour');
    const first = await uploadContract(documents, contract, 'DIPC');
    const second = await uploadContract(documents, amendment, 'Avenant au DIPC');
    expect([first.status, second.status]).to.deep.equal([201, 201]);
    const code = totpCodeAt(secret, new Date());
    const signedFirst = await signByCode(documents, first.body.documentId, contract, code);
    const accountStream = portalAccountStreamId(ORG, accountId);
    const accountEventsBefore = await eventTypesOf(accountStream);

    // when the same code is submitted again, within its window, to sign the second document
    const reused = await signByCode(documents, second.body.documentId, amendment, code);
    const readSecond = await app.request('GET', `${documents}/${second.body.documentId}`, { as: doctor });

    // then the first is signed, the second is refused with a French problem for staff and stays unsigned
    expect(signedFirst.status, JSON.stringify(signedFirst.body)).to.equal(201);
    expect(reused.status, JSON.stringify(reused.body)).to.equal(422);
    expect(reused.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(reused.body.code).to.equal('ONE_TIME_CODE_REUSED');
    expect(reused.body.detail).to.include('déjà servi');
    expect(readSecond.body).to.deep.include({ signed: false, signatureCount: 0 });
    expect(await eventTypesOf(documentStreamId(ORG, second.body.documentId))).to.deep.equal(['DocumentStored']);
    // and the refusal consumed nothing: the account holds the one step of the first signature
    expect(await eventTypesOf(accountStream)).to.deep.equal(accountEventsBefore);
    // (its own event: a signature is not a login to the portal, nor counted as one)
    expect(accountEventsBefore.filter((type) => type === 'PortalOneTimeCodeUsedForSignature')).to.have.length(1);
    expect(accountEventsBefore).not.to.include('PortalLoginSucceeded');
  });

  it('refuses to sign with a code already used to log in to the portal, and to log in with a code used to sign', async () => {
    // given a usager who logged in to the portal with the code their app shows
    const { secret, documents } = await usagerWithPortalAccount('usager-code-2', 'sam.signatures', 'PETIT');
    const portal = new PortalClient(app.url);
    const loginCode = totpCodeAt(secret, new Date());
    const loggedIn = await portal.login('sam.signatures', PASSWORD, loginCode);
    const contract = pdf('Contrat de séjour de Sam');
    const uploaded = await uploadContract(documents, contract, 'DIPC');
    expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);

    // when the doctor submits that same code for the usager's signature
    const signedWithLoginCode = await signByCode(documents, uploaded.body.documentId, contract, loginCode);
    const read = await app.request('GET', `${documents}/${uploaded.body.documentId}`, { as: doctor });

    // then it is refused, and the document is not signed
    expect(loggedIn.status, loggedIn.text).to.equal(303);
    expect([signedWithLoginCode.status, signedWithLoginCode.body.code]).to.deep.equal([422, 'ONE_TIME_CODE_REUSED']);
    expect(read.body).to.deep.include({ signed: false, signatureCount: 0 });

    // when the usager signs with the next code, then that code is given to log in
    const nextCode = totpCodeAt(secret, new Date(Date.now() + 30_000));
    const signed = await signByCode(documents, uploaded.body.documentId, contract, nextCode);
    const loginWithSigningCode = await new PortalClient(app.url).login('sam.signatures', PASSWORD, nextCode);

    // then the signature is taken, and the login refused
    expect(signed.status, JSON.stringify(signed.body)).to.equal(201);
    expect(loginWithSigningCode.status).to.equal(401);
    expect(loginWithSigningCode.text).to.include('déjà servi');
  });

  it('signs nothing, and logs in no one, with the code typed at the account’s enrolment', async () => {
    // given an account enrolled with the code its app shows now
    const now = new Date();
    const { secret, documents } = await usagerWithPortalAccount('usager-code-3', 'noa.enrolment', 'ROUX', () => now);
    const contract = pdf('Contrat de séjour de Noa');
    const uploaded = await uploadContract(documents, contract, 'Contrat');
    expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);

    // when that same code is given to sign, then to log in
    const signed = await signByCode(documents, uploaded.body.documentId, contract, totpCodeAt(secret, now));
    const loggedIn = await new PortalClient(app.url).login('noa.enrolment', PASSWORD, totpCodeAt(secret, now));

    // then both are refused: the enrolment used it
    expect([signed.status, signed.body.code]).to.deep.equal([422, 'ONE_TIME_CODE_REUSED']);
    expect(loggedIn.status).to.equal(401);
    expect(loggedIn.text).to.include('déjà servi');
  });

  it('refuses a nurse outside the care team everything of a medical document', async () => {
    // given a medical document
    const uploaded = await upload(pdf('Bilan hépatique'), { kind: 'examResult', title: 'Bilan' });
    const document = `${base}/${uploaded.body.documentId}`;

    // when the nurse outside the team tries
    const answers = await Promise.all([
      app.request('GET', base, { as: nurseOutsideTeam }),
      app.request('GET', document, { as: nurseOutsideTeam }),
      app.request('GET', `${document}/versions/1/content`, { as: nurseOutsideTeam }),
      app.request('GET', `${document}/signatures/0/verification`, { as: nurseOutsideTeam }),
      upload(pdf('intrus'), {}, nurseOutsideTeam),
      app.request('POST', `${document}/share`, { as: nurseOutsideTeam, body: {} }),
    ]);

    // then every answer is a 403 saying why, and the secretary sees no medical document in the list
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(403);
      expect(answer.body.detail).to.equal('Vous ne faites pas partie de l’équipe de prise en charge de cet usager.');
    }
    const secretaryList = await app.request('GET', base, { as: secretary });
    expect(secretaryList.status).to.equal(200);
    expect(
      secretaryList.body.documents.every((item: { sensitivity: string }) => item.sensitivity === 'administrative'),
    ).to.equal(true);
    expect(secretaryList.body.documents.length).to.be.greaterThan(0);
  });

  it('stores a generated PDF for the lead feature, once per request, checked like an upload', async () => {
    // given the access of the server, the doctor as a principal, and a request with its Idempotency-Key
    const { knex, runtime, store, blobs } = app.server;
    const access = new ProfessionalAccess(knex, runtime.readSchema(habilitationsProjection.name), () => new Date());
    const principal = {
      organisationId: ORG,
      professionalId: 'pro-doctor',
      roles: [{ facilityId: CSAPA, role: 'doctor' as const }],
      careTeams: [{ facilityId: CSAPA, serviceUserId: USAGER }],
      psychologicalNotesAllowedBy: [],
    };
    const key = randomUUID();
    const context = {
      correlationId: randomUUID(),
      principal: undefined,
      log: createLogger({ level: 'silent' }),
      request: { get: (name: string) => (name === 'Idempotency-Key' ? key : undefined) },
      response: { locals: {} },
    } as unknown as RequestContext;
    const certificate = pdf('Certificat de prise en charge');
    const request = {
      principal,
      context,
      organisationId: ORG,
      facilityId: CSAPA,
      serviceUserId: USAGER,
      kind: 'careCertificate' as const,
      title: 'Certificat de prise en charge',
      sensitivity: 'administrative' as const,
      pdf: certificate,
      fileName: 'certificat.pdf',
    };
    const deps = { store, blobs, access, clock: () => new Date() };

    // when it is stored, then stored again by a retry of the same request
    const stored = await storeGeneratedDocument(deps, request);
    const retried = await storeGeneratedDocument(deps, request);
    const read = await app.request('GET', `${base}/${stored.documentId}`, { as: doctor });
    const nurse = { ...principal, professionalId: 'pro-nurse', careTeams: [] };

    // then one generated document, its bytes stored, and no write outside the care team
    expect(retried).to.deep.equal(stored);
    expect(stored).to.deep.include({ version: 1, contentSha256: sha256(certificate) });
    expect(read.body).to.deep.include({ kind: 'careCertificate', source: 'generated', authorId: 'pro-doctor' });
    expect(await blobs.has({ organisationId: ORG, serviceUserId: USAGER }, sha256(certificate))).to.equal(true);
    await storeGeneratedDocument(deps, { ...request, principal: nurse }).then(
      () => expect.fail('a nurse outside the care team stored a document'),
      (error: { status?: number }) => expect(error.status).to.equal(403),
    );
  });

  it('keeps the bytes in the database with DUI_BLOB_STORE=postgres, for instances that share no disk', async () => {
    // given a server whose blob store is the database
    const inDatabase = await ServerUnderTest.start({ DUI_BLOB_STORE: 'postgres' });
    try {
      await inDatabase.asSystem(
        ORG,
        { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
        { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      );
      const session = await inDatabase.loginAs('pro-doctor');
      const content = pdf('Compte rendu gardé en base');

      // when a document is uploaded and read back
      const uploaded = await inDatabase.request('POST', base, {
        as: session,
        body: {
          kind: 'medicalReport',
          title: 'Compte rendu',
          sensitivity: 'medical',
          fileName: 'cr.pdf',
          mediaType: 'application/pdf',
          contentBase64: content.toString('base64'),
        },
      });
      const downloaded = await inDatabase.request('GET', `${base}/${uploaded.body.documentId}/versions/1/content`, {
        as: session,
      });

      // then the bytes are sealed in the database, in the usager's slot, and nowhere in clear
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      expect(Buffer.from(downloaded.bytes).equals(content)).to.equal(true);
      const blobs = inDatabase.server.knex.withSchema(`${inDatabase.schema}_blobs`);
      const sealed = (await blobs
        .clone()
        .table('sealed_blobs')
        .where({
          slot: slotOf({ organisationId: ORG, serviceUserId: USAGER }, sha256(content)),
        })) as { content: Buffer }[];
      expect(sealed).to.have.length(1);
      expect(sealed[0]!.content.includes(Buffer.from('Compte rendu gardé en base'))).to.equal(false);
      expect(
        await blobs
          .clone()
          .table('blobs')
          .where({ sha256: sha256(content) }),
      ).to.deep.equal([]);
    } finally {
      await inDatabase.close();
    }
  });

  it('answers a document of another usager or ESSMS as absent', async () => {
    const uploaded = await upload(pdf('Ordonnance'));
    const elsewhere = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/750000002/usagers/${USAGER}/documents/${uploaded.body.documentId}`,
      { as: doctor },
    );
    const otherUsager = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/usagers/usager-2/documents/${uploaded.body.documentId}`,
      { as: doctor },
    );
    expect([elsewhere.status, otherUsager.status]).to.deep.equal([404, 404]);
  });
});
