import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnnuaireOrganisation, AnnuairePractitioner } from '../annuaire-sante-port.js';
import { ANNUAIRE_TEST_ORGANISATIONS, ANNUAIRE_TEST_PRACTITIONERS } from '../annuaire-sante-stand-in.js';
import { fhirDirectoryOf } from './annuaire-sante-fhir-resources.js';
import type { OperationOutcome } from './fhir-r4.js';
import { type SearchedType, SearchRefused, searchset } from './fhir-stand-in-search.js';

export interface AnnuaireSanteFhirStandInOptions {
  practitioners?: readonly AnnuairePractitioner[];
  organisations?: readonly AnnuaireOrganisation[];
  /** The key a client must send in `ESANTE-API-KEY`. */
  apiKey: string;
  /** The most entries a page holds, whatever `_count` asks (50, as the ANS API, by default). */
  pageSize?: number;
}

export interface AnnuaireSanteFhirStandIn {
  /** The FHIR base to give the client: `http://127.0.0.1:<port>/fhir/v2`. */
  url: string;
  /** How many HTTP requests it received, refused ones included. */
  readonly requests: number;
  close(): Promise<void>;
}

/** Where the ANS gateway serves the API: the stand-in keeps the path, so the base URL reads the same. */
const BASE_PATH = '/fhir/v2';
const SEARCHABLE: readonly SearchedType[] = ['Practitioner', 'PractitionerRole', 'Organization'];
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * A local « API Annuaire Santé en FHIR » on loopback, for the tests and for running offline:
 * it serves the port's fixtures (the same as the in-memory stand-in) as FHIR R4 searchset
 * Bundles, the way the ANS gateway does: the API key in `ESANTE-API-KEY` (401 without it),
 * paging with `_count` and `next` links, `_include` of a role's practitioner and organisation,
 * unknown parameters ignored (refused with `Prefer: handling=strict`), errors as OperationOutcome.
 */
export async function startAnnuaireSanteFhirStandIn(
  options: AnnuaireSanteFhirStandInOptions,
): Promise<AnnuaireSanteFhirStandIn> {
  const directory = fhirDirectoryOf(
    options.practitioners ?? ANNUAIRE_TEST_PRACTITIONERS,
    options.organisations ?? ANNUAIRE_TEST_ORGANISATIONS,
  );
  const pageSize = options.pageSize ?? 50;
  let requests = 0;
  let base = '';

  const answer = (request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    try {
      const url = new URL(request.url ?? '/', base);
      if (request.headers['esante-api-key'] !== options.apiKey) {
        throw new SearchRefused(401, 'security', 'missing or unknown ESANTE-API-KEY');
      }
      const type = url.pathname.replace(/\/$/, '').slice(BASE_PATH.length + 1);
      if (!url.pathname.startsWith(`${BASE_PATH}/`) || !SEARCHABLE.includes(type as SearchedType)) {
        throw new SearchRefused(404, 'not-found', 'no such resource type or operation');
      }
      if (request.method !== 'GET') throw new SearchRefused(405, 'not-supported', 'only GET searches are served');
      if (!acceptsFhirJson(request.headers.accept)) {
        throw new SearchRefused(406, 'not-supported', 'only application/fhir+json is served');
      }
      const bundle = searchset(directory, {
        type: type as SearchedType,
        params: url.searchParams,
        base,
        pageSize,
        strict: /handling\s*=\s*strict/.test(String(request.headers.prefer ?? '')),
      });
      send(response, 200, bundle);
    } catch (error) {
      if (!(error instanceof SearchRefused)) throw error;
      send(response, error.status, outcome(error.issueCode, error.message));
    }
  };

  const server = createServer((request, response) => {
    try {
      answer(request, response);
    } catch {
      send(response, 500, outcome('exception', 'the stand-in failed'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}${BASE_PATH}`;
  return {
    url: base,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function acceptsFhirJson(accept: string | undefined): boolean {
  return accept === undefined || /application\/(fhir\+)?json|\*\/\*/.test(accept);
}

function outcome(code: string, diagnostics: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': FHIR_JSON });
  response.end(JSON.stringify(body));
}
