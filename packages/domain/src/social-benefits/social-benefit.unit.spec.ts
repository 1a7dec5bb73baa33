import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  addCalendarDays,
  benefitWarning,
  defaultRenewalLeadDays,
  type SocialBenefitEvent,
  type SocialBenefitRecorded,
  socialBenefitDecider,
  socialBenefitEventSchemas,
  socialBenefitStreamId,
} from './social-benefit.js';

const spec = DeciderSpecification.for(socialBenefitDecider);
const benefitId = '0195f0a0-0000-7000-8000-0000000000b1';
const at = '2025-03-31T10:00:00Z';
const aah: SocialBenefitRecorded = {
  benefitId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  kind: 'AAH',
  organism: 'MDPH',
  openFrom: '2024-01-01',
  openTo: '2025-12-31',
  renewalLeadDays: 90,
  documents: ['notification MDPH'],
};
const recorded: SocialBenefitEvent = { type: 'SocialBenefitRecorded', data: aah };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

/** Days since 1970-01-01, counted independently of the rule under test. */
const MS_PER_DAY = 86_400_000;
const dayNumber = (day: string) => Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / MS_PER_DAY;
const dayOf = (n: number) => new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
/** 2000-01-01 to 2060-12-31. */
const anyDay = fc.integer({ min: dayNumber('2000-01-01'), max: dayNumber('2060-12-31') }).map(dayOf);
const anyLead = fc.integer({ min: 0, max: 365 });

