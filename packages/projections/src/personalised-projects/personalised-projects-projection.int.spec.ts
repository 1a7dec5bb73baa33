import {
  asEventList,
  currentProjectVersion,
  DomainRuleViolation,
  evaluationResults,
  objectiveDomains,
  type PersonalisedProject,
  type PersonalisedProjectCommand,
  type PersonalisedProjectEvent,
  type ProjectObjective,
  personalisedProjectDecider,
  personalisedProjectStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import {
  personalisedProject,
  personalisedProjectsOf,
  personalisedProjectVersion,
} from './personalised-project-query.js';
import { personalisedProjectsProjection } from './personalised-projects-projection.js';
import { projectActionsDue } from './project-actions-due-query.js';

const organisationId = 'og-1';
const csapa = '750000001';
const ids = {
  project: '0195f0a0-0000-7000-8000-0000000000a1',
  other: '0195f0a0-0000-7000-8000-0000000000a2',
  accompaniment: '0195f0a0-0000-7000-8000-0000000000d1',
  housing: '0195f0a0-0000-7000-8000-0000000000b1',
  care: '0195f0a0-0000-7000-8000-0000000000b2',
  application: '0195f0a0-0000-7000-8000-0000000000c1',
  appointment: '0195f0a0-0000-7000-8000-0000000000c2',
  screening: '0195f0a0-0000-7000-8000-0000000000c3',
} as const;

const start = (projectId: string, serviceUserId = 'usager-1'): PersonalisedProjectCommand => ({
  type: 'StartPersonalisedProject',
  projectId,
  serviceUserId,
  facilityId: csapa,
  accompanimentId: ids.accompaniment,
  startedOn: '2025-03-01',
  startedBy: 'pro-social',
});
const coConstruction = {
  meetingOn: '2025-03-20',
  usagerPresent: true,
  usagerWords: 'Je veux un studio.',
  usagerAgreement: 'agrees',
} as const;

/** The events the decider appends for these commands, and the project it leaves. */
function decided(commands: readonly PersonalisedProjectCommand[]) {
  let project: PersonalisedProject = personalisedProjectDecider.initialState();
  const events: PersonalisedProjectEvent[] = [];
  for (const command of commands) {
    const appended = asEventList(personalisedProjectDecider.decide(command, project));
    for (const event of appended) project = personalisedProjectDecider.evolve(project, event);
    events.push(...appended);
  }
  return { events, project };
}

function stream(projectId: string, events: readonly PersonalisedProjectEvent[], serviceUserId = 'usager-1') {
  return events.map(
    (event): GivenEvent => ({
      type: event.type,
      data: event.data,
      streamId: personalisedProjectStreamId(organisationId, projectId),
      metadata: { organisationId, facilityId: csapa, serviceUserId },
    }),
  );
}

const version1: PersonalisedProjectCommand[] = [
  start(ids.project),
  { type: 'AddObjective', objectiveId: ids.housing, title: 'Accéder à un logement', domain: 'housing' },
  {
    type: 'AddAction',
    objectiveId: ids.housing,
    actionId: ids.application,
    what: 'Déposer la demande de logement social',
    who: { kind: 'professional', professionalId: 'pro-social' },
    deadline: '2025-04-15',
  },
  { type: 'AddObjective', objectiveId: ids.care, title: 'Réduire les consommations', domain: 'care' },
  {
    type: 'AddAction',
    objectiveId: ids.care,
    actionId: ids.appointment,
    what: 'Consultation au CSAPA',
    who: { kind: 'usager' },
    deadline: '2025-04-02',
  },
  { type: 'ValidateVersion', validatedOn: '2025-03-21', validatedBy: 'pro-director', coConstruction },
];
const version2Changes: PersonalisedProjectCommand[] = [
  { type: 'CompleteAction', objectiveId: ids.care, actionId: ids.appointment, completedOn: '2025-04-01' },
  {
    type: 'EvaluateObjective',
    objectiveId: ids.housing,
    evaluatedOn: '2025-09-01',
    result: 'partlyAchieved',
    comment: 'Demande déposée',
    evaluatedBy: 'pro-social',
  },
  {
    type: 'AddAction',
    objectiveId: ids.care,
    actionId: ids.screening,
    what: 'Dépistage VHC',
    who: { kind: 'partner', partner: 'CeGIDD' },
    deadline: '2025-09-20',
  },
];

describe('the personalised projects projection', () => {
  const spec = ProjectionSpecification.for(personalisedProjectsProjection);
  after(() => spec.close());

  it('shows the current version with its objectives, actions and last evaluation, and the versions', async () => {
    // given version 1 validated, then changes that open version 2
    const { events } = decided([...version1, ...version2Changes]);
    const schema = await spec.modelAfter(stream(ids.project, events));

    // when the project is read
    const project = await personalisedProject(spec.db, schema, { organisationId, projectId: ids.project });

    // then version 2 is the current draft, opened from version 1
    expect(project).to.include({ serviceUserId: 'usager-1', facilityId: csapa, revision: events.length - 1 });
    expect(project?.current.version).to.equal(2);
    expect(project?.current.status).to.equal('draft');
    expect(project?.versions.map(({ version, status, openedFrom }) => [version, status, openedFrom])).to.deep.equal([
      [1, 'validated', null],
      [2, 'draft', 1],
    ]);
    expect(project?.versions[0]?.coConstruction).to.deep.equal(coConstruction);
    const [housing, care] = project?.current.objectives ?? [];
    expect(housing?.lastEvaluation).to.deep.include({ result: 'partlyAchieved', evaluatedOn: '2025-09-01' });
    expect(care?.actions.map(({ actionId, completedOn }) => [actionId, completedOn])).to.deep.equal([
      [ids.appointment, '2025-04-01'],
      [ids.screening, null],
    ]);
    expect(care?.actions[1]?.who).to.deep.equal({ kind: 'partner', partner: 'CeGIDD' });
  });

  it('keeps version 1 as it was validated, whatever changed since', async () => {
    // given
    const { events } = decided([...version1, ...version2Changes]);
    const schema = await spec.modelAfter(stream(ids.project, events));

    // when
    const first = await personalisedProjectVersion(spec.db, schema, {
      organisationId,
      projectId: ids.project,
      version: 1,
    });
    const second = await personalisedProjectVersion(spec.db, schema, {
      organisationId,
      projectId: ids.project,
      version: 2,
    });
    const third = await personalisedProjectVersion(spec.db, schema, {
      organisationId,
      projectId: ids.project,
      version: 3,
    });

    // then
    expect(first).to.include({
      version: 1,
      status: 'validated',
      validatedOn: '2025-03-21',
      validatedBy: 'pro-director',
    });
    expect(
      first?.objectives.flatMap((objective) => objective.actions.map((action) => action.completedOn)),
    ).to.deep.equal([null, null]);
    expect(first?.objectives[0]?.lastEvaluation).to.equal(null);
    expect(second).to.include({ version: 2, status: 'draft', validatedOn: null });
    expect(second?.objectives[1]?.actions).to.have.length(2);
    expect(third).to.equal(undefined);
  });

  it('removes an objective with its actions and evaluations from the current version only', async () => {
    const { events } = decided([
      ...version1,
      ...version2Changes,
      { type: 'RemoveObjective', objectiveId: ids.housing, reason: 'relogé' },
    ]);
    const schema = await spec.modelAfter(stream(ids.project, events));
    const project = await personalisedProject(spec.db, schema, { organisationId, projectId: ids.project });
    expect(project?.current.objectives.map((objective) => objective.objectiveId)).to.deep.equal([ids.care]);
    const first = await personalisedProjectVersion(spec.db, schema, {
      organisationId,
      projectId: ids.project,
      version: 1,
    });
    expect(first?.objectives.map((objective) => objective.objectiveId)).to.deep.equal([ids.housing, ids.care]);
  });

  it('lists a usager’s projects in one ESSMS', async () => {
    const schema = await spec.modelAfter([
      ...stream(ids.project, decided(version1).events),
      ...stream(ids.other, decided([start(ids.other, 'usager-2')]).events, 'usager-2'),
    ]);
    const listed = await personalisedProjectsOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      facilityId: csapa,
    });
    expect(listed).to.deep.equal([
      {
        projectId: ids.project,
        accompanimentId: ids.accompaniment,
        startedOn: '2025-03-01',
        currentVersion: 1,
        currentStatus: 'validated',
        lastValidatedOn: '2025-03-21',
        revision: 5,
      },
    ]);
  });

  it('lists the open actions of an ESSMS whose deadline is passed or near, oldest first', async () => {
    // given actions due on 2 April (done on 1 April), 15 April, and 20 September
    const schema = await spec.modelAfter(stream(ids.project, decided([...version1, ...version2Changes]).events));

    // when the list is read on 10 April, and on 10 September
    const april = await projectActionsDue(spec.db, schema, { organisationId, facilityId: csapa, today: '2025-04-10' });
    const september = await projectActionsDue(spec.db, schema, {
      organisationId,
      facilityId: csapa,
      today: '2025-09-10',
    });
    const elsewhere = await projectActionsDue(spec.db, schema, {
      organisationId,
      facilityId: '750000002',
      today: '2025-09-10',
    });

    // then
    expect(april.map(({ actionId, warning }) => [actionId, warning])).to.deep.equal([[ids.application, 'due-soon']]);
    expect(april[0]).to.include({
      serviceUserId: 'usager-1',
      objectiveTitle: 'Accéder à un logement',
      what: 'Déposer la demande de logement social',
    });
    expect(september.map(({ actionId, warning }) => [actionId, warning])).to.deep.equal([
      [ids.application, 'overdue'],
      [ids.screening, 'due-soon'],
    ]);
    expect(elsewhere).to.deep.equal([]);
  });

  it('drops a forgotten usager’s project, and leaves the others’', async () => {
    const schema = await spec.modelAfter([
      ...stream(ids.project, decided([...version1, ...version2Changes]).events).map((event) => erased(event)),
      ...stream(ids.other, decided([start(ids.other, 'usager-2')]).events, 'usager-2'),
    ]);
    expect(await personalisedProject(spec.db, schema, { organisationId, projectId: ids.project })).to.equal(undefined);
    for (const table of ['objectives', 'actions', 'evaluations', 'versions']) {
      const rows = await spec.db.withSchema(schema).from(table).where({ project_id: ids.project });
      expect(rows, table).to.deep.equal([]);
    }
    expect(await personalisedProject(spec.db, schema, { organisationId, projectId: ids.other })).to.include({
      serviceUserId: 'usager-2',
    });
  });

  it('shows what the decider holds, whatever the commands: the current version and every validated one', async () => {
    const objectiveIds = [ids.housing, ids.care];
    const actionIds = [ids.application, ids.appointment, ids.screening];
    const anyDay = fc.integer({ min: 0, max: 200 }).map((n) => {
      return new Date(Date.UTC(2025, 2, 1) + n * 86_400_000).toISOString().slice(0, 10);
    });
    const anyCommand: fc.Arbitrary<PersonalisedProjectCommand> = fc.oneof(
      fc.record({
        type: fc.constantFrom('AddObjective' as const, 'ReviseObjective' as const),
        objectiveId: fc.constantFrom(...objectiveIds),
        title: fc.constantFrom('Logement', 'Soins'),
        domain: fc.constantFrom(...objectiveDomains),
      }),
      fc.record({ type: fc.constant('RemoveObjective' as const), objectiveId: fc.constantFrom(...objectiveIds) }),
      fc.record({
        type: fc.constantFrom('AddAction' as const, 'ReviseAction' as const),
        objectiveId: fc.constantFrom(...objectiveIds),
        actionId: fc.constantFrom(...actionIds),
        what: fc.constantFrom('Rendez-vous', 'Démarche'),
        who: fc.constantFrom({ kind: 'usager' } as const, { kind: 'partner', partner: 'CCAS' } as const),
        deadline: anyDay,
      }),
      fc.record({
        type: fc.constant('CompleteAction' as const),
        objectiveId: fc.constantFrom(...objectiveIds),
        actionId: fc.constantFrom(...actionIds),
        completedOn: anyDay,
      }),
      fc.record({
        type: fc.constant('EvaluateObjective' as const),
        objectiveId: fc.constantFrom(...objectiveIds),
        evaluatedOn: anyDay,
        result: fc.constantFrom(...evaluationResults),
        evaluatedBy: fc.constant('pro-1'),
      }),
      fc.record({
        type: fc.constant('ValidateVersion' as const),
        validatedOn: anyDay,
        validatedBy: fc.constant('pro-director'),
        coConstruction: fc.constant({ ...coConstruction, meetingOn: '2025-03-01' }),
      }),
    );
    let runsWithVersions = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyCommand, { maxLength: 30, size: 'max' }), async (commands) => {
        // given the events of the commands the decider accepts
        let project: PersonalisedProject = personalisedProjectDecider.initialState();
        const events: PersonalisedProjectEvent[] = [];
        for (const command of [start(ids.project), ...commands]) {
          try {
            const appended = asEventList(personalisedProjectDecider.decide(command, project));
            for (const event of appended) project = personalisedProjectDecider.evolve(project, event);
            events.push(...appended);
          } catch (error) {
            if (!(error instanceof DomainRuleViolation)) throw error;
          }
        }
        if (project.status !== 'active') throw new Error('the project was started');
        if (project.versions.length > 0) runsWithVersions += 1;
        const schema = await spec.modelAfter(stream(ids.project, events));

        // when the model is read
        const view = await personalisedProject(spec.db, schema, { organisationId, projectId: ids.project });

        // then it shows the decider's current version, and each validated version as validated
        const current = currentProjectVersion(project);
        expect(view?.current.version).to.equal(current.version);
        expect(view?.current.status).to.equal(current.status);
        expect(view?.current.objectives.map(withoutLastEvaluation)).to.deep.equal(current.objectives.map(normalised));
        expect(view?.versions.filter((version) => version.status === 'validated')).to.have.length(
          project.versions.length,
        );
        for (const validated of project.versions) {
          const version = await personalisedProjectVersion(spec.db, schema, {
            organisationId,
            projectId: ids.project,
            version: validated.version,
          });
          expect(version?.objectives.map(withoutLastEvaluation)).to.deep.equal(validated.objectives.map(normalised));
        }
      }),
      { numRuns: 60 },
    );
    // a guard that the property reached validated versions at all; about three runs in ten do (107 of
    // 300 measured), so none of 60 is a chance below one in a billion, while a higher floor would
    // fail by chance (25 runs and a floor of 5 did, one CI run in a few)
    expect(runsWithVersions, 'runs that validated a version').to.be.at.least(1);
  });
});

function withoutLastEvaluation<T extends { lastEvaluation: unknown }>({ lastEvaluation: _, ...objective }: T) {
  return objective;
}

/** The decider's objective as the model shows it: a missing completion is `null`. */
function normalised(objective: ProjectObjective) {
  return {
    ...objective,
    actions: objective.actions.map((action) => ({ ...action, completedOn: action.completedOn ?? null })),
  };
}
