import type {
  AnnuaireOrganisation,
  AnnuairePractitioner,
  AnnuaireSante,
  OrganisationSearch,
  PractitionerSearch,
} from './annuaire-sante-port.js';
import { folded } from './folded-text.js';

/**
 * Fictitious practitioners: RPPS in the 997… range of the ANS test cards, which no real
 * practitioner holds; names, places and numbers invented (phone numbers in the 01 99 00 range that
 * ARCEP keeps for fiction).
 */
export const ANNUAIRE_TEST_PRACTITIONERS: readonly AnnuairePractitioner[] = [
  {
    rpps: '99700000011',
    title: 'Dr',
    familyName: 'Moreau',
    givenName: 'Anne',
    profession: { code: '10', label: 'Médecin' },
    specialty: { code: 'SM54', label: 'Médecine générale' },
    practiceLocations: [
      {
        organisationName: 'Cabinet médical des Lilas',
        postalAddress: '3 rue des Lilas, 75011 Paris',
        phone: '01 99 00 10 11',
        email: 'anne.moreau@medecin.mssante.example',
      },
    ],
  },
  {
    rpps: '99700000029',
    title: 'Dr',
    familyName: 'Moreau',
    givenName: 'Bruno',
    profession: { code: '10', label: 'Médecin' },
    specialty: { code: 'SM42', label: 'Psychiatrie' },
    practiceLocations: [
      {
        organisationName: 'Centre hospitalier de Valmont (fictif)',
        finess: '990000028',
        postalAddress: '1 avenue de l’Hôpital, 75020 Paris',
        phone: '01 99 00 20 29',
        email: 'bruno.moreau@ch-valmont.mssante.example',
      },
    ],
  },
  {
    rpps: '99700000037',
    familyName: 'Lefèvre',
    givenName: 'Sophie',
    profession: { code: '21', label: 'Pharmacien' },
    practiceLocations: [
      {
        organisationName: 'Pharmacie du Canal (fictive)',
        finess: '990000010',
        postalAddress: '12 quai de Jemmapes, 75010 Paris',
        phone: '01 99 00 30 37',
      },
    ],
  },
  {
    rpps: '99700000045',
    familyName: 'Nguyen',
    givenName: 'Thomas',
    profession: { code: '60', label: 'Infirmier' },
    practiceLocations: [{ postalAddress: '8 rue Oberkampf, 75011 Paris', phone: '01 99 00 40 45' }],
  },
  {
    rpps: '99700000052',
    familyName: 'Roux',
    givenName: 'Camille',
    profession: { code: '60', label: 'Infirmier' },
    practiceLocations: [
      {
        organisationName: 'Centre hospitalier de Valmont (fictif)',
        finess: '990000028',
        postalAddress: '1 avenue de l’Hôpital, 75020 Paris',
        phone: '01 99 00 20 52',
        email: 'camille.roux@ch-valmont.mssante.example',
      },
    ],
  },
];

/** Fictitious organisations: FINESS in the 99 « département », which none has. */
export const ANNUAIRE_TEST_ORGANISATIONS: readonly AnnuaireOrganisation[] = [
  {
    finess: '990000010',
    name: 'Pharmacie du Canal (fictive)',
    category: 'Pharmacie d’officine',
    postalAddress: '12 quai de Jemmapes, 75010 Paris',
    phone: '01 99 00 30 37',
  },
  {
    finess: '990000028',
    name: 'Centre hospitalier de Valmont (fictif)',
    category: 'Centre hospitalier',
    postalAddress: '1 avenue de l’Hôpital, 75020 Paris',
    phone: '01 99 00 20 00',
  },
  {
    finess: '990000036',
    name: 'CMP Belleville (fictif)',
    category: 'Centre médico-psychologique',
    postalAddress: '40 rue de Belleville, 75020 Paris',
    phone: '01 99 00 50 36',
  },
];

const DEFAULT_LIMIT = 20;

/**
 * A local Annuaire Santé for tests: it answers from fixed fictitious practitioners and
 * organisations as the real directory would (a search by a part of the name, accents and case
 * ignored, by the exact number, by MSSanté address or by the FINESS of a place of practice), and
 * counts the calls made to it. The FHIR stand-in serves the same fixtures over the real protocol.
 */
export class AnnuaireSanteStandIn implements AnnuaireSante {
  #calls = 0;

  constructor(
    private readonly practitioners: readonly AnnuairePractitioner[] = ANNUAIRE_TEST_PRACTITIONERS,
    private readonly organisations: readonly AnnuaireOrganisation[] = ANNUAIRE_TEST_ORGANISATIONS,
  ) {}

  get calls(): number {
    return this.#calls;
  }

  async searchPractitioners(search: PractitionerSearch): Promise<AnnuairePractitioner[]> {
    this.#calls += 1;
    return this.practitioners
      .filter((practitioner) => matchesPractitionerSearch(practitioner, search))
      .slice(0, search.limit ?? DEFAULT_LIMIT)
      .map(copy);
  }

  async practitioner(rpps: string): Promise<AnnuairePractitioner | undefined> {
    this.#calls += 1;
    const found = this.practitioners.find((practitioner) => practitioner.rpps === rpps);
    return found && copy(found);
  }

  async searchOrganisations(search: OrganisationSearch): Promise<AnnuaireOrganisation[]> {
    this.#calls += 1;
    const name = search.name === undefined ? undefined : folded(search.name);
    return this.organisations
      .filter(
        (organisation) =>
          (search.finess === undefined || organisation.finess === search.finess) &&
          (name === undefined || folded(organisation.name).includes(name)),
      )
      .slice(0, search.limit ?? DEFAULT_LIMIT)
      .map(copy);
  }
}

/** Whether a practitioner answers a search: every criterion given holds. */
function matchesPractitionerSearch(practitioner: AnnuairePractitioner, search: PractitionerSearch): boolean {
  const places = practitioner.practiceLocations;
  const mailbox = search.mailbox?.trim().toLowerCase();
  return (
    (search.rpps === undefined || practitioner.rpps === search.rpps) &&
    (search.name === undefined ||
      folded(`${practitioner.givenName} ${practitioner.familyName}`).includes(folded(search.name))) &&
    (mailbox === undefined || places.some((place) => place.email?.toLowerCase() === mailbox)) &&
    (search.finess === undefined || places.some((place) => place.finess === search.finess))
  );
}

/** Callers get their own copy: the fixture set never changes under them. */
function copy<T>(value: T): T {
  return structuredClone(value);
}
