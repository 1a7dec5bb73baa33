import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { StoredDataKey } from './data-key-store.js';
import { InMemoryDataKeyStore } from './in-memory-data-key-store.js';
import { SharedKeyLookups } from './shared-key-lookups.js';

/** A key store that counts its queries, and fails them on demand. */
class CountingKeyStore extends InMemoryDataKeyStore {
  queries: string[][] = [];
  failing = false;

  override async getMany(serviceUserIds: readonly string[]): Promise<Map<string, StoredDataKey>> {
    this.queries.push([...serviceUserIds]);
    if (this.failing) throw new Error('connection reset');
    return super.getMany(serviceUserIds);
  }
}

describe('SharedKeyLookups', () => {
  let keys: CountingKeyStore;
  let lookups: SharedKeyLookups;

  beforeEach(async () => {
    keys = new CountingKeyStore();
    lookups = new SharedKeyLookups(keys);
    for (const serviceUserId of ['u-1', 'u-2', 'u-3']) {
      await keys.create({ serviceUserId, organisationId: 'og-1', wrappedKey: randomBytes(60) });
    }
  });

  it('sends the look-ups asked for at the same moment as one query, and gives each its own keys', async () => {
    // when a feed's appends look up their usagers' keys at once
    const [first, second, third] = await Promise.all([
      lookups.getMany(['u-1']),
      lookups.getMany(['u-2', 'u-1']),
      lookups.getMany(['u-unknown', 'u-3']),
    ]);

    // then
    assert.equal(keys.queries.length, 1);
    assert.deepEqual(keys.queries[0]!.sort(), ['u-1', 'u-2', 'u-3', 'u-unknown']);
    assert.deepEqual([...first!.keys()], ['u-1']);
    assert.deepEqual([...second!.keys()], ['u-2', 'u-1']);
    assert.deepEqual([...third!.keys()], ['u-3']);
    assert.equal(second!.get('u-1'), first!.get('u-1'));
  });

  it('answers a look-up asked for later with a query of its own', async () => {
    // given
    await lookups.getMany(['u-1']);

    // when
    const later = await lookups.getMany(['u-2']);

    // then
    assert.equal(keys.queries.length, 2);
    assert.deepEqual([...later.keys()], ['u-2']);
  });

  it('fails every look-up of a query that failed, and the next ones query again', async () => {
    // given
    keys.failing = true;

    // when
    const failed = await Promise.allSettled([lookups.getMany(['u-1']), lookups.getMany(['u-2'])]);
    keys.failing = false;
    const next = await lookups.getMany(['u-2']);

    // then
    assert.deepEqual(
      failed.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual([...next.keys()], ['u-2']);
  });
});
