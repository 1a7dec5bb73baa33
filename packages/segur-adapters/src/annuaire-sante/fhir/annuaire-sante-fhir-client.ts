import {
  type AnnuaireOrganisation,
  type AnnuairePractitioner,
  type AnnuaireSante,
  AnnuaireSanteUnavailable,
  type OrganisationSearch,
  type PractitionerSearch,
} from '../annuaire-sante-port.js';
import { folded } from '../folded-text.js';
import { organisationFromFhir, practitionerFromFhir, referenceKey, rppsOf } from './annuaire-sante-fhir-mapping.js';
import { IDNPS_SYSTEM, IDNST_SYSTEM } from './ans-fhir-vocabulary.js';
import type { Bundle, DirectoryResource, Organization, Practitioner, PractitionerRole } from './fhir-r4.js';

export interface AnnuaireSanteFhirClientOptions {
  /** The FHIR base of the API: `https://gateway.api.esante.gouv.fr/fhir/v2`. */
  baseUrl: string;
  /** The key of the ANS API portal, sent in `ESANTE-API-KEY`. */
  apiKey: string;
  /** The most answers asked per page (`_count`); the server may give fewer. 50 by default, as the API. */
  pageSize?: number;
  /** How long one request may take before the directory counts as unreachable (10 s by default). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const DEFAULT_LIMIT = 20;
/** A server that keeps sending `next` links is not followed for ever. */
const MAX_PAGES = 20;

/**
 * The Annuaire Santé over the ANS « API Annuaire Santé en FHIR » (FHIR R4 REST, JSON): searches
 * of `Practitioner` (by RPPS, name or MSSanté mailbox), of `PractitionerRole` (by organisation or
 * mailbox, with `_include` of their practitioner and organisation) and of `Organization` (by
 * FINESS or name), following the Bundles' `next` links up to the limit asked. Every failure (the
 * network, an HTTP error, an OperationOutcome, an answer that is not a Bundle) is an
 * `AnnuaireSanteUnavailable`; its message never quotes what was searched.
 */
export class AnnuaireSanteFhirClient implements AnnuaireSante {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #pageSize: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: AnnuaireSanteFhirClientOptions) {
    this.#base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.#apiKey = options.apiKey;
    this.#pageSize = options.pageSize ?? 50;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#fetch = options.fetch ?? fetch;
  }

  searchPractitioners(search: PractitionerSearch): Promise<AnnuairePractitioner[]> {
    return readable(async () => {
      const limit = search.limit ?? DEFAULT_LIMIT;
      const found = await this.#practitionersMatching(search, limit);
      return this.#withPlacesOfPractice(found.slice(0, limit));
    });
  }

  async practitioner(rpps: string): Promise<AnnuairePractitioner | undefined> {
    const [found] = await this.searchPractitioners({ rpps, limit: 1 });
    return found;
  }

  searchOrganisations(search: OrganisationSearch): Promise<AnnuaireOrganisation[]> {
    return readable(async () => {
      const limit = search.limit ?? DEFAULT_LIMIT;
      const criteria = new URLSearchParams({ active: 'true' });
      if (search.finess !== undefined) criteria.append('identifier', `${IDNST_SYSTEM}|1${search.finess}`);
      for (const word of wordsOf(search.name)) criteria.append('name:contains', word);
      const organisations: AnnuaireOrganisation[] = [];
      for await (const bundle of this.#pages('Organization', criteria, limit)) {
        // a cabinet has no FINESS: the record cannot keep it as a structure
        for (const organization of matchesOf<Organization>(bundle, 'Organization')) {
          const organisation = organisationFromFhir(organization);
          if (organisation !== undefined) organisations.push(organisation);
        }
        if (organisations.length >= limit) break;
      }
      return organisations.slice(0, limit);
    });
  }

  /**
   * The practitioners answering every criterion, in the directory's order. Criteria on the place
   * of practice (FINESS, mailbox) search the roles, with their practitioner included; a mailbox
   * tied to the RPPS alone is on the Practitioner, searched too.
   */
  async #practitionersMatching(search: PractitionerSearch, limit: number): Promise<Practitioner[]> {
    const found = new Map<string, Practitioner>();
    const keep = (practitioners: Iterable<Practitioner>) => {
      for (const practitioner of practitioners) {
        if (practitioner.id !== undefined && practitioner.active !== false) found.set(practitioner.id, practitioner);
      }
    };
    if (search.finess === undefined && search.mailbox === undefined) {
      for await (const bundle of this.#pages('Practitioner', practitionerCriteria(search), limit)) {
        keep(matchesOf<Practitioner>(bundle, 'Practitioner'));
        if (found.size >= limit) break;
      }
      return [...found.values()];
    }

