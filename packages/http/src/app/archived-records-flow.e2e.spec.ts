import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-archived-records';
const CSAPA = '750000001';

/** Two usagers of the same ESSMS, whose names begin alike: A's record is archived, B's is not. */
const A = {
  id: randomUUID(),
  birthName: 'MARTINEAU',
  note: randomUUID(),
  handover: randomUUID(),
  benefit: randomUUID(),
};
const B = {
  id: randomUUID(),
  birthName: 'MARTINET',
  note: randomUUID(),
  handover: randomUUID(),
  benefit: randomUUID(),
};

describe('the HTTP API: an archived record is out of reach of every read but the archivist’s export', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const feed = `/organisations/${ORG}/facilities/${CSAPA}/handovers`;
  const search = `/organisations/${ORG}/facilities/${CSAPA}/usagers?name=MARTIN`;
  const benefitsToWatch = `/organisations/${ORG}/facilities/${CSAPA}/social-benefits-to-watch?today=2026-01-01`;
  const outing = randomUUID();
  const planning = `/organisations/${ORG}/facilities/${CSAPA}/planned-events?from=2030-06-01&to=2030-06-01`;
  const agenda = `/organisations/${ORG}/professionals/pro-social/agenda?from=2030-06-01&to=2030-06-01`;
  const noteOf = (usager: typeof A) =>
    app.request('GET', `/organisations/${ORG}/notes/${usager.note}`, { as: tokens.social });
  const accessLogOf = (usager: typeof A) => app.server.store.readStream(accessLogStreamId(ORG, usager.id));

  const decision = async (usager: typeof A, what: 'archiving' | 'reopening') => {
    const answer = await app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/${what}`, {
      as: tokens.director,
      body: { facilityId: CSAPA, motive: what === 'archiving' ? 'Décès de l’usager' : 'L’usager revient' },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
  };

  /** The lists across usagers, as the social worker of both reads them. */
  const lists = async () => {
    const [handovers, found, benefits, events, professionalAgenda] = await Promise.all([
      app.request('GET', feed, { as: tokens.social }),
      app.request('GET', search, { as: tokens.secretary }),
      app.request('GET', benefitsToWatch, { as: tokens.social }),
      app.request('GET', planning, { as: tokens.social }),
      app.request('GET', agenda, { as: tokens.social }),
    ]);
    for (const answer of [handovers, found, benefits, events, professionalAgenda]) {
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    }
    const [event] = events.body.plannedEvents as { participants: { kind: string; id: string | null }[] }[];
    const [entry] = professionalAgenda.body.entries as { serviceUserIds: string[]; otherServiceUsers: number }[];
    return {
      handovers: handovers.body.handovers.map((entry: { handoverId: string }) => entry.handoverId).sort(),
      usagers: found.body.usagers.map((entry: { serviceUserId: string }) => entry.serviceUserId).sort(),
      benefits: benefits.body.benefits.map((entry: { benefitId: string }) => entry.benefitId).sort(),
      // a usager of a closed record is counted in an event, never named
      outing: event?.participants.filter((participant) => participant.kind === 'usager').map((p) => p.id ?? 'hidden'),
      agenda: { serviceUserIds: entry?.serviceUserIds, otherServiceUsers: entry?.otherServiceUsers },
    };
  };

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-archivist', facilityId: CSAPA, role: 'archivist' },
      ...[A, B].map((usager) => ({
        type: 'AddToCareTeam' as const,
        professionalId: 'pro-social',
        serviceUserId: usager.id,
        facilityId: CSAPA,
      })),
    );
    for (const who of ['secretary', 'social', 'director', 'archivist']) tokens[who] = await app.loginAs(`pro-${who}`);

    // given both usagers registered, each with a social note, a handover and a right ending soon
    for (const usager of [A, B]) {
      const answers = [
        await app.request('POST', `/organisations/${ORG}/usagers`, {
          as: tokens.secretary,
          body: {
            serviceUserId: usager.id,
            facilityId: CSAPA,
            traits: {
              birthName: usager.birthName,
              birthFirstNames: ['JEANNE'],
              birthDate: '1980-01-15',
              sex: 'F',
              birthplaceCode: '75056',
            },
          },
        }),
        await app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/notes`, {
          as: tokens.social,
          body: { noteId: usager.note, facilityId: CSAPA, sensitivity: 'social', text: `Note de ${usager.birthName}` },
        }),
        await app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/handovers`, {
          as: tokens.social,
          body: {
            handoverId: usager.handover,
            facilityId: CSAPA,
            category: 'social',
            targetTeam: 'equipe-sociale',
            text: `Transmission au sujet de ${usager.birthName}`,
          },
        }),
        await app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/social-benefits`, {
          as: tokens.social,
          body: {
            benefitId: usager.benefit,
            facilityId: CSAPA,
            kind: 'AAH',
            organism: 'MDPH',
            openFrom: '2024-01-01',
            openTo: '2026-03-01',
          },
        }),
      ];
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    }
    // and an outing of both, which the social worker organises
    const planned = await app.request('POST', `/organisations/${ORG}/planned-events`, {
      as: tokens.social,
      body: {
        plannedEventId: outing,
        facilityId: CSAPA,
        kind: 'outing',
        title: 'Sortie au musée',
        startsAt: '2030-06-01T14:00:00+02:00',
        endsAt: '2030-06-01T17:00:00+02:00',
        serviceUserIds: [A.id, B.id],
      },
    });
    expect(planned.status, JSON.stringify(planned.body)).to.equal(201);
    // and both shown in every list before the archive
    expect(await lists()).to.deep.equal(bothShown());

    // when the director archives A's record
    await decision(A, 'archiving');
  });
  after(() => app?.close());

  it('refuses a read reaching the archived record through another id, and traces nothing of it', async () => {
    const readsBefore = (await accessLogOf(A)).length;

    const refused = await noteOf(A);
    const open = await noteOf(B);

    expect(refused.status).to.equal(403);
    expect(refused.body.reason).to.equal('recordArchived');
    expect(refused.body.detail).to.contain('archivé');
    expect(open.status, JSON.stringify(open.body)).to.equal(200);
    expect(open.body.text).to.equal(`Note de ${B.birthName}`);
    expect((await accessLogOf(A)).length).to.equal(readsBefore);
  });

  it('answers a professional with no habilitation here alike for the archived record and the open one', async () => {
    // given a professional of another organisme gestionnaire
    const outsider = await app.loginAs('pro-outsider');

    // when they write about each usager
    const handoverAbout = (usager: typeof A) =>
      app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/handovers`, {
        as: outsider,
        body: {
          handoverId: randomUUID(),
          facilityId: CSAPA,
          category: 'social',
          targetTeam: 'equipe-sociale',
          text: 'Transmission',
        },
      });
    const [aboutArchived, aboutOpen] = await Promise.all([handoverAbout(A), handoverAbout(B)]);

    // then the same refusal, which says nothing of the archive
    expect(aboutArchived.status).to.equal(403);
    expect(aboutArchived.body).to.deep.equal({ ...aboutOpen.body, correlationId: aboutArchived.body.correlationId });
    expect(aboutArchived.body.detail).to.equal('Vous n’avez aucune habilitation dans cet organisme gestionnaire.');
  });

  it('leaves the archived record out of the lists across usagers, which still answer, without tracing a read of it', async () => {
    const readsBefore = (await accessLogOf(A)).length;

    const shown = await lists();

    expect(shown).to.deep.equal({
      handovers: [B.handover],
      usagers: [B.id],
      benefits: [B.benefit],
      outing: ['hidden', B.id],
      agenda: { serviceUserIds: [B.id], otherServiceUsers: 1 },
    });
    expect((await accessLogOf(A)).length).to.equal(readsBefore);
    const readsOfB = (await accessLogOf(B)).map((entry) => (entry.data as { resource: string }).resource);
    expect(readsOfB).to.include.members(['handovers', 'social-benefits']);
  });

  it('still lets the archivist export the archived record, and traces that read in its access log', async () => {
    const exported = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/archives/${A.id}/export`, {
      as: tokens.archivist,
    });

    expect(exported.status, JSON.stringify(exported.body)).to.equal(200);
    expect(exported.headers.get('content-type')).to.match(/^application\/zip/);
    const exports = (await accessLogOf(A)).filter(
      (entry) => (entry.data as { resource: string }).resource === 'archive-export',
    );
    expect(exports).to.have.length(1);
    expect(exports[0]!.metadata.actor).to.deep.include({ kind: 'professional', id: 'pro-archivist' });
    expect((exports[0]!.data as { purpose: string }).purpose).to.equal('archives');
  });

  it('opens the record again once reopened: its note reads and it is back in the lists', async () => {
    await decision(A, 'reopening');

    const note = await noteOf(A);

    expect(note.status, JSON.stringify(note.body)).to.equal(200);
    expect(note.body.text).to.equal(`Note de ${A.birthName}`);
    expect(await lists()).to.deep.equal(bothShown());
  });
});

/** What the lists show of both usagers while their records are open. */
function bothShown() {
  return {
    handovers: [A.handover, B.handover].sort(),
    usagers: [A.id, B.id].sort(),
    benefits: [A.benefit, B.benefit].sort(),
    outing: [A.id, B.id],
    agenda: { serviceUserIds: [A.id, B.id], otherServiceUsers: 0 },
  };
}
