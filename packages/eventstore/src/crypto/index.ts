export {
  type ContentKeyOptions,
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
export { type DeploymentSecretOptions, deploymentSecret } from './deployment-secrets.js';
export { createDeploymentSecretsTable } from './deployment-secrets-migration.js';
export {
  CryptoShreddingError,
  DataKeyMissingError,
  DataKeyUnwrapError,
  DeploymentSecretUnwrapError,
  EventDataDecryptionError,
  InvalidMasterKeyError,
  ServiceUserTenantMismatchError,
  SubjectForgottenError,
} from './errors.js';
export { type EncryptedData, isEncryptedData } from './event-data-cipher.js';
export { InMemoryDataKeyStore } from './in-memory-data-key-store.js';
export type { MasterKeys } from './key-wrapping.js';
export { KnexDataKeyStore } from './knex-data-key-store.js';
export { generateDevelopmentMasterKey, loadMasterKey, MASTER_KEY_ENV } from './master-key.js';
export {
  type RewrapCount,
  type RewrapOptions,
  type RewrapReport,
  rewrapUnderCurrentMasterKey,
} from './master-key-rotation.js';
