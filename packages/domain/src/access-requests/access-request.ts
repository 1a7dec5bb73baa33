import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';

/**
 * A request to access one's health information (demande d’accès au dossier, L.1111-7 and
 * R.1111-1 CSP): filed by the usager through the portal, or by staff on their behalf; the
 * requester's identity is checked; the information is released not before 48 hours after the
 * request, and at the latest 8 days after it, or 2 months when it is over 5 years old. Non-medical
 * parts follow L.311-3 CASF and the same timeline here, the stricter one.
 *
 * Decisions taken here:
 * - One stream per request (`accessRequestStreamId`).
 * - The deadlines are instants counted from `filedAt` (`accessRequestDeadlines`): 48 hours, 8
 *   days, or 2 calendar months (UTC) when `olderThanFiveYears`. The warning rule
 *   (`accessRequestWarning`) takes `now` as a parameter: the domain holds no clock.
 * - A release needs the identity checked first, and is refused before the 48 hours; a refusal
 *   needs a reason. Both close the request: nothing is warned about afterwards.
 * - `due-soon` starts `DUE_SOON_HOURS` before the latest release (48 hours for the 8-day rule,
 *   14 days for the 2-month one); `overdue` once the latest release has passed.
 */
export const EARLIEST_RELEASE_HOURS = 48;
export const LATEST_RELEASE_DAYS = 8;
export const LATEST_RELEASE_MONTHS_WHEN_OLD = 2;
export const DUE_SOON_HOURS = { recent: 48, old: 14 * 24 } as const;

const id = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true });
export const accessRequestFilers = ['service-user', 'staff'] as const;
export const releaseMethods = [
  'on-site-consultation',
  'handed-over',
  'postal-mail',
  'secure-messaging',
  'portal',
] as const;
export const releaseMethodSchema = z.enum(releaseMethods);
export type ReleaseMethod = z.infer<typeof releaseMethodSchema>;

export const accessRequestFiledSchema = z.object({
  requestId: z.uuid(),
  serviceUserId: id,
  facilityId: id,
  filedBy: z.enum(accessRequestFilers),
  /** The portal account or the professional who filed it. */
  filerId: id,
  /** What is asked for, in the requester's words. */
  scope: z.string().min(1).max(2_000),
  olderThanFiveYears: z.boolean(),
  filedAt: instant,
});
export const accessRequestIdentityCheckedSchema = z.object({
  requestId: z.uuid(),
  how: z.string().min(1).max(500),
  checkedBy: id,
  at: instant,
});
export const accessRequestReleasedSchema = z.object({
  requestId: z.uuid(),
  releasedOn: z.iso.date(),
  method: releaseMethodSchema,
  releasedBy: id,
  at: instant,
});
export const accessRequestRefusedSchema = z.object({
  requestId: z.uuid(),
  reason: z.string().min(1).max(2_000),
  refusedBy: id,
  at: instant,
});

export type AccessRequestFiled = z.infer<typeof accessRequestFiledSchema>;
export type AccessRequestIdentityChecked = z.infer<typeof accessRequestIdentityCheckedSchema>;
export type AccessRequestReleased = z.infer<typeof accessRequestReleasedSchema>;
export type AccessRequestRefused = z.infer<typeof accessRequestRefusedSchema>;

export interface ErasedAccessRequestData {
  $erased: true;
}

export type AccessRequestEvent =
  | { type: 'AccessRequestFiled'; data: AccessRequestFiled | ErasedAccessRequestData }
  | { type: 'AccessRequestIdentityChecked'; data: AccessRequestIdentityChecked | ErasedAccessRequestData }
  | { type: 'AccessRequestReleased'; data: AccessRequestReleased | ErasedAccessRequestData }
  | { type: 'AccessRequestRefused'; data: AccessRequestRefused | ErasedAccessRequestData };

export type AccessRequestEventType = AccessRequestEvent['type'];

