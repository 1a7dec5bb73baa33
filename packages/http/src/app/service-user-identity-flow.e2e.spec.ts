import { randomUUID } from 'node:crypto';
import { accessLogStreamId, serviceUserStreamId } from '@dui-pds/domain';
import { INSI_TEST_IDENTITIES, InsiStandIn } from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import fc from 'fast-check';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const [jeanne, , pierreAndre] = INSI_TEST_IDENTITIES as [
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
  (typeof INSI_TEST_IDENTITIES)[number],
];
const asEntered = (traits: typeof jeanne.traits) => ({
  ...traits,
  birthName: traits.birthName.toLowerCase(),
  birthFirstNames: traits.birthFirstNames.map((name) => name.toLowerCase()),
});

describe('the HTTP API: the usager’s identity, INS status and anonymity', function () {
  this.timeout(120_000);
  const insi = new InsiStandIn();
  let app: ServerUnderTest;
  let secretary: string;
  let doctor: string;
  let doctorOutsideTeam: string;

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { insi });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-anonyme', facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: 'usager-jeanne', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-other-doctor', facilityId: CSAPA, role: 'doctor' },
    );
    secretary = await app.loginAs('pro-secretary');
    doctor = await app.loginAs('pro-doctor');
    doctorOutsideTeam = await app.loginAs('pro-other-doctor');
  });
  after(() => app.close());

  /** What the usager's identity stream holds, decrypted, as text. */
  const recordedText = async (serviceUserId: string) =>
    JSON.stringify(
      (await app.server.store.readStream(serviceUserStreamId(ORG, serviceUserId))).map(({ type, data }) => ({
        type,
        data,
      })),
    );
  const usager = (serviceUserId: string, what = '') => `/organisations/${ORG}/usagers/${serviceUserId}${what}`;

  it('registers an identity, qualifies it through the INSi and a passport, and finds it by name', async () => {
    // given a usager registered by the secretariat with her traits typed in lower case
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-jeanne', facilityId: CSAPA, traits: asEntered(jeanne.traits), usedName: 'Dupont' },
    });
    const addressed = await app.request('POST', usager('usager-jeanne', '/postal-addresses'), {
      as: secretary,
      body: { postalAddress: 'CCAS de Paris, domiciliation, 5 boulevard Diderot, 75012 Paris' },
    });
    const provisional = await app.request('GET', usager('usager-jeanne'), { as: secretary });

    // when her INS is searched at the INSi, then her passport is checked
    const searched = await app.request('POST', usager('usager-jeanne', '/ins-searches'), { as: secretary, body: {} });
    const retrieved = await app.request('GET', usager('usager-jeanne'), { as: secretary });
    const checked = await app.request('POST', usager('usager-jeanne', '/identity-document-checks'), {
      as: secretary,
      body: { checkId: randomUUID(), kind: 'passport', expiresOn: '2030-01-01', outcome: 'consistent' },
    });
    const qualified = await app.request('GET', usager('usager-jeanne'), { as: doctor });
    const found = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/usagers?name=mar`, {
      as: secretary,
    });
    const refused = await app.request('GET', usager('usager-jeanne'), { as: doctorOutsideTeam });

    // then the status went PROV → RECUP → QUAL, and the INS shows once qualified
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(addressed.status, JSON.stringify(addressed.body)).to.equal(200);
    expect(provisional.body).to.deep.include({
      birthName: 'MARTIN',
      usedName: 'Dupont',
      postalAddress: 'CCAS de Paris, domiciliation, 5 boulevard Diderot, 75012 Paris',
      identityStatus: 'PROV',
      ins: null,
    });
    expect(searched.status, JSON.stringify(searched.body)).to.equal(200);
    expect(searched.body.identityStatus).to.equal('RECUP');
    expect(retrieved.body).to.deep.include({ identityStatus: 'RECUP', ins: null });
    expect(checked.status, JSON.stringify(checked.body)).to.equal(200);
    expect(qualified.body).to.deep.include({ identityStatus: 'QUAL', ins: jeanne.ins });
    expect(found.body.usagers.map((identity: { serviceUserId: string }) => identity.serviceUserId)).to.deep.equal([
      'usager-jeanne',
    ]);
    expect(refused.status).to.equal(403);
    const reads = await app.server.store.readStream(accessLogStreamId(ORG, 'usager-jeanne'));
    expect(reads.map((read) => [read.metadata.actor.id, (read.data as { resource: string }).resource])).to.deep.equal([
      ['pro-secretary', 'identity'],
      ['pro-secretary', 'identity'],
      ['pro-doctor', 'identity'],
      ['pro-secretary', 'identity'],
    ]);
  });

  it('changes the used names, shown in the identity, the summary sheet and the search by name', async () => {
    // given a usager registered with a used name
    const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId: 'usager-noms',
        facilityId: CSAPA,
        traits: {
          birthName: 'ROUSSEAU',
          birthFirstNames: ['CLAIRE'],
          birthDate: '1979-11-03',
          sex: 'F',
          birthplaceCode: '75056',
        },
        usedName: 'Leclerc',
      },
    });
    const search = async (name: string) =>
      (
        await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/usagers?name=${name}`, { as: secretary })
      ).body.usagers.map((identity: { serviceUserId: string }) => identity.serviceUserId);
    const sheetIdentity = async () => {
      const answer = await app.request('GET', usager('usager-noms', '/summary-sheet'), { as: secretary });
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      return answer.body.sheet.identity;
    };
    const foundBefore = await search('lecl');

    // when the used name and first name change, then only the first name is given
    const changed = await app.request('POST', usager('usager-noms', '/used-names'), {
      as: secretary,
      body: { usedName: '  Verlaine ', usedFirstName: 'Alex' },
    });
    const afterChange = await app.request('GET', usager('usager-noms'), { as: secretary });
    const sheetAfterChange = await sheetIdentity();
    const foundByNewName = await search('verl');
    const foundByOldName = await search('lecl');
    const outsideTeam = await app.request('POST', usager('usager-noms', '/used-names'), {
      as: doctorOutsideTeam,
      body: { usedName: 'Autre' },
    });
    const firstNameOnly = await app.request('POST', usager('usager-noms', '/used-names'), {
      as: secretary,
      body: { usedFirstName: 'Sam' },
    });
    const afterFirstNameOnly = await app.request('GET', usager('usager-noms'), { as: secretary });
    const sheetAfterFirstNameOnly = await sheetIdentity();
    const stream = await app.server.store.readStream(serviceUserStreamId(ORG, 'usager-noms'));

    // then the read model and the sheet hold the names the last change gave, and nothing else
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(foundBefore).to.deep.equal(['usager-noms']);
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(afterChange.status, JSON.stringify(afterChange.body)).to.equal(200);
    expect(afterChange.body).to.deep.include({ birthName: 'ROUSSEAU', usedName: 'Verlaine', usedFirstName: 'Alex' });
    expect(sheetAfterChange).to.deep.include({ birthName: 'ROUSSEAU', usedName: 'Verlaine', usedFirstName: 'Alex' });
    expect(foundByNewName).to.deep.equal(['usager-noms']);
    expect(foundByOldName).to.deep.equal([]);
    expect(outsideTeam.status, JSON.stringify(outsideTeam.body)).to.equal(403);
    expect(firstNameOnly.status, JSON.stringify(firstNameOnly.body)).to.equal(200);
    expect(afterFirstNameOnly.body).to.deep.include({ usedName: null, usedFirstName: 'Sam' });
    expect(sheetAfterFirstNameOnly.usedName).to.equal(undefined);
    expect(sheetAfterFirstNameOnly.usedFirstName).to.equal('Sam');
    expect(afterFirstNameOnly.body.revision).to.equal(stream.length - 1);
    expect(stream.map((event) => event.type)).to.deep.equal([
      'ServiceUserRegistered',
      'UsedNamesChanged',
      'UsedNamesChanged',
    ]);
  });

  it('tells the secretariat when the INSi knows no identity, and refuses to correct INSi traits by hand', async () => {
    await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: {
        serviceUserId: 'usager-inconnu',
        facilityId: CSAPA,
        traits: { ...jeanne.traits, birthName: 'Inconnue' },
      },
    });
    const unknown = await app.request('POST', usager('usager-inconnu', '/ins-searches'), { as: secretary, body: {} });
    expect(unknown.status).to.equal(422);
    expect(unknown.body.code).to.equal('INSI_NO_IDENTITY');

    await app.request('POST', `/organisations/${ORG}/usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-pierre', facilityId: CSAPA, traits: pierreAndre.traits },
    });
    const found = await app.request('POST', usager('usager-pierre', '/ins-searches'), { as: secretary, body: {} });
    const correction = await app.request('POST', usager('usager-pierre', '/identity-corrections'), {
      as: secretary,
      body: { traits: { ...pierreAndre.traits, birthName: 'DURANT' }, reason: 'faute de frappe' },
    });
    expect(found.body.identityStatus).to.equal('RECUP');
    expect(correction.status).to.equal(422);
    expect(correction.body.code).to.equal('INSI_TRAITS_NOT_EDITABLE');
  });

  it('keeps an anonymous record without INS, never calls the INSi for it, and lifts anonymity with a reason', async () => {
    // given an anonymous usager
    const registered = await app.request('POST', `/organisations/${ORG}/anonymous-usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-anonyme', facilityId: CSAPA, sex: 'M', birthYear: 1990 },
    });
    const callsBefore = insi.calls;

    // when any identity command is tried on it, in any order (INSi search and verification, document
    // checks, corrections, certificates)
    const attempts = fc.constantFrom(
      { path: '/ins-searches', body: {} },
      { path: '/ins-verifications', body: {} },
      { path: '/identity-document-checks', body: { checkId: randomUUID(), kind: 'passport', outcome: 'consistent' } },
      { path: '/identity-corrections', body: { traits: jeanne.traits, reason: 'erreur' } },
      { path: '/postal-addresses', body: { postalAddress: '3 rue du Port, 13002 Marseille' } },
      {
        path: '/care-certificates',
        body: {
          certificateId: randomUUID(),
          nameOnCertificate: 'Jean Dupont',
          periodFrom: '2026-01-05',
          periodTo: '2026-02-05',
          purpose: 'employeur',
        },
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(attempts, { minLength: 1, maxLength: 4 }), async (tried) => {
        for (const attempt of tried) {
          const answer = await app.request('POST', usager('usager-anonyme', attempt.path), {
            as: doctor,
            body:
              attempt.path === '/care-certificates' ? { ...attempt.body, certificateId: randomUUID() } : attempt.body,
          });
          if (attempt.path === '/care-certificates') expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
          else expect(answer.status, JSON.stringify(answer.body)).to.equal(422);
        }
        // then no INSi call was made, and the record holds no INS, no traits, no name
        expect(insi.calls).to.equal(callsBefore);
        const stream = await recordedText('usager-anonyme');
        expect(stream).not.to.match(/"ins"|birthName|Jean Dupont|rue du Port/);
      }),
      { numRuns: 8 },
    );
    const identity = await app.request('GET', usager('usager-anonyme'), { as: doctor });

    // and when anonymity is lifted at the person's request
    const withoutReason = await app.request('POST', usager('usager-anonyme', '/anonymity-lifts'), {
      as: doctor,
      body: { reason: '', traits: pierreAndre.traits },
    });
    const lifted = await app.request('POST', usager('usager-anonyme', '/anonymity-lifts'), {
      as: doctor,
      body: { reason: 'demande de la personne pour son dossier MDPH', traits: pierreAndre.traits },
    });
    const named = await app.request('GET', usager('usager-anonyme'), { as: doctor });

    // then
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(registered.body.pseudonym).to.match(/^ANO-[2-9A-Z]{10}$/);
    expect(identity.body).to.deep.include({ anonymous: true, pseudonym: registered.body.pseudonym, ins: null });
    expect(withoutReason.status).to.equal(400);
    expect(lifted.status, JSON.stringify(lifted.body)).to.equal(200);
    expect(named.body).to.deep.include({
      anonymous: false,
      pseudonym: registered.body.pseudonym,
      birthName: 'DURAND',
      identityStatus: 'PROV',
    });
  });

  it('writes the name given on a certificate of care in the certificate only', async () => {
    await app.request('POST', `/organisations/${ORG}/anonymous-usagers`, {
      as: secretary,
      body: { serviceUserId: 'usager-certificat', facilityId: CSAPA },
    });
    const certificate = await app.request('POST', usager('usager-certificat', '/care-certificates'), {
      as: secretary,
      body: {
        certificateId: randomUUID(),
        nameOnCertificate: 'Paul Martin',
        periodFrom: '2026-03-01',
        periodTo: '2026-06-30',
        purpose: 'justificatif pour l’employeur',
      },
    });
    expect(certificate.status, JSON.stringify(certificate.body)).to.equal(201);
    expect(certificate.body.certificate.text).to.contain(
      'Paul Martin a été pris(e) en charge du 01/03/2026 au 30/06/2026',
    );
    const stream = await recordedText('usager-certificat');
    expect(stream).to.contain('justificatif pour l’employeur');
    expect(stream).not.to.contain('Paul Martin');
  });
});