    const roleCriteria = new URLSearchParams({ active: 'true' });
    if (search.finess !== undefined) {
      const organizations = await this.#organizationsOfFiness(search.finess);
      if (organizations.length === 0) return [];
      roleCriteria.set('organization', organizations.map((id) => `Organization/${id}`).join(','));
    }
    if (search.mailbox !== undefined) roleCriteria.set('mailbox-mss', search.mailbox.trim());
    roleCriteria.append('_include', 'PractitionerRole:practitioner');
    for await (const bundle of this.#pages('PractitionerRole', roleCriteria, limit)) {
      const practitioners = byKey(includedOf<Practitioner>(bundle, 'Practitioner'));
      keep(
        matchesOf<PractitionerRole>(bundle, 'PractitionerRole')
          .map((role) => practitioners.get(referenceKey(role.practitioner) ?? ''))
          .filter(
            (practitioner): practitioner is Practitioner =>
              practitioner !== undefined && answersByPerson(practitioner, search),
          ),
      );
      if (found.size >= limit) break;
    }
    if (search.mailbox !== undefined && search.finess === undefined && found.size < limit) {
      const criteria = practitionerCriteria(search);
      criteria.set('mailbox-mss', search.mailbox.trim());
      for await (const bundle of this.#pages('Practitioner', criteria, limit)) {
        keep(matchesOf<Practitioner>(bundle, 'Practitioner'));
        if (found.size >= limit) break;
      }
    }
    return [...found.values()];
  }

  /** The technical ids of the organisations of a FINESS (one, in practice). */
  async #organizationsOfFiness(finess: string): Promise<string[]> {
    const criteria = new URLSearchParams({ identifier: `${IDNST_SYSTEM}|1${finess}` });
    const ids: string[] = [];
    for await (const bundle of this.#pages('Organization', criteria, this.#pageSize)) {
      for (const organization of matchesOf<Organization>(bundle, 'Organization')) {
        if (organization.id !== undefined) ids.push(organization.id);
      }
    }
    return ids;
  }

  /** Each practitioner with all their active roles and the organisations of these. */
  async #withPlacesOfPractice(practitioners: readonly Practitioner[]): Promise<AnnuairePractitioner[]> {
    if (practitioners.length === 0) return [];
    const criteria = new URLSearchParams({
      practitioner: practitioners.map((practitioner) => `Practitioner/${practitioner.id}`).join(','),
      active: 'true',
    });
    criteria.append('_include', 'PractitionerRole:organization');
    const roles: PractitionerRole[] = [];
    const organizations = new Map<string, Organization>();
    for await (const bundle of this.#pages('PractitionerRole', criteria, Number.POSITIVE_INFINITY)) {
      roles.push(...matchesOf<PractitionerRole>(bundle, 'PractitionerRole'));
      for (const [key, organization] of byKey(includedOf<Organization>(bundle, 'Organization'))) {
        organizations.set(key, organization);
      }
    }
    return practitioners.flatMap((practitioner) => {
      const key = `Practitioner/${practitioner.id}`;
      const theirs = roles.filter((role) => referenceKey(role.practitioner) === key);
      return practitionerFromFhir(practitioner, theirs, organizations) ?? [];
    });
  }

  /** The pages of a search: the first asks `_count`, the next ones follow the Bundle's `next` link. */
  async *#pages(type: DirectoryResource['resourceType'], criteria: URLSearchParams, wanted: number) {
    const params = new URLSearchParams(criteria);
    params.set('_count', String(Math.max(1, Math.min(this.#pageSize, wanted))));
    let url: URL | undefined = new URL(`${type}?${params}`, this.#base);
    for (let page = 0; url !== undefined && page < MAX_PAGES; page += 1) {
      const bundle = await this.#get(url);
      yield bundle;
      url = this.#nextOf(bundle);
    }
  }

  async #get(url: URL): Promise<Bundle> {
    let response: Response;
    let body: unknown;
    try {
      response = await this.#fetch(url, {
        headers: { Accept: 'application/fhir+json', 'ESANTE-API-KEY': this.#apiKey },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      body = await response.json().catch(() => undefined);
    } catch (error) {
      throw new AnnuaireSanteUnavailable('unreachable', `the Annuaire Santé did not answer (${causeOf(error)})`, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new AnnuaireSanteUnavailable(
        'refused',
        `the Annuaire Santé answered HTTP ${response.status}${issuesOf(body)}`,
        { status: response.status },
      );
    }
    if (!isSearchset(body)) {
      throw new AnnuaireSanteUnavailable('invalid-answer', 'the Annuaire Santé answered with no searchset Bundle', {
        status: response.status,
      });
    }
    return body;
  }

  /** The next page; only on the directory's own origin, where the API key may go. */
  #nextOf(bundle: Bundle): URL | undefined {
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    if (next === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(next, this.#base);
    } catch (error) {
      throw new AnnuaireSanteUnavailable('invalid-answer', 'the Annuaire Santé gave an unreadable next link', {
        cause: error,
      });
    }
    if (url.origin !== this.#base.origin) {
      throw new AnnuaireSanteUnavailable('invalid-answer', 'the Annuaire Santé sent its next page to another origin');
    }
    return url;
  }
}

/** A Practitioner search's own criteria: the RPPS (as the national identifier), the words of the name. */
function practitionerCriteria(search: PractitionerSearch): URLSearchParams {
  const criteria = new URLSearchParams({ active: 'true' });
  if (search.rpps !== undefined) criteria.append('identifier', `${IDNPS_SYSTEM}|8${search.rpps}`);
  for (const word of wordsOf(search.name)) criteria.append('name:contains', word);
  return criteria;
}

/** The RPPS and name criteria, checked here on a practitioner found through their roles. */
function answersByPerson(practitioner: Practitioner, search: PractitionerSearch): boolean {
  if (search.rpps !== undefined && rppsOf(practitioner) !== search.rpps) return false;
  const parts = (practitioner.name ?? []).flatMap((name) => [name.family ?? '', ...(name.given ?? [])]).map(folded);
  return wordsOf(search.name).every((word) => parts.some((part) => part.includes(folded(word))));
}

/** Each word must be in the name (`name:contains`, repeated: and): « anne moreau » finds Anne Moreau. */
function wordsOf(name: string | undefined): string[] {
  return name?.trim().split(/\s+/).filter(Boolean) ?? [];
}

function matchesOf<T extends DirectoryResource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.resource?.resourceType === type && (entry.search?.mode ?? 'match') === 'match')
    .map((entry) => entry.resource as T);
}

/** The resources of a type the Bundle holds, matched or included: a role's practitioner or organisation. */
function includedOf<T extends DirectoryResource>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.resource?.resourceType === type)
    .map((entry) => entry.resource as T);
}

