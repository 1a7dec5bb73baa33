import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const CAARUD = '750000002';
const DASRI = `/organisations/${ORG}/facilities/${CSAPA}/infectious-waste`;

describe('the HTTP API: DASRI, collections, tracking slips and their alerts', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let nurse: string;
  let director: string;
  let educator: string;
  let nurseElsewhere: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      { type: 'GrantRole', professionalId: 'pro-caarud', facilityId: CAARUD, role: 'nurse' },
    );
    nurse = await app.loginAs('pro-nurse');
    director = await app.loginAs('pro-director');
    educator = await app.loginAs('pro-educator');
    nurseElsewhere = await app.loginAs('pro-caarud');
  });
  after(() => app.close());

  const post = (path: string, body: unknown, as = nurse, ifMatch?: string) =>
    app.request('POST', `${DASRI}/${path}`, { as, body, ifMatch });
  const alertsAt = async (now: string) => {
    const answer = await app.request('GET', `${DASRI}/alerts?now=${now}`, { as: director });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as {
      rollingMonthlyAverageKg: number;
      storageLimit: { label: string };
      alerts: { kind: string; containerId?: string; collectionId?: string; deadline?: string; returnBy?: string }[];
    };
  };

  it('records containers and a collection, and raises then clears the storage and slip alerts', async () => {
    // given a sharps box filled in January and collected in February with its slip, and a second box started
    const first = randomUUID();
    const second = randomUUID();
    const collection = randomUUID();
    const steps = [
      await post('containers', {
        containerId: first,
        kind: 'sharps-box',
        volumeLitres: 2,
        startedAt: '2026-01-05T09:00:00Z',
      }),
      await post(`containers/${first}/closures`, { closedAt: '2026-02-01T17:00:00Z', weightKg: 1.2 }),
      await post('containers', {
        containerId: second,
        kind: 'sharps-box',
        volumeLitres: 2,
        startedAt: '2026-02-02T09:00:00Z',
      }),
      await post('collections', {
        collectionId: collection,
        collectedAt: '2026-02-03T10:00:00Z',
        weightKg: 4.5,
        containerIds: [first],
        collector: 'Cosmolys',
        trackingSlipNumber: 'BSD-2026-001',
      }),
    ];

    // when the alerts are read a month after the collection, then once the second box is past 3 months
    const slipLate = await alertsAt('2026-03-04T10:00:00Z');
    const boxLate = await alertsAt('2026-05-02T09:00:00.001Z');
    const returned = await post(`collections/${collection}/tracking-slip-returns`, {
      returnedAt: '2026-03-10T09:00:00Z',
    });
    const afterReturn = await alertsAt('2026-05-02T09:00:00.001Z');
    const collectedOpen = await post('collections', {
      collectionId: randomUUID(),
      collectedAt: '2026-05-05T10:00:00Z',
      weightKg: 2,
      containerIds: [second],
      collector: 'Cosmolys',
      trackingSlipNumber: 'BSD-2026-002',
    });
    await post(`containers/${second}/closures`, { closedAt: '2026-05-05T08:00:00Z' });
    await post('collections', {
      collectionId: randomUUID(),
      collectedAt: '2026-05-05T10:00:00Z',
      weightKg: 2,
      containerIds: [second],
      collector: 'Cosmolys',
      trackingSlipNumber: 'BSD-2026-002',
    });
    const allClear = await alertsAt('2026-05-06T10:00:00Z');

    // then
    expect(
      steps.map((step) => step.status),
      JSON.stringify(steps.map((step) => step.body)),
    ).to.deep.equal([201, 200, 201, 201]);
    expect(slipLate.storageLimit.label).to.equal('3 mois');
    expect(slipLate.alerts).to.deep.equal([
      {
        kind: 'tracking-slip-not-returned',
        collectionId: collection,
        collectedAt: '2026-02-03T10:00:00.000Z',
        trackingSlipNumber: 'BSD-2026-001',
        returnBy: '2026-03-03T10:00:00.000Z',
      },
    ]);
    expect(boxLate.alerts.map((alert) => alert.kind)).to.deep.equal([
      'container-overdue',
      'tracking-slip-not-returned',
    ]);
    expect(boxLate.alerts[0]).to.include({ containerId: second, deadline: '2026-05-02T09:00:00.000Z' });
    expect(returned.status, JSON.stringify(returned.body)).to.equal(200);
    expect(afterReturn.alerts.map((alert) => alert.kind)).to.deep.equal(['container-overdue']);
    expect(collectedOpen.status).to.equal(422);
    expect(collectedOpen.body.code).to.equal('CONTAINER_NOT_CLOSED');
    expect(allClear.alerts).to.deep.equal([]);

    // and the register holds it all, oldest first, with its revision
    const register = await app.request('GET', DASRI, { as: nurse });
    expect(register.status).to.equal(200);
    expect(register.headers.get('etag')).to.equal('"6"');
    expect(
      register.body.containers.map((c: { containerId: string; weightKg: number | null }) => [
        c.containerId,
        c.weightKg,
      ]),
    ).to.deep.equal([
      [first, 1.2],
      [second, null],
    ]);
    expect(
      register.body.collections.map((c: { trackingSlipNumber: string; slipReturnedAt: string | null }) => [
        c.trackingSlipNumber,
        c.slipReturnedAt,
      ]),
    ).to.deep.equal([
      ['BSD-2026-001', '2026-03-10T09:00:00.000Z'],
      ['BSD-2026-002', null],
    ]);
  });

  it('refuses a stale If-Match, a weight of 0, and a slip missing above 5 kg a month', async () => {
    // given the ESSMS' register as read
    const register = await app.request('GET', DASRI, { as: nurse });
    const etag = register.headers.get('etag') ?? '';
    const box = randomUUID();
    await post('containers', { containerId: box, kind: 'lined-box', volumeLitres: 50 }, nurse, etag);

    // when
    const stale = await post(
      'containers',
      { containerId: randomUUID(), kind: 'lined-box', volumeLitres: 50 },
      nurse,
      etag,
    );
    const weightless = await post(`containers/${box}/closures`, { weightKg: 0 });
    await post(`containers/${box}/closures`, {});
    const withoutSlip = await post('collections', {
      collectionId: randomUUID(),
      weightKg: 80,
      containerIds: [box],
      collector: 'Cosmolys',
    });

    // then
    expect(stale.status).to.equal(412);
    expect(weightless.status).to.equal(400);
    expect(withoutSlip.status).to.equal(422);
    expect(withoutSlip.body.code).to.equal('TRACKING_SLIP_REQUIRED');
    expect(withoutSlip.body.detail).to.include('CERFA 11351');
  });

  it('is kept by the nurses, doctors, pharmacists and direction of the ESSMS only', async () => {
    // when
    const byEducator = await app.request('GET', DASRI, { as: educator });
    const educatorStarts = await post(
      'containers',
      { containerId: randomUUID(), kind: 'sharps-box', volumeLitres: 2 },
      educator,
    );
    const byNurseElsewhere = await app.request('GET', `${DASRI}/alerts`, { as: nurseElsewhere });
    const byDirector = await app.request('GET', DASRI, { as: director });
    const otherFacility = await app.request('GET', `/organisations/${ORG}/facilities/${CAARUD}/infectious-waste`, {
      as: nurseElsewhere,
    });

    // then
    expect(byEducator.status).to.equal(403);
    expect(byEducator.body.detail).to.equal(
      'Le suivi des DASRI de l’ESSMS revient aux fonctions : infirmier, médecin, pharmacien, direction.',
    );
    expect(educatorStarts.status).to.equal(403);
    expect(byNurseElsewhere.status).to.equal(403);
    expect(byNurseElsewhere.body.detail).to.equal('Vous n’avez pas d’habilitation dans cet établissement.');
    expect(byDirector.status).to.equal(200);
    expect(otherFacility.status).to.equal(200);
    expect(otherFacility.body).to.deep.equal({
      facilityId: CAARUD,
      activeSince: null,
      containers: [],
      collections: [],
    });
  });
});
