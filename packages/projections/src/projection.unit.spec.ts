import { expect } from 'chai';
import fc from 'fast-check';
import { handles } from './projection.js';
import { recordRetentionProjection } from './record-retention/record-retention-projection.js';

describe('which events a projection handles', () => {
  it('is a list, every type, or every type but a list', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string()), (type, listed) => {
        expect(handles({ handles: 'all' }, { type })).to.equal(true);
        expect(handles({ handles: listed }, { type })).to.equal(listed.includes(type));
        expect(handles({ handles: { allBut: listed } }, { type })).to.equal(!listed.includes(type));
      }),
    );
  });

  it('leaves to the retention of records the contacts, its own decisions and destructions, not the reads', () => {
    for (const type of [
      'HandoverRecorded',
      'PresenceRecorded',
      'RecordArchived',
      'LegalHoldPlaced',
      'RecordDestroyed',
    ]) {
      expect(handles(recordRetentionProjection, { type }), type).to.equal(true);
    }
    expect(handles(recordRetentionProjection, { type: 'RecordRead' })).to.equal(false);
  });
});
