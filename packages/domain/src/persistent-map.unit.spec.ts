import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PersistentMap } from './persistent-map.js';

describe('a persistent map', () => {
  it('leaves the version it was written on as it was', () => {
    // given a map of two lines
    const before = PersistentMap.of([
      ['line-1', 'receipt'],
      ['line-2', 'dispensation'],
    ]);

    // when a line is added and another rewritten
    const after = before.with('line-3', 'loss').with('line-1', 'receipt countered');

    // then the new version has them, the earlier one does not
    assert.deepEqual(
      [...after],
      [
        ['line-1', 'receipt countered'],
        ['line-2', 'dispensation'],
        ['line-3', 'loss'],
      ],
    );
    assert.equal(after.size, 3);
    assert.deepEqual(
      [...before],
      [
        ['line-1', 'receipt'],
        ['line-2', 'dispensation'],
      ],
    );
    assert.equal(before.size, 2);
    assert.equal(before.has('line-3'), false);
    assert.equal(before.get('line-1'), 'receipt');
  });

  it('keeps each branch’s writes to itself when an earlier version is written again', () => {
    // given a version that was written on, then written on again from the same version
    const common = PersistentMap.empty<string, number>().with('lot-A', 10);
    const first = common.with('lot-A', 7).with('lot-B', 1);
    const second = common.with('lot-C', 3);

    // when each branch goes on
    const firstLater = first.with('lot-A', 5);
    const secondLater = second.with('lot-A', 12);

    // then no branch sees another's writes
    assert.deepEqual([...common], [['lot-A', 10]]);
    assert.deepEqual(
      [...first],
      [
        ['lot-A', 7],
        ['lot-B', 1],
      ],
    );
    assert.deepEqual(
      [...firstLater],
      [
        ['lot-A', 5],
        ['lot-B', 1],
      ],
    );
    assert.deepEqual(
      [...second],
      [
        ['lot-A', 10],
        ['lot-C', 3],
      ],
    );
    assert.deepEqual(
      [...secondLater],
      [
        ['lot-A', 12],
        ['lot-C', 3],
      ],
    );
  });

  it('reads like a Map: keys in the order first written, values, entries, forEach', () => {
    // given keys written, one of them twice
    const map = PersistentMap.of([
      ['b', 1],
      ['a', 2],
      ['b', 3],
    ]);

    // when it is read every way a ReadonlyMap is
    const seen: string[] = [];
    map.forEach((value, key, itself) => {
      seen.push(`${key}=${value}:${itself === map}`);
    });

    // then it answers as a Map of the same writes would
    const expected = new Map([
      ['b', 1],
      ['a', 2],
      ['b', 3],
    ]);
    assert.deepEqual([...map.keys()], [...expected.keys()]);
    assert.deepEqual([...map.values()], [...expected.values()]);
    assert.deepEqual([...map.entries()], [...expected.entries()]);
    assert.deepEqual(seen, ['b=3:true', 'a=2:true']);
    assert.equal(map.get('missing'), undefined);
  });

  it('forgets a key it is told to, in that version only, and lists a key set again last, as a Map does', () => {
    // given
    const before = PersistentMap.of([
      ['team-1', 'pro-a'],
      ['team-2', 'pro-b'],
      ['team-3', 'pro-c'],
    ]);

    // when a key is deleted, then set again, and an absent key deleted
    const without = before.without('team-1');
    const again = without.with('team-1', 'pro-d').without('team-9');

    // then
    assert.deepEqual([...without.keys()], ['team-2', 'team-3']);
    assert.equal(without.size, 2);
    assert.equal(without.has('team-1'), false);
    assert.equal(without.get('team-1'), undefined);
    assert.deepEqual(
      [...again],
      [
        ['team-2', 'pro-b'],
        ['team-3', 'pro-c'],
        ['team-1', 'pro-d'],
      ],
    );
    assert.equal(again.size, 3);
    assert.deepEqual([...before.keys()], ['team-1', 'team-2', 'team-3']);
    assert.equal(before.get('team-1'), 'pro-a');
  });

  it('behaves as a Map copied at every write, whatever versions are written on', () => {
    // a write: on which version so far (picked by index), which key, and a value, or a deletion
    const write = fc.record({
      on: fc.nat(),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      value: fc.option(fc.integer(), { nil: undefined, freq: 3 }),
    });
    fc.assert(
      fc.property(fc.array(write, { maxLength: 60, size: 'max' }), (writes) => {
        // given every version kept, beside a Map copied at each write
        const versions = [PersistentMap.empty<string, number>()];
        const copies = [new Map<string, number>()];
        for (const { on, key, value } of writes) {
          const index = on % versions.length;
          // when a version is written on: a key set, or deleted
          const copy = new Map(copies[index]!);
          if (value === undefined) {
            versions.push(versions[index]!.without(key));
            copy.delete(key);
          } else {
            versions.push(versions[index]!.with(key, value));
            copy.set(key, value);
          }
          copies.push(copy);
        }
        // then every version still reads as its copy, in the same order
        for (const [index, version] of versions.entries()) {
          const copy = copies[index]!;
          assert.deepEqual([...version], [...copy]);
          assert.equal(version.size, copy.size);
          for (const key of ['a', 'b', 'c', 'd', 'e']) {
            assert.equal(version.has(key), copy.has(key));
            assert.equal(version.get(key), copy.get(key));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
