import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import {
  type ActionOwner,
  actionOwnerSchema,
  type CoConstruction,
  coConstructionSchema,
  type EvaluationResult,
  evaluationResultSchema,
  type ObjectiveDomain,
  objectiveDomainSchema,
  PROJECT_PARTNER_MAX_LENGTH,
  PROJECT_TEXT_MAX_LENGTH,
  PROJECT_TITLE_MAX_LENGTH,
  type ProjectAction,
  type ProjectObjective,
  projectDaySchema,
  projectObjectiveSchema,
} from './project-content.js';

/**
 * The personalised project (projet personnalisé) of a usager in one accompaniment: objectives,
 * the actions that serve them (what, who, by when), the evaluation of each objective, in
 * versions built with the usager.
 *
 * Decisions taken here:
 * - One stream per project (`personalisedProjectStreamId`): its versions, objectives and actions
 *   change together under one rule (a validated version never changes), so they share one
 *   consistency boundary. A project belongs to one accompaniment (usager, ESSMS, stay).
 * - Versions: starting a project opens draft version 1. Validating the draft freezes it as
 *   version N; the first change after that opens draft N+1 as a copy of N
 *   (`ProjectVersionOpened`, emitted with the change), and every change goes to the draft. A
 *   revision that changes nothing is no change: it emits nothing and opens no version.
 * - Every change, evaluations and completed actions included, goes to the draft: the evaluations
 *   made between two validations are frozen with the next one, which is when the team reviews the
 *   project with the usager.
 * - `ProjectVersionValidated` carries the objectives as validated: what the usager agreed to is one
 *   event, readable alone and covered by the hash chain.
 * - Co-construction is recorded at every validation, never skipped: the meeting day, whether the
 *   usager was there, their words and wishes, whether they agree. A present usager's words are
 *   required; an absent usager's reason for not taking part is required instead (their words may
 *   still be recorded, gathered beforehand). A usager who disagrees does not block the validation:
 *   their disagreement is what gets traced.
 * - Days are calendar days (`YYYY-MM-DD`) given with the command: the domain holds no clock. No
 *   deadline, completion, evaluation or validation precedes the project's start; evaluations of
 *   an objective and validations go forward in time.
 * - Ids of objectives and actions are the caller's (uuids), unique within the project, validated
 *   versions included: an objective keeps its id, and its evaluations, from version to version.
 */
export const MAX_PROJECT_OBJECTIVES = 50;
export const MAX_ACTIONS_PER_OBJECTIVE = 50;
export const MAX_EVALUATIONS_PER_OBJECTIVE = 100;

const id = z.string().min(1).max(200);
const versionNumber = z.int().min(1);

export const personalisedProjectStartedSchema = z.object({
  projectId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  accompanimentId: z.uuid(),
  startedOn: projectDaySchema,
  startedBy: id,
});
export const projectVersionOpenedSchema = z.object({
  projectId: z.uuid(),
  version: versionNumber,
  fromVersion: versionNumber,
});
const objectiveFields = {
  projectId: z.uuid(),
  version: versionNumber,
  objectiveId: z.uuid(),
};
export const projectObjectiveAddedSchema = z.object({
  ...objectiveFields,
  title: z.string().min(1).max(PROJECT_TITLE_MAX_LENGTH),
  description: z.string().max(PROJECT_TEXT_MAX_LENGTH),
  domain: objectiveDomainSchema,
});
export const projectObjectiveRevisedSchema = projectObjectiveAddedSchema;
export const projectObjectiveRemovedSchema = z.object({
  ...objectiveFields,
  reason: z.string().max(PROJECT_TEXT_MAX_LENGTH).optional(),
});
export const projectActionAddedSchema = z.object({
  ...objectiveFields,
  actionId: z.uuid(),
  what: z.string().min(1).max(PROJECT_TEXT_MAX_LENGTH),
  who: actionOwnerSchema,
  deadline: projectDaySchema,
});
export const projectActionRevisedSchema = projectActionAddedSchema;
export const projectActionCompletedSchema = z.object({
  ...objectiveFields,
  actionId: z.uuid(),
  completedOn: projectDaySchema,
});
export const projectObjectiveEvaluatedSchema = z.object({
  ...objectiveFields,
  evaluatedOn: projectDaySchema,
  result: evaluationResultSchema,
  comment: z.string().max(PROJECT_TEXT_MAX_LENGTH),
  evaluatedBy: id,
});
export const projectVersionValidatedSchema = z.object({
  projectId: z.uuid(),
  version: versionNumber,
  validatedOn: projectDaySchema,
  validatedBy: id,
  coConstruction: coConstructionSchema,
  objectives: z.array(projectObjectiveSchema).min(1).max(MAX_PROJECT_OBJECTIVES),
});

