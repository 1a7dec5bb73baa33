import { randomUUID } from 'node:crypto';
import { folded } from '../folded-text.js';
import { referenceKey } from './annuaire-sante-fhir-mapping.js';
import type { FhirDirectory } from './annuaire-sante-fhir-resources.js';
import type { Bundle, BundleEntry, DirectoryResource, Identifier } from './fhir-r4.js';

/**
 * The FHIR stand-in's search: the FHIR R4 search rules (search.html) over the directory's
 * resources, for the parameters the ANS API documents and the client uses. Repeated parameters
 * must all hold (and), comma-separated values are alternatives (or); strings match from their
 * start, accents and case ignored (`:contains` anywhere, `:exact` as typed); tokens are
 * `system|code`, `|code` or `code`; references are `Type/id` or `id`.
 */

export type SearchedType = DirectoryResource['resourceType'];

/** A search the server refuses: the HTTP status and the OperationOutcome issue it answers with. */
export class SearchRefused extends Error {
  constructor(
    readonly status: number,
    readonly issueCode: string,
    diagnostics: string,
  ) {
    super(diagnostics);
  }
}

export interface SearchRequest {
  type: SearchedType;
  params: URLSearchParams;
  /** The server's base, for `fullUrl` and the links: `http://127.0.0.1:1234/fhir/v2`. */
  base: string;
  /** The most entries a page holds, whatever `_count` asks. */
  pageSize: number;
  /** `Prefer: handling=strict`: an unknown parameter is refused rather than ignored. */
  strict: boolean;
}

type Parameter =
  | { kind: 'token'; values: (resource: DirectoryResource) => { system?: string; code: string }[] }
  | { kind: 'string'; values: (resource: DirectoryResource) => string[] }
  | { kind: 'reference'; target: SearchedType; values: (resource: DirectoryResource) => string[] };

const common: Record<string, Parameter> = {
  _id: { kind: 'token', values: (resource) => (resource.id === undefined ? [] : [{ code: resource.id }]) },
  active: { kind: 'token', values: (resource) => [{ code: String(resource.active ?? true) }] },
  'mailbox-mss': {
    kind: 'string',
    values: (resource) =>
      'telecom' in resource
        ? (resource.telecom ?? []).filter((point) => point.system === 'email').map((point) => point.value ?? '')
        : [],
  },
};

const PARAMETERS: Record<SearchedType, Record<string, Parameter>> = {
  Practitioner: {
    ...common,
    identifier: { kind: 'token', values: (resource) => identifiersOf(resource) },
    name: {
      kind: 'string',
      values: (resource) =>
        resource.resourceType === 'Practitioner'
          ? (resource.name ?? []).flatMap((name) => [
              ...(name.family === undefined ? [] : [name.family]),
              ...(name.given ?? []),
              ...(name.prefix ?? []),
              ...(name.suffix ?? []),
              ...(name.text === undefined ? [] : [name.text]),
            ])
          : [],
    },
    family: {
      kind: 'string',
      values: (resource) =>
        resource.resourceType === 'Practitioner' ? (resource.name ?? []).flatMap((name) => name.family ?? []) : [],
    },
    given: {
      kind: 'string',
      values: (resource) =>
        resource.resourceType === 'Practitioner' ? (resource.name ?? []).flatMap((name) => name.given ?? []) : [],
    },
  },
  PractitionerRole: {
    ...common,
    practitioner: {
      kind: 'reference',
      target: 'Practitioner',
      values: (resource) => referencesOf(resource, 'practitioner'),
    },
    organization: {
      kind: 'reference',
      target: 'Organization',
      values: (resource) => referencesOf(resource, 'organization'),
    },
  },
  Organization: {
    ...common,
    identifier: { kind: 'token', values: (resource) => identifiersOf(resource) },
    name: {
      kind: 'string',
      values: (resource) =>
        resource.resourceType === 'Organization'
          ? [...(resource.name === undefined ? [] : [resource.name]), ...(resource.alias ?? [])]
          : [],
    },
  },
};

const INCLUDES: Record<SearchedType, readonly string[]> = {
  Practitioner: ['*'],
  PractitionerRole: ['*', 'PractitionerRole:organization', 'PractitionerRole:practitioner'],
  Organization: ['*'],
};

/** The paging and presentation parameters the stand-in honours (the rest of `_…` is ignored as unknown). */
const CONTROLS = ['_count', '_getpagesoffset', '_include', '_format'];

