import { expect } from 'chai';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type OrganisationRetentionPolicyCommand,
  type OrganisationRetentionPolicyEvent,
  organisationRetentionPolicyDecider,
  retentionPolicyInForce,
  retentionPolicySetSchema,
  retentionPolicyStreamId,
} from './organisation-retention-policy.js';
import { DEFAULT_RETENTION_POLICY, MAX_INTERMEDIATE_ARCHIVE_YEARS } from './retention-policy.js';

const spec = DeciderSpecification.for(organisationRetentionPolicyDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const setToThree: OrganisationRetentionPolicyCommand = {
  type: 'SetRetentionPolicy',
  today: '2027-01-15',
  socialIntermediateArchiveYears: 3,
  decidedOn: '2027-01-15',
  decidedBy: 'pro-director',
  motive: 'Registre des traitements, fiche 12, révision de janvier 2027',
  destructionsBroughtForward: 0,
};
const setThree: OrganisationRetentionPolicyEvent = {
  type: 'RetentionPolicySet',
  data: {
    socialIntermediateArchiveYears: 3,
    decidedOn: '2027-01-15',
    decidedBy: 'pro-director',
    motive: 'Registre des traitements, fiche 12, révision de janvier 2027',
    destructionsBroughtForward: 0,
  },
};

describe('the retention policy an organisation decides', () => {
  it('records the decision, who took it, when and why', () => {
    spec.given([]).when(setToThree).thenEmits([setThree]);
  });

  it('refuses a length outside 0 to 30 whole years, a decision in the future, one without motive or author', () => {
    spec
      .given([])
      .when({ ...setToThree, socialIntermediateArchiveYears: 31 })
      .thenRefuses(refusedWith('RETENTION_POLICY_INVALID'));
    spec
      .given([])
      .when({ ...setToThree, socialIntermediateArchiveYears: 2.5 })
      .thenRefuses(refusedWith('RETENTION_POLICY_INVALID'));
    spec
      .given([])
      .when({ ...setToThree, decidedOn: '2027-01-16' })
      .thenRefuses(refusedWith('RETENTION_DAY_IN_FUTURE'));
    spec
      .given([])
      .when({ ...setToThree, motive: '  ' })
      .thenRefuses(refusedWith('RETENTION_TEXT_REQUIRED'));
    spec
      .given([])
      .when({ ...setToThree, decidedBy: '' })
      .thenRefuses(refusedWith('RETENTION_ID_REQUIRED'));
  });

  it('refuses the policy already in force, and a decision dated before the last one', () => {
    spec
      .given([setThree])
      .when({ ...setToThree, today: '2027-02-01' })
      .thenRefuses(refusedWith('RETENTION_POLICY_UNCHANGED'));
    spec
      .given([setThree])
      .when({ ...setToThree, socialIntermediateArchiveYears: 5, decidedOn: '2027-01-14' })
      .thenRefuses(refusedWith('RETENTION_POLICY_BEFORE_LAST'));
  });

  it('refuses to bring destructions forward unless its author confirms their number, and keeps it', () => {
    const shortening = { ...setToThree, socialIntermediateArchiveYears: 1, destructionsBroughtForward: 12 };
    spec.given([setThree]).when(shortening).thenRefuses(refusedWith('RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED'));
    spec
      .given([setThree])
      .when({ ...shortening, confirmedDestructions: 11 })
      .thenRefuses(refusedWith('RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED'));
    spec
      .given([setThree])
      .when({ ...shortening, confirmedDestructions: 12 })
      .thenEmits([
        {
          type: 'RetentionPolicySet',
          data: { ...setThree.data, socialIntermediateArchiveYears: 1, destructionsBroughtForward: 12 },
        },
      ]);
  });

  it('refuses a confirmation the records no longer match, and a count that is not one', () => {
    spec
      .given([])
      .when({ ...setToThree, confirmedDestructions: 4 })
      .thenRefuses(refusedWith('RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED'));
    spec
      .given([])
      .when({ ...setToThree, destructionsBroughtForward: -1 })
      .thenRefuses(refusedWith('RETENTION_POLICY_INVALID'));
  });

  it('accepts a decision exactly when no destruction is brought forward unconfirmed (property)', () => {
    const confirmation = fc.option(fc.nat({ max: 50 }), { nil: undefined });
    fc.assert(
      fc.property(fc.nat({ max: 50 }), confirmation, (broughtForward, confirmed) => {
        // given a decision whose count and confirmation are drawn at random
        const command = { ...setToThree, destructionsBroughtForward: broughtForward, confirmedDestructions: confirmed };
        const acceptable = confirmed === undefined ? broughtForward === 0 : confirmed === broughtForward;

        // when it is decided
        let emitted: readonly OrganisationRetentionPolicyEvent[] | undefined;
        try {
          emitted = asEventList(organisationRetentionPolicyDecider.decide(command, { decided: undefined }));
        } catch (error) {
          expect(refusedWith('RETENTION_POLICY_DESTRUCTIONS_UNCONFIRMED')(error as Error)).to.equal(true);
        }

        // then it is accepted exactly when acceptable, and its event keeps the count
        expect(emitted !== undefined).to.equal(acceptable);
        if (emitted) expect(emitted[0]?.data.destructionsBroughtForward).to.equal(broughtForward);
      }),
    );
  });

  it('still reads a decision recorded before destructions were counted', () => {
    const { destructionsBroughtForward: _, ...older } = setThree.data;
    expect(retentionPolicySetSchema.safeParse(older).success).to.equal(true);
  });

  it('names one stream per organisation, escaped', () => {
    expect(retentionPolicyStreamId('og/1')).to.equal('retention-policy/og%2F1');
    expect(retentionPolicyStreamId('og-1')).not.to.equal(retentionPolicyStreamId('og-2'));
  });

  it('applies the instance’s default until the organisation decides, then its last decision', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: MAX_INTERMEDIATE_ARCHIVE_YEARS }),
        fc.array(fc.nat({ max: MAX_INTERMEDIATE_ARCHIVE_YEARS }), { maxLength: 8 }),
        (fallbackYears, decisions) => {
          // given the decisions taken one after the other, each one accepted or refused
          const fallback = { socialIntermediateArchiveYears: fallbackYears };
          let events: OrganisationRetentionPolicyEvent[] = [];
          let expected = fallback;
          for (const [index, years] of decisions.entries()) {
            const day = `2030-01-${String(index + 1).padStart(2, '0')}`;
            const state = foldEvents(organisationRetentionPolicyDecider, events);
            const command = { ...setToThree, today: day, decidedOn: day, socialIntermediateArchiveYears: years };
            const unchanged = state.decided?.socialIntermediateArchiveYears === years;
            try {
              events = [...events, ...asEventList(organisationRetentionPolicyDecider.decide(command, state))];
              expected = { socialIntermediateArchiveYears: years };
              expect(unchanged).to.equal(false);
            } catch (error) {
              expect(refusedWith('RETENTION_POLICY_UNCHANGED')(error as Error)).to.equal(true);
              expect(unchanged).to.equal(true);
            }
          }

          // then the policy in force is the last accepted decision, or the default; every event is valid
          const state = foldEvents(organisationRetentionPolicyDecider, events);
          expect(retentionPolicyInForce(state, fallback)).to.deep.equal(expected);
          for (const event of events) expect(retentionPolicySetSchema.safeParse(event.data).success).to.equal(true);
        },
      ),
    );
    expect(retentionPolicyInForce({ decided: undefined }, DEFAULT_RETENTION_POLICY)).to.deep.equal(
      DEFAULT_RETENTION_POLICY,
    );
  });
});
