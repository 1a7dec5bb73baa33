import assert from 'node:assert/strict';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import { ACTION_DUE_SOON_DAYS, actionDeadlineWarning } from './action-deadlines.js';
import {
  currentProjectVersion,
  type PersonalisedProject,
  type PersonalisedProjectCommand,
  type PersonalisedProjectEvent,
  type PersonalisedProjectStarted,
  type ProjectVersionValidated,
  personalisedProjectDecider,
  personalisedProjectEventSchemas,
  personalisedProjectStreamId,
} from './personalised-project.js';
import {
  type CoConstruction,
  EVALUATION_RESULT_LABELS,
  evaluationResults,
  OBJECTIVE_DOMAIN_LABELS,
  objectiveDomains,
  type ProjectObjective,
} from './project-content.js';

const spec = DeciderSpecification.for(personalisedProjectDecider);
const projectId = '0195f0a0-0000-7000-8000-0000000000a1';
const housing = '0195f0a0-0000-7000-8000-0000000000b1';
const care = '0195f0a0-0000-7000-8000-0000000000b2';
const application = '0195f0a0-0000-7000-8000-0000000000c1';
const appointment = '0195f0a0-0000-7000-8000-0000000000c2';
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const start: PersonalisedProjectStarted = {
  projectId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  accompanimentId: '0195f0a0-0000-7000-8000-0000000000d1',
  startedOn: '2025-03-01',
  startedBy: 'pro-social',
};
const started: PersonalisedProjectEvent = { type: 'PersonalisedProjectStarted', data: start };
const housingAdded: PersonalisedProjectEvent = {
  type: 'ProjectObjectiveAdded',
  data: {
    projectId,
    version: 1,
    objectiveId: housing,
    title: 'Accéder à un logement autonome',
    description: 'Sortir de l’hébergement d’urgence',
    domain: 'housing',
  },
};
const applicationAdded: PersonalisedProjectEvent = {
  type: 'ProjectActionAdded',
  data: {
    projectId,
    version: 1,
    objectiveId: housing,
    actionId: application,
    what: 'Déposer la demande de logement social',
    who: { kind: 'professional', professionalId: 'pro-social' },
    deadline: '2025-04-15',
  },
};
const metWithUsager: CoConstruction = {
  meetingOn: '2025-03-20',
  usagerPresent: true,
  usagerWords: 'Je veux un studio près de mon travail.',
  usagerAgreement: 'agrees',
};
const housingObjective: ProjectObjective = {
  objectiveId: housing,
  title: 'Accéder à un logement autonome',
  description: 'Sortir de l’hébergement d’urgence',
  domain: 'housing',
  actions: [
    {
      actionId: application,
      what: 'Déposer la demande de logement social',
      who: { kind: 'professional', professionalId: 'pro-social' },
      deadline: '2025-04-15',
    },
  ],
  evaluations: [],
};
const version1Validated: PersonalisedProjectEvent = {
  type: 'ProjectVersionValidated',
  data: {
    projectId,
    version: 1,
    validatedOn: '2025-03-21',
    validatedBy: 'pro-director',
    coConstruction: metWithUsager,
    objectives: [housingObjective],
  },
};
const validate = {
  type: 'ValidateVersion',
  validatedOn: '2025-03-21',
  validatedBy: 'pro-director',
  coConstruction: metWithUsager,
} as const;
const version2Opened: PersonalisedProjectEvent = {
  type: 'ProjectVersionOpened',
  data: { projectId, version: 2, fromVersion: 1 },
};
const afterVersion1 = [started, housingAdded, applicationAdded, version1Validated];

