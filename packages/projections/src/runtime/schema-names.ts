import { randomBytes } from 'node:crypto';
import type { Projection } from '../projection.js';

/**
 * Where a projection lives, under the event store's schema name (`dui` by default):
 * - `<store>_<name>`: the read schema, views on the tables of the active build; what readers and
 *   reporting tools query, and what never disappears under them;
 * - `<store>_<name>__v<version>[_b<n>]`: one build's tables;
 * - `<store>_<name>__replay_<random>`: a time-travel build, dropped after use.
 */
export function readSchemaOf(storeSchema: string, projection: Pick<Projection, 'name'>): string {
  return checkedLength(`${storeSchema}_${projection.name}`);
}

export function buildSchemaOf(storeSchema: string, projection: Projection, buildNumber: number): string {
  const suffix = buildNumber <= 1 ? '' : `_b${buildNumber}`;
  return checkedLength(`${readSchemaOf(storeSchema, projection)}__v${projection.version}${suffix}`);
}

export function replaySchemaOf(storeSchema: string, projection: Projection): string {
  return checkedLength(`${readSchemaOf(storeSchema, projection)}__replay_${randomBytes(4).toString('hex')}`);
}

/** PostgreSQL would silently truncate a longer identifier, and two builds could then share a name. */
function checkedLength(identifier: string): string {
  if (identifier.length > 63) {
    throw new TypeError(`${identifier}: longer than PostgreSQL's 63 characters; shorten the projection or schema name`);
  }
  return identifier;
}
