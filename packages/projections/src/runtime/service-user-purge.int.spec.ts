import { randomBytes, randomUUID } from 'node:crypto';
import {
  type AgendaFeedIssued,
  type AgendaItemAdded,
  agendaFeedStreamId,
  agendaItemStreamId,
  asEventList,
  type DirectoryEntryAdded,
  type DirectoryEntryUpdated,
  destructionReportStreamId,
  directoryEntryStreamId,
  type ExchangeCorrected,
  type ExchangeRecorded,
  exchangeStreamId,
  type HandoverRead,
  type HandoverRecorded,
  handoverStreamId,
  type InformationSent,
  informationStreamId,
  type PersonalisedProject,
  type PersonalisedProjectCommand,
  type PlannedEventAttendanceRecorded,
  type PlannedEventScheduled,
  personalisedProjectDecider,
  personalisedProjectStreamId,
  plannedEventStreamId,
  type RecordDestroyed,
} from '@dui-pds/domain';
import {
  type CryptoShreddingEventStore,
  KnexDataKeyStore,
  migrateEventStore,
  PostgresEventStore,
  withCryptoShredding,
} from '@dui-pds/eventstore';
import {
  dropSchemasStartingWith,
  testEvent,
  testPostgres,
  uniqueOrganisationId,
  uniqueSchema,
} from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { agendasProjection } from '../agendas/agendas-projection.js';
import { directoryProjection } from '../directory/directory-projection.js';
import { exchangesProjection } from '../exchanges/exchanges-projection.js';
import { handoversProjection } from '../handovers/handovers-projection.js';
import { personalisedProjectsProjection } from '../personalised-projects/personalised-projects-projection.js';
import { withInlineProjections } from './inline-projections.js';
import { modelRows } from './model-rows.js';
import { ProjectionRuntime } from './projection-runtime.js';
import { relationsOf } from './read-schema.js';

const CSAPA = '750000001';

/**
 * The end of retention destroys a usager's key, then deletes their rows from the read models
 * (`ProjectionRuntime.purgeServiceUser`): these cases are models that name the usager otherwise
 * than by a `service_user_id` column, or keep rows hanging off one that has it.
 */
