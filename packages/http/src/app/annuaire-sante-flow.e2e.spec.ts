import { randomUUID } from 'node:crypto';
import {
  type AnnuaireSanteFhirStandIn,
  startAnnuaireSanteFhirStandIn,
  UnconfiguredAnnuaireSante,
} from '@dui-pds/segur-adapters';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-annuaire';
const CSAPA = '750000001';
const API_KEY = 'cle-annuaire-de-test';
const BRUNO = { rpps: '99700000029', mailbox: 'bruno.moreau@ch-valmont.mssante.example' };

describe('the HTTP API: the Annuaire Santé over its FHIR API', function () {
  this.timeout(60_000);
  let annuaire: AnnuaireSanteFhirStandIn;
  let app: ServerUnderTest;
  let socialWorker: string;

  before(async () => {
    // the server configured as in production, with the FHIR stand-in for the ANS API
    annuaire = await startAnnuaireSanteFhirStandIn({ apiKey: API_KEY });
    app = await ServerUnderTest.start({ DUI_ANNUAIRE_SANTE_URL: annuaire.url, DUI_ANNUAIRE_SANTE_API_KEY: API_KEY });
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
    );
    socialWorker = await app.loginAs('pro-social');
  });
  after(async () => {
    await app.close();
    await annuaire.close();
  });

  const practitioners = (query: string) =>
    app.request('GET', `/organisations/${ORG}/annuaire-sante/practitioners?${query}`, { as: socialWorker });

  it('finds a professional by MSSanté address then by RPPS, adds them to a usager’s directory, and reads their address back', async () => {
    // given the requests the directory received so far
    const requestsBefore = annuaire.requests;

    // when a professional is looked for by the mailbox they wrote from, then by their RPPS
    const byMailbox = await practitioners(`mailbox=${encodeURIComponent(BRUNO.mailbox.toUpperCase())}`);
    const byRpps = await practitioners(`rpps=${BRUNO.rpps}`);
    // and added to the usager's directory by their RPPS
    const entryId = randomUUID();
    const imported = await app.request(
      'POST',
      `/organisations/${ORG}/usagers/usager-1/directory/practitioner-imports`,
      { as: socialWorker, body: { entryId, facilityId: CSAPA, rpps: BRUNO.rpps } },
    );
    const entry = await app.request('GET', `/organisations/${ORG}/directory-entries/${entryId}`, { as: socialWorker });

    // then both searches found him over FHIR, with his MSSanté address at the hospital
    expect(byMailbox.status).to.equal(200);
    expect(byMailbox.body.practitioners.map((p: { rpps: string }) => p.rpps)).to.deep.equal([BRUNO.rpps]);
    expect(byRpps.body).to.deep.equal(byMailbox.body);
    expect(byRpps.body.practitioners[0].practiceLocations[0]).to.deep.include({
      finess: '990000028',
      email: BRUNO.mailbox,
    });
    expect(annuaire.requests - requestsBefore).to.be.greaterThanOrEqual(6);
    // and the directory entry keeps his name, number and address, copied from the Annuaire Santé
    expect(imported.status).to.equal(201);
    expect(entry.status).to.equal(200);
    expect(entry.body).to.deep.include({
      kind: 'professional',
      role: 'specialist',
      roleDetails: 'Psychiatrie',
      name: 'Dr Bruno MOREAU',
      rpps: BRUNO.rpps,
      source: 'annuaireSante',
      note: 'Exerce à : Centre hospitalier de Valmont (fictif)',
    });
    expect(entry.body.contact).to.deep.equal({
      phone: '01 99 00 20 29',
      email: BRUNO.mailbox,
      postalAddress: '1 avenue de l’Hôpital, 75020 Paris',
    });
  });

  it('finds the professionals of an organisation by its FINESS, and narrows them by name', async () => {
    const atValmont = await practitioners('finess=990000028');
    const named = await practitioners('finess=990000028&name=roux');
    expect(atValmont.body.practitioners.map((p: { rpps: string }) => p.rpps)).to.deep.equal([
      '99700000029',
      '99700000052',
    ]);
    expect(named.body.practitioners.map((p: { familyName: string }) => p.familyName)).to.deep.equal(['Roux']);
  });

  it('refuses a malformed mailbox or FINESS, and a search without any criterion, in French', async () => {
    const mailbox = await practitioners('mailbox=bruno.moreau');
    const finess = await practitioners('finess=99');
    const none = await practitioners('');
    expect([mailbox.status, finess.status, none.status]).to.deep.equal([400, 400, 400]);
    expect(mailbox.body.errors).to.deep.equal([
      { path: 'query.mailbox', message: 'adresse MSSanté invalide : une adresse électronique est attendue' },
    ]);
    expect(finess.body.errors).to.deep.equal([{ path: 'query.finess', message: 'FINESS invalide : 9 caractères' }]);
    expect(none.body.detail).to.include('adresse MSSanté');
  });

  it('answers 503 where no Annuaire Santé is configured (production), the searches and the imports alike', async () => {
    const unconfigured = await ServerUnderTest.start({}, undefined, { annuaireSante: new UnconfiguredAnnuaireSante() });
    try {
      await unconfigured.asSystem(
        ORG,
        { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
        { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      );
      const as = await unconfigured.loginAs('pro-social');
      const search = await unconfigured.request(
        'GET',
        `/organisations/${ORG}/annuaire-sante/organisations?name=valmont`,
        {
          as,
        },
      );
      const found = await unconfigured.request(
        'GET',
        `/organisations/${ORG}/annuaire-sante/practitioners?mailbox=${BRUNO.mailbox}`,
        {
          as,
        },
      );
      const imported = await unconfigured.request(
        'POST',
        `/organisations/${ORG}/usagers/usager-1/directory/practitioner-imports`,
        { as, body: { entryId: randomUUID(), facilityId: CSAPA, rpps: BRUNO.rpps } },
      );
      expect([search.status, found.status, imported.status]).to.deep.equal([503, 503, 503]);
      expect(found.body.detail).to.equal('L’Annuaire Santé ne répond pas : réessayez plus tard.');
    } finally {
      await unconfigured.close();
    }
  });
});
