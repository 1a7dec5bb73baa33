/** A usager's data key while it exists, wrapped by the master key. */
export interface ActiveDataKey {
  status: 'active';
  serviceUserId: string;
  /** The organisme gestionnaire the usager belongs to. */
  organisationId: string;
  wrappedKey: Buffer;
  createdAt: Date;
}

/** What is kept once a usager is forgotten: no key, only the proof of erasure. */
export interface DestroyedDataKey {
  status: 'destroyed';
  serviceUserId: string;
  /** Unknown when the usager was forgotten before anything was ever written about them. */
  organisationId: string | null;
  createdAt: Date;
  destroyedAt: Date;
}

export type StoredDataKey = ActiveDataKey | DestroyedDataKey;

export interface NewDataKey {
  serviceUserId: string;
  organisationId: string;
  wrappedKey: Buffer;
}

export interface DataKeyStoreOptions<Transaction> {
  /**
   * The caller's transaction, when the events are appended in one: keys are then created in it
   * (and a single-connection database such as PGlite does not wait on itself).
   */
  transaction?: Transaction;
}

/** Where the usagers' wrapped data keys live (crypto-shredding). */
export interface DataKeyStore<Transaction = never> {
  get(serviceUserId: string, options?: DataKeyStoreOptions<Transaction>): Promise<StoredDataKey | undefined>;

  /** The keys of many usagers in one call; usagers with no key are absent from the map. */
  getMany(
    serviceUserIds: readonly string[],
    options?: DataKeyStoreOptions<Transaction>,
  ): Promise<Map<string, StoredDataKey>>;

  /**
   * Stores the key unless the usager already has one (active or destroyed), then returns what is
   * stored: when two processes race, both get the winner's key, never one each.
   */
  create(key: NewDataKey, options?: DataKeyStoreOptions<Transaction>): Promise<StoredDataKey>;

  /**
   * Destroys the usager's key for good, keeping the row as proof of erasure (recording one when
   * the usager never had a key, so that nothing can be written about them afterwards).
   * Idempotent: a second call keeps the first erasure date.
   */
  destroy(serviceUserId: string, options?: DataKeyStoreOptions<Transaction>): Promise<DestroyedDataKey>;
}
