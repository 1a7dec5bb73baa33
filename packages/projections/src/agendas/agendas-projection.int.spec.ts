import {
  type AgendaFeedEvent,
  type AgendaItemAdded,
  type AgendaItemEvent,
  agendaFeedStreamId,
  agendaItemStreamId,
  type InformationEvent,
  type InformationSent,
  informationStreamId,
  type PlannedEventEvent,
  type PlannedEventScheduled,
  plannedEventStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import {
  agendaFeedByTokenHash,
  informationFor,
  plannedEventById,
  plannedEventsOfFacility,
  professionalAgenda,
  usagerAgenda,
} from './agenda-queries.js';
import { agendasProjection } from './agendas-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const ids = {
  outing: '0195f0a0-0000-7000-8000-0000000000e1',
  appointment: '0195f0a0-0000-7000-8000-0000000000e2',
  item: '0195f0a0-0000-7000-8000-0000000000a1',
  proItem: '0195f0a0-0000-7000-8000-0000000000a2',
  info: '0195f0a0-0000-7000-8000-0000000000c1',
  feed: '0195f0a0-0000-7000-8000-0000000000f1',
  feed2: '0195f0a0-0000-7000-8000-0000000000f2',
} as const;

const outing: PlannedEventScheduled = {
  plannedEventId: ids.outing,
  facilityId: csapa,
  kind: 'outing',
  title: 'Sortie au musée',
  startsAt: '2026-12-01T14:00:00+01:00',
  endsAt: '2026-12-01T17:00:00+01:00',
  place: 'Musée',
  organiserId: 'pro-educ',
  serviceUserIds: ['usager-1', 'usager-2'],
  professionalIds: ['pro-infirmier'],
  partners: ['Culture du cœur'],
};
const appointment: PlannedEventScheduled = {
  plannedEventId: ids.appointment,
  facilityId: csapa,
  kind: 'appointment',
  title: 'Consultation',
  startsAt: '2026-12-02T09:00:00+01:00',
  endsAt: '2026-12-02T09:30:00+01:00',
  organiserId: 'pro-medecin',
  serviceUserIds: ['usager-1'],
  professionalIds: [],
  partners: [],
  accompanimentId: 'acc-1',
};

function planned(plannedEventId: string, events: PlannedEventEvent[], serviceUserId?: string): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: plannedEventStreamId(organisationId, plannedEventId),
    metadata: { organisationId, facilityId: csapa, ...(serviceUserId ? { serviceUserId } : {}) },
  }));
}
const item = (data: AgendaItemAdded, more: AgendaItemEvent[] = []): GivenEvent[] =>
  [{ type: 'AgendaItemAdded', data } as AgendaItemEvent, ...more].map((event) => ({
    type: event.type,
    data: event.data,
    streamId: agendaItemStreamId(organisationId, data.itemId),
    metadata: { organisationId, facilityId: csapa },
  }));
const hearing: AgendaItemAdded = {
  itemId: ids.item,
  owner: { kind: 'usager', serviceUserId: 'usager-1' },
  facilityId: csapa,
  title: 'Audience au tribunal',
  startsAt: '2026-12-03T09:00:00+01:00',
  endsAt: '2026-12-03T11:00:00+01:00',
  addedBy: 'pro-social',
};
const call: AgendaItemAdded = {
  itemId: ids.proItem,
  owner: { kind: 'professional', professionalId: 'pro-educ' },
  facilityId: csapa,
  title: 'Rappeler la CAF',
  startsAt: '2026-11-30T16:00:00+01:00',
  endsAt: '2026-11-30T16:15:00+01:00',
  note: 'dossier APL',
  serviceUserId: 'usager-2',
  addedBy: 'pro-educ',
};

