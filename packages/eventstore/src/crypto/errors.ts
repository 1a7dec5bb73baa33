import { EventStoreError } from '../errors.js';

/** Base of the errors crypto-shredding raises on purpose. */
export class CryptoShreddingError extends EventStoreError {
  override readonly name: string = 'CryptoShreddingError';
}

/** The master key from configuration is missing or malformed. The message never repeats the key. */
export class InvalidMasterKeyError extends CryptoShreddingError {
  override readonly name = 'InvalidMasterKeyError';
}

/** The usager's data key was destroyed: nothing concerning them can be written any more. */
export class SubjectForgottenError extends CryptoShreddingError {
  override readonly name = 'SubjectForgottenError';
  constructor(readonly serviceUserId: string) {
    super(`usager ${serviceUserId} was forgotten: their data key is destroyed, no event about them can be appended`);
  }
}

/**
 * The master key does not open a usager's data key: the configured master key is not the one the
 * key was wrapped with, or the wrapped key was altered in storage.
 */
export class DataKeyUnwrapError extends CryptoShreddingError {
  override readonly name = 'DataKeyUnwrapError';
  constructor(readonly serviceUserId: string) {
    super(
      `the master key does not open the data key of usager ${serviceUserId} ` +
        '(wrong master key, or the wrapped key was altered)',
    );
  }
}

/**
 * No configured master key opens one of the deployment's secrets: `DUI_MASTER_KEY` is not this
 * database's, or it replaced a key that `DUI_PREVIOUS_MASTER_KEYS` does not list.
 */
export class DeploymentSecretUnwrapError extends CryptoShreddingError {
  override readonly name = 'DeploymentSecretUnwrapError';
  constructor(readonly secretName: string) {
    super(
      `no configured master key opens the deployment secret "${secretName}" ` +
        '(the master key is not this database’s, or the one it replaced is not among the previous keys)',
    );
  }
}

/** An event's ciphertext does not decrypt: it was altered, or moved from another event. */
export class EventDataDecryptionError extends CryptoShreddingError {
  override readonly name = 'EventDataDecryptionError';
  constructor(
    readonly eventId: string,
    readonly serviceUserId: string,
    reason: string,
  ) {
    super(`the data of event ${eventId} (usager ${serviceUserId}) does not decrypt: ${reason}`);
  }
}

/** An event is encrypted for a usager who has no data key at all: the key store lost a row. */
export class DataKeyMissingError extends CryptoShreddingError {
  override readonly name = 'DataKeyMissingError';
  constructor(
    readonly eventId: string,
    readonly serviceUserId: string,
  ) {
    super(
      `event ${eventId} is encrypted for usager ${serviceUserId}, who has no data key (neither active nor destroyed)`,
    );
  }
}

/** A usager belongs to one organisme gestionnaire; writing about them as another one is refused. */
export class ServiceUserTenantMismatchError extends CryptoShreddingError {
  override readonly name = 'ServiceUserTenantMismatchError';
  constructor(readonly serviceUserId: string) {
    super(`usager ${serviceUserId} belongs to another organisation`);
  }
}
