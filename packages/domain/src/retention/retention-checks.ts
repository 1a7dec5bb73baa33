import { DomainRuleViolation } from '../errors.js';
import { isRetentionDay } from './retention-policy.js';

/** The checks the retention deciders share: days, texts and ids of a decision, in French. */
export const MAX_RETENTION_TEXT_LENGTH = 2_000;

export function requireDay(value: string, field: string): void {
  if (!isRetentionDay(value)) {
    throw new DomainRuleViolation('RETENTION_DAY_INVALID', 'Date invalide (AAAA-MM-JJ attendu).', {
      field,
      day: value,
    });
  }
}

export function requireDayNotAfter(value: string, today: string, field: string): void {
  requireDay(value, field);
  if (value > today) {
    throw new DomainRuleViolation('RETENTION_DAY_IN_FUTURE', 'Cette date est dans le futur.', { field, day: value });
  }
}

export function requiredText(value: string | undefined, what: string): string {
  const trimmed = value?.trim();
  if (!trimmed) {
    throw new DomainRuleViolation('RETENTION_TEXT_REQUIRED', `${what} est obligatoire.`);
  }
  if (trimmed.length > MAX_RETENTION_TEXT_LENGTH) {
    throw new DomainRuleViolation(
      'RETENTION_TEXT_TOO_LONG',
      `${what} dépasse ${MAX_RETENTION_TEXT_LENGTH} caractères.`,
      {
        maxLength: MAX_RETENTION_TEXT_LENGTH,
      },
    );
  }
  return trimmed;
}

export function requiredId(value: string | undefined, what: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 200) {
    throw new DomainRuleViolation('RETENTION_ID_REQUIRED', `${what} est obligatoire.`);
  }
  return value;
}

/** `2026-03-20` → `20/03/2026`, as staff read dates. */
export function frenchDay(isoDay: string): string {
  const [year, month, dayOfMonth] = isoDay.split('-');
  return `${dayOfMonth}/${month}/${year}`;
}
