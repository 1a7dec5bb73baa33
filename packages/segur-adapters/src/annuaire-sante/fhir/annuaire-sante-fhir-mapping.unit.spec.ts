import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AnnuaireOrganisation, AnnuairePractitioner } from '../annuaire-sante-port.js';
import { ANNUAIRE_TEST_ORGANISATIONS, ANNUAIRE_TEST_PRACTITIONERS } from '../annuaire-sante-stand-in.js';
import {
  finessOf,
  mssMailboxesOf,
  organisationFromFhir,
  practitionerFromFhir,
  referenceKey,
  rppsOf,
} from './annuaire-sante-fhir-mapping.js';
import { type FhirDirectory, fhirDirectoryOf } from './annuaire-sante-fhir-resources.js';
import {
  EMAIL_TYPE_EXTENSION,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  MSS_MAILBOX_METADATA_EXTENSION,
  nosSystem,
} from './ans-fhir-vocabulary.js';
import type { ContactPoint, Extension, Organization, Practitioner, PractitionerRole } from './fhir-r4.js';

/** What the client reads back from the resources the stand-in writes. */
function readBack(directory: FhirDirectory) {
  const organizations = new Map(
    directory.organizations.map((organization) => [`Organization/${organization.id}`, organization]),
  );
  return {
    practitioners: directory.practitioners.map((practitioner) =>
      practitionerFromFhir(
        practitioner,
        directory.roles.filter((role) => referenceKey(role.practitioner) === `Practitioner/${practitioner.id}`),
        organizations,
      ),
    ),
    organisations: directory.organizations.flatMap((organization) => organisationFromFhir(organization) ?? []),
  };
}

const MSSANTE = {
  url: EMAIL_TYPE_EXTENSION,
  valueCoding: { system: nosSystem('TRE_R256-TypeMessagerie'), code: 'MSSANTE' },
};
const mailbox = (value: string, ...extension: Extension[]): ContactPoint => ({
  system: 'email',
  value,
  extension: [MSSANTE, ...extension],
});
const practitioner = (fields: Partial<Practitioner>): Practitioner => ({
  resourceType: 'Practitioner',
  id: 'p1',
  identifier: [{ system: IDNPS_SYSTEM, value: '810003461033' }],
  name: [{ family: 'SAUCIER', given: ['Arthur'] }],
  ...fields,
});

