export { type CareTeamMemberView, careTeamOf } from './care-team-query.js';
export { careTeamsProjection } from './care-teams-projection.js';
