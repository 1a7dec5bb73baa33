import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEvent, uniqueOrganisationId } from '@dui-pds/eventstore/testing';
import { type AsOf, ProjectionRuntime } from '@dui-pds/projections';
import { expect } from 'chai';
import { projectionCatalogue } from '../projection-catalogue.js';
import { CliDatabase } from './testing/cli-under-test.js';

describe('dui replay', function () {
  this.timeout(120_000);
  let database: CliDatabase;
  let directory: string;
  let between: Date;
  let firstPosition: bigint;
  const organisation = uniqueOrganisationId();

  beforeEach(async () => {
    database = new CliDatabase();
    directory = await mkdtemp(join(tmpdir(), 'dui-replay-'));
    expect((await database.run(['migrate'])).code).to.equal(0);
    const opened = await database.open();
    try {
      // acts of 1 and 2 March (Paris), recorded before `between`; acts of 3 March recorded after
      const occurred = ['2024-03-01T09:00:00+01:00', '2024-03-01T23:30:00+01:00', '2024-03-02T12:00:00+01:00'];
      const first = await opened.store.appendToStream(
        'dossier-a',
        occurred.map((occurredAt) => testEvent(organisation, { metadata: { occurredAt, facilityId: '750000001' } })),
      );
      firstPosition = first.lastGlobalPosition;
      await sleep(20);
      between = new Date();
      await sleep(20);
      await opened.store.appendToStream('dossier-b', [
        testEvent(organisation, { type: 'AdmissionPrononcee', metadata: { occurredAt: '2024-03-03T10:00:00+01:00' } }),
        testEvent(organisation, { type: 'AdmissionPrononcee', metadata: { occurredAt: '2024-03-03T11:00:00+01:00' } }),
      ]);
    } finally {
      await opened.close();
    }
  });
  afterEach(async () => {
    await database.drop();
    await rm(directory, { recursive: true, force: true });
  });

  /** The model as the library replays it, with days written as days. */
  async function libraryRows(asOf: AsOf): Promise<Record<string, unknown>[]> {
    const opened = await database.open();
    const runtime = new ProjectionRuntime({
      knex: opened.knex,
      store: opened.store,
      schema: database.schema,
      projections: projectionCatalogue,
    });
    try {
      const model = await runtime.replay('activity_journal', asOf);
      try {
        return await model.rows('daily_activity');
      } finally {
        await model.dispose();
      }
    } finally {
      await runtime.close();
      await opened.close();
    }
  }

  it('writes the model as of the end of a Paris day on the business clock to JSON, as the library replays it', async () => {
    // given the end of 1 March in Paris, 23:59:59.999 CET
    const out = join(directory, 'journal.json');

    // when
    const run = await database.run([
      'replay',
      '--projection',
      'activity_journal',
      '--as-of',
      '2024-03-01',
      '--clock',
      'occurred',
      '--out',
      out,
    ]);

    // then
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/rejouée \(2 événement\(s\) appliqué\(s\)\) : 1 ligne\(s\) de daily_activity/);
    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(written).to.deep.include({
      projection: 'activity_journal',
      version: 1,
      asOf: { occurredAt: '2024-03-01T22:59:59.999Z' },
      eventsApplied: 2,
    });
    const expected = await libraryRows({ occurredAt: new Date('2024-03-01T22:59:59.999Z') });
    expect(written.tables).to.deep.equal({ daily_activity: expected });
    expect(expected).to.deep.equal([
      {
        organisation_id: organisation,
        facility_id: '750000001',
        day: '2024-03-01',
        event_type: 'ConformanceFactRecorded',
        events: 2,
      },
    ]);
  });

  it('writes the model as of a recording instant to CSV, one line per row after the header', async () => {
    // given
    const out = join(directory, 'journal.csv');

    // when
    const run = await database.run([
      'replay',
      '--projection',
      'activity_journal',
      '--as-of',
      between.toISOString(),
      '--out',
      out,
    ]);

    // then
    expect(run.code, run.stderr).to.equal(0);
    const expected = await libraryRows({ recordedAt: between });
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).to.equal('organisation_id,facility_id,day,event_type,events');
    expect(lines.slice(1)).to.deep.equal(
      expected.map((row) => [row.organisation_id, row.facility_id, row.day, row.event_type, row.events].join(',')),
    );
    expect(lines.slice(1)).to.deep.equal([
      `${organisation},750000001,2024-03-01,ConformanceFactRecorded,2`,
      `${organisation},750000001,2024-03-02,ConformanceFactRecorded,1`,
    ]);
  });

  it('replays up to a global position, and refuses a position the log does not hold with exit code 2', async () => {
    // given
    const out = join(directory, 'position.json');
    const missing = join(directory, 'missing.json');

    // when
    const run = await database.run([
      'replay',
      '--projection',
      'activity_journal',
      '--position',
      String(firstPosition),
      '--out',
      out,
    ]);
    const refused = await database.run([
      'replay',
      '--projection',
      'activity_journal',
      '--position',
      '999999',
      '--out',
      missing,
    ]);

    // then
    expect(run.code, run.stderr).to.equal(0);
    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(written.asOf).to.deep.equal({ position: String(firstPosition) });
    expect(written.tables.daily_activity).to.deep.equal(await libraryRows({ position: firstPosition }));
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.equal('erreur : aucun événement à la position globale 999999 dans le journal\n');
    await stat(missing).then(
      () => expect.fail('no file is left behind by a failed replay'),
      () => undefined,
    );
  });

  it('refuses, with exit code 2, an as-of given twice, an unknown table and an unknown file type', async () => {
    // given
    const out = join(directory, 'x.json');
    const base = ['replay', '--projection', 'activity_journal', '--out'];

    // when
    const both = await database.run([...base, out, '--as-of', '2024-03-01', '--position', '1']);
    const table = await database.run([...base, out, '--as-of', '2024-03-01', '--table', 'registre']);
    const type = await database.run([...base, join(directory, 'x.xlsx'), '--as-of', '2024-03-01']);
    const date = await database.run([...base, out, '--as-of', '2024-02-30']);

    // then
    expect([both.code, table.code, type.code, date.code]).to.deep.equal([2, 2, 2, 2]);
    expect(both.stderr).to.equal('erreur : indiquez --as-of ou --position, pas les deux\n');
    expect(table.stderr).to.equal(
      'erreur : la projection activity_journal n’a pas de table « registre » (tables : daily_activity)\n',
    );
    expect(type.stderr).to.match(/^erreur : --out : le fichier doit finir par \.json ou \.csv/);
    expect(date.stderr).to.equal(
      'erreur : valeur invalide pour l’option --as-of <date> : date inexistante au calendrier\n',
    );
    expect(await database.schemas()).not.to.satisfy((names: string[]) =>
      names.some((name) => name.includes('__replay_')),
    );
  });
});
