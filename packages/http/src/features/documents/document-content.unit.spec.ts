import { expect } from 'chai';
import fc from 'fast-check';
import { base64Content, isBase64 } from './document-content.js';

/** The rule as a regular expression: fine on short texts, the reference the scan must agree with. */
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

describe('the base64 content of an upload', () => {
  it('takes what an encoder writes, and refuses other characters, misplaced padding and empty text', () => {
    expect(isBase64(Buffer.from('%PDF-1.7').toString('base64'))).to.equal(true);
    expect(isBase64('QQ==')).to.equal(true);
    expect(isBase64('QUI=')).to.equal(true);
    expect(isBase64('QUJD')).to.equal(true);
    expect(isBase64('QQ=A')).to.equal(false);
    expect(isBase64('Q===')).to.equal(false);
    expect(isBase64('====')).to.equal(false);
    expect(isBase64('QU I=')).to.equal(false);
    expect(isBase64('QUJ-')).to.equal(false);
    expect(isBase64('QUJé')).to.equal(false);
    expect(isBase64('')).to.equal(false);
  });

  it('agrees with the regular expression on any text', () => {
    const characters = fc.constantFrom(...'ABZabz09+/=-_ é\n\u{1F600}'.split(''));
    fc.assert(
      fc.property(
        fc.array(characters, { maxLength: 24 }).map((chosen) => chosen.join('')),
        (text) => {
          expect(isBase64(text), text).to.equal(BASE64_PATTERN.test(text));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('takes the base64 of any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        expect(isBase64(Buffer.from(bytes).toString('base64'))).to.equal(true);
      }),
    );
  });

  it('reads a document of the largest size through, and refuses one past it as too long only', () => {
    // given the base64 of 10 Mo, and a text one character longer than the largest allowed
    const maxBytes = 10 * 1024 * 1024;
    const largest = Buffer.alloc(maxBytes, 7).toString('base64');
    const tooLong = 'a'.repeat(largest.length + 1);

    // when they are validated
    const schema = base64Content(maxBytes);
    const taken = schema.safeParse(largest);
    const refused = schema.safeParse(tooLong);

    // then the first is taken, the second refused for its length alone
    expect(taken.success).to.equal(true);
    expect(refused.success).to.equal(false);
    expect(refused.error?.issues.map((issue) => issue.code)).to.deep.equal(['too_big']);
  });
});
