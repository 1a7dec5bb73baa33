import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import {
  type AnnuaireSante,
  AnnuaireSanteUnavailable,
  type OrganisationSearch,
  type PractitionerSearch,
} from '../annuaire-sante-port.js';
import { ANNUAIRE_TEST_PRACTITIONERS, AnnuaireSanteStandIn } from '../annuaire-sante-stand-in.js';
import { AnnuaireSanteFhirClient } from './annuaire-sante-fhir-client.js';
import { type AnnuaireSanteFhirStandIn, startAnnuaireSanteFhirStandIn } from './annuaire-sante-fhir-stand-in.js';

const API_KEY = 'cle-de-test';
const rppsOf = (found: { rpps: string }[]) => found.map((practitioner) => practitioner.rpps);

describe('the Annuaire Santé FHIR client, against the FHIR stand-in over HTTP', () => {
  let standIn: AnnuaireSanteFhirStandIn;
  let client: AnnuaireSante;
  const inMemory = new AnnuaireSanteStandIn();

  before(async () => {
    standIn = await startAnnuaireSanteFhirStandIn({ apiKey: API_KEY });
    client = new AnnuaireSanteFhirClient({ baseUrl: standIn.url, apiKey: API_KEY });
  });
  after(() => standIn.close());

  it('finds practitioners by RPPS, by name whatever its accents and case, by FINESS and by MSSanté address', async () => {
    assert.deepEqual(rppsOf(await client.searchPractitioners({ rpps: '99700000029' })), ['99700000029']);
    for (const name of ['LEFÈVRE', 'lefevre', 'Lefèvre']) {
      assert.deepEqual(rppsOf(await client.searchPractitioners({ name })), ['99700000037']);
    }
    assert.deepEqual(rppsOf(await client.searchPractitioners({ finess: '990000028' })), ['99700000029', '99700000052']);
    assert.deepEqual(rppsOf(await client.searchPractitioners({ mailbox: 'Anne.Moreau@medecin.mssante.example' })), [
      '99700000011',
    ]);
    assert.deepEqual(await client.searchPractitioners({ finess: '990000099' }), []);
  });

  it('gives a practitioner found with their places of practice and MSSanté address there', async () => {
    const found = await client.practitioner('99700000011');
    assert.deepEqual(
      found,
      ANNUAIRE_TEST_PRACTITIONERS.find((practitioner) => practitioner.rpps === '99700000011'),
    );
    assert.equal(await client.practitioner('12345678901'), undefined);
  });

  it('finds organisations by FINESS or name, leaving out the cabinets that have no FINESS', async () => {
    assert.deepEqual(
      (await client.searchOrganisations({ finess: '990000036' })).map((organisation) => organisation.name),
      ['CMP Belleville (fictif)'],
    );
    assert.deepEqual(await client.searchOrganisations({ name: 'cabinet' }), []);
  });

  it('answers every search as the in-memory stand-in does (property)', async () => {
    // given searches combining the fixtures' names, numbers and addresses, and some unknown
    const practitionerSearches = fc.record(
      {
        name: fc.constantFrom('moreau', 'MOREAU', 'Lefèvre', 'anne', 'Anne Moreau', 'ou', 'thomas nguyen', 'inconnu'),
        rpps: fc.constantFrom('99700000011', '99700000029', '99700000052', '12345678901'),
        mailbox: fc.constantFrom(
          'anne.moreau@medecin.mssante.example',
          'BRUNO.MOREAU@ch-valmont.mssante.example',
          'camille.roux@ch-valmont.mssante.example',
          'personne@mssante.example',
        ),
        finess: fc.constantFrom('990000028', '990000010', '990000036'),
        limit: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: [], noNullPrototype: true },
    );
    const organisationSearches = fc.record(
      {
        name: fc.constantFrom('pharmacie', 'VALMONT', 'cmp', 'fictif', 'inconnu'),
        finess: fc.constantFrom('990000028', '990000010', '990000036', '990000099'),
        limit: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: [], noNullPrototype: true },
    );

    // then the FHIR client over HTTP and the in-memory stand-in agree
    await fc.assert(
      fc.asyncProperty(practitionerSearches, async (search: PractitionerSearch) => {
        assert.deepEqual(await client.searchPractitioners(search), await inMemory.searchPractitioners(search));
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(organisationSearches, async (search: OrganisationSearch) => {
        assert.deepEqual(await client.searchOrganisations(search), await inMemory.searchOrganisations(search));
      }),
      { numRuns: 30 },
    );
  });

  it('follows the next links page after page, and stops asking once it has the limit', async () => {
    // given a directory that answers one entry a page
    const paged = await startAnnuaireSanteFhirStandIn({ apiKey: API_KEY, pageSize: 1 });
    const pagedClient = new AnnuaireSanteFhirClient({ baseUrl: paged.url, apiKey: API_KEY });
    try {
      // when the two Moreau are searched: two pages of practitioners, two pages of their roles
      const both = await pagedClient.searchPractitioners({ name: 'moreau' });
      const requestsForBoth = paged.requests;
      // and when only one is wanted: one page of each
      const one = await pagedClient.searchPractitioners({ name: 'moreau', limit: 1 });

      // then every page was read for both, and no more than needed for one
      assert.deepEqual(both, await inMemory.searchPractitioners({ name: 'moreau' }));
      assert.equal(requestsForBoth, 4);
      assert.deepEqual(rppsOf(one), ['99700000011']);
      assert.equal(paged.requests - requestsForBoth, 2);
    } finally {
      await paged.close();
    }
  });

  it('takes a refused API key as the directory being unavailable', async () => {
    const wrongKey = new AnnuaireSanteFhirClient({ baseUrl: standIn.url, apiKey: 'pas-la-bonne' });
    await assert.rejects(
      wrongKey.searchPractitioners({ name: 'moreau' }),
      (error: unknown) =>
        error instanceof AnnuaireSanteUnavailable &&
        error.reason === 'refused' &&
        error.status === 401 &&
        error.message.includes('security') &&
        !error.message.includes('moreau'),
    );
  });

  it('takes a directory that is down as unavailable', async () => {
    const down = await startAnnuaireSanteFhirStandIn({ apiKey: API_KEY });
    await down.close();
    const unreachable = new AnnuaireSanteFhirClient({ baseUrl: down.url, apiKey: API_KEY });
    await assert.rejects(
      unreachable.searchOrganisations({ name: 'valmont' }),
      (error: unknown) => error instanceof AnnuaireSanteUnavailable && error.reason === 'unreachable',
    );
  });

  describe('against a directory that misbehaves', () => {
    const misbehaving = async (
      listener: RequestListener,
      search: () => PractitionerSearch = () => ({ name: 'Moreau' }),
    ) => {
      const server = createServer(listener);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const answer = new AnnuaireSanteFhirClient({
        baseUrl: `http://127.0.0.1:${port}/fhir/v2`,
        apiKey: API_KEY,
        timeoutMs: 300,
      })
        .searchPractitioners(search())
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      try {
        const error = await answer;
        assert.ok(error instanceof AnnuaireSanteUnavailable, `expected AnnuaireSanteUnavailable, got ${error}`);
        assert.ok(!error.message.includes('Moreau'), 'the message never quotes the search');
        return error;
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    };
    const json =
      (status: number, body: object): RequestListener =>
      (_request, response) => {
        response.writeHead(status, { 'content-type': 'application/fhir+json' });
        response.end(JSON.stringify(body));
      };

    it('an OperationOutcome with an error status is a refusal', async () => {
      const error = await misbehaving(
        json(500, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', diagnostics: 'Moreau' }],
        }),
      );
      assert.deepEqual([error.reason, error.status], ['refused', 500]);
      assert.match(error.message, /HTTP 500 \(OperationOutcome: exception\)/);
    });

    it('an answer that is no searchset Bundle is invalid', async () => {
      const error = await misbehaving((_request, response) => response.end('<html>maintenance</html>'));
      assert.equal(error.reason, 'invalid-answer');
    });

    it('a next link to another origin is not followed with the API key', async () => {
      const error = await misbehaving(
        json(200, {
          resourceType: 'Bundle',
          type: 'searchset',
          link: [{ relation: 'next', url: 'https://elsewhere.example/fhir?page=2' }],
        }),
      );
      assert.equal(error.reason, 'invalid-answer');
    });

    it('resources that cannot be read are an invalid answer, not a crash', async () => {
      const error = await misbehaving(
        json(200, {
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            { resource: { resourceType: 'Practitioner', id: 'p', name: 'not a list' }, search: { mode: 'match' } },
          ],
        }),
      );
      assert.equal(error.reason, 'invalid-answer');
    });

    it('a directory that does not answer in time is unreachable', async () => {
      const error = await misbehaving(() => {
        // never answers
      });
      assert.equal(error.reason, 'unreachable');
    });
  });
});
