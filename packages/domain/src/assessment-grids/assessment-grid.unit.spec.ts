import { expect } from 'chai';
import { assessmentGrid } from './assessment.js';
import {
  type AssessmentGrid,
  assessmentGridSchema,
  bandsDependOnSex,
  defineGrid,
  type GridBand,
} from './assessment-grid.js';
import { ASSESSMENT_GRIDS, AUDIT, AUDIT_C, CAST, DETA, FAGERSTROM } from './grids/index.js';

const none: GridBand = { from: 0, to: 0, level: 'none', label: 'Aucun' };
const some: GridBand = { from: 1, to: 2, level: 'some', label: 'Quelque' };
const tiny: AssessmentGrid = {
  gridId: 'tiny',
  version: '1',
  title: 'Petite grille',
  scoring: 'sum',
  scoreRange: { min: 0, max: 2 },
  items: [
    {
      itemId: 'a',
      text: 'Question A ?',
      options: [
        { value: 'no', label: 'Non', points: 0 },
        { value: 'yes', label: 'Oui', points: 1 },
      ],
    },
    {
      itemId: 'b',
      text: 'Question B ?',
      options: [
        { value: 'no', label: 'Non', points: 0 },
        { value: 'yes', label: 'Oui', points: 1 },
      ],
    },
  ],
  bands: [none, some],
};

function problems(definition: unknown): string[] {
  const parsed = assessmentGridSchema.safeParse(definition);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe('an evaluation grid definition', () => {
  it('ships AUDIT, AUDIT-C, DETA, CAST and Fagerström, each valid and versioned', () => {
    expect(ASSESSMENT_GRIDS.map((grid) => `${grid.gridId}@${grid.version}`)).to.deep.equal([
      'audit@1',
      'audit-c@1',
      'deta@1',
      'cast@1',
      'fagerstrom@1',
    ]);
    for (const grid of ASSESSMENT_GRIDS) expect(problems(grid), grid.gridId).to.deep.equal([]);
    expect([AUDIT, AUDIT_C, DETA, CAST, FAGERSTROM].map((grid) => grid.items.length)).to.deep.equal([10, 3, 4, 6, 6]);
    expect([AUDIT, AUDIT_C, DETA, CAST, FAGERSTROM].map((grid) => grid.scoreRange.max)).to.deep.equal([
      40, 12, 4, 24, 10,
    ]);
    expect(ASSESSMENT_GRIDS.filter(bandsDependOnSex)).to.deep.equal([AUDIT_C]);
  });

  it('is found by id and version only', () => {
    expect(assessmentGrid('cast', '1')).to.equal(CAST);
    expect(assessmentGrid('cast', '2')).to.equal(undefined);
    expect(assessmentGrid('hads', '1')).to.equal(undefined);
  });

  it('is frozen once defined', () => {
    expect(Object.isFrozen(AUDIT.items[0]!.options[0])).to.equal(true);
    expect(() => defineGrid({ ...tiny, gridId: 'Pas un code' })).to.throw();
  });

  it('accepts a well-formed grid, with bands in any order', () => {
    expect(problems(tiny)).to.deep.equal([]);
    expect(problems({ ...tiny, bands: [some, none] })).to.deep.equal([]);
  });

  it('refuses duplicate items and duplicate options', () => {
    expect(problems({ ...tiny, items: [tiny.items[0], tiny.items[0]] }).join()).to.match(/Item « a » en double/);
    const item = tiny.items[0]!;
    const twice = { ...item, options: [item.options[0], item.options[0]] };
    expect(problems({ ...tiny, items: [twice, tiny.items[1]] }).join()).to.match(/Option « no » en double/);
  });

  it('refuses points outside the score range, and a range the sum can leave', () => {
    const item = tiny.items[0]!;
    const big = { ...item, options: [item.options[0], { ...item.options[1], points: 3 }] };
    expect(problems({ ...tiny, items: [big, tiny.items[1]] }).join()).to.match(/hors de l'intervalle/);
    expect(problems({ ...tiny, scoreRange: { min: 0, max: 1 }, bands: [none, { ...some, to: 1 }] }).join()).to.match(
      /Les scores possibles \(0–2\)/,
    );
  });

  it('refuses bands that leave a gap, overlap, or overrun the range', () => {
    expect(problems({ ...tiny, bands: [none, { ...some, from: 2 }] }).join()).to.match(/de 1 à 1/);
    expect(problems({ ...tiny, bands: [none, { ...some, from: 0 }] }).join()).to.match(/chevauche/);
    expect(problems({ ...tiny, bands: [none, { ...some, to: 1 }] }).join()).to.match(/de 2 à 2/);
    expect(problems({ ...tiny, bands: [none, { ...some, to: 3 }] }).join()).to.match(/dépasse/);
    expect(problems({ ...tiny, bands: [none, { ...some, from: 2, to: 1 }] }).join()).to.match(/commence après/);
    expect(problems({ ...tiny, bands: { female: [none, some], male: [none] } }).join()).to.match(/de 1 à 2/);
  });
});
