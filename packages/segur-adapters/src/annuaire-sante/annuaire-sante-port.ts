/**
 * The Annuaire Santé (the national directory of health professionals and organisations, by the
 * ANS), as the record needs it: find a practitioner by name or RPPS to add them to a usager's
 * directory, and find an organisation by name or FINESS. Two adapters: the in-memory stand-in and the
 * FHIR R4 client of the ANS API (`fhir/`); the record depends only on this port.
 *
 * The shapes keep what the directory uses of the FHIR resources: `Practitioner` (RPPS, name),
 * `PractitionerRole` (profession, specialty, where they practise, how to reach them there) and
 * `Organization` (FINESS, name, address).
 */
export interface AnnuairePractitioner {
  /** RPPS, 11 digits. */
  rpps: string;
  /** « Dr », « Pr », when the directory gives one. */
  title?: string;
  familyName: string;
  givenName: string;
  /** The profession, as the directory's nomenclature names it (code and French label). */
  profession: { code: string; label: string };
  specialty?: { code: string; label: string };
  /** Where they practise: each place with its organisation and contact. */
  practiceLocations: AnnuairePracticeLocation[];
}

export interface AnnuairePracticeLocation {
  organisationName?: string;
  finess?: string;
  postalAddress?: string;
  phone?: string;
  /** Their MSSanté address there, if any. */
  email?: string;
}

export interface AnnuaireOrganisation {
  /** FINESS, 9 characters (the géographique establishment). */
  finess: string;
  name: string;
  /** The category of establishment, in French (« Pharmacie d’officine », « Centre hospitalier »). */
  category?: string;
  postalAddress?: string;
  phone?: string;
}

/** Every criterion given must hold (and): a name and a FINESS find that person practising there. */
export interface PractitionerSearch {
  /** A part of the family or given name; accents and case ignored. */
  name?: string;
  rpps?: string;
  /** An MSSanté address of theirs, case ignored: who writes from this mailbox. */
  mailbox?: string;
  /** The FINESS of a place where they practise: the professionals of that organisation. */
  finess?: string;
  /** At most this many answers (20 by default). */
  limit?: number;
}

export interface OrganisationSearch {
  name?: string;
  finess?: string;
  limit?: number;
}

/**
 * The Annuaire Santé could not be asked: not configured, not reachable, or it refused or garbled
 * the request. The message is for the logs: it names the failure, never what was searched.
 */
export class AnnuaireSanteUnavailable extends Error {
  override readonly name = 'AnnuaireSanteUnavailable';
  /** The HTTP status the directory answered with, when it answered. */
  readonly status: number | undefined;

  constructor(
    readonly reason: 'not-configured' | 'unreachable' | 'refused' | 'invalid-answer',
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status;
  }
}

/** Every method may throw `AnnuaireSanteUnavailable`. */
export interface AnnuaireSante {
  searchPractitioners(search: PractitionerSearch): Promise<AnnuairePractitioner[]>;
  /** One practitioner by RPPS; undefined when the directory has none. */
  practitioner(rpps: string): Promise<AnnuairePractitioner | undefined>;
  searchOrganisations(search: OrganisationSearch): Promise<AnnuaireOrganisation[]>;
}

/** A practitioner's name as the usager's directory shows it: « Dr Anne MOREAU ». */
export function practitionerDisplayName(
  practitioner: Pick<AnnuairePractitioner, 'title' | 'givenName' | 'familyName'>,
): string {
  return [practitioner.title, practitioner.givenName, practitioner.familyName.toUpperCase()].filter(Boolean).join(' ');
}