describe('the purge of a usager’s rows at the end of retention', function () {
  this.timeout(60_000);
  let knex: Knex;
  let schema: string;
  let shredding: CryptoShreddingEventStore<Knex.Transaction>;
  let store: ReturnType<typeof withInlineProjections>;
  let runtime: ProjectionRuntime;

  before(async () => {
    knex = testPostgres();
    schema = uniqueSchema('purge');
    await migrateEventStore(knex, { schema });
    shredding = withCryptoShredding(new PostgresEventStore(knex, { schema }), {
      keys: new KnexDataKeyStore(knex, { schema }),
      masterKey: randomBytes(32),
    });
    runtime = new ProjectionRuntime({
      knex,
      store: shredding,
      schema,
      projections: [],
      inline: [
        agendasProjection,
        directoryProjection,
        exchangesProjection,
        handoversProjection,
        personalisedProjectsProjection,
      ],
    });
    await runtime.migrate();
    store = withInlineProjections(shredding, knex, runtime);
  });
  after(async () => {
    await runtime?.close();
    await dropSchemasStartingWith(knex, schema);
    await knex?.destroy();
  });

  /** Appends one event as the shell would: encrypted with the key of `serviceUserId` when given. */
  const append = (organisationId: string, streamId: string, type: string, data: unknown, serviceUserId?: string) =>
    store.appendToStream(streamId, [
      testEvent(organisationId, {
        type,
        data,
        metadata: { facilityId: CSAPA, ...(serviceUserId === undefined ? {} : { serviceUserId }) },
      }),
    ]);

  /** Every row of every table of a model, as text. */
  const rowsOf = async (projection: string): Promise<string[]> => {
    const readSchema = runtime.readSchema(projection);
    const rows: string[] = [];
    for (const table of await relationsOf(knex, readSchema, 'v')) {
      const { rows: texts } = await knex.raw<{ rows: { row: string }[] }>(
        `select '${table} ' || t::text as row from ${readSchema}.${table} t`,
      );
      rows.push(...texts.map(({ row }) => row));
    }
    return rows;
  };
  const tablesOf = async (projection: string) => {
    const readSchema = runtime.readSchema(projection);
    const tables: Record<string, Record<string, unknown>[]> = {};
    for (const table of await relationsOf(knex, readSchema, 'v'))
      tables[table] = await modelRows(knex, readSchema, table);
    return tables;
  };

  it('leaves nothing of a usager in the agendas, and their fellow participants where they were', async () => {
    const organisationId = uniqueOrganisationId();
    const [u, v] = [randomUUID(), randomUUID()];
    const secret = 'Sevrage alcool, troisième tentative';
    const ids = { appointment: randomUUID(), other: randomUUID(), workshop: randomUUID(), outing: randomUUID() };
    const scheduled = (plannedEventId: string, fields: Partial<PlannedEventScheduled>): PlannedEventScheduled => ({
      plannedEventId,
      facilityId: CSAPA,
      kind: 'collective-activity',
      title: 'Atelier cuisine',
      startsAt: '2026-12-01T14:00:00+01:00',
      endsAt: '2026-12-01T16:00:00+01:00',
      organiserId: 'pro-educ',
      serviceUserIds: [],
      professionalIds: [],
      partners: [],
      ...fields,
    });
    const attended = (plannedEventId: string, serviceUserId: string, present: boolean) =>
      append(
        organisationId,
        plannedEventStreamId(organisationId, plannedEventId),
        'PlannedEventAttendanceRecorded',
        {
          plannedEventId,
          participant: { kind: 'usager', serviceUserId },
          attendance: present ? { status: 'present' } : { status: 'absent', justified: true, reason: 'malade' },
        } satisfies PlannedEventAttendanceRecorded,
        serviceUserId,
      );

    // given U's appointment (in their stream, with their key), and V's
    for (const [plannedEventId, serviceUserId] of [
      [ids.appointment, u],
      [ids.other, v],
    ] as const) {
      const stream = plannedEventStreamId(organisationId, plannedEventId);
      await append(
        organisationId,
        stream,
        'PlannedEventScheduled',
        scheduled(plannedEventId, {
          kind: 'appointment',
          title: serviceUserId === u ? `Consultation : ${secret}` : 'Consultation',
          place: 'Bureau 3',
          organiserId: 'pro-doctor',
          serviceUserIds: [serviceUserId],
          accompanimentId: `stay-${serviceUserId}`,
        }),
        serviceUserId,
      );
      await append(organisationId, stream, 'PlannedEventHeld', { plannedEventId }, serviceUserId);
      await attended(plannedEventId, serviceUserId, true);
    }
    // and a workshop of the ESSMS with U and V (in clear), held, where each one's presence is theirs
    const workshop = plannedEventStreamId(organisationId, ids.workshop);
    await append(
      organisationId,
      workshop,
      'PlannedEventScheduled',
      scheduled(ids.workshop, {
        serviceUserIds: [u, v],
        professionalIds: ['pro-nurse'],
        partners: ['Culture du cœur'],
      }),
    );
    await append(organisationId, workshop, 'PlannedEventHeld', { plannedEventId: ids.workshop });
    await attended(ids.workshop, u, true);
    await attended(ids.workshop, v, false);
    // and an outing with U alone, linked to their stay
    await append(
      organisationId,
      plannedEventStreamId(organisationId, ids.outing),
      'PlannedEventScheduled',
      scheduled(ids.outing, {
        kind: 'outing',
        title: 'Sortie au musée',
        serviceUserIds: [u],
        accompanimentId: `stay-${u}`,
      }),
    );
    // and U's agenda item, a professional's item about U, information sent to U, and U's ICS feed
    const item = (owner: AgendaItemAdded['owner'], fields: Partial<AgendaItemAdded> = {}): AgendaItemAdded => ({
      itemId: randomUUID(),
      owner,
      facilityId: CSAPA,
      title: `Audience : ${secret}`,
      startsAt: '2026-12-03T09:00:00+01:00',
      endsAt: '2026-12-03T11:00:00+01:00',
      addedBy: 'pro-social',
      ...fields,
    });
    for (const data of [
      item({ kind: 'usager', serviceUserId: u }),
      item({ kind: 'professional', professionalId: 'pro-social' }, { serviceUserId: u }),
    ]) {
      await append(organisationId, agendaItemStreamId(organisationId, data.itemId), 'AgendaItemAdded', data, u);
    }
    const information: InformationSent = {
      informationId: randomUUID(),
      recipient: { kind: 'usager', serviceUserId: u },
      facilityId: CSAPA,
      senderId: 'pro-social',
      subject: 'Votre rendez-vous',
      text: secret,
      sentAt: '2026-11-20T09:00:00+01:00',
    };
    await append(
      organisationId,
      informationStreamId(organisationId, information.informationId),
      'InformationSent',
      information,
      u,
    );
    const feed: AgendaFeedIssued = {
      feedId: randomUUID(),
      owner: { kind: 'usager', serviceUserId: u },
      tokenHash: 'c'.repeat(64),
      facilityId: CSAPA,
      issuedBy: 'pro-social',
      issuedAt: '2026-11-20T09:00:00+01:00',
    };
    await append(organisationId, agendaFeedStreamId(organisationId, feed.owner), 'AgendaFeedIssued', feed, u);
    expect((await rowsOf(agendasProjection.name)).filter((row) => row.includes(u))).to.have.length.greaterThan(5);

    // when U's record is destroyed: their key, then their rows
    await shredding.forget(u);
    const purged = await runtime.purgeServiceUser({ organisationId, serviceUserId: u });

    // then nothing of the agendas names U or says what they had
    const left = await rowsOf(agendasProjection.name);
    for (const personal of [u, secret, `stay-${u}`, 'c'.repeat(64)]) {
      expect(
        left.filter((row) => row.includes(personal)),
        personal,
      ).to.deep.equal([]);
    }
    expect(purged.total).to.be.greaterThan(5);
    // and the facility's events are V's appointment, the workshop and the outing, with their other participants
    const agendas = runtime.readSchema(agendasProjection.name);
    const events = await knex
      .withSchema(agendas)
      .from('planned_events')
      .where({ organisation_id: organisationId })
      .orderBy('planned_event_id')
      .select('planned_event_id', 'kind', 'status', 'accompaniment_id');
    expect(events).to.have.deep.members([
      { planned_event_id: ids.other, kind: 'appointment', status: 'held', accompaniment_id: `stay-${v}` },
      { planned_event_id: ids.workshop, kind: 'collective-activity', status: 'held', accompaniment_id: null },
      { planned_event_id: ids.outing, kind: 'outing', status: 'planned', accompaniment_id: null },
    ]);
    const participants = await knex
      .withSchema(agendas)
      .from('planned_event_participants')
      .where({ organisation_id: organisationId, planned_event_id: ids.workshop })
      .orderBy('position')
      .select('participant_kind', 'participant_id', 'attendance', 'justified');
    expect(participants).to.deep.equal([
      { participant_kind: 'professional', participant_id: 'pro-educ', attendance: null, justified: null },
      { participant_kind: 'professional', participant_id: 'pro-nurse', attendance: null, justified: null },
      { participant_kind: 'usager', participant_id: v, attendance: 'absent', justified: true },
      { participant_kind: 'partner', participant_id: 'Culture du cœur', attendance: null, justified: null },
    ]);

    // when the destruction is reported (in clear, naming the record by its id), as the job does last
    const reported: RecordDestroyed = {
      serviceUserId: u,
      facilityIds: [CSAPA],
      destroyedAt: '2033-12-01T12:00:00.000Z',
      lastContactOn: '2026-12-01',
      holdsMedicalData: false,
      destructionDueOn: '2033-12-01',
      rule: { dataClass: 'socialAndAdministrative', legalSource: 'test' },
      documentsPurged: 0,
      blobsPurged: 0,
      readModelRowsPurged: purged.total,
    };
    const before = await tablesOf(agendasProjection.name);
    await store.appendToStream(destructionReportStreamId(organisationId), [
      testEvent(organisationId, { type: 'RecordDestroyed', data: reported }),
    ]);
    expect(await tablesOf(agendasProjection.name)).to.deep.equal(before);

    // then the agendas rebuilt from the log come to the rows the purge left: U's participation does not come back
    await runtime.rebuild(agendasProjection.name);
    expect(await tablesOf(agendasProjection.name)).to.deep.equal(before);
  });

  it('deletes what hangs off the usager’s rows: corrections, history, reads, the content of their project', async () => {
    const organisationId = uniqueOrganisationId();
    const [u, v] = [randomUUID(), randomUUID()];
    const secretOf = (serviceUserId: string) => `Secret de ${serviceUserId}`;
    const parents: Record<string, { exchange: string; entry: string; handover: string; project: string }> = {};

    // given, for U and for V, a corrected exchange, an updated directory entry, a read handover and a project
    for (const serviceUserId of [u, v]) {
      const secret = secretOf(serviceUserId);
      const ids = { exchange: randomUUID(), entry: randomUUID(), handover: randomUUID(), project: randomUUID() };
      parents[serviceUserId] = ids;
      const exchange = exchangeStreamId(organisationId, ids.exchange);
      await append(
        organisationId,
        exchange,
        'ExchangeRecorded',
        {
          exchangeId: ids.exchange,
          serviceUserId,
          facilityId: CSAPA,
          channel: 'phone',
          direction: 'out',
          occurredAt: '2026-03-10T10:00:00+01:00',
          recordedBy: 'pro-social',
          withUsager: false,
          partners: [],
          summary: 'Point sur le dossier.',
        } satisfies ExchangeRecorded,
        serviceUserId,
      );
      await append(
        organisationId,
        exchange,
        'ExchangeCorrected',
        { exchangeId: ids.exchange, reason: 'précision', summary: secret } satisfies ExchangeCorrected,
        serviceUserId,
      );
      const entry = directoryEntryStreamId(organisationId, ids.entry);
      await append(
        organisationId,
        entry,
        'DirectoryEntryAdded',
        {
          entryId: ids.entry,
          serviceUserId,
          facilityId: CSAPA,
          kind: 'relative',
          role: 'family',
          name: 'Claire Martin',
          contact: { phone: '06 12 34 56 78' },
          source: 'manual',
        } satisfies DirectoryEntryAdded,
        serviceUserId,
      );
      await append(
        organisationId,
        entry,
        'DirectoryEntryUpdated',
        { entryId: ids.entry, changes: { note: secret } } satisfies DirectoryEntryUpdated,
        serviceUserId,
      );
      const handover = handoverStreamId(organisationId, ids.handover);
      await append(
        organisationId,
        handover,
        'HandoverRecorded',
        {
          handoverId: ids.handover,
          serviceUserId,
          facilityId: CSAPA,
          category: 'social',
          sensitivity: 'social',
          targetTeam: 'equipe-sociale',
          text: secret,
          occurredAt: '2026-03-10T10:00:00+01:00',
        } satisfies HandoverRecorded,
        serviceUserId,
      );
      await append(
        organisationId,
        handover,
        'HandoverRead',
        { professionalId: 'pro-nurse', readAt: '2026-03-10T11:00:00+01:00' } satisfies HandoverRead,
        serviceUserId,
      );
      for (const event of projectEvents(ids.project, serviceUserId, secret)) {
        await append(
          organisationId,
          personalisedProjectStreamId(organisationId, ids.project),
          event.type,
          event.data,
          serviceUserId,
        );
      }
    }
    const childRows = async (serviceUserId: string) => {
      const ids = parents[serviceUserId]!;
      const count = async (projection: string, table: string, where: Record<string, string>) =>
        Number(
          (
            await knex
              .withSchema(runtime.readSchema(projection))
              .from(table)
              .where({ organisation_id: organisationId, ...where })
              .count({ n: '*' })
          )[0]!.n,
        );
      const project = { project_id: ids.project };
      return {
        corrections: await count(exchangesProjection.name, 'corrections', { exchange_id: ids.exchange }),
        entry_history: await count(directoryProjection.name, 'entry_history', { entry_id: ids.entry }),
        reads: await count(handoversProjection.name, 'reads', { handover_id: ids.handover }),
        versions: await count(personalisedProjectsProjection.name, 'versions', project),
        objectives: await count(personalisedProjectsProjection.name, 'objectives', project),
        actions: await count(personalisedProjectsProjection.name, 'actions', project),
        evaluations: await count(personalisedProjectsProjection.name, 'evaluations', project),
      };
    };
    const theirs = {
      corrections: 1,
      entry_history: 2,
      reads: 1,
      versions: 1,
      objectives: 1,
      actions: 1,
      evaluations: 1,
    };
    expect(await childRows(u)).to.deep.equal(theirs);

    // when U's record is destroyed
    await shredding.forget(u);
    await runtime.purgeServiceUser({ organisationId, serviceUserId: u });

    // then none of those models holds anything of U; V's rows are all there
    expect(await childRows(u)).to.deep.equal({
      corrections: 0,
      entry_history: 0,
      reads: 0,
      versions: 0,
      objectives: 0,
      actions: 0,
      evaluations: 0,
    });
    expect(await childRows(v)).to.deep.equal(theirs);
    for (const projection of [
      exchangesProjection,
      directoryProjection,
      handoversProjection,
      personalisedProjectsProjection,
    ]) {
      const rows = await rowsOf(projection.name);
      expect(
        rows.filter((row) => row.includes(secretOf(u)) || row.includes(u)),
        projection.name,
      ).to.deep.equal([]);
      expect(
        rows.some((row) => row.includes(secretOf(v))),
        projection.name,
      ).to.equal(true);
    }
  });
});

