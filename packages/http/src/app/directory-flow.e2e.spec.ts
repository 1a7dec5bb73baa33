import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-directory';
const CSAPA = '750000001';
const CAARUD = '750000002';

interface ListedEntry {
  entryId: string;
  name: string;
  kind: string;
  role: string;
  status: string;
}

describe('the HTTP API: the usager’s directory, the Annuaire Santé and acts with partners', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let doctorOutsideTeam: string;
  let secretary: string;
  let director: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: 'usager-1', facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'AddToCareTeam', professionalId: 'pro-director', serviceUserId: 'usager-1', facilityId: CSAPA },
    );
    socialWorker = await app.loginAs('pro-social');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
    secretary = await app.loginAs('pro-secretary');
    director = await app.loginAs('pro-director');
  });
  after(() => app.close());

  const directoryOf = (as: string, query = '') =>
    app.request('GET', `/organisations/${ORG}/usagers/usager-1/directory?facilityId=${CSAPA}${query}`, { as });

  it('adds a relative by hand and a GP and a pharmacy found in the Annuaire Santé, then lists them', async () => {
    // given a sister typed in, and a GP and a pharmacy searched in the Annuaire Santé
    const sister = randomUUID();
    const typed = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory`, {
      as: socialWorker,
      body: {
        entryId: sister,
        facilityId: CSAPA,
        kind: 'relative',
        role: 'family',
        roleDetails: 'sœur',
        name: 'Claire Martin',
        contact: { phone: '06 12 34 56 78' },
      },
    });
    const search = await app.request('GET', `/organisations/${ORG}/annuaire-sante/practitioners?name=moreau`, {
      as: secretary,
    });
    const gp = search.body.practitioners.find((p: { specialty?: { code: string } }) => p.specialty?.code === 'SM54');
    const importedGp = await app.request(
      'POST',
      `/organisations/${ORG}/usagers/usager-1/directory/practitioner-imports`,
      {
        as: socialWorker,
        body: { entryId: randomUUID(), facilityId: CSAPA, rpps: gp.rpps },
      },
    );
    const organisations = await app.request('GET', `/organisations/${ORG}/annuaire-sante/organisations?name=canal`, {
      as: socialWorker,
    });
    const importedPharmacy = await app.request(
      'POST',
      `/organisations/${ORG}/usagers/usager-1/directory/organisation-imports`,
      {
        as: socialWorker,
        body: { entryId: randomUUID(), facilityId: CSAPA, finess: organisations.body.organisations[0].finess },
      },
    );
    const unknown = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory/practitioner-imports`, {
      as: socialWorker,
      body: { entryId: randomUUID(), facilityId: CSAPA, rpps: '12345678901' },
    });

    // when the directory is read
    const listed = await directoryOf(socialWorker);

    // then the entourage comes first, then the professionals, then the structures; the GP keeps the RPPS
    expect(typed.status, JSON.stringify(typed.body)).to.equal(201);
    expect(search.status).to.equal(200);
    expect(search.body.practitioners).to.have.length(2);
    expect(importedGp.status, JSON.stringify(importedGp.body)).to.equal(201);
    expect(importedPharmacy.status, JSON.stringify(importedPharmacy.body)).to.equal(201);
    expect([unknown.status, unknown.body.code]).to.deep.equal([422, 'ANNUAIRE_PRACTITIONER_NOT_FOUND']);
    expect(listed.status).to.equal(200);
    expect(listed.body.entries.map((entry: ListedEntry) => [entry.name, entry.kind, entry.role])).to.deep.equal([
      ['Claire Martin', 'relative', 'family'],
      ['Dr Anne MOREAU', 'professional', 'generalPractitioner'],
      ['Pharmacie du Canal (fictive)', 'structure', 'pharmacy'],
    ]);
    expect(listed.body.entries[1]).to.deep.include({
      rpps: '99700000011',
      source: 'annuaireSante',
      roleDetails: 'Médecine générale',
      contact: {
        phone: '01 99 00 10 11',
        email: 'anne.moreau@medecin.mssante.example',
        postalAddress: '3 rue des Lilas, 75011 Paris',
      },
    });
    expect(listed.body.entries[2]).to.include({ finess: '990000010' });
  });

  it('updates an entry with If-Match, removes one, and keeps the history', async () => {
    // given a friend in the directory
    const friend = randomUUID();
    await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory`, {
      as: socialWorker,
      body: { entryId: friend, facilityId: CSAPA, kind: 'relative', role: 'friend', name: 'Karim B.' },
    });

    // when their phone is added, a stale update is tried, and they are removed
    const updated = await app.request('POST', `/organisations/${ORG}/directory-entries/${friend}/updates`, {
      as: socialWorker,
      ifMatch: '"0"',
      body: { contact: { phone: '07 00 00 00 01' }, note: 'joignable le soir' },
    });
    const stale = await app.request('POST', `/organisations/${ORG}/directory-entries/${friend}/updates`, {
      as: socialWorker,
      ifMatch: '"0"',
      body: { name: 'Karim Benali' },
    });
    const unchanged = await app.request('POST', `/organisations/${ORG}/directory-entries/${friend}/updates`, {
      as: socialWorker,
      body: { contact: { phone: '07 00 00 00 01' } },
    });
    const removed = await app.request('POST', `/organisations/${ORG}/directory-entries/${friend}/removals`, {
      as: socialWorker,
      body: { reason: 'ne souhaite plus être contacté' },
    });
    const one = await app.request('GET', `/organisations/${ORG}/directory-entries/${friend}`, { as: socialWorker });
    const active = await directoryOf(socialWorker);
    const all = await directoryOf(socialWorker, '&includeRemoved=true');

    // then
    expect(updated.status, JSON.stringify(updated.body)).to.equal(200);
    expect(updated.body).to.deep.equal({ entryId: friend, revision: 1 });
    expect(stale.status).to.equal(412);
    expect([unchanged.status, unchanged.body.code]).to.deep.equal([422, 'DIRECTORY_ENTRY_UNCHANGED']);
    expect(removed.status).to.equal(200);
    expect(one.status).to.equal(200);
    expect(one.headers.get('etag')).to.equal('"2"');
    expect(one.body).to.include({
      status: 'removed',
      removalReason: 'ne souhaite plus être contacté',
      note: 'joignable le soir',
    });
    expect(one.body.history.map((change: { change: string; by: string }) => [change.change, change.by])).to.deep.equal([
      ['added', 'pro-social'],
      ['updated', 'pro-social'],
      ['removed', 'pro-social'],
    ]);
    expect(one.body.history[1].details).to.deep.equal({
      contact: { phone: '07 00 00 00 01' },
      note: 'joignable le soir',
    });
    expect(active.body.entries.map((entry: ListedEntry) => entry.entryId)).not.to.include(friend);
    expect(all.body.entries.find((entry: ListedEntry) => entry.entryId === friend)).to.include({ status: 'removed' });
  });

  it('opens the directory to the care team only, and traces every read', async () => {
    // when those outside the team, and the secretariat (never social data), read it
    const byDoctor = await directoryOf(doctorOutsideTeam);
    const bySecretary = await directoryOf(secretary);
    const byDirector = await directoryOf(director);
    const directorWrites = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory`, {
      as: director,
      body: { entryId: randomUUID(), facilityId: CSAPA, kind: 'relative', role: 'friend', name: 'X' },
    });
    const otherFacility = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/usager-1/directory?facilityId=${CAARUD}`,
      { as: socialWorker },
    );
    const log = await app.server.store.readStream(`access-log/${ORG}/usager-1`);

    // then
    expect(byDoctor.status).to.equal(403);
    expect(byDoctor.body.reason).to.equal('notInCareTeam');
    expect(bySecretary.status).to.equal(403);
    expect(byDirector.status).to.equal(200);
    expect(directorWrites.status).to.equal(403);
    expect(otherFacility.status).to.equal(403);
    const reads = log.map((entry) => [entry.metadata.actor.id, (entry.data as { resource: string }).resource]);
    expect(reads).to.deep.include(['pro-social', 'directory']);
    expect(reads).to.deep.include(['pro-social', 'directory-entry']);
    expect(reads).to.deep.include(['pro-director', 'directory']);
    expect(reads).not.to.deep.include(['pro-doctor', 'directory']);
  });

  it('records an act done with a partner of the directory, who is named on the act', async () => {
    // given the SPIP in the usager's directory, and another usager's GP
    const spip = randomUUID();
    await app.request('POST', `/organisations/${ORG}/usagers/usager-1/directory`, {
      as: socialWorker,
      body: { entryId: spip, facilityId: CSAPA, kind: 'structure', role: 'spip', name: 'SPIP de Paris' },
    });
    await app.asSystem(ORG, {
      type: 'AddToCareTeam',
      professionalId: 'pro-social',
      serviceUserId: 'usager-2',
      facilityId: CSAPA,
    });
    const othersEntry = randomUUID();
    await app.request('POST', `/organisations/${ORG}/usagers/usager-2/directory`, {
      as: socialWorker,
      body: { entryId: othersEntry, facilityId: CSAPA, kind: 'relative', role: 'family', name: 'Autre famille' },
    });

    // when an accompaniment to the SPIP is recorded, and one naming another usager's entry
    const actId = randomUUID();
    const act = {
      facilityId: CSAPA,
      actTypeCode: 'accompagnement-exterieur',
      durationMinutes: 90,
      performedAt: '2026-03-10T10:00:00+01:00',
    };
    const recorded = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/acts`, {
      as: socialWorker,
      body: { actId, ...act, partnerEntryIds: [spip] },
    });
    const foreign = await app.request('POST', `/organisations/${ORG}/usagers/usager-1/acts`, {
      as: socialWorker,
      body: { actId: randomUUID(), ...act, partnerEntryIds: [othersEntry] },
    });
    const read = await app.request('GET', `/organisations/${ORG}/acts/${actId}`, { as: socialWorker });

    // then the act names the SPIP, and another usager's directory is out of reach
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(read.body.partners).to.deep.equal([{ entryId: spip, name: 'SPIP de Paris' }]);
    expect([foreign.status, foreign.body.code]).to.deep.equal([422, 'DIRECTORY_ENTRY_NOT_FOUND']);
  });
});