export const accessRequestEventSchemas = {
  AccessRequestFiled: accessRequestFiledSchema,
  AccessRequestIdentityChecked: accessRequestIdentityCheckedSchema,
  AccessRequestReleased: accessRequestReleasedSchema,
  AccessRequestRefused: accessRequestRefusedSchema,
} as const;

export type AccessRequestCommand =
  | ({ type: 'FileAccessRequest' } & AccessRequestFiled)
  | ({ type: 'CheckRequesterIdentity' } & AccessRequestIdentityChecked)
  | ({ type: 'ReleaseRequestedInformation' } & AccessRequestReleased)
  | ({ type: 'RefuseAccessRequest' } & AccessRequestRefused);

export type AccessRequestStatus = 'filed' | 'released' | 'refused';

export type AccessRequest =
  | { status: 'none' }
  | {
      status: AccessRequestStatus;
      requestId: string;
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      filedAt: string | undefined;
      olderThanFiveYears: boolean;
      identityChecked: boolean;
    };

/** What the deadline rules read of a request. */
export interface AccessRequestTerms {
  filedAt: string;
  olderThanFiveYears: boolean;
  closed?: boolean;
}

export type AccessRequestWarning = 'none' | 'due-soon' | 'overdue';

export function accessRequestStreamId(organisationId: string, requestId: string): string {
  return `access-request/${encodeURIComponent(organisationId)}/${requestId}`;
}

/** The earliest and latest release of a request, and when staff start being warned. */
export function accessRequestDeadlines(terms: Pick<AccessRequestTerms, 'filedAt' | 'olderThanFiveYears'>): {
  earliestRelease: string;
  latestRelease: string;
  dueSoonFrom: string;
} {
  const filed = new Date(terms.filedAt);
  const earliest = new Date(filed.getTime() + EARLIEST_RELEASE_HOURS * 3_600_000);
  const latest = terms.olderThanFiveYears
    ? addUtcMonths(filed, LATEST_RELEASE_MONTHS_WHEN_OLD)
    : new Date(filed.getTime() + LATEST_RELEASE_DAYS * 86_400_000);
  const lead = terms.olderThanFiveYears ? DUE_SOON_HOURS.old : DUE_SOON_HOURS.recent;
  return {
    earliestRelease: earliest.toISOString(),
    latestRelease: latest.toISOString(),
    dueSoonFrom: new Date(latest.getTime() - lead * 3_600_000).toISOString(),
  };
}

/**
 * The warning a request calls for at `now`: `overdue` once past its latest release, `due-soon`
 * from `dueSoonFrom` to the latest release included, `none` before or once closed.
 */
export function accessRequestWarning(terms: AccessRequestTerms, now: Date): AccessRequestWarning {
  if (terms.closed) return 'none';
  const { latestRelease, dueSoonFrom } = accessRequestDeadlines(terms);
  const at = now.getTime();
  if (at > Date.parse(latestRelease)) return 'overdue';
  if (at >= Date.parse(dueSoonFrom)) return 'due-soon';
  return 'none';
}

/** The same day of the month `months` later, or the month's last day when it has none (31 → 30). */
function addUtcMonths(date: Date, months: number): Date {
  const target = new Date(date.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date.getUTCDate(), lastDay));
  return target;
}

