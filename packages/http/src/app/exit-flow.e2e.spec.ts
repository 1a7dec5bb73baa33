import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';

describe('the HTTP API: the exit of a usager and the follow-up after it', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let socialWorker: string;
  let secretary: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'AddToCareTeam', professionalId: 'pro-social', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
    );
    socialWorker = await app.loginAs('pro-social');
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  const exitPath = (accompanimentId: string) => `/organisations/${ORG}/accompaniments/${accompanimentId}/exit`;
  const recordExit = (as: string, accompanimentId: string, body: Record<string, unknown> = {}) =>
    app.request('POST', exitPath(accompanimentId), {
      as,
      body: {
        serviceUserId: USAGER,
        facilityId: CSAPA,
        exitDay: '2026-01-31',
        exitReason: 'reoriented',
        destination: 'other-essms',
        destinationDetails: 'CSAPA de Lyon',
        ...body,
      },
    });
  const plan = (as: string, accompanimentId: string, actionId: string, dueDay: string, description: string) =>
    app.request('POST', `${exitPath(accompanimentId)}/post-exit-actions`, {
      as,
      body: { actionId, description, assigneeId: 'pro-social', dueDay },
    });

  it('traces the follow-up until its closing, refused while an action is open', async () => {
    // given an exit recorded by the secretariat, and two follow-up actions planned by the social worker
    const accompanimentId = randomUUID();
    const [call, letter] = [randomUUID(), randomUUID()];
    const recorded = await recordExit(secretary, accompanimentId);
    const plannedCall = await plan(socialWorker, accompanimentId, call, '2026-02-10', 'Appeler le CSAPA de Lyon');
    const plannedLetter = await plan(socialWorker, accompanimentId, letter, '2026-03-01', 'Envoyer la synthèse');
    const plannedBySecretary = await plan(secretary, accompanimentId, randomUUID(), '2026-03-01', 'Relancer');

    // when the open actions are read on 15 February, the follow-up closed too early, then the actions settled
    const open = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/post-exit-actions?today=2026-02-15`,
      {
        as: socialWorker,
      },
    );
    const closedTooEarly = await app.request('POST', `${exitPath(accompanimentId)}/follow-up-closures`, {
      as: socialWorker,
      body: { closedDay: '2026-02-15', note: 'Relais pris' },
    });
    const done = await app.request('POST', `${exitPath(accompanimentId)}/post-exit-actions/${call}/completions`, {
      as: socialWorker,
      body: { doneDay: '2026-02-12', outcome: 'Premier rendez-vous honoré' },
    });
    const cancelled = await app.request(
      'POST',
      `${exitPath(accompanimentId)}/post-exit-actions/${letter}/cancellations`,
      {
        as: socialWorker,
        body: { reason: 'Synthèse transmise par le médecin' },
      },
    );
    const closed = await app.request('POST', `${exitPath(accompanimentId)}/follow-up-closures`, {
      as: socialWorker,
      body: { closedDay: '2026-02-20', note: 'Relais pris par le CSAPA de Lyon' },
    });
    const plannedAfterClosing = await plan(socialWorker, accompanimentId, randomUUID(), '2026-03-01', 'Rappeler');
    const bySocialWorker = await app.request('GET', exitPath(accompanimentId), { as: socialWorker });
    const bySecretary = await app.request('GET', exitPath(accompanimentId), { as: secretary });
    const openAfter = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/post-exit-actions?today=2026-02-21`,
      { as: socialWorker },
    );

    // then
    expect(recorded.status, JSON.stringify(recorded.body)).to.equal(201);
    expect(plannedCall.status, JSON.stringify(plannedCall.body)).to.equal(201);
    expect(plannedLetter.status).to.equal(201);
    expect(plannedBySecretary.status).to.equal(403);
    expect(open.status).to.equal(200);
    expect(
      open.body.actions
        .filter((action: { accompanimentId: string }) => action.accompanimentId === accompanimentId)
        .map(({ actionId, overdue }: { actionId: string; overdue: boolean }) => [actionId, overdue]),
    ).to.deep.equal([
      [call, true],
      [letter, false],
    ]);
    expect(closedTooEarly.status).to.equal(422);
    expect(closedTooEarly.body.code).to.equal('POST_EXIT_ACTIONS_OPEN');
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
    expect(closed.status, JSON.stringify(closed.body)).to.equal(200);
    expect(plannedAfterClosing.status).to.equal(422);
    expect(plannedAfterClosing.body.code).to.equal('POST_EXIT_FOLLOW_UP_CLOSED');
    expect(bySocialWorker.status, JSON.stringify(bySocialWorker.body)).to.equal(200);
    expect(bySocialWorker.headers.get('etag')).to.equal('"5"');
    expect(bySocialWorker.body).to.deep.include({
      exitDay: '2026-01-31',
      exitReason: 'reoriented',
      destination: 'other-essms',
      destinationDetails: 'CSAPA de Lyon',
    });
    expect(bySocialWorker.body.followUp).to.deep.include({ status: 'closed', closedDay: '2026-02-20' });
    expect(
      bySocialWorker.body.followUp.actions.map(({ actionId, status }: { actionId: string; status: string }) => [
        actionId,
        status,
      ]),
    ).to.deep.equal([
      [call, 'done'],
      [letter, 'cancelled'],
    ]);
    expect(bySecretary.status).to.equal(200);
    expect(bySecretary.body.followUp).to.equal(null);
    expect(
      openAfter.body.actions.filter(
        (action: { accompanimentId: string }) => action.accompanimentId === accompanimentId,
      ),
    ).to.deep.equal([]);
  });

  it('corrects the exit with a reason (If-Match), and plans no follow-up after a death', async () => {
    // given an exit recorded at revision 0
    const accompanimentId = randomUUID();
    await recordExit(secretary, accompanimentId);

    // when it is corrected into a death, with a stale then a current revision, and an action is then planned
    const correction = {
      reason: 'Décès survenu avant la réorientation',
      exit: { exitDay: '2026-01-30', exitReason: 'death', destination: 'not-applicable' },
    };
    const corrected = await app.request('POST', `${exitPath(accompanimentId)}/corrections`, {
      as: secretary,
      body: correction,
      ifMatch: '"0"',
    });
    const stale = await app.request('POST', `${exitPath(accompanimentId)}/corrections`, {
      as: secretary,
      body: { ...correction, exit: { ...correction.exit, exitDay: '2026-01-29' } },
      ifMatch: '"0"',
    });
    const planned = await plan(socialWorker, accompanimentId, randomUUID(), '2026-02-10', 'Prévenir la famille');
    const read = await app.request('GET', exitPath(accompanimentId), { as: secretary });

    // then
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect(stale.status).to.equal(412);
    expect(planned.status).to.equal(422);
    expect(planned.body.code).to.equal('NO_FOLLOW_UP_AFTER_DEATH');
    expect(read.body).to.deep.include({
      exitDay: '2026-01-30',
      exitReason: 'death',
      destination: 'not-applicable',
      destinationDetails: null,
      corrections: 1,
      revision: 1,
    });
  });

  it('refuses an unknown reason, a second exit, and finds no exit where none was recorded', async () => {
    // given an exit recorded
    const accompanimentId = randomUUID();
    await recordExit(secretary, accompanimentId);

    // when
    const unknownReason = await recordExit(secretary, randomUUID(), { exitReason: 'fugue' });
    const again = await recordExit(secretary, accompanimentId);
    const none = await app.request('GET', exitPath(randomUUID()), { as: secretary });

    // then
    expect(unknownReason.status).to.equal(400);
    expect(again.status).to.equal(422);
    expect(again.body.code).to.equal('EXIT_ALREADY_RECORDED');
    expect(none.status).to.equal(404);
  });
});
