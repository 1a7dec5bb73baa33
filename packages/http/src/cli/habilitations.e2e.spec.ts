import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { habilitationsStreamId } from '@dui-pds/domain';
import { TEST_DATABASE_URL, uniqueSchema } from '@dui-pds/eventstore/testing';
import { expect } from 'chai';
import { ServerUnderTest } from '../app/testing/server-under-test.js';
import { projectionCatalogue } from '../projection-catalogue.js';
import { runCli } from './run-cli.js';

const ORG = 'og-first-start';
const CSAPA = '750000001';

/**
 * An organisation's first day in production: no one holds a role, so no one can grant one in the
 * application. The operator grants its first administrator from the command line; that
 * administrator grants the others from the next request.
 */
describe('dui habilitations: the first administrator of an organisation', function () {
  this.timeout(120_000);
  const masterKey = randomBytes(32).toString('base64');
  const schema = uniqueSchema('habil');
  let app: ServerUnderTest;
  let firstAdministrator: string;

  before(async () => {
    app = await ServerUnderTest.start({}, { schema, masterKey });
    firstAdministrator = await app.loginAs('pro-first-admin');
  });
  after(() => app?.close());

  const dui = async (args: string[]) => {
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    let [out, err] = ['', ''];
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await runCli(['node', 'dui', ...args], {
      env: { DATABASE_URL: TEST_DATABASE_URL, DUI_SCHEMA: schema, DUI_MASTER_KEY: masterKey, REDIS_URL: '' },
      stdout,
      stderr,
      catalogue: projectionCatalogue,
    });
    return { code, stdout: out, stderr: err };
  };
  const roleArguments = (role: string, professional = 'pro-first-admin') => [
    role,
    '--organisation',
    ORG,
    '--facility',
    CSAPA,
    '--professional',
    professional,
    '--operator',
    'jdupont',
  ];
  const grantNurseInTheApplication = () =>
    app.request('POST', `/organisations/${ORG}/habilitations/role-grants`, {
      as: firstAdministrator,
      body: { professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
    });
  const habilitationEvents = () => app.server.store.readStream(habilitationsStreamId(ORG));

  it('grants the first administrator, who then grants the others in the application', async () => {
    // given an organisation where no one holds a role
    const beforeAnyRole = await grantNurseInTheApplication();

    // when the operator grants its first administrator, then asks again
    const granted = await dui(['habilitations', 'grant', ...roleArguments('administrator')]);
    const again = await dui(['habilitations', 'grant', ...roleArguments('administrator')]);
    const byTheAdministrator = await grantNurseInTheApplication();

    // then the application refused the grant before, and takes it after, from the same session
    expect(beforeAnyRole.status).to.equal(403);
    expect(granted, granted.stderr).to.deep.include({ code: 0 });
    expect(granted.stdout).to.include(
      `Rôle « administrateur » attribué à pro-first-admin dans l’ESSMS ${CSAPA} de l’organisme « ${ORG} »`,
    );
    expect(again.code).to.equal(0);
    expect(again.stdout).to.include('a déjà le rôle « administrateur »').and.include('rien n’est écrit');
    expect(byTheAdministrator.status, JSON.stringify(byTheAdministrator.body)).to.equal(200);
    // and the stream says who did what: the system on the operator's behalf, then the administrator
    const events = await habilitationEvents();
    expect(events.map((event) => [event.type, event.metadata.actor])).to.deep.equal([
      ['RoleGranted', { kind: 'system', id: 'dui-cli:jdupont' }],
      ['RoleGranted', { kind: 'professional', id: 'pro-first-admin', role: 'administrator' }],
    ]);
  });

  it('lists the roles of the organisation, for a person or a program', async () => {
    // when the roles are listed, as a table and as JSON lines
    const table = await dui(['habilitations', 'list', '--organisation', ORG]);
    const json = await dui(['habilitations', 'list', '--organisation', ORG, '--json']);
    const elsewhere = await dui(['habilitations', 'list', '--organisation', 'og-nobody']);

    // then
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout.split('\n')[0]).to.match(/^Professionnel\s+ESSMS\s+Rôle$/);
    expect(table.stdout).to.match(/pro-first-admin\s+750000001\s+administrateur/);
    expect(table.stdout).to.match(/pro-nurse\s+750000001\s+infirmier/);
    expect(
      json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).to.deep.equal([
      { professionalId: 'pro-first-admin', facilityId: CSAPA, role: 'administrator' },
      { professionalId: 'pro-nurse', facilityId: CSAPA, role: 'nurse' },
    ]);
    expect(elsewhere.stdout).to.include('Aucun rôle attribué dans l’organisme « og-nobody »');
  });

  it('grants and revokes only the roles that administer, and names its operator', async () => {
    // when the operator tries a care role, an unknown one, a blank operator and malformed ids
    const careRole = await dui(['habilitations', 'grant', ...roleArguments('nurse', 'pro-other')]);
    const unknown = await dui(['habilitations', 'grant', ...roleArguments('superuser')]);
    const noOperator = await dui([
      'habilitations',
      'grant',
      ...roleArguments('director').slice(0, -2),
      '--operator',
      'j dupont',
    ]);
    const badProfessional = await dui(['habilitations', 'grant', ...roleArguments('director', 'pro first')]);
    const eventsBefore = (await habilitationEvents()).length;

    // then each is refused in French, exit code 2, and nothing is written
    expect(careRole.code).to.equal(2);
    expect(careRole.stderr).to.include('le rôle « infirmier » s’attribue dans l’application');
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('rôle inconnu : « superuser »');
    expect(noOperator.code).to.equal(2);
    expect(noOperator.stderr).to.include('--operator');
    expect(badProfessional.code).to.equal(2);
    expect(eventsBefore).to.equal(2);
  });

  it('revokes an administrator who left: the application refuses them from their next request', async () => {
    // when the operator revokes the first administrator, twice
    const revoked = await dui(['habilitations', 'revoke', ...roleArguments('administrator')]);
    const again = await dui(['habilitations', 'revoke', ...roleArguments('administrator')]);
    const afterwards = await app.request('POST', `/organisations/${ORG}/habilitations/role-grants`, {
      as: firstAdministrator,
      body: { professionalId: 'pro-other', facilityId: CSAPA, role: 'nurse' },
    });

    // then
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.include('Rôle « administrateur » retiré à pro-first-admin');
    expect(again.code).to.equal(0);
    expect(again.stdout).to.include('n’a pas le rôle « administrateur »');
    expect(afterwards.status).to.equal(403);
    expect((await habilitationEvents()).map((event) => event.type)).to.deep.equal([
      'RoleGranted',
      'RoleGranted',
      'RoleRevoked',
    ]);
  });
});
