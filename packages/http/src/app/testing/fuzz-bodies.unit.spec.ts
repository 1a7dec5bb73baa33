import { expect } from 'chai';
import fc from 'fast-check';
import { abbreviate } from './fuzz-bodies.js';

describe('a fuzzed body, abbreviated for a failure report', () => {
  it('folds a run of one character, even a body of several megabytes of it', () => {
    // given the body that once exhausted the regular expression's stack
    const body = `{"text":"${'a'.repeat(5_000_000)}"}`;

    // when it is abbreviated, then the run is folded and nothing overflows
    expect(abbreviate(body)).to.equal('«{"text":"⟨a ×5000000⟩"}»');
  });

  it('writes non-ASCII as \\u escapes and leaves runs of under 30 as they are', () => {
    expect(abbreviate('é\u0000\t' + 'b'.repeat(29))).to.equal(`«\\u00e9\\u0000\\u0009${'b'.repeat(29)}»`);
    expect(abbreviate('😀'.repeat(30))).to.equal('«⟨\\ud83d\\ude00 ×30⟩»');
  });

  it('cuts the middle of a long text and says how long it was', () => {
    const text = Array.from({ length: 2_000 }, (_, index) => String.fromCharCode(97 + (index % 26))).join('');
    expect(abbreviate(text)).to.equal(`«${text.slice(0, 300)} …(2000 chars)… ${text.slice(-150)}»`);
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(abbreviate(text)).to.match(/^«[\s\S]*»$/);
      }),
    );
  });
});
