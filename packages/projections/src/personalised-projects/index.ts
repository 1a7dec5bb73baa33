export {
  type PersonalisedProjectSummary,
  type PersonalisedProjectView,
  type ProjectActionView,
  type ProjectHeader,
  type ProjectObjectiveView,
  type ProjectVersionStatus,
  type ProjectVersionSummary,
  type ProjectVersionView,
  personalisedProject,
  personalisedProjectHeader,
  personalisedProjectsOf,
  personalisedProjectVersion,
} from './personalised-project-query.js';
export { personalisedProjectsProjection } from './personalised-projects-projection.js';
export { type ProjectActionDue, projectActionsDue } from './project-actions-due-query.js';
