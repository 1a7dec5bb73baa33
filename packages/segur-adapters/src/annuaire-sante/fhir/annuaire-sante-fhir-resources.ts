import type { AnnuaireOrganisation, AnnuairePracticeLocation, AnnuairePractitioner } from '../annuaire-sante-port.js';
import {
  ANNUAIRE_TECHNICAL_SYSTEM,
  EMAIL_TYPE_EXTENSION,
  ESTABLISHMENT_CATEGORY_LABELS,
  ESTABLISHMENT_CATEGORY_TABLE,
  EXERCISE_TITLES,
  FINESS_SYSTEMS,
  IDENTIFIER_TYPE_SYSTEM,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  MAILBOX_KIND_TABLE,
  MSS_MAILBOX_METADATA_EXTENSION,
  MSS_MAILBOX_TYPE_TABLE,
  nosSystem,
  PROFESSION_TABLE,
  PUBLIC_DATA_PROFILES,
  RPPS_SYSTEMS,
  SPECIALTY_TABLE,
} from './ans-fhir-vocabulary.js';
import type { Address, ContactPoint, Identifier, Organization, Practitioner, PractitionerRole } from './fhir-r4.js';

/** The directory as FHIR resources: what the FHIR stand-in serves. */
export interface FhirDirectory {
  practitioners: Practitioner[];
  roles: PractitionerRole[];
  organizations: Organization[];
}

/**
 * The port's fixtures written as the ANS API serves them: a Practitioner per professional (RPPS,
 * exercise name and title, profession and specialty), a PractitionerRole per place of practice
 * (its phone and MSSanté mailbox there), and an Organization per place: the organisation of that
 * FINESS, or a cabinet known by the directory's technical identifier.
 */
export function fhirDirectoryOf(
  practitioners: readonly AnnuairePractitioner[],
  organisations: readonly AnnuaireOrganisation[],
): FhirDirectory {
  const organizations = new Map<string, Organization>(
    organisations.map((organisation) => [organisation.finess, organizationOf(organisation)]),
  );
  const cabinets: Organization[] = [];
  const roles: PractitionerRole[] = [];
  for (const practitioner of practitioners) {
    practitioner.practiceLocations.forEach((place, index) => {
      const rank = `${practitioner.rpps}-${index + 1}`;
      let organization: Organization;
      if (place.finess === undefined) {
        organization = cabinetOf(place, `cab-${rank}`);
        cabinets.push(organization);
      } else {
        organization =
          organizations.get(place.finess) ??
          organizationOf({ finess: place.finess, name: place.organisationName, postalAddress: place.postalAddress });
        organizations.set(place.finess, organization);
      }
      roles.push(roleOf(place, `role-${rank}`, practitioner.rpps, organization));
    });
  }
  return {
    practitioners: practitioners.map(practitionerOf),
    roles,
    organizations: [...organizations.values(), ...cabinets],
  };
}

function practitionerOf(practitioner: AnnuairePractitioner): Practitioner {
  const title = Object.entries(EXERCISE_TITLES).find(([, shown]) => shown === practitioner.title)?.[0];
  return {
    resourceType: 'Practitioner',
    id: practitionerId(practitioner.rpps),
    meta: { profile: [PUBLIC_DATA_PROFILES.Practitioner] },
    active: true,
    identifier: [
      identifier(IDNPS_SYSTEM, 'IDNPS', `8${practitioner.rpps}`),
      identifier(RPPS_SYSTEMS[0], 'RPPS', practitioner.rpps),
    ],
    name: [
      {
        use: 'usual',
        family: practitioner.familyName,
        ...(practitioner.givenName ? { given: [practitioner.givenName] } : {}),
        ...(title === undefined ? {} : { suffix: [title] }),
      },
    ],
    qualification: [
      {
        code: {
          coding: [
            {
              system: nosSystem(PROFESSION_TABLE),
              code: practitioner.profession.code,
              display: practitioner.profession.label,
            },
            { system: nosSystem('TRE_R09-CategorieProfessionnelle'), code: 'C', display: 'Civil' },
          ],
        },
      },
      ...(practitioner.specialty === undefined
        ? []
        : [
            {
              code: {
                coding: [
                  {
                    system: nosSystem(SPECIALTY_TABLE),
                    code: practitioner.specialty.code,
                    display: practitioner.specialty.label,
                  },
                  { system: nosSystem('TRE_R04-TypeSavoirFaire'), code: 'S', display: 'Spécialité ordinale' },
                ],
              },
            },
          ]),
    ],
  };
}