export type PersonalisedProjectStarted = z.infer<typeof personalisedProjectStartedSchema>;
export type ProjectVersionOpened = z.infer<typeof projectVersionOpenedSchema>;
export type ProjectObjectiveAdded = z.infer<typeof projectObjectiveAddedSchema>;
export type ProjectObjectiveRevised = z.infer<typeof projectObjectiveRevisedSchema>;
export type ProjectObjectiveRemoved = z.infer<typeof projectObjectiveRemovedSchema>;
export type ProjectActionAdded = z.infer<typeof projectActionAddedSchema>;
export type ProjectActionRevised = z.infer<typeof projectActionRevisedSchema>;
export type ProjectActionCompleted = z.infer<typeof projectActionCompletedSchema>;
export type ProjectObjectiveEvaluated = z.infer<typeof projectObjectiveEvaluatedSchema>;
export type ProjectVersionValidated = z.infer<typeof projectVersionValidatedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedPersonalisedProjectData {
  $erased: true;
}

type Erasable<Data> = Data | ErasedPersonalisedProjectData;

export type PersonalisedProjectEvent =
  | { type: 'PersonalisedProjectStarted'; data: Erasable<PersonalisedProjectStarted> }
  | { type: 'ProjectVersionOpened'; data: Erasable<ProjectVersionOpened> }
  | { type: 'ProjectObjectiveAdded'; data: Erasable<ProjectObjectiveAdded> }
  | { type: 'ProjectObjectiveRevised'; data: Erasable<ProjectObjectiveRevised> }
  | { type: 'ProjectObjectiveRemoved'; data: Erasable<ProjectObjectiveRemoved> }
  | { type: 'ProjectActionAdded'; data: Erasable<ProjectActionAdded> }
  | { type: 'ProjectActionRevised'; data: Erasable<ProjectActionRevised> }
  | { type: 'ProjectActionCompleted'; data: Erasable<ProjectActionCompleted> }
  | { type: 'ProjectObjectiveEvaluated'; data: Erasable<ProjectObjectiveEvaluated> }
  | { type: 'ProjectVersionValidated'; data: Erasable<ProjectVersionValidated> };

export type PersonalisedProjectEventType = PersonalisedProjectEvent['type'];

export const personalisedProjectEventSchemas = {
  PersonalisedProjectStarted: personalisedProjectStartedSchema,
  ProjectVersionOpened: projectVersionOpenedSchema,
  ProjectObjectiveAdded: projectObjectiveAddedSchema,
  ProjectObjectiveRevised: projectObjectiveRevisedSchema,
  ProjectObjectiveRemoved: projectObjectiveRemovedSchema,
  ProjectActionAdded: projectActionAddedSchema,
  ProjectActionRevised: projectActionRevisedSchema,
  ProjectActionCompleted: projectActionCompletedSchema,
  ProjectObjectiveEvaluated: projectObjectiveEvaluatedSchema,
  ProjectVersionValidated: projectVersionValidatedSchema,
} as const;

