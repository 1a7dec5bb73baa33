import {
  type InfectiousWasteAlert,
  infectiousWasteAlerts,
  rollingMonthlyAverageKg,
  type StorageLimit,
  storageLimit,
  type WasteContainerKind,
} from '@dui-pds/domain';
import type { Knex } from 'knex';

export interface InfectiousWasteContainerView {
  containerId: string;
  kind: WasteContainerKind;
  volumeLitres: number;
  startedAt: string;
  closedAt: string | null;
  weightKg: number | null;
  collectionId: string | null;
}

export interface InfectiousWasteCollectionView {
  collectionId: string;
  collectedAt: string;
  weightKg: number;
  containerIds: string[];
  collector: string;
  trackingSlipNumber: string | null;
  /** When the signed slip is due back (a month after the collection); null without a slip. */
  slipReturnBy: string | null;
  slipReturnedAt: string | null;
}

/** What an ESSMS holds about its DASRI, oldest first, with the revision of its stream. */
export interface InfectiousWasteLedgerView {
  facilityId: string;
  activeSince: string;
  revision: number;
  containers: InfectiousWasteContainerView[];
  collections: InfectiousWasteCollectionView[];
}

export interface InfectiousWasteAlertsView {
  /** The production the limit is drawn from, as of `now`. */
  rollingMonthlyAverageKg: number;
  storageLimit: StorageLimit;
  alerts: InfectiousWasteAlert[];
}

interface Where {
  organisationId: string;
  facilityId: string;
}

interface ContainerRow {
  container_id: string;
  kind: WasteContainerKind;
  volume_litres: number;
  started_at: string;
  closed_at: string | null;
  weight_kg: number | null;
  collection_id: string | null;
}

interface CollectionRow {
  collection_id: string;
  collected_at: string;
  weight_kg: number;
  collector: string;
  tracking_slip_number: string | null;
  slip_return_by: string | null;
  slip_returned_at: string | null;
}

/** The containers, collections and slips of one ESSMS; undefined before its first container. */
export async function infectiousWasteLedgerOf(
  db: Knex,
  readSchema: string,
  where: Where,
): Promise<InfectiousWasteLedgerView | undefined> {
  const ofFacility = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const ledger = (await db.withSchema(readSchema).table('ledgers').where(ofFacility).first()) as
    | { active_since: string; revision: number }
    | undefined;
  if (ledger === undefined) return undefined;
  const containers = (await db
    .withSchema(readSchema)
    .table('containers')
    .where(ofFacility)
    .orderBy(['started_at', 'container_id'])) as ContainerRow[];
  const collections = (await db
    .withSchema(readSchema)
    .table('collections')
    .where(ofFacility)
    .orderBy(['collected_at', 'collection_id'])) as CollectionRow[];
  return {
    facilityId: where.facilityId,
    activeSince: ledger.active_since,
    revision: Number(ledger.revision),
    containers: containers.map(containerView),
    collections: collections.map((row) => ({
      ...collectionView(row),
      containerIds: containers
        .filter((container) => container.collection_id === row.collection_id)
        .map((container) => container.container_id),
    })),
  };
}

/**
 * The alerts of one ESSMS at `now` (an ISO instant: the caller's clock), with the production and
 * the limit they rest on. SQL narrows to what the rule can look at (the containers not collected,
 * the collections of the last 400 days and those whose slip is still out); the alerts themselves
 * are the domain's `infectiousWasteAlerts`, so that the list and the rule never disagree.
 */
export async function infectiousWasteAlertsOf(
  db: Knex,
  readSchema: string,
  where: Where & { now: string },
): Promise<InfectiousWasteAlertsView> {
  const ofFacility = { organisation_id: where.organisationId, facility_id: where.facilityId };
  const ledger = (await db.withSchema(readSchema).table('ledgers').where(ofFacility).first()) as
    | { active_since: string }
    | undefined;
  const containers = (await db
    .withSchema(readSchema)
    .table('containers')
    .where(ofFacility)
    .whereNull('collection_id')) as ContainerRow[];
  const sinceMs = Date.parse(where.now) - 400 * 86_400_000;
  const collections = (await db
    .withSchema(readSchema)
    .table('collections')
    .where(ofFacility)
    .andWhere((query) =>
      query
        .where('collected_at', '>', new Date(sinceMs).toISOString())
        .orWhere((slipOut) => slipOut.whereNotNull('tracking_slip_number').whereNull('slip_returned_at')),
    )) as CollectionRow[];
  const facts = {
    activeSince: ledger?.active_since,
    containers: containers.map((row) => ({
      containerId: row.container_id,
      startedAt: row.started_at,
      collectionId: undefined,
    })),
    collections: collections.map((row) => ({
      collectionId: row.collection_id,
      collectedAt: row.collected_at,
      weightKg: Number(row.weight_kg),
      trackingSlipNumber: row.tracking_slip_number ?? undefined,
      slipReturnedAt: row.slip_returned_at ?? undefined,
    })),
  };
  const average = rollingMonthlyAverageKg(facts, where.now);
  return {
    rollingMonthlyAverageKg: average,
    storageLimit: storageLimit(average),
    alerts: infectiousWasteAlerts(facts, where.now),
  };
}

function containerView(row: ContainerRow): InfectiousWasteContainerView {
  return {
    containerId: row.container_id,
    kind: row.kind,
    volumeLitres: Number(row.volume_litres),
    startedAt: row.started_at,
    closedAt: row.closed_at,
    weightKg: row.weight_kg === null ? null : Number(row.weight_kg),
    collectionId: row.collection_id,
  };
}

function collectionView(row: CollectionRow): Omit<InfectiousWasteCollectionView, 'containerIds'> {
  return {
    collectionId: row.collection_id,
    collectedAt: row.collected_at,
    weightKg: Number(row.weight_kg),
    collector: row.collector,
    trackingSlipNumber: row.tracking_slip_number,
    slipReturnBy: row.slip_return_by,
    slipReturnedAt: row.slip_returned_at,
  };
}
