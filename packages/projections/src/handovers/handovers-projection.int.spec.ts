import { handoverStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { type HandoverReadScope, handoverFeed } from './handover-feed.js';
import { handoversProjection } from './handovers-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const care = '0195f0a0-0000-7000-8000-000000000001';
const social = '0195f0a0-0000-7000-8000-000000000002';
const otherUsager = '0195f0a0-0000-7000-8000-000000000003';

const actor = (id: string, role: string) => ({ kind: 'professional' as const, id, role });
function recorded(
  handoverId: string,
  fields: { serviceUserId?: string; category: string; sensitivity: string; targetTeam: string; text: string },
  occurredAt: string,
  author = 'pro-nurse',
): GivenEvent {
  const serviceUserId = fields.serviceUserId ?? 'usager-1';
  return {
    type: 'HandoverRecorded',
    streamId: handoverStreamId(organisationId, handoverId),
    data: { handoverId, facilityId: csapa, ...fields, serviceUserId, occurredAt },
    metadata: { organisationId, facilityId: csapa, serviceUserId, actor: actor(author, 'nurse'), occurredAt },
  };
}
const careRecorded = recorded(
  care,
  { category: 'soins', sensitivity: 'medical', targetTeam: 'equipe-soins', text: 'TA 12/8' },
  '2025-03-31T07:00:00.000Z',
);
const socialRecorded = recorded(
  social,
  { category: 'social', sensitivity: 'social', targetTeam: 'equipe-sociale', text: 'Dossier CSS déposé' },
  '2025-03-31T09:00:00.000Z',
  'pro-social',
);
const otherRecorded = recorded(
  otherUsager,
  {
    serviceUserId: 'usager-2',
    category: 'administratif',
    sensitivity: 'administrative',
    targetTeam: 'equipe-soins',
    text: 'Carte vitale à renouveler',
  },
  '2025-03-31T08:00:00.000Z',
);
const careCorrected: GivenEvent = {
  type: 'HandoverCorrected',
  streamId: handoverStreamId(organisationId, care),
  data: { text: 'TA 13/8', reason: 'erreur de saisie' },
  metadata: {
    organisationId,
    facilityId: csapa,
    serviceUserId: 'usager-1',
    actor: actor('pro-doctor', 'doctor'),
    occurredAt: '2025-03-31T07:10:00.000Z',
  },
};
const readBy = (handoverId: string, professionalId: string, readAt: string): GivenEvent => ({
  type: 'HandoverRead',
  streamId: handoverStreamId(organisationId, handoverId),
  data: { professionalId, readAt },
  metadata: {
    organisationId,
    facilityId: csapa,
    serviceUserId: 'usager-1',
    actor: actor(professionalId, 'nurse'),
    occurredAt: readAt,
  },
});
const careRow = {
  organisation_id: organisationId,
  handover_id: care,
  facility_id: csapa,
  service_user_id: 'usager-1',
  author_id: 'pro-nurse',
  linked_event_id: null,
};
const everyClass: HandoverReadScope = {
  administrative: 'facility',
  social: 'facility',
  medical: 'facility',
  psychological: 'facility',
};

describe('the handovers projection', () => {
  const spec = ProjectionSpecification.for(handoversProjection);
  after(() => spec.close());

  it('keeps the latest text of each handover, who corrected it and when, and a revision that reads move too', () =>
    spec
      .given([careRecorded, careCorrected, readBy(care, 'pro-social', '2025-03-31T08:00:00.000Z')])
      .thenTable('handovers', [
        {
          ...careRow,
          category: 'soins',
          sensitivity: 'medical',
          target_team: 'equipe-soins',
          text: 'TA 13/8',
          occurred_at: '2025-03-31T07:00:00.000Z',
          corrected_at: '2025-03-31T07:10:00.000Z',
          corrected_by: 'pro-doctor',
          revision: 2,
        },
      ]));

  it('keeps one read per professional and handover', () =>
    spec
      .given([
        careRecorded,
        readBy(care, 'pro-social', '2025-03-31T08:00:00.000Z'),
        readBy(care, 'pro-social', '2025-03-31T08:30:00.000Z'),
      ])
      .thenTable('reads', [
        {
          organisation_id: organisationId,
          handover_id: care,
          professional_id: 'pro-social',
          read_at: '2025-03-31T08:00:00.000Z',
        },
      ]));

  it('keeps a forgotten usager’s transmissions without their text', () =>
    spec
      .given([erased(careRecorded), erased(careCorrected), erased(readBy(care, 'pro-social', '2025-03-31T08:00:00Z'))])
      .thenTable('handovers', [
        {
          ...careRow,
          category: null,
          sensitivity: null,
          target_team: null,
          text: null,
          occurred_at: null,
          corrected_at: '2025-03-31T07:10:00.000Z',
          corrected_by: 'pro-doctor',
          revision: 2,
        },
      ]));

  describe('its feed', () => {
    let schema: string;
    before(async () => {
      schema = await spec.modelAfter([
        careRecorded,
        socialRecorded,
        otherRecorded,
        readBy(social, 'pro-nurse', '2025-03-31T10:00:00.000Z'),
      ]);
    });
    const feed = async (query: Partial<Parameters<typeof handoverFeed>[2]>) =>
      (
        await handoverFeed(spec.db, schema, {
          organisationId,
          facilityId: csapa,
          scope: everyClass,
          ...query,
        })
      ).map((entry) => entry.handoverId);

    it('lists an ESSMS’ transmissions newest first', async () => {
      expect(await feed({})).to.deep.equal([social, otherUsager, care]);
    });

    it('lists one usager’s, or one team’s', async () => {
      expect(await feed({ serviceUserId: 'usager-1' })).to.deep.equal([social, care]);
      expect(await feed({ targetTeam: 'equipe-soins' })).to.deep.equal([otherUsager, care]);
    });

    it('keeps only the sensitivity classes it is given', async () => {
      expect(await feed({ scope: { social: 'facility', administrative: 'facility' } })).to.deep.equal([
        social,
        otherUsager,
      ]);
      expect(await feed({ scope: {} })).to.deep.equal([]);
      expect(await feed({ scope: { medical: [] } })).to.deep.equal([]);
    });

    it('keeps a class across the ESSMS, or only about the usagers it is given, before the limit', async () => {
      // given a reader who reads the social handovers of every usager, and the administrative ones of usager-2 only
      const scope: HandoverReadScope = { social: 'facility', administrative: ['usager-2'] };
      // and one who reads the administrative handovers of usager-2 and the medical ones of usager-1, not social ones
      const careTeamOnly: HandoverReadScope = { administrative: ['usager-2'], medical: ['usager-1', 'usager-2'] };

      // when they read the feed, the second a page of one
      const all = await feed({ scope });
      const one = await feed({ scope: careTeamOnly, limit: 1 });

      // then each gets what their scope opens, and the page of one is the newest they may read, not an empty one
      expect(all).to.deep.equal([social, otherUsager]);
      expect(await feed({ scope: { administrative: ['usager-1'], medical: ['usager-2'] } })).to.deep.equal([]);
      expect(one).to.deep.equal([otherUsager]);
    });

    it('pages on from where the previous page ended', async () => {
      // given a first page of two
      const first = await handoverFeed(spec.db, schema, {
        organisationId,
        facilityId: csapa,
        scope: everyClass,
        limit: 2,
      });
      const last = first.at(-1)!;

      // when the next page is read from its last handover
      const next = await feed({ limit: 2, after: { occurredAt: last.occurredAt, handoverId: last.handoverId } });

      // then it holds the rest, none twice
      expect(first.map((entry) => entry.handoverId)).to.deep.equal([social, otherUsager]);
      expect(next).to.deep.equal([care]);
    });

    it('leaves out what a professional read, and what they wrote, when asked for their unread', async () => {
      expect(await feed({ unreadBy: 'pro-nurse' })).to.deep.equal([]);
      expect(await feed({ unreadBy: 'pro-social' })).to.deep.equal([otherUsager, care]);
      expect(await feed({ unreadBy: 'pro-doctor' })).to.deep.equal([social, otherUsager, care]);
    });

    it('tells when the reader read each', async () => {
      const entries = await handoverFeed(spec.db, schema, {
        organisationId,
        facilityId: csapa,
        scope: everyClass,
        reader: 'pro-nurse',
      });
      expect(entries.map((entry) => entry.readAt)).to.deep.equal(['2025-03-31T10:00:00.000Z', null, null]);
      expect(entries[0]).to.deep.include({
        serviceUserId: 'usager-1',
        category: 'social',
        sensitivity: 'social',
        targetTeam: 'equipe-sociale',
        text: 'Dossier CSS déposé',
        authorId: 'pro-social',
        correctedAt: null,
        correctedBy: null,
        revision: 1,
      });
    });

    it('shows nothing of another ESSMS or organisation', async () => {
      expect(await feed({ facilityId: '750000002' })).to.deep.equal([]);
      expect(await feed({ organisationId: 'og-2' })).to.deep.equal([]);
    });
  });

  it('leaves a forgotten usager’s transmissions out of the feed', async () => {
    const schema = await spec.modelAfter([erased(careRecorded), socialRecorded]);
    const entries = await handoverFeed(spec.db, schema, {
      organisationId,
      facilityId: csapa,
      scope: everyClass,
    });
    expect(entries.map((entry) => entry.handoverId)).to.deep.equal([social]);
  });
  it('tells in the feed who corrected a handover, beside its author', async () => {
    // given a nurse's handover corrected by a doctor
    const schema = await spec.modelAfter([careRecorded, careCorrected]);

    // when it is read
    const [entry] = await handoverFeed(spec.db, schema, { organisationId, facilityId: csapa, scope: everyClass });

    // then it names both
    expect(entry).to.deep.include({
      text: 'TA 13/8',
      authorId: 'pro-nurse',
      correctedBy: 'pro-doctor',
      correctedAt: '2025-03-31T07:10:00.000Z',
    });
  });
});
