import { z } from 'zod';
import { DomainRuleViolation } from '../errors.js';

/**
 * How to reach someone around the usager: a relative, a professional, a structure, a personne de
 * confiance. Every part is optional; what is given is trimmed, and an empty part is no part.
 *
 * Phone numbers are kept as written (`01 23 45 67 89`, `+33 6 …`): they are called by people, not
 * dialled by the software, so only their characters are checked.
 */
export const MAX_CONTACT_ADDRESS_LENGTH = 500;
export const contactPhoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[\d\s().-]{6,30}$/, { error: 'numéro de téléphone invalide' });
export const contactEmailSchema = z.email({ error: 'adresse électronique invalide' }).max(254);
export const contactPostalAddressSchema = z.string().trim().min(1).max(MAX_CONTACT_ADDRESS_LENGTH);

export const contactDetailsSchema = z.object({
  phone: contactPhoneSchema.optional(),
  email: contactEmailSchema.optional(),
  postalAddress: contactPostalAddressSchema.optional(),
});
export type ContactDetails = z.infer<typeof contactDetailsSchema>;

/** The contact as given, trimmed, its empty parts dropped; refused in French when a part is malformed. */
export function normaliseContactDetails(
  given: { phone?: string; email?: string; postalAddress?: string } = {},
): ContactDetails {
  const contact: ContactDetails = {};
  const phone = given.phone?.trim();
  if (phone) {
    if (!contactPhoneSchema.safeParse(phone).success) {
      throw new DomainRuleViolation('PHONE_INVALID', 'Numéro de téléphone invalide (chiffres, espaces, + . - ( ) ).');
    }
    contact.phone = phone;
  }
  const email = given.email?.trim();
  if (email) {
    if (!contactEmailSchema.safeParse(email).success) {
      throw new DomainRuleViolation('EMAIL_INVALID', 'Adresse électronique invalide.');
    }
    contact.email = email;
  }
  const postalAddress = given.postalAddress?.trim();
  if (postalAddress) {
    if (postalAddress.length > MAX_CONTACT_ADDRESS_LENGTH) {
      throw new DomainRuleViolation(
        'POSTAL_ADDRESS_TOO_LONG',
        `L’adresse postale dépasse ${MAX_CONTACT_ADDRESS_LENGTH} caractères.`,
      );
    }
    contact.postalAddress = postalAddress;
  }
  return contact;
}

export function hasContactDetails(contact: ContactDetails): boolean {
  return contact.phone !== undefined || contact.email !== undefined || contact.postalAddress !== undefined;
}
