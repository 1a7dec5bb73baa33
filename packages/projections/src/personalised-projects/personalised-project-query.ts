import type {
  ActionOwner,
  CoConstruction,
  ObjectiveDomain,
  ObjectiveEvaluation,
  ProjectObjective,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

export type ProjectVersionStatus = 'draft' | 'validated';

export interface ProjectActionView {
  actionId: string;
  what: string;
  who: ActionOwner;
  deadline: string;
  completedOn: string | null;
}

export interface ProjectObjectiveView {
  objectiveId: string;
  title: string;
  description: string;
  domain: ObjectiveDomain;
  actions: ProjectActionView[];
  /** Oldest first. */
  evaluations: ObjectiveEvaluation[];
  lastEvaluation: ObjectiveEvaluation | null;
}

/** One version in a project's history: a draft, or validated with the usager's co-construction. */
export interface ProjectVersionSummary {
  version: number;
  status: ProjectVersionStatus;
  openedFrom: number | null;
  validatedOn: string | null;
  validatedBy: string | null;
  coConstruction: CoConstruction | null;
}

/** Whose project it is, and where: what access checks and the access log need. */
export interface ProjectHeader {
  projectId: string;
  serviceUserId: string;
  facilityId: string;
  accompanimentId: string;
  startedOn: string;
  startedBy: string;
  /** The revision of the project's stream, for `If-Match`. */
  revision: number;
}

export interface PersonalisedProjectView extends ProjectHeader {
  current: { version: number; status: ProjectVersionStatus; objectives: ProjectObjectiveView[] };
  versions: ProjectVersionSummary[];
}

export interface ProjectVersionView extends ProjectVersionSummary {
  project: ProjectHeader;
  objectives: ProjectObjectiveView[];
}

/** A project of a usager, as listed in their record. */
export interface PersonalisedProjectSummary {
  projectId: string;
  accompanimentId: string;
  startedOn: string;
  currentVersion: number;
  currentStatus: ProjectVersionStatus;
  lastValidatedOn: string | null;
  revision: number;
}

interface ProjectRow {
  project_id: string;
  service_user_id: string;
  facility_id: string;
  accompaniment_id: string;
  started_on: string;
  started_by: string;
  current_version: number;
  current_status: ProjectVersionStatus;
  revision: number;
}

interface VersionRow {
  version: number;
  status: ProjectVersionStatus;
  opened_from: number | null;
  validated_on: string | null;
  validated_by: string | null;
  co_construction: CoConstruction | null;
  objectives: ProjectObjective[] | null;
}

interface Where {
  organisationId: string;
  projectId: string;
}

/**
 * A project as staff view it: its current version (the draft when one is open, else the last
 * validated one), each objective with its actions and its evaluations, the last one apart, and
 * the list of its versions. Undefined when there is no such project in the organisation.
 */
export async function personalisedProject(
  db: Knex,
  readSchema: string,
  where: Where,
): Promise<PersonalisedProjectView | undefined> {
  const project = await projectRow(db, readSchema, where);
  if (project === undefined) return undefined;
  const versions = (await db
    .withSchema(readSchema)
    .from('versions')
    .select('version', 'status', 'opened_from', 'validated_on', 'validated_by', 'co_construction')
    .where({ organisation_id: where.organisationId, project_id: where.projectId })
    .orderBy('version')) as Omit<VersionRow, 'objectives'>[];
  return {
    ...header(project),
    current: {
      version: Number(project.current_version),
      status: project.current_status,
      objectives: await currentObjectives(db, readSchema, where),
    },
    versions: versions.map(summary),
  };
}

/**
 * One version of a project: a validated one as it was validated, or the open draft as it is now.
 * Undefined when the project or the version does not exist.
 */
export async function personalisedProjectVersion(
  db: Knex,
  readSchema: string,
  where: Where & { version: number },
): Promise<ProjectVersionView | undefined> {
  const project = await projectRow(db, readSchema, where);
  if (project === undefined) return undefined;
  const row = (await db
    .withSchema(readSchema)
    .from('versions')
    .where({ organisation_id: where.organisationId, project_id: where.projectId, version: where.version })
    .first()) as VersionRow | undefined;
  if (row === undefined) return undefined;
  const objectives =
    row.status === 'validated'
      ? (row.objectives ?? []).map(objectiveView)
      : await currentObjectives(db, readSchema, where);
  return { ...summary(row), project: header(project), objectives };
}

/** The projects of a usager in one ESSMS, the latest started first. */
export async function personalisedProjectsOf(
  db: Knex,
  readSchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string },
): Promise<PersonalisedProjectSummary[]> {
  const { rows } = (await db.raw(
    `select p.project_id, p.accompaniment_id, p.started_on, p.current_version, p.current_status, p.revision,
            (select max(v.validated_on) from ?? v
              where v.organisation_id = p.organisation_id and v.project_id = p.project_id) as last_validated_on
       from ?? p
      where p.organisation_id = ? and p.service_user_id = ? and p.facility_id = ?
      order by p.started_on desc, p.project_id`,
    [`${readSchema}.versions`, `${readSchema}.projects`, where.organisationId, where.serviceUserId, where.facilityId],
  )) as { rows: (ProjectRow & { last_validated_on: string | null })[] };
  return rows.map((row) => ({
    projectId: row.project_id,
    accompanimentId: row.accompaniment_id,
    startedOn: row.started_on,
    currentVersion: Number(row.current_version),
    currentStatus: row.current_status,
    lastValidatedOn: row.last_validated_on,
    revision: Number(row.revision),
  }));
}

