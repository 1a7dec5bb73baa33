import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalJson, contentHash, contentHashOfCanonical } from './hash-chain.js';

describe('hash chain', () => {
  describe('content hash', () => {
    it('is the same whether the event is serialised whole or assembled from canonical parts', () => {
      fc.assert(
        fc.property(
          fc.record({
            id: fc.uuid(),
            streamId: fc.string({ minLength: 1 }),
            type: fc.string({ minLength: 1 }),
            version: fc.integer({ min: 1, max: 1_000 }),
            data: fc.jsonValue(),
            metadata: fc.dictionary(fc.string(), fc.jsonValue()),
          }),
          (event) => {
            // given an event, and its data and metadata already in canonical JSON
            const dataJson = canonicalJson(event.data)!;
            const metadataJson = canonicalJson(event.metadata)!;
            // when its hash is taken both ways
            const whole = contentHash(event);
            const assembled = contentHashOfCanonical({ ...event, dataJson, metadataJson });
            // then they agree, so what the store hashes is what the verifier recomputes
            expect(assembled.toString('hex')).to.equal(whole.toString('hex'));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