export type PersonalisedProjectCommand =
  | ({ type: 'StartPersonalisedProject' } & PersonalisedProjectStarted)
  | { type: 'AddObjective'; objectiveId: string; title: string; description?: string; domain: ObjectiveDomain }
  | { type: 'ReviseObjective'; objectiveId: string; title: string; description?: string; domain: ObjectiveDomain }
  | { type: 'RemoveObjective'; objectiveId: string; reason?: string }
  | { type: 'AddAction'; objectiveId: string; actionId: string; what: string; who: ActionOwner; deadline: string }
  | { type: 'ReviseAction'; objectiveId: string; actionId: string; what: string; who: ActionOwner; deadline: string }
  | { type: 'CompleteAction'; objectiveId: string; actionId: string; completedOn: string }
  | {
      type: 'EvaluateObjective';
      objectiveId: string;
      evaluatedOn: string;
      result: EvaluationResult;
      comment?: string;
      evaluatedBy: string;
    }
  | { type: 'ValidateVersion'; validatedOn: string; validatedBy: string; coConstruction: CoConstruction };

/** The version the team works on, not yet validated. */
export interface ProjectDraft {
  version: number;
  /** The validated version it was opened from; undefined for version 1. */
  openedFrom: number | undefined;
  objectives: readonly ProjectObjective[];
}

/** A frozen version: what was validated, when, by whom, with the usager's part in it. */
export interface ValidatedProjectVersion {
  version: number;
  validatedOn: string;
  validatedBy: string;
  coConstruction: CoConstruction;
  objectives: readonly ProjectObjective[];
}

export type PersonalisedProject =
  | { status: 'none' }
  /** A forgotten usager's project: nothing of it is left to decide on. */
  | { status: 'erased' }
  | {
      status: 'active';
      projectId: string;
      serviceUserId: string;
      facilityId: string;
      accompanimentId: string;
      startedOn: string;
      /** Oldest first; `versions[i].version === i + 1`. */
      versions: readonly ValidatedProjectVersion[];
      /** Undefined while the last validated version is the current one. */
      draft: ProjectDraft | undefined;
    };

type ActiveProject = Extract<PersonalisedProject, { status: 'active' }>;

/** One stream per project; the organisation escaped, so that no two tenants share one. */
export function personalisedProjectStreamId(organisationId: string, projectId: string): string {
  return `personalised-project/${encodeURIComponent(organisationId)}/${projectId}`;
}

/** The version staff see as the project: the draft when one is open, else the last validated one. */
export function currentProjectVersion(project: ActiveProject): {
  version: number;
  status: 'draft' | 'validated';
  objectives: readonly ProjectObjective[];
} {
  if (project.draft !== undefined) {
    return { version: project.draft.version, status: 'draft', objectives: project.draft.objectives };
  }
  const last = project.versions.at(-1);
  return { version: last?.version ?? 1, status: 'validated', objectives: last?.objectives ?? [] };
}

export const personalisedProjectDecider: Decider<
  PersonalisedProjectCommand,
  PersonalisedProjectEvent,
  PersonalisedProject
