import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { InvalidMasterKeyError } from './errors.js';
import { generateDevelopmentMasterKey, loadMasterKey } from './master-key.js';

describe('loadMasterKey', () => {
  it('reads a 32-byte key in base64', () => {
    // given
    const bytes = randomBytes(32);

    // when
    const key = loadMasterKey(` ${bytes.toString('base64')}\n`);

    // then
    assert.deepEqual(key, bytes);
  });

  it('reads a 32-byte key in URL-safe base64', () => {
    // given
    const bytes = randomBytes(32);

    // when
    const key = loadMasterKey(bytes.toString('base64url'));

    // then
    assert.deepEqual(key, bytes);
  });

  it('reads the keys generateDevelopmentMasterKey makes, a different one each time', () => {
    // given
    const [one, two] = [generateDevelopmentMasterKey(), generateDevelopmentMasterKey()];

    // when / then
    assert.equal(loadMasterKey(one).length, 32);
    assert.notDeepEqual(loadMasterKey(one), loadMasterKey(two));
  });

  const refused: [label: string, value: string | undefined, message: RegExp][] = [
    ['a missing variable', undefined, /DUI_MASTER_KEY is not set/],
    ['an empty variable', '  ', /DUI_MASTER_KEY is not set/],
    ['a key that is not base64', 'not a key at all!'.repeat(3), /not valid base64/],
    ['a 16-byte key', randomBytes(16).toString('base64'), /decodes to 16 bytes, a master key is 32 bytes/],
    ['a 64-byte key', randomBytes(64).toString('base64'), /decodes to 64 bytes/],
    ['a constant key', Buffer.alloc(32).toString('base64'), /constant byte string/],
  ];
  for (const [label, value, message] of refused) {
    it(`refuses ${label} with InvalidMasterKeyError`, () => {
      // when / then
      assert.throws(
        () => loadMasterKey(value),
        (error) => error instanceof InvalidMasterKeyError && message.test(error.message),
      );
    });
  }

  it('never repeats the key in its error', () => {
    // given
    const secret = randomBytes(31).toString('base64');

    // when / then
    assert.throws(
      () => loadMasterKey(secret),
      (error) => error instanceof InvalidMasterKeyError && !error.message.includes(secret),
    );
  });

  it('names the setting it was given', () => {
    // when / then
    assert.throws(() => loadMasterKey(undefined, 'vault:dui/master'), /vault:dui\/master is not set/);
  });
});
