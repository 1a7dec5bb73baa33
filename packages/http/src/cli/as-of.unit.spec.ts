import { expect } from 'chai';
import { InvalidArgumentError } from 'commander';
import { asOfFrom, describeAsOf, parseAsOfDate, parsePosition } from './as-of.js';

describe('the --as-of date', () => {
  const cases: [string, string][] = [
    // a bare date is the end of that day in Paris, winter (UTC+1) and summer (UTC+2)
    ['2025-03-31', '2025-03-31T21:59:59.999Z'],
    ['2025-01-15', '2025-01-15T22:59:59.999Z'],
    // the day of the change to summer time ends in summer time
    ['2025-03-30', '2025-03-30T21:59:59.999Z'],
    ['2024-02-29', '2024-02-29T22:59:59.999Z'],
    // a time without offset is Paris time
    ['2025-03-31T18:00', '2025-03-31T16:00:00.000Z'],
    ['2025-01-15 08:30:15.5', '2025-01-15T07:30:15.500Z'],
    // an offset or Z is taken as written
    ['2025-03-31T16:00:00Z', '2025-03-31T16:00:00.000Z'],
    ['2025-03-31T18:00:00+02:00', '2025-03-31T16:00:00.000Z'],
    ['2025-03-31T11:00-0500', '2025-03-31T16:00:00.000Z'],
  ];
  for (const [text, instant] of cases) {
    it(`reads ${text} as ${instant}`, () => {
      // when
      const date = parseAsOfDate(text);

      // then
      expect(date.toISOString()).to.equal(instant);
    });
  }

  it('refuses what is not an ISO 8601 date, or not on the calendar, in French', () => {
    // given
    const wrong = ['hier', '31/03/2025', '2025-02-29', '2025-13-01', '2025-03-31T25:00', '2025-03-31T10:00+15:00'];

    // when
    const errors = wrong.map((text) => {
      try {
        parseAsOfDate(text);
        return undefined;
      } catch (error) {
        return error;
      }
    });

    // then
    for (const error of errors) expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((errors[0] as Error).message).to.match(/^date ISO 8601 attendue/);
    expect((errors[2] as Error).message).to.equal('date inexistante au calendrier');
  });

  it('takes a position as a bigint and describes every as-of for JSON', () => {
    // when
    const position = asOfFrom({ position: parsePosition('9007199254740993') });
    const occurred = asOfFrom({ date: new Date('2025-03-31T16:00:00Z'), clock: 'occurred' });
    const recorded = asOfFrom({ date: new Date('2025-03-31T16:00:00Z') });

    // then
    expect(position).to.deep.equal({ position: 9007199254740993n });
    expect(describeAsOf(position!)).to.deep.equal({ position: '9007199254740993' });
    expect(describeAsOf(occurred!)).to.deep.equal({ occurredAt: '2025-03-31T16:00:00.000Z' });
    expect(describeAsOf(recorded!)).to.deep.equal({ recordedAt: '2025-03-31T16:00:00.000Z' });
    expect(() => parsePosition('-1')).to.throw(InvalidArgumentError);
  });
});