function byKey<T extends DirectoryResource>(resources: readonly T[]): Map<string, T> {
  return new Map(resources.map((resource) => [`${resource.resourceType}/${resource.id}`, resource]));
}

function isSearchset(body: unknown): body is Bundle {
  if (typeof body !== 'object' || body === null) return false;
  const bundle = body as Partial<Bundle>;
  return (
    bundle.resourceType === 'Bundle' &&
    bundle.type === 'searchset' &&
    (bundle.entry === undefined || Array.isArray(bundle.entry)) &&
    (bundle.link === undefined || Array.isArray(bundle.link))
  );
}

/** The OperationOutcome's issue codes (not its diagnostics, which may repeat the request). */
function issuesOf(body: unknown): string {
  const outcome = body as { resourceType?: unknown; issue?: unknown } | undefined;
  if (outcome?.resourceType !== 'OperationOutcome' || !Array.isArray(outcome.issue)) return '';
  const codes = outcome.issue.map((issue: { code?: unknown }) => String(issue?.code ?? '?'));
  return ` (OperationOutcome: ${codes.join(', ')})`;
}

/** Why a request failed, by kind only: a timeout, a refused connection… (never its URL). */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.name}: ${code}` : error.name;
}

/** Resources the mapping could not read are an unusable answer, not a crash. */
async function readable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AnnuaireSanteUnavailable) throw error;
    throw new AnnuaireSanteUnavailable('invalid-answer', 'the Annuaire Santé answered with unreadable resources', {
      cause: error,
    });
  }
}
