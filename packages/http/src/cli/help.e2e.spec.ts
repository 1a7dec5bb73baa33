import { expect } from 'chai';
import { spawnDui } from './testing/cli-under-test.js';

/** What the operator reads first: every command documents its options, in French. */
describe('dui --help', function () {
  this.timeout(120_000);
  const noDatabase = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };

  it('runs through `pnpm dui --help`, as the README says, and lists the commands and global options', async () => {
    // given the command line of the README

    // when
    const run = await spawnDui(['--help'], noDatabase, ['pnpm', 'dui']);

    // then
    expect(run.code).to.equal(0);
    for (const text of ['Utilisation : dui', 'migrate', 'verify', 'anchor', 'projections', 'replay', 'export-stream']) {
      expect(run.stdout).to.include(text);
    }
    for (const text of ['--database-url <url>', '--schema <nom>', 'DUI_MASTER_KEY', 'Codes de sortie']) {
      expect(run.stdout).to.include(text);
    }
  });

  const commands: [string[], string[]][] = [
    [['migrate'], ['Crée ou met à jour']],
    [['verify'], ['--stream <flux>', '--anchor <fichier>']],
    [['anchor'], ['--out <fichier>', 'hors de la base']],
    [['projections'], ['list', 'status', 'rebuild']],
    [['projections', 'list'], ['--json']],
    [['projections', 'status'], ['--json']],
    [['projections', 'rebuild'], ['<nom>']],
    [
      ['replay'],
      [
        '--projection <nom>',
        '--as-of <date>',
        '--clock <horloge>',
        '--position <position>',
        '--out <fichier>',
        '--table <table>',
      ],
    ],
    [['export-stream'], ['<flux>', '--out <fichier>']],
    [['keys'], ['rewrap']],
    [['keys', 'rewrap'], ['DUI_PREVIOUS_MASTER_KEYS']],
  ];
  for (const [command, options] of commands) {
    it(`documents the options of dui ${command.join(' ')}`, async () => {
      // given no database at all: help needs none

      // when
      const run = await spawnDui([...command, '--help'], noDatabase);

      // then
      expect(run.code).to.equal(0);
      expect(run.stdout).to.include(`Utilisation : dui ${command.join(' ')}`);
      for (const option of [...options, '--database-url <url>', '--schema <nom>', 'Options globales :']) {
        expect(run.stdout).to.include(option);
      }
    });
  }

  it('refuses an unknown command or option in French, with exit code 2', async () => {
    // when
    const command = await spawnDui(['verfy'], noDatabase);
    const option = await spawnDui(['verify', '--bogus'], noDatabase);

    // then
    expect(command.code).to.equal(2);
    expect(command.stderr).to.equal('erreur : commande inconnue « verfy » (vouliez-vous dire verify ?)\n');
    expect(option.code).to.equal(2);
    expect(option.stderr).to.equal('erreur : option inconnue « --bogus »\n');
  });

  it('names every wrong setting of the environment, without repeating secrets, with exit code 2', async () => {
    // given
    const env = {
      DATABASE_URL: 'mysql://root:secret@db/dui',
      DUI_SCHEMA: 'Bad-Schema',
      DUI_MASTER_KEY: 'c2VjcmV0',
      REDIS_URL: 'http://cache',
    };

    // when
    const run = await spawnDui(['verify'], env);

    // then
    expect(run.code).to.equal(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).to.have.length(4);
    expect(lines[0]).to.match(/^erreur : configuration : DATABASE_URL doit être une URL PostgreSQL/);
    expect(lines[1]).to.match(/^erreur : configuration : DUI_SCHEMA doit être un nom de schéma/);
    expect(lines[2]).to.match(/^erreur : configuration : DUI_MASTER_KEY doit encoder 32 octets/);
    expect(lines[3]).to.match(/^erreur : configuration : REDIS_URL doit être une URL Redis/);
    expect(run.stderr).not.to.include('secret');
    expect(run.stderr).not.to.include('c2VjcmV0');
  });

  it('says in one French line that the database cannot be reached, with exit code 3 and no stack trace', async () => {
    // when
    const run = await spawnDui(['verify'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });

    // then
    expect(run.code).to.equal(3);
    expect(run.stderr).to.equal(
      'erreur : impossible de joindre la base de données : connexion refusée (ECONNREFUSED)\n',
    );
    expect(run.stdout).to.equal('');
  });
});
