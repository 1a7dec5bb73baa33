import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, where `pnpm dui` and the relative path to main.ts work. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const DUI_MAIN = 'packages/http/src/cli/main.ts';
/** The `dui` the package ships (its `bin`), compiled by `pnpm run build`. */
const DUI_COMPILED = 'packages/http/dist/cli/main.js';
/** Node.js on the TypeScript sources, as `pnpm start` and `pnpm dui` run the programs of the repository. */
export const NODE_ON_SOURCES = ['--conditions=dui-source', '--import', 'tsx'] as const;

/**
 * The command that starts `dui`, before its own arguments: the compiled binary the package ships
 * when the build is at least as new as every source (`pnpm test` builds first), else the sources
 * through tsx, so that a spec file run right after an edit never tests stale code. tsx costs each
 * process about two seconds of CPU, and the tests start some sixty `dui` processes (ADR 0001).
 */
export function duiCommand(): string[] {
  compiledIsFresh ??= buildIsNewerThanSources(REPOSITORY_ROOT);
  return compiledIsFresh ? ['node', DUI_COMPILED] : ['node', ...NODE_ON_SOURCES, DUI_MAIN];
}

let compiledIsFresh: boolean | undefined;

/**
 * Every package's last build (`tsc -b` rewrites or touches its `.tsbuildinfo`) against its newest
 * source, in the repository at `root`.
 */
export function buildIsNewerThanSources(root: string): boolean {
  const packages = join(root, 'packages');
  return readdirSync(packages).every((name) => {
    const built = modifiedAt(join(packages, name, 'dist', '.tsbuildinfo'));
    return built !== undefined && newestTypeScriptIn(join(packages, name, 'src')) <= built;
  });
}

function newestTypeScriptIn(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts'))
      newest = Math.max(newest, modifiedAt(join(entry.parentPath, entry.name)) ?? 0);
  }
  return newest;
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
