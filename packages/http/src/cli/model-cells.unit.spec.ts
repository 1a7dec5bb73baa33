import { expect } from 'chai';
import { cellOf, csvText } from './model-cells.js';

describe('cells of a replayed model', () => {
  it('writes instants in UTC, 64-bit integers as text, and nothing for null', () => {
    // when
    const cells = [
      cellOf(new Date('2024-03-01T10:00:00+01:00'), { name: 'at', dataType: 'timestamp with time zone' }),
      cellOf('9007199254740993', { name: 'position', dataType: 'bigint' }),
      cellOf(42, { name: 'position', dataType: 'bigint' }),
      cellOf(7, { name: 'events', dataType: 'integer' }),
      cellOf(null, { name: 'facility', dataType: 'text' }),
    ];

    // then
    expect(cells).to.deep.equal(['2024-03-01T09:00:00.000Z', '9007199254740993', '42', 7, null]);
    expect(cells.map(csvText)).to.deep.equal(['2024-03-01T09:00:00.000Z', '9007199254740993', '42', '7', '']);
    expect(csvText({ a: 1 })).to.equal('{"a":1}');
  });
});