export const accessRequestDecider: Decider<AccessRequestCommand, AccessRequestEvent, AccessRequest> = {
  initialState: () => ({ status: 'none' }),

  decide(command, request) {
    switch (command.type) {
      case 'FileAccessRequest': {
        if (request.status !== 'none') {
          throw new DomainRuleViolation('ACCESS_REQUEST_EXISTS', 'Cette demande d’accès est déjà enregistrée.', {
            requestId: command.requestId,
          });
        }
        const scope = command.scope.trim();
        if (scope.length === 0) {
          throw new DomainRuleViolation('ACCESS_REQUEST_SCOPE_REQUIRED', 'Précisez les informations demandées.');
        }
        const { type: _, ...data } = command;
        return { type: 'AccessRequestFiled', data: { ...data, scope } };
      }
      case 'CheckRequesterIdentity': {
        const open = requireOpen(request, command.requestId);
        if (open.identityChecked) {
          throw new DomainRuleViolation('IDENTITY_ALREADY_CHECKED', 'L’identité du demandeur a déjà été vérifiée.');
        }
        const how = command.how.trim();
        if (how.length === 0) {
          throw new DomainRuleViolation('IDENTITY_CHECK_HOW_REQUIRED', 'Dites comment l’identité a été vérifiée.');
        }
        const { type: _, ...data } = command;
        return { type: 'AccessRequestIdentityChecked', data: { ...data, how } };
      }
      case 'ReleaseRequestedInformation': {
        const open = requireOpen(request, command.requestId);
        if (!open.identityChecked) {
          throw new DomainRuleViolation(
            'IDENTITY_NOT_CHECKED',
            'L’identité du demandeur doit être vérifiée avant toute communication.',
          );
        }
        if (open.filedAt === undefined) {
          throw new DomainRuleViolation('ACCESS_REQUEST_ERASED', 'Cette demande concerne une personne oubliée.');
        }
        const { earliestRelease } = accessRequestDeadlines({
          filedAt: open.filedAt,
          olderThanFiveYears: open.olderThanFiveYears,
        });
        if (Date.parse(command.at) < Date.parse(earliestRelease)) {
          throw new DomainRuleViolation(
            'RELEASE_TOO_EARLY',
            'Les informations ne peuvent être communiquées qu’après un délai de réflexion de 48 heures.',
            { earliestRelease },
          );
        }
        if (command.releasedOn > command.at.slice(0, 10) || command.releasedOn < earliestRelease.slice(0, 10)) {
          throw new DomainRuleViolation(
            'RELEASE_DAY_INVALID',
            'Le jour de communication doit être passé, et postérieur au délai de 48 heures.',
            { releasedOn: command.releasedOn, earliestRelease },
          );
        }
        const { type: _, ...data } = command;
        return { type: 'AccessRequestReleased', data };
      }
      case 'RefuseAccessRequest': {
        requireOpen(request, command.requestId);
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation('REFUSAL_REASON_REQUIRED', 'Un refus de communication doit être motivé.');
        }
        const { type: _, ...data } = command;
        return { type: 'AccessRequestRefused', data: { ...data, reason } };
      }
    }
  },

  evolve(request, event) {
    switch (event.type) {
      case 'AccessRequestFiled': {
        if ('$erased' in event.data) {
          return {
            status: 'filed',
            requestId: '',
            serviceUserId: undefined,
            facilityId: undefined,
            filedAt: undefined,
            olderThanFiveYears: false,
            identityChecked: false,
          };
        }
        const data = event.data;
        return {
          status: 'filed',
          requestId: data.requestId,
          serviceUserId: data.serviceUserId,
          facilityId: data.facilityId,
          filedAt: data.filedAt,
          olderThanFiveYears: data.olderThanFiveYears,
          identityChecked: false,
        };
      }
      case 'AccessRequestIdentityChecked':
        return request.status === 'none' ? request : { ...request, identityChecked: true };
      case 'AccessRequestReleased':
        return request.status === 'none' ? request : { ...request, status: 'released' };
      case 'AccessRequestRefused':
        return request.status === 'none' ? request : { ...request, status: 'refused' };
    }
  },
};

function requireOpen(request: AccessRequest, requestId: string) {
  if (request.status === 'none' || (request.requestId !== '' && request.requestId !== requestId)) {
    throw new DomainRuleViolation('ACCESS_REQUEST_NOT_FOUND', 'Aucune demande d’accès sous cet identifiant.', {
      requestId,
    });
  }
  if (request.status !== 'filed') {
    throw new DomainRuleViolation('ACCESS_REQUEST_CLOSED', 'Cette demande d’accès est déjà close.', { requestId });
  }
  return request;
}
