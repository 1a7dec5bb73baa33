import { DomainRuleViolation } from '@dui-pds/domain';
import { type DirectoryEntryView, directoryEntryById } from '@dui-pds/projections';
import type { Knex } from 'knex';

/**
 * The partners an act or exchange names, found in the usager's directory in that ESSMS: each entry
 * must be this usager's, there, and not removed (`allowRemoved` keeps those already named, for a
 * correction). Their names are copied into the act or exchange, as they are now.
 */
export async function partnersFromDirectory(
  knex: Knex,
  directorySchema: string,
  where: {
    organisationId: string;
    serviceUserId: string;
    facilityId: string;
    entryIds: readonly string[];
    allowRemoved?: ReadonlySet<string>;
  },
): Promise<{ entryId: string; name: string }[]> {
  const partners: { entryId: string; name: string }[] = [];
  for (const entryId of where.entryIds) {
    const entry = await directoryEntryOfUsager(knex, directorySchema, { ...where, entryId });
    if (entry.status === 'removed' && !where.allowRemoved?.has(entryId)) {
      throw new DomainRuleViolation(
        'DIRECTORY_ENTRY_REMOVED',
        `« ${entry.name} » a été retiré de l’annuaire de l’usager : il ne peut plus être cité.`,
        { entryId },
      );
    }
    partners.push({ entryId, name: entry.name });
  }
  return partners;
}

/** One entry of this usager's directory in this ESSMS; refused alike when it is another's, elsewhere, or none. */
export async function directoryEntryOfUsager(
  knex: Knex,
  directorySchema: string,
  where: { organisationId: string; serviceUserId: string; facilityId: string; entryId: string },
): Promise<DirectoryEntryView> {
  const entry = await directoryEntryById(knex, directorySchema, where);
  if (!entry || entry.serviceUserId !== where.serviceUserId || entry.facilityId !== where.facilityId) {
    throw new DomainRuleViolation(
      'DIRECTORY_ENTRY_NOT_FOUND',
      'Cette personne ou cette structure n’est pas dans l’annuaire de l’usager dans cet ESSMS.',
      { entryId: where.entryId },
    );
  }
  return entry;
}
