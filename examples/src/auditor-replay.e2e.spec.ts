import { expect } from 'chai';
import { main } from './auditor-replay.js';

describe('the auditor example', () => {
  it('replays the register as of 31 March on both clocks', async () => {
    // when the auditor's program runs
    const lines: string[] = [];
    const outcome = await main({ print: (line) => lines.push(line) });

    // then by business date the late March entry is in, as recorded at the time it is not
    const handovers = (rows: Record<string, unknown>[]) => rows.map((row) => row.handover);
    expect(handovers(outcome.byBusinessDate)).to.deep.equal(['handover-1', 'handover-2', 'handover-4']);
    expect(handovers(outcome.byRecordingDate)).to.deep.equal(['handover-1', 'handover-2']);
    expect(handovers(outcome.today)).to.have.length(4);
    expect(lines.join('\n')).to.include('handover-4');
  });
});