> = {
  initialState: () => ({ status: 'none' }),

  decide(command, project) {
    if (command.type === 'StartPersonalisedProject') {
      if (project.status !== 'none') {
        throw new DomainRuleViolation(
          'PROJECT_ALREADY_STARTED',
          'Un projet personnalisé existe déjà sous cet identifiant.',
          { projectId: command.projectId },
        );
      }
      requireDay(command.startedOn, 'startedOn');
      return {
        type: 'PersonalisedProjectStarted',
        data: {
          projectId: command.projectId,
          serviceUserId: command.serviceUserId,
          facilityId: command.facilityId,
          accompanimentId: command.accompanimentId,
          startedOn: command.startedOn,
          startedBy: command.startedBy,
        },
      };
    }
    const current = active(project);
    const { objectives } = currentProjectVersion(current);
    switch (command.type) {
      case 'AddObjective': {
        if (everyObjectiveId(current).has(command.objectiveId)) {
          throw new DomainRuleViolation(
            'OBJECTIVE_ALREADY_EXISTS',
            'Un objectif porte déjà cet identifiant dans ce projet.',
            { objectiveId: command.objectiveId },
          );
        }
        if (objectives.length >= MAX_PROJECT_OBJECTIVES) {
          throw new DomainRuleViolation(
            'TOO_MANY_OBJECTIVES',
            `Pas plus de ${MAX_PROJECT_OBJECTIVES} objectifs par projet.`,
            {
              max: MAX_PROJECT_OBJECTIVES,
            },
          );
        }
        return change(current, (version) => ({
          type: 'ProjectObjectiveAdded',
          data: { projectId: current.projectId, version, objectiveId: command.objectiveId, ...objectiveText(command) },
        }));
      }
      case 'ReviseObjective': {
        const objective = requireObjective(objectives, command.objectiveId, 'modifier');
        const revised = objectiveText(command);
        if (
          revised.title === objective.title &&
          revised.description === objective.description &&
          revised.domain === objective.domain
        ) {
          return [];
        }
        return change(current, (version) => ({
          type: 'ProjectObjectiveRevised',
          data: { projectId: current.projectId, version, objectiveId: command.objectiveId, ...revised },
        }));
      }
      case 'RemoveObjective': {
        requireObjective(objectives, command.objectiveId, 'retirer');
        const reason = command.reason === undefined ? '' : optionalText(command.reason, PROJECT_TEXT_MAX_LENGTH);
        return change(current, (version) => ({
          type: 'ProjectObjectiveRemoved',
          data: {
            projectId: current.projectId,
            version,
            objectiveId: command.objectiveId,
            ...(reason === '' ? {} : { reason }),
          },
        }));
      }
      case 'AddAction': {
        const objective = requireObjective(objectives, command.objectiveId, 'compléter d’une action');
        if (everyActionId(current).has(command.actionId)) {
          throw new DomainRuleViolation(
            'ACTION_ALREADY_EXISTS',
            'Une action porte déjà cet identifiant dans ce projet.',
            { actionId: command.actionId },
          );
        }
        if (objective.actions.length >= MAX_ACTIONS_PER_OBJECTIVE) {
          throw new DomainRuleViolation(
            'TOO_MANY_ACTIONS',
            `Pas plus de ${MAX_ACTIONS_PER_OBJECTIVE} actions par objectif.`,
            { max: MAX_ACTIONS_PER_OBJECTIVE },
          );
        }
        const terms = actionTerms(current, command);
        return change(current, (version) => ({
          type: 'ProjectActionAdded',
          data: {
            projectId: current.projectId,
            version,
            objectiveId: command.objectiveId,
            actionId: command.actionId,
            ...terms,
          },
        }));
      }
      case 'ReviseAction': {
        const objective = requireObjective(objectives, command.objectiveId, 'modifier');
        const action = requireAction(objective, command.actionId);
        if (action.completedOn !== undefined) {
          throw new DomainRuleViolation(
            'ACTION_ALREADY_COMPLETED',
            'Cette action est réalisée : elle ne se modifie plus.',
            { actionId: command.actionId },
          );
        }
        const terms = actionTerms(current, command);
        if (terms.what === action.what && terms.deadline === action.deadline && sameOwner(terms.who, action.who)) {
          return [];
        }
        return change(current, (version) => ({
          type: 'ProjectActionRevised',
          data: {
            projectId: current.projectId,
            version,
            objectiveId: command.objectiveId,
            actionId: command.actionId,
            ...terms,
          },
        }));
      }
      case 'CompleteAction': {
        const objective = requireObjective(objectives, command.objectiveId, 'modifier');
        const action = requireAction(objective, command.actionId);
        if (action.completedOn !== undefined) {
          throw new DomainRuleViolation('ACTION_ALREADY_COMPLETED', 'Cette action est déjà réalisée.', {
            actionId: command.actionId,
            completedOn: action.completedOn,
          });
        }
        requireDay(command.completedOn, 'completedOn');
        requireNotBeforeStart(current, command.completedOn, 'ACTION_COMPLETED_BEFORE_START', 'La réalisation');
        return change(current, (version) => ({
          type: 'ProjectActionCompleted',
          data: {
            projectId: current.projectId,
            version,
            objectiveId: command.objectiveId,
            actionId: command.actionId,
            completedOn: command.completedOn,
          },
        }));
      }
      case 'EvaluateObjective': {
        const objective = requireObjective(objectives, command.objectiveId, 'évaluer');
        requireDay(command.evaluatedOn, 'evaluatedOn');
        requireNotBeforeStart(current, command.evaluatedOn, 'EVALUATION_BEFORE_START', 'L’évaluation');
        const previous = objective.evaluations.at(-1);
        if (previous !== undefined && command.evaluatedOn < previous.evaluatedOn) {
          throw new DomainRuleViolation(
            'EVALUATION_BEFORE_PREVIOUS',
            'Une évaluation ne peut pas précéder la précédente évaluation de cet objectif.',
            { previous: previous.evaluatedOn, evaluatedOn: command.evaluatedOn },
          );
        }
        if (objective.evaluations.length >= MAX_EVALUATIONS_PER_OBJECTIVE) {
          throw new DomainRuleViolation(
            'TOO_MANY_EVALUATIONS',
            `Pas plus de ${MAX_EVALUATIONS_PER_OBJECTIVE} évaluations par objectif.`,
            { max: MAX_EVALUATIONS_PER_OBJECTIVE },
          );
        }
        const comment = command.comment === undefined ? '' : optionalText(command.comment, PROJECT_TEXT_MAX_LENGTH);
        return change(current, (version) => ({
          type: 'ProjectObjectiveEvaluated',
          data: {
            projectId: current.projectId,
            version,
            objectiveId: command.objectiveId,
            evaluatedOn: command.evaluatedOn,
            result: command.result,
            comment,
            evaluatedBy: command.evaluatedBy,
          },
        }));
      }
      case 'ValidateVersion': {
        const draft = current.draft;
        if (draft === undefined) {
          throw new DomainRuleViolation(
            'NOTHING_TO_VALIDATE',
            'Aucune modification à valider : la dernière version est déjà validée.',
            { version: current.versions.at(-1)?.version },
          );
        }
        if (draft.objectives.length === 0) {
          throw new DomainRuleViolation(
            'PROJECT_EMPTY',
            'Un projet personnalisé sans objectif ne peut pas être validé.',
            { version: draft.version },
          );
        }
        requireDay(command.validatedOn, 'validatedOn');
        requireNotBeforeStart(current, command.validatedOn, 'VALIDATED_BEFORE_START', 'La validation');
        const previous = current.versions.at(-1);
        if (previous !== undefined && command.validatedOn < previous.validatedOn) {
          throw new DomainRuleViolation(
            'VALIDATED_BEFORE_PREVIOUS_VERSION',
            'Une version ne peut pas être validée avant la version précédente.',
            { previous: previous.validatedOn, validatedOn: command.validatedOn },
          );
        }
        const coConstruction = requireCoConstruction(command.coConstruction, command.validatedOn);
        return {
          type: 'ProjectVersionValidated',
          data: {
            projectId: current.projectId,
            version: draft.version,
            validatedOn: command.validatedOn,
            validatedBy: command.validatedBy,
            coConstruction,
            objectives: draft.objectives.map(copyObjective),
          },
        };
      }
    }
  },

  evolve(project, event) {
    if ('$erased' in event.data) return { status: 'erased' };
    if (event.type === 'PersonalisedProjectStarted') {
      const { startedBy: _, ...data } = event.data as PersonalisedProjectStarted;
      return { status: 'active', ...data, versions: [], draft: { version: 1, openedFrom: undefined, objectives: [] } };
    }
    if (project.status !== 'active') return project;
    switch (event.type) {
      case 'ProjectVersionOpened': {
        const data = event.data as ProjectVersionOpened;
        const from = project.versions.find((version) => version.version === data.fromVersion);
        return {
          ...project,
          draft: { version: data.version, openedFrom: data.fromVersion, objectives: from?.objectives ?? [] },
        };
      }
      case 'ProjectObjectiveAdded': {
        const { projectId: _, version: __, ...objective } = event.data as ProjectObjectiveAdded;
        return inDraft(project, (objectives) => [...objectives, { ...objective, actions: [], evaluations: [] }]);
      }
      case 'ProjectObjectiveRevised': {
        const { objectiveId, title, description, domain } = event.data as ProjectObjectiveRevised;
        return onObjective(project, objectiveId, (objective) => ({ ...objective, title, description, domain }));
      }
      case 'ProjectObjectiveRemoved': {
        const { objectiveId } = event.data as ProjectObjectiveRemoved;
        return inDraft(project, (objectives) =>
          objectives.filter((objective) => objective.objectiveId !== objectiveId),
        );
      }
      case 'ProjectActionAdded': {
        const { objectiveId, actionId, what, who, deadline } = event.data as ProjectActionAdded;
        return onObjective(project, objectiveId, (objective) => ({
          ...objective,
          actions: [...objective.actions, { actionId, what, who, deadline }],
        }));
      }
      case 'ProjectActionRevised': {
        const { objectiveId, actionId, what, who, deadline } = event.data as ProjectActionRevised;
        return onAction(project, objectiveId, actionId, (action) => ({ ...action, what, who, deadline }));
      }
      case 'ProjectActionCompleted': {
        const { objectiveId, actionId, completedOn } = event.data as ProjectActionCompleted;
        return onAction(project, objectiveId, actionId, (action) => ({ ...action, completedOn }));
      }
      case 'ProjectObjectiveEvaluated': {
        const { objectiveId, evaluatedOn, result, comment, evaluatedBy } = event.data as ProjectObjectiveEvaluated;
        return onObjective(project, objectiveId, (objective) => ({
          ...objective,
          evaluations: [...objective.evaluations, { evaluatedOn, result, comment, evaluatedBy }],
        }));
      }
      case 'ProjectVersionValidated': {
        const { projectId: _, ...validated } = event.data as ProjectVersionValidated;
        return { ...project, versions: [...project.versions, validated], draft: undefined };
      }
    }
  },
};

