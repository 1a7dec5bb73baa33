import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import {
  type RecordRetentionFacts,
  type RecordRetentionStatus,
  retentionScheduleOf,
  retentionStatusOn,
} from './record-retention-schedule.js';
import { retentionDays } from './retention-days.test-arbitrary.js';
import { addYears, type RetentionPolicy } from './retention-policy.js';

/** Any real day from 1990 to 2080, 29 February and the ends of months often among them. */
const days = retentionDays('2080-12-31');

/** The day before, computed apart from the code under test. */
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

const policies: fc.Arbitrary<RetentionPolicy> = fc.record({
  socialIntermediateArchiveYears: fc.integer({ min: 0, max: 30 }),
});

const facts: fc.Arbitrary<RecordRetentionFacts> = fc
  .record({
    lastContactOn: days,
    lastStayEndedOn: fc.option(days, { nil: undefined }),
    holdsMedicalData: fc.boolean(),
    archivedOn: fc.option(days, { nil: undefined }),
    activeLegalHolds: fc.nat({ max: 3 }),
  })
  .map(({ lastStayEndedOn, archivedOn, ...rest }) => ({
    ...rest,
    ...(lastStayEndedOn === undefined ? {} : { lastStayEndedOn }),
    ...(archivedOn === undefined ? {} : { archivedOn }),
  }));

