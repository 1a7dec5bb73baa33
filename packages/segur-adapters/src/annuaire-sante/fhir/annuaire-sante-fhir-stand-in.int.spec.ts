import assert from 'node:assert/strict';
import { type AnnuaireSanteFhirStandIn, startAnnuaireSanteFhirStandIn } from './annuaire-sante-fhir-stand-in.js';

const API_KEY = 'cle-de-test';

/** A Bundle or an OperationOutcome, as read here. */
interface Answer {
  resourceType: string;
  type?: string;
  total?: number;
  link: { relation: string; url: string }[];
  entry: { fullUrl: string; resource: { id: string }; search: { mode: string } }[];
  issue: { code: string }[];
}

describe('the FHIR stand-in of the Annuaire Santé, over HTTP', () => {
  let standIn: AnnuaireSanteFhirStandIn;

  before(async () => {
    standIn = await startAnnuaireSanteFhirStandIn({ apiKey: API_KEY, pageSize: 2 });
  });
  after(() => standIn.close());

  const get = async (path: string, headers: Record<string, string> = { 'ESANTE-API-KEY': API_KEY }) => {
    const response = await fetch(`${standIn.url}${path}`, { headers });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Answer,
    };
  };

  it('serves searchset Bundles on the API’s path: total, links, full URLs and search modes', async () => {
    // when the roles at the Valmont hospital are searched, their practitioner included
    const { status, type, body } = await get(
      '/PractitionerRole?organization=Organization/org-990000028&_include=PractitionerRole:practitioner&_count=1',
    );

    // then one role a page, its practitioner included, and a next link to the other
    assert.equal(status, 200);
    assert.match(type ?? '', /^application\/fhir\+json/);
    assert.equal(new URL(standIn.url).pathname, '/fhir/v2');
    assert.deepEqual([body.resourceType, body.type, body.total], ['Bundle', 'searchset', 2]);
    assert.deepEqual(
      body.entry.map((entry) => [entry.fullUrl, entry.search.mode]),
      [
        [`${standIn.url}/PractitionerRole/role-99700000029-1`, 'match'],
        [`${standIn.url}/Practitioner/pp-99700000029`, 'include'],
      ],
    );
    const next = body.link.find((link) => link.relation === 'next')?.url ?? assert.fail('no next link');
    const second = (await fetch(next, { headers: { 'ESANTE-API-KEY': API_KEY } }).then((response) =>
      response.json(),
    )) as Answer;
    assert.deepEqual(
      second.entry.map((entry) => entry.resource.id),
      ['role-99700000052-1', 'pp-99700000052'],
    );
    assert.equal(
      second.link.find((link) => link.relation === 'next'),
      undefined,
    );
  });

  it('refuses a request without the API key, or with another, with a 401 OperationOutcome', async () => {
    const refused: Record<string, string>[] = [{}, { 'ESANTE-API-KEY': 'autre' }];
    for (const headers of refused) {
      const { status, body } = await get('/Practitioner?name=moreau', headers);
      assert.equal(status, 401);
      assert.deepEqual([body.resourceType, body.issue[0]?.code], ['OperationOutcome', 'security']);
    }
  });

  it('answers what it does not serve with an OperationOutcome: another type, another format, a strict unknown parameter', async () => {
    assert.equal((await get('/Patient')).status, 404);
    assert.equal(
      (await get('/Practitioner', { 'ESANTE-API-KEY': API_KEY, Accept: 'application/fhir+xml' })).status,
      406,
    );
    const strict = await get('/Practitioner?colour=blue', { 'ESANTE-API-KEY': API_KEY, Prefer: 'handling=strict' });
    assert.deepEqual([strict.status, strict.body.resourceType], [400, 'OperationOutcome']);
    const posted = await fetch(`${standIn.url}/Practitioner/_search`, {
      method: 'POST',
      headers: { 'ESANTE-API-KEY': API_KEY },
    });
    assert.equal(posted.status, 404);
  });

  it('counts every request it receives, refused ones included', async () => {
    const before = standIn.requests;
    await get('/Organization');
    await get('/Organization', {});
    assert.equal(standIn.requests - before, 2);
  });
});
