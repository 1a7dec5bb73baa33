import { contactEmailSchema, contactPhoneSchema } from '@dui-pds/domain';
import type { AnnuaireOrganisation, AnnuairePracticeLocation, AnnuairePractitioner } from '../annuaire-sante-port.js';
import {
  EMAIL_TYPE_EXTENSION,
  ESTABLISHMENT_CATEGORY_LABELS,
  ESTABLISHMENT_CATEGORY_TABLE,
  EXERCISE_TITLES,
  FINESS_SYSTEMS,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  MSS_MAILBOX_METADATA_EXTENSION,
  PROFESSION_LABELS,
  PROFESSION_TABLE,
  RPPS_SYSTEMS,
  SPECIALTY_LABELS,
  SPECIALTY_TABLE,
} from './ans-fhir-vocabulary.js';
import type {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Identifier,
  Organization,
  Practitioner,
  PractitionerRole,
  Reference,
} from './fhir-r4.js';

/**
 * From the Annuaire Santé's FHIR resources to what the record keeps of them. The directory is
 * outside data: whatever is missing or malformed is left out (a phone the record would refuse, a
 * mailbox on the red list), and a resource without the number the record needs is no answer.
 */

const RPPS = /^\d{11}$/;
const FINESS = /^(\d{2}|2A|2B)\d{7}$/;

/**
 * A practitioner with their places of practice: each active role (situation d’exercice), with
 * its organisation (`organizations`, by `Organization/<id>`). Undefined without an RPPS or a name.
 */
export function practitionerFromFhir(
  practitioner: Practitioner,
  roles: readonly PractitionerRole[],
  organizations: ReadonlyMap<string, Organization>,
): AnnuairePractitioner | undefined {
  const rpps = rppsOf(practitioner);
  const name = exerciseName(practitioner.name);
  const familyName = name?.family?.trim();
  if (rpps === undefined || !familyName) return undefined;
  const title = exerciseTitle(name);
  const qualifications = (practitioner.qualification ?? []).map((qualification) => qualification.code);
  const profession = labelled(
    codingFrom([...qualifications, ...roles.flatMap((role) => role.code ?? [])], PROFESSION_TABLE),
    PROFESSION_LABELS,
  );
  const specialty = labelled(
    codingFrom([...qualifications, ...roles.flatMap((role) => role.specialty ?? [])], SPECIALTY_TABLE),
    SPECIALTY_LABELS,
  );
  return {
    rpps,
    ...(title === undefined ? {} : { title }),
    familyName,
    givenName: (name?.given ?? []).map((given) => given.trim()).join(' '),
    profession: profession ?? { code: '', label: 'Profession non renseignée' },
    ...(specialty === undefined ? {} : { specialty }),
    practiceLocations: practiceLocations(practitioner, roles, organizations),
  };
}

/** An organisation as the record keeps it; undefined without a FINESS (a cabinet) or a name. */
export function organisationFromFhir(organization: Organization): AnnuaireOrganisation | undefined {
  const finess = finessOf(organization);
  const name = organization.name?.trim();
  if (finess === undefined || !name) return undefined;
  const category = labelled(
    codingFrom(organization.type ?? [], ESTABLISHMENT_CATEGORY_TABLE),
    ESTABLISHMENT_CATEGORY_LABELS,
  );
  return {
    finess,
    name,
    ...compact({
      category: category?.label,
      postalAddress: postalAddressOf(organization.address),
      phone: phoneOf(organization.telecom),
    }),
  };
}

/** The RPPS: its own identifier, or the national one (« 8 » then the RPPS). */
export function rppsOf(practitioner: Practitioner): string | undefined {
  const identifiers = practitioner.identifier ?? [];
  const own = identifiers.find(
    (identifier) => isOneOf(identifier.system, RPPS_SYSTEMS) || typeOf(identifier) === 'RPPS',
  )?.value;
  if (own !== undefined && RPPS.test(own)) return own;
  const national = identifiers.find((identifier) => identifier.system === IDNPS_SYSTEM)?.value;
  return national !== undefined && /^8\d{11}$/.test(national) ? national.slice(1) : undefined;
}

/** The FINESS: its own identifier (géographique or juridique), or the national one (« 1 » then the FINESS). */
export function finessOf(organization: Organization): string | undefined {
  const identifiers = organization.identifier ?? [];
  const own = identifiers.find(
    (identifier) => isOneOf(identifier.system, FINESS_SYSTEMS) || ['FINEG', 'FINEJ'].includes(typeOf(identifier) ?? ''),
  )?.value;
  if (own !== undefined && FINESS.test(own)) return own;
  const national = identifiers.find((identifier) => identifier.system === IDNST_SYSTEM)?.value;
  return national?.startsWith('1') && FINESS.test(national.slice(1)) ? national.slice(1) : undefined;
}

/**
 * The MSSanté mailboxes among contact points: email addresses the directory types MSSANTE, not
 * on the red list, not old, and that the record would accept.
 */
