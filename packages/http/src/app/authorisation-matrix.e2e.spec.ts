import { randomUUID } from 'node:crypto';
import {
  ACCESS_REFUSAL_MESSAGES,
  type AccessAction,
  accessLogStreamId,
  isCareRole,
  RECORD_READ,
  ROLES,
  type Role,
  recordNoteDecider,
  SENSITIVITY_CLASSES,
  type SensitivityClass,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { TEST_DATABASE_URL } from '@dui-pds/eventstore/testing';
import { recordNoteStreamId } from '@dui-pds/projections';
import { expect } from 'chai';
import { spawnDui } from '../cli/testing/cli-under-test.js';
import { type HttpAnswer, ServerUnderTest } from './testing/server-under-test.js';

/**
 * Who may read and write notes of each sensitivity class about a usager of their own organisation,
 * read from the policy (ACCESS_MATRIX) and written here apart from it, so that the running server
 * is held to what the policy says rather than to itself. No usager allowed anyone to read their
 * psychologist's notes, so that column is the psychologist's alone.
 *
 *   team: only in the usager's care team in that ESSMS;   any: in it or not;   -: never.
 *
 * A professional of another organisation is refused everything, whatever their role.
 */
const EXPECTED = `
role          | administrative | social      | medical     | psychological
              | read   write   | read  write | read  write | read  write
doctor        | team   team    | team  team  | team  team  | -     -
nurse         | team   team    | team  team  | team  team  | -     -
pharmacist    | team   -       | -     -     | team  team  | -     -
psychologist  | team   -       | team  team  | -     -     | team  team
socialWorker  | team   team    | team  team  | -     -     | -     -
educator      | team   team    | team  team  | -     -     | -     -
secretary     | any    any     | -     -     | -     -     | -     -
director      | any    any     | team  -     | -     -     | -     -
administrator | -      -       | -     -     | -     -     | -     -
archivist     | -      -       | -     -     | -     -     | -     -
`;

type Allowance = 'team' | 'any' | '-';
type Table = Record<Role, Record<SensitivityClass, Record<AccessAction, Allowance>>>;

/** The table above as data; a typo fails here rather than silently testing less. */
function parseTable(text: string): Table {
  const [header, subHeader, ...rows] = text
    .trim()
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const classes = header!.slice(1);
  expect(classes, 'the table’s classes').to.deep.equal([...SENSITIVITY_CLASSES]);
  for (const cell of subHeader!.slice(1)) expect(cell.split(/\s+/)).to.deep.equal(['read', 'write']);
  const table: Partial<Table> = {};
  for (const [role, ...cells] of rows) {
    expect(ROLES, 'a role of the table').to.include(role);
    expect(cells, `${role}: one cell per class`).to.have.length(classes.length);
    const byClass: Partial<Table[Role]> = {};
    cells.forEach((cell, index) => {
      const [read, write, ...rest] = cell.split(/\s+/);
      expect(rest, `${role}: a read and a write per class`).to.deep.equal([]);
      for (const allowance of [read, write]) expect(['team', 'any', '-'], role).to.include(allowance);
      byClass[classes[index] as SensitivityClass] = { read: read as Allowance, write: write as Allowance };
    });
    table[role as Role] = byClass as Table[Role];
  }
  expect(Object.keys(table).sort(), 'every role, once').to.deep.equal([...ROLES].sort());
  return table as Table;
}

const TABLE = parseTable(EXPECTED);

function allowed(role: Role, sensitivity: SensitivityClass, action: AccessAction, inTeam: boolean): boolean {
  const allowance = TABLE[role][sensitivity][action];
  return allowance === 'any' || (allowance === 'team' && inTeam);
}

function readable(role: Role, inTeam: boolean): SensitivityClass[] {
  return SENSITIVITY_CLASSES.filter((sensitivity) => allowed(role, sensitivity, 'read', inTeam));
}

const ORG_A = 'og-a';
const CSAPA_A = '750000001';
const ORG_B = 'og-b';
const CSAPA_B = '930000001';
// The same usager id in both organisations: tenants are told apart by their organisation, not by ids.
const USAGER = 'usager-1';

const NO_HABILITATION_HERE = 'Vous n’avez aucune habilitation dans cet organisme gestionnaire.';
const NO_SUCH_NOTE = 'Cette note n’existe pas.';
const POLICY_REFUSALS: readonly string[] = Object.values(ACCESS_REFUSAL_MESSAGES);

interface Professional {
  id: string;
  role: Role;
  inTeam: boolean;
  tenant: 'same' | 'other';
  token: string;
}

interface Check {
  sensitivity: SensitivityClass | 'list';
  action: AccessAction;
  request: string;
}

/** One answer that is not what the table says, with all it takes to find the cell. */
interface Mismatch extends Check {
  role: Role;
  team: 'in' | 'out';
  tenant: 'same' | 'other';
  expected: number;
  status: number;
  problem?: string;
}

/** What one successful read must leave in the access log. */
interface ExpectedEntry {
  actor: string;
  resource: 'note' | 'notes';
  sensitivities: SensitivityClass[];
}

describe('the HTTP API: the authorisation matrix, role × sensitivity × action × care team × tenant', function () {
  this.timeout(120_000);
  let app: ServerUnderTest;
  /** Per role: in og-a in usager-1's care team, in og-a outside it, in og-b in its own usager-1's team. */
  const professionals: Professional[] = [];
  /** og-a's notes about its usager-1, one per class. */
  const notes = new Map<SensitivityClass, string>();
  const mismatches: Mismatch[] = [];
  /** Every successful read of og-a's usager-1, in the order made. */
  const traced: ExpectedEntry[] = [];
  /** Requests judged, and notes written (each must append exactly one event). */
  const counted = { checks: 0, writes: 0 };

  before(async () => {
    app = await ServerUnderTest.start();
    for (const role of ROLES) {
      const inTeam = `a-${role}-team`;
      const outside = `a-${role}-out`;
      const other = `b-${role}`;
      // An administrator or an archivist cannot join a care team: their "in the team" case is the one outside it.
      const joins = isCareRole(role);
      await app.asSystem(
        ORG_A,
        ...(joins
          ? [
              { type: 'GrantRole' as const, professionalId: inTeam, facilityId: CSAPA_A, role },
              { type: 'AddToCareTeam' as const, professionalId: inTeam, serviceUserId: USAGER, facilityId: CSAPA_A },
            ]
          : []),
        { type: 'GrantRole', professionalId: outside, facilityId: CSAPA_A, role },
      );
      await app.asSystem(
        ORG_B,
        { type: 'GrantRole', professionalId: other, facilityId: CSAPA_B, role },
        ...(joins
          ? [{ type: 'AddToCareTeam' as const, professionalId: other, serviceUserId: USAGER, facilityId: CSAPA_B }]
          : []),
      );
      const outsideToken = await app.loginAs(outside);
      professionals.push(
        {
          id: joins ? inTeam : outside,
          role,
          inTeam: true,
          tenant: 'same',
          token: joins ? await app.loginAs(inTeam) : outsideToken,
        },
        { id: outside, role, inTeam: false, tenant: 'same', token: outsideToken },
        { id: other, role, inTeam: joins, tenant: 'other', token: await app.loginAs(other) },
      );
    }
    // Written in the store by whom the policy lets write them, so that a refusal under test cannot
    // break the setting up; the matrix then only reads them.
    for (const sensitivity of SENSITIVITY_CLASSES) {
      const noteId = randomUUID();
      const author = sensitivity === 'psychological' ? 'psychologist' : 'doctor';
      await handleCommand(app.server.store, recordNoteDecider, {
        streamId: recordNoteStreamId(ORG_A, noteId),
        commandId: randomUUID(),
        command: {
          type: 'WriteNote',
          noteId,
          serviceUserId: USAGER,
          facilityId: CSAPA_A,
          sensitivity,
          text: sensitivity,
        },
        metadata: {
          organisationId: ORG_A,
          facilityId: CSAPA_A,
          serviceUserId: USAGER,
          actor: { kind: 'professional', id: `a-${author}-team`, role: author },
          occurredAt: new Date().toISOString(),
        },
        expectedRevision: 'noStream',
      });
      notes.set(sensitivity, noteId);
    }
  });
  after(() => app?.close());

  function mismatch(who: Professional, check: Check, expected: number, status: number, problem?: string): void {
    mismatches.push({
      role: who.role,
      team: who.inTeam ? 'in' : 'out',
      tenant: who.tenant,
      ...check,
      expected,
      status,
      ...(problem === undefined ? {} : { problem }),
    });
  }

  /** Whether the answer has the expected status and, when refused, is a problem document with a known French detail. */
  function judge(
    who: Professional,
    check: Check,
    answer: HttpAnswer,
    expected: number,
    details: readonly string[] = POLICY_REFUSALS,
  ): boolean {
    counted.checks += 1;
    if (answer.status !== expected) {
      mismatch(who, check, expected, answer.status);
      return false;
    }
    if (expected < 400) return true;
    const problem =
      /^application\/problem\+json/.test(answer.headers.get('content-type') ?? '') &&
      answer.body?.status === expected &&
      details.includes(answer.body?.detail);
    if (!problem) {
      mismatch(who, check, expected, answer.status, `not the problem expected: ${JSON.stringify(answer.body)}`);
    }
    return problem;
  }

  it('allows exactly the reads and writes the table allows, and refuses every other one', async () => {
    const ofOrganisationA = professionals.filter((who) => who.tenant === 'same');
    const ofOrganisationB = professionals.filter((who) => who.tenant === 'other');
    const list = `/organisations/${ORG_A}/usagers/${USAGER}/notes?facilityId=${CSAPA_A}`;

    // when every professional of og-a reads each note, then lists the usager's notes (one request at
    // a time: the access log's order is asserted next)
    for (const who of ofOrganisationA) {
      for (const sensitivity of SENSITIVITY_CLASSES) {
        const path = `/organisations/${ORG_A}/notes/${notes.get(sensitivity)}`;
        const check: Check = { sensitivity, action: 'read', request: `GET ${path}` };
        const may = allowed(who.role, sensitivity, 'read', who.inTeam);
        const answer = await app.request('GET', path, { as: who.token });
        // then
        if (!judge(who, check, answer, may ? 200 : 403) || !may) continue;
        traced.push({ actor: who.id, resource: 'note', sensitivities: [sensitivity] });
        if (answer.body.noteId !== notes.get(sensitivity) || answer.body.sensitivity !== sensitivity) {
          mismatch(who, check, 200, 200, `another note: ${JSON.stringify(answer.body)}`);
        }
      }
      const classes = readable(who.role, who.inTeam);
      const check: Check = { sensitivity: 'list', action: 'read', request: `GET ${list}` };
      const answer = await app.request('GET', list, { as: who.token });
      // then the notes of exactly the classes they may read, or a refusal when they may read none
      if (!judge(who, check, answer, classes.length > 0 ? 200 : 403) || classes.length === 0) continue;
      traced.push({ actor: who.id, resource: 'notes', sensitivities: classes });
      const listed = (answer.body.notes as { noteId: string }[]).map((note) => note.noteId).sort();
      const expected = classes.map((sensitivity) => notes.get(sensitivity)!).sort();
      if (JSON.stringify(listed) !== JSON.stringify(expected)) {
        mismatch(who, check, 200, 200, `listed ${listed.join(', ')}, not the notes of ${classes.join(', ')}`);
      }
    }

    // when every professional of og-b, holding the same role for a usager of the same id, reads
    // og-a's notes on og-a's paths and looks them up on og-b's own, and lists og-a's usager-1
    for (const who of ofOrganisationB) {
      for (const sensitivity of SENSITIVITY_CLASSES) {
        const inA = `/organisations/${ORG_A}/notes/${notes.get(sensitivity)}`;
        const inB = `/organisations/${ORG_B}/notes/${notes.get(sensitivity)}`;
        const refused = await app.request('GET', inA, { as: who.token });
        const absent = await app.request('GET', inB, { as: who.token });
        // then og-a refuses them, and in og-b a note of og-a does not exist
        judge(who, { sensitivity, action: 'read', request: `GET ${inA}` }, refused, 403, [NO_HABILITATION_HERE]);
        judge(who, { sensitivity, action: 'read', request: `GET ${inB}` }, absent, 404, [NO_SUCH_NOTE]);
      }
      const answer = await app.request('GET', list, { as: who.token });
      judge(who, { sensitivity: 'list', action: 'read', request: `GET ${list}` }, answer, 403, [NO_HABILITATION_HERE]);
    }

    // when everyone writes a note of each class about og-a's usager-1 (a professional's four at once)
    const eventsBefore = await app.eventCount();
    const path = `/organisations/${ORG_A}/usagers/${USAGER}/notes`;
    for (const who of professionals) {
      await Promise.all(
        SENSITIVITY_CLASSES.map(async (sensitivity) => {
          const noteId = randomUUID();
          const check: Check = { sensitivity, action: 'write', request: `POST ${path} (${sensitivity})` };
          const may = who.tenant === 'same' && allowed(who.role, sensitivity, 'write', who.inTeam);
          const answer = await app.request('POST', path, {
            as: who.token,
            body: { noteId, facilityId: CSAPA_A, sensitivity, text: `${who.id}: ${sensitivity}` },
          });
          // then
          const details = who.tenant === 'same' ? POLICY_REFUSALS : [NO_HABILITATION_HERE];
          if (!judge(who, check, answer, may ? 201 : 403, details)) return;
          if (may) {
            counted.writes += 1;
            if (answer.body.noteId !== noteId) mismatch(who, check, 201, 201, JSON.stringify(answer.body));
            return;
          }
          const appended = await app.server.store.readStream(recordNoteStreamId(ORG_A, noteId));
          if (appended.length > 0) mismatch(who, check, 403, 403, `refused, yet ${appended.length} event(s) appended`);
        }),
      );
    }
    const appended = (await app.eventCount()) - eventsBefore;

    // then nothing the table does not allow was done, and refusals appended nothing at all
    expect(mismatches).to.deep.equal([]);
    expect(appended, 'one event per note written, none per refusal').to.equal(counted.writes);
    // every combination was judged: og-a's two cases per role (the administrator's and the
    // archivist's two are one professional) × 4 classes × read and write, and their lists; og-b's
    // one professional per role × 4 classes × (read in og-a, look up in og-b, write in og-a), and
    // their lists of og-a's usager
    const roles = ROLES.length;
    expect(counted.checks).to.equal(2 * roles * 4 * 2 + 2 * roles + roles * 4 * 3 + roles);
  });

  it('traces every successful read of usager-1 exactly once, in its own organisation, and the log verifies', async () => {
    // given the reads of the matrix
    expect(traced, 'the matrix ran').to.have.length.greaterThan(0);

    // when
    const logOfA = await app.server.store.readStream(accessLogStreamId(ORG_A, USAGER));
    const logOfB = await app.server.store.readStream(accessLogStreamId(ORG_B, USAGER));
    const verify = await spawnDui(['verify'], {
      DATABASE_URL: TEST_DATABASE_URL,
      DUI_SCHEMA: app.schema,
      DUI_MASTER_KEY: '',
      REDIS_URL: '',
    });

    // then one entry per successful read, in order, naming who read what; refused reads left none
    const entries = logOfA.map((entry) => {
      const data = entry.data as { resource: string; sensitivities: string[]; serviceUserId: string };
      expect(entry.type).to.equal(RECORD_READ);
      expect(entry.metadata).to.include({ organisationId: ORG_A, facilityId: CSAPA_A, serviceUserId: USAGER });
      expect(data.serviceUserId).to.equal(USAGER);
      return { actor: entry.metadata.actor.id, resource: data.resource, sensitivities: data.sensitivities };
    });
    expect(entries).to.deep.equal(traced);
    expect(logOfB, 'og-b read nothing of its own usager-1').to.deep.equal([]);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });

  // Last, because the usager's allowances it grants would change what the cases above expect.
  it('keeps the psychologists’ appointments, assessments and notes from every other role, unless the usager allowed them', async () => {
    // given og-a's psychologist of usager-1's team plans an appointment and records an assessment
    const psychologist = professionals.find(
      (who) => who.role === 'psychologist' && who.inTeam && who.tenant === 'same',
    )!;
    const appointmentId = randomUUID();
    const assessmentId = randomUUID();
    const planned = await app.request('POST', `/organisations/${ORG_A}/usagers/${USAGER}/psychologist-appointments`, {
      as: psychologist.token,
      body: {
        appointmentId,
        facilityId: CSAPA_A,
        startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        durationMinutes: 45,
      },
    });
    const assessed = await app.request('POST', `/organisations/${ORG_A}/usagers/${USAGER}/psychological-assessments`, {
      as: psychologist.token,
      body: { assessmentId, facilityId: CSAPA_A, assessedOn: '2026-01-15', tools: ['MoCA'], conclusions: 'bilan' },
    });
    expect(planned.status, JSON.stringify(planned.body)).to.equal(201);
    expect(assessed.status, JSON.stringify(assessed.body)).to.equal(201);
    const psychologicalNote = notes.get('psychological')!;
    const reads = (organisationId: string) => ({
      appointment: `/organisations/${organisationId}/psychologist-appointments/${appointmentId}`,
      assessment: `/organisations/${organisationId}/psychological-assessments/${assessmentId}`,
      note: `/organisations/${organisationId}/notes/${psychologicalNote}`,
      file: `/organisations/${organisationId}/usagers/${USAGER}/psychology?facilityId=${CSAPA_A}`,
    });
    const agenda = `/organisations/${ORG_A}/facilities/${CSAPA_A}/psychologist-appointments`;
    const psychologyMismatches: string[] = [];
    const ofOrganisationA = professionals.filter((who) => who.tenant === 'same');
    const caseOf = (who: Professional, phase: string) =>
      `${phase}: ${who.role} ${who.inTeam ? 'in' : 'out of'} the team`;

    /** Every og-a professional reads each item, the file and the agenda, and plans an appointment. */
    const readAndWrite = async (phase: string, mayRead: (who: Professional) => boolean) => {
      const logBefore = (await app.server.store.readStream(accessLogStreamId(ORG_A, USAGER))).length;
      const eventsBefore = await app.eventCount();
      let traces = 0;
      let writes = 0;
      for (const who of ofOrganisationA) {
        const may = mayRead(who);
        for (const [item, path] of Object.entries(reads(ORG_A))) {
          const answer = await app.request('GET', path, { as: who.token });
          if (answer.status !== (may ? 200 : 403)) {
            psychologyMismatches.push(`${caseOf(who, phase)}: GET ${item} answered ${answer.status}`);
          } else if (may) {
            traces += 1;
          }
          const filed = (answer.body?.notes ?? []) as { noteId: string }[];
          if (item === 'file' && may && !filed.some((note) => note.noteId === psychologicalNote)) {
            psychologyMismatches.push(`${caseOf(who, phase)}: the file does not show the note`);
          }
        }
        const listed = await app.request('GET', agenda, { as: who.token });
        const shown = (listed.body.appointments ?? []).some(
          (appointment: { appointmentId: string }) => appointment.appointmentId === appointmentId,
        );
        if (listed.status !== 200 || shown !== may) {
          psychologyMismatches.push(
            `${caseOf(who, phase)}: the agenda answered ${listed.status}, showing it: ${shown}`,
          );
        }
        if (shown) traces += 1;
        const mayWrite = who.role === 'psychologist' && who.inTeam;
        const written = await app.request(
          'POST',
          `/organisations/${ORG_A}/usagers/${USAGER}/psychologist-appointments`,
          {
            as: who.token,
            body: {
              appointmentId: randomUUID(),
              facilityId: CSAPA_A,
              startsAt: new Date(Date.now() + 8 * 86_400_000).toISOString(),
              durationMinutes: 30,
            },
          },
        );
        if (written.status !== (mayWrite ? 201 : 403)) {
          psychologyMismatches.push(`${caseOf(who, phase)}: planning answered ${written.status}`);
        } else if (mayWrite) {
          writes += 1;
        }
      }
      const logAfter = (await app.server.store.readStream(accessLogStreamId(ORG_A, USAGER))).length;
      expect(logAfter - logBefore, `${phase}: one access-log entry per successful read`).to.equal(traces);
      expect(await app.eventCount(), `${phase}: the reads' traces and the plannings, nothing else`).to.equal(
        eventsBefore + traces + writes,
      );
    };

    // when no usager allowed anyone: only the psychologist of the team reads
    await readAndWrite('no allowance', (who) => who.role === 'psychologist' && who.inTeam);

    // and og-b's professionals, same roles for a usager of the same id, are refused on og-a's paths and find nothing on theirs
    for (const who of professionals.filter((professional) => professional.tenant === 'other')) {
      for (const [item, path] of Object.entries(reads(ORG_A))) {
        const answer = await app.request('GET', path, { as: who.token });
        if (answer.status !== 403 || answer.body.detail !== NO_HABILITATION_HERE) {
          psychologyMismatches.push(`og-b ${who.role}: GET og-a's ${item} answered ${answer.status}`);
        }
      }
      for (const item of ['appointment', 'assessment'] as const) {
        const answer = await app.request('GET', reads(ORG_B)[item], { as: who.token });
        if (answer.status !== 404)
          psychologyMismatches.push(`og-b ${who.role}: GET og-b's ${item} answered ${answer.status}`);
      }
    }

    // when usager-1 allows every professional of og-a to read their psychologist's notes
    const allowedIds = [...new Set(ofOrganisationA.map((who) => who.id))];
    await app.asSystem(
      ORG_A,
      ...allowedIds.map((professionalId) => ({
        type: 'AllowPsychologicalNotes' as const,
        serviceUserId: USAGER,
        professionalId,
      })),
    );

    // then the allowance opens reading to the members of the care team the matrix names, never writing,
    // never to those outside the team, never to the administrator nor the archivist
    const OPENED_BY_THE_USAGER: readonly Role[] = [
      'doctor',
      'nurse',
      'pharmacist',
      'socialWorker',
      'educator',
      'secretary',
      'director',
    ];
    await readAndWrite(
      'allowed by the usager',
      (who) => who.inTeam && (who.role === 'psychologist' || OPENED_BY_THE_USAGER.includes(who.role)),
    );
    expect(psychologyMismatches).to.deep.equal([]);
  });
});
