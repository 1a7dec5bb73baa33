import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { main } from './reporting-client.js';

/** A server's two routes, in memory: pages of the outbox by cursor, and a CSAPA report. */
function fakeServer(total: number) {
  const events = Array.from({ length: total }, (_, index) => ({
    id: `event-${index}`,
    type: index % 3 === 0 ? 'act.recorded' : 'visit.recorded',
    version: 1,
    organisationId: 'og-demo',
    facilityId: '750000001',
    occurredOn: '2025-03-01',
    subjectKey: `subject-${index % 7}`,
    data: {},
    cursor: `c${index + 1}`,
  }));
  const requests: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    requests.push(`${url.pathname}?${url.searchParams}`);
    expect(new Headers(init?.headers).get('Authorization')).to.equal('Bearer token-1');
    if (url.pathname.endsWith('/reporting-events')) {
      const from = Number((url.searchParams.get('after') ?? 'c0').slice(1));
      const page = events.slice(from, from + Number(url.searchParams.get('limit')));
      return Response.json({ events: page, next: page.at(-1)?.cursor ?? `c${from}` });
    }
    return Response.json({
      kind: 'csapa',
      fileActive: { total: 7, patients: 6, entourage: 1, newPatients: 2 },
      actsByProfession: { doctor: 4 },
    });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

describe('The reporting client example', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dui-reporting-client-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('interrupted after any page and run again, receives every event once, then reads the report', async () => {
    const server = fakeServer(23);
    const options = {
      baseUrl: 'http://dui.test',
      token: 'token-1',
      organisationId: 'og-demo',
      csapaFacilityId: '750000001',
      year: 2025,
      cursorFile: join(directory, 'cursor'),
      pageSize: 5,
      fetch: server.fetch,
      print: () => {},
    };
    const received: string[] = [];
    for (const maxPages of [1, 2, 1, 10]) {
      const outcome = await main({ ...options, maxPages });
      received.push(...outcome.received.map((event) => event.id));
      expect(outcome.report.fileActive.total).to.equal(7);
    }
    expect(received).to.deep.equal(Array.from({ length: 23 }, (_, index) => `event-${index}`));
    const again = await main(options);
    expect(again.received).to.deep.equal([]);
    expect(again.cursor).to.equal('c23');
    expect(server.requests.at(-1)).to.contain('/organisations/og-demo/reports/csapa?facilityId=750000001');
    expect(server.requests.at(-1)).to.contain('from=2025-01-01&to=2025-12-31');
  });
});
