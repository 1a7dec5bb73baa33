import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256Hex, verifySignedContent } from './blob-store.js';

describe('verifying a signature against the bytes of a document', () => {
  it('hashes as SHA-256 in lowercase hexadecimal', () => {
    assert.equal(sha256Hex(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('verifies on the signed bytes, and says which hash each side has', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (content) => {
        const signature = { contentSha256: sha256Hex(content) };
        assert.deepEqual(verifySignedContent(signature, content), {
          valid: true,
          signedSha256: signature.contentSha256,
          actualSha256: signature.contentSha256,
        });
      }),
    );
  });

  it('fails on any altered byte, on a byte added and on a byte removed', () => {
    const altered = fc
      .uint8Array({ minLength: 1, maxLength: 2048 })
      .chain((content) =>
        fc.tuple(fc.constant(content), fc.nat({ max: content.length - 1 }), fc.integer({ min: 1, max: 255 })),
      );
    fc.assert(
      fc.property(altered, ([content, index, mask]) => {
        // given a signature on the content
        const signature = { contentSha256: sha256Hex(content) };

        // when one byte of it changes (any bits of any byte), or the content grows or shrinks by one byte
        const changed = Uint8Array.from(content);
        changed[index] = (changed[index] ?? 0) ^ mask;
        const longer = Uint8Array.from([...content, mask]);
        const shorter = content.subarray(0, content.length - 1);

        // then the signature no longer verifies
        const verification = verifySignedContent(signature, changed);
        assert.equal(verification.valid, false);
        assert.notEqual(verification.actualSha256, signature.contentSha256);
        assert.equal(verifySignedContent(signature, longer).valid, false);
        assert.equal(verifySignedContent(signature, shorter).valid, false);
      }),
      { numRuns: 300 },
    );
  });
});
