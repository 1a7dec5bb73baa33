import {
  destructionReportStreamId,
  type RecordDestroyed,
  type RecordRetentionEvent,
  recordRetentionStreamId,
  retentionScheduleOf,
} from '@dui-pds/domain';
import type { Actor } from '@dui-pds/eventstore';
import { expect } from 'chai';
import fc from 'fast-check';
import { modelRows } from '../runtime/model-rows.js';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { recordRetentionProjection } from './record-retention-projection.js';
import { isRecordArchived, recordRetentionOf, recordsDue, retentionFactsOf } from './record-retention-queries.js';

const organisationId = 'og-1';
const csapa = '750000001';
const caarud = '750000002';
const educator: Actor = { kind: 'professional', id: 'pro-edu', role: 'educator' };
const doctor: Actor = { kind: 'professional', id: 'pro-doc', role: 'doctor,director' };
const secretary: Actor = { kind: 'professional', id: 'pro-sec', role: 'secretary' };

/** A fact about a usager, as its envelope says. */
function fact(
  type: string,
  occurredAt: string,
  { serviceUserId = 'usager-1', facilityId = csapa, actor = educator, organisation = organisationId } = {},
): GivenEvent {
  return {
    type,
    data: { secret: `données de ${serviceUserId}` },
    streamId: `${type}-${serviceUserId}`,
    metadata: { organisationId: organisation, facilityId, serviceUserId, actor, occurredAt },
  };
}

/** A retention event, on the usager's retention stream, with or without the usager in its envelope. */
function retention(event: RecordRetentionEvent, occurredAt: string, serviceUserId = 'usager-1'): GivenEvent {
  return {
    type: event.type,
    data: event.data,
    streamId: recordRetentionStreamId(organisationId, serviceUserId),
    metadata: {
      organisationId,
      serviceUserId,
      actor: { kind: 'professional', id: 'dir-1', role: 'director' },
      occurredAt,
    },
  };
}

const archived = (archivedOn: string): RecordRetentionEvent => ({
  type: 'RecordArchived',
  data: { serviceUserId: 'usager-1', archivedOn, reason: 'retentionDelay' },
});
const reopened: RecordRetentionEvent = {
  type: 'RecordReopened',
  data: { reopenedOn: '2028-04-01', motive: 'retour', decidedBy: 'dir-1' },
};
const holdPlaced = (holdId: string): RecordRetentionEvent => ({
  type: 'LegalHoldPlaced',
  data: { holdId, placedOn: '2028-04-02', motive: 'contentieux', placedBy: 'dir-1' },
});
const holdLifted = (holdId: string): RecordRetentionEvent => ({
  type: 'LegalHoldLifted',
  data: { holdId, liftedOn: '2028-04-03', liftedBy: 'dir-1' },
});

/** A life of usager-1: social follow-up in two ESSMS, a doctor's note, an exit, reads after it. */
const life: GivenEvent[] = [
  fact('ServiceUserRegistered', '2025-01-06T09:00:00Z', { actor: secretary }),
  fact('NoteWritten', '2025-02-10T09:00:00Z', { facilityId: caarud }),
  fact('NoteWritten', '2025-06-02T09:00:00Z', { actor: doctor }),
  fact('ExitRecorded', '2026-01-09T10:00:00Z'),
  // 00:30 in Paris on 21 March 2026: the last contact is that day, Paris time
  fact('PostExitActionDone', '2026-03-20T23:30:00Z'),
  // record administration after it is no contact
  fact('RecordRead', '2027-05-01T09:00:00Z', { actor: doctor }),
  fact('PortalLoginSucceeded', '2027-05-02T09:00:00Z', { actor: { kind: 'serviceUser', id: 'usager-1' } }),
  fact('AccessRequestFiled', '2027-05-03T09:00:00Z', { facilityId: '750000003' }),
  // another usager, and the same id in another organisation
  fact('NoteWritten', '2025-03-01T09:00:00Z', { serviceUserId: 'usager-2' }),
  fact('NoteWritten', '2027-01-01T09:00:00Z', { organisation: 'og-2' }),
];

