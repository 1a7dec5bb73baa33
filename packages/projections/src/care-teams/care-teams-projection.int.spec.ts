import type { HabilitationEvent } from '@dui-pds/domain';
import { expect } from 'chai';
import { type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { careTeamOf } from './care-team-query.js';
import { careTeamsProjection } from './care-teams-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const team = { facilityId: csapa, serviceUserId: 'usager-1' };

const given = (events: [HabilitationEvent, string][]): GivenEvent[] =>
  events.map(([event, occurredAt]) => ({
    type: event.type,
    data: event.data,
    streamId: `habilitations-${organisationId}`,
    metadata: { organisationId, occurredAt },
  }));

describe('the care teams projection', () => {
  const spec = ProjectionSpecification.for(careTeamsProjection);
  after(() => spec.close());

  it('gives a usager’s care team in one ESSMS, the référent first, then by the day they joined', async () => {
    const schema = await spec.modelAfter(
      given([
        [
          { type: 'CareTeamMemberAdded', data: { ...team, professionalId: 'pro-doctor', joinedOn: '2026-01-05' } },
          '2026-01-06T09:00:00Z',
        ],
        // no day given: the day, in Paris, of the event (23:30 UTC on 9 January is 10 January in Paris)
        [
          { type: 'CareTeamMemberAdded', data: { ...team, professionalId: 'pro-social', teamRole: 'coordination' } },
          '2026-01-09T23:30:00Z',
        ],
        [
          { type: 'CareTeamMemberAdded', data: { ...team, professionalId: 'pro-nurse', teamRole: 'suivi TSO' } },
          '2026-01-12T09:00:00Z',
        ],
        [{ type: 'KeyWorkerDesignated', data: { ...team, professionalId: 'pro-nurse' } }, '2026-01-12T10:00:00Z'],
        [{ type: 'KeyWorkerDesignated', data: { ...team, professionalId: 'pro-social' } }, '2026-02-01T10:00:00Z'],
        [
          { type: 'CareTeamMemberRemoved', data: { ...team, professionalId: 'pro-doctor', leftOn: '2026-02-28' } },
          '2026-03-01T10:00:00Z',
        ],
        [
          { type: 'CareTeamMemberAdded', data: { ...team, facilityId: '750000002', professionalId: 'pro-caarud' } },
          '2026-01-12T09:00:00Z',
        ],
      ]),
    );

    const current = await careTeamOf(spec.db, schema, { organisationId, ...team });
    expect(current).to.deep.equal([
      {
        professionalId: 'pro-social',
        facilityId: csapa,
        teamRole: 'coordination',
        joinedOn: '2026-01-10',
        leftOn: null,
        keyWorker: true,
      },
      {
        professionalId: 'pro-nurse',
        facilityId: csapa,
        teamRole: 'suivi TSO',
        joinedOn: '2026-01-12',
        leftOn: null,
        keyWorker: false,
      },
    ]);
    const withFormer = await careTeamOf(spec.db, schema, { organisationId, ...team, includeFormer: true });
    expect(withFormer.map((member) => [member.professionalId, member.leftOn])).to.deep.equal([
      ['pro-social', null],
      ['pro-nurse', null],
      ['pro-doctor', '2026-02-28'],
    ]);
  });

  it('a référent who leaves the team leaves it without référent; one who comes back is a new membership', async () => {
    const schema = await spec.modelAfter(
      given([
        [{ type: 'CareTeamMemberAdded', data: { ...team, professionalId: 'pro-social' } }, '2026-01-05T09:00:00Z'],
        [{ type: 'KeyWorkerDesignated', data: { ...team, professionalId: 'pro-social' } }, '2026-01-05T10:00:00Z'],
        [{ type: 'CareTeamMemberRemoved', data: { ...team, professionalId: 'pro-social' } }, '2026-02-05T10:00:00Z'],
        [{ type: 'CareTeamMemberAdded', data: { ...team, professionalId: 'pro-social' } }, '2026-03-05T09:00:00Z'],
      ]),
    );
    const members = await careTeamOf(spec.db, schema, { organisationId, ...team, includeFormer: true });
    expect(members.map((member) => [member.joinedOn, member.leftOn, member.keyWorker])).to.deep.equal([
      ['2026-03-05', null, false],
      ['2026-01-05', '2026-02-05', false],
    ]);
  });
});
