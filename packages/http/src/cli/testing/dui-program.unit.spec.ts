import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { buildIsNewerThanSources } from './dui-program.js';

/** Seconds since the epoch, a minute apart, so that no file system's timestamps blur them. */
const EARLIER = 1_700_000_000;
const LATER = EARLIER + 60;

describe('whether the tests may run the compiled dui', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dui-build-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function file(path: string, modifiedAt: number): Promise<void> {
    const absolute = join(root, path);
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, '');
    await utimes(absolute, modifiedAt, modifiedAt);
  }

  it('may when every package was built after its newest source', async () => {
    // given two packages, each built after its sources were written
    await file('packages/domain/src/index.ts', EARLIER);
    await file('packages/domain/dist/.tsbuildinfo', LATER);
    await file('packages/http/src/cli/deep/main.ts', EARLIER);
    await file('packages/http/dist/.tsbuildinfo', LATER);

    // then
    expect(buildIsNewerThanSources(root)).to.equal(true);
  });

  it('may not when a source, however deep, was edited after its package was built', async () => {
    // given a source of the second package edited after its build
    await file('packages/domain/src/index.ts', EARLIER);
    await file('packages/domain/dist/.tsbuildinfo', LATER);
    await file('packages/http/src/index.ts', EARLIER);
    await file('packages/http/src/cli/deep/main.ts', LATER + 60);
    await file('packages/http/dist/.tsbuildinfo', LATER);

    // then
    expect(buildIsNewerThanSources(root)).to.equal(false);
  });

  it('may not when a package was never built', async () => {
    // given a package with sources and no build
    await file('packages/domain/src/index.ts', EARLIER);
    await file('packages/domain/dist/.tsbuildinfo', LATER);
    await file('packages/http/src/index.ts', EARLIER);

    // then
    expect(buildIsNewerThanSources(root)).to.equal(false);
  });
});
