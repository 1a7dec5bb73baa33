import { randomUUID } from 'node:crypto';
import {
  activeLegalHolds,
  DomainRuleViolation,
  destructionReportDecider,
  destructionReportStreamId,
  type RecordDestroyed,
  type RetentionPolicy,
  recordRetentionDecider,
  recordRetentionStreamId,
} from '@dui-pds/domain';
import { type EventMetadata, type EventStore, foldStream, handleCommand } from '@dui-pds/eventstore';
import { type RecordDue, recordsDue, type ServiceUserBlob } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { parisDay } from '../paris-day.js';

/** What destroying a record touches beyond the log: its documents' files and the read models. */
export interface RecordPurge {
  /** The documents of the record and their files, each saying whether another usager's document has the same. */
  filesOf(where: RecordOwner): Promise<{ documents: number; blobs: ServiceUserBlob[] }>;
  /** Deletes the usager's copy of a file (a shared copy kept in clear stays); true when anything was deleted. */
  deleteFile(where: RecordOwner, blob: ServiceUserBlob): Promise<boolean>;
  /** Deletes the usager's rows from the read models; answers how many. */
  readModels(where: RecordOwner): Promise<number>;
}

interface RecordOwner {
  organisationId: string;
  serviceUserId: string;
}

export interface EndOfRetentionDependencies {
  /** The store the shell appends through (the archive guard lets retention streams through). */
  store: EventStore<Knex.Transaction>;
  /** Destroys the usager's data key (crypto-shredding). */
  forget(serviceUserId: string): Promise<void>;
  knex: Knex;
  retentionSchema: string;
  purge: RecordPurge;
  clock: () => Date;
  /** Each organisation's keeping of social data; the default policy (5 years of intermediate archive) without it. */
  policyOf?: (organisationId: string) => Promise<RetentionPolicy>;
}

export interface RetentionRun {
  /** The Europe/Paris day the run decided on. */
  today: string;
  archived: string[];
  destroyed: RecordDestroyed[];
  /** Records whose destruction failed: retried at the next run. */
  failed: { serviceUserId: string; reason: string }[];
}

/**
 * The end-of-retention job (DOMAIN.md, Retention): archives the records whose active base has
 * ended, and destroys those whose retention has ended and no legal hold keeps — their data key
 * first (every copy of their data becomes unreadable), then their documents' files and their rows
 * in the read models, then the destruction report's entry, which names no one. Every step can be
 * run again: a run that stopped half-way is finished by the next one.
 */
export async function runEndOfRetention(
  deps: EndOfRetentionDependencies,
  scope: { organisationId?: string } = {},
): Promise<RetentionRun> {
  const now = deps.clock();
  const today = parisDay.format(now);
  const due = await recordsDue(deps.knex, deps.retentionSchema, {
    today,
    ...(scope.organisationId === undefined ? {} : { organisationId: scope.organisationId }),
    ...(deps.policyOf === undefined ? {} : { policyOf: deps.policyOf }),
  });
  const run: RetentionRun = { today, archived: [], destroyed: [], failed: [] };
  for (const record of due) {
    try {
      if (record.destructionDue) {
        if (await heldSinceTheRunBegan(deps.store, record)) continue;
        run.destroyed.push(await destroy(deps, record, now, today));
      } else if (record.archiveDue) {
        await archive(deps, record, now, today);
        run.archived.push(record.serviceUserId);
      }
    } catch (error) {
      run.failed.push({ serviceUserId: record.serviceUserId, reason: (error as Error).message });
    }
  }
  return run;
}

/**
 * A legal hold placed while the run goes through its records (a requisition arrives at 2 a.m.) is
 * in the record's retention stream, not in the list the run read at its start: the stream is read
 * again just before the key is destroyed, which cannot be undone. Once the usager was forgotten (a
 * run that stopped half-way) the stream no longer reads: the destruction is finished.
 */
async function heldSinceTheRunBegan(store: EventStore<Knex.Transaction>, record: RecordDue): Promise<boolean> {
  const retention = await foldStream(
    store,
    recordRetentionDecider,
    recordRetentionStreamId(record.organisationId, record.serviceUserId),
  );
  return !retention.erased && activeLegalHolds(retention).length > 0;
}

async function archive(deps: EndOfRetentionDependencies, record: RecordDue, now: Date, today: string): Promise<void> {
  await settled(
    handleCommand(deps.store, recordRetentionDecider, {
      streamId: recordRetentionStreamId(record.organisationId, record.serviceUserId),
      commandId: `retention/archive/${record.serviceUserId}/${record.schedule.archiveDueOn}`,
      command: {
        type: 'ArchiveRecord',
        today,
        archiveDueOn: record.schedule.archiveDueOn,
        serviceUserId: record.serviceUserId,
        archivedOn: today,
        reason: 'retentionDelay',
      },
      metadata: systemMetadata(record, now, record.serviceUserId),
    }),
    'RECORD_ALREADY_ARCHIVED',
  );
}

async function destroy(
  deps: EndOfRetentionDependencies,
  record: RecordDue,
  now: Date,
  today: string,
): Promise<RecordDestroyed> {
  const where = { organisationId: record.organisationId, serviceUserId: record.serviceUserId };
  const files = await deps.purge.filesOf(where);
  await deps.forget(record.serviceUserId);
  let blobsPurged = 0;
  for (const blob of files.blobs) if (await deps.purge.deleteFile(where, blob)) blobsPurged += 1;
  const readModelRowsPurged = await deps.purge.readModels(where);
  const destroyed: RecordDestroyed = {
    serviceUserId: record.serviceUserId,
    facilityIds: record.facilityIds,
    destroyedAt: now.toISOString(),
    lastContactOn: record.facts.lastContactOn,
    ...(record.facts.lastStayEndedOn === undefined ? {} : { lastStayEndedOn: record.facts.lastStayEndedOn }),
    holdsMedicalData: record.facts.holdsMedicalData,
    destructionDueOn: record.schedule.destructionDueOn,
    rule: { dataClass: record.schedule.rule.dataClass, legalSource: record.schedule.rule.legalSource },
    documentsPurged: files.documents,
    blobsPurged,
    readModelRowsPurged,
  };
  // In clear (no subject in the envelope): the DPO's report must outlive the key it reports on.
  await settled(
    handleCommand(deps.store, destructionReportDecider, {
      streamId: destructionReportStreamId(record.organisationId),
      commandId: `retention/destroy/${record.serviceUserId}`,
      command: { type: 'RecordDestruction', today, activeLegalHolds: record.activeLegalHolds, ...destroyed },
      metadata: systemMetadata(record, now, undefined),
    }),
    'RECORD_ALREADY_DESTROYED',
  );
  return destroyed;
}

function systemMetadata(record: RecordDue, now: Date, serviceUserId: string | undefined): EventMetadata {
  return {
    organisationId: record.organisationId,
    actor: { kind: 'system', id: 'end-of-retention' },
    occurredAt: now.toISOString(),
    correlationId: randomUUID(),
    ...(serviceUserId === undefined ? {} : { serviceUserId }),
  };
}

/** A step already done by an earlier run (or another instance) is done. */
async function settled(step: Promise<unknown>, alreadyDone: string): Promise<void> {
  try {
    await step;
  } catch (error) {
    if (error instanceof DomainRuleViolation && error.code === alreadyDone) return;
    throw error;
  }
}