describe('the record retention projection', () => {
  const spec = ProjectionSpecification.for(recordRetentionProjection);
  after(() => spec.close());

  it('keeps, from envelopes, the facts the retention schedule needs', async () => {
    // given the life of usager-1
    const schema = await spec.modelAfter(life);

    // when
    const view = await recordRetentionOf(spec.db, schema, organisationId, 'usager-1');

    // then
    expect(view).to.deep.equal({
      organisationId,
      serviceUserId: 'usager-1',
      facilityIds: [csapa, caarud],
      lastContactOn: '2026-03-21',
      lastStayEndedOn: '2026-01-09',
      holdsMedicalData: true,
      activeLegalHolds: 0,
    });
    const schedule = retentionScheduleOf(retentionFactsOf(view!)!);
    expect(schedule.archiveDueOn).to.equal('2028-03-21');
    expect(schedule.destructionDueOn).to.equal('2046-03-21');
    expect(await recordRetentionOf(spec.db, schema, organisationId, 'usager-2')).to.deep.include({
      lastContactOn: '2025-03-01',
      holdsMedicalData: false,
      facilityIds: [csapa],
    });
    expect(await recordRetentionOf(spec.db, schema, 'og-2', 'usager-1')).to.deep.include({
      lastContactOn: '2027-01-01',
    });
    expect(await recordRetentionOf(spec.db, schema, organisationId, 'usager-3')).to.equal(undefined);
  });

  it('gives the same model once the usagers were forgotten: it never reads their data', async () => {
    // given the same life, its data erased
    const before = await spec.modelAfter(life);
    const after = await spec.modelAfter(life.map((event) => erased(event)));

    // then
    expect(await modelRows(spec.db, after, 'record_retention')).to.deep.equal(
      await modelRows(spec.db, before, 'record_retention'),
    );
  });

  it('follows the archive, the reopening and the legal holds, from the usager’s retention stream', async () => {
    // given usager-1 archived, reopened, archived again, with two holds of which one is lifted
    const schema = await spec.modelAfter([
      ...life,
      retention(archived('2028-03-21'), '2028-03-21T05:00:00Z'),
      retention(holdPlaced('gel-1'), '2028-04-02T09:00:00Z'),
      retention(holdPlaced('gel-2'), '2028-04-02T09:05:00Z'),
      retention(holdLifted('gel-1'), '2028-04-03T09:00:00Z'),
    ]);
    expect(await recordRetentionOf(spec.db, schema, organisationId, 'usager-1')).to.deep.include({
      archivedOn: '2028-03-21',
      archiveReason: 'retentionDelay',
      activeLegalHolds: 1,
    });
    expect(await isRecordArchived(spec.db, schema, organisationId, 'usager-1')).to.equal(true);
    expect(await isRecordArchived(spec.db, schema, organisationId, 'usager-2')).to.equal(false);
    expect(await isRecordArchived(spec.db, schema, 'og-2', 'usager-1')).to.equal(false);
    expect(
      await isRecordArchived(spec.db, schema, organisationId, ['usager-1', 'usager-2', 'usager-9', 'usager-1']),
    ).to.deep.equal(new Set(['usager-1']));
    expect(await isRecordArchived(spec.db, schema, organisationId, [])).to.deep.equal(new Set());

    // when it is reopened, in the same batch as its archive, then archived again with its data erased
    const reopenedSchema = await spec.modelAfter([
      ...life,
      retention(archived('2028-03-21'), '2028-03-21T05:00:00Z'),
      retention(reopened, '2028-04-01T09:00:00Z'),
    ]);
    const erasedArchive = await spec.modelAfter([
      ...life,
      erased(retention(archived('2028-03-21'), '2028-03-22T05:00:00Z')),
    ]);

    // then
    const reopenedView = await recordRetentionOf(spec.db, reopenedSchema, organisationId, 'usager-1');
    expect(reopenedView).to.not.have.property('archivedOn');
    expect(reopenedView).to.not.have.property('archiveReason');
    expect(await recordRetentionOf(spec.db, erasedArchive, organisationId, 'usager-1')).to.deep.include({
      archivedOn: '2028-03-22',
    });
  });

  it('records the destruction, from the report that names no one in its envelope', async () => {
    const destroyed: RecordDestroyed = {
      serviceUserId: 'usager-2',
      facilityIds: [csapa],
      destroyedAt: '2032-03-01T02:00:00.000Z',
      lastContactOn: '2025-03-01',
      holdsMedicalData: false,
      destructionDueOn: '2032-03-01',
      rule: { dataClass: 'socialAndAdministrative', legalSource: 'CNIL' },
      documentsPurged: 0,
      blobsPurged: 0,
      readModelRowsPurged: 12,
    };
    const schema = await spec.modelAfter([
      ...life,
      {
        type: 'RecordDestroyed',
        data: destroyed,
        streamId: destructionReportStreamId(organisationId),
        metadata: {
          organisationId,
          actor: { kind: 'system', id: 'retention-job' },
          occurredAt: '2032-03-01T02:00:01Z',
        },
      },
    ]);
    expect(await recordRetentionOf(spec.db, schema, organisationId, 'usager-2')).to.deep.include({
      destroyedAt: '2032-03-01T02:00:00.000Z',
    });
    expect(await recordsDue(spec.db, schema, { today: '2040-01-01', organisationId })).to.have.length(1);
  });

  describe('the records due', () => {
    it('lists a record on its archive day, not the day before, then on its destruction day', async () => {
      // given usager-2, social only, last seen on 1 March 2025; usager-1 with health data
      const schema = await spec.modelAfter(life);
      const due = async (today: string) =>
        (await recordsDue(spec.db, schema, { organisationId, today })).map(
          ({ serviceUserId, archiveDue, destructionDue, status }) => ({
            serviceUserId,
            archiveDue,
            destructionDue,
            status,
          }),
        );

      // then
      expect(await due('2027-02-28')).to.deep.equal([]);
      expect(await due('2027-03-01')).to.deep.equal([
        { serviceUserId: 'usager-2', archiveDue: true, destructionDue: false, status: 'archiveDue' },
      ]);
      expect(await due('2032-02-29')).to.deep.equal([
        { serviceUserId: 'usager-1', archiveDue: true, destructionDue: false, status: 'archiveDue' },
        { serviceUserId: 'usager-2', archiveDue: true, destructionDue: false, status: 'archiveDue' },
      ]);
      expect(await due('2032-03-01')).to.deep.include({
        serviceUserId: 'usager-2',
        archiveDue: true,
        destructionDue: true,
        status: 'destructionDue',
      });
      expect(await recordsDue(spec.db, schema, { today: '2027-03-01' })).to.have.length(1);
      expect(await recordsDue(spec.db, schema, { today: '2029-01-02' })).to.have.length(3);
      expect(
        await recordsDue(spec.db, schema, {
          today: '2032-03-01',
          policyOf: () => ({ socialIntermediateArchiveYears: 3 }),
        }),
      )
        .to.be.an('array')
        .with.length(3);
    });

    it('follows each organisation’s own policy, asked once per organisation', async () => {
      // given social-only records last seen the same day in two organisations, one keeping 3 years
      // of intermediate archive, the other 8
      const schema = await spec.modelAfter([
        fact('NoteWritten', '2024-06-01T09:00:00Z', { serviceUserId: 'usager-a' }),
        fact('NoteWritten', '2024-06-01T09:00:00Z', { serviceUserId: 'usager-b' }),
        fact('NoteWritten', '2024-06-01T09:00:00Z', { serviceUserId: 'usager-z', organisation: 'og-2' }),
      ]);
      const asked: string[] = [];
      const policyOf = async (organisation: string) => {
        asked.push(organisation);
        return { socialIntermediateArchiveYears: organisation === organisationId ? 3 : 8 };
      };

      // when the job looks 5 years after the last contact
      const due = await recordsDue(spec.db, schema, { today: '2029-06-01', policyOf });

      // then the first organisation's records are due for destruction, the other's for archive only
      expect(due.map(({ organisationId: of, serviceUserId, status }) => [of, serviceUserId, status])).to.deep.equal([
        [organisationId, 'usager-a', 'destructionDue'],
        [organisationId, 'usager-b', 'destructionDue'],
        ['og-2', 'usager-z', 'archiveDue'],
      ]);
      expect(asked).to.deep.equal([organisationId, 'og-2']);
    });

    it('counts 29 February as 28 February in a common year', async () => {
      const schema = await spec.modelAfter([
        fact('NoteWritten', '2024-02-29T09:00:00Z', { serviceUserId: 'usager-9' }),
      ]);
      expect(await recordsDue(spec.db, schema, { today: '2026-02-27' })).to.deep.equal([]);
      const [due] = await recordsDue(spec.db, schema, { today: '2026-02-28' });
      expect(due).to.deep.include({ serviceUserId: 'usager-9', archiveDue: true, status: 'archiveDue' });
      expect(due!.schedule.archiveDueOn).to.equal('2026-02-28');
    });

    it('lists no archive for an archived record, and no destruction under a legal hold', async () => {
      // given usager-2 archived, under a hold
      const schema = await spec.modelAfter([
        ...life,
        retention(
          {
            type: 'RecordArchived',
            data: { serviceUserId: 'usager-2', archivedOn: '2027-03-01', reason: 'retentionDelay' },
          },
          '2027-03-01T05:00:00Z',
          'usager-2',
        ),
        retention(holdPlaced('gel-1'), '2027-04-01T05:00:00Z', 'usager-2'),
      ]);
      const usager2 = async (today: string) =>
        (await recordsDue(spec.db, schema, { organisationId, today })).filter(
          (record) => record.serviceUserId === 'usager-2',
        );

      // then
      expect(await usager2('2028-01-01')).to.deep.equal([]);
      expect(await usager2('2033-01-01')).to.deep.equal([]);

      // and once lifted, the destruction is due
      const lifted = await spec.modelAfter([
        ...life,
        retention(
          {
            type: 'RecordArchived',
            data: { serviceUserId: 'usager-2', archivedOn: '2027-03-01', reason: 'retentionDelay' },
          },
          '2027-03-01T05:00:00Z',
          'usager-2',
        ),
        retention(holdPlaced('gel-1'), '2027-04-01T05:00:00Z', 'usager-2'),
        retention(holdLifted('gel-1'), '2027-04-02T05:00:00Z', 'usager-2'),
      ]);
      const [due] = (await recordsDue(spec.db, lifted, { organisationId, today: '2033-01-01' })).filter(
        (record) => record.serviceUserId === 'usager-2',
      );
      expect(due).to.deep.include({ archiveDue: false, destructionDue: true, status: 'destructionDue' });
      expect(due!.schedule.rule.dataClass).to.equal('socialAndAdministrative');
    });
  });

  it('gives the same model whether events are applied one by one or in batches', async function () {
    // fifty models built, each in its own schema: 5 s on a quiet machine, far more on a loaded one
    this.timeout(120_000);
    const oneByOne = ProjectionSpecification.for({ ...recordRetentionProjection, evolveBatch: undefined });
    after(() => oneByOne.close());
    const events = fc.array(
      fc.oneof(
        fc.record({
          type: fc.constantFrom('NoteWritten', 'ExitRecorded', 'RecordRead', 'MedicineDispensed'),
          day: fc.integer({ min: 1, max: 28 }),
          serviceUserId: fc.constantFrom('usager-1', 'usager-2'),
          facilityId: fc.constantFrom(csapa, caarud),
          actor: fc.constantFrom(educator, doctor),
        }),
        fc.record({
          type: fc.constantFrom('archive', 'reopen', 'hold', 'lift'),
          day: fc.integer({ min: 1, max: 28 }),
          serviceUserId: fc.constantFrom('usager-1', 'usager-2'),
        }),
      ),
      { maxLength: 15 },
    );
    await fc.assert(
      fc.asyncProperty(events, async (drawn) => {
        const given = drawn.map((event): GivenEvent => {
          const occurredAt = `2026-02-${String(event.day).padStart(2, '0')}T10:00:00Z`;
          switch (event.type) {
            case 'archive':
              return retention(
                {
                  type: 'RecordArchived',
                  data: { serviceUserId: event.serviceUserId, archivedOn: occurredAt.slice(0, 10), reason: 'decision' },
                },
                occurredAt,
                event.serviceUserId,
              );
            case 'reopen':
              return retention(reopened, occurredAt, event.serviceUserId);
            case 'hold':
              return retention(holdPlaced(`gel-${event.day}`), occurredAt, event.serviceUserId);
            case 'lift':
              return retention(holdLifted(`gel-${event.day}`), occurredAt, event.serviceUserId);
            default:
              return fact(event.type, occurredAt, event);
          }
        });
        const batched = await spec.modelAfter(given);
        const single = await oneByOne.modelAfter(given);
        expect(await modelRows(oneByOne.db, single, 'record_retention')).to.deep.equal(
          await modelRows(spec.db, batched, 'record_retention'),
        );
      }),
      { numRuns: 25 },
    );
  });
});
