import { randomUUID } from 'node:crypto';
import { pdfPagesText } from '@dui-pds/documents/testing';
import { isErased } from '@dui-pds/eventstore';
import { activityJournal } from '@dui-pds/projections';
import { expect } from 'chai';
import { strFromU8, unzipSync } from 'fflate';
import { spawnDui } from '../cli/testing/cli-under-test.js';
import { startPortalServer } from '../portal/testing/portal-server.js';
import type { ServerUnderTest } from './testing/server-under-test.js';
import { noonOn, TestClock } from './testing/test-clock.js';

const ORG = 'og-retention';
const ownerOf = (serviceUserId: string) => ({ organisationId: ORG, serviceUserId });
const CSAPA = '750000001';

/** What each usager's record holds that no read model may show once it is destroyed. */
const MEDICAL = { id: randomUUID(), birthName: 'MEDICALE', firstName: 'ALICE', secret: 'Hépatite C guérie' };
const SOCIAL = { id: randomUUID(), birthName: 'SOCIALE', firstName: 'BERTHE', secret: 'Dossier RSA en cours' };
const HELD = { id: randomUUID(), birthName: 'GELEE', firstName: 'CECILE', secret: 'Contentieux prud’homal' };

describe('archives and the end of retention, with a clock moved over twenty years', function () {
  this.timeout(300_000);
  const clock = new TestClock(noonOn('2020-03-02'));
  let app: ServerUnderTest;
  const tokens: Record<string, string> = {};
  let yearly2020: Record<string, number>;
  let documentHashes: Record<string, string>;

  const moveTo = (day: string) => {
    clock.advance(noonOn(day) - clock.now().getTime());
  };
  const run = async () => {
    const answer = await app.request('POST', `/organisations/${ORG}/retention-runs`, {
      as: tokens.director,
      body: {},
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    expect(answer.body.failed).to.deep.equal([]);
    return answer.body as {
      today: string;
      archived: string[];
      destroyed: { serviceUserId: string; rule: { dataClass: string } }[];
    };
  };
  const retentionOf = async (serviceUserId: string) => {
    const answer = await app.request(
      'GET',
      `/organisations/${ORG}/usagers/${serviceUserId}/retention?facilityId=${CSAPA}`,
      { as: tokens.director },
    );
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body;
  };
  const archivedExport = (serviceUserId: string) =>
    app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/archives/${serviceUserId}/export`, {
      as: tokens.archivist,
    });

  /** Every row of every read model, and the usager's events as stored, as text. */
  const everythingStoredAbout = async (serviceUserId: string): Promise<string> => {
    const { knex, runtime } = app.server;
    const schemas = runtime.projections.map((projection) => runtime.readSchema(projection.name));
    const { rows: relations } = await knex.raw<{ rows: { schema: string; name: string }[] }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_schema = any(?::text[])`,
      [`{${schemas.join(',')}}`],
    );
    const texts: string[] = [];
    for (const { schema, name } of relations) {
      const { rows } = await knex.raw<{ rows: { row: string }[] }>(`select t::text as row from ${schema}.${name} t`);
      texts.push(...rows.map(({ row }) => row));
    }
    const { rows: events } = await knex.raw<{ rows: { data: string }[] }>(
      `select data::text as data from ${app.schema}.events where service_user_id = ?`,
      [serviceUserId],
    );
    texts.push(...events.map(({ data }) => data));
    return texts.join('\n');
  };

  /** Events per type recorded in 2020, from the activity journal rebuilt from the whole log. */
  const activityOf2020 = async (): Promise<Record<string, number>> => {
    const { knex, runtime } = app.server;
    await runtime.rebuild(activityJournal.name);
    const { rows } = await knex.raw<{ rows: { event_type: string; events: number }[] }>(
      `select event_type, sum(events)::int as events from ${runtime.readSchema(activityJournal.name)}.daily_activity
        where organisation_id = ? and day between '2020-01-01' and '2020-12-31' group by event_type order by event_type`,
      [ORG],
    );
    return Object.fromEntries(rows.map((row) => [row.event_type, row.events]));
  };

  before(async () => {
    app = await startPortalServer(clock, {});
    const careTeam = [MEDICAL, SOCIAL, HELD].flatMap((usager) => [
      { type: 'AddToCareTeam' as const, professionalId: 'pro-doctor', serviceUserId: usager.id, facilityId: CSAPA },
      { type: 'AddToCareTeam' as const, professionalId: 'pro-social', serviceUserId: usager.id, facilityId: CSAPA },
      { type: 'AddToCareTeam' as const, professionalId: 'pro-director', serviceUserId: usager.id, facilityId: CSAPA },
    ]);
    await app.asSystem(
      ORG,
      { type: 'GrantRole', professionalId: 'pro-secretary', facilityId: CSAPA, role: 'secretary' },
      { type: 'GrantRole', professionalId: 'pro-doctor', facilityId: CSAPA, role: 'doctor' },
      { type: 'GrantRole', professionalId: 'pro-social', facilityId: CSAPA, role: 'socialWorker' },
      { type: 'GrantRole', professionalId: 'pro-director', facilityId: CSAPA, role: 'director' },
      { type: 'GrantRole', professionalId: 'pro-archivist', facilityId: CSAPA, role: 'archivist' },
      ...careTeam,
    );
    for (const who of ['secretary', 'doctor', 'social', 'director', 'archivist']) {
      tokens[who] = await app.loginAs(`pro-${who}`);
    }

    // given, on 2 March 2020, three records: one with medical data, two with social data only
    documentHashes = {};
    for (const usager of [MEDICAL, SOCIAL, HELD]) {
      const registered = await app.request('POST', `/organisations/${ORG}/usagers`, {
        as: tokens.secretary,
        body: {
          serviceUserId: usager.id,
          facilityId: CSAPA,
          traits: {
            birthName: usager.birthName,
            birthFirstNames: [usager.firstName],
            birthDate: '1980-01-15',
            sex: 'F',
            birthplaceCode: '75056',
          },
        },
      });
      expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
      const medical = usager === MEDICAL;
      const note = await app.request('POST', `/organisations/${ORG}/usagers/${usager.id}/notes`, {
        as: medical ? tokens.doctor : tokens.social,
        body: {
          noteId: randomUUID(),
          facilityId: CSAPA,
          sensitivity: medical ? 'medical' : 'social',
          text: usager.secret,
        },
      });
      expect(note.status, JSON.stringify(note.body)).to.equal(201);
      const uploaded = await app.request(
        'POST',
        `/organisations/${ORG}/facilities/${CSAPA}/usagers/${usager.id}/documents`,
        {
          as: medical ? tokens.doctor : tokens.social,
          body: {
            kind: medical ? 'medicalReport' : 'letter',
            title: medical ? 'Compte rendu d’hépatologie' : 'Courrier à la CAF',
            sensitivity: medical ? 'medical' : 'social',
            fileName: 'document.pdf',
            mediaType: 'application/pdf',
            contentBase64: Buffer.from(`%PDF-1.7\n% ${usager.secret}\n%%EOF\n`).toString('base64'),
          },
        },
      );
      expect(uploaded.status, JSON.stringify(uploaded.body)).to.equal(201);
      documentHashes[usager.id] = uploaded.body.contentSha256;
    }
    const observation = await app.request('POST', `/organisations/${ORG}/usagers/${MEDICAL.id}/clinical-observations`, {
      as: tokens.doctor,
      body: { observationId: randomUUID(), facilityId: CSAPA, text: `${MEDICAL.secret} : contrôle à un an.` },
    });
    expect(observation.status, JSON.stringify(observation.body)).to.equal(201);
    yearly2020 = await activityOf2020();
  });
  after(() => app?.close());

  it('schedules each record per data class: archive 2 years after the last contact, destruction 7 or 20 years after', async () => {
    const medical = await retentionOf(MEDICAL.id);
    const social = await retentionOf(SOCIAL.id);

    expect(medical).to.deep.include({
      lastContactOn: '2020-03-02',
      holdsMedicalData: true,
      archiveDueOn: '2022-03-02',
      destructionDueOn: '2040-03-02',
      status: 'active',
    });
    expect(medical.rule.dataClass).to.equal('medical');
    expect(social).to.deep.include({
      holdsMedicalData: false,
      archiveDueOn: '2022-03-02',
      destructionDueOn: '2027-03-02',
      status: 'active',
    });
  });

  it('archives on the due day, not the day before; an archived record is read-only and open to the archivist only', async () => {
    // the day before
    moveTo('2022-03-01');
    expect((await run()).archived).to.deep.equal([]);

    // the day itself
    moveTo('2022-03-02');
    const archived = await run();
    expect([...archived.archived].sort()).to.deep.equal([MEDICAL.id, SOCIAL.id, HELD.id].sort());

    // the team can neither read nor write; the archivist reads, as an export, and it is traced
    const read = await app.request('GET', `/organisations/${ORG}/usagers/${MEDICAL.id}`, { as: tokens.doctor });
    const written = await app.request('POST', `/organisations/${ORG}/usagers/${MEDICAL.id}/notes`, {
      as: tokens.doctor,
      body: { noteId: randomUUID(), facilityId: CSAPA, sensitivity: 'medical', text: 'Trop tard' },
    });
    const listed = await app.request('GET', `/organisations/${ORG}/facilities/${CSAPA}/archives`, {
      as: tokens.archivist,
    });
    const exported = await archivedExport(MEDICAL.id);
    const refusedToDoctor = await app.request(
      'GET',
      `/organisations/${ORG}/facilities/${CSAPA}/archives/${MEDICAL.id}/export`,
      { as: tokens.doctor },
    );

    expect(read.status).to.equal(403);
    expect(read.body.detail).to.contain('archivé');
    expect(written.status).to.equal(409);
    expect(written.body.type).to.equal('https://dui-pds.org/problems/record-archived');
    expect(written.body.detail).to.contain('lecture seule');
    expect(listed.status).to.equal(200);
    expect(listed.body.records.map((record: { serviceUserId: string }) => record.serviceUserId).sort()).to.deep.equal(
      [MEDICAL.id, SOCIAL.id, HELD.id].sort(),
    );
    expect(exported.status).to.equal(200);
    expect(exported.headers.get('content-type')).to.match(/^application\/zip/);
    const files = unzipSync(exported.bytes);
    expect(strFromU8(files['dossier.json']!)).to.contain(MEDICAL.secret);
    expect(refusedToDoctor.status).to.equal(403);
  });

  it('destroys social-only records 7 years after the last contact, except under a legal hold, and leaves nothing readable', async () => {
    // given a legal hold on one of them
    const hold = randomUUID();
    moveTo('2023-06-01');
    const placed = await app.request('POST', `/organisations/${ORG}/usagers/${HELD.id}/legal-holds`, {
      as: tokens.archivist,
      body: { facilityId: CSAPA, holdId: hold, motive: 'Contentieux en cours devant le conseil de prud’hommes' },
    });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(201);

    // the day before, nothing; the day itself, the social-only record without a hold
    moveTo('2027-03-01');
    expect((await run()).destroyed).to.deep.equal([]);
    moveTo('2027-03-02');
    const destroyed = await run();
    expect(destroyed.destroyed.map((entry) => entry.serviceUserId)).to.deep.equal([SOCIAL.id]);
    expect(destroyed.destroyed[0]!.rule.dataClass).to.equal('socialAndAdministrative');

    // then no read model, export or API gives anything of it any more
    const stored = await everythingStoredAbout(SOCIAL.id);
    for (const personal of [SOCIAL.birthName, SOCIAL.firstName, SOCIAL.secret]) {
      expect(stored, personal).not.to.contain(personal);
    }
    expect(await app.server.blobs.has(ownerOf(SOCIAL.id), documentHashes[SOCIAL.id]!)).to.equal(false);
    expect(await app.server.blobs.has(ownerOf(MEDICAL.id), documentHashes[MEDICAL.id]!)).to.equal(true);
    expect((await archivedExport(SOCIAL.id)).status).to.equal(404);
    expect((await retentionOf(SOCIAL.id)).status).to.equal('destroyed');
    const facts = (await app.server.store.readAll({ organisationId: ORG })).filter(
      (event) => event.metadata.serviceUserId === SOCIAL.id,
    );
    expect(facts.length).to.be.greaterThan(3);
    expect(facts.every((event) => isErased(event.data))).to.equal(true);

    // and the report tells the DPO, naming no one; the held record is listed as suspended
    const report = await app.request('GET', `/organisations/${ORG}/destruction-report?from=2027-01-01&to=2027-12-31`, {
      as: tokens.archivist,
    });
    expect(report.status).to.equal(200);
    expect(report.body.destroyed.map((entry: { serviceUserId: string }) => entry.serviceUserId)).to.deep.equal([
      SOCIAL.id,
    ]);
    expect(report.body.suspended).to.deep.equal([
      { serviceUserId: HELD.id, destructionDueOn: '2027-03-02', activeLegalHolds: 1 },
    ]);
    expect(JSON.stringify(report.body)).not.to.contain(SOCIAL.birthName);
    const pdf = await app.request(
      'GET',
      `/organisations/${ORG}/destruction-report?from=2027-01-01&to=2027-12-31&format=pdf`,
      { as: tokens.archivist },
    );
    expect(pdf.headers.get('content-type')).to.match(/^application\/pdf/);
    const text = (await pdfPagesText(pdf.bytes)).join('\n');
    expect(text).to.contain('Rapport de destruction');
    expect(text).to.contain(SOCIAL.id);
    expect(text).to.contain('Destructions suspendues');

    // when the hold is lifted, the next run destroys the held record too
    const lifted = await app.request('POST', `/organisations/${ORG}/usagers/${HELD.id}/legal-holds/${hold}/lifting`, {
      as: tokens.archivist,
      body: { facilityId: CSAPA },
    });
    expect(lifted.status, JSON.stringify(lifted.body)).to.equal(200);
    expect((await run()).destroyed.map((entry) => entry.serviceUserId)).to.deep.equal([HELD.id]);
    expect(await everythingStoredAbout(HELD.id)).not.to.contain(HELD.secret);
  });

  it('destroys the record with medical data 20 years after the last stay, and the log still verifies and counts the same', async () => {
    moveTo('2040-03-01');
    expect((await run()).destroyed).to.deep.equal([]);
    moveTo('2040-03-02');
    const destroyed = await run();
    expect(destroyed.destroyed.map((entry) => entry.serviceUserId)).to.deep.equal([MEDICAL.id]);
    expect(destroyed.destroyed[0]!.rule.dataClass).to.equal('medical');

    const stored = await everythingStoredAbout(MEDICAL.id);
    for (const personal of [MEDICAL.birthName, MEDICAL.firstName, MEDICAL.secret]) {
      expect(stored, personal).not.to.contain(personal);
    }
    expect(
      (await app.request('GET', `/organisations/${ORG}/usagers/${MEDICAL.id}`, { as: tokens.secretary })).status,
    ).to.equal(410);

    // the hash chains hold, with the ciphertext of the forgotten usagers still in place
    const verified = await spawnDui(['verify'], {
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      DUI_SCHEMA: app.schema,
      DUI_MASTER_KEY: app.masterKey,
      REDIS_URL: '',
    });
    expect(verified.code, verified.stderr).to.equal(0);
    expect(verified.stdout).to.contain('chaînes de hachage intactes');

    // and the activity of 2020, counted from the envelopes, is what it was
    expect(await activityOf2020()).to.deep.equal(yearly2020);
    // three identities, three notes, three documents and an observation
    expect(Object.values(yearly2020).reduce((sum, count) => sum + count, 0)).to.equal(10);
  });
});
