import { type AccessRequestEvent, type AccessRequestFiled, accessRequestStreamId } from '@dui-pds/domain';
import { expect } from 'chai';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { accessRequestsOf, accessRequestsProjection, accessRequestsToHandle } from './access-requests-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const ids = {
  recent: '0195f0a0-0000-7000-8000-0000000000d1',
  old: '0195f0a0-0000-7000-8000-0000000000d2',
  released: '0195f0a0-0000-7000-8000-0000000000d3',
} as const;
type Request = keyof typeof ids;

const filed = (request: Request, data: Partial<AccessRequestFiled> = {}): AccessRequestEvent => ({
  type: 'AccessRequestFiled',
  data: {
    requestId: ids[request],
    serviceUserId: 'usager-1',
    facilityId: csapa,
    filedBy: 'service-user',
    filerId: 'account-1',
    scope: 'Tout mon dossier',
    olderThanFiveYears: false,
    filedAt: '2026-03-02T09:00:00.000Z',
    ...data,
  },
});
function stream(request: Request, events: AccessRequestEvent[], organisation = organisationId): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: accessRequestStreamId(organisation, ids[request]),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: 'usager-1' },
  }));
}
const checked = (request: Request): AccessRequestEvent => ({
  type: 'AccessRequestIdentityChecked',
  data: { requestId: ids[request], how: 'carte d’identité', checkedBy: 'pro-1', at: '2026-03-02T10:00:00.000Z' },
});
const released = (request: Request): AccessRequestEvent => ({
  type: 'AccessRequestReleased',
  data: {
    requestId: ids[request],
    releasedOn: '2026-03-05',
    method: 'handed-over',
    releasedBy: 'pro-1',
    at: '2026-03-05T10:00:00.000Z',
  },
});

describe('the access requests projection', () => {
  const spec = ProjectionSpecification.for(accessRequestsProjection);
  after(() => spec.close());

  it('keeps each request with its legal deadlines, identity check and outcome', () =>
    spec
      .given([...stream('released', [filed('released'), checked('released'), released('released')])])
      .thenTable('requests', [
        {
          organisation_id: organisationId,
          request_id: ids.released,
          facility_id: csapa,
          service_user_id: 'usager-1',
          filed_by: 'service-user',
          filer_id: 'account-1',
          scope: 'Tout mon dossier',
          older_than_five_years: false,
          filed_at: '2026-03-02T09:00:00.000Z',
          earliest_release: '2026-03-04T09:00:00.000Z',
          latest_release: '2026-03-10T09:00:00.000Z',
          identity_checked_at: '2026-03-02T10:00:00.000Z',
          status: 'released',
          released_on: '2026-03-05',
          release_method: 'handed-over',
          refusal_reason: null,
          revision: 2,
        },
      ]));

  it('drops a forgotten usager’s requests', () =>
    spec
      .given(stream('recent', [filed('recent'), checked('recent')]).map((event) => erased(event)))
      .thenTable('requests', []));

  it('lists the open requests of an ESSMS, nearest deadline first, with their warning at the given instant', async () => {
    const schema = await spec.modelAfter([
      ...stream('old', [filed('old', { olderThanFiveYears: true })]),
      ...stream('recent', [filed('recent', { filedAt: '2026-03-03T09:00:00.000Z' })]),
      ...stream('released', [filed('released'), checked('released'), released('released')]),
      ...stream('recent', [filed('recent')], 'og-2'),
    ]);
    const at = (now: string) =>
      accessRequestsToHandle(spec.db, schema, { organisationId, facilityId: csapa, now: new Date(now) });
    expect((await at('2026-03-03T10:00:00Z')).map((r) => [r.requestId, r.warning])).to.deep.equal([
      [ids.recent, 'none'],
      [ids.old, 'none'],
    ]);
    expect((await at('2026-03-11T09:00:00Z')).map((r) => [r.requestId, r.warning])).to.deep.equal([
      [ids.recent, 'due-soon'],
      [ids.old, 'none'],
    ]);
    expect((await at('2026-04-25T00:00:00Z')).map((r) => [r.requestId, r.warning])).to.deep.equal([
      [ids.recent, 'overdue'],
      [ids.old, 'due-soon'],
    ]);
    const ofUsager = await accessRequestsOf(spec.db, schema, {
      organisationId,
      serviceUserId: 'usager-1',
      now: new Date('2026-03-03T10:00:00Z'),
    });
    expect(ofUsager.map((r) => [r.requestId, r.status])).to.deep.equal([
      [ids.recent, 'filed'],
      [ids.old, 'filed'],
      [ids.released, 'released'],
    ]);
  });
});
