/** Noon in Paris on a day, whatever the season: the same day in UTC and in Paris. */
export const noonOn = (day: string): number => Date.parse(`${day}T11:00:00Z`);

/**
 * A clock the test moves, given to the server under test: one-time codes, deadlines, sessions and
 * the days of appointments and retention read it, so that time passes when the test says.
 */
export class TestClock {
  constructor(private at: number) {}
  readonly now = (): Date => new Date(this.at);
  advance(ms: number): void {
    this.at += ms;
  }
}
