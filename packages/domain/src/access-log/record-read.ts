import { z } from 'zod';
import { sensitivityClassSchema } from '../habilitations/index.js';

/**
 * An entry of the access log (traçabilité des accès): a professional read part of a usager's
 * record. Who and when are the event's actor and `occurredAt`; the data says what was read and
 * why. One stream per usager (`accessLogStreamId`), so that the log of one usager can be shown to
 * them, and verified, on its own; the store's hash chain makes it tamper-evident.
 */
export const recordReadSchema = z.object({
  serviceUserId: z.string().min(1),
  facilityId: z.string().min(1).optional(),
  /** Roles the professional held in that ESSMS when reading. */
  roles: z.array(z.string().min(1)),
  /** What was read: the resource, as the API names it (`notes`, `note`, ...). */
  resource: z.string().min(1),
  /** The sensitivity classes the answer could contain. */
  sensitivities: z.array(sensitivityClassSchema),
  /** Why: `care` (prise en charge) unless the request says otherwise. */
  purpose: z.string().min(1).max(200),
});
export type RecordRead = z.infer<typeof recordReadSchema>;

export const RECORD_READ = 'RecordRead';

/** Each part escaped, so that no two (organisation, usager) pairs ever share a stream. */
export function accessLogStreamId(organisationId: string, serviceUserId: string): string {
  return `access-log/${encodeURIComponent(organisationId)}/${encodeURIComponent(serviceUserId)}`;
}