describe('the personalised project of a usager', () => {
  it('names one stream per project, the organisation escaped', () => {
    assert.equal(personalisedProjectStreamId('og/1', projectId), `personalised-project/og%2F1/${projectId}`);
  });

  it('labels every domain and every evaluation result in French', () => {
    assert.deepEqual(Object.keys(OBJECTIVE_DOMAIN_LABELS), [...objectiveDomains]);
    assert.equal(OBJECTIVE_DOMAIN_LABELS.socialTies, 'Lien social');
    assert.deepEqual(Object.keys(EVALUATION_RESULT_LABELS), [...evaluationResults]);
    assert.equal(EVALUATION_RESULT_LABELS.partlyAchieved, 'Partiellement atteint');
  });

  describe('starting', () => {
    it('starts once per accompaniment’s project, opening draft version 1', () => {
      spec
        .given([])
        .when({ type: 'StartPersonalisedProject', ...start })
        .thenEmits([started]);
      spec
        .given([started])
        .when({ type: 'StartPersonalisedProject', ...start })
        .thenRefuses(refusedWith('PROJECT_ALREADY_STARTED'));
      const project = foldEvents(personalisedProjectDecider, [started]);
      assert.ok(project.status === 'active');
      assert.deepEqual(currentProjectVersion(project), { version: 1, status: 'draft', objectives: [] });
    });

    it('refuses any change to a project never started', () => {
      spec
        .given([])
        .when({ type: 'AddObjective', objectiveId: housing, title: 'Logement', domain: 'housing' })
        .thenRefuses(refusedWith('PROJECT_NOT_STARTED'));
    });
  });

  describe('objectives', () => {
    it('adds an objective to the draft, its texts trimmed, its description optional', () => {
      spec
        .given([started])
        .when({
          type: 'AddObjective',
          objectiveId: housing,
          title: '  Accéder à un logement autonome ',
          description: ' Sortir de l’hébergement d’urgence ',
          domain: 'housing',
        })
        .thenEmits([housingAdded]);
      spec
        .given([started])
        .when({ type: 'AddObjective', objectiveId: care, title: 'Réduire les consommations', domain: 'care' })
        .thenEmits([
          {
            type: 'ProjectObjectiveAdded',
            data: {
              projectId,
              version: 1,
              objectiveId: care,
              title: 'Réduire les consommations',
              description: '',
              domain: 'care',
            },
          },
        ]);
    });

    it('refuses an objective without a title, or under an id already used in the project', () => {
      spec
        .given([started])
        .when({ type: 'AddObjective', objectiveId: housing, title: '   ', domain: 'housing' })
        .thenRefuses(refusedWith('OBJECTIVE_TITLE_REQUIRED'));
      spec
        .given([started, housingAdded])
        .when({ type: 'AddObjective', objectiveId: housing, title: 'Autre', domain: 'other' })
        .thenRefuses(refusedWith('OBJECTIVE_ALREADY_EXISTS'));
      // removed from the draft, still in version 1: its id stays taken
      spec
        .given([
          ...afterVersion1,
          version2Opened,
          { type: 'ProjectObjectiveRemoved', data: { projectId, version: 2, objectiveId: housing } },
        ])
        .when({ type: 'AddObjective', objectiveId: housing, title: 'Autre', domain: 'other' })
        .thenRefuses(refusedWith('OBJECTIVE_ALREADY_EXISTS'));
    });

    it('revises a known objective; a revision that changes nothing emits nothing', () => {
      spec
        .given([started, housingAdded])
        .when({
          type: 'ReviseObjective',
          objectiveId: housing,
          title: 'Accéder à un logement',
          description: 'Sortir de l’hébergement d’urgence',
          domain: 'housing',
        })
        .thenEmits([
          {
            type: 'ProjectObjectiveRevised',
            data: {
              projectId,
              version: 1,
              objectiveId: housing,
              title: 'Accéder à un logement',
              description: 'Sortir de l’hébergement d’urgence',
              domain: 'housing',
            },
          },
        ]);
      spec
        .given(afterVersion1)
        .when({
          type: 'ReviseObjective',
          objectiveId: housing,
          title: 'Accéder à un logement autonome ',
          description: 'Sortir de l’hébergement d’urgence',
          domain: 'housing',
        })
        .thenNothingHappens();
    });

    it('refuses to revise, remove, evaluate or add an action to an unknown objective', () => {
      const given = [started, housingAdded];
      spec
        .given(given)
        .when({ type: 'ReviseObjective', objectiveId: care, title: 'Soins', domain: 'care' })
        .thenRefuses(refusedWith('OBJECTIVE_NOT_FOUND'));
      spec
        .given(given)
        .when({ type: 'RemoveObjective', objectiveId: care })
        .thenRefuses(refusedWith('OBJECTIVE_NOT_FOUND'));
      spec
        .given(given)
        .when({
          type: 'EvaluateObjective',
          objectiveId: care,
          evaluatedOn: '2025-06-01',
          result: 'achieved',
          evaluatedBy: 'pro-social',
        })
        .thenRefuses(refusedWith('OBJECTIVE_NOT_FOUND'));
      spec
        .given(given)
        .when({
          type: 'AddAction',
          objectiveId: care,
          actionId: appointment,
          what: 'Rendez-vous',
          who: { kind: 'usager' },
          deadline: '2025-04-01',
        })
        .thenRefuses(refusedWith('OBJECTIVE_NOT_FOUND'));
    });

    it('removes an objective from the draft, with an optional reason', () => {
      spec
        .given([started, housingAdded])
        .when({ type: 'RemoveObjective', objectiveId: housing, reason: ' saisi par erreur ' })
        .thenEmits([
          {
            type: 'ProjectObjectiveRemoved',
            data: { projectId, version: 1, objectiveId: housing, reason: 'saisi par erreur' },
          },
        ]);
      const project = foldEvents(personalisedProjectDecider, [
        started,
        housingAdded,
        { type: 'ProjectObjectiveRemoved', data: { projectId, version: 1, objectiveId: housing } },
      ]);
      assert.ok(project.status === 'active');
      assert.deepEqual(currentProjectVersion(project).objectives, []);
    });
  });

  describe('actions', () => {
    const addApplication = {
      type: 'AddAction',
      objectiveId: housing,
      actionId: application,
      what: ' Déposer la demande de logement social ',
      who: { kind: 'professional', professionalId: 'pro-social' },
      deadline: '2025-04-15',
    } as const;

    it('adds an action: what, who (a professional, the usager, a partner), by when', () => {
      spec.given([started, housingAdded]).when(addApplication).thenEmits([applicationAdded]);
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, who: { kind: 'partner', partner: ' CCAS de Montreuil ' } })
        .thenEmits([
          {
            type: 'ProjectActionAdded',
            data: {
              ...(applicationAdded.data as object),
              who: { kind: 'partner', partner: 'CCAS de Montreuil' },
            } as never,
          },
        ]);
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, who: { kind: 'partner', partner: '  ' } })
        .thenRefuses(refusedWith('ACTION_OWNER_REQUIRED'));
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, what: ' ' })
        .thenRefuses(refusedWith('ACTION_DESCRIPTION_REQUIRED'));
    });

    it('refuses a deadline before the project’s start, and a second action under the same id', () => {
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, deadline: '2025-02-28' })
        .thenRefuses(refusedWith('ACTION_DEADLINE_BEFORE_START'));
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, deadline: start.startedOn })
        .thenEmits([
          {
            type: 'ProjectActionAdded',
            data: { ...(applicationAdded.data as object), deadline: '2025-03-01' } as never,
          },
        ]);
      spec
        .given([started, housingAdded])
        .when({ ...addApplication, deadline: '2025-02-30' })
        .thenRefuses(refusedWith('INVALID_DATE'));
      spec
        .given([started, housingAdded, applicationAdded])
        .when(addApplication)
        .thenRefuses(refusedWith('ACTION_ALREADY_EXISTS'));
    });

    it('revises an action, and completes it once; a completed action no longer changes', () => {
      const given = [started, housingAdded, applicationAdded];
      spec
        .given(given)
        .when({ ...addApplication, type: 'ReviseAction', deadline: '2025-05-15', who: { kind: 'usager' } })
        .thenEmits([
          {
            type: 'ProjectActionRevised',
            data: { ...(applicationAdded.data as object), deadline: '2025-05-15', who: { kind: 'usager' } } as never,
          },
        ]);
      spec
        .given(given)
        .when({ ...addApplication, type: 'ReviseAction' })
        .thenNothingHappens();
      const completed: PersonalisedProjectEvent = {
        type: 'ProjectActionCompleted',
        data: { projectId, version: 1, objectiveId: housing, actionId: application, completedOn: '2025-04-10' },
      };
      spec
        .given(given)
        .when({ type: 'CompleteAction', objectiveId: housing, actionId: application, completedOn: '2025-04-10' })
        .thenEmits([completed]);
      spec
        .given([...given, completed])
        .when({ type: 'CompleteAction', objectiveId: housing, actionId: application, completedOn: '2025-04-11' })
        .thenRefuses(refusedWith('ACTION_ALREADY_COMPLETED'));
      spec
        .given([...given, completed])
        .when({ ...addApplication, type: 'ReviseAction', deadline: '2025-05-15' })
        .thenRefuses(refusedWith('ACTION_ALREADY_COMPLETED'));
      spec
        .given(given)
        .when({ type: 'CompleteAction', objectiveId: housing, actionId: appointment, completedOn: '2025-04-10' })
        .thenRefuses(refusedWith('ACTION_NOT_FOUND'));
      spec
        .given(given)
        .when({ type: 'CompleteAction', objectiveId: housing, actionId: application, completedOn: '2025-01-10' })
        .thenRefuses(refusedWith('ACTION_COMPLETED_BEFORE_START'));
    });
  });

  describe('evaluations', () => {
    const evaluate = {
      type: 'EvaluateObjective',
      objectiveId: housing,
      evaluatedOn: '2025-09-01',
      result: 'partlyAchieved',
      comment: ' Demande déposée, pas encore de proposition ',
      evaluatedBy: 'pro-social',
    } as const;
    const evaluated: PersonalisedProjectEvent = {
      type: 'ProjectObjectiveEvaluated',
      data: {
        projectId,
        version: 1,
        objectiveId: housing,
        evaluatedOn: '2025-09-01',
        result: 'partlyAchieved',
        comment: 'Demande déposée, pas encore de proposition',
        evaluatedBy: 'pro-social',
      },
    };

    it('evaluates a known objective: day, result, comment, by whom', () => {
      spec.given([started, housingAdded]).when(evaluate).thenEmits([evaluated]);
    });

    it('refuses an evaluation before the project’s start or before the objective’s previous one', () => {
      spec
        .given([started, housingAdded])
        .when({ ...evaluate, evaluatedOn: '2025-02-01' })
        .thenRefuses(refusedWith('EVALUATION_BEFORE_START'));
      spec
        .given([started, housingAdded, evaluated])
        .when({ ...evaluate, evaluatedOn: '2025-08-31' })
        .thenRefuses(refusedWith('EVALUATION_BEFORE_PREVIOUS'));
    });

    it('keeps every evaluation, the last one being the objective’s current one', () => {
      const project = foldEvents(personalisedProjectDecider, [
        started,
        housingAdded,
        evaluated,
        { type: 'ProjectObjectiveEvaluated', data: { ...(evaluated.data as object), result: 'achieved' } as never },
      ]);
      assert.ok(project.status === 'active');
      const [objective] = currentProjectVersion(project).objectives;
      assert.deepEqual(
        objective?.evaluations.map((evaluation) => evaluation.result),
        ['partlyAchieved', 'achieved'],
      );
    });
  });

  describe('versions and co-construction', () => {
    it('validates the draft as version 1 with the usager’s part in it, the objectives as validated', () => {
      spec
        .given([started, housingAdded, applicationAdded])
        .when({ ...validate, coConstruction: { ...metWithUsager, usagerWords: ` ${metWithUsager.usagerWords} ` } })
        .thenEmits([version1Validated]);
    });

    it('refuses to validate an empty project, or when nothing changed since the last validation', () => {
      spec.given([started]).when(validate).thenRefuses(refusedWith('PROJECT_EMPTY'));
      spec.given(afterVersion1).when(validate).thenRefuses(refusedWith('NOTHING_TO_VALIDATE'));
      spec
        .given([
          started,
          housingAdded,
          { type: 'ProjectObjectiveRemoved', data: { projectId, version: 1, objectiveId: housing } },
        ])
        .when(validate)
        .thenRefuses(refusedWith('PROJECT_EMPTY'));
    });

    it('refuses a validation without the usager’s participation traced', () => {
      const given = [started, housingAdded];
      spec
        .given(given)
        .when({ ...validate, coConstruction: { ...metWithUsager, usagerWords: '  ' } })
        .thenRefuses(refusedWith('USAGER_WORDS_REQUIRED'));
      spec
        .given(given)
        .when({
          ...validate,
          coConstruction: { meetingOn: '2025-03-20', usagerPresent: false, usagerAgreement: 'notExpressed' },
        })
        .thenRefuses(refusedWith('USAGER_ABSENCE_REASON_REQUIRED'));
      spec
        .given(given)
        .when({ ...validate, coConstruction: { ...metWithUsager, absenceReason: 'hospitalisé' } })
        .thenRefuses(refusedWith('ABSENCE_REASON_WHILE_PRESENT'));
      spec
        .given(given)
        .when({ ...validate, coConstruction: { ...metWithUsager, meetingOn: '2025-03-22' } })
        .thenRefuses(refusedWith('MEETING_AFTER_VALIDATION'));
    });

    it('accepts an absent usager when the reason is given, their words gathered before kept', () => {
      const coConstruction: CoConstruction = {
        meetingOn: '2025-03-20',
        usagerPresent: false,
        usagerWords: 'Souhaite d’abord un logement (entretien du 2025-03-10)',
        usagerAgreement: 'notExpressed',
        absenceReason: 'Hospitalisé le jour de la réunion',
      };
      spec
        .given([started, housingAdded, applicationAdded])
        .when({ ...validate, coConstruction })
        .thenEmits([
          { ...version1Validated, data: { ...(version1Validated.data as object), coConstruction } as never },
        ]);
    });

    it('refuses a validation before the start or before the previous version’s', () => {
      spec
        .given([started, housingAdded])
        .when({ ...validate, validatedOn: '2025-02-01', coConstruction: { ...metWithUsager, meetingOn: '2025-02-01' } })
        .thenRefuses(refusedWith('VALIDATED_BEFORE_START'));
      spec
        .given([
          ...afterVersion1,
          version2Opened,
          { ...housingAdded, data: { ...housingAdded.data, version: 2, objectiveId: care } as never },
        ])
        .when({ ...validate, validatedOn: '2025-03-20', coConstruction: { ...metWithUsager, meetingOn: '2025-03-19' } })
        .thenRefuses(refusedWith('VALIDATED_BEFORE_PREVIOUS_VERSION'));
    });

    it('opens version 2 from version 1 at the first change after validation, and leaves version 1 as it was', () => {
      spec
        .given(afterVersion1)
        .when({ type: 'CompleteAction', objectiveId: housing, actionId: application, completedOn: '2025-04-10' })
        .thenEmits([
          version2Opened,
          {
            type: 'ProjectActionCompleted',
            data: { projectId, version: 2, objectiveId: housing, actionId: application, completedOn: '2025-04-10' },
          },
        ]);
      const project = foldEvents(personalisedProjectDecider, [
        ...afterVersion1,
        version2Opened,
        {
          type: 'ProjectActionCompleted',
          data: { projectId, version: 2, objectiveId: housing, actionId: application, completedOn: '2025-04-10' },
        },
      ]);
      assert.ok(project.status === 'active');
      assert.deepEqual(project.versions[0]?.objectives, [housingObjective]);
      const current = currentProjectVersion(project);
      assert.equal(current.version, 2);
      assert.equal(current.status, 'draft');
      assert.equal(current.objectives[0]?.actions[0]?.completedOn, '2025-04-10');
    });

    it('shows the last validated version as current while no draft is open', () => {
      const project = foldEvents(personalisedProjectDecider, afterVersion1);
      assert.ok(project.status === 'active');
      assert.deepEqual(currentProjectVersion(project), {
        version: 1,
        status: 'validated',
        objectives: [housingObjective],
      });
    });
  });

  it('emits events that match their schemas', () => {
    const events = [...afterVersion1, version2Opened];
    for (const event of events) personalisedProjectEventSchemas[event.type].parse(event.data);
  });

  it('keeps nothing of a forgotten usager, and decides nothing more on their project', () => {
    const erased = afterVersion1.map((event) => ({ ...event, data: { $erased: true } }) as PersonalisedProjectEvent);
    assert.deepEqual(foldEvents(personalisedProjectDecider, erased), { status: 'erased' });
    spec
      .given(erased)
      .when({ type: 'AddObjective', objectiveId: care, title: 'Soins', domain: 'care' })
      .thenRefuses(refusedWith('PROJECT_ERASED'));
    spec
      .given(erased)
      .when({ type: 'StartPersonalisedProject', ...start })
      .thenRefuses(refusedWith('PROJECT_ALREADY_STARTED'));
  });

  describe('whatever the commands', () => {
    const objectiveIds = [housing, care, '0195f0a0-0000-7000-8000-0000000000b3'];
    const actionIds = [application, appointment, '0195f0a0-0000-7000-8000-0000000000c3'];
    const anyDay = fc.integer({ min: 0, max: 400 }).map((n) => {
      const day = new Date(Date.UTC(2025, 1, 15) + n * 86_400_000);
      return day.toISOString().slice(0, 10);
    });
    const anyObjective = fc.constantFrom(...objectiveIds);
    const anyAction = fc.constantFrom(...actionIds);
    const anyText = fc.constantFrom('Logement', 'Soins', ' ', 'Insertion professionnelle');
    const anyOwner = fc.constantFrom(
      { kind: 'usager' } as const,
      { kind: 'professional', professionalId: 'pro-1' } as const,
      { kind: 'partner', partner: 'SPIP 93' } as const,
    );
    const anyCoConstruction = fc.record({
      meetingOn: anyDay,
      usagerPresent: fc.boolean(),
      usagerWords: fc.option(fc.constantFrom('Je veux un logement.', ' '), { nil: undefined }),
      usagerAgreement: fc.constantFrom('agrees', 'partlyAgrees', 'disagrees', 'notExpressed' as const),
      absenceReason: fc.option(fc.constantFrom('Hospitalisé', ''), { nil: undefined }),
    });
    const anyCommand: fc.Arbitrary<PersonalisedProjectCommand> = fc.oneof(
      {
        arbitrary: fc.record({
          type: fc.constant('AddObjective' as const),
          objectiveId: anyObjective,
          title: anyText,
          domain: fc.constantFrom(...objectiveDomains),
        }),
        weight: 3,
      },
      fc.record({
        type: fc.constant('ReviseObjective' as const),
        objectiveId: anyObjective,
        title: anyText,
        domain: fc.constantFrom(...objectiveDomains),
      }),
      fc.record({ type: fc.constant('RemoveObjective' as const), objectiveId: anyObjective }),
      fc.record({
        type: fc.constantFrom('AddAction' as const, 'ReviseAction' as const),
        objectiveId: anyObjective,
        actionId: anyAction,
        what: anyText,
        who: anyOwner,
        deadline: anyDay,
      }),
      fc.record({
        type: fc.constant('CompleteAction' as const),
        objectiveId: anyObjective,
        actionId: anyAction,
        completedOn: anyDay,
      }),
      fc.record({
        type: fc.constant('EvaluateObjective' as const),
        objectiveId: anyObjective,
        evaluatedOn: anyDay,
        result: fc.constantFrom(...evaluationResults),
        evaluatedBy: fc.constant('pro-1'),
      }),
      {
        arbitrary: fc.record({
          type: fc.constant('ValidateVersion' as const),
          validatedOn: anyDay,
          validatedBy: fc.constant('pro-director'),
          coConstruction: anyCoConstruction,
        }),
        weight: 3,
      },
    );

    /** Runs the commands from a started project, each refused one leaving no trace. */
    function run(commands: readonly PersonalisedProjectCommand[]) {
      let project: PersonalisedProject = foldEvents(personalisedProjectDecider, [started]);
      const log: PersonalisedProjectEvent[] = [started];
      const frozen: ProjectObjective[][] = [];
      const check = () => {
        assert.ok(project.status === 'active');
        project.versions.forEach((version, index) => {
          assert.deepEqual(version.objectives, frozen[index], `version ${index + 1} changed`);
        });
      };
      for (const command of commands) {
        let events: readonly PersonalisedProjectEvent[];
        try {
          events = asEventList(personalisedProjectDecider.decide(command, project));
        } catch (error) {
          if (!(error instanceof DomainRuleViolation)) throw error;
          continue;
        }
        assert.ok(project.status === 'active');
        const shownBefore = structuredClone(currentProjectVersion(project));
        for (const event of events) {
          personalisedProjectEventSchemas[event.type].parse(event.data);
          if (event.type === 'ProjectVersionValidated') {
            const data = event.data as ProjectVersionValidated;
            assert.deepEqual(data.objectives, shownBefore.objectives, 'validates what the team saw');
            frozen.push(structuredClone(data.objectives));
          }
          project = personalisedProjectDecider.evolve(project, event);
        }
        log.push(...events);
        check();
      }
      return { project, log };
    }

    it('never changes a validated version: each keeps the content it was validated with', () => {
      let runsWithTwoVersions = 0;
      fc.assert(
        fc.property(fc.array(anyCommand, { maxLength: 40, size: 'max' }), (commands) => {
          const { project, log } = run(commands);
          if (project.status === 'active' && project.versions.length >= 2) runsWithTwoVersions += 1;
          // and folding the whole log again gives the same project
          assert.deepEqual(foldEvents(personalisedProjectDecider, log), project);
        }),
        { numRuns: 400 },
      );
      // the property is not vacuous: versions were validated, then changed and validated again
      // 17 to 29 of 400 runs reach one (over 30 seeds): a floor of 20 failed by chance now and then
      assert.ok(runsWithTwoVersions >= 5, `only ${runsWithTwoVersions} runs reached a second version`);
    });

    it('numbers versions one by one, and changes only the draft', () => {
      fc.assert(
        fc.property(fc.array(anyCommand, { maxLength: 40, size: 'max' }), (commands) => {
          const { project, log } = run(commands);
          assert.ok(project.status === 'active');
          project.versions.forEach((version, index) => {
            assert.equal(version.version, index + 1);
          });
          if (project.draft !== undefined) assert.equal(project.draft.version, project.versions.length + 1);
          let draft: number | undefined = 1;
          let validated = 0;
          for (const event of log.slice(1)) {
            const { version } = event.data as { version: number };
            if (event.type === 'ProjectVersionOpened') {
              assert.equal(draft, undefined, 'a version opens only once the previous one is validated');
              assert.equal(version, validated + 1);
              draft = version;
            } else {
              assert.equal(version, draft, `${event.type} goes to the draft`);
              if (event.type === 'ProjectVersionValidated') {
                validated = version;
                draft = undefined;
              }
            }
          }
        }),
        { numRuns: 400 },
      );
    });

    it('validates only a version with objectives, with the usager’s participation or the reason of their absence', () => {
      fc.assert(
        fc.property(fc.array(anyCommand, { maxLength: 40, size: 'max' }), (commands) => {
          const { project } = run(commands);
          assert.ok(project.status === 'active');
          for (const version of project.versions) {
            assert.ok(version.objectives.length > 0);
            const { usagerPresent, usagerWords, absenceReason } = version.coConstruction;
            assert.ok(usagerPresent ? Boolean(usagerWords) : Boolean(absenceReason));
            for (const objective of version.objectives) {
              for (const action of objective.actions) assert.ok(action.deadline >= start.startedOn);
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('the deadline rule of actions', () => {
    it('warns from deadline − lead to the deadline, then says overdue; nothing once completed', () => {
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30' }, '2025-04-14'), 'none');
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30' }, '2025-04-15'), 'due-soon');
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30' }, '2025-04-30'), 'due-soon');
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30' }, '2025-05-01'), 'overdue');
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30', completedOn: '2025-04-01' }, '2025-05-01'), 'none');
      assert.equal(actionDeadlineWarning({ deadline: '2025-04-30' }, '2025-04-29', 0), 'none');
      assert.equal(ACTION_DUE_SOON_DAYS, 15);
    });

    it('says overdue exactly when the day count is negative, due soon within the lead', () => {
      const MS_PER_DAY = 86_400_000;
      const dayOf = (n: number) => new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
      fc.assert(
        fc.property(
          fc.integer({ min: 10_000, max: 30_000 }),
          fc.integer({ min: -400, max: 400 }),
          fc.integer({ min: 0, max: 90 }),
          (deadline, offset, lead) => {
            const expected = offset < 0 ? 'overdue' : offset <= lead ? 'due-soon' : 'none';
            assert.equal(
              actionDeadlineWarning({ deadline: dayOf(deadline) }, dayOf(deadline - offset), lead),
              expected,
            );
          },
        ),
        { numRuns: 1_000 },
      );
    });
  });
});
