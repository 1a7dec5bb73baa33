import {
  addCalendarDays,
  benefitWarning,
  type SocialBenefitEvent,
  type SocialBenefitRecorded,
  socialBenefitStreamId,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { benefitsToWatch } from './benefits-to-watch-query.js';
import { socialBenefitsProjection } from './social-benefits-projection.js';

const organisationId = 'og-1';
const csapa = '750000001';
const at = '2025-03-31T10:00:00Z';
const ids = {
  aah: '0195f0a0-0000-7000-8000-0000000000b1',
  css: '0195f0a0-0000-7000-8000-0000000000b2',
  rsa: '0195f0a0-0000-7000-8000-0000000000b3',
  apl: '0195f0a0-0000-7000-8000-0000000000b4',
} as const;
type Benefit = keyof typeof ids;

function stream(benefit: Benefit, events: SocialBenefitEvent[], organisation = organisationId): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: socialBenefitStreamId(organisation, ids[benefit]),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: 'usager-1' },
  }));
}
const recorded = (benefit: Benefit, data: Partial<SocialBenefitRecorded> = {}): SocialBenefitEvent => ({
  type: 'SocialBenefitRecorded',
  data: {
    benefitId: ids[benefit],
    serviceUserId: 'usager-1',
    facilityId: csapa,
    kind: 'AAH',
    organism: 'MDPH',
    openFrom: '2024-01-01',
    openTo: '2025-12-31',
    renewalLeadDays: 90,
    documents: [],
    ...data,
  },
});
const renewed = (benefit: Benefit, previousOpenTo: string, openTo: string): SocialBenefitEvent => ({
  type: 'SocialBenefitRenewed',
  data: { benefitId: ids[benefit], previousOpenTo, openTo, at },
});
const closed = (benefit: Benefit): SocialBenefitEvent => ({
  type: 'SocialBenefitClosed',
  data: { benefitId: ids[benefit], reason: 'droit remplacé', at },
});
const row = (benefit: Benefit) => ({
  organisation_id: organisationId,
  benefit_id: ids[benefit],
  facility_id: csapa,
  service_user_id: 'usager-1',
});

describe('the social benefits projection', () => {
  const spec = ProjectionSpecification.for(socialBenefitsProjection);
  after(() => spec.close());

  it('keeps each benefit with its latest end, closed or not, and its revision', () =>
    spec
      .given([
        ...stream('aah', [recorded('aah'), renewed('aah', '2025-12-31', '2027-12-31')]),
        ...stream('css', [
          recorded('css', { kind: 'CSS', organism: 'CPAM', openTo: '2025-06-30', renewalLeadDays: 60 }),
          closed('css'),
        ]),
      ])
      .thenTable('benefits', [
        {
          ...row('aah'),
          kind: 'AAH',
          organism: 'MDPH',
          open_from: '2024-01-01',
          open_to: '2027-12-31',
          renewal_lead_days: 90,
          closed: false,
          revision: 1,
        },
        {
          ...row('css'),
          kind: 'CSS',
          organism: 'CPAM',
          open_from: '2024-01-01',
          open_to: '2025-06-30',
          renewal_lead_days: 60,
          closed: true,
          revision: 1,
        },
      ]));

  it('drops a forgotten usager’s benefits, and leaves the others’', () =>
    spec
      .given([
        ...stream('aah', [recorded('aah'), renewed('aah', '2025-12-31', '2027-12-31')]).map((event) => erased(event)),
        ...stream('rsa', [recorded('rsa', { kind: 'RSA', organism: 'CAF', renewalLeadDays: 30 })]),
      ])
      .thenTable('benefits', [
        {
          ...row('rsa'),
          kind: 'RSA',
          organism: 'CAF',
          open_from: '2024-01-01',
          open_to: '2025-12-31',
          renewal_lead_days: 30,
          closed: false,
          revision: 0,
        },
      ]));

  it('lists the benefits to watch in one ESSMS, soonest end first, each with its warning', async () => {
    const schema = await spec.modelAfter([
      ...stream('aah', [recorded('aah', { openTo: '2025-12-31', renewalLeadDays: 90 })]),
      ...stream('css', [recorded('css', { kind: 'CSS', organism: 'CPAM', openTo: '2025-09-30', renewalLeadDays: 60 })]),
      ...stream('rsa', [recorded('rsa', { kind: 'RSA', organism: 'CAF', openTo: '2025-11-30', renewalLeadDays: 30 })]),
      ...stream('apl', [recorded('apl', { kind: 'APL', organism: 'CAF', openTo: '2025-10-15' }), closed('apl')]),
      ...stream('rsa', [recorded('rsa', { openTo: '2025-10-01' })], 'og-2'),
    ]);
    const today = '2025-10-10';
    const watched = await benefitsToWatch(spec.db, schema, { organisationId, facilityId: csapa, today });
    expect(watched.map(({ kind, openTo, warning }) => [kind, openTo, warning])).to.deep.equal([
      ['CSS', '2025-09-30', 'expired'],
      ['AAH', '2025-12-31', 'renewal-due'],
    ]);
    expect(watched[1]).to.include({ organism: 'MDPH', serviceUserId: 'usager-1', renewalLeadDays: 90, revision: 0 });
    const later = await benefitsToWatch(spec.db, schema, { organisationId, facilityId: csapa, today: '2025-11-01' });
    expect(later.map(({ kind, warning }) => [kind, warning])).to.deep.equal([
      ['CSS', 'expired'],
      ['RSA', 'renewal-due'],
      ['AAH', 'renewal-due'],
    ]);
    expect(await benefitsToWatch(spec.db, schema, { organisationId, facilityId: '750000002', today })).to.deep.equal(
      [],
    );
  });

  it('lists exactly the open benefits the domain rule warns about, whatever the days', async () => {
    const benefits = Object.keys(ids) as Benefit[];
    const spec1 = fc.record({
      offset: fc.integer({ min: -400, max: 800 }),
      renewalLeadDays: fc.integer({ min: 0, max: 365 }),
      renewBy: fc.option(fc.integer({ min: 1, max: 800 })),
      close: fc.boolean(),
    });
    const today = '2025-06-15';
    await fc.assert(
      fc.asyncProperty(fc.tuple(spec1, spec1, spec1, spec1), async (terms) => {
        const given: GivenEvent[] = [];
        const expected: [string, string][] = [];
        terms.forEach(({ offset, renewalLeadDays, renewBy, close }, index) => {
          const benefit = benefits[index] as Benefit;
          const openTo = addCalendarDays(today, offset);
          const events = [recorded(benefit, { openFrom: '2020-01-01', openTo, renewalLeadDays })];
          const finalOpenTo = renewBy === null ? openTo : addCalendarDays(openTo, renewBy);
          if (renewBy !== null) events.push(renewed(benefit, openTo, finalOpenTo));
          if (close) events.push(closed(benefit));
          given.push(...stream(benefit, events));
          const warning = benefitWarning({ openTo: finalOpenTo, renewalLeadDays, closed: close }, today);
          if (warning !== 'none') expected.push([`${finalOpenTo}|${ids[benefit]}`, warning]);
        });
        const schema = await spec.modelAfter(given);
        const watched = await benefitsToWatch(spec.db, schema, { organisationId, facilityId: csapa, today });
        expect(watched.map((b) => [`${b.openTo}|${b.benefitId}`, b.warning])).to.deep.equal(
          expected.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        );
      }),
      { numRuns: 25 },
    );
  });
});
