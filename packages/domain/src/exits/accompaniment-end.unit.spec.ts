import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import {
  type ActEndedWithAccompaniment,
  accompanimentEndedRefusal,
  usagerDeceasedRefusal,
} from './accompaniment-end.js';

const ACTS: readonly ActEndedWithAccompaniment[] = [
  'dispensation',
  'attendance',
  'stay-contract',
  'personalised-project',
  'planned-event',
];
const calendarDay = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

describe('what an ended accompaniment no longer takes', () => {
  it('takes the exit day itself and refuses the next day, saying when it ended', () => {
    // given an accompaniment that ended by a death on 13 March 2026
    const end = { exitDay: '2026-03-13', exitReason: 'death' };

    // when a presence is dated that day, then the day after
    const onTheExitDay = accompanimentEndedRefusal(end, '2026-03-13', 'attendance');
    const theDayAfter = accompanimentEndedRefusal(end, '2026-03-14', 'attendance');

    // then only the day after is refused, in French, with the exit for the client
    assert.equal(onTheExitDay, undefined);
    assert.ok(theDayAfter instanceof DomainRuleViolation);
    assert.equal(theDayAfter.code, 'ACCOMPANIMENT_ENDED');
    assert.equal(
      theDayAfter.message,
      'L’accompagnement de cet usager dans l’établissement a pris fin le 13/03/2026 : ' +
        'aucune présence ni absence ne s’enregistre après ce jour.',
    );
    assert.deepEqual(theDayAfter.details, { exitDay: '2026-03-13', exitReason: 'death' });
  });

  it('refuses nothing in an accompaniment with no exit', () => {
    for (const act of ACTS) assert.equal(accompanimentEndedRefusal(undefined, '2099-12-31', act), undefined);
  });

  it('refuses an act exactly when it is dated after the exit day, whatever the act (property)', () => {
    fc.assert(
      fc.property(calendarDay, calendarDay, fc.constantFrom(...ACTS), (exitDay, day, act) => {
        const refusal = accompanimentEndedRefusal({ exitDay, exitReason: 'reoriented' }, day, act);
        assert.equal(refusal !== undefined, day > exitDay);
        if (refusal) assert.ok(refusal.message.includes(exitDay.split('-').reverse().join('/')));
      }),
    );
  });
});

describe('what no longer happens once a usager’s death is recorded', () => {
  const consequence = 'aucune ordonnance ne se rédige plus pour lui après ce jour.';

  it('refuses an undated act at once, and says when the death was recorded', () => {
    const refusal = usagerDeceasedRefusal('2026-03-05', consequence);
    assert.ok(refusal instanceof DomainRuleViolation);
    assert.equal(refusal.code, 'USAGER_DECEASED');
    assert.equal(refusal.message, `Le décès de l’usager est enregistré, au 05/03/2026 : ${consequence}`);
    assert.deepEqual(refusal.details, { deathDay: '2026-03-05' });
    assert.equal(usagerDeceasedRefusal(undefined, consequence), undefined);
  });

  it('refuses a dated act exactly when it comes after the death (property)', () => {
    fc.assert(
      fc.property(fc.option(calendarDay, { nil: undefined }), calendarDay, (deathDay, actDay) => {
        const refused = usagerDeceasedRefusal(deathDay, consequence, actDay) !== undefined;
        assert.equal(refused, deathDay !== undefined && actDay > deathDay);
      }),
    );
  });
});
