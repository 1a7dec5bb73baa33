import { accessLogStreamId, type Principal, RECORD_READ, type RecordRead } from '@dui-pds/domain';
import type { EventStore, RecordedEvent } from '@dui-pds/eventstore';
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
  async recordRead(
    entry: {
      organisationId: string;
      professionalId: string;
      correlationId?: string;
      read: RecordRead;
    },
    options: RecordReadOptions = {},
  ): Promise<void> {
    const { organisationId, professionalId, read } = entry;
    const closed = (await this.closedAmong(organisationId, [read.serviceUserId])).get(read.serviceUserId);
    if (closed === 'destroyed') throw destroyedRecordProblem();
    if (closed === 'archived' && options.archivedRecords !== 'open') throw archivedRecordReadProblem();
    await this.store.appendToStream(accessLogStreamId(organisationId, read.serviceUserId), [
      {
        id: uuidv7(),
        type: RECORD_READ,
        data: read,
        metadata: {
          organisationId,
          facilityId: read.facilityId,
          actor: { kind: 'professional', id: professionalId, role: read.roles.join(',') || 'aucun' },
          occurredAt: this.clock().toISOString(),
          correlationId: entry.correlationId,
          serviceUserId: read.serviceUserId,
        },
      },
    ]);
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
    const roles = principal.roles.filter((grant) => grant.facilityId === read.facilityId).map((grant) => grant.role);
    return this.recordRead(
      {
        organisationId: principal.organisationId,
        professionalId: principal.professionalId,
        correlationId,
        read: { ...read, roles },
      },
      options,
    );
  }

  /** The usager's access log, oldest first. */
  entries(organisationId: string, serviceUserId: string): Promise<RecordedEvent[]> {
    return this.store.readStream(accessLogStreamId(organisationId, serviceUserId));
  }
}