describe('the social benefits of a usager', () => {
  it('records a benefit, its lead time defaulting by kind, its documents trimmed', () => {
    spec
      .given([])
      .when({ type: 'RecordSocialBenefit', ...aah, organism: ' MDPH ', documents: ['notification MDPH', '  '] })
      .thenEmits([recorded]);
    const { renewalLeadDays: _, documents: __, ...withoutLead } = aah;
    for (const [kind, lead] of [
      ['AAH', 90],
      ['PCH', 90],
      ['CSS', 60],
      ['AME', 60],
      ['RSA', 30],
      ['APL', 30],
      ['ASPA', 30],
      ['other', 30],
    ] as const) {
      assert.equal(defaultRenewalLeadDays(kind), lead);
      spec
        .given([])
        .when({ type: 'RecordSocialBenefit', ...withoutLead, kind })
        .thenEmits([{ type: 'SocialBenefitRecorded', data: { ...aah, kind, renewalLeadDays: lead, documents: [] } }]);
    }
    spec
      .given([recorded])
      .when({ type: 'RecordSocialBenefit', ...aah })
      .thenRefuses(refusedWith('BENEFIT_ALREADY_RECORDED'));
  });

  it('refuses an end before the start, a lead time out of 0–365, a missing organism, a bad date', () => {
    spec
      .given([])
      .when({ type: 'RecordSocialBenefit', ...aah, openTo: '2023-12-31' })
      .thenRefuses(refusedWith('BENEFIT_ENDS_BEFORE_START'));
    spec
      .given([])
      .when({ type: 'RecordSocialBenefit', ...aah, openTo: aah.openFrom })
      .thenEmits([{ type: 'SocialBenefitRecorded', data: { ...aah, openTo: aah.openFrom } }]);
    for (const renewalLeadDays of [-1, 366, 1.5]) {
      spec
        .given([])
        .when({ type: 'RecordSocialBenefit', ...aah, renewalLeadDays })
        .thenRefuses(refusedWith('BENEFIT_LEAD_TIME_INVALID'));
    }
    spec
      .given([])
      .when({ type: 'RecordSocialBenefit', ...aah, organism: '  ' })
      .thenRefuses(refusedWith('BENEFIT_ORGANISM_REQUIRED'));
    spec
      .given([])
      .when({ type: 'RecordSocialBenefit', ...aah, openTo: '2025-02-30' })
      .thenRefuses(refusedWith('BENEFIT_DAY_INVALID'));
  });

  it('renews only further than the current end, and never once closed', () => {
    spec
      .given([recorded])
      .when({ type: 'RenewSocialBenefit', benefitId, openTo: '2027-12-31', at })
      .thenEmits([
        {
          type: 'SocialBenefitRenewed',
          data: { benefitId, previousOpenTo: '2025-12-31', openTo: '2027-12-31', at },
        },
      ]);
    spec
      .given([recorded])
      .when({ type: 'RenewSocialBenefit', benefitId, openTo: '2025-12-31', at })
      .thenRefuses(refusedWith('RENEWAL_MUST_EXTEND'));
    spec
      .given([])
      .when({ type: 'RenewSocialBenefit', benefitId, openTo: '2027-12-31', at })
      .thenRefuses(refusedWith('BENEFIT_NOT_FOUND'));
    const closed: SocialBenefitEvent = { type: 'SocialBenefitClosed', data: { benefitId, reason: 'décès', at } };
    spec
      .given([recorded, closed])
      .when({ type: 'RenewSocialBenefit', benefitId, openTo: '2027-12-31', at })
      .thenRefuses(refusedWith('BENEFIT_CLOSED'));
  });

  it('closes with a reason, once', () => {
    spec
      .given([recorded])
      .when({ type: 'CloseSocialBenefit', benefitId, reason: ' ouverture de l’ASPA ', at })
      .thenEmits([{ type: 'SocialBenefitClosed', data: { benefitId, reason: 'ouverture de l’ASPA', at } }]);
    spec
      .given([recorded])
      .when({ type: 'CloseSocialBenefit', benefitId, reason: ' ', at })
      .thenRefuses(refusedWith('CLOSE_REASON_REQUIRED'));
    spec
      .given([recorded, { type: 'SocialBenefitClosed', data: { benefitId, reason: 'décès', at } }])
      .when({ type: 'CloseSocialBenefit', benefitId, reason: 'doublon', at })
      .thenRefuses(refusedWith('BENEFIT_CLOSED'));
  });

  it('emits events that match their schemas', () => {
    const events = [
      recorded,
      { type: 'SocialBenefitRenewed', data: { benefitId, previousOpenTo: '2025-12-31', openTo: '2027-12-31', at } },
      { type: 'SocialBenefitClosed', data: { benefitId, reason: 'décès', at } },
    ] as const;
    for (const event of events) socialBenefitEventSchemas[event.type].parse(event.data);
  });

  it('names one stream per benefit, the organisation escaped', () => {
    assert.equal(socialBenefitStreamId('og/1', benefitId), `social-benefit/og%2F1/${benefitId}`);
  });

  describe('the deadline rule', () => {
    it('warns from openTo − lead to openTo, then says expired; nothing once closed', () => {
      const terms = { openTo: '2025-12-31', renewalLeadDays: 90 };
      assert.equal(benefitWarning(terms, '2025-10-01'), 'none');
      assert.equal(benefitWarning(terms, '2025-10-02'), 'renewal-due');
      assert.equal(benefitWarning(terms, '2025-12-31'), 'renewal-due');
      assert.equal(benefitWarning(terms, '2026-01-01'), 'expired');
      assert.equal(benefitWarning({ ...terms, closed: true }, '2026-01-01'), 'none');
      assert.equal(benefitWarning({ openTo: '2024-03-01', renewalLeadDays: 1 }, '2024-02-29'), 'renewal-due');
    });

    it('warns exactly when the day count says so, never before openTo − lead', () => {
      fc.assert(
        fc.property(anyDay, anyLead, anyDay, (openTo, renewalLeadDays, today) => {
          const daysLeft = dayNumber(openTo) - dayNumber(today);
          const expected = daysLeft < 0 ? 'expired' : daysLeft <= renewalLeadDays ? 'renewal-due' : 'none';
          assert.equal(benefitWarning({ openTo, renewalLeadDays }, today), expected);
          const dayBefore = dayOf(dayNumber(openTo) - renewalLeadDays - 1);
          assert.equal(benefitWarning({ openTo, renewalLeadDays }, dayBefore), 'none');
          assert.equal(addCalendarDays(openTo, -renewalLeadDays), dayOf(dayNumber(openTo) - renewalLeadDays));
        }),
        { numRuns: 1_000 },
      );
    });

    it('a renewal pushing openTo beyond today + lead removes the warning', () => {
      fc.assert(
        fc.property(
          anyDay,
          anyLead,
          fc.integer({ min: 1, max: 2_000 }),
          fc.integer({ min: -400, max: 400 }),
          (today, renewalLeadDays, beyond, offset) => {
            const openTo = dayOf(dayNumber(today) + offset);
            const state = foldEvents(socialBenefitDecider, [
              { type: 'SocialBenefitRecorded', data: { ...aah, openFrom: '1999-01-01', openTo, renewalLeadDays } },
            ]);
            const newOpenTo = dayOf(Math.max(dayNumber(today) + renewalLeadDays + beyond, dayNumber(openTo) + 1));
            const events = [
              socialBenefitDecider.decide({ type: 'RenewSocialBenefit', benefitId, openTo: newOpenTo, at }, state),
            ].flat();
            const renewed = events.reduce(socialBenefitDecider.evolve, state);
            assert.ok(renewed.status === 'open' && renewed.openTo !== undefined);
            assert.equal(benefitWarning({ openTo: renewed.openTo, renewalLeadDays }, today), 'none');
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  it('keeps nothing of a forgotten usager', () => {
    const state = foldEvents(socialBenefitDecider, [
      { type: 'SocialBenefitRecorded', data: { $erased: true } },
      { type: 'SocialBenefitRenewed', data: { $erased: true } },
    ]);
    assert.ok(state.status === 'open');
    assert.equal(state.serviceUserId, undefined);
    assert.equal(state.openTo, undefined);
    spec
      .given([
        { type: 'SocialBenefitRecorded', data: { $erased: true } },
        { type: 'SocialBenefitRenewed', data: { $erased: true } },
      ])
      .when({ type: 'RenewSocialBenefit', benefitId, openTo: '2030-01-01', at })
      .thenRefuses(refusedWith('BENEFIT_ERASED'));
  });
});
