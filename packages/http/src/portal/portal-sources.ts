/**
 * What the portal reads from modules written beside it, as ports: the designations of personnes
 * de confiance (`trustedPersonsOf`) and the usager's agenda (`usagerAgenda`). The composition root
 * wires the projections' queries; until one is wired, the defaults fail closed: no designation
 * (a personne de confiance sees nothing) and an empty agenda.
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

export interface PortalSources {
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
}

export const failClosedPortalSources: PortalSources = {
  trustedPersons: async () => [],
  agenda: async () => [],
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
