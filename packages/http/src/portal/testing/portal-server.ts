import type { Insi } from '@dui-pds/segur-adapters';
import { ServerUnderTest } from '../../app/testing/server-under-test.js';
import type { TestClock } from '../../app/testing/test-clock.js';
import { totpCodeAt } from '../portal-credentials.js';
import type { PortalSources } from '../portal-sources.js';

/**
 * A six-digit code that no step from two before `now` to two after gives: a wrong code whatever
 * step of drift the server accepts, even once its clock has moved on a step. A fixed wrong code
 * ('000000') was one of the accepted codes about three times in a million.
 */
export function wrongTotpCodeAt(secretBase32: string, now: Date): string {
  const accepted = new Set(
    [-2, -1, 0, 1, 2].map((step) => totpCodeAt(secretBase32, new Date(now.getTime() + step * 30_000))),
  );
  let code = 0;
  while (accepted.has(String(code).padStart(6, '0'))) code += 1;
  return String(code).padStart(6, '0');
}

/**
 * The real server with a test clock and the portal's sources (designations, agenda) given by the
 * test: `startDuiServer` takes them as options; ServerUnderTest passes its services through.
 */
export function startPortalServer(clock: TestClock, portal: Partial<PortalSources>): Promise<ServerUnderTest> {
  const services: { insi?: Insi; clock?: () => Date; portal: Partial<PortalSources> } = { clock: clock.now, portal };
  return ServerUnderTest.start({}, undefined, services);
}