describe('the agendas projection', () => {
  const spec = ProjectionSpecification.for(agendasProjection);
  after(() => spec.close());

  it('keeps a planned event, its participants in order and the presences recorded at it', async () => {
    const schema = await spec.modelAfter(
      planned(ids.outing, [
        { type: 'PlannedEventScheduled', data: outing },
        {
          type: 'PlannedEventRescheduled',
          data: {
            plannedEventId: ids.outing,
            previousStartsAt: outing.startsAt,
            previousEndsAt: outing.endsAt,
            startsAt: '2026-12-01T15:00:00+01:00',
            endsAt: '2026-12-01T18:00:00+01:00',
          },
        },
        { type: 'PlannedEventHeld', data: { plannedEventId: ids.outing } },
        {
          type: 'PlannedEventAttendanceRecorded',
          data: {
            plannedEventId: ids.outing,
            participant: { kind: 'usager', serviceUserId: 'usager-2' },
            attendance: { status: 'absent', justified: true, reason: 'malade' },
          },
        },
        {
          type: 'PlannedEventAttendanceRecorded',
          data: {
            plannedEventId: ids.outing,
            participant: { kind: 'usager', serviceUserId: 'usager-1' },
            attendance: { status: 'present' },
          },
        },
      ]),
    );
    const event = await plannedEventById(spec.db, schema, { organisationId, plannedEventId: ids.outing });
    expect(event).to.deep.include({
      kind: 'outing',
      title: 'Sortie au musée',
      startsAt: '2026-12-01T14:00:00.000Z',
      endsAt: '2026-12-01T17:00:00.000Z',
      place: 'Musée',
      status: 'held',
      reschedulings: 1,
      revision: 4,
    });
    expect(event?.participants).to.deep.equal([
      { kind: 'professional', id: 'pro-educ', organiser: true, attendance: null },
      { kind: 'professional', id: 'pro-infirmier', organiser: false, attendance: null },
      { kind: 'usager', id: 'usager-1', organiser: false, attendance: { status: 'present' } },
      {
        kind: 'usager',
        id: 'usager-2',
        organiser: false,
        attendance: { status: 'absent', justified: true, reason: 'malade' },
      },
      { kind: 'partner', id: 'Culture du cœur', organiser: false, attendance: null },
    ]);
    expect(await plannedEventById(spec.db, schema, { organisationId: 'og-2', plannedEventId: ids.outing })).to.equal(
      undefined,
    );
  });

  it('builds a usager’s agenda of their events and items, naming no one else, French-ready', async () => {
    const schema = await spec.modelAfter([
      ...planned(ids.outing, [{ type: 'PlannedEventScheduled', data: outing }]),
      ...planned(
        ids.appointment,
        [
          { type: 'PlannedEventScheduled', data: appointment },
          { type: 'PlannedEventCancelled', data: { plannedEventId: ids.appointment, reason: 'médecin absent' } },
        ],
        'usager-1',
      ),
      ...item(hearing),
      ...item(call),
    ]);
    const agenda = await usagerAgenda(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      from: '2026-12-01',
      to: '2026-12-31',
    });
    expect(agenda).to.deep.equal([
      {
        source: 'planned-event',
        id: ids.outing,
        facilityId: csapa,
        kind: 'outing',
        kindLabel: 'Sortie',
        title: 'Sortie au musée',
        start: '2026-12-01T13:00:00.000Z',
        end: '2026-12-01T16:00:00.000Z',
        place: 'Musée',
        status: 'planned',
        statusLabel: 'prévu',
        attendance: null,
        revision: 0,
      },
      {
        source: 'planned-event',
        id: ids.appointment,
        facilityId: csapa,
        kind: 'appointment',
        kindLabel: 'Rendez-vous',
        title: 'Consultation',
        start: '2026-12-02T08:00:00.000Z',
        end: '2026-12-02T08:30:00.000Z',
        place: null,
        status: 'cancelled',
        statusLabel: 'annulé',
        attendance: null,
        revision: 1,
      },
      {
        source: 'agenda-item',
        id: ids.item,
        facilityId: csapa,
        kind: 'agenda-item',
        kindLabel: 'Note d’agenda',
        title: 'Audience au tribunal',
        start: '2026-12-03T08:00:00.000Z',
        end: '2026-12-03T10:00:00.000Z',
        place: null,
        status: 'planned',
        statusLabel: 'prévu',
        attendance: null,
        revision: 0,
      },
    ]);
    expect(JSON.stringify(agenda)).not.to.include('usager-2');
    expect(
      (
        await usagerAgenda(spec.db, schema, {
          organisationId,
          serviceUserId: 'usager-1',
          from: '2026-12-02',
          to: '2026-12-02',
        })
      ).map((entry) => entry.id),
    ).to.deep.equal([ids.appointment]);
    expect(
      await usagerAgenda(spec.db, schema, {
        organisationId: 'og-2',
        serviceUserId: 'usager-1',
        from: '2026-01-01',
        to: '2027-01-01',
      }),
    ).to.deep.equal([]);
  });

  it('builds a professional’s agenda: events organised, events taken part in, their items', async () => {
    const schema = await spec.modelAfter([
      ...planned(ids.outing, [{ type: 'PlannedEventScheduled', data: outing }]),
      ...planned(ids.appointment, [{ type: 'PlannedEventScheduled', data: appointment }], 'usager-1'),
      ...item(call),
    ]);
    const educator = await professionalAgenda(spec.db, schema, {
      organisationId,
      professionalId: 'pro-educ',
      from: '2026-11-30T00:00:00Z',
      to: '2026-12-31T00:00:00Z',
    });
    expect(
      educator.map(({ id, role, serviceUserIds, professionalIds, partners }) => ({
        id,
        role,
        serviceUserIds,
        professionalIds,
        partners,
      })),
    ).to.deep.equal([
      { id: ids.proItem, role: 'owner', serviceUserIds: ['usager-2'], professionalIds: [], partners: [] },
      {
        id: ids.outing,
        role: 'organiser',
        serviceUserIds: ['usager-1', 'usager-2'],
        professionalIds: ['pro-infirmier'],
        partners: ['Culture du cœur'],
      },
    ]);
    const nurse = await professionalAgenda(spec.db, schema, {
      organisationId,
      professionalId: 'pro-infirmier',
      from: '2026-12-01',
      to: '2026-12-31',
    });
    expect(nurse.map(({ id, role, organiserId }) => ({ id, role, organiserId }))).to.deep.equal([
      { id: ids.outing, role: 'participant', organiserId: 'pro-educ' },
    ]);
    const facility = await plannedEventsOfFacility(spec.db, schema, {
      organisationId,
      facilityId: csapa,
      from: '2026-12-02',
      to: '2026-12-02',
    });
    expect(facility.map((event) => event.plannedEventId)).to.deep.equal([ids.appointment]);
  });

  it('drops a forgotten usager’s appointment and items, and their presence at a collective event', async () => {
    const schema = await spec.modelAfter([
      ...planned(ids.outing, [
        { type: 'PlannedEventScheduled', data: outing },
        { type: 'PlannedEventHeld', data: { plannedEventId: ids.outing } },
        {
          type: 'PlannedEventAttendanceRecorded',
          data: {
            plannedEventId: ids.outing,
            participant: { kind: 'usager', serviceUserId: 'usager-1' },
            attendance: { status: 'present' },
          },
        },
        {
          type: 'PlannedEventAttendanceRecorded',
          data: {
            plannedEventId: ids.outing,
            participant: { kind: 'usager', serviceUserId: 'usager-2' },
            attendance: { status: 'present' },
          },
        },
      ]),
      // as a correction of usager-1's presence reads once they are forgotten
      erased(
        {
          type: 'PlannedEventAttendanceCorrected',
          streamId: plannedEventStreamId(organisationId, ids.outing),
          metadata: { organisationId },
        },
        'usager-1',
      ),
      ...planned(ids.appointment, [{ type: 'PlannedEventScheduled', data: appointment }], 'usager-1').map((event) =>
        erased(event),
      ),
      ...item(hearing).map((event) => erased(event, 'usager-1')),
    ]);
    expect(await plannedEventById(spec.db, schema, { organisationId, plannedEventId: ids.appointment })).to.equal(
      undefined,
    );
    const agenda = await usagerAgenda(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      from: '2026-11-01',
      to: '2026-12-31',
    });
    expect(agenda.map((entry) => [entry.id, entry.attendance])).to.deep.equal([[ids.outing, null]]);
    const outingNow = await plannedEventById(spec.db, schema, { organisationId, plannedEventId: ids.outing });
    expect(outingNow?.participants.filter((p) => p.kind === 'usager')).to.deep.equal([
      { kind: 'usager', id: 'usager-1', organiser: false, attendance: null },
      { kind: 'usager', id: 'usager-2', organiser: false, attendance: { status: 'present' } },
    ]);
  });

  it('keeps information read or unread, the latest first', async () => {
    const message: InformationSent = {
      informationId: ids.info,
      recipient: { kind: 'professional', professionalId: 'pro-medecin' },
      facilityId: csapa,
      senderId: 'pro-secretaire',
      subject: 'Appel',
      text: 'Mme X rappellera.',
      serviceUserId: 'usager-1',
      sentAt: '2026-11-20T09:00:00+01:00',
    };
    const stream = (events: InformationEvent[]): GivenEvent[] =>
      events.map((event) => ({
        type: event.type,
        data: event.data,
        streamId: informationStreamId(organisationId, ids.info),
        metadata: { organisationId },
      }));
    const schema = await spec.modelAfter(
      stream([
        { type: 'InformationSent', data: message },
        { type: 'InformationRead', data: { informationId: ids.info, at: '2026-11-20T10:00:00+01:00' } },
      ]),
    );
    const recipient = { kind: 'professional', professionalId: 'pro-medecin' } as const;
    expect(await informationFor(spec.db, schema, { organisationId, recipient })).to.deep.equal([
      {
        informationId: ids.info,
        recipient,
        facilityId: csapa,
        senderId: 'pro-secretaire',
        subject: 'Appel',
        text: 'Mme X rappellera.',
        serviceUserId: 'usager-1',
        sentAt: '2026-11-20T08:00:00.000Z',
        readAt: '2026-11-20T09:00:00.000Z',
        revision: 1,
      },
    ]);
    expect(await informationFor(spec.db, schema, { organisationId, recipient, unreadOnly: true })).to.deep.equal([]);
  });

  it('finds a live feed by its secret’s hash, and no longer once replaced or revoked', async () => {
    const owner = { kind: 'professional', professionalId: 'pro-educ' } as const;
    const feed = (events: AgendaFeedEvent[]): GivenEvent[] =>
      events.map((event) => ({
        type: event.type,
        data: event.data,
        streamId: agendaFeedStreamId(organisationId, owner),
        metadata: { organisationId },
      }));
    const at = '2026-11-20T09:00:00+01:00';
    const schema = await spec.modelAfter(
      feed([
        {
          type: 'AgendaFeedIssued',
          data: { feedId: ids.feed, owner, tokenHash: 'a'.repeat(64), issuedBy: 'pro-educ', issuedAt: at },
        },
        { type: 'AgendaFeedRevoked', data: { feedId: ids.feed, reason: 'replaced', at } },
        {
          type: 'AgendaFeedIssued',
          data: { feedId: ids.feed2, owner, tokenHash: 'b'.repeat(64), issuedBy: 'pro-educ', issuedAt: at },
        },
      ]),
    );
    expect(await agendaFeedByTokenHash(spec.db, schema, 'a'.repeat(64))).to.equal(undefined);
    expect(await agendaFeedByTokenHash(spec.db, schema, 'b'.repeat(64))).to.deep.equal({
      organisationId,
      feedId: ids.feed2,
      owner,
      facilityId: null,
      issuedAt: '2026-11-20T08:00:00.000Z',
    });
    const usagerOwner = { kind: 'usager', serviceUserId: 'usager-1' } as const;
    const forgotten = await spec.modelAfter([
      erased(
        {
          type: 'AgendaFeedIssued',
          streamId: agendaFeedStreamId(organisationId, usagerOwner),
          metadata: { organisationId },
        },
        'usager-1',
      ),
    ]);
    expect(await spec.db.withSchema(forgotten).from('agenda_feeds').count({ n: '*' })).to.deep.equal([{ n: 0 }]);
  });

  it('finds an event in a period of days exactly when its Paris days overlap it', async () => {
    const base = Date.parse('2026-03-27T00:00:00Z');
    // Paris's calendar day of an instant, worked out by hand rather than with the projection's own
    // formatter: UTC+1 until the clocks go forward on 29 March 2026 at 01:00 UTC, UTC+2 after (the
    // property's events all fall between 27 March and 3 April)
    const summerTime = Date.parse('2026-03-29T01:00:00Z');
    const parisDayOf = (instant: number) =>
      new Date(instant + (instant < summerTime ? 1 : 2) * 3_600_000).toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 * 24 * 60 }),
        fc.integer({ min: 1, max: 3 * 24 * 60 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 3 }),
        async (startMinute, lengthMinutes, fromOffset, span) => {
          const startsAt = new Date(base + startMinute * 60_000).toISOString();
          const endsAt = new Date(base + (startMinute + lengthMinutes) * 60_000).toISOString();
          const day = (offset: number) => new Date(base + (offset - 1) * 86_400_000).toISOString().slice(0, 10);
          const from = day(fromOffset);
          const to = day(fromOffset + span);
          const schema = await spec.modelAfter(
            planned(ids.outing, [{ type: 'PlannedEventScheduled', data: { ...outing, startsAt, endsAt } }]),
          );
          const found = await plannedEventsOfFacility(spec.db, schema, { organisationId, facilityId: csapa, from, to });
          // an event that ends at midnight does not reach the next day
          const startsOn = parisDayOf(Date.parse(startsAt));
          const endsOn = parisDayOf(Date.parse(endsAt) - 1);
          expect(found.length).to.equal(startsOn <= to && endsOn >= from ? 1 : 0);
          const asInstants = await plannedEventsOfFacility(spec.db, schema, {
            organisationId,
            facilityId: csapa,
            from: new Date(base).toISOString(),
            to: new Date(base + 86_400_000).toISOString(),
          });
          const overlapsFirstDay = Date.parse(startsAt) < base + 86_400_000 && Date.parse(endsAt) > base;
          expect(asInstants.length).to.equal(overlapsFirstDay ? 1 : 0);
        },
      ),
      {
        numRuns: 25,
        // twenty minutes just after midnight in Paris, on 28 March (UTC+1) and on 30 March (UTC+2),
        // looked for on that day alone: random runs rarely land there
        examples: [
          [23 * 60 + 30, 20, 2, 0],
          [2 * 24 * 60 + 22 * 60 + 30, 20, 4, 0],
        ],
      },
    );
  });
});
