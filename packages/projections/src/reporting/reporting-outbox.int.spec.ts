import { randomUUID } from 'node:crypto';
import { migrateEventStore, openPglite, PostgresEventStore } from '@dui-pds/eventstore';
import {
  dropSchemasStartingWith,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { withInlineProjections } from '../runtime/inline-projections.js';
import { ProjectionRuntime } from '../runtime/projection-runtime.js';
import { purgeServiceUserRows } from '../runtime/service-user-purge.js';
import { InvalidReportingCursorError } from './reporting-cursor.js';
import { REPORTING_OUTBOX, reportingOutboxProjection } from './reporting-outbox-projection.js';
import { deriveReportingPseudonymKey, reportingSubjectKey } from './reporting-pseudonym.js';
import { readReportingEvents } from './reporting-queries.js';

const CSAPA = '750000001';
const pseudonymKey = deriveReportingPseudonymKey(Buffer.from('0123456789abcdef0123456789abcdef'));

const backends: { name: string; database: () => Knex }[] = [
  { name: 'PostgreSQL', database: () => testPostgres() },
  { name: 'PGlite', database: () => openPglite() },
];

for (const backend of backends) {
  describe(`The reporting outbox on ${backend.name}`, function () {
    this.timeout(60_000);
    let knex: Knex;
    let schema: string;
    let runtime: ProjectionRuntime;
    let store: ReturnType<typeof withInlineProjections>;
    let readSchema: string;
    const organisationId = uniqueOrganisationId();

    const act = (serviceUserId: string, code = 'consultation-medicale') =>
      testEvent(organisationId, {
        type: 'ActRecorded',
        data: {
          actId: randomUUID(),
          serviceUserId,
          facilityId: CSAPA,
          actType: { code, label: 'Consultation médicale', sensitivity: 'medical' },
          performedBy: { professionalId: 'pro-1', profession: 'doctor' },
          performedAt: '2026-03-10T09:00:00+01:00',
          durationMinutes: 30,
          note: 'Patient fatigué.',
        },
        metadata: { facilityId: CSAPA, serviceUserId },
      });
    const read = (after?: string, limit = 100) =>
      readReportingEvents(knex, readSchema, { organisationId, after, limit });
    /**
     * Reads until `count` events are visible: a transaction elsewhere in the cluster (another test
     * run) may hold the visibility fence for a moment, and a consumer simply reads again later.
     */
    const readAtLeast = async (count: number, after?: string) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const page = await read(after);
        if (page.events.length >= count || Date.now() > deadline) return page;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    beforeEach(async () => {
      knex = backend.database();
      schema = uniqueSchema('reporting');
      await migrateEventStore(knex, { schema });
      const log = new PostgresEventStore(knex, { schema });
      runtime = new ProjectionRuntime({
        knex,
        store: log,
        schema,
        projections: [],
        inline: [reportingOutboxProjection({ pseudonymKey })],
      });
      await runtime.migrate();
      store = withInlineProjections(log, knex, runtime);
      readSchema = runtime.readSchema(REPORTING_OUTBOX);
    });
    afterEach(async () => {
      await runtime.close();
      await dropSchemasStartingWith(knex, schema);
      await knex.destroy();
    });

    it('publishes the facts in the append’s transaction, pages them with a cursor, and never twice', async () => {
      // given five acts appended in three transactions, and an event it does not report
      await store.appendToStream('acts-1', [act('usager-1'), act('usager-1')]);
      await store.appendToStream('acts-2', [act('usager-2', 'entretien-social')]);
      await store.appendToStream('notes-1', [testEvent(organisationId, { type: 'RecordNoteWritten' })]);
      await store.appendToStream('acts-3', [act('usager-3'), act('usager-1')]);

      // when a consumer reads two at a time, once they are visible
      await readAtLeast(5);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const { events, next } = await read(cursor, 2);
        seen.push(...events.map((event) => event.id));
        if (events.length === 0) {
          expect(next).to.equal(cursor);
          break;
        }
        cursor = next;
      }

      // then it has each of them once, in order, with no personal data
      const all = await read();
      expect(seen).to.deep.equal(all.events.map((event) => event.id));
      expect(new Set(seen).size).to.equal(5);
      expect(all.events[0]).to.deep.include({
        type: 'act.recorded',
        version: 1,
        organisationId,
        facilityId: CSAPA,
        occurredOn: '2026-03-10',
        subjectKey: reportingSubjectKey(pseudonymKey, organisationId, 'usager-1'),
      });
      expect(all.events[0]?.data).to.include({
        actType: 'consultation-medicale',
        profession: 'doctor',
        collective: false,
      });
      expect(JSON.stringify(all.events)).not.to.include('usager-1').and.not.to.include('fatigué');
      // another organisation reads none of them
      expect((await readReportingEvents(knex, readSchema, { organisationId: 'og-autre', limit: 10 })).events).to.be
        .empty;

      // when the same events are applied again (a retried append)
      const appended = await store.readStream('acts-1');
      await knex.transaction((trx) => runtime.applyInline(trx, appended));

      // then nothing is published twice
      expect((await read()).events).to.have.length(5);
    });

    it('refuses a cursor it did not give', async () => {
      for (const cursor of ['pas un curseur', 'AAAA', Buffer.from('r1:1:x').toString('base64url')]) {
        const refusal = await read(cursor).catch((error: unknown) => error);
        expect(refusal, cursor).to.be.instanceOf(InvalidReportingCursorError);
      }
    });

    it('keeps its rows at the end of retention, and publishes nothing of an erased event', async () => {
      await store.appendToStream('acts-1', [act('usager-1')]);
      await store.appendToStream('acts-2', [
        testEvent(organisationId, { type: 'ActRecorded', data: { $erased: true, serviceUserId: 'usager-2' } }),
      ]);
      await readAtLeast(1);
      const purged = await purgeServiceUserRows(knex, [readSchema], { organisationId, serviceUserId: 'usager-1' });
      expect(purged.total).to.equal(0);
      expect((await read()).events.map((event) => event.type)).to.deep.equal(['act.recorded']);
    });

    it('names the TSO product of a dispensation, from the products of the ledger', async () => {
      const ledger = `pharmacy-ledger/${organisationId}/${CSAPA}/2026-03`;
      const product = (productId: string, tsoProduct?: string) => ({
        productId,
        name: 'Méthadone',
        productClass: 'narcotic',
        unit: 'flacon',
        ...(tsoProduct ? { tsoProduct } : {}),
      });
      const dispensed = (productId: string) =>
        testEvent(organisationId, {
          type: 'MedicineDispensed',
          data: {
            lineId: randomUUID(),
            prescriptionId: 'rx-1',
            serviceUserId: 'usager-1',
            productId,
            lots: [{ lot: 'L1', units: 3 }],
            units: 3,
            presentedOn: '2026-03-02',
            dispensedOn: '2026-03-02',
          },
          metadata: { facilityId: CSAPA, serviceUserId: 'usager-1' },
        });
      await store.appendToStream(ledger, [
        testEvent(organisationId, {
          type: 'LedgerMonthOpened',
          data: {
            facilityId: CSAPA,
            month: '2026-03',
            openedOn: '2026-03-01',
            products: [product('p-metha', 'methadone-syrup')],
            lots: [],
            lastOrdonnancierNumber: 0,
            prescriptions: [],
          },
        }),
        testEvent(organisationId, { type: 'ProductDefined', data: { product: product('p-bhd', 'buprenorphine-hd') } }),
        testEvent(organisationId, { type: 'ProductDefined', data: { product: product('p-para') } }),
        dispensed('p-metha'),
        dispensed('p-bhd'),
        dispensed('p-para'),
      ]);
      const { events } = await readAtLeast(3);
      expect(events.map((event) => [event.type, event.facilityId, event.data.productFamily])).to.deep.equal([
        ['medicine.dispensed', CSAPA, 'methadone-syrup'],
        ['medicine.dispensed', CSAPA, 'buprenorphine-hd'],
        ['medicine.dispensed', CSAPA, 'other'],
      ]);
    });

    if (backend.name === 'PostgreSQL') {
      it('never skips a transaction that took its position first and committed last', async () => {
        // given a transaction that appends, and stays open
        let commitFirst!: () => void;
        const held = new Promise<void>((resolve) => {
          commitFirst = resolve;
        });
        let appendedFirst!: () => void;
        const firstAppended = new Promise<void>((resolve) => {
          appendedFirst = resolve;
        });
        const slow = knex.transaction(async (trx) => {
          await store.appendToStream('acts-slow', [act('usager-1')], { transaction: trx });
          appendedFirst();
          await held;
        });
        await firstAppended;
        const before = await read();

        // when another one appends and commits meanwhile, and a consumer reads
        await store.appendToStream('acts-fast', [act('usager-2')]);
        const whileOpen = await read(before.next);

        // then the consumer sees neither yet: the late one holds the fence
        expect(whileOpen.events).to.be.empty;

        // when the first one commits
        commitFirst();
        await slow;
        const after = await readAtLeast(2, whileOpen.next);

        // then the consumer, resuming from its cursor, gets both, the first one first
        expect(after.events.map((event) => event.subjectKey)).to.deep.equal([
          reportingSubjectKey(pseudonymKey, organisationId, 'usager-1'),
          reportingSubjectKey(pseudonymKey, organisationId, 'usager-2'),
        ]);
        expect((await read(after.next)).events).to.be.empty;
      });
    }
  });
}