/** The events of a change: opening the next version first when the current one is validated. */
function change(
  project: ActiveProject,
  changed: (version: number) => PersonalisedProjectEvent,
): PersonalisedProjectEvent[] {
  if (project.draft !== undefined) return [changed(project.draft.version)];
  const last = project.versions.at(-1)?.version ?? 0;
  const version = last + 1;
  return [
    { type: 'ProjectVersionOpened', data: { projectId: project.projectId, version, fromVersion: last } },
    changed(version),
  ];
}

function inDraft(
  project: ActiveProject,
  update: (objectives: readonly ProjectObjective[]) => ProjectObjective[],
): ActiveProject {
  if (project.draft === undefined) return project;
  return { ...project, draft: { ...project.draft, objectives: update(project.draft.objectives) } };
}

function onObjective(
  project: ActiveProject,
  objectiveId: string,
  update: (objective: ProjectObjective) => ProjectObjective,
): ActiveProject {
  return inDraft(project, (objectives) =>
    objectives.map((objective) => (objective.objectiveId === objectiveId ? update(objective) : objective)),
  );
}

function onAction(
  project: ActiveProject,
  objectiveId: string,
  actionId: string,
  update: (action: ProjectAction) => ProjectAction,
): ActiveProject {
  return onObjective(project, objectiveId, (objective) => ({
    ...objective,
    actions: objective.actions.map((action) => (action.actionId === actionId ? update(action) : action)),
  }));
}

