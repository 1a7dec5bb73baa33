import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generateDataKey, unwrapKey, type WrappingContext, wrapDataKey, wrapKey } from './key-wrapping.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
const distinctKeys = fc.uniqueArray(key, { minLength: 2, maxLength: 5, selector: (bytes) => bytes.toString('hex') });

describe('key wrapping under a ring of master keys', () => {
  it('opens a wrap made by any key of the ring, and says whether it was the current one', () => {
    fc.assert(
      fc.property(distinctKeys, fc.nat(), fc.string(), (keys, pick, serviceUserId) => {
        // given a ring of master keys, and a data key wrapped by one of them
        const [current, ...previous] = keys as [Buffer, ...Buffer[]];
        const wrappingKey = keys[pick % keys.length]!;
        const dataKey = generateDataKey();
        const wrapped = wrapDataKey(wrappingKey, serviceUserId, dataKey);

        // when the ring opens it
        const opened = unwrapKey({ current, previous }, { dataKeyOf: serviceUserId }, wrapped);

        // then it is the same key, opened by the current key only if the current key wrapped it
        assert.ok(opened);
        assert.deepEqual(opened.key, dataKey);
        assert.equal(opened.byCurrent, wrappingKey.equals(current));
      }),
    );
  });

  it('opens nothing when the wrapping key left the ring, or under another context', () => {
    fc.assert(
      fc.property(distinctKeys, fc.string(), fc.string(), (keys, first, second) => {
        fc.pre(first !== second);
        const [wrappingKey, current, ...previous] = keys as [Buffer, Buffer, ...Buffer[]];
        const contexts: WrappingContext[] = [{ dataKeyOf: first }, { secret: first }, { dataKeyOf: second }];
        const wrapped = wrapKey(wrappingKey, contexts[0]!, generateDataKey());

        // a ring without the wrapping key
        assert.equal(unwrapKey({ current, previous }, contexts[0]!, wrapped), undefined);
        // the wrapping key, but the wrap moved to a secret's name or to another usager
        for (const other of contexts.slice(1)) {
          assert.equal(unwrapKey({ current: wrappingKey, previous: [] }, other, wrapped), undefined);
        }
      }),
    );
  });
});