export function mssMailboxesOf(telecom: readonly ContactPoint[] | undefined): string[] {
  return (telecom ?? [])
    .filter(
      (point) =>
        point.system === 'email' &&
        point.use !== 'old' &&
        point.extension?.some(
          (extension) => extension.url === EMAIL_TYPE_EXTENSION && extension.valueCoding?.code === 'MSSANTE',
        ) &&
        !onRedList(point),
    )
    .map((point) => point.value?.trim() ?? '')
    .filter((address) => contactEmailSchema.safeParse(address).success);
}

/** `Organization/123` from a relative or absolute reference (with or without its version). */
export function referenceKey(reference: Reference | undefined): string | undefined {
  const found = reference?.reference?.match(/(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/);
  return found ? `${found[1]}/${found[2]}` : undefined;
}

function practiceLocations(
  practitioner: Practitioner,
  roles: readonly PractitionerRole[],
  organizations: ReadonlyMap<string, Organization>,
): AnnuairePracticeLocation[] {
  // a personal mailbox tied to the RPPS alone reaches them wherever they practise
  const [personalMailbox] = mssMailboxesOf(practitioner.telecom);
  const places = roles
    .filter((role) => role.active !== false)
    .map((role) => {
      const key = referenceKey(role.organization);
      const organization = key === undefined ? undefined : organizations.get(key);
      return compact({
        organisationName: organization?.name?.trim() || undefined,
        finess: organization && finessOf(organization),
        postalAddress: postalAddressOf(organization?.address),
        phone: phoneOf(role.telecom) ?? phoneOf(organization?.telecom),
        email: mssMailboxesOf(role.telecom)[0] ?? personalMailbox,
      });
    })
    .filter((place) => Object.keys(place).length > 0);
  if (places.length === 0 && personalMailbox !== undefined) return [{ email: personalMailbox }];
  return places;
}

/** The name they practise under: the usual one, else the official one, else the first. */
function exerciseName(names: readonly HumanName[] | undefined): HumanName | undefined {
  return names?.find((name) => name.use === 'usual') ?? names?.find((name) => name.use === 'official') ?? names?.[0];
}

/** « Dr », « Pr »: the civilité d’exercice, a suffix in the guide (a prefix in older answers). */
function exerciseTitle(name: HumanName | undefined): string | undefined {
  const words = [...(name?.suffix ?? []), ...(name?.prefix ?? [])];
  return words.map((word) => EXERCISE_TITLES[word.replace(/\./g, '').trim().toUpperCase()]).find(Boolean);
}

function codingFrom(concepts: readonly (CodeableConcept | undefined)[], table: string): Coding | undefined {
  return concepts
    .flatMap((concept) => concept?.coding ?? [])
    .find((coding) => (coding.code || coding.display) && coding.system?.includes(`/NOS/${table}/`));
}

function labelled(
  coding: Coding | undefined,
  labels: Readonly<Record<string, string>>,
): { code: string; label: string } | undefined {
  if (coding === undefined) return undefined;
  const code = coding.code ?? '';
  return { code, label: coding.display?.trim() || labels[code] || code };
}

/** One line, as the record shows it: « 3 rue des Lilas, 75011 Paris ». */
function postalAddressOf(addresses: readonly Address[] | undefined): string | undefined {
  const address = addresses?.find((candidate) => candidate.use !== 'old');
  if (address === undefined) return undefined;
  const street = (address.line ?? [])
    .map((line) => line.trim())
    .filter(Boolean)
    .join(', ');
  const town = [address.postalCode?.trim(), address.city?.trim()].filter(Boolean).join(' ');
  return [street, town].filter(Boolean).join(', ') || address.text?.trim() || undefined;
}

/** The first current phone number, French numbers in pairs (the directory gives them as ten digits). */
function phoneOf(telecom: readonly ContactPoint[] | undefined): string | undefined {
  return (telecom ?? [])
    .filter((point) => point.system === 'phone' && point.use !== 'old' && point.value)
    .sort((a, b) => (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER))
    .map((point) => inPairs(point.value ?? ''))
    .find((phone) => contactPhoneSchema.safeParse(phone).success);
}

function inPairs(phone: string): string {
  const digits = phone.replace(/[\s.-]/g, '');
  return /^0\d{9}$/.test(digits) ? digits.replace(/(\d{2})(?=\d)/g, '$1 ') : phone.trim();
}

function onRedList(point: ContactPoint): boolean {
  return (
    point.extension?.some(
      (extension) =>
        extension.url === MSS_MAILBOX_METADATA_EXTENSION &&
        extension.extension?.some((detail) => detail.url === 'listeRouge' && detail.valueBoolean === true),
    ) ?? false
  );
}

function typeOf(identifier: Identifier): string | undefined {
  return identifier.type?.coding?.find((coding) => coding.code)?.code;
}

function isOneOf(value: string | undefined, values: readonly string[]): boolean {
  return value !== undefined && values.includes(value);
}

/** The object without its undefined fields: the port's optional fields are absent, not undefined. */
function compact<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