/** One page of a search, as a searchset Bundle: the matches, then what they reference (`_include`). */
export function searchset(directory: FhirDirectory, request: SearchRequest): Bundle {
  const { type, base } = request;
  const applied = new URLSearchParams();
  const criteria: ((resource: DirectoryResource) => boolean)[] = [];
  const includes = new Set<string>();
  for (const [key, value] of request.params) {
    const [name = '', modifier] = key.split(':', 2);
    const parameter = PARAMETERS[type][name];
    if (parameter !== undefined) {
      criteria.push(criterion(parameter, name, modifier, value));
    } else if (name === '_include') {
      if (modifier !== undefined || !INCLUDES[type].includes(value)) {
        throw new SearchRefused(400, 'not-supported', `_include ${value} is not supported on ${type}`);
      }
      includes.add(value);
    } else if (!CONTROLS.includes(name)) {
      if (request.strict) throw new SearchRefused(400, 'not-supported', `unknown search parameter ${key}`);
      continue;
    }
    applied.append(key, value);
  }
  const count = Math.min(wholeNumber(request.params, '_count') ?? request.pageSize, request.pageSize);
  const offset = wholeNumber(request.params, '_getpagesoffset') ?? 0;

  const matches = resourcesOf(directory, type).filter((resource) => criteria.every((holds) => holds(resource)));
  const page = matches.slice(offset, offset + count);
  const included = includedBy(directory, page, includes);
  const entry: BundleEntry[] = [
    ...page.map((resource) => ({ fullUrl: fullUrl(base, resource), resource, search: { mode: 'match' as const } })),
    ...included.map((resource) => ({
      fullUrl: fullUrl(base, resource),
      resource,
      search: { mode: 'include' as const },
    })),
  ];
  const link = [{ relation: 'self', url: `${base}/${type}?${applied}` }];
  if (count > 0 && offset + count < matches.length) {
    const next = new URLSearchParams(applied);
    next.set('_count', String(count));
    next.set('_getpagesoffset', String(offset + count));
    link.push({ relation: 'next', url: `${base}/${type}?${next}` });
  }
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type: 'searchset',
    total: matches.length,
    link,
    entry,
  };
}

function criterion(
  parameter: Parameter,
  name: string,
  modifier: string | undefined,
  value: string,
): (resource: DirectoryResource) => boolean {
  const alternatives = value.split(',');
  switch (parameter.kind) {
    case 'string': {
      if (modifier !== undefined && modifier !== 'contains' && modifier !== 'exact') {
        throw new SearchRefused(400, 'not-supported', `modifier :${modifier} is not supported on ${name}`);
      }
      const matches = (candidate: string, wanted: string) =>
        modifier === 'exact'
          ? candidate === wanted
          : modifier === 'contains'
            ? folded(candidate).includes(folded(wanted))
            : folded(candidate).startsWith(folded(wanted));
      return (resource) =>
        parameter.values(resource).some((candidate) => alternatives.some((wanted) => matches(candidate, wanted)));
    }
    case 'token': {
      if (modifier !== undefined) {
        throw new SearchRefused(400, 'not-supported', `modifier :${modifier} is not supported on ${name}`);
      }
      const tokens = alternatives.map(token);
      return (resource) =>
        parameter
          .values(resource)
          .some((candidate) =>
            tokens.some(
              (wanted) =>
                (wanted.system === undefined || (candidate.system ?? '') === wanted.system) &&
                (wanted.code === '' || candidate.code === wanted.code),
            ),
          );
    }
    case 'reference': {
      if (modifier !== undefined) {
        throw new SearchRefused(400, 'not-supported', `modifier :${modifier} is not supported on ${name}`);
      }
      const wanted = alternatives.map((reference) =>
        reference.includes('/') ? referenceKey({ reference }) : `${parameter.target}/${reference}`,
      );
      return (resource) => parameter.values(resource).some((candidate) => wanted.includes(candidate));
    }
  }
}

/** `system|code`, `|code` (no system), `system|` (any code of it) or `code` (any system). */
function token(value: string): { system?: string; code: string } {
  const bar = value.indexOf('|');
  return bar < 0 ? { code: value } : { system: value.slice(0, bar), code: value.slice(bar + 1) };
}

function wholeNumber(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,6}$/.test(value)) throw new SearchRefused(400, 'invalid', `${name} must be a whole number`);
  return Number(value);
}

function includedBy(directory: FhirDirectory, page: DirectoryResource[], includes: ReadonlySet<string>) {
  const wanted = (path: 'organization' | 'practitioner') =>
    includes.has('*') || includes.has(`PractitionerRole:${path}`);
  const keys = new Set<string>();
  for (const resource of page) {
    if (resource.resourceType !== 'PractitionerRole') continue;
    if (wanted('practitioner')) keys.add(referenceKey(resource.practitioner) ?? '');
    if (wanted('organization')) keys.add(referenceKey(resource.organization) ?? '');
  }
  return [...directory.practitioners, ...directory.organizations].filter((resource) =>
    keys.has(`${resource.resourceType}/${resource.id}`),
  );
}

function resourcesOf(directory: FhirDirectory, type: SearchedType): DirectoryResource[] {
  if (type === 'Practitioner') return directory.practitioners;
  if (type === 'PractitionerRole') return directory.roles;
  return directory.organizations;
}

function identifiersOf(resource: DirectoryResource): { system?: string; code: string }[] {
  const identifiers: Identifier[] = 'identifier' in resource ? (resource.identifier ?? []) : [];
  return identifiers.map((identifier) => ({
    ...(identifier.system === undefined ? {} : { system: identifier.system }),
    code: identifier.value ?? '',
  }));
}

function referencesOf(resource: DirectoryResource, path: 'practitioner' | 'organization'): string[] {
  if (resource.resourceType !== 'PractitionerRole') return [];
  const key = referenceKey(resource[path]);
  return key === undefined ? [] : [key];
}

function fullUrl(base: string, resource: DirectoryResource): string {
  return `${base}/${resource.resourceType}/${resource.id}`;
}
