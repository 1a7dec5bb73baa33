import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const OTHER_ESSMS = '750000002';

describe('the HTTP API: contrats de séjour and DIPC, their versions and deadlines', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let secretary: string;
  let director: string;
  let doctorOutsideTeam: string;
  let teamDoctor: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-other-director', facilityId: OTHER_ESSMS, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-team-doctor', facilityId: CSAPA, role: 'doctor' },
      ...['usager-2', 'usager-6'].map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId: 'pro-team-doctor',
        serviceUserId,
        facilityId: CSAPA,
      })),
    );
    teamDoctor = await app.loginAs('pro-team-doctor');
    secretary = await app.loginAs('pro-secretary');
    director = await app.loginAs('pro-director');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
  });
  after(() => app.close());

  /** A measure restricting the usager's freedom of movement, proposed by their doctor, decided by the director unless `proposedOnly`. */
  const measureFor = async (serviceUserId: string, options: { proposedOnly?: boolean } = {}) => {
    const measureId = randomUUID();
    const proposed = await app.request(
      'POST',
      `/organisations/${ORG}/usagers/${serviceUserId}/freedom-of-movement-measures`,
      {
        as: teamDoctor,
        body: {
          measureId,
          facilityId: CSAPA,
          description: 'Sorties de nuit accompagnées',
          assessment: 'Évaluation pluridisciplinaire : épisodes confusionnels nocturnes',
          proposedAt: '2026-03-01',
        },
      },
    );
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    if (!options.proposedOnly) {
      const decided = await app.request(
        'POST',
        `/organisations/${ORG}/freedom-of-movement-measures/${measureId}/decisions`,
        {
          as: director,
          body: { decidedAt: '2026-03-02', reviewBy: '2026-09-01' },
        },
      );
      expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    }
    return measureId;
  };

  /** A contrat de séjour drafted by the secretariat for a usager admitted on `admittedOn`; `terms` override the rest. */
  const draft = (serviceUserId: string, contractId: string, admittedOn: string, terms: Record<string, unknown> = {}) =>
    app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/stay-contracts`, {
      as: secretary,
      body: {
        contractId,
        kind: 'stay-contract',
        facilityId: CSAPA,
        accompanimentId: randomUUID(),
        admittedOn,
        objectives: [],
        services: ['Hébergement'],
        ...terms,
      },
    });

  const contractPath = (contractId: string, act = '') =>
    `/organisations/${ORG}/stay-contracts/${contractId}${act ? `/${act}` : ''}`;
  const watch = (today: string) => `/organisations/${ORG}/facilities/${CSAPA}/stay-contracts-to-watch?today=${today}`;

  it('warns of a handover about to be missed until the contract is handed over', async () => {
    // given a contract drafted for a usager admitted on 5 January 2026 (handover due on the 20th)
    const contractId = randomUUID();
    const drafted = await draft('usager-1', contractId, '2026-01-05', {
      objectives: ['Stabiliser le traitement de substitution'],
      services: ['Hébergement', 'Accompagnement social'],
      annexes: [{ kind: 'operating-rules', reference: 'Règlement de fonctionnement 2026' }],
    });

    // when the contracts to watch are read on 16 January, before and after the handover
    const before = await app.request('GET', watch('2026-01-16'), { as: secretary });
    const handedOver = await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-01-16' },
    });
    const after = await app.request('GET', watch('2026-01-16'), { as: secretary });
    // and later, when the signature is about to be missed
    const later = await app.request('GET', watch('2026-02-01'), { as: secretary });
    const byDoctor = await app.request('GET', watch('2026-02-01'), { as: doctorOutsideTeam });

    // then the warning appears, disappears with the handover, and the next one comes in time
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    expect(drafted.body).to.deep.include({ contractId, kind: 'stay-contract', status: 'draft', revision: 0 });
    expect(before.status, JSON.stringify(before.body)).to.equal(200);
    expect(before.body.contracts).to.have.length(1);
    expect(before.body.contracts[0]).to.deep.include({
      contractId,
      serviceUserId: 'usager-1',
      warnings: [{ type: 'handover-due-soon', deadline: 'handover', dueOn: '2026-01-20' }],
    });
    expect(handedOver.status, JSON.stringify(handedOver.body)).to.equal(200);
    expect(handedOver.headers.get('etag')).to.equal('"1"');
    expect(after.body.contracts).to.deep.equal([]);
    expect(
      later.body.contracts.map((c: { warnings: { type: string }[] }) => c.warnings.map((w) => w.type)),
    ).to.deep.equal([['signature-due-soon']]);
    expect(byDoctor.status).to.equal(200);
    expect(byDoctor.body.contracts).to.deep.equal([]);
  });

  it('revises the draft before the signature: the contract, the contracts to watch and the summary sheet follow it', async () => {
    // given a contrat de séjour drafted for a usager admitted on 4 May 2026 (handover due on the 19th)
    const contractId = randomUUID();
    const drafted = await draft('usager-4', contractId, '2026-05-04', { objectives: ['Stabiliser le traitement'] });
    const revise = (ifMatch: string, body: Record<string, unknown>, as = secretary) =>
      app.request('POST', contractPath(contractId, 'draft-revisions'), { as, ifMatch, body });

    // when the draft is revised into a DIPC with other objectives and an annex, then its services alone
    const nothing = await revise('"0"', {});
    const byDoctor = await revise('"0"', { objectives: ['Autre'] }, doctorOutsideTeam);
    const revised = await revise('"0"', {
      kind: 'dipc',
      objectives: ['Retrouver un logement', 'Reprendre un suivi somatique'],
      annexes: [{ kind: 'operating-rules', reference: 'Règlement de fonctionnement 2026' }],
    });
    const stale = await revise('"0"', { services: ['Accueil de jour'] });
    const servicesRevised = await revise('"1"', { services: ['Accueil de jour', 'Accompagnement social'] });
    const read = await app.request('GET', `${contractPath(contractId)}?today=2026-05-16`, { as: secretary });
    const watched = await app.request('GET', watch('2026-05-16'), { as: secretary });
    const sheet = await app.request('GET', `/organisations/${ORG}/usagers/usager-4/summary-sheet`, { as: secretary });
    // and when it is handed over and signed, the revised draft becomes version 1
    const handedOver = await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"2"',
      body: { day: '2026-05-16' },
    });
    const signed = await app.request('POST', contractPath(contractId, 'signatures'), {
      as: director,
      ifMatch: '"3"',
      body: { day: '2026-05-18', directorId: 'pro-director' },
    });
    const readSigned = await app.request('GET', contractPath(contractId), { as: secretary });

    // then
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    expect([nothing.status, nothing.body.code]).to.deep.equal([422, 'NOTHING_TO_REVISE']);
    expect(byDoctor.status, JSON.stringify(byDoctor.body)).to.equal(403);
    expect(revised.status, JSON.stringify(revised.body)).to.equal(200);
    expect(revised.body).to.deep.equal({ contractId, kind: 'dipc', status: 'draft', currentVersion: 0, revision: 1 });
    expect(revised.headers.get('etag')).to.equal('"1"');
    expect(stale.status, JSON.stringify(stale.body)).to.equal(412);
    expect(servicesRevised.status, JSON.stringify(servicesRevised.body)).to.equal(200);
    expect(servicesRevised.body).to.deep.include({ kind: 'dipc', status: 'draft', revision: 2 });

    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.headers.get('etag')).to.equal('"2"');
    expect(read.body).to.deep.include({ kind: 'dipc', status: 'draft', currentVersion: 0, versions: [], revision: 2 });
    expect(read.body.draft).to.deep.equal({
      objectives: ['Retrouver un logement', 'Reprendre un suivi somatique'],
      services: ['Accueil de jour', 'Accompagnement social'],
      annexes: [{ kind: 'operating-rules', reference: 'Règlement de fonctionnement 2026' }],
    });
    expect(read.body.warnings).to.deep.include({
      type: 'handover-due-soon',
      deadline: 'handover',
      dueOn: '2026-05-19',
    });

    expect(watched.status, JSON.stringify(watched.body)).to.equal(200);
    const toWatch = watched.body.contracts.find(
      (contract: { contractId: string }) => contract.contractId === contractId,
    );
    expect(toWatch).to.deep.include({ serviceUserId: 'usager-4', kind: 'dipc', status: 'draft', revision: 2 });
    expect(toWatch.warnings).to.deep.include({ type: 'handover-due-soon', deadline: 'handover', dueOn: '2026-05-19' });

    expect(sheet.status, JSON.stringify(sheet.body)).to.equal(200);
    expect(
      sheet.body.sheet.contracts.map((contract: { contractId: string; kind: string; status: string }) => [
        contract.contractId,
        contract.kind,
        contract.status,
      ]),
    ).to.deep.equal([[contractId, 'dipc', 'draft']]);

    expect(handedOver.status, JSON.stringify(handedOver.body)).to.equal(200);
    expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
    expect(signed.body).to.deep.include({ kind: 'dipc', status: 'signed', currentVersion: 1, revision: 4 });
    expect(
      readSigned.body.versions.map((v: { version: number; kind: string; objectives: string[]; services: string[] }) => [
        v.version,
        v.kind,
        v.objectives,
        v.services,
      ]),
    ).to.deep.equal([
      [
        1,
        'dipc',
        ['Retrouver un logement', 'Reprendre un suivi somatique'],
        ['Accueil de jour', 'Accompagnement social'],
      ],
    ]);
  });

  it('freezes the signed version: a direct change is refused, an amendment makes version 2', async () => {
    // given a contract handed over and signed by the usager and the director
    const contractId = randomUUID();
    const movementMeasure = await measureFor('usager-2');
    const created = await draft('usager-2', contractId, '2026-03-02');
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    const handedOver = await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-03-05' },
    });
    expect(handedOver.status, JSON.stringify(handedOver.body)).to.equal(200);
    const signed = await app.request('POST', contractPath(contractId, 'signatures'), {
      as: director,
      ifMatch: '"1"',
      body: { day: '2026-03-10', signedForUsagerBy: 'usager', directorId: 'pro-director' },
    });

    // when the signed version is changed directly, then by an amendment signed by the legal representative
    const revised = await app.request('POST', contractPath(contractId, 'draft-revisions'), {
      as: secretary,
      ifMatch: '"2"',
      body: { objectives: ['Retrouver un logement'] },
    });
    const stale = await app.request('POST', contractPath(contractId, 'amendments'), {
      as: secretary,
      ifMatch: '"1"',
      body: { day: '2026-08-01', reason: 'Avenant des six mois', objectives: ['Retrouver un logement'] },
    });
    const amendment = await app.request('POST', contractPath(contractId, 'amendments'), {
      as: secretary,
      ifMatch: '"2"',
      body: {
        day: '2026-08-01',
        reason: 'Avenant des six mois',
        objectives: ['Retrouver un logement'],
        annexes: [{ kind: 'freedom-of-movement', measureIds: [movementMeasure] }],
      },
    });
    const amendmentSigned = await app.request('POST', contractPath(contractId, 'amendment-signatures'), {
      as: director,
      ifMatch: '"3"',
      body: {
        day: '2026-08-03',
        signedForUsagerBy: 'legal-representative',
        legalRepresentative: 'Mme Tutrice',
        directorId: 'pro-director',
      },
    });
    const read = await app.request('GET', `${contractPath(contractId)}?today=2027-07-20`, { as: secretary });
    const readByDoctor = await app.request('GET', contractPath(contractId), { as: doctorOutsideTeam });
    const accessLog = await app.request('GET', `/organisations/${ORG}/usagers/usager-2/access-log`, { as: director });

    // then
    expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
    expect(signed.body).to.deep.include({ status: 'signed', currentVersion: 1, revision: 2 });
    expect(revised.status).to.equal(422);
    expect(revised.body.code).to.equal('SIGNED_VERSION_FROZEN');
    expect(revised.body.detail).to.equal('Une version signée est figée : toute modification passe par un avenant.');
    expect(stale.status).to.equal(412);
    expect(amendment.status, JSON.stringify(amendment.body)).to.equal(200);
    expect(amendmentSigned.status, JSON.stringify(amendmentSigned.body)).to.equal(200);
    expect(amendmentSigned.body).to.deep.include({ currentVersion: 2, revision: 4 });

    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.headers.get('etag')).to.equal('"4"');
    expect(read.body).to.deep.include({ serviceUserId: 'usager-2', status: 'signed', currentVersion: 2, draft: null });
    expect(
      read.body.versions.map((v: { version: number; objectives: string[]; annexes: unknown[] }) => [
        v.version,
        v.objectives,
        v.annexes,
      ]),
    ).to.deep.equal([
      [1, [], []],
      [2, ['Retrouver un logement'], [{ kind: 'freedom-of-movement', measureIds: [movementMeasure] }]],
    ]);
    expect(read.body.versions[1]).to.deep.include({
      legalRepresentative: 'Mme Tutrice',
      reason: 'Avenant des six mois',
    });
    expect(read.body.deadlines).to.deep.equal({ review: '2027-08-03' });
    expect(read.body.warnings).to.deep.equal([{ type: 'review-due-soon', deadline: 'review', dueOn: '2027-08-03' }]);
    expect(readByDoctor.status).to.equal(403);
    expect(accessLog.body.entries.map((entry: { resource: string }) => entry.resource)).to.include('stay-contract');
  });

  it('turns a refused contract into a DIPC that the director signs, then closes it', async () => {
    // given a contract handed over
    const contractId = randomUUID();
    await draft('usager-3', contractId, '2026-04-01', { services: ['Accueil de jour'] });
    await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-04-02' },
    });

    // when the usager refuses to sign, the director signs the DIPC, and the accompaniment ends
    const refused = await app.request('POST', contractPath(contractId, 'signature-refusals'), {
      as: secretary,
      ifMatch: '"1"',
      body: { day: '2026-04-03', refusedBy: 'usager' },
    });
    const signedBefore = await app.request('POST', contractPath(contractId, 'signatures'), {
      as: director,
      ifMatch: '"2"',
      body: { day: '2026-04-01', directorId: 'pro-director' },
    });
    const signed = await app.request('POST', contractPath(contractId, 'signatures'), {
      as: director,
      ifMatch: '"2"',
      body: { day: '2026-04-04', directorId: 'pro-director' },
    });
    const watched = await app.request('GET', watch('2026-12-01'), { as: director });
    const closed = await app.request('POST', contractPath(contractId, 'closures'), {
      as: director,
      ifMatch: '"3"',
      body: { day: '2026-06-30', reason: 'Fin de l’accompagnement' },
    });
    const watchedAfter = await app.request('GET', watch('2026-12-01'), { as: director });

    // then
    expect(refused.status, JSON.stringify(refused.body)).to.equal(200);
    expect(refused.body).to.deep.include({ kind: 'dipc', status: 'handed-over' });
    expect(signedBefore.status).to.equal(422);
    expect(signedBefore.body.code).to.equal('SIGNED_BEFORE_HANDOVER');
    expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
    expect(signed.body).to.deep.include({ kind: 'dipc', currentVersion: 1 });
    const ids = (answer: { body: { contracts: { contractId: string }[] } }) =>
      answer.body.contracts.map((contract) => contract.contractId);
    expect(ids(watched)).to.include(contractId);
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
    expect(ids(watchedAfter)).to.not.include(contractId);
  });

  it('has the usager sign only measures decided and in force: not one merely proposed, nor one lifted since', async () => {
    // given a contract annexing a measure only proposed, and one decided
    const proposedOnly = await measureFor('usager-6', { proposedOnly: true });
    const decided = await measureFor('usager-6');
    const contractId = randomUUID();
    const drafted = await draft('usager-6', contractId, '2026-03-02', {
      annexes: [{ kind: 'freedom-of-movement', measureIds: [proposedOnly, decided] }],
    });
    await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-03-05' },
    });
    const signature = (ifMatch: string, day: string, act = 'signatures') =>
      app.request('POST', contractPath(contractId, act), {
        as: director,
        ifMatch,
        body: { day, signedForUsagerBy: 'usager', directorId: 'pro-director' },
      });

    // when it is signed as drafted, then once the draft annexes the decided measure only
    const withProposed = await signature('"1"', '2026-03-10');
    const revised = await app.request('POST', contractPath(contractId, 'draft-revisions'), {
      as: secretary,
      ifMatch: '"1"',
      body: { annexes: [{ kind: 'freedom-of-movement', measureIds: [decided] }] },
    });
    const signed = await signature('"2"', '2026-03-10');
    // and when the measure is lifted, then an amendment carries the annexes over
    const lifted = await app.request('POST', `/organisations/${ORG}/freedom-of-movement-measures/${decided}/reviews`, {
      as: teamDoctor,
      body: { reviewedAt: '2026-06-01', outcome: 'lifted' },
    });
    const amendment = await app.request('POST', contractPath(contractId, 'amendments'), {
      as: secretary,
      ifMatch: '"3"',
      body: { day: '2026-06-02', reason: 'Nouvelles prestations', services: ['Hébergement', 'Atelier cuisine'] },
    });
    const withLifted = await signature('"4"', '2026-06-05', 'amendment-signatures');

    // then both signatures naming a measure not in force are refused, with the measure, and the other is taken
    expect(drafted.status, JSON.stringify(drafted.body)).to.equal(201);
    expect(withProposed.status).to.equal(422);
    expect(withProposed.body).to.deep.include({
      code: 'ANNEXED_MEASURE_NOT_IN_FORCE',
      details: { measureIds: [proposedOnly] },
    });
    expect(revised.status, JSON.stringify(revised.body)).to.equal(200);
    expect(signed.status, JSON.stringify(signed.body)).to.equal(200);
    expect(lifted.status, JSON.stringify(lifted.body)).to.equal(200);
    expect(amendment.status, JSON.stringify(amendment.body)).to.equal(200);
    expect(withLifted.status).to.equal(422);
    expect(withLifted.body.details).to.deep.equal({ measureIds: [decided] });
  });

  it('is signed for the ESSMS by its own director only: not the secretary, nor the director of another ESSMS', async () => {
    // given a contract handed over to the usager
    const contractId = randomUUID();
    await draft('usager-7', contractId, '2026-05-04');
    await app.request('POST', contractPath(contractId, 'handovers'), {
      as: secretary,
      ifMatch: '"0"',
      body: { day: '2026-05-05' },
    });
    const signedFor = (directorId: string) =>
      app.request('POST', contractPath(contractId, 'signatures'), {
        as: secretary,
        ifMatch: '"1"',
        body: { day: '2026-05-06', signedForUsagerBy: 'usager', directorId },
      });

    // when the signature names the secretary, then another ESSMS' director, then the director of this one
    const bySecretary = await signedFor('pro-secretary');
    const byOtherDirector = await signedFor('pro-other-director');
    const unsigned = await app.request('GET', contractPath(contractId), { as: secretary });
    const byDirector = await signedFor('pro-director');

    // then only the last is taken, the others leaving the contract as it was
    for (const refused of [bySecretary, byOtherDirector]) {
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.code).to.equal('STAY_CONTRACT_NOT_SIGNED_BY_DIRECTOR');
      expect(refused.body.detail).to.match(/signé pour l’établissement par son directeur/);
    }
    expect(bySecretary.body.details).to.deep.equal({ directorId: 'pro-secretary' });
    expect(unsigned.headers.get('etag')).to.equal('"1"');
    expect(unsigned.body).to.deep.include({ status: 'handed-over', signedOn: null, currentVersion: 0 });
    expect(byDirector.status, JSON.stringify(byDirector.body)).to.equal(200);
    expect(byDirector.body).to.deep.include({ status: 'signed', currentVersion: 1 });
  });
});
