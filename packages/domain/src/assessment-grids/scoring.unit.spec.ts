import { expect } from 'chai';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import type { AssessmentGrid, GridSex } from './assessment-grid.js';
import { ASSESSMENT_GRIDS, AUDIT, AUDIT_C, CAST, DETA, FAGERSTROM } from './grids/index.js';
import { type GridAnswers, type GridScore, scoreGrid } from './scoring.js';

/** Answers worth exactly `target` points, filling items in order with their highest options first. */
function answersWorth(definition: AssessmentGrid, target: number): Record<string, string> {
  let remaining = target;
  const answers: Record<string, string> = {};
  for (const item of definition.items) {
    const options = [...item.options].sort((a, b) => b.points - a.points);
    const option = options.find((candidate) => candidate.points <= remaining)!;
    answers[item.itemId] = option.value;
    remaining -= option.points;
  }
  expect(remaining, `cannot reach ${target} with ${definition.gridId}`).to.equal(0);
  return answers;
}

function levelAt(definition: AssessmentGrid, score: number, sex?: GridSex): string {
  const result = scoreGrid(definition, answersWorth(definition, score), sex ? { sex } : {});
  if (!result.complete) throw new Error('expected a complete grid');
  expect(result.score).to.equal(score);
  return result.band.level;
}

const refusedWith = (code: string) => (error: unknown) => error instanceof DomainRuleViolation && error.code === code;

/** Any complete answer set to a grid, with the points its options are worth. */
function completeAnswerSets(definition: AssessmentGrid) {
  const perItem = definition.items.map((item) => fc.constantFrom(...item.options));
  return fc.tuple(...perItem).map((options) => ({
    answers: Object.fromEntries(definition.items.map((item, index) => [item.itemId, options[index]!.value])),
    points: options.reduce((total, option) => total + option!.points, 0),
  }));
}

const anyGrid = fc.constantFrom(...ASSESSMENT_GRIDS);
const anySex = fc.constantFrom<GridSex>('female', 'male');

