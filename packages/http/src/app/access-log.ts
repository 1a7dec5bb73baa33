import { accessLogStreamId, type Principal, RECORD_READ, type RecordRead } from '@dui-pds/domain';
import type { EventStore, EventToAppend, RecordedEvent } from '@dui-pds/eventstore';
import type { Knex } from 'knex';
import { v7 as uuidv7 } from 'uuid';
import {
  archivedRecordReadProblem,
  type ClosedRecordsLookup,
  destroyedRecordProblem,
  noClosedRecords,
} from '../features/closed-records.js';

/**
 * Whether a read may reach an archived record: only the archivist's export, through the
 * archive's own route, says `'open'`. A destroyed record is never read.
 */
export interface RecordReadOptions {
  archivedRecords?: 'refused' | 'open';
}

/** A professional's read of one usager's record, as the access log traces it. */
export interface ProfessionalRead {
  organisationId: string;
  professionalId: string;
  correlationId?: string;
  read: RecordRead;
}

/**
 * How many appends of one request's reads are under way at once. Every request shares the
 * store's pool (10 connections by default, `connectPostgres`), and each append holds one for its
 * transaction: a list of many usagers must not take them all. On 40 usagers, 8 at once took
 * about half the time of one after the other; all 40 in one transaction was no faster, and would
 * hold every usager's stream until its end.
 */
const APPENDS_AT_ONCE = 8;

/**
 * The access log (DESIGN.md, Access control and traceability): every read of a usager's record
 * appends one `RecordRead` to that usager's access-log stream, before the answer leaves. The store
 * chains it like any event (`dui verify` checks it), and encrypts it with the usager's key, so
 * that it is forgotten with them.
 *
 * Since every professional's read passes here before the answer leaves, this is also where a
 * read reaching a closed record through another id (a note, an act, a document …) is refused,
 * with the same answers as `ProfessionalAccess.principal` gives a request naming the usager.
 */
export class AccessLog {
  constructor(
    private readonly store: EventStore<Knex.Transaction>,
    private readonly clock: () => Date = () => new Date(),
    /** Which records are archived or destroyed; none when the deployment does not archive. */
    private readonly closedAmong: ClosedRecordsLookup = noClosedRecords,
  ) {}

  /**
   * A professional's read: 403 (`recordArchived`) when the record is archived, unless the
   * archivist's export opens it, 410 when it was destroyed; nothing is traced then.
   */
  recordRead(entry: ProfessionalRead, options: RecordReadOptions = {}): Promise<void> {
    return this.recordReads([entry], options);
  }

  /**
   * The reads of a list showing several usagers at once (a feed, a day's attendance sheet …),
   * with the rules of `recordRead`: the closed records among them are looked up once, and if one
   * of them is refused (410 before 403), nothing is traced for anyone. Then each read is one
   * `RecordRead` in its own usager's stream (the portal shows a usager who read their record, and
   * forgetting a usager forgets their log), a few appends at a time. It returns once every read
   * is traced, and fails if one append fails: a list never leaves with a read untraced.
   */
  async recordReads(entries: readonly ProfessionalRead[], options: RecordReadOptions = {}): Promise<void> {
    await this.refuseClosedRecords(entries, options);
    const eventsByStream = new Map<string, EventToAppend[]>();
    for (const entry of entries) {
      const streamId = accessLogStreamId(entry.organisationId, entry.read.serviceUserId);
      const events = eventsByStream.get(streamId) ?? [];
      events.push(this.professionalReadEvent(entry));
      eventsByStream.set(streamId, events);
    }
    // a usager read twice (in two ESSMS) gets both events in one append, in the order given
    await eachAtMost([...eventsByStream], APPENDS_AT_ONCE, ([streamId, events]) =>
      this.store.appendToStream(streamId, events),
    );
  }

  /**
   * A read through the usager portal, by the usager or their personne de confiance: the actor is
   * the portal account (`serviceUser`), `read.roles` says which of the two it is.
   */
  async recordPortalRead(entry: {
    organisationId: string;
    accountId: string;
    correlationId?: string;
    read: RecordRead;
  }): Promise<void> {
    const { organisationId, accountId, read } = entry;
    await this.store.appendToStream(accessLogStreamId(organisationId, read.serviceUserId), [
      {
        id: uuidv7(),
        type: RECORD_READ,
        data: read,
        metadata: {
          organisationId,
          facilityId: read.facilityId,
          actor: { kind: 'serviceUser', id: accountId },
          occurredAt: this.clock().toISOString(),
          correlationId: entry.correlationId,
          serviceUserId: read.serviceUserId,
        },
      },
    ]);
  }

  /** A professional's read, with the roles they hold in the ESSMS read. */
  recordReadBy(
    principal: Principal,
    correlationId: string | undefined,
    read: Omit<RecordRead, 'roles'>,
    options: RecordReadOptions = {},
  ): Promise<void> {
    return this.recordReadsBy(principal, correlationId, [read], options);
  }

  /** A professional's reads of several usagers (`recordReads`), with the roles they hold in each ESSMS read. */
  recordReadsBy(
    principal: Principal,
    correlationId: string | undefined,
    reads: readonly Omit<RecordRead, 'roles'>[],
    options: RecordReadOptions = {},
  ): Promise<void> {
    const rolesIn = (facilityId: string | undefined) =>
      principal.roles.filter((grant) => grant.facilityId === facilityId).map((grant) => grant.role);
    return this.recordReads(
      reads.map((read) => ({
        organisationId: principal.organisationId,
        professionalId: principal.professionalId,
        correlationId,
        read: { ...read, roles: rolesIn(read.facilityId) },
      })),
      options,
    );
  }

  /** The usager's access log, oldest first. */
  entries(organisationId: string, serviceUserId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(accessLogStreamId(organisationId, serviceUserId));
  }

  /** 410 if one of these records was destroyed, else 403 if one is archived and not opened; one lookup per organisation. */
  private async refuseClosedRecords(entries: readonly ProfessionalRead[], options: RecordReadOptions): Promise<void> {
    const serviceUsersByOrganisation = new Map<string, Set<string>>();
    for (const { organisationId, read } of entries) {
      const serviceUsers = serviceUsersByOrganisation.get(organisationId) ?? new Set<string>();
      serviceUsers.add(read.serviceUserId);
      serviceUsersByOrganisation.set(organisationId, serviceUsers);
    }
    const closed = new Set<'archived' | 'destroyed'>();
    for (const [organisationId, serviceUsers] of serviceUsersByOrganisation) {
      for (const state of (await this.closedAmong(organisationId, [...serviceUsers])).values()) closed.add(state);
    }
    if (closed.has('destroyed')) throw destroyedRecordProblem();
    if (closed.has('archived') && options.archivedRecords !== 'open') throw archivedRecordReadProblem();
  }

  private professionalReadEvent({
    organisationId,
    professionalId,
    correlationId,
    read,
  }: ProfessionalRead): EventToAppend {
    return {
      id: uuidv7(),
      type: RECORD_READ,
      data: read,
      metadata: {
        organisationId,
        facilityId: read.facilityId,
        actor: { kind: 'professional', id: professionalId, role: read.roles.join(',') || 'aucun' },
        occurredAt: this.clock().toISOString(),
        correlationId,
        serviceUserId: read.serviceUserId,
      },
    };
  }
}

/**
 * Runs `task` on every item, at most `limit` at once. When one fails, no other starts; those
 * under way end first, then the first failure is thrown: nothing is still appending once the
 * request has failed.
 */
async function eachAtMost<Item>(
  items: readonly Item[],
  limit: number,
  task: (item: Item) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as Item;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