/** A project with one objective, one action and one evaluation, as the decider appends it. */
function projectEvents(projectId: string, serviceUserId: string, secret: string) {
  const objectiveId = randomUUID();
  const commands: PersonalisedProjectCommand[] = [
    {
      type: 'StartPersonalisedProject',
      projectId,
      serviceUserId,
      facilityId: CSAPA,
      accompanimentId: randomUUID(),
      startedOn: '2026-03-01',
      startedBy: 'pro-social',
    },
    { type: 'AddObjective', objectiveId, title: secret, domain: 'housing' },
    {
      type: 'AddAction',
      objectiveId,
      actionId: randomUUID(),
      what: 'Déposer la demande de logement social',
      who: { kind: 'professional', professionalId: 'pro-social' },
      deadline: '2026-04-15',
    },
    {
      type: 'EvaluateObjective',
      objectiveId,
      evaluatedOn: '2026-03-05',
      result: 'partlyAchieved',
      comment: secret,
      evaluatedBy: 'pro-social',
    },
  ];
  let project: PersonalisedProject = personalisedProjectDecider.initialState();
  return commands.flatMap((command) => {
    const events = asEventList(personalisedProjectDecider.decide(command, project));
    for (const event of events) project = personalisedProjectDecider.evolve(project, event);
    return events;
  });
}
