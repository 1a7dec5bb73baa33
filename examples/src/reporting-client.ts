/**
 * A reporting tool as an external consumer would write it: it reads the published reporting events
 * of an organisme gestionnaire over HTTP with a cursor, saved to a file after every page, so that an
 * interrupted run resumes where it stopped and receives each event once; then it fetches the
 * yearly CSAPA activity report as JSON. It holds no personal data: the usager is a pseudonymous
 * subject key (docs/reporting-events.md).
 *
 *   pnpm --filter @dui-pds/examples run reporting
 *
 * Settings (environment): DUI_URL (default http://localhost:3000), DUI_TOKEN (a director's session
 * token, sent as `Authorization: Bearer`), DUI_ORGANISATION, DUI_CSAPA (the CSAPA's FINESS),
 * DUI_REPORT_YEAR (default: last year), DUI_CURSOR_FILE (default .dui-data/reporting-cursor).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CsapaActivityReport, ReportingPage } from '@dui-pds/projections';

export interface ReportingClientOptions {
  baseUrl: string;
  token: string;
  organisationId: string;
  csapaFacilityId: string;
  year: number;
  cursorFile: string;
  /** Events per page (the server allows up to 1,000). */
  pageSize?: number;
  /** Stops after this many pages, as an interrupted run would: the next run resumes. */
  maxPages?: number;
  fetch?: typeof fetch;
  print?: (line: string) => void;
}

export interface ReportingClientOutcome {
  /** The events received by this run, in order. */
  received: ReportingPage['events'];
  cursor: string | undefined;
  report: CsapaActivityReport;
}

export async function main(options: ReportingClientOptions): Promise<ReportingClientOutcome> {
  const print = options.print ?? console.log;
  const http = options.fetch ?? fetch;
  const get = async <T>(path: string): Promise<T> => {
    const response = await http(new URL(path, options.baseUrl), {
      headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const organisation = `/organisations/${encodeURIComponent(options.organisationId)}`;

  let cursor = await readCursor(options.cursorFile);
  const received: ReportingPage['events'] = [];
  for (let pages = 0; options.maxPages === undefined || pages < options.maxPages; pages++) {
    const query = new URLSearchParams({ limit: String(options.pageSize ?? 500) });
    if (cursor !== undefined) query.set('after', cursor);
    const page = await get<ReportingPage>(`${organisation}/reporting-events?${query}`);
    received.push(...page.events);
    // saved once the page is handled: a crash before this line reads the page again, never skips it
    if (page.next !== cursor) await saveCursor(options.cursorFile, page.next);
    cursor = page.next;
    if (page.events.length === 0) break;
  }
  const byType = new Map<string, number>();
  for (const event of received) byType.set(event.type, (byType.get(event.type) ?? 0) + 1);
  print(`${received.length} reporting events received, cursor saved in ${options.cursorFile}`);
  for (const [type, count] of [...byType].sort()) print(`  ${type}: ${count}`);

  const report = await get<CsapaActivityReport>(
    `${organisation}/reports/csapa?${new URLSearchParams({
      facilityId: options.csapaFacilityId,
      from: `${options.year}-01-01`,
      to: `${options.year}-12-31`,
      format: 'json',
    })}`,
  );
  const { total, patients, entourage, newPatients } = report.fileActive;
  print(`CSAPA ${options.csapaFacilityId}, ${options.year}: file active ${total}`);
  print(`  patients ${patients}, entourage ${entourage}, new ${newPatients}`);
  print(`  acts by profession: ${JSON.stringify(report.actsByProfession)}`);
  return { received, cursor, report };
}

async function readCursor(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Written beside, then renamed: a crash mid-write leaves the previous cursor, not half of one. */
async function saveCursor(file: string, cursor: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, `${cursor}\n`);
  await rename(`${file}.tmp`, file);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set (see the top of examples/src/reporting-client.ts)`);
    return value;
  };
  main({
    baseUrl: env.DUI_URL ?? 'http://localhost:3000',
    token: required('DUI_TOKEN'),
    organisationId: required('DUI_ORGANISATION'),
    csapaFacilityId: required('DUI_CSAPA'),
    year: Number(env.DUI_REPORT_YEAR ?? new Date().getFullYear() - 1),
    cursorFile: env.DUI_CURSOR_FILE ?? '.dui-data/reporting-cursor',
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
