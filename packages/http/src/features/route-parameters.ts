import { z } from 'zod';

/** Ids in paths: letters, digits and `_ . : -` (never `/`), as the domain's identifiers. */
export const identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w.:-]+$/, 'identifiant invalide');

export const organisationParams = z.object({ organisationId: identifier });
export const serviceUserParams = organisationParams.extend({ serviceUserId: identifier });
export const facilityParams = organisationParams.extend({ facilityId: identifier });