describe('scoring an evaluation grid', () => {
  it('reads AUDIT with the cut-offs 8 and 16', () => {
    expect(levelAt(AUDIT, 0)).to.equal('low-risk');
    expect(levelAt(AUDIT, 7)).to.equal('low-risk');
    expect(levelAt(AUDIT, 8)).to.equal('hazardous');
    expect(levelAt(AUDIT, 15)).to.equal('hazardous');
    expect(levelAt(AUDIT, 16)).to.equal('harmful');
    expect(levelAt(AUDIT, 40)).to.equal('harmful');
  });

  it('reads AUDIT-C as positive from 3 for a woman and from 4 for a man', () => {
    expect(levelAt(AUDIT_C, 2, 'female')).to.equal('negative');
    expect(levelAt(AUDIT_C, 3, 'female')).to.equal('positive');
    expect(levelAt(AUDIT_C, 3, 'male')).to.equal('negative');
    expect(levelAt(AUDIT_C, 4, 'female')).to.equal('positive');
    expect(levelAt(AUDIT_C, 4, 'male')).to.equal('positive');
    expect(levelAt(AUDIT_C, 12, 'male')).to.equal('positive');
  });

  it('needs the sex to interpret a complete AUDIT-C, not to keep a draft', () => {
    expect(() => scoreGrid(AUDIT_C, answersWorth(AUDIT_C, 3))).to.throw(DomainRuleViolation, /sexe/);
    expect(scoreGrid(AUDIT_C, { q1: 'never' })).to.deep.equal({ complete: false, missingItems: ['q2', 'q3'] });
  });

  it('reads DETA as positive from two « oui »', () => {
    expect(levelAt(DETA, 0)).to.equal('negative');
    expect(levelAt(DETA, 1)).to.equal('negative');
    expect(levelAt(DETA, 2)).to.equal('positive');
    expect(levelAt(DETA, 4)).to.equal('positive');
    expect(scoreGrid(DETA, { diminuer: 'yes', entourage: 'no', trop: 'yes', alcool: 'no' })).to.deep.include({
      complete: true,
      score: 2,
    });
  });

  it('reads CAST with the OFDT cut-offs 3 and 7', () => {
    expect(levelAt(CAST, 2)).to.equal('no-risk');
    expect(levelAt(CAST, 3)).to.equal('low-risk');
    expect(levelAt(CAST, 6)).to.equal('low-risk');
    expect(levelAt(CAST, 7)).to.equal('high-risk');
    expect(levelAt(CAST, 24)).to.equal('high-risk');
  });

  it('reads the Fagerström test in four bands', () => {
    const levels = Array.from({ length: 11 }, (_, score) => levelAt(FAGERSTROM, score));
    expect(levels).to.deep.equal([
      'none',
      'none',
      'none',
      'low',
      'low',
      'medium',
      'medium',
      'strong',
      'strong',
      'strong',
      'strong',
    ]);
  });

  it('scores the items 9 and 10 of AUDIT 0, 2 or 4', () => {
    const answers = { ...answersWorth(AUDIT, 0), q9: 'yes-not-last-year', q10: 'yes-last-year' };
    expect(scoreGrid(AUDIT, answers)).to.deep.include({ complete: true, score: 6 });
  });

  it('refuses an answer the item does not offer, and an item the grid does not have', () => {
    const answers = answersWorth(DETA, 0);
    for (const [bad, code] of [
      [{ ...answers, trop: 'peut-être' }, 'GRID_INVALID_ANSWER'],
      [{ ...answers, trop: '1' }, 'GRID_INVALID_ANSWER'],
      [{ ...answers, autre: 'yes' }, 'GRID_UNKNOWN_ITEM'],
      [JSON.parse('{"__proto__": "yes"}') as GridAnswers, 'GRID_UNKNOWN_ITEM'],
    ] as const) {
      let refusal: unknown;
      try {
        scoreGrid(DETA, bad);
      } catch (error) {
        refusal = error;
      }
      expect(refusedWith(code)(refusal), `${JSON.stringify(bad)} → ${String(refusal)}`).to.equal(true);
    }
  });

  it('scores any complete answer set as the sum of its points, within the range', () => {
    fc.assert(
      fc.property(
        anyGrid.chain((grid) => fc.tuple(fc.constant(grid), completeAnswerSets(grid))),
        anySex,
        ([grid, { answers, points }], sex) => {
          const result = scoreGrid(grid, answers, { sex });
          expect(result).to.deep.include({ complete: true, score: points });
          expect(points).to.be.within(grid.scoreRange.min, grid.scoreRange.max);
        },
      ),
    );
  });

  it('gives no score to an answer set missing any item', () => {
    fc.assert(
      fc.property(
        anyGrid.chain((grid) =>
          fc.tuple(
            fc.constant(grid),
            completeAnswerSets(grid),
            fc.subarray(
              grid.items.map((item) => item.itemId),
              { minLength: 1 },
            ),
          ),
        ),
        anySex,
        ([grid, { answers }, missing], sex) => {
          const partial = Object.fromEntries(Object.entries(answers).filter(([itemId]) => !missing.includes(itemId)));
          const result: GridScore = scoreGrid(grid, partial, { sex });
          expect(result).to.deep.equal({
            complete: false,
            missingItems: grid.items.map((item) => item.itemId).filter((itemId) => missing.includes(itemId)),
          });
        },
      ),
    );
  });

  it('puts every possible score in exactly one band', () => {
    for (const grid of ASSESSMENT_GRIDS) {
      const bandLists = Array.isArray(grid.bands) ? [grid.bands] : [grid.bands.female, grid.bands.male];
      for (const bands of bandLists) {
        for (let score = grid.scoreRange.min; score <= grid.scoreRange.max; score++) {
          const containing = bands.filter((band) => band.from <= score && score <= band.to);
          expect(containing, `${grid.gridId} score ${score}`).to.have.length(1);
        }
      }
    }
  });
});
