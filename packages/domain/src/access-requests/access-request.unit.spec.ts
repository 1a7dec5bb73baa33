import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type AccessRequestEvent,
  type AccessRequestFiled,
  accessRequestDeadlines,
  accessRequestDecider,
  accessRequestEventSchemas,
  accessRequestStreamId,
  accessRequestWarning,
} from './access-request.js';

const spec = DeciderSpecification.for(accessRequestDecider);
const requestId = '0195f0a0-0000-7000-8000-0000000000a1';
const filed: AccessRequestFiled = {
  requestId,
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  filedBy: 'service-user',
  filerId: 'account-1',
  scope: 'Mon dossier médical complet',
  olderThanFiveYears: false,
  filedAt: '2026-03-02T09:00:00.000Z',
};
const filedEvent: AccessRequestEvent = { type: 'AccessRequestFiled', data: filed };
const checkedData = {
  requestId,
  how: 'pièce d’identité présentée',
  checkedBy: 'pro-1',
  at: '2026-03-02T10:00:00.000Z',
};
const checked: AccessRequestEvent = { type: 'AccessRequestIdentityChecked', data: checkedData };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2000 to 2060, to the millisecond. */
const anyInstant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 11, 31) });

/** Two calendar months later, counted on the calendar fields, independently of the rule under test. */
function twoMonthsLater(ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear() + Math.floor((d.getUTCMonth() + 2) / 12);
  const month = (d.getUTCMonth() + 2) % 12;
  const daysInMonth = [
    31,
    (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ][month] as number;
  return Date.UTC(
    year,
    month,
    Math.min(d.getUTCDate(), daysInMonth),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

describe('an access request to the record (L.1111-7 CSP)', () => {
  it('files a request, its scope trimmed, once', () => {
    spec
      .given([])
      .when({ type: 'FileAccessRequest', ...filed, scope: '  Mon dossier médical complet ' })
      .thenEmits([filedEvent]);
    spec
      .given([filedEvent])
      .when({ type: 'FileAccessRequest', ...filed })
      .thenRefuses(refusedWith('ACCESS_REQUEST_EXISTS'));
    spec
      .given([])
      .when({ type: 'FileAccessRequest', ...filed, scope: ' ' })
      .thenRefuses(refusedWith('ACCESS_REQUEST_SCOPE_REQUIRED'));
  });

  it('releases only once the identity is checked and 48 hours have passed', () => {
    const release = {
      type: 'ReleaseRequestedInformation' as const,
      requestId,
      releasedOn: '2026-03-04',
      method: 'handed-over' as const,
      releasedBy: 'pro-1',
      at: '2026-03-04T09:00:00.000Z',
    };
    spec.given([filedEvent]).when(release).thenRefuses(refusedWith('IDENTITY_NOT_CHECKED'));
    spec
      .given([filedEvent, checked])
      .when({ ...release, at: '2026-03-04T08:59:59.999Z' })
      .thenRefuses(refusedWith('RELEASE_TOO_EARLY'));
    const { type: _, ...data } = release;
    spec
      .given([filedEvent, checked])
      .when(release)
      .thenEmits([{ type: 'AccessRequestReleased', data }]);
    spec
      .given([filedEvent, checked])
      .when({ ...release, releasedOn: '2026-03-05' })
      .thenRefuses(refusedWith('RELEASE_DAY_INVALID'));
    spec
      .given([filedEvent, checked, { type: 'AccessRequestReleased', data }])
      .when(release)
      .thenRefuses(refusedWith('ACCESS_REQUEST_CLOSED'));
  });

  it('checks the identity once, with how', () => {
    spec
      .given([filedEvent])
      .when({ type: 'CheckRequesterIdentity', ...checkedData, how: ' pièce d’identité présentée ' })
      .thenEmits([checked]);
    spec
      .given([filedEvent, checked])
      .when({ type: 'CheckRequesterIdentity', requestId, how: 'carte', checkedBy: 'pro-1', at: filed.filedAt })
      .thenRefuses(refusedWith('IDENTITY_ALREADY_CHECKED'));
    spec
      .given([filedEvent])
      .when({ type: 'CheckRequesterIdentity', requestId, how: ' ', checkedBy: 'pro-1', at: filed.filedAt })
      .thenRefuses(refusedWith('IDENTITY_CHECK_HOW_REQUIRED'));
  });

  it('refuses with a reason only, and never an unknown request', () => {
    const refuse = {
      type: 'RefuseAccessRequest' as const,
      requestId,
      reason: ' demandeur non habilité ',
      refusedBy: 'pro-1',
      at: filed.filedAt,
    };
    spec
      .given([filedEvent])
      .when(refuse)
      .thenEmits([
        {
          type: 'AccessRequestRefused',
          data: { requestId, reason: 'demandeur non habilité', refusedBy: 'pro-1', at: filed.filedAt },
        },
      ]);
    spec
      .given([filedEvent])
      .when({ ...refuse, reason: '  ' })
      .thenRefuses(refusedWith('REFUSAL_REASON_REQUIRED'));
    spec.given([]).when(refuse).thenRefuses(refusedWith('ACCESS_REQUEST_NOT_FOUND'));
  });

  it('emits events that match their schemas, in one stream per request', () => {
    accessRequestEventSchemas.AccessRequestFiled.parse(filed);
    accessRequestEventSchemas.AccessRequestIdentityChecked.parse(checkedData);
    assert.equal(accessRequestStreamId('og/1', requestId), `access-request/og%2F1/${requestId}`);
  });

  describe('the legal deadlines, with an injected clock', () => {
    it('counts 48 hours, 8 days, or 2 calendar months for information over 5 years old', () => {
      assert.deepEqual(accessRequestDeadlines(filed), {
        earliestRelease: '2026-03-04T09:00:00.000Z',
        latestRelease: '2026-03-10T09:00:00.000Z',
        dueSoonFrom: '2026-03-08T09:00:00.000Z',
      });
      assert.equal(
        accessRequestDeadlines({ filedAt: '2025-12-31T10:00:00.000Z', olderThanFiveYears: true }).latestRelease,
        '2026-02-28T10:00:00.000Z',
      );
      assert.equal(accessRequestWarning(filed, new Date('2026-03-08T08:59:59.999Z')), 'none');
      assert.equal(accessRequestWarning(filed, new Date('2026-03-08T09:00:00.000Z')), 'due-soon');
      assert.equal(accessRequestWarning(filed, new Date('2026-03-10T09:00:00.000Z')), 'due-soon');
      assert.equal(accessRequestWarning(filed, new Date('2026-03-10T09:00:00.001Z')), 'overdue');
      assert.equal(accessRequestWarning({ ...filed, closed: true }, new Date('2027-01-01T00:00:00Z')), 'none');
    });

    it('warns exactly when the rule says: due soon in the last 48 h (14 days when old), overdue after', () => {
      fc.assert(
        fc.property(
          anyInstant,
          fc.boolean(),
          fc.integer({ min: -5 * DAY, max: 90 * DAY }),
          fc.boolean(),
          (filedMs, old, offset, closed) => {
            const now = new Date(filedMs + offset);
            const latest = old ? twoMonthsLater(filedMs) : filedMs + 8 * DAY;
            const dueSoon = latest - (old ? 14 * DAY : 48 * HOUR);
            const expected = closed
              ? 'none'
              : now.getTime() > latest
                ? 'overdue'
                : now.getTime() >= dueSoon
                  ? 'due-soon'
                  : 'none';
            const terms = { filedAt: new Date(filedMs).toISOString(), olderThanFiveYears: old, closed };
            assert.equal(accessRequestWarning(terms, now), expected);
            // never a warning in the first 48 hours, when nothing may be released yet
            if (offset < 48 * HOUR) assert.equal(accessRequestWarning(terms, now), 'none');
          },
        ),
        { numRuns: 2_000 },
      );
    });

    it('accepts a release exactly from 48 hours after the request', () => {
      fc.assert(
        fc.property(anyInstant, fc.integer({ min: 0, max: 10 * DAY }), (filedMs, offset) => {
          const filedAt = new Date(filedMs).toISOString();
          const at = new Date(filedMs + offset).toISOString();
          const events: AccessRequestEvent[] = [
            { type: 'AccessRequestFiled', data: { ...filed, filedAt } },
            { type: 'AccessRequestIdentityChecked', data: { ...checkedData, at: filedAt } },
          ];
          const release = {
            type: 'ReleaseRequestedInformation' as const,
            requestId,
            releasedOn: at.slice(0, 10),
            method: 'portal' as const,
            releasedBy: 'pro-1',
            at,
          };
          const { type: _, ...released } = release;
          if (offset >= 48 * HOUR)
            spec
              .given(events)
              .when(release)
              .thenEmits([{ type: 'AccessRequestReleased', data: released }]);
          else spec.given(events).when(release).thenRefuses(refusedWith('RELEASE_TOO_EARLY'));
        }),
        { numRuns: 1_000 },
      );
    });
  });
});
