import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEvents, uniqueOrganisationId } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { CliDatabase, duiCommand, REPOSITORY_ROOT } from './testing/cli-under-test.js';

describe('dui migrate and dui projections', function () {
  this.timeout(120_000);
  let database: CliDatabase;

  beforeEach(() => {
    database = new CliDatabase();
  });
  afterEach(() => database.drop());

  async function appendEvents(count: number): Promise<void> {
    const opened = await database.open();
    try {
      await opened.store.appendToStream('dossier-a', testEvents(uniqueOrganisationId(), count));
    } finally {
      await opened.close();
    }
  }

  it("migrates the event store, the registry, the first builds and the server's tables, then finds nothing left to do", async () => {
    // given an empty schema

    // when
    const first = await database.run(['migrate']);
    const second = await database.run(['migrate']);

    // then
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.include(`Base : PostgreSQL, schéma « ${database.schema} »`);
    expect(first.stdout).to.match(/Magasin d’événements : \d+ étape\(s\) appliquée\(s\) : 0001_event_store_tables/);
    expect(first.stdout).to.include('Registre des projections : 1 étape(s) appliquée(s) : 0001_projection_builds');
    expect(first.stdout).to.include(
      `Projection activity_journal v1 : premier build créé (${database.schema}_activity_journal__v1), à jour`,
    );
    expect(first.stdout).to.include(
      'Sessions : 1 étape(s) appliquée(s) : 0001_sessions ; clés d’idempotence : 1 étape(s) appliquée(s) : 0001_idempotency_keys',
    );
    expect(second.code, second.stderr).to.equal(0);
    expect(second.stdout).to.match(/Magasin d’événements : déjà à jour/);
    expect(second.stdout).to.match(
      /Sessions : déjà à jour \(1 étape\(s\) en place\) ; clés d’idempotence : déjà à jour/,
    );
    const opened = await database.open();
    try {
      const { rows } = await opened.knex.raw('select to_regclass(?) is not null as created', [
        `${database.schema}.reporting_relay_cursors`,
      ]);
      expect(rows[0].created, 'the reporting relay cursors table').to.equal(true);
    } finally {
      await opened.close();
    }
    expect(second.stdout).to.include(`build actif ${database.schema}_activity_journal__v1, à jour`);
  });

  it('lists a projection behind the log, rebuilds it, and then reports it caught up', async () => {
    // given a migrated store and events its projection has not seen
    expect((await database.run(['migrate'])).code).to.equal(0);
    await appendEvents(12);

    // when
    const before = await database.run(['projections', 'list']);
    const rebuild = await database.run(['projections', 'rebuild', 'activity_journal']);
    const status = await database.run(['projections', 'status', '--json']);
    const statusText = await database.run(['projections', 'status']);

    // then
    expect(before.code, before.stderr).to.equal(0);
    expect(before.stdout).to.match(/activity_journal\s+1\s+\S+activity_journal__v1\s+en retard de 12 événement\(s\)/);
    expect(rebuild.code, rebuild.stderr).to.equal(0);
    expect(rebuild.stdout).to.match(/^Projection activity_journal reconstruite : build \S+ actif, 12 événement\(s\)/);
    expect(status.code, status.stderr).to.equal(0);
    const [journal] = JSON.parse(status.stdout);
    expect(journal).to.deep.include({ name: 'activity_journal', state: 'à jour', behindEvents: 0, behindSeconds: 0 });
    expect(journal.active).to.include({ eventsDone: 12, state: 'active' });
    expect(journal.building).to.deep.equal([]);
    expect(statusText.stdout).to.match(/état\s+à jour/);
    expect(statusText.stdout).to.match(/retard\s+0 événement\(s\), 0 s/);
  });

  it('refuses an unknown projection with a French message and exit code 2', async () => {
    // when
    const run = await database.run(['projections', 'rebuild', 'journal_inconnu']);

    // then
    expect(run.code).to.equal(2);
    expect(run.stderr).to.equal(
      'erreur : projection inconnue : « journal_inconnu » (projections connues : activity_journal, access_requests, accompaniment_exits, acts, agendas, attendance, care_teams, clinical_observations, directory, documents, exchanges, freedom_of_movement, habilitations, handovers, infectious_waste, personalised_projects, pharmacy, portal_accounts, prescriptions, psychology, record_notes, record_retention, reporting_outbox, secure_messaging, service_users, social_benefits, stay_contracts, summary_sheets, trusted_persons, usage_profiles, visits, waiting_list)\n',
    );
  });

  it('refuses to start a worker on a Redis it cannot reach, in French, with exit code 3', async () => {
    // given a migrated store and a REDIS_URL where nothing listens
    expect((await database.run(['migrate'])).code).to.equal(0);

    // when a worker is started
    const run = await database.run(['projections', 'run'], { REDIS_URL: 'redis://127.0.0.1:1' });

    // then it stops at once rather than queue its leases' commands for a Redis that may never come
    expect(run.code).to.equal(3);
    expect(run.stderr).to.equal('erreur : impossible de joindre Redis (REDIS_URL) : ECONNREFUSED\n');
  });

  it('runs as a worker that keeps the projections current until SIGTERM, woken through Redis', async () => {
    // given a worker started on a migrated store
    expect((await database.run(['migrate'])).code).to.equal(0);
    const [node, ...dui] = duiCommand();
    const worker = spawn(node!, [...dui, 'projections', 'run'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...database.env, REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    let stdout = '';
    let stderr = '';
    worker.stdout.on('data', (chunk) => (stdout += chunk));
    worker.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    try {
      await until(
        () => stderr.includes('Ctrl-C pour arrêter'),
        () => `the worker did not start: ${stderr}`,
      );

      // when events are appended
      await appendEvents(7);

      // then it applies them, and stops cleanly on SIGTERM
      await until(
        async () => (await database.run(['projections', 'status', '--json'])).stdout.includes('"eventsDone": 7'),
        () => `the worker applied nothing: ${stderr}`,
      );
      worker.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(stdout).to.equal('Arrêté.\n');
      expect(stderr).to.include('réveils et baux Redis');
    } finally {
      worker.kill('SIGKILL');
    }
  });
});

async function until(condition: () => boolean | Promise<boolean>, message: () => string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message());
    await sleep(100);
  }
}