function copyObjective(objective: ProjectObjective): ProjectObjective {
  return {
    ...objective,
    actions: objective.actions.map((action) => ({ ...action, who: { ...action.who } })),
    evaluations: objective.evaluations.map((evaluation) => ({ ...evaluation })),
  };
}

function active(project: PersonalisedProject): ActiveProject {
  if (project.status === 'none') {
    throw new DomainRuleViolation('PROJECT_NOT_STARTED', 'Aucun projet personnalisé sous cet identifiant.');
  }
  if (project.status === 'erased') {
    throw new DomainRuleViolation('PROJECT_ERASED', 'Ce projet personnalisé concerne une personne oubliée.');
  }
  return project;
}

function everyObjectiveId(project: ActiveProject): Set<string> {
  const ids = new Set<string>();
  for (const { objectives } of [...project.versions, ...(project.draft ? [project.draft] : [])]) {
    for (const objective of objectives) ids.add(objective.objectiveId);
  }
  return ids;
}

function everyActionId(project: ActiveProject): Set<string> {
  const ids = new Set<string>();
  for (const { objectives } of [...project.versions, ...(project.draft ? [project.draft] : [])]) {
    for (const objective of objectives) for (const action of objective.actions) ids.add(action.actionId);
  }
  return ids;
}

function requireObjective(objectives: readonly ProjectObjective[], objectiveId: string, verb: string) {
  const objective = objectives.find((candidate) => candidate.objectiveId === objectiveId);
  if (objective === undefined) {
    throw new DomainRuleViolation(
      'OBJECTIVE_NOT_FOUND',
      `Aucun objectif à ${verb} sous cet identifiant dans la version en cours du projet.`,
      { objectiveId },
    );
  }
  return objective;
}

