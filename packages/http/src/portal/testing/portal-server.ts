import type { Insi } from '@dui-pds/segur-adapters';
import { ServerUnderTest } from '../../app/testing/server-under-test.js';
import { totpCodeAt } from '../portal-credentials.js';
import type { PortalSources } from '../portal-sources.js';

/** Noon in Paris on a day, whatever the season: the same day in UTC and in Paris. */
export const noonOn = (day: string): number => Date.parse(`${day}T11:00:00Z`);

/** A clock the test moves: the portal's one-time codes, deadlines and sessions all read it. */
export class TestClock {
  constructor(private at: number) {}
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
}

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
