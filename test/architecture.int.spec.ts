import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const domainSource = join(root, 'packages/domain/src');

async function cruise(): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout } = await run('npx', ['depcruise', 'packages', 'examples', '--config', '.dependency-cruiser.cjs'], {
      cwd: root,
    });
    return { ok: true, output: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('architecture', function () {
  this.timeout(120_000);

  it('keeps dependencies pointing inwards', async () => {
    const { ok, output } = await cruise();
    expect(ok, output).to.equal(true);
  });

  it('fails when packages/domain imports an I/O module', async () => {
    // given a domain module that reaches for the database and the file system
    const probe = join(domainSource, 'architecture-probe.ts');
    await writeFile(
      probe,
      "import pg from 'pg';\nimport { readFileSync } from 'node:fs';\nexport const probe = [pg, readFileSync];\n",
    );
    try {
      // when the dependency rules are checked
      const { ok, output } = await cruise();
      // then the check fails and names the offending import
      expect(ok).to.equal(false);
      expect(output).to.match(
        /domain-does-no-io: packages\/domain\/src\/architecture-probe\.ts → (pg|\S*node_modules\/\S*\/pg\/)/,
      );
      expect(output).to.match(/architecture-probe\.ts → (node:)?fs/);
    } finally {
      await rm(probe, { force: true });
    }
  });

  it('keeps the clock and randomness out of packages/domain', async () => {
    const impure = /\bDate\.now\(|new Date\(\)|Math\.random\(|randomUUID\(|performance\.now\(/;
    const offenders: string[] = [];
    for (const file of await sourceFiles(domainSource)) {
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (impure.test(line)) offenders.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(offenders, 'time and ids must be passed in').to.deep.equal([]);
  });

  it('loads the EventStoreDB client only through @dui-pds/eventstore/eventstoredb', async () => {
    // given a fresh process that imports the package root, then the EventStoreDB subpath
    const probe = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const clientModules = () => Object.keys(cache).filter((path) => path.includes('@eventstore/db-client')).length;
      const root = await import('@dui-pds/eventstore');
      const afterRoot = clientModules();
      const subpath = await import('@dui-pds/eventstore/eventstoredb');
      console.log(JSON.stringify({
        afterRoot,
        afterSubpath: clientModules(),
        rootExportsAdapter: 'EventStoreDbEventStore' in root,
        subpathExportsAdapter: typeof subpath.EventStoreDbEventStore,
      }));`;

    // when
    const { stdout } = await run(
      process.execPath,
      ['--conditions=dui-source', '--import', 'tsx', '--input-type=module', '--eval', probe],
      { cwd: root },
    );

    // then the client (CommonJS, so listed in the require cache) is loaded by the subpath only
    const { afterRoot, afterSubpath, rootExportsAdapter, subpathExportsAdapter } = JSON.parse(stdout);
    expect({ afterRoot, rootExportsAdapter, subpathExportsAdapter }).to.deep.equal({
      afterRoot: 0,
      rootExportsAdapter: false,
      subpathExportsAdapter: 'function',
    });
    expect(afterSubpath, 'the probe must see the client once the subpath is imported').to.be.greaterThan(0);
  });
});