describe('the Annuaire Santé FHIR mapping', () => {
  it('reads back the fixtures from the resources the FHIR stand-in serves', () => {
    // given the port's fixtures written as FHIR resources
    const directory = fhirDirectoryOf(ANNUAIRE_TEST_PRACTITIONERS, ANNUAIRE_TEST_ORGANISATIONS);

    // when they are read back
    const { practitioners, organisations } = readBack(directory);

    // then the record sees what the in-memory stand-in gives
    assert.deepEqual(practitioners, ANNUAIRE_TEST_PRACTITIONERS);
    assert.deepEqual(organisations, ANNUAIRE_TEST_ORGANISATIONS);
  });

  it('reads back any directory it writes (property)', () => {
    fc.assert(
      fc.property(directories(), ({ practitioners, organisations }) => {
        const read = readBack(fhirDirectoryOf(practitioners, organisations));
        assert.deepEqual(read.practitioners, practitioners);
        for (const organisation of organisations) assert.ok(read.organisations.some((o) => deepEqual(o, organisation)));
      }),
      { numRuns: 200 },
    );
  });

  it('finds the RPPS in its own identifier, under either system, or in the national one', () => {
    assert.equal(rppsOf(practitioner({})), '10003461033');
    assert.equal(
      rppsOf(practitioner({ identifier: [{ system: 'http://rpps.fr', value: '10000001916' }] })),
      '10000001916',
    );
    assert.equal(
      rppsOf(practitioner({ identifier: [{ type: { coding: [{ code: 'RPPS' }] }, value: '10000001916' }] })),
      '10000001916',
    );
    // an ADELI professional (« 0 » then the ADELI) has no RPPS: the record cannot keep them
    assert.equal(rppsOf(practitioner({ identifier: [{ system: IDNPS_SYSTEM, value: '0751234567' }] })), undefined);
    assert.equal(practitionerFromFhir(practitioner({ identifier: [] }), [], new Map()), undefined);
  });

  it('finds the FINESS in its own identifier or in the national one, and leaves out a cabinet', () => {
    const organization = (identifier: Organization['identifier']): Organization => ({
      resourceType: 'Organization',
      identifier,
      name: 'CH EURE-SEINE',
    });
    assert.equal(
      finessOf(organization([{ system: 'https://finess.esante.gouv.fr', value: '754567860' }])),
      '754567860',
    );
    assert.equal(finessOf(organization([{ system: 'http://finess.sante.gouv.fr', value: '2A0000017' }])), '2A0000017');
    assert.equal(finessOf(organization([{ system: IDNST_SYSTEM, value: '1754567860' }])), '754567860');
    // « 4 » then an RPPS and a rank: a cabinet, no FINESS
    assert.equal(organisationFromFhir(organization([{ system: IDNST_SYSTEM, value: '41000346103301' }])), undefined);
  });

  it('reads a practitioner as the API answers: title, codes without labels, roles and their organisations', () => {
    // given a practitioner as the API gives them: the title a prefix, a profession without its label
    const saucier = practitioner({
      name: [{ use: 'usual', family: 'SAUCIER', given: ['Arthur'], prefix: ['DR'] }],
      qualification: [
        {
          code: {
            coding: [
              { system: `${nosSystem('TRE_G15-ProfessionSante')}/TRE_G15-ProfessionSante-FHIR.json`, code: '10' },
            ],
          },
        },
      ],
    });
    const roles: PractitionerRole[] = [
      {
        resourceType: 'PractitionerRole',
        active: true,
        practitioner: { reference: 'Practitioner/p1' },
        organization: { reference: 'https://gateway.example/fhir/v2/Organization/o1/_history/3' },
        specialty: [{ coding: [{ system: nosSystem('TRE_R38-SpecialiteOrdinale'), code: 'SM54' }] }],
        telecom: [mailbox('arthur.saucier@medecin.mssante.fr')],
      },
      // a closed role is no place of practice
      { resourceType: 'PractitionerRole', active: false, organization: { reference: 'Organization/o2' } },
    ];
    const organizations = new Map<string, Organization>([
      [
        'Organization/o1',
        {
          resourceType: 'Organization',
          identifier: [{ system: IDNST_SYSTEM, value: '1754567860' }],
          name: 'CH EURE-SEINE',
          telecom: [{ system: 'phone', value: '0450636363' }],
          address: [{ text: '96 rue Didot 75014 Paris' }],
        },
      ],
    ]);

    // when it is read
    const read = practitionerFromFhir(saucier, roles, organizations);

    // then the codes get their French labels and the place its details
    assert.deepEqual(read, {
      rpps: '10003461033',
      title: 'Dr',
      familyName: 'SAUCIER',
      givenName: 'Arthur',
      profession: { code: '10', label: 'Médecin' },
      specialty: { code: 'SM54', label: 'Médecine générale' },
      practiceLocations: [
        {
          organisationName: 'CH EURE-SEINE',
          finess: '754567860',
          postalAddress: '96 rue Didot 75014 Paris',
          phone: '04 50 63 63 63',
          email: 'arthur.saucier@medecin.mssante.fr',
        },
      ],
    });
  });

  it('keeps a personal mailbox tied to the RPPS alone, and an unknown code as its own label', () => {
    const read = practitionerFromFhir(
      practitioner({
        telecom: [mailbox('a.saucier@pharmacien.mssante.fr')],
        qualification: [{ code: { coding: [{ system: nosSystem('TRE_G15-ProfessionSante'), code: '99' }] } }],
      }),
      [],
      new Map(),
    );
    assert.deepEqual(read?.practiceLocations, [{ email: 'a.saucier@pharmacien.mssante.fr' }]);
    assert.deepEqual(read?.profession, { code: '99', label: '99' });
  });

  it('takes as MSSanté address only a typed MSSanté mailbox, not on the red list, that the record accepts', () => {
    const redList = {
      url: MSS_MAILBOX_METADATA_EXTENSION,
      extension: [{ url: 'listeRouge', valueBoolean: true }],
    };
    assert.deepEqual(
      mssMailboxesOf([
        { system: 'email', value: 'davidchatelier@orange.fr' },
        mailbox('hidden@medecin.mssante.fr', redList),
        { ...mailbox('old@medecin.mssante.fr'), use: 'old' },
        mailbox('not an address'),
        mailbox(' david.chatelier@medecin.mssante.fr '),
      ]),
      ['david.chatelier@medecin.mssante.fr'],
    );
  });

  it('keeps only phone numbers the record accepts, the first by rank, French ones in pairs', () => {
    const organisation = (telecom: ContactPoint[]) =>
      organisationFromFhir({
        resourceType: 'Organization',
        identifier: [{ system: IDNST_SYSTEM, value: '1754567860' }],
        name: 'CH',
        telecom,
      })?.phone;
    assert.equal(organisation([{ system: 'phone', value: 'inconnu' }]), undefined);
    assert.equal(
      organisation([
        { system: 'phone', value: '0450455933', rank: 2 },
        { system: 'fax', value: '0450455934' },
        { system: 'phone', value: '+33 4 50 63 63 63', rank: 1 },
      ]),
      '+33 4 50 63 63 63',
    );
  });

  it('reads relative and absolute references, with or without their version', () => {
    assert.equal(referenceKey({ reference: 'Organization/481677' }), 'Organization/481677');
    assert.equal(
      referenceKey({ reference: 'https://x.example/fhir/v2/Practitioner/003-1/_history/2' }),
      'Practitioner/003-1',
    );
    assert.equal(referenceKey({ reference: '#contained' }), undefined);
    assert.equal(referenceKey(undefined), undefined);
  });
});

function deepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Directories the stand-in can serve faithfully: what it writes of each is all it needs to read back. */
function directories(): fc.Arbitrary<{ practitioners: AnnuairePractitioner[]; organisations: AnnuaireOrganisation[] }> {
  const words = fc.stringMatching(/^[A-ZÉa-zéèçï]([a-zéèçï' -]{0,12}[a-zéèçï])?$/);
  const phone = fc.stringMatching(/^0[1-9]( \d\d){4}$/);
  const email = fc.stringMatching(/^[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,8}\.mssante\.fr$/);
  const postalAddress = fc.oneof(
    fc
      .tuple(fc.stringMatching(/^[1-9]\d{0,2} (rue|avenue|quai) [A-Za-zé]{2,10}$/), fc.stringMatching(/^\d{5}$/), words)
      .map(([street, code, city]) => `${street}, ${code} ${city}`),
    fc.stringMatching(/^Lieu-dit [A-Z][a-z]{2,10}$/),
  );
  const coded = (codes: string[]) =>
    fc.record({ code: fc.constantFrom(...codes), label: words }, { noNullPrototype: true });
  const organisations = fc.uniqueArray(
    fc.record(
      {
        finess: fc.stringMatching(/^97\d{7}$/),
        name: words,
        category: fc.oneof(fc.constantFrom('Pharmacie d’officine', 'Centre hospitalier'), words),
        postalAddress,
        phone,
      },
      { requiredKeys: ['finess', 'name'], noNullPrototype: true },
    ),
    { selector: (organisation) => organisation.finess, maxLength: 3 },
  );
  const place = fc.record(
    { organisationName: words, postalAddress, phone, email, ownFiness: fc.boolean() },
    { requiredKeys: ['ownFiness'], noNullPrototype: true },
  );
  const practitioner = fc.record(
    {
      rpps: fc.stringMatching(/^\d{11}$/),
      title: fc.constantFrom('Dr', 'Pr'),
      familyName: words,
      givenName: fc.oneof(words, fc.constant('')),
      profession: coded(['10', '21', '60']),
      specialty: coded(['SM54', 'SM42']),
      places: fc.array(fc.oneof(place, fc.nat(2)), { maxLength: 3 }),
    },
    { requiredKeys: ['rpps', 'familyName', 'givenName', 'profession', 'places'], noNullPrototype: true },
  );
  return fc
    .tuple(organisations, fc.uniqueArray(practitioner, { selector: (p) => p.rpps, maxLength: 4 }))
    .map(([organisations, drafts]) => {
      let ownFiness = 0;
      const practitioners = drafts.map(({ places, ...practitioner }) => ({
        ...practitioner,
        practiceLocations: places.flatMap((draft) => {
          // a place at one of the organisations: its name and address are the organisation's
          if (typeof draft === 'number') {
            const organisation = organisations[draft];
            if (organisation === undefined) return [];
            const { finess, name, postalAddress } = organisation;
            return [
              {
                organisationName: name,
                finess,
                ...(postalAddress === undefined ? {} : { postalAddress }),
                phone: '01 99 00 00 01',
              },
            ];
          }
          const { ownFiness: hasFiness, ...rest } = draft;
          ownFiness += 1;
          const location = hasFiness ? { ...rest, finess: `98${String(ownFiness).padStart(7, '0')}` } : rest;
          return Object.keys(location).length === 0 ? [] : [location];
        }),
      }));
      return { practitioners, organisations };
    });
}
