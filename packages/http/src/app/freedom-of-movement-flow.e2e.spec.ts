import { randomUUID } from 'node:crypto';
import { accessLogStreamId, type RecordRead } from '@dui-pds/domain';
import { expect } from 'chai';
import { parisDay } from '../features/paris-day.js';
import { ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-a';
const CSAPA = '750000001';
const USAGER = 'usager-1';
/** The usager whose death a test records: a death closes their measures in every ESSMS. */
const USAGER_WHO_DIES = 'usager-2';
const daysAfter = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('the HTTP API: freedom-of-movement measures, proposed, decided, reviewed', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let doctor: string;
  let director: string;
  let nurse: string;
  let educator: string;
  let doctorAndDirector: string;
  let secretary: string;

  before(async () => {
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: 'pro-nurse', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-educator', facilityId: CSAPA, role: 'educator' },
      { type: 'AddToCareTeam', professionalId: 'pro-educator', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-both', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-both', facilityId: CSAPA, role: 'director' },
      { type: 'AddToCareTeam', professionalId: 'pro-both', serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'AddToCareTeam', professionalId: 'pro-doctor', serviceUserId: USAGER_WHO_DIES, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
    );
    doctor = await app.loginAs('pro-doctor');
    director = await app.loginAs('pro-director');
    nurse = await app.loginAs('pro-nurse');
    educator = await app.loginAs('pro-educator');
    doctorAndDirector = await app.loginAs('pro-both');
    secretary = await app.loginAs('pro-secretary');
  });
  after(() => app.close());

  const propose = (as: string, measureId: string, serviceUserId = USAGER, proposedAt = '2026-01-05') =>
    app.request('POST', `/organisations/${ORG}/usagers/${serviceUserId}/freedom-of-movement-measures`, {
      as,
      body: {
        measureId,
        facilityId: CSAPA,
        description: 'Sorties de nuit accompagnées',
        assessment: 'Évaluation pluridisciplinaire : épisodes confusionnels nocturnes',
        proposedAt,
      },
    });
  const step = (as: string, measureId: string, what: string, body: unknown) =>
    app.request('POST', `/organisations/${ORG}/freedom-of-movement-measures/${measureId}/${what}`, { as, body });
  const toReview = (as: string, today: string) =>
    app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/freedom-of-movement-measures-to-review?today=${today}`,
      {
        as,
      },
    );

  it('warns of a review due once decided, and no more after the review', async () => {
    // given a measure proposed by the doctor and decided by the director, to review by 1 March
    const measureId = randomUUID();
    const proposed = await propose(doctor, measureId);
    const decided = await step(director, measureId, 'decisions', { decidedAt: '2026-01-06', reviewBy: '2026-03-01' });
    const informed = await step(nurse, measureId, 'usager-information', {
      informedAt: '2026-01-07',
      how: 'Entretien avec l’usager et sa personne de confiance',
    });

    // when the list is read far from the review, close to it, then after the review
    const early = await toReview(director, '2026-01-10');
    const due = await toReview(director, '2026-02-20');
    const reviewed = await step(doctor, measureId, 'reviews', {
      reviewedAt: '2026-02-20',
      outcome: 'maintained',
      nextReviewBy: '2026-07-01',
    });
    const afterReview = await toReview(director, '2026-02-20');

    // then
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(informed.status, JSON.stringify(informed.body)).to.equal(200);
    const ofThisMeasure = (answer: typeof due) =>
      answer.body.measures.filter((measure: { measureId: string }) => measure.measureId === measureId);
    expect(early.status).to.equal(200);
    expect(ofThisMeasure(early)).to.deep.equal([]);
    expect(due.status).to.equal(200);
    expect(ofThisMeasure(due)).to.deep.equal([
      {
        measureId,
        serviceUserId: USAGER,
        reviewBy: '2026-03-01',
        usagerInformed: true,
        warning: 'review-due-soon',
        revision: 2,
      },
    ]);
    expect(reviewed.status, JSON.stringify(reviewed.body)).to.equal(200);
    expect(ofThisMeasure(afterReview)).to.deep.equal([]);
  });

  it('shows the measures of a usager, the assessment only to who may read medical data, each read traced', async () => {
    // given a decided measure, not yet presented to the usager
    const measureId = randomUUID();
    await propose(doctor, measureId);
    await step(director, measureId, 'decisions', { decidedAt: '2026-01-06', reviewBy: '2026-06-30' });

    // when the doctor, the educator and the director read the usager's measures
    const path = `/organisations/${ORG}/usagers/${USAGER}/freedom-of-movement-measures?facilityId=${CSAPA}&today=2026-01-10`;
    const byDoctor = await app.request('GET', path, { as: doctor });
    const byEducator = await app.request('GET', path, { as: educator });
    const byDirector = await app.request('GET', path, { as: director });

    // then all see the measure and its warning; only the doctor sees the assessment
    const mine = (answer: typeof byDoctor) =>
      answer.body.measures.find((measure: { measureId: string }) => measure.measureId === measureId);
    expect(byDoctor.status, JSON.stringify(byDoctor.body)).to.equal(200);
    expect(mine(byDoctor)).to.deep.include({
      status: 'decided',
      description: 'Sorties de nuit accompagnées',
      assessment: 'Évaluation pluridisciplinaire : épisodes confusionnels nocturnes',
      proposedBy: 'pro-doctor',
      decidedBy: 'pro-director',
      reviewBy: '2026-06-30',
      warning: 'usager-not-informed',
      revision: 1,
    });
    expect(mine(byEducator)).to.deep.include({ description: 'Sorties de nuit accompagnées', assessment: null });
    expect(mine(byDirector)).to.deep.include({ assessment: null, warning: 'usager-not-informed' });
    const log = (await app.server.store.readStream(accessLogStreamId(ORG, USAGER)))
      .map((event) => event.data as RecordRead)
      .filter((read) => read.resource === 'freedom-of-movement-measures');
    expect(log.map((read) => read.sensitivities)).to.deep.include.members([
      ['administrative', 'medical'],
      ['administrative'],
    ]);
  });

  it('lets only a doctor propose, only the director decide, and not the one who proposed', async () => {
    // given a measure proposed by a professional who is both doctor and director
    const measureId = randomUUID();
    const byBoth = await propose(doctorAndDirector, measureId);

    // when a nurse proposes, the director proposes, the doctor decides, the proposer decides, a nurse reviews
    const byNurse = await propose(nurse, randomUUID());
    const byDirector = await propose(director, randomUUID());
    const decidedByDoctor = await step(doctor, measureId, 'decisions', {
      decidedAt: '2026-01-06',
      reviewBy: '2026-03-01',
    });
    const decidedByProposer = await step(doctorAndDirector, measureId, 'decisions', {
      decidedAt: '2026-01-06',
      reviewBy: '2026-03-01',
    });
    const decidedByDirector = await step(director, measureId, 'decisions', {
      decidedAt: '2026-01-06',
      reviewBy: '2026-03-01',
    });
    const reviewedByNurse = await step(nurse, measureId, 'reviews', { reviewedAt: '2026-02-01', outcome: 'lifted' });
    const reviewedByDirector = await step(director, measureId, 'reviews', {
      reviewedAt: '2026-02-01',
      outcome: 'lifted',
    });

    // then
    expect(byBoth.status, JSON.stringify(byBoth.body)).to.equal(201);
    expect(byNurse.status).to.equal(403);
    expect(byNurse.body.detail).to.equal('Cette étape d’une mesure de liberté d’aller et venir revient à : médecin.');
    expect(byDirector.status).to.equal(403);
    expect(decidedByDoctor.status).to.equal(403);
    expect(decidedByDoctor.body.detail).to.match(/revient à : direction/);
    expect(decidedByProposer.status).to.equal(403);
    expect(decidedByProposer.body.detail).to.match(/ne peut pas la décider/);
    expect(decidedByDirector.status, JSON.stringify(decidedByDirector.body)).to.equal(200);
    expect(reviewedByNurse.status).to.equal(403);
    expect(reviewedByDirector.status, JSON.stringify(reviewedByDirector.body)).to.equal(200);
  });

  it('answers the domain’s refusals as problems, and an unknown measure as not found', async () => {
    // given a proposed measure
    const measureId = randomUUID();
    await propose(doctor, measureId);

    // when it is reviewed before any decision, decided with a review too far, or an unknown one is decided
    const reviewed = await step(doctor, measureId, 'reviews', { reviewedAt: '2026-01-06', outcome: 'lifted' });
    const tooFar = await step(director, measureId, 'decisions', { decidedAt: '2026-01-06', reviewBy: '2026-08-01' });
    const unknown = await step(director, randomUUID(), 'decisions', { reviewBy: '2026-03-01' });

    // then
    expect(reviewed.status).to.equal(422);
    expect(reviewed.body.code).to.equal('MEASURE_NOT_DECIDED');
    expect(tooFar.status).to.equal(422);
    expect(tooFar.body.code).to.equal('REVIEW_DATE_OUT_OF_RANGE');
    expect(unknown.status).to.equal(404);
  });

  it('refuses a decision or an information dated after today, so that the review stays within 6 months', async () => {
    // given a proposed measure, and today in Paris
    const measureId = randomUUID();
    const proposed = await propose(doctor, measureId);
    const today = parisDay.format(new Date());
    const tomorrow = daysAfter(today, 1);

    // when the director dates the decision tomorrow, then a year ahead with a review 18 months away
    const decidedTomorrow = await step(director, measureId, 'decisions', {
      decidedAt: tomorrow,
      reviewBy: daysAfter(tomorrow, 30),
    });
    const decidedAYearAhead = await step(director, measureId, 'decisions', {
      decidedAt: daysAfter(today, 365),
      reviewBy: daysAfter(today, 540),
    });
    // and, once decided today, the usager's information is dated tomorrow
    const decidedToday = await step(director, measureId, 'decisions', { reviewBy: daysAfter(today, 30) });
    const informedTomorrow = await step(nurse, measureId, 'usager-information', {
      informedAt: tomorrow,
      how: 'Entretien avec l’usager',
    });

    // then the days ahead are refused, in French, and the measure still warns that the usager is not informed
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    for (const refused of [decidedTomorrow, decidedAYearAhead, informedTomorrow]) {
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.code).to.equal('MEASURE_DAY_IN_FUTURE');
      expect(refused.body.detail).to.match(/ne peut pas être datée d’un jour à venir/);
    }
    expect(decidedToday.status, JSON.stringify(decidedToday.body)).to.equal(200);
    const measures = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/${USAGER}/freedom-of-movement-measures?facilityId=${CSAPA}`,
      { as: director },
    );
    expect(
      measures.body.measures.find((measure: { measureId: string }) => measure.measureId === measureId),
    ).to.deep.include({ status: 'decided', decidedAt: today, warning: 'usager-not-informed' });
  });

  it('takes no step once the usager’s death is recorded, and leaves their measures out of the list to review', async () => {
    // given a decided measure of the usager, due for review
    const measureId = randomUUID();
    const proposed = await propose(doctor, measureId, USAGER_WHO_DIES);
    const decided = await step(director, measureId, 'decisions', { decidedAt: '2026-01-06', reviewBy: '2026-03-01' });
    const ofThisMeasure = async (today: string) =>
      (await toReview(director, today)).body.measures.filter(
        (measure: { measureId: string }) => measure.measureId === measureId,
      );
    const dueBefore = await ofThisMeasure('2026-02-20');

    // when the secretary records the usager's death, then a measure is proposed and this one reviewed after it
    const death = await app.request('POST', `/organisations/${ORG}/accompaniments/${randomUUID()}/exit`, {
      as: secretary,
      body: {
        serviceUserId: USAGER_WHO_DIES,
        facilityId: CSAPA,
        exitDay: '2026-02-10',
        exitReason: 'death',
        destination: 'not-applicable',
      },
    });
    const proposedAfter = await propose(doctor, randomUUID(), USAGER_WHO_DIES, '2026-02-11');
    const reviewedAfter = await step(director, measureId, 'reviews', { reviewedAt: '2026-02-20', outcome: 'lifted' });

    // then both are refused, and the measure no longer shows as due nor, later, as overdue
    expect(proposed.status, JSON.stringify(proposed.body)).to.equal(201);
    expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
    expect(dueBefore.map((measure: { warning: string }) => measure.warning)).to.deep.equal(['review-due-soon']);
    expect(death.status, JSON.stringify(death.body)).to.equal(201);
    for (const refused of [proposedAfter, reviewedAfter]) {
      expect(refused.status, JSON.stringify(refused.body)).to.equal(422);
      expect(refused.body.code).to.equal('USAGER_DECEASED');
      expect(refused.body.detail).to.match(/aucune mesure restreignant sa liberté d’aller et venir/);
    }
    expect(await ofThisMeasure('2026-02-20')).to.deep.equal([]);
    expect(await ofThisMeasure('2027-01-01')).to.deep.equal([]);

    // and a step dated up to the death (the measure lifted the day before it) is still recorded late
    const liftedBefore = await step(director, measureId, 'reviews', { reviewedAt: '2026-02-09', outcome: 'lifted' });
    expect(liftedBefore.status, JSON.stringify(liftedBefore.body)).to.equal(200);
  });
});
