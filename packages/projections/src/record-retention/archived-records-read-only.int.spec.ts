import { randomBytes, randomUUID } from 'node:crypto';
import {
  accessLogStreamId,
  DomainRuleViolation,
  destructionReportStreamId,
  RECORD_ARCHIVED,
  RECORD_ARCHIVED_MESSAGE,
  RECORD_READ,
  type RecordRetentionCommand,
  recordNoteDecider,
  recordRetentionDecider,
  recordRetentionStreamId,
} from '@dui-pds/domain';
import {
  type CommandMetadata,
  type EventStore,
  handleCommand,
  KnexDataKeyStore,
  migrateEventStore,
  openPglite,
  PostgresEventStore,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import { dropSchemasStartingWith, testPostgres, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { recordNoteStreamId } from '../record-notes/record-notes-projection.js';
import { withInlineProjections } from '../runtime/inline-projections.js';
import { ProjectionRuntime } from '../runtime/projection-runtime.js';
import { withArchivedRecordsReadOnly } from './archived-records-read-only.js';
import { recordRetentionProjection } from './record-retention-projection.js';
import { isRecordArchived, recordRetentionOf } from './record-retention-queries.js';

const backends: { name: string; database: () => Knex }[] = [
  { name: 'PostgreSQL', database: () => testPostgres() },
  { name: 'PGlite', database: () => openPglite() },
];

const organisationId = 'og-archive';
const csapa = '750000001';
const usager = 'usager-1';
const other = 'usager-2';
const director = { kind: 'professional', id: 'dir-1', role: 'director' } as const;

function metadataFor(serviceUserId: string, occurredAt = '2028-03-21T09:00:00.000Z'): CommandMetadata {
  return { organisationId, facilityId: csapa, serviceUserId, actor: director, occurredAt };
}

for (const backend of backends) {
  describe(`Archived records are read-only, on ${backend.name}`, function () {
    this.timeout(60_000);
    let knex: Knex;
    let schema: string;
    let runtime: ProjectionRuntime;
    let store: EventStore<Knex.Transaction>;
    let readSchema: string;

    beforeEach(async () => {
      knex = backend.database();
      schema = uniqueSchema('archive');
      await migrateEventStore(knex, { schema });
      const log = new PostgresEventStore(knex, { schema });
      runtime = new ProjectionRuntime({
        knex,
        store: log,
        schema,
        projections: [],
        inline: [recordRetentionProjection],
      });
      await runtime.migrate();
      readSchema = runtime.readSchema(recordRetentionProjection.name);
      store = withArchivedRecordsReadOnly(withInlineProjections(log, knex, runtime), knex, readSchema);
    });
    afterEach(async () => {
      await runtime.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    const writeNote = (serviceUserId: string, occurredAt?: string) => {
      const noteId = randomUUID();
      return handleCommand(store, recordNoteDecider, {
        streamId: recordNoteStreamId(organisationId, noteId),
        commandId: randomUUID(),
        command: {
          type: 'WriteNote',
          noteId,
          serviceUserId,
          facilityId: csapa,
          sensitivity: 'social',
          text: 'entretien',
        },
        metadata: metadataFor(serviceUserId, occurredAt),
      });
    };
    const retention = (serviceUserId: string, command: RecordRetentionCommand) =>
      handleCommand(store, recordRetentionDecider, {
        streamId: recordRetentionStreamId(organisationId, serviceUserId),
        commandId: randomUUID(),
        command,
        metadata: metadataFor(serviceUserId),
      });
    const archive = (serviceUserId: string) =>
      retention(serviceUserId, {
        type: 'ArchiveRecord',
        today: '2028-03-21',
        serviceUserId,
        archivedOn: '2028-03-21',
        reason: 'retentionDelay',
        archiveDueOn: '2028-03-21',
      });

    it('refuses any write about an archived usager with the typed error, and writes nothing', async () => {
      // given usager-1, last seen on 20 March 2026, archived on its due day
      await writeNote(usager, '2026-03-20T09:00:00.000Z');
      await writeNote(other, '2026-03-20T09:00:00.000Z');
      await archive(usager);
      const before = await store.readAll();

      // when a note about them is written, alone or with one about another usager
      const refused = await writeNote(usager).catch((error: unknown) => error);
      const mixed = await store
        .appendToStream(`mixed-${randomUUID()}`, [
          {
            id: randomUUID(),
            type: 'NoteWritten',
            data: {},
            metadata: metadataFor(other),
          },
          { id: randomUUID(), type: 'NoteWritten', data: {}, metadata: metadataFor(usager) },
        ])
        .catch((error: unknown) => error);

      // then both are refused, in French, and neither the log nor the read model moved
      for (const error of [refused, mixed]) {
        expect(error).to.be.instanceOf(DomainRuleViolation);
        expect(error).to.include({ code: RECORD_ARCHIVED, message: RECORD_ARCHIVED_MESSAGE });
        expect((error as DomainRuleViolation).details).to.deep.equal({ organisationId, serviceUserIds: [usager] });
      }
      expect(await store.readAll()).to.have.length(before.length);
      expect(await recordRetentionOf(knex, readSchema, organisationId, usager)).to.deep.include({
        lastContactOn: '2026-03-20',
        archivedOn: '2028-03-21',
      });

      // and another usager's record, and facts about nobody, are written as before
      await writeNote(other);
      await store.appendToStream(`organisation-${randomUUID()}`, [
        {
          id: randomUUID(),
          type: 'OrganisationSettingChanged',
          data: {},
          metadata: { organisationId, actor: director, occurredAt: '2028-03-21T09:00:00.000Z' },
        },
      ]);
      expect(await store.readAll()).to.have.length(before.length + 2);
    });

    it('keeps open the retention stream, the destruction report and the access log of an archived record', async () => {
      // given usager-1 archived
      await writeNote(usager, '2026-03-20T09:00:00.000Z');
      await archive(usager);

      // when a legal hold is placed, the archivist's read is traced, and a report line is written
      await retention(usager, {
        type: 'PlaceLegalHold',
        today: '2028-03-21',
        holdId: 'gel-1',
        placedOn: '2028-03-21',
        motive: 'Réquisition judiciaire',
        placedBy: 'dir-1',
      });
      await store.appendToStream(accessLogStreamId(organisationId, usager), [
        {
          id: randomUUID(),
          type: RECORD_READ,
          data: {
            serviceUserId: usager,
            roles: ['archivist'],
            resource: 'notes',
            sensitivities: [],
            purpose: 'archive',
          },
          metadata: { ...metadataFor(usager), actor: { kind: 'professional', id: 'arch-1', role: 'archivist' } },
        },
      ]);
      await store.appendToStream(destructionReportStreamId(organisationId), [
        { id: randomUUID(), type: 'DestructionReportNoted', data: {}, metadata: metadataFor(usager) },
      ]);

      // then all three were written, and the hold is counted
      expect(await store.readStream(accessLogStreamId(organisationId, usager))).to.have.length(1);
      expect(await store.readStream(destructionReportStreamId(organisationId))).to.have.length(1);
      expect(await recordRetentionOf(knex, readSchema, organisationId, usager)).to.deep.include({
        activeLegalHolds: 1,
      });
      // but another usager's access log is no way into this one's record
      const sideDoor = await store
        .appendToStream(accessLogStreamId(organisationId, other), [
          { id: randomUUID(), type: 'NoteWritten', data: {}, metadata: metadataFor(usager) },
        ])
        .catch((error: unknown) => error);
      expect(sideDoor).to.be.instanceOf(DomainRuleViolation).with.property('code', RECORD_ARCHIVED);
    });

    it('accepts writes again once the record is reopened, and refuses them once archived anew', async () => {
      // given usager-1 archived, then reopened when they come back
      await writeNote(usager, '2026-03-20T09:00:00.000Z');
      await archive(usager);
      await retention(usager, {
        type: 'ReopenRecord',
        today: '2028-03-21',
        reopenedOn: '2028-03-21',
        motive: 'L’usager revient',
        decidedBy: 'dir-1',
      });

      // when a note is written, then it is, and the clock restarts
      await writeNote(usager, '2028-03-21T10:00:00.000Z');
      expect(await isRecordArchived(knex, readSchema, organisationId, usager)).to.equal(false);
      expect(await recordRetentionOf(knex, readSchema, organisationId, usager)).to.deep.include({
        lastContactOn: '2028-03-21',
      });

      // when it is archived again, by decision, then writes are refused again
      await retention(usager, {
        type: 'ArchiveRecord',
        today: '2028-03-22',
        serviceUserId: usager,
        archivedOn: '2028-03-22',
        reason: 'decision',
        motive: 'Décès de l’usager',
        decidedBy: 'dir-1',
      });
      const refused = await writeNote(usager).catch((error: unknown) => error);
      expect(refused).to.be.instanceOf(DomainRuleViolation).with.property('code', RECORD_ARCHIVED);
    });

    it('sees an archive committed while an append waits, and refuses it', async function () {
      // PGlite has one connection: two transactions cannot interleave there
      if (backend.name === 'PGlite') this.skip();
      await writeNote(usager, '2026-03-20T09:00:00.000Z');

      // given an archive whose transaction holds the usager's row, not yet committed
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const archiving = knex.transaction(async (trx) => {
        await handleCommand(inTransaction(store, trx), recordRetentionDecider, {
          streamId: recordRetentionStreamId(organisationId, usager),
          commandId: randomUUID(),
          command: {
            type: 'ArchiveRecord',
            today: '2028-03-21',
            serviceUserId: usager,
            archivedOn: '2028-03-21',
            reason: 'retentionDelay',
            archiveDueOn: '2028-03-21',
          },
          metadata: metadataFor(usager),
        });
        await held;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));

      // when a note is written meanwhile, and the archive then commits
      const writing = writeNote(usager).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      await archiving;

      // then the note waited for the archive, and was refused
      expect(await writing)
        .to.be.instanceOf(DomainRuleViolation)
        .with.property('code', RECORD_ARCHIVED);
    });

    it('keeps `forget` of a crypto-shredding store it wraps', async () => {
      const log = new PostgresEventStore(knex, { schema });
      const shredding = withCryptoShredding(log, {
        keys: new KnexDataKeyStore(knex, { schema }),
        masterKey: randomBytes(32),
      });
      const guarded = withArchivedRecordsReadOnly(shredding, knex, readSchema);
      expect(guarded.forget).to.be.a('function');
      expect(withArchivedRecordsReadOnly(log, knex, readSchema)).to.not.have.property('forget');

      // when a usager is forgotten through it, then what was written about them reads as erased
      await guarded.appendToStream(`note-${randomUUID()}`, [
        { id: randomUUID(), type: 'NoteWritten', data: { text: 'x' }, metadata: metadataFor(other) },
      ]);
      await guarded.forget(other);
      const [event] = await shredding.readAll();
      expect(event?.data).to.deep.include({ $erased: true });
    });
  });
}

/** The store, with every append made in `trx` (for a test that holds a transaction open). */
function inTransaction(store: EventStore<Knex.Transaction>, trx: Knex.Transaction): EventStore<Knex.Transaction> {
  return {
    appendToStream: (streamId, events, options) =>
      store.appendToStream(streamId, events, { ...options, transaction: trx }),
    readStream: (streamId, options) => store.readStream(streamId, { ...options, transaction: trx }),
    readAll: (options) => store.readAll({ ...options, transaction: trx }),
    subscribeToAll: (options) => store.subscribeToAll(options),
    verifyIntegrity: (options) => store.verifyIntegrity(options),
    close: () => store.close(),
  };
}
