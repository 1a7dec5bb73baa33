import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { retentionDays } from './retention-days.test-arbitrary.js';
import {
  addYears,
  DEFAULT_RETENTION_POLICY,
  INFECTIOUS_WASTE_SLIP_RETENTION_YEARS,
  isRetentionDay,
  medicalDestructionDueOn,
  PRESCRIPTION_COPY_RETENTION_YEARS,
  RETENTION_DATA_CLASSES,
  registerDestructionDueOn,
  retentionRuleOf,
  socialArchiveDueOn,
  socialDestructionDueOn,
} from './retention-policy.js';

/** Any real day from 1990 to 2100, 29 February and the ends of months often among them. */
const days = retentionDays('2100-12-31');

describe('the retention policy', () => {
  describe('adding years to a day', () => {
    it('keeps the calendar day, and turns 29 February into 28 February in a common year', () => {
      expect(addYears('2026-03-20', 2)).to.equal('2028-03-20');
      expect(addYears('2024-02-29', 2)).to.equal('2026-02-28');
      expect(addYears('2024-02-29', 4)).to.equal('2028-02-29');
      expect(addYears('2000-02-29', 100)).to.equal('2100-02-28');
      expect(addYears('2025-12-31', 20)).to.equal('2045-12-31');
    });

    it('always gives a real day, N years later, never past the same month', () => {
      fc.assert(
        fc.property(days, fc.integer({ min: 0, max: 40 }), (day, years) => {
          const later = addYears(day, years);
          expect(isRetentionDay(later)).to.equal(true);
          expect(Number(later.slice(0, 4))).to.equal(Number(day.slice(0, 4)) + years);
          expect(later.slice(5, 7)).to.equal(day.slice(5, 7));
          expect(later >= day).to.equal(true);
        }),
      );
    });

    it('refuses what is not a day', () => {
      for (const notADay of ['2026-02-30', '2026-13-01', '26-03-20', '2026-3-20', '']) {
        expect(() => addYears(notADay, 1), notADay)
          .to.throw(DomainRuleViolation)
          .with.property('code', 'RETENTION_DAY_INVALID');
      }
    });
  });

  describe('the periods', () => {
    it('archives social data 2 years after the last contact and destroys it after the intermediate archive', () => {
      expect(socialArchiveDueOn('2026-03-20')).to.equal('2028-03-20');
      expect(socialDestructionDueOn('2026-03-20')).to.equal('2033-03-20');
      expect(socialDestructionDueOn('2026-03-20', { socialIntermediateArchiveYears: 3 })).to.equal('2031-03-20');
      expect(() => socialDestructionDueOn('2026-03-20', { socialIntermediateArchiveYears: -1 }))
        .to.throw(DomainRuleViolation)
        .with.property('code', 'RETENTION_POLICY_INVALID');
      expect(() => socialDestructionDueOn('2026-03-20', { socialIntermediateArchiveYears: 2.5 })).to.throw(
        DomainRuleViolation,
      );
    });

    it('counts the intermediate archive from the last contact, so that 29 February is not cut short', () => {
      // the case fast-check found: 1998-02-28 + 26 would end on the 28th of a leap February
      expect(socialArchiveDueOn('1996-02-29')).to.equal('1998-02-28');
      expect(socialDestructionDueOn('1996-02-29', { socialIntermediateArchiveYears: 26 })).to.equal('2024-02-29');
    });

    it('keeps health data 20 years after the end of the last stay', () => {
      expect(medicalDestructionDueOn('2026-03-20')).to.equal('2046-03-20');
    });

    it('keeps a register 10 full years after the end of the year it covers', () => {
      expect(registerDestructionDueOn('2026-01')).to.equal('2037-01-01');
      expect(registerDestructionDueOn('2026-12')).to.equal('2037-01-01');
      expect(() => registerDestructionDueOn('2026-13'))
        .to.throw(DomainRuleViolation)
        .with.property('code', 'RETENTION_MONTH_INVALID');
    });

    it('keeps prescription copies and DASRI slips 3 years', () => {
      expect(PRESCRIPTION_COPY_RETENTION_YEARS).to.equal(3);
      expect(INFECTIOUS_WASTE_SLIP_RETENTION_YEARS).to.equal(3);
    });

    it('names the legal source of every class, for the destruction report', () => {
      for (const dataClass of RETENTION_DATA_CLASSES) {
        const rule = retentionRuleOf(dataClass);
        expect(rule.dataClass).to.equal(dataClass);
        expect(rule.legalSource).to.have.length.greaterThan(20);
        expect(rule.frenchLabel).to.have.length.greaterThan(10);
      }
      expect(retentionRuleOf('medical').legalSource).to.include('R.1112-7');
      expect(retentionRuleOf('socialAndAdministrative').legalSource).to.include('CNIL').and.include('2224');
      expect(retentionRuleOf('socialAndAdministrative', { socialIntermediateArchiveYears: 3 }).frenchLabel).to.include(
        'puis 3 ans d’archivage',
      );
      expect(retentionRuleOf('socialAndAdministrative', { socialIntermediateArchiveYears: 1 }).frenchLabel).to.include(
        'puis 1 an d’archivage',
      );
      expect(retentionRuleOf('socialAndAdministrative', { socialIntermediateArchiveYears: 0 }).legalSource).to.include(
        'archivage intermédiaire de 0 an ',
      );
      expect(DEFAULT_RETENTION_POLICY.socialIntermediateArchiveYears).to.equal(5);
    });
  });
});
