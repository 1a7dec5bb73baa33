import type {
  PersonalisedProjectEventType,
  PersonalisedProjectStarted,
  ProjectActionAdded,
  ProjectActionCompleted,
  ProjectActionRevised,
  ProjectObjectiveAdded,
  ProjectObjectiveEvaluated,
  ProjectObjectiveRemoved,
  ProjectObjectiveRevised,
  ProjectVersionOpened,
  ProjectVersionValidated,
} from '@dui-pds/domain';
import { isErased, type RecordedEvent } from '@dui-pds/eventstore';
import { defineProjection } from '../projection.js';
import { purgeRowsHangingOff } from '../runtime/service-user-purge.js';

const handled: readonly PersonalisedProjectEventType[] = [
  'PersonalisedProjectStarted',
  'ProjectVersionOpened',
  'ProjectObjectiveAdded',
  'ProjectObjectiveRevised',
  'ProjectObjectiveRemoved',
  'ProjectActionAdded',
  'ProjectActionRevised',
  'ProjectActionCompleted',
  'ProjectObjectiveEvaluated',
  'ProjectVersionValidated',
];

/**
 * The personalised projects of usagers (`personalisedProjectStreamId`), for staff to view them:
 *
 * - `projects`: one row per project: whose, where, which accompaniment, its current version
 *   (the draft when one is open, else the last validated one) and its revision for `If-Match`;
 * - `versions`: one row per version: the draft (what it was opened from) or a validated one,
 *   with its validation, the usager's co-construction and the objectives as validated, kept as
 *   the event froze them;
 * - `objectives`, `actions`, `evaluations`: the current version's content, in the order it was
 *   written (`position`: the stream revision that added it), for the project's page and for the
 *   actions whose deadline is near or passed (`projectActionsDue`).
 *
 * A forgotten usager's project leaves the model: the stream of an erased event is enough to
 * remove every row of it; the end of retention removes them through the project's usager.
 */
