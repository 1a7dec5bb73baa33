import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-pp';
const CSAPA = '750000001';
const USAGER = 'usager-1';

describe('the HTTP API: a personalised project, its versions and its co-construction with the usager', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let educator: string;
  let doctorOutsideTeam: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-educ', facilityId: CSAPA, role: 'educator' },
      { type: 'AddToCareTeam', professionalId: 'pro-educ', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
    );
    socialWorker = await app.loginAs('pro-social');
    educator = await app.loginAs('pro-educ');
    doctorOutsideTeam = await app.loginAs('pro-doctor');
  });
  after(() => app.close());

  it('freezes version 1 at its validation with the usager, and opens version 2 at the next change', async () => {
    // given a project with an objective and two actions, drafted by the social worker and the educator
    const projectId = randomUUID();
    const housing = randomUUID();
    const application = randomUUID();
    const visit = randomUUID();
    const project = `/organisations/${ORG}/personalised-projects/${projectId}`;
    const started = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
      as: socialWorker,
      body: { projectId, facilityId: CSAPA, accompanimentId: randomUUID(), startedOn: '2026-01-05' },
    });
    const objective = await app.request('POST', `${project}/objectives`, {
      as: socialWorker,
      body: { objectiveId: housing, title: 'Accéder à un logement autonome', domain: 'housing' },
    });
    const actionByProfessional = await app.request('POST', `${project}/objectives/${housing}/actions`, {
      as: socialWorker,
      body: {
        actionId: application,
        what: 'Déposer la demande de logement social',
        who: { kind: 'professional', professionalId: 'pro-social' },
        deadline: '2026-02-15',
      },
    });
    const actionByPartner = await app.request('POST', `${project}/objectives/${housing}/actions`, {
      as: educator,
      body: {
        actionId: visit,
        what: 'Visite d’un logement accompagné',
        who: { kind: 'partner', partner: 'Association Aurore' },
        deadline: '2026-03-01',
      },
    });
    const draft = await app.request('GET', project, { as: socialWorker });

    // when the draft is validated with the usager, present, who agrees; then an action is completed
    const validated = await app.request('POST', `${project}/validations`, {
      as: socialWorker,
      ifMatch: draft.headers.get('etag') ?? undefined,
      body: {
        validatedOn: '2026-01-20',
        coConstruction: {
          meetingOn: '2026-01-19',
          usagerPresent: true,
          usagerWords: 'Je voudrais un studio près de mon travail.',
          usagerAgreement: 'agrees',
        },
      },
    });
    const afterValidation = await app.request('GET', project, { as: socialWorker });
    const completed = await app.request('POST', `${project}/objectives/${housing}/actions/${application}/completions`, {
      as: socialWorker,
      body: { completedOn: '2026-02-10' },
    });
    const afterChange = await app.request('GET', project, { as: educator });
    const version1 = await app.request('GET', `${project}/versions/1`, { as: educator });
    const version2 = await app.request('GET', `${project}/versions/2`, { as: educator });
    const staleValidation = await app.request('POST', `${project}/validations`, {
      as: socialWorker,
      ifMatch: afterValidation.headers.get('etag') ?? undefined,
      body: {
        validatedOn: '2026-02-11',
        coConstruction: {
          meetingOn: '2026-02-11',
          usagerPresent: false,
          usagerAgreement: 'notExpressed',
          absenceReason: 'Hospitalisé',
        },
      },
    });
    const withoutUsager = await app.request('POST', `${project}/validations`, {
      as: socialWorker,
      ifMatch: afterChange.headers.get('etag') ?? undefined,
      body: {
        validatedOn: '2026-02-11',
        coConstruction: { meetingOn: '2026-02-11', usagerPresent: false, usagerAgreement: 'notExpressed' },
      },
    });

    // then every command was accepted, in version 1 until its validation
    for (const answer of [started, objective, actionByProfessional, actionByPartner]) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
      expect(answer.body.version).to.equal(1);
    }
    expect(draft.body.current).to.deep.include({ version: 1, status: 'draft' });
    expect(validated.status, JSON.stringify(validated.body)).to.equal(200);
    expect(afterValidation.body.current).to.deep.include({ version: 1, status: 'validated' });

    // and the first change after it opened version 2, from version 1
    expect(completed.status, JSON.stringify(completed.body)).to.equal(200);
    expect(completed.body.version).to.equal(2);
    expect(afterChange.body.current).to.deep.include({ version: 2, status: 'draft' });
    expect(
      afterChange.body.versions.map((v: { version: number; status: string; openedFrom: number | null }) => [
        v.version,
        v.status,
        v.openedFrom,
      ]),
    ).to.deep.equal([
      [1, 'validated', null],
      [2, 'draft', 1],
    ]);
    expect(afterChange.body.current.objectives[0].actions[0].completedOn).to.equal('2026-02-10');

    // and version 1 is as validated, with the usager's words; version 2 holds the change
    expect(version1.status, JSON.stringify(version1.body)).to.equal(200);
    expect(version1.body).to.deep.include({ version: 1, status: 'validated', validatedOn: '2026-01-20' });
    expect(version1.body.validatedBy).to.equal('pro-social');
    expect(version1.body.coConstruction).to.deep.equal({
      meetingOn: '2026-01-19',
      usagerPresent: true,
      usagerWords: 'Je voudrais un studio près de mon travail.',
      usagerAgreement: 'agrees',
    });
    expect(version1.body.objectives[0].actions.map((a: { completedOn: string | null }) => a.completedOn)).to.deep.equal(
      [null, null],
    );
    expect(version1.body.objectives[0].actions[1].who).to.deep.equal({
      kind: 'partner',
      partner: 'Association Aurore',
    });
    expect(version2.body).to.deep.include({ version: 2, status: 'draft' });
    expect(version2.body.objectives[0].actions[0].completedOn).to.equal('2026-02-10');

    // and a validation of a version the validator did not read, or without the usager, is refused
    expect(staleValidation.status).to.equal(412);
    expect(withoutUsager.status).to.equal(422);
    expect(withoutUsager.body.code).to.equal('USAGER_ABSENCE_REASON_REQUIRED');
  });

  it('revises an objective and an action of a validated version in a new version 2, version 1 kept as validated', async () => {
    // given a project validated with one objective and one action
    const projectId = randomUUID();
    const work = randomUUID();
    const registration = randomUUID();
    const project = `/organisations/${ORG}/personalised-projects/${projectId}`;
    const started = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
      as: socialWorker,
      body: { projectId, facilityId: CSAPA, accompanimentId: randomUUID(), startedOn: '2026-01-05' },
    });
    const objective = await app.request('POST', `${project}/objectives`, {
      as: socialWorker,
      body: { objectiveId: work, title: 'Trouver un emploi', domain: 'other' },
    });
    const action = await app.request('POST', `${project}/objectives/${work}/actions`, {
      as: socialWorker,
      body: {
        actionId: registration,
        what: 'S’inscrire à France Travail',
        who: { kind: 'usager' },
        deadline: '2026-04-30',
      },
    });
    const draft = await app.request('GET', project, { as: socialWorker });
    const validated = await app.request('POST', `${project}/validations`, {
      as: socialWorker,
      ifMatch: draft.headers.get('etag') ?? undefined,
      body: {
        validatedOn: '2026-01-20',
        coConstruction: {
          meetingOn: '2026-01-20',
          usagerPresent: true,
          usagerWords: 'Je veux travailler en cuisine.',
          usagerAgreement: 'agrees',
        },
      },
    });
    const reviseObjective = (objectiveId: string, as = socialWorker) =>
      app.request('POST', `${project}/objectives/${objectiveId}/revisions`, {
        as,
        body: { title: 'Reprendre une formation qualifiante', description: 'CAP cuisine', domain: 'integration' },
      });
    const reviseAction = (actionId: string, deadline = '2026-03-03') =>
      app.request('POST', `${project}/objectives/${work}/actions/${actionId}/revisions`, {
        as: educator,
        body: {
          what: 'S’inscrire à la formation de l’AFPA',
          who: { kind: 'professional', professionalId: 'pro-educ' },
          deadline,
        },
      });

    // when the objective, then its action, are revised; and revisions that cannot be made are tried
    const objectiveRevised = await reviseObjective(work);
    const actionRevised = await reviseAction(registration);
    const byDoctor = await reviseObjective(work, doctorOutsideTeam);
    const unknownObjective = await reviseObjective(randomUUID());
    const unknownAction = await reviseAction(randomUUID());
    const beforeStart = await reviseAction(registration, '2025-12-31');
    const read = await app.request('GET', project, { as: socialWorker });
    const version1 = await app.request('GET', `${project}/versions/1`, { as: socialWorker });
    const due = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/personalised-project-actions-due?today=2026-03-01`,
      { as: socialWorker },
    );
    const completed = await app.request('POST', `${project}/objectives/${work}/actions/${registration}/completions`, {
      as: educator,
      body: { completedOn: '2026-03-02' },
    });
    const afterCompletion = await reviseAction(registration, '2026-03-10');

    // then
    for (const answer of [started, objective, action]) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    expect(validated.status, JSON.stringify(validated.body)).to.equal(200);
    expect(objectiveRevised.status, JSON.stringify(objectiveRevised.body)).to.equal(200);
    expect(objectiveRevised.body).to.deep.include({ projectId, version: 2 });
    expect(actionRevised.status, JSON.stringify(actionRevised.body)).to.equal(200);
    expect(actionRevised.body).to.deep.include({ projectId, version: 2 });
    expect(actionRevised.body.revision).to.equal(objectiveRevised.body.revision + 1);
    expect(byDoctor.status, JSON.stringify(byDoctor.body)).to.equal(403);
    expect([unknownObjective.status, unknownObjective.body.code]).to.deep.equal([422, 'OBJECTIVE_NOT_FOUND']);
    expect([unknownAction.status, unknownAction.body.code]).to.deep.equal([422, 'ACTION_NOT_FOUND']);
    expect([beforeStart.status, beforeStart.body.code]).to.deep.equal([422, 'ACTION_DEADLINE_BEFORE_START']);

    // and the project reads the revised objective and action in version 2
    expect(read.status, JSON.stringify(read.body)).to.equal(200);
    expect(read.headers.get('etag')).to.equal(`"${actionRevised.body.revision}"`);
    expect(read.body.current).to.deep.include({ version: 2, status: 'draft' });
    expect(read.body.current.objectives).to.have.length(1);
    expect(read.body.current.objectives[0]).to.deep.include({
      objectiveId: work,
      title: 'Reprendre une formation qualifiante',
      description: 'CAP cuisine',
      domain: 'integration',
    });
    expect(read.body.current.objectives[0].actions).to.deep.equal([
      {
        actionId: registration,
        what: 'S’inscrire à la formation de l’AFPA',
        who: { kind: 'professional', professionalId: 'pro-educ' },
        deadline: '2026-03-03',
        completedOn: null,
      },
    ]);
    // and version 1 stays as validated
    expect(version1.status, JSON.stringify(version1.body)).to.equal(200);
    expect(version1.body.objectives[0]).to.deep.include({
      title: 'Trouver un emploi',
      description: '',
      domain: 'other',
    });
    expect(version1.body.objectives[0].actions[0]).to.deep.include({
      what: 'S’inscrire à France Travail',
      who: { kind: 'usager' },
      deadline: '2026-04-30',
    });
    // and the actions due follow the revised deadline and the revised objective's title
    expect(due.status, JSON.stringify(due.body)).to.equal(200);
    const mine = due.body.actions.filter((entry: { projectId: string }) => entry.projectId === projectId);
    expect(
      mine.map((entry: { what: string; objectiveTitle: string; deadline: string; warning: string }) => [
        entry.what,
        entry.objectiveTitle,
        entry.deadline,
        entry.warning,
      ]),
    ).to.deep.equal([
      ['S’inscrire à la formation de l’AFPA', 'Reprendre une formation qualifiante', '2026-03-03', 'due-soon'],
    ]);
    // and a completed action is not revised any more
    expect(completed.status, JSON.stringify(completed.body)).to.equal(200);
    expect([afterCompletion.status, afterCompletion.body.code]).to.deep.equal([422, 'ACTION_ALREADY_COMPLETED']);
  });

  it('evaluates an objective and lists the actions due in the ESSMS; an unknown objective is refused', async () => {
    // given a project with an action due soon and one overdue
    const projectId = randomUUID();
    const care = randomUUID();
    const project = `/organisations/${ORG}/personalised-projects/${projectId}`;
    await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
      as: socialWorker,
      body: { projectId, facilityId: CSAPA, accompanimentId: randomUUID(), startedOn: '2026-01-05' },
    });
    await app.request('POST', `${project}/objectives`, {
      as: socialWorker,
      body: { objectiveId: care, title: 'Reprendre un suivi médical', description: 'Médecin traitant', domain: 'care' },
    });
    for (const [what, deadline] of [
      ['Choisir un médecin traitant', '2026-03-05'],
      ['Ouvrir les droits à la CSS', '2026-02-20'],
    ] as const) {
      const added = await app.request('POST', `${project}/objectives/${care}/actions`, {
        as: socialWorker,
        body: { actionId: randomUUID(), what, who: { kind: 'usager' }, deadline },
      });
      expect(added.status, JSON.stringify(added.body)).to.equal(201);
    }

    // when the objective is evaluated, an unknown one too, and the actions due are read on 1 March
    const evaluated = await app.request('POST', `${project}/objectives/${care}/evaluations`, {
      as: educator,
      body: { evaluatedOn: '2026-02-25', result: 'inProgress', comment: 'Premier rendez-vous pris' },
    });
    const unknown = await app.request('POST', `${project}/objectives/${randomUUID()}/evaluations`, {
      as: educator,
      body: { evaluatedOn: '2026-02-25', result: 'achieved' },
    });
    const read = await app.request('GET', project, { as: socialWorker });
    const due = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/personalised-project-actions-due?today=2026-03-01`,
      { as: socialWorker },
    );
    const dueForDoctor = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/personalised-project-actions-due?today=2026-03-01`,
      { as: doctorOutsideTeam },
    );

    // then
    expect(evaluated.status, JSON.stringify(evaluated.body)).to.equal(201);
    expect(unknown.status).to.equal(422);
    expect(unknown.body.code).to.equal('OBJECTIVE_NOT_FOUND');
    expect(read.body.current.objectives[0].lastEvaluation).to.deep.equal({
      evaluatedOn: '2026-02-25',
      result: 'inProgress',
      comment: 'Premier rendez-vous pris',
      evaluatedBy: 'pro-educ',
    });
    const mine = due.body.actions.filter((action: { projectId: string }) => action.projectId === projectId);
    expect(mine.map((action: { what: string; warning: string }) => [action.what, action.warning])).to.deep.equal([
      ['Ouvrir les droits à la CSS', 'overdue'],
      ['Choisir un médecin traitant', 'due-soon'],
    ]);
    expect(mine[0]).to.include({ serviceUserId: USAGER, objectiveTitle: 'Reprendre un suivi médical' });
    expect(dueForDoctor.status).to.equal(200);
    expect(dueForDoctor.body.actions).to.deep.equal([]);
  });

  it('refuses a professional outside the care team, and traces every read of the team', async () => {
    // given a project
    const projectId = randomUUID();
    const project = `/organisations/${ORG}/personalised-projects/${projectId}`;
    const started = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/personalised-projects`, {
      as: socialWorker,
      body: { projectId, facilityId: CSAPA, accompanimentId: randomUUID(), startedOn: '2026-01-05' },
    });
    expect(started.status, JSON.stringify(started.body)).to.equal(201);
    const logBefore = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));

    // when a doctor outside the care team reads and writes it, and a member of the team reads it
    const readByDoctor = await app.request('GET', project, { as: doctorOutsideTeam });
    const versionByDoctor = await app.request('GET', `${project}/versions/1`, { as: doctorOutsideTeam });
    const listByDoctor = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/${USAGER}/personalised-projects?facilityId=${CSAPA}`,
      { as: doctorOutsideTeam },
    );
    const writtenByDoctor = await app.request('POST', `${project}/objectives`, {
      as: doctorOutsideTeam,
      body: { objectiveId: randomUUID(), title: 'Soins', domain: 'care' },
    });
    const readByTeam = await app.request('GET', project, { as: educator });
    const listByTeam = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/${USAGER}/personalised-projects?facilityId=${CSAPA}`,
      { as: educator },
    );
    const missing = await app.request('GET', `/organisations/${ORG}/personalised-projects/${randomUUID()}`, {
      as: educator,
    });
    const logAfter = await app.server.store.readStream(accessLogStreamId(ORG, USAGER));

    // then the doctor is refused everything, for not being in the team
    for (const answer of [readByDoctor, versionByDoctor, listByDoctor, writtenByDoctor]) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(403);
      expect(answer.body.reason).to.equal('notInCareTeam');
    }
    // and the team's reads are answered and traced, the refused ones not
    expect(readByTeam.status).to.equal(200);
    expect(readByTeam.headers.get('etag')).to.equal('"0"');
    expect(listByTeam.body.projects.map((p: { projectId: string }) => p.projectId)).to.include(projectId);
    expect(missing.status).to.equal(404);
    const traced = logAfter.slice(logBefore.length).map((event) => event.data as { resource: string });
    expect(traced.map((read) => read.resource)).to.deep.equal(['personalised-project', 'personalised-projects']);
    expect(traced[0]).to.deep.include({ facilityId: CSAPA, sensitivities: ['social'], roles: ['educator'] });
  });
});
