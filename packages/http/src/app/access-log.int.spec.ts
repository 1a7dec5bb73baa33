import { randomUUID } from 'node:crypto';
import {
  destructionReportStreamId,
  type RecordDestroyed,
  type RecordRead,
  recordRetentionStreamId,
} from '@dui-pds/domain';
import { ServiceUserTenantMismatchError } from '@dui-pds/eventstore';
import { closedRecordsAmong, recordRetentionProjection } from '@dui-pds/projections';
import { expect } from 'chai';
import { HttpProblem } from '../server/index.js';
import { AccessLog, type ProfessionalRead } from './access-log.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-access-log';
const CSAPA = '750000001';
const CAARUD = '750000002';
/** More usagers than the appends one request makes at once, so that some wait their turn. */
const MANY = 20;

describe('the access log, tracing the reads of a list of usagers at once', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  let accessLog: AccessLog;

  const readOf = (serviceUserId: string, facilityId = CSAPA): ProfessionalRead => ({
    organisationId: ORG,
    professionalId: 'pro-educator',
    correlationId: 'correlation-1',
    read: {
      serviceUserId,
      facilityId,
      roles: ['educator'],
      resource: 'handovers',
      sensitivities: ['social'],
      purpose: 'care',
    },
  });
  const entriesOf = (serviceUserId: string) => accessLog.entries(ORG, serviceUserId);
  const entryCounts = async (serviceUserIds: string[]) =>
    Promise.all(serviceUserIds.map(async (serviceUserId) => (await entriesOf(serviceUserId)).length));
  const usagers = (count: number) => Array.from({ length: count }, () => randomUUID());

  /** As the archiving decision, or the end-of-retention job, records it. */
  const archive = (serviceUserId: string) =>
    app.server.store.appendToStream(recordRetentionStreamId(ORG, serviceUserId), [
      {
        id: randomUUID(),
        type: 'RecordArchived',
        data: { serviceUserId, archivedOn: '2030-01-02', reason: 'retentionDelay' },
        metadata: {
          organisationId: ORG,
          serviceUserId,
          actor: { kind: 'professional', id: 'pro-director', role: 'director' },
          occurredAt: new Date().toISOString(),
        },
      },
    ]);
  const destroy = (serviceUserId: string) => {
    const destroyed: RecordDestroyed = {
      serviceUserId,
      facilityIds: [CSAPA],
      destroyedAt: new Date().toISOString(),
      lastContactOn: '2020-03-01',
      holdsMedicalData: false,
      destructionDueOn: '2027-03-01',
      rule: { dataClass: 'socialAndAdministrative', legalSource: 'CNIL' },
      documentsPurged: 0,
      blobsPurged: 0,
      readModelRowsPurged: 0,
    };
    return app.server.store.appendToStream(destructionReportStreamId(ORG), [
      {
        id: randomUUID(),
        type: 'RecordDestroyed',
        data: destroyed,
        metadata: {
          organisationId: ORG,
          actor: { kind: 'system', id: 'end-of-retention' },
          occurredAt: destroyed.destroyedAt,
        },
      },
    ]);
  };

  before(async () => {
    app = await ServerUnderTest.start();
    const retentionSchema = app.server.runtime.readSchema(recordRetentionProjection.name);
    // as the composition root makes it
    accessLog = new AccessLog(
      app.server.store,
      () => new Date(),
      (organisationId, serviceUserIds) =>
        closedRecordsAmong(app.server.knex, retentionSchema, organisationId, serviceUserIds),
    );
  });
  after(() => app.close());

  it('appends one read to each usager’s own access log', async () => {
    // given a list showing many usagers
    const shown = usagers(MANY);

    // when its reads are traced
    await accessLog.recordReads(shown.map((serviceUserId) => readOf(serviceUserId)));

    // then each usager's log holds exactly their read, and no one else's
    for (const serviceUserId of shown) {
      const entries = await entriesOf(serviceUserId);
      expect(entries, serviceUserId).to.have.length(1);
      expect(entries[0]!.data).to.deep.equal(readOf(serviceUserId).read);
      expect(entries[0]!.metadata).to.deep.include({
        organisationId: ORG,
        facilityId: CSAPA,
        serviceUserId,
        correlationId: 'correlation-1',
        actor: { kind: 'professional', id: 'pro-educator', role: 'educator' },
      });
    }
  });

  it('keeps, for a usager read in two ESSMS, both reads in the order given', async () => {
    // given one usager shown in two ESSMS, among others
    const [twice, ...others] = usagers(3) as [string, ...string[]];

    // when
    await accessLog.recordReads([
      readOf(twice, CSAPA),
      ...others.map((serviceUserId) => readOf(serviceUserId)),
      readOf(twice, CAARUD),
    ]);

    // then
    const entries = await entriesOf(twice);
    expect(entries.map((entry) => (entry.data as RecordRead).facilityId)).to.deep.equal([CSAPA, CAARUD]);
    expect(await entryCounts(others)).to.deep.equal([1, 1]);
  });

  it('refuses a list holding an archived record with 403, and traces no read at all', async () => {
    // given an archived record among open ones
    const shown = usagers(MANY);
    await archive(shown[7]!);

    // when
    const refusal = await accessLog.recordReads(shown.map((serviceUserId) => readOf(serviceUserId))).then(
      () => undefined,
      (error: unknown) => error,
    );

    // then
    expect(refusal).to.be.instanceOf(HttpProblem);
    expect(refusal).to.deep.include({ status: 403, extensions: { reason: 'recordArchived' } });
    expect(await entryCounts(shown)).to.deep.equal(shown.map(() => 0));
  });

  it('traces every read, the archived record’s too, when the archivist’s export opens it', async () => {
    // given
    const shown = usagers(4);
    await archive(shown[0]!);

    // when
    await accessLog.recordReads(
      shown.map((serviceUserId) => readOf(serviceUserId)),
      { archivedRecords: 'open' },
    );

    // then
    expect(await entryCounts(shown)).to.deep.equal([1, 1, 1, 1]);
  });

  it('refuses a list holding a destroyed record with 410, even beside an archived one, and traces no read', async () => {
    // given a destroyed record and an archived one among open ones
    const shown = usagers(MANY);
    await archive(shown[2]!);
    await destroy(shown[11]!);

    // when
    const refusal = await accessLog
      .recordReads(
        shown.map((serviceUserId) => readOf(serviceUserId)),
        { archivedRecords: 'open' },
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    // then
    expect(refusal).to.be.instanceOf(HttpProblem);
    expect((refusal as HttpProblem).status).to.equal(410);
    expect(await entryCounts(shown)).to.deep.equal(shown.map(() => 0));
  });

  it('fails when one of the appends fails: the list does not leave with a read untraced', async () => {
    // given a usager whose record, and key, belong to another organisation
    const elsewhere = randomUUID();
    await accessLog.recordRead({ ...readOf(elsewhere), organisationId: 'og-elsewhere' });
    const shown = [...usagers(MANY), elsewhere];

    // when a list of this organisation names them
    const failure = await accessLog.recordReads(shown.map((serviceUserId) => readOf(serviceUserId))).then(
      () => undefined,
      (error: unknown) => error,
    );

    // then the store refused that read, and so the whole list fails
    expect(failure).to.be.instanceOf(ServiceUserTenantMismatchError);
    expect(await entriesOf(elsewhere)).to.have.length(0);
  });
});
