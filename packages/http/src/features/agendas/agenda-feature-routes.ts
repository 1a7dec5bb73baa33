import type { RouteDefinition } from '../../server/index.js';
import type { AgendasDependencies } from './agenda-access.js';
import { agendasRoutes } from './agendas-routes.js';
import { informationRoutes } from './information-routes.js';
import { plannedEventsRoutes } from './planned-events-routes.js';

export type { AgendasDependencies } from './agenda-access.js';

/** Planned events, agendas with their ICS feeds, and information: one read model, `agendas`. */
export function agendaFeatureRoutes(deps: AgendasDependencies): RouteDefinition[] {
  return [...plannedEventsRoutes(deps), ...agendasRoutes(deps), ...informationRoutes(deps)];
}
