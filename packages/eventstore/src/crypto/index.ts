export {
  type CryptoShreddingEventStore,
  type CryptoShreddingOptions,
  withCryptoShredding,
} from './crypto-shredding-event-store.js';
export type {
  ActiveDataKey,
  DataKeyStore,
  DataKeyStoreOptions,
  DestroyedDataKey,
  NewDataKey,
  StoredDataKey,
} from './data-key-store.js';
export { createDataKeysTable } from './data-keys-migration.js';
export {
  CryptoShreddingError,
  DataKeyMissingError,
  DataKeyUnwrapError,
  EventDataDecryptionError,
  InvalidMasterKeyError,
  ServiceUserTenantMismatchError,
  SubjectForgottenError,
} from './errors.js';
export { type EncryptedData, isEncryptedData } from './event-data-cipher.js';
export { InMemoryDataKeyStore } from './in-memory-data-key-store.js';
export { KnexDataKeyStore } from './knex-data-key-store.js';
export { generateDevelopmentMasterKey, loadMasterKey, MASTER_KEY_ENV } from './master-key.js';