describe('the retention schedule of a record', () => {
  describe('examples', () => {
    it('archives 2 years after the last contact and destroys a social record 5 years later', () => {
      // given a usager last seen on 20 March 2026, with no health data
      const schedule = retentionScheduleOf({
        lastContactOn: '2026-03-20',
        holdsMedicalData: false,
        activeLegalHolds: 0,
      });

      // then
      expect(schedule).to.deep.include({ archiveDueOn: '2028-03-20', destructionDueOn: '2033-03-20' });
      expect(schedule.rule.dataClass).to.equal('socialAndAdministrative');
      expect(schedule.destructionDueOnByClass).to.deep.equal({ socialAndAdministrative: '2033-03-20' });
    });

    it('keeps a record holding health data 20 years after the end of the last stay', () => {
      // given an exit on 10 January 2026, a last contact on 20 March 2026 (post-exit follow-up)
      const schedule = retentionScheduleOf({
        lastContactOn: '2026-03-20',
        lastStayEndedOn: '2026-01-10',
        holdsMedicalData: true,
        activeLegalHolds: 0,
      });

      // then the health clock runs from the later of the two
      expect(schedule.archiveDueOn).to.equal('2028-03-20');
      expect(schedule.destructionDueOn).to.equal('2046-03-20');
      expect(schedule.rule.dataClass).to.equal('medical');
      expect(schedule.rule.legalSource).to.include('R.1112-7');
      expect(schedule.destructionDueOnByClass).to.deep.equal({
        socialAndAdministrative: '2033-03-20',
        medical: '2046-03-20',
      });
    });

    it('runs the health clock from an exit recorded after the last contact', () => {
      const schedule = retentionScheduleOf({
        lastContactOn: '2026-01-10',
        lastStayEndedOn: '2026-02-01',
        holdsMedicalData: true,
        activeLegalHolds: 0,
      });
      expect(schedule.destructionDueOn).to.equal('2046-02-01');
    });

    it('says where the record stands, day by day', () => {
      const base = { lastContactOn: '2026-03-20', holdsMedicalData: false, activeLegalHolds: 0 };
      const schedule = retentionScheduleOf(base);
      const statusOn = (today: string, more: Partial<RecordRetentionFacts> = {}) =>
        retentionStatusOn(schedule, { ...base, ...more }, today);
      expect(statusOn('2028-03-19')).to.equal('active');
      expect(statusOn('2028-03-20')).to.equal('archiveDue');
      expect(statusOn('2028-03-20', { archivedOn: '2028-03-20' })).to.equal('archived');
      expect(statusOn('2033-03-19', { archivedOn: '2028-03-20' })).to.equal('archived');
      expect(statusOn('2033-03-20', { archivedOn: '2028-03-20' })).to.equal('destructionDue');
      expect(statusOn('2033-03-20', { archivedOn: '2028-03-20', activeLegalHolds: 1 })).to.equal(
        'destructionSuspended',
      );
      expect(statusOn('2034-01-01', { archivedOn: '2028-03-20', destroyedOn: '2033-03-20' })).to.equal('destroyed');
    });

    it('refuses facts that are not days, or a negative count of holds', () => {
      expect(() => retentionScheduleOf({ lastContactOn: '20/03/2026', holdsMedicalData: false, activeLegalHolds: 0 }))
        .to.throw(DomainRuleViolation)
        .with.property('code', 'RETENTION_DAY_INVALID');
      const schedule = retentionScheduleOf({
        lastContactOn: '2026-03-20',
        holdsMedicalData: false,
        activeLegalHolds: 0,
      });
      expect(() => retentionStatusOn(schedule, { activeLegalHolds: -1 }, '2026-03-20'))
        .to.throw(DomainRuleViolation)
        .with.property('code', 'RETENTION_HOLDS_INVALID');
    });
  });

  describe('invariants', () => {
    it('never destroys before the archive', () => {
      fc.assert(
        fc.property(facts, policies, (given, policy) => {
          const schedule = retentionScheduleOf(given, policy);
          expect(schedule.destructionDueOn >= schedule.archiveDueOn).to.equal(true);
        }),
      );
    });

    it('never destroys health data before 20 years after the last stay, nor social data before its delay', () => {
      fc.assert(
        fc.property(facts, policies, (given, policy) => {
          const schedule = retentionScheduleOf(given, policy);
          const lastStay = given.lastStayEndedOn ?? given.lastContactOn;
          if (given.holdsMedicalData) expect(schedule.destructionDueOn >= addYears(lastStay, 20)).to.equal(true);
          const social = addYears(given.lastContactOn, 2 + policy.socialIntermediateArchiveYears);
          expect(schedule.destructionDueOn >= social).to.equal(true);
          // and the date is that of one of the classes that apply, the one the rule names
          const byClass = schedule.destructionDueOnByClass;
          expect(schedule.destructionDueOn).to.equal(byClass[schedule.rule.dataClass as keyof typeof byClass]);
        }),
      );
    });

    it('never destroys under a legal hold', () => {
      fc.assert(
        fc.property(facts, policies, days, (given, policy, today) => {
          fc.pre(given.activeLegalHolds > 0);
          const status = retentionStatusOn(retentionScheduleOf(given, policy), given, today);
          expect(status).to.not.equal('destructionDue');
          if (today >= retentionScheduleOf(given, policy).destructionDueOn) {
            expect(status).to.equal('destructionSuspended');
          }
        }),
      );
    });

    it('changes status exactly on the due day: not the day before, and on the day itself', () => {
      fc.assert(
        fc.property(facts, policies, (given, policy) => {
          const { archivedOn: _, ...unarchived } = given;
          const schedule = retentionScheduleOf(unarchived, policy);
          const statusOn = (today: string): RecordRetentionStatus => retentionStatusOn(schedule, unarchived, today);
          const destroyed = unarchived.activeLegalHolds > 0 ? 'destructionSuspended' : 'destructionDue';

          // the archive
          if (schedule.archiveDueOn < schedule.destructionDueOn) {
            expect(statusOn(dayBefore(schedule.archiveDueOn))).to.equal('active');
            expect(statusOn(schedule.archiveDueOn)).to.equal('archiveDue');
          }
          // the destruction, archived or not
          expect(statusOn(dayBefore(schedule.destructionDueOn))).to.not.equal(destroyed);
          expect(statusOn(schedule.destructionDueOn)).to.equal(destroyed);
          const archived = { ...unarchived, archivedOn: schedule.archiveDueOn };
          expect(retentionStatusOn(schedule, archived, dayBefore(schedule.destructionDueOn))).to.equal('archived');
          expect(retentionStatusOn(schedule, archived, schedule.destructionDueOn)).to.equal(destroyed);
        }),
      );
    });
  });
});
