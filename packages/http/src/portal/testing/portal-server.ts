import type { Insi } from '@dui-pds/segur-adapters';
import { ServerUnderTest } from '../../app/testing/server-under-test.js';
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
 * The real server with a test clock and the portal's sources (designations, agenda) given by the
 * test: `startDuiServer` takes them as options; ServerUnderTest passes its services through.
 */
export function startPortalServer(clock: TestClock, portal: Partial<PortalSources>): Promise<ServerUnderTest> {
  const services: { insi?: Insi; clock?: () => Date; portal: Partial<PortalSources> } = { clock: clock.now, portal };
  return ServerUnderTest.start({}, undefined, services);
}
