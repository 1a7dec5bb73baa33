import { expect } from 'chai';
import fc from 'fast-check';
import { hl7Day, hl7Instant, instantOfXdsTime, xdsTime } from './hl7-time.js';

describe('HL7 instants: CDA in Paris time with its offset, XDS in UTC', () => {
  it('writes a winter instant at +0100 and a summer one at +0200', () => {
    expect(hl7Instant(new Date('2024-01-15T08:30:05Z'))).to.equal('20240115093005+0100');
    expect(hl7Instant(new Date('2024-07-01T08:15:00Z'))).to.equal('20240701101500+0200');
  });

  it('writes the last second before the change to summer time with the winter offset', () => {
    expect(hl7Instant(new Date('2024-03-31T00:59:59Z'))).to.equal('20240331015959+0100');
    expect(hl7Instant(new Date('2024-03-31T01:00:00Z'))).to.equal('20240331030000+0200');
  });

  it('writes a birth day as YYYYMMDD', () => {
    expect(hl7Day('1979-03-28')).to.equal('19790328');
  });

  it('writes and reads back XDS DTM at the second', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true }),
        (date) => {
          const second = new Date(Math.floor(date.getTime() / 1000) * 1000);
          expect(xdsTime(date)).to.match(/^\d{14}$/);
          expect(instantOfXdsTime(xdsTime(date))?.getTime()).to.equal(second.getTime());
        },
      ),
    );
  });

  it('reads a DTM of fewer digits, and nothing from what is not one', () => {
    expect(instantOfXdsTime('2024')?.toISOString()).to.equal('2024-01-01T00:00:00.000Z');
    expect(instantOfXdsTime('20240701')?.toISOString()).to.equal('2024-07-01T00:00:00.000Z');
    expect(instantOfXdsTime('2024-07-01')).to.equal(undefined);
    expect(instantOfXdsTime('20241301')).to.equal(undefined);
  });
});
