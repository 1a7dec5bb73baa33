import type { BlobKeys } from '@dui-pds/documents';
import type { CryptoShreddingEventStore } from '@dui-pds/eventstore';

/**
 * The documents' bytes are sealed with the usagers' content keys of crypto-shredding (ADR 0026):
 * forgetting a usager destroys their documents with their events, in every backup.
 */
export function blobKeysOf(store: Pick<CryptoShreddingEventStore<unknown>, 'contentKey'>): BlobKeys {
  return {
    forSealing: ({ organisationId, serviceUserId }) =>
      store.contentKey(serviceUserId, { organisationId, create: true }),
    forOpening: ({ organisationId, serviceUserId }) =>
      store.contentKey(serviceUserId, { organisationId, create: false }),
  };
}