function roleOf(
  place: AnnuairePracticeLocation,
  id: string,
  rpps: string,
  organization: Organization,
): PractitionerRole {
  const telecom: ContactPoint[] = [
    ...(place.phone === undefined ? [] : [{ system: 'phone', value: digitsOf(place.phone), rank: 1 }]),
    ...(place.email === undefined ? [] : [mssMailbox(place.email)]),
  ];
  return {
    resourceType: 'PractitionerRole',
    id,
    meta: { profile: [PUBLIC_DATA_PROFILES.PractitionerRole] },
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId(rpps)}` },
    organization: { reference: `Organization/${organization.id}` },
    ...(telecom.length === 0 ? {} : { telecom }),
  };
}

function organizationOf(organisation: Omit<AnnuaireOrganisation, 'name'> & { name?: string }): Organization {
  const category = organisation.category;
  const code = Object.entries(ESTABLISHMENT_CATEGORY_LABELS).find(([, label]) => label === category)?.[0];
  return {
    resourceType: 'Organization',
    id: `org-${organisation.finess}`,
    meta: { profile: [PUBLIC_DATA_PROFILES.Organization] },
    active: true,
    identifier: [
      identifier(IDNST_SYSTEM, 'IDNST', `1${organisation.finess}`),
      identifier(FINESS_SYSTEMS[0], 'FINEG', organisation.finess),
    ],
    ...(category === undefined
      ? {}
      : {
          type: [
            {
              coding: [
                {
                  system: nosSystem(ESTABLISHMENT_CATEGORY_TABLE),
                  ...(code === undefined ? {} : { code }),
                  display: category,
                },
              ],
            },
          ],
        }),
    ...(organisation.name === undefined ? {} : { name: organisation.name }),
    ...(organisation.phone === undefined
      ? {}
      : { telecom: [{ system: 'phone', value: digitsOf(organisation.phone) }] }),
    ...(organisation.postalAddress === undefined ? {} : { address: [addressOf(organisation.postalAddress)] }),
  };
}

/** A liberal practitioner's cabinet: no FINESS, known by the directory's own identifier. */
function cabinetOf(place: AnnuairePracticeLocation, id: string): Organization {
  return {
    resourceType: 'Organization',
    id,
    meta: { profile: [PUBLIC_DATA_PROFILES.Organization] },
    active: true,
    identifier: [{ use: 'official', system: ANNUAIRE_TECHNICAL_SYSTEM, value: id }],
    ...(place.organisationName === undefined ? {} : { name: place.organisationName }),
    ...(place.postalAddress === undefined ? {} : { address: [addressOf(place.postalAddress)] }),
  };
}

/** A personal MSSanté mailbox, typed as the guide types it. */
function mssMailbox(address: string): ContactPoint {
  return {
    system: 'email',
    value: address,
    extension: [
      { url: EMAIL_TYPE_EXTENSION, valueCoding: { system: nosSystem(MAILBOX_KIND_TABLE), code: 'MSSANTE' } },
      {
        url: MSS_MAILBOX_METADATA_EXTENSION,
        extension: [
          {
            url: 'type',
            valueCodeableConcept: { coding: [{ system: nosSystem(MSS_MAILBOX_TYPE_TABLE), code: 'PER' }] },
          },
          { url: 'listeRouge', valueBoolean: false },
        ],
      },
    ],
  };
}

function identifier(system: string, type: string, value: string): Identifier {
  return { use: 'official', type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: type }] }, system, value };
}

/** « 3 rue des Lilas, 75011 Paris »: the street, the postal code and the town, when it reads so. */
function addressOf(postalAddress: string): Address {
  const parts = postalAddress.match(/^(.*\S),\s*(\d{5})\s+(\S.*)$/);
  if (!parts) return { use: 'work', text: postalAddress };
  const [, street = '', postalCode = '', city = ''] = parts;
  return { use: 'work', text: postalAddress, line: [street], postalCode, city };
}

/** The directory gives numbers as digits: « 0199001011 ». */
function digitsOf(phone: string): string {
  return phone.replace(/[\s.-]/g, '');
}

function practitionerId(rpps: string): string {
  return `pp-${rpps}`;
}
