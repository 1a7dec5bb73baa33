import { z } from 'zod';

/** Who did the act: a professional (with the role they acted in), the usager themself, or the system. */
export const actorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('professional'), id: z.string().min(1), role: z.string().min(1) }),
  z.object({ kind: z.literal('serviceUser'), id: z.string().min(1) }),
  z.object({ kind: z.literal('system'), id: z.string().min(1) }),
]);
export type Actor = z.infer<typeof actorSchema>;

const isoInstant = z.iso.datetime({ offset: true });

/** The envelope every event carries besides its data (DESIGN.md, Events). */
export const eventMetadataSchema = z.object({
  /** The tenant: the organisme gestionnaire. */
  organisationId: z.string().min(1),
  /** The ESSMS (its FINESS), where the act belongs to one. */
  facilityId: z.string().min(1).optional(),
  actor: actorSchema,
  /** Business time: when the act happened; may be in the past. */
  occurredAt: isoInstant,
  correlationId: z.string().min(1).optional(),
  causationId: z.string().min(1).optional(),
  /** The usager whose personal data the event carries: its data is encrypted with their key. */
  serviceUserId: z.string().min(1).optional(),
});
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

export const eventToAppendSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1).max(200),
  version: z.number().int().positive().default(1),
  data: z.unknown(),
  metadata: eventMetadataSchema,
});

/** An event as a caller hands it to the store. */
export interface EventToAppend<Type extends string = string, Data = unknown> {
  /** UUID v7, or derived from the command id so that a retried command writes nothing twice. */
  id: string;
  type: Type;
  /** Schema version of `data`; old versions are upcast on read, never rewritten. Defaults to 1. */
  version?: number;
  data: Data;
  metadata: EventMetadata;
}

/** Where the data of an event used to be, once its usager's key was destroyed (crypto-shredding). */
export interface ErasedData {
  readonly $erased: true;
  readonly serviceUserId: string;
}

export function isErased(data: unknown): data is ErasedData {
  return typeof data === 'object' && data !== null && (data as { $erased?: unknown }).$erased === true;
}

/** An event as the store returns it. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  version: number;
  /** The event's data, or the erased marker when its usager was forgotten. */
  data: Data | ErasedData;
  metadata: EventMetadata & {
    /** When the store recorded the event (set by the store, never by the caller). */
    recordedAt: string;
  };
  streamId: string;
  /** 0 for the first event of a stream. */
  streamRevision: number;
  /**
   * Where the event is in the global log, as a cursor to resume after (`readAll({ after })`). Every
   * reader sees the log in one order, but positions need not increase along it (on PostgreSQL a
   * transaction that commits late keeps the position it took early, ADR 0003): never compare them.
   */
  globalPosition: bigint;
  /** Hex SHA-256 of the predecessor in the stream (64 zeros for the first event). */
  previousHash: string;
  /** Hex SHA-256 chaining `previousHash`, the revision and the canonical form of this event. */
  hash: string;
}
