/**
 * What the portal reads from modules written beside it, as ports: the designations of personnes
 * de confiance (`trustedPersonsOf`), the usager's agenda (`usagerAgenda`), the documents shared
 * with the usager, the export of the record, and whether the usager's death is recorded
 * (`deathRecordedFor`). The composition root wires the projections' queries; until one is wired,
 * the defaults fail closed: no designation (a personne de confiance sees nothing), an empty
 * agenda, no document, no export, and a death taken as recorded (the portal shows no record).
 */
export interface TrustedPersonDesignation {
  trustedPersonId: string;
  status: 'designated' | 'revoked';
  mayConsultRecord: boolean;
}

export interface UsagerAgendaEntry {
  /** ISO 8601 instants. */
  startsAt: string;
  endsAt?: string | null;
  title: string;
  place?: string | null;
  status?: string | null;
}

/** A document the team shared with the usager, as the portal lists it. */
export interface PortalDocument {
  documentId: string;
  title: string;
  /** French label of its kind (« Contrat de séjour », ...). */
  kindLabel: string;
  version: number;
  /** ISO 8601 instant of the shown version. */
  storedAt: string;
  signed: boolean;
}

/** Who the export is for: the portal account's holder. */
export type PortalRequester = { kind: 'serviceUser' } | { kind: 'trustedPerson'; trustedPersonId: string };

type RecordWhere = { organisationId: string; serviceUserId: string };

export interface PortalSources {
  /** The documents shared with the usager (a personne de confiance sees the same ones). */
  sharedDocuments(where: RecordWhere): Promise<readonly PortalDocument[]>;
  /** The latest version of a shared document; undefined when it is not shared with this usager. */
  sharedDocumentContent(
    where: RecordWhere & { documentId: string },
  ): Promise<{ content: Uint8Array; mediaType: string; fileName: string } | undefined>;
  /** The record as a ZIP for the holder (right of access, portability); undefined where not wired. */
  recordExport(
    where: RecordWhere & { requester: PortalRequester },
  ): Promise<{ zip: Uint8Array; fileName: string } | undefined>;

  trustedPersons(where: {
    organisationId: string;
    serviceUserId: string;
  }): Promise<readonly TrustedPersonDesignation[]>;
  agenda(where: {
    organisationId: string;
    serviceUserId: string;
    from: string;
    to: string;
  }): Promise<readonly UsagerAgendaEntry[]>;
  /**
   * Whether the usager's death is recorded (an exit whose reason, as last corrected, is `death`,
   * in any ESSMS of the organisation). Once it is, the portal shows the record to no account: a
   * personne de confiance's mission ends with the death (L.1111-6 CSP), and access to a deceased
   * person's record goes through a request to the establishment (L.1110-4 CSP), not the portal.
   */
  deathRecorded(where: RecordWhere): Promise<boolean>;
}

export const failClosedPortalSources: PortalSources = {
  trustedPersons: async () => [],
  agenda: async () => [],
  sharedDocuments: async () => [],
  sharedDocumentContent: async () => undefined,
  recordExport: async () => undefined,
  deathRecorded: async () => true,
};

/** Whether a personne de confiance's account may consult the record now. */
export function trustedPersonMayConsult(
  designations: readonly TrustedPersonDesignation[],
  trustedPersonId: string | null,
): boolean {
  return designations.some(
    (designation) =>
      designation.trustedPersonId === trustedPersonId &&
      designation.status === 'designated' &&
      designation.mayConsultRecord,
  );
}
