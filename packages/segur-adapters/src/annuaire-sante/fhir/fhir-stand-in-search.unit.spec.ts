import assert from 'node:assert/strict';
import { ANNUAIRE_TEST_ORGANISATIONS, ANNUAIRE_TEST_PRACTITIONERS } from '../annuaire-sante-stand-in.js';
import { fhirDirectoryOf } from './annuaire-sante-fhir-resources.js';
import { IDNPS_SYSTEM } from './ans-fhir-vocabulary.js';
import type { Bundle } from './fhir-r4.js';
import { type SearchedType, SearchRefused, searchset } from './fhir-stand-in-search.js';

const BASE = 'http://127.0.0.1:1/fhir/v2';
const directory = fhirDirectoryOf(ANNUAIRE_TEST_PRACTITIONERS, ANNUAIRE_TEST_ORGANISATIONS);

function search(type: SearchedType, query: string, options: { pageSize?: number; strict?: boolean } = {}): Bundle {
  return searchset(directory, {
    type,
    params: new URLSearchParams(query),
    base: BASE,
    pageSize: options.pageSize ?? 50,
    strict: options.strict ?? false,
  });
}

const ids = (bundle: Bundle, mode = 'match') =>
  (bundle.entry ?? []).filter((entry) => entry.search?.mode === mode).map((entry) => entry.resource?.id);
const refused = (status: number) => (error: unknown) => error instanceof SearchRefused && error.status === status;

describe('the FHIR stand-in’s search', () => {
  it('matches strings from their start, accents and case ignored; anywhere with :contains; as typed with :exact', () => {
    assert.deepEqual(ids(search('Practitioner', 'name=LEF')), ['pp-99700000037']);
    assert.deepEqual(ids(search('Practitioner', 'name=fevre')), []);
    assert.deepEqual(ids(search('Practitioner', 'name:contains=FEVRE')), ['pp-99700000037']);
    assert.deepEqual(ids(search('Practitioner', 'family:exact=Lefèvre')), ['pp-99700000037']);
    assert.deepEqual(ids(search('Practitioner', 'family:exact=lefevre')), []);
    assert.deepEqual(ids(search('Organization', 'name:contains=valmont')), ['org-990000028']);
  });

  it('matches tokens by system and code, by code alone, or by system alone', () => {
    assert.deepEqual(ids(search('Practitioner', `identifier=${IDNPS_SYSTEM}|899700000045`)), ['pp-99700000045']);
    assert.deepEqual(ids(search('Practitioner', 'identifier=99700000045')), ['pp-99700000045']);
    // every identifier has a system: none answers « no system »
    assert.deepEqual(ids(search('Practitioner', 'identifier=|99700000045')), []);
    assert.equal(search('Practitioner', `identifier=${IDNPS_SYSTEM}|`).total, ANNUAIRE_TEST_PRACTITIONERS.length);
  });

  it('matches references as Type/id, id or absolute URL', () => {
    for (const reference of ['Practitioner/pp-99700000029', 'pp-99700000029', `${BASE}/Practitioner/pp-99700000029`]) {
      assert.deepEqual(ids(search('PractitionerRole', `practitioner=${encodeURIComponent(reference)}`)), [
        'role-99700000029-1',
      ]);
    }
  });

  it('takes comma-separated values as alternatives and repeated parameters as all holding', () => {
    assert.deepEqual(ids(search('Practitioner', 'name=anne,bruno')), ['pp-99700000011', 'pp-99700000029']);
    assert.deepEqual(ids(search('Practitioner', 'name=moreau&name=bruno')), ['pp-99700000029']);
  });

  it('pages with _count: the total, the self link, and a next link until the last page', () => {
    // given a search of three organisations, one a page
    const first = search('Organization', 'active=true&_count=1');
    assert.equal(first.total, directory.organizations.length);
    assert.deepEqual(ids(first), ['org-990000010']);
    assert.deepEqual(first.link?.[0], { relation: 'self', url: `${BASE}/Organization?active=true&_count=1` });

    // when the next links are followed
    const seen = [...ids(first)];
    let next = first.link?.find((link) => link.relation === 'next')?.url;
    while (next !== undefined) {
      const page = search('Organization', new URL(next).search);
      seen.push(...ids(page));
      next = page.link?.find((link) => link.relation === 'next')?.url;
    }

    // then every organisation came once, and the last page had no next link
    assert.deepEqual(
      seen,
      directory.organizations.map((organization) => organization.id),
    );
  });

  it('never gives a page larger than its own size, whatever _count asks', () => {
    const page = search('Practitioner', '_count=100', { pageSize: 2 });
    assert.equal(ids(page).length, 2);
    assert.ok(page.link?.some((link) => link.relation === 'next' && link.url.includes('_count=2')));
  });

  it('includes the practitioner and the organisation of the roles found, once each, as includes', () => {
    const bundle = search(
      'PractitionerRole',
      'organization=Organization/org-990000028&_include=PractitionerRole:practitioner&_include=PractitionerRole:organization',
    );
    assert.deepEqual(ids(bundle), ['role-99700000029-1', 'role-99700000052-1']);
    assert.deepEqual(ids(bundle, 'include'), ['pp-99700000029', 'pp-99700000052', 'org-990000028']);
    assert.ok(
      bundle.entry?.every((entry) => entry.fullUrl === `${BASE}/${entry.resource?.resourceType}/${entry.resource?.id}`),
    );
  });

  it('ignores an unknown parameter (leaving it out of the self link), or refuses it when asked to be strict', () => {
    const lenient = search('Practitioner', 'name=roux&colour=blue');
    assert.deepEqual(ids(lenient), ['pp-99700000052']);
    assert.equal(lenient.link?.[0]?.url, `${BASE}/Practitioner?name=roux`);
    assert.throws(() => search('Practitioner', 'name=roux&colour=blue', { strict: true }), refused(400));
  });

  it('refuses a modifier, an _include or a _count it does not support', () => {
    assert.throws(() => search('Practitioner', 'name:text=roux'), refused(400));
    assert.throws(() => search('Practitioner', 'identifier:of-type=RPPS'), refused(400));
    assert.throws(() => search('Practitioner', '_include=Practitioner:organization'), refused(400));
    assert.throws(() => search('Practitioner', '_count=many'), refused(400));
  });
});
