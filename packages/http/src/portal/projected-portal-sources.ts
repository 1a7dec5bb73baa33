import { trustedPersonsOf, usagerAgenda } from '@dui-pds/projections';
import type { Knex } from 'knex';
import type { PortalSources } from './portal-sources.js';

/**
 * The portal's sources read from the projections: the usager's agenda (`usagerAgenda`) and the
 * designations of personnes de confiance (`trustedPersonsOf`). A schema left undefined (its
 * projection not run by this deployment) leaves that source to the fail-closed default.
 */
export function projectedPortalSources(
  knex: Knex,
  schemas: { agendas?: string | undefined; trustedPersons?: string | undefined },
): Partial<PortalSources> {
  const sources: Partial<PortalSources> = {};
  const { agendas, trustedPersons } = schemas;
  if (agendas !== undefined) {
    sources.agenda = async (where) =>
      (await usagerAgenda(knex, agendas, where)).map((entry) => ({
        startsAt: entry.start,
        endsAt: entry.end,
        title: entry.source === 'planned-event' ? `${entry.kindLabel} : ${entry.title}` : entry.title,
        place: entry.place,
        status: entry.status,
      }));
  }
  if (trustedPersons !== undefined) {
    sources.trustedPersons = async (where) =>
      (await trustedPersonsOf(knex, trustedPersons, where)).map((designation) => ({
        trustedPersonId: designation.trustedPersonId,
        status: designation.status,
        mayConsultRecord: designation.mayConsultRecord,
      }));
  }
  return sources;
}