export const personalisedProjectsProjection = defineProjection({
  name: 'personalised_projects',
  version: 1,
  handles: handled,
  async migrate(db, schema) {
    // a fresh builder per table: a schema builder runs every statement it has accumulated
    const tables = () => db.schema.withSchema(schema);
    await tables().createTable('projects', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('project_id').notNullable();
      table.text('facility_id').notNullable();
      table.text('service_user_id').notNullable();
      table.uuid('accompaniment_id').notNullable();
      table.text('started_on').notNullable();
      table.text('started_by').notNullable();
      table.integer('current_version').notNullable();
      table.text('current_status').notNullable();
      table.integer('revision').notNullable();
      table.primary(['organisation_id', 'project_id']);
      table.index(['organisation_id', 'service_user_id']);
      table.index(['organisation_id', 'facility_id']);
    });
    await tables().createTable('versions', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('project_id').notNullable();
      table.integer('version').notNullable();
      table.text('status').notNullable();
      table.integer('opened_from');
      table.text('validated_on');
      table.text('validated_by');
      table.jsonb('co_construction');
      table.jsonb('objectives');
      table.primary(['organisation_id', 'project_id', 'version']);
    });
    await tables().createTable('objectives', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('project_id').notNullable();
      table.uuid('objective_id').notNullable();
      table.integer('position').notNullable();
      table.text('title').notNullable();
      table.text('description').notNullable();
      table.text('domain').notNullable();
      table.primary(['organisation_id', 'project_id', 'objective_id']);
    });
    await tables().createTable('actions', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('project_id').notNullable();
      table.uuid('action_id').notNullable();
      table.uuid('objective_id').notNullable();
      table.integer('position').notNullable();
      table.text('what').notNullable();
      table.jsonb('who').notNullable();
      table.text('deadline').notNullable();
      table.text('completed_on');
      table.primary(['organisation_id', 'project_id', 'action_id']);
      table.index(['organisation_id', 'deadline']);
    });
    await tables().createTable('evaluations', (table) => {
      table.text('organisation_id').notNullable();
      table.uuid('project_id').notNullable();
      table.uuid('objective_id').notNullable();
      table.integer('position').notNullable();
      table.text('evaluated_on').notNullable();
      table.text('result').notNullable();
      table.text('comment').notNullable();
      table.text('evaluated_by').notNullable();
      table.primary(['organisation_id', 'project_id', 'objective_id', 'position']);
    });
  },
  async evolve(event, { table }) {
    const organisation_id = event.metadata.organisationId;
    const project_id = projectIdOf(event.streamId);
    const ofProject = (name: string) => table(name).where({ organisation_id, project_id });
    if (isErased(event.data)) {
      for (const name of ['evaluations', 'actions', 'objectives', 'versions', 'projects'])
        await ofProject(name).delete();
      return;
    }
    const type = event.type as PersonalisedProjectEventType;
    if (type === 'PersonalisedProjectStarted') {
      const data = event.data as PersonalisedProjectStarted;
      await table('projects')
        .insert({
          organisation_id,
          project_id,
          facility_id: data.facilityId,
          service_user_id: data.serviceUserId,
          accompaniment_id: data.accompanimentId,
          started_on: data.startedOn,
          started_by: data.startedBy,
          current_version: 1,
          current_status: 'draft',
          revision: event.streamRevision,
        })
        .onConflict(['organisation_id', 'project_id'])
        .ignore();
      await table('versions')
        .insert({ organisation_id, project_id, version: 1, status: 'draft' })
        .onConflict(['organisation_id', 'project_id', 'version'])
        .ignore();
      return;
    }
    await ofProject('projects').update({ revision: event.streamRevision });
    const position = event.streamRevision;
    switch (type) {
      case 'ProjectVersionOpened': {
        const data = event.data as ProjectVersionOpened;
        await ofProject('projects').update({ current_version: data.version, current_status: 'draft' });
        await table('versions')
          .insert({
            organisation_id,
            project_id,
            version: data.version,
            status: 'draft',
            opened_from: data.fromVersion,
          })
          .onConflict(['organisation_id', 'project_id', 'version'])
          .ignore();
        return;
      }
      case 'ProjectObjectiveAdded': {
        const data = event.data as ProjectObjectiveAdded;
        await table('objectives')
          .insert({
            organisation_id,
            project_id,
            objective_id: data.objectiveId,
            position,
            title: data.title,
            description: data.description,
            domain: data.domain,
          })
          .onConflict(['organisation_id', 'project_id', 'objective_id'])
          .ignore();
        return;
      }
      case 'ProjectObjectiveRevised': {
        const data = event.data as ProjectObjectiveRevised;
        await ofProject('objectives')
          .where({ objective_id: data.objectiveId })
          .update({ title: data.title, description: data.description, domain: data.domain });
        return;
      }
      case 'ProjectObjectiveRemoved': {
        const { objectiveId } = event.data as ProjectObjectiveRemoved;
        for (const name of ['evaluations', 'actions', 'objectives']) {
          await ofProject(name).where({ objective_id: objectiveId }).delete();
        }
        return;
      }
      case 'ProjectActionAdded': {
        const data = event.data as ProjectActionAdded;
        await table('actions')
          .insert({
            organisation_id,
            project_id,
            action_id: data.actionId,
            objective_id: data.objectiveId,
            position,
            what: data.what,
            who: JSON.stringify(data.who),
            deadline: data.deadline,
            completed_on: null,
          })
          .onConflict(['organisation_id', 'project_id', 'action_id'])
          .ignore();
        return;
      }
      case 'ProjectActionRevised': {
        const data = event.data as ProjectActionRevised;
        await ofProject('actions')
          .where({ action_id: data.actionId })
          .update({ what: data.what, who: JSON.stringify(data.who), deadline: data.deadline });
        return;
      }
      case 'ProjectActionCompleted': {
        const data = event.data as ProjectActionCompleted;
        await ofProject('actions').where({ action_id: data.actionId }).update({ completed_on: data.completedOn });
        return;
      }
      case 'ProjectObjectiveEvaluated': {
        const data = event.data as ProjectObjectiveEvaluated;
        await table('evaluations')
          .insert({
            organisation_id,
            project_id,
            objective_id: data.objectiveId,
            position,
            evaluated_on: data.evaluatedOn,
            result: data.result,
            comment: data.comment,
            evaluated_by: data.evaluatedBy,
          })
          .onConflict(['organisation_id', 'project_id', 'objective_id', 'position'])
          .ignore();
        return;
      }
      case 'ProjectVersionValidated': {
        const data = event.data as ProjectVersionValidated;
        await ofProject('versions')
          .where({ version: data.version })
          .update({
            status: 'validated',
            validated_on: data.validatedOn,
            validated_by: data.validatedBy,
            co_construction: JSON.stringify(data.coConstruction),
            objectives: JSON.stringify(data.objectives),
          });
        await ofProject('projects').update({ current_version: data.version, current_status: 'validated' });
        return;
      }
    }
  },
  purgeServiceUser: (context, where) =>
    purgeRowsHangingOff(context, where, { table: 'projects', key: 'project_id' }, [
      'evaluations',
      'actions',
      'objectives',
      'versions',
    ]),
});

/** Projects live in streams `personalised-project/<organisation>/<projectId>` (`personalisedProjectStreamId`). */
function projectIdOf(streamId: RecordedEvent['streamId']): string {
  return streamId.split('/').at(-1) ?? streamId;
}
