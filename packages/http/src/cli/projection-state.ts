import type { Build, ProjectionStatus } from '@dui-pds/projections';
import { formatCount, formatDuration } from './progress-bar.js';

/** One word or phrase for where a projection stands, as `list` and `status` show it. */
export function projectionState(status: ProjectionStatus): string {
  const { active } = status;
  if (!active) return 'non créée (lancez dui migrate)';
  if (status.building.length > 0) return 'reconstruction en cours';
  if (active.version < status.version) return `à reconstruire (build en v${active.version})`;
  if (active.version > status.version) return `build plus récent (v${active.version}) que ce programme`;
  if (status.behindEvents === 0) return 'à jour';
  return `en retard de ${formatCount(status.behindEvents)} événement(s)`;
}

export function describeLag(status: ProjectionStatus): string {
  const events = `${formatCount(status.behindEvents)} événement(s)`;
  if (status.behindSeconds === undefined) return `${events}, durée inconnue (rien d’appliqué encore)`;
  return `${events}, ${formatDuration(status.behindSeconds)}`;
}

export function describeCheckpoint(build: Build): string {
  return build.checkpoint === undefined ? 'aucun événement appliqué' : `position globale ${build.checkpoint}`;
}

/** For `--json`: bigint positions as text, dates as ISO instants. */
export function statusJson(status: ProjectionStatus): Record<string, unknown> {
  return {
    name: status.name,
    version: status.version,
    state: projectionState(status),
    active: status.active ? buildJson(status.active) : null,
    behindEvents: status.behindEvents,
    behindSeconds: status.behindSeconds ?? null,
    building: status.building.map(buildJson),
  };
}

function buildJson(build: Build): Record<string, unknown> {
  return {
    schema: build.schema,
    version: build.version,
    state: build.state,
    checkpoint: build.checkpoint === undefined ? null : String(build.checkpoint),
    eventsDone: build.eventsDone,
    lastRecordedAt: build.lastRecordedAt?.toISOString() ?? null,
  };
}