/** Whose project it is, where, and its revision: what a command needs before it decides. */
export async function personalisedProjectHeader(
  db: Knex,
  readSchema: string,
  where: Where,
): Promise<ProjectHeader | undefined> {
  const row = await projectRow(db, readSchema, where);
  return row === undefined ? undefined : header(row);
}

async function projectRow(db: Knex, readSchema: string, where: Where): Promise<ProjectRow | undefined> {
  return (await db
    .withSchema(readSchema)
    .from('projects')
    .where({ organisation_id: where.organisationId, project_id: where.projectId })
    .first()) as ProjectRow | undefined;
}

async function currentObjectives(db: Knex, readSchema: string, where: Where): Promise<ProjectObjectiveView[]> {
  const ofProject = (table: string) =>
    db
      .withSchema(readSchema)
      .from(table)
      .where({ organisation_id: where.organisationId, project_id: where.projectId })
      .orderBy('position');
  const [objectives, actions, evaluations] = await Promise.all([
    ofProject('objectives') as Promise<
      { objective_id: string; title: string; description: string; domain: ObjectiveDomain }[]
    >,
    ofProject('actions') as Promise<
      {
        action_id: string;
        objective_id: string;
        what: string;
        who: ActionOwner;
        deadline: string;
        completed_on: string | null;
      }[]
    >,
    ofProject('evaluations') as Promise<
      {
        objective_id: string;
        evaluated_on: string;
        result: ObjectiveEvaluation['result'];
        comment: string;
        evaluated_by: string;
      }[]
    >,
  ]);
  return objectives.map((objective) => {
    const evaluationsOf = evaluations
      .filter((evaluation) => evaluation.objective_id === objective.objective_id)
      .map((evaluation) => ({
        evaluatedOn: evaluation.evaluated_on,
        result: evaluation.result,
        comment: evaluation.comment,
        evaluatedBy: evaluation.evaluated_by,
      }));
    return {
      objectiveId: objective.objective_id,
      title: objective.title,
      description: objective.description,
      domain: objective.domain,
      actions: actions
        .filter((action) => action.objective_id === objective.objective_id)
        .map((action) => ({
          actionId: action.action_id,
          what: action.what,
          who: action.who,
          deadline: action.deadline,
          completedOn: action.completed_on,
        })),
      evaluations: evaluationsOf,
      lastEvaluation: evaluationsOf.at(-1) ?? null,
    };
  });
}

function objectiveView(objective: ProjectObjective): ProjectObjectiveView {
  return {
    objectiveId: objective.objectiveId,
    title: objective.title,
    description: objective.description,
    domain: objective.domain,
    actions: objective.actions.map((action) => ({
      actionId: action.actionId,
      what: action.what,
      who: action.who,
      deadline: action.deadline,
      completedOn: action.completedOn ?? null,
    })),
    evaluations: objective.evaluations,
    lastEvaluation: objective.evaluations.at(-1) ?? null,
  };
}

function header(row: ProjectRow): ProjectHeader {
  return {
    projectId: row.project_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id,
    accompanimentId: row.accompaniment_id,
    startedOn: row.started_on,
    startedBy: row.started_by,
    revision: Number(row.revision),
  };
}

function summary(row: Omit<VersionRow, 'objectives'>): ProjectVersionSummary {
  return {
    version: Number(row.version),
    status: row.status,
    openedFrom: row.opened_from === null ? null : Number(row.opened_from),
    validatedOn: row.validated_on,
    validatedBy: row.validated_by,
    coConstruction: row.co_construction,
  };
}
