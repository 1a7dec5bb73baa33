import { randomUUID } from 'node:crypto';
import { accessLogStreamId } from '@dui-pds/domain';
import { METHADONE_SYRUP_40_MG } from '@dui-pds/domain/testing';
import { expect } from 'chai';
import { ServerUnderTest } from './testing/server-under-test.js';
import { noonOn, TestClock } from './testing/test-clock.js';

const ORG = 'og-round';
const CSAPA = '750000001';
const pharmacy = `/organisations/${ORG}/facilities/${CSAPA}/pharmacy`;

interface RoundEntry {
  serviceUserId: string;
  status: string;
  fraction: { coversFrom: string; coversTo: string; units: number } | null;
  missedDays: number;
  nextOn: string | null;
  dispensedToday: boolean;
  prescriptionStatus: string | null;
}

/**
 * The nurse at opening time: who is to come for their methadone today, who is late and by how
 * many days, who is covered until when, and whose prescription the doctor suspended.
 */
describe('the HTTP API: the dispensing round of the day', function () {
  this.timeout(60_000);
  const clock = new TestClock(noonOn('2026-03-02'));
  const moveTo = (day: string) => clock.advance(noonOn(day) - clock.now().getTime());
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  const prescriptions: Record<string, string> = {};

  before(async () => {
    app = await ServerUnderTest.start({}, undefined, { clock: clock.now });
    const careTeam = (professionalId: string, ...serviceUserIds: string[]) =>
      serviceUserIds.map((serviceUserId) => ({
        type: 'AddToCareTeam' as const,
        professionalId,
        serviceUserId,
        facilityId: CSAPA,
      }));
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'GrantRole', professionalId: 'pro-pharma', facilityId: CSAPA, role: 'pharmacist' },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      ...careTeam('pro-doctor', 'usager-1', 'usager-2', 'usager-3'),
      ...careTeam('pro-nurse', 'usager-1', 'usager-2'),
      ...careTeam('pro-pharma', 'usager-3'),
    );
    for (const id of ['pro-doctor', 'pro-nurse', 'pro-pharma', 'pro-secretary']) tokens[id] = await app.loginAs(id);

    // given methadone in stock, and a 14-day prescription from 2 March for each usager, registered
    const defined = await app.request('POST', `${pharmacy}/products`, {
      as: tokens['pro-pharma'],
      body: {
        product: {
          productId: METHADONE_SYRUP_40_MG.productId,
          name: METHADONE_SYRUP_40_MG.productName,
          productClass: 'narcotic',
          unit: 'flacon de 40 mg',
          tsoProduct: 'methadone-syrup',
        },
      },
    });
    expect(defined.status, JSON.stringify(defined.body)).to.equal(201);
    const received = await app.request('POST', `${pharmacy}/receipts`, {
      as: tokens['pro-pharma'],
      body: {
        lineId: randomUUID(),
        productId: METHADONE_SYRUP_40_MG.productId,
        lot: 'M-2026-01',
        expiresOn: '2028-12-31',
        units: 200,
        supplier: 'Répartiteur Sud',
      },
    });
    expect(received.status, JSON.stringify(received.body)).to.equal(201);
    for (const serviceUserId of ['usager-1', 'usager-2', 'usager-3']) {
      const prescriptionId = randomUUID();
      const prescribed = await app.request(
        'POST',
        `/organisations/${ORG}/usagers/${serviceUserId}/medicine-prescriptions`,
        {
          as: tokens['pro-doctor'],
          body: {
            prescriptionId,
            facilityId: CSAPA,
            ...METHADONE_SYRUP_40_MG,
            durationDays: 14,
            prescriber: { name: 'Dr Claire Martin', address: 'CSAPA, 12 rue des Lilas, 75020 Paris', setting: 'csapa' },
            namedPharmacist: 'Pharmacie du CSAPA',
          },
        },
      );
      expect(prescribed.status, JSON.stringify(prescribed.body)).to.equal(201);
      const registered = await app.request('POST', `${pharmacy}/prescriptions`, {
        as: tokens['pro-pharma'],
        body: { prescriptionId },
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      prescriptions[serviceUserId] = prescriptionId;
    }
  });
  after(() => app?.close());

  const roundOf = async (as: string, query = '') => {
    const answer = await app.request('GET', `${pharmacy}/dispensing-round${query}`, { as: tokens[as] });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as { day: string; ledgerMonth: string; entries: RoundEntry[] };
  };
  const dispense = (serviceUserId: string) =>
    app.request('POST', `${pharmacy}/dispensations`, {
      as: tokens['pro-nurse'],
      body: { lineId: randomUUID(), prescriptionId: prescriptions[serviceUserId], serviceUserId },
    });

  it('lists at opening time the fractions due, for the usagers of the nurse’s teams only, and traces the read', async () => {
    // when the nurse and the pharmacist draw the round of 2 March before anyone came
    const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).length;
    const byNurse = await roundOf('pro-nurse');
    const byPharmacist = await roundOf('pro-pharma');

    // then each sees the first fraction due in full (2–8 March) for the usagers they accompany
    expect(byNurse.day).to.equal('2026-03-02');
    expect(byNurse.ledgerMonth).to.equal('2026-03');
    expect(byNurse.entries.map((entry) => [entry.serviceUserId, entry.status, entry.fraction])).to.deep.equal([
      ['usager-1', 'due', { coversFrom: '2026-03-02', coversTo: '2026-03-08', units: 7 }],
      ['usager-2', 'due', { coversFrom: '2026-03-02', coversTo: '2026-03-08', units: 7 }],
    ]);
    expect(byPharmacist.entries.map((entry) => entry.serviceUserId)).to.deep.equal(['usager-3']);
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, 'usager-1'))).slice(logBefore);
    expect(log.map((read) => [read.metadata.actor.id, (read.data as { resource: string }).resource])).to.deep.equal([
      ['pro-nurse', 'dispensing-round'],
    ]);
  });

  it('follows the day: covered once given, not to be given once suspended, due again, then late', async () => {
    // given usager-1 served on 2 March, and usager-2's prescription suspended by the doctor on the 3rd
    const served = await dispense('usager-1');
    const coveredThatDay = await roundOf('pro-nurse');
    moveTo('2026-03-03');
    const suspended = await app.request(
      'POST',
      `/organisations/${ORG}/prescriptions/${prescriptions['usager-2']}/suspensions`,
      {
        as: tokens['pro-doctor'],
        body: { suspendedOn: '2026-03-03', reason: 'hospitalisation' },
      },
    );

    // when the rounds of the 3rd, the 9th and the 13th are drawn, and usager-2 comes on the 3rd
    const third = await roundOf('pro-nurse');
    const whileSuspended = await dispense('usager-2');
    moveTo('2026-03-09');
    const ninth = await roundOf('pro-nurse');
    moveTo('2026-03-13');
    const thirteenth = await roundOf('pro-nurse');
    const askedForThe10th = await roundOf('pro-nurse', '?day=2026-03-10');

    // then
    expect(served.status, JSON.stringify(served.body)).to.equal(201);
    expect(suspended.status, JSON.stringify(suspended.body)).to.equal(200);
    expect(coveredThatDay.entries.find((entry) => entry.serviceUserId === 'usager-1')).to.deep.include({
      status: 'covered',
      nextOn: '2026-03-09',
      dispensedToday: true,
    });
    expect(whileSuspended.status, JSON.stringify(whileSuspended.body)).to.equal(422);
    expect(whileSuspended.body.code).to.equal('PRESCRIPTION_NOT_IN_FORCE');
    expect(third.entries.map((entry) => [entry.serviceUserId, entry.status, entry.prescriptionStatus])).to.deep.equal([
      ['usager-2', 'notInForce', 'suspended'],
      ['usager-1', 'covered', null],
    ]);
    expect(ninth.entries[0]).to.deep.include({
      serviceUserId: 'usager-1',
      status: 'due',
      fraction: { coversFrom: '2026-03-09', coversTo: '2026-03-15', units: 7 },
    });
    // the 9th's fraction, not given, is late by the 13th: 4 days missed, the days left given
    expect(thirteenth.entries[0]).to.deep.include({
      serviceUserId: 'usager-1',
      status: 'late',
      fraction: { coversFrom: '2026-03-13', coversTo: '2026-03-15', units: 3 },
      missedDays: 4,
    });
    expect(askedForThe10th.day).to.equal('2026-03-10');
    expect(askedForThe10th.entries[0]).to.deep.include({ serviceUserId: 'usager-1', status: 'due' });
  });

  it('dispenses nothing once the usager left the ESSMS, from the day after the exit', async () => {
    // given usager-1 incarcerated on 13 March, the day of the round above
    const exit = await app.request('POST', `/organisations/${ORG}/accompaniments/${randomUUID()}/exit`, {
      as: tokens['pro-nurse'],
      body: {
        serviceUserId: 'usager-1',
        facilityId: CSAPA,
        exitDay: '2026-03-13',
        exitReason: 'incarceration',
        destination: 'prison',
      },
    });
    const onTheExitDay = await roundOf('pro-nurse');

    // when the round of the 14th is drawn, and someone presents usager-1's prescription
    moveTo('2026-03-14');
    const dayAfter = await roundOf('pro-nurse');
    const presented = await dispense('usager-1');

    // then the exit day is still a day of the accompaniment; the day after, nothing is dispensed
    expect(exit.status, JSON.stringify(exit.body)).to.equal(201);
    expect(onTheExitDay.entries.find((entry) => entry.serviceUserId === 'usager-1')?.status).to.equal('late');
    expect(dayAfter.entries.find((entry) => entry.serviceUserId === 'usager-1')).to.deep.include({
      status: 'notInForce',
      fraction: null,
    });
    expect(presented.status, JSON.stringify(presented.body)).to.equal(422);
    expect(presented.body.code).to.equal('ACCOMPANIMENT_ENDED');
    expect(presented.body.detail).to.equal(
      'L’accompagnement de cet usager dans l’établissement a pris fin le 13/03/2026 : cette prescription ne se délivre plus.',
    );
  });

  it('is drawn by those who dispense only', async () => {
    // when the secretary asks for it, and for a day that is not one
    const bySecretary = await app.request('GET', `${pharmacy}/dispensing-round`, { as: tokens['pro-secretary'] });
    const badDay = await app.request('GET', `${pharmacy}/dispensing-round?day=2026-02-30`, { as: tokens['pro-nurse'] });

    // then
    expect(bySecretary.status).to.equal(403);
    expect(bySecretary.body.detail).to.equal(
      'Les délivrances du jour se consultent par les fonctions suivantes dans cet établissement : pharmacien, médecin, infirmier.',
    );
    expect(badDay.status).to.equal(400);
  });
});
