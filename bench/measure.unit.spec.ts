import { expect } from 'chai';
import fc from 'fast-check';
import { pairedRatio } from './measure.js';

describe('benchmark ratios', () => {
  it('sets each round against the baseline round run beside it, not against another period', () => {
    // given a machine that slowed down by half after two rounds, both paths equally
    const inserts = [6_000, 6_000, 3_000, 3_000, 3_000];
    const appends = [4_800, 4_800, 2_400, 2_400, 2_400];

    // when the ratio is taken round by round
    const { value, perRound, ratioOfMedians } = pairedRatio(appends, inserts);

    // then every pair says 0.8, and the ratio of the medians is given beside it
    expect(perRound).to.deep.equal([0.8, 0.8, 0.8, 0.8, 0.8]);
    expect(value).to.equal(0.8);
    expect(ratioOfMedians).to.equal(0.8);
  });

  it('differs from the ratio of the medians when the two medians come from different periods', () => {
    // given a machine that slowed down between the INSERT and the append of the middle rounds
    const inserts = [6_000, 6_000, 6_000, 3_000, 3_000];
    const appends = [4_800, 4_800, 2_400, 2_400, 2_400];

    const { value, ratioOfMedians } = pairedRatio(appends, inserts);

    // then the pairs' median is 0.8 while the medians set a slow append against a fast INSERT
    expect(value).to.equal(0.8);
    expect(ratioOfMedians).to.equal(0.4);
  });

  it('is the same ratio when both paths run at a constant proportion, whatever the machine did', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 100, max: 100_000 }), { minLength: 1, maxLength: 15 }),
        fc.integer({ min: 1, max: 1_000 }),
        (inserts, thousandths) => {
          const appends = inserts.map((rate) => (rate * thousandths) / 1_000);
          expect(pairedRatio(appends, inserts).value).to.equal(thousandths / 1_000);
        },
      ),
    );
  });

  it('refuses rounds without their baseline', () => {
    expect(() => pairedRatio([1, 2, 3], [1, 2])).to.throw(/baseline/);
  });
});