function requireAction(objective: ProjectObjective, actionId: string): ProjectAction {
  const action = objective.actions.find((candidate) => candidate.actionId === actionId);
  if (action === undefined) {
    throw new DomainRuleViolation('ACTION_NOT_FOUND', 'Aucune action sous cet identifiant pour cet objectif.', {
      actionId,
    });
  }
  return action;
}

function objectiveText(command: { title: string; description?: string; domain: ObjectiveDomain }) {
  const title = command.title.trim();
  if (title.length === 0) {
    throw new DomainRuleViolation('OBJECTIVE_TITLE_REQUIRED', 'Un objectif doit avoir un intitulé.');
  }
  if (title.length > PROJECT_TITLE_MAX_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `L’intitulé dépasse ${PROJECT_TITLE_MAX_LENGTH} caractères.`, {
      maxLength: PROJECT_TITLE_MAX_LENGTH,
    });
  }
  const description = optionalText(command.description ?? '', PROJECT_TEXT_MAX_LENGTH);
  return { title, description, domain: command.domain };
}

function actionTerms(
  project: ActiveProject,
  command: { what: string; who: ActionOwner; deadline: string },
): { what: string; who: ActionOwner; deadline: string } {
  const what = command.what.trim();
  if (what.length === 0) {
    throw new DomainRuleViolation('ACTION_DESCRIPTION_REQUIRED', 'Dites en quoi consiste l’action.');
  }
  if (what.length > PROJECT_TEXT_MAX_LENGTH) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${PROJECT_TEXT_MAX_LENGTH} caractères.`, {
      maxLength: PROJECT_TEXT_MAX_LENGTH,
    });
  }
  requireDay(command.deadline, 'deadline');
  if (command.deadline < project.startedOn) {
    throw new DomainRuleViolation(
      'ACTION_DEADLINE_BEFORE_START',
      'L’échéance d’une action ne peut pas précéder le début du projet.',
      { startedOn: project.startedOn, deadline: command.deadline },
    );
  }
  return { what, who: owner(command.who), deadline: command.deadline };
}

function owner(who: ActionOwner): ActionOwner {
  switch (who.kind) {
    case 'professional': {
      const professionalId = who.professionalId.trim();
      if (professionalId.length === 0) {
        throw new DomainRuleViolation('ACTION_OWNER_REQUIRED', 'Indiquez le professionnel qui mène l’action.');
      }
      return { kind: 'professional', professionalId };
    }
    case 'usager':
      return { kind: 'usager' };
    case 'partner': {
      const partner = who.partner.trim();
      if (partner.length === 0) {
        throw new DomainRuleViolation('ACTION_OWNER_REQUIRED', 'Nommez le partenaire qui mène l’action.');
      }
      if (partner.length > PROJECT_PARTNER_MAX_LENGTH) {
        throw new DomainRuleViolation(
          'TEXT_TOO_LONG',
          `Le nom du partenaire dépasse ${PROJECT_PARTNER_MAX_LENGTH} caractères.`,
          {
            maxLength: PROJECT_PARTNER_MAX_LENGTH,
          },
        );
      }
      return { kind: 'partner', partner };
    }
  }
}

function sameOwner(a: ActionOwner, b: ActionOwner): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function requireCoConstruction(given: CoConstruction, validatedOn: string): CoConstruction {
  requireDay(given.meetingOn, 'coConstruction.meetingOn');
  if (given.meetingOn > validatedOn) {
    throw new DomainRuleViolation(
      'MEETING_AFTER_VALIDATION',
      'La rencontre avec l’usager ne peut pas suivre la validation de la version.',
      { meetingOn: given.meetingOn, validatedOn },
    );
  }
  const usagerWords = optionalText(given.usagerWords ?? '', PROJECT_TEXT_MAX_LENGTH);
  const absenceReason = optionalText(given.absenceReason ?? '', PROJECT_TEXT_MAX_LENGTH);
  if (given.usagerPresent) {
    if (usagerWords === '') {
      throw new DomainRuleViolation(
        'USAGER_WORDS_REQUIRED',
        'La co-construction doit être tracée : notez les mots et les souhaits de l’usager.',
      );
    }
    if (absenceReason !== '') {
      throw new DomainRuleViolation(
        'ABSENCE_REASON_WHILE_PRESENT',
        'L’usager est noté présent : le motif de son absence n’a pas lieu d’être.',
      );
    }
  } else if (absenceReason === '') {
    throw new DomainRuleViolation(
      'USAGER_ABSENCE_REASON_REQUIRED',
      'Sans la participation de l’usager, indiquez pourquoi il n’a pas pu prendre part à cette version.',
    );
  }
  return {
    meetingOn: given.meetingOn,
    usagerPresent: given.usagerPresent,
    ...(usagerWords === '' ? {} : { usagerWords }),
    usagerAgreement: given.usagerAgreement,
    ...(absenceReason === '' ? {} : { absenceReason }),
  };
}

function requireNotBeforeStart(project: ActiveProject, day: string, code: string, what: string): void {
  if (day < project.startedOn) {
    throw new DomainRuleViolation(code, `${what} ne peut pas précéder le début du projet.`, {
      startedOn: project.startedOn,
      day,
    });
  }
}

function optionalText(value: string, maxLength: number): string {
  const trimmed = value.trim();
  if (trimmed.length > maxLength) {
    throw new DomainRuleViolation('TEXT_TOO_LONG', `Le texte dépasse ${maxLength} caractères.`, { maxLength });
  }
  return trimmed;
}

function requireDay(value: string, field: string): void {
  if (!projectDaySchema.safeParse(value).success) {
    throw new DomainRuleViolation('INVALID_DATE', `Date invalide (AAAA-MM-JJ) : ${field}.`, { field, value });
  }
}
