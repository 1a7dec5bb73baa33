import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isErased } from '@dui-pds/eventstore';
import { main } from './handover-log.js';

const run = promisify(execFile);

describe('the handover log example', function () {
  // PGlite initialises a fresh data directory in several seconds.
  this.timeout(120_000);
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dui-example-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('records and corrects a handover, answers the retry idempotently, verifies the chain, and erases the usager', async () => {
    // given
    const lines: string[] = [];

    // when
    const outcome = await main({ dataDir, print: (line) => lines.push(line) });

    // then
    assert.deepEqual(
      outcome.history.map((event) => [event.streamRevision, event.type, event.metadata.serviceUserId]),
      [
        [0, 'HandoverRecorded', outcome.serviceUserId],
        [1, 'HandoverCorrected', outcome.serviceUserId],
      ],
    );
    assert.match(JSON.stringify(outcome.history[1]?.data), /Rendez-vous pris demain/);
    assert.equal(outcome.retryWasIdempotent, true);
    assert.deepEqual(outcome.integrity, { ok: true, streamsChecked: 1, eventsChecked: 2 });
    assert.equal(outcome.erasedOnRead, true);
    assert.deepEqual(outcome.integrityAfterForget, outcome.integrity);
    assert.ok(lines.some((line) => line.includes('retried the first command: nothing appended, same answer')));
    assert.ok(lines.some((line) => line.includes('hash chain after forgetting: verified (2 events in 1 stream)')));
  });

  it('runs as the examples package’s start script (`pnpm example`), keeps its data in DUI_DATA_DIR, and finds it there on the next run', async () => {
    // given
    const env = { ...process.env, DUI_DATA_DIR: dataDir, DUI_MASTER_KEY: '' };

    // when
    const first = await run('pnpm', ['--filter', '@dui-pds/examples', 'start'], { env });
    const second = await main({ dataDir, print: () => undefined });

    // then
    assert.match(first.stdout, /retried the first command: nothing appended, same answer/);
    assert.match(first.stdout, /forgot the usager: the handover now reads as erased/);
    assert.ok((await stat(join(dataDir, 'pglite'))).isDirectory(), 'PGlite wrote to DUI_DATA_DIR');
    assert.deepEqual(second.integrity, { ok: true, streamsChecked: 2, eventsChecked: 4 }, 'the first run persisted');
    assert.ok(
      second.history.every((event) => !isErased(event.data)),
      'another usager, still remembered before forget',
    );
  });
});
