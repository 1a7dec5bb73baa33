import { createHash, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import Mocha from 'mocha';
import {
  type CommandEndpoint,
  commandEndpoints,
  type FuzzedBody,
  invalidBodies,
  validBody,
} from './testing/fuzz-bodies.js';
import { KeepAliveClient } from './testing/keep-alive-client.js';
import { type HttpAnswer, ServerUnderTest } from './testing/server-under-test.js';

const ORG = 'og-fuzz';
const CSAPA = '750000001';
const USAGER = 'usager-1';
const FUZZER = 'pro-fuzz';
const COLLEAGUE = 'pro-colleague';
/** Invalid bodies per command: at least 1,000 (the HTTP shell's acceptance); `FUZZ_RUNS` changes it for one run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
/** A document's bytes as an upload sends them: the smallest PDF header, and the smallest PNG signature. */
const PDF = Buffer.from('%PDF-1.7\n%%EOF\n');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

/** Valid values of the body fields, by name; the rest comes from the schemas. */
const KNOWN_FIELDS = {
  facilityId: CSAPA,
  serviceUserId: USAGER,
  professionalId: COLLEAGUE,
  text: 'Entretien de suivi. TA 12/8.',
  reason: 'Tension ajoutée.',
  facilityIds: [CSAPA],
  source: 'courrier du médecin traitant',
  receivedAt: '2026-11-20T10:00:00+01:00',
  appointmentAt: '2026-12-01T09:30:00+01:00',
  admittedAt: '2026-12-02T09:00:00+01:00',
  at: '2026-11-21T10:00:00+01:00',
  gridId: 'audit-c',
  // the contract, designation or certificate a generated document is drawn from
  sourceId: 'contrat-1',
  gridVersion: '1',
  filledAt: '2026-11-22T10:00:00+01:00',
  day: '2026-11-20',
  arrivedAt: '09:00',
  leftAt: '12:00',
  attendance: { status: 'absent', planned: false, justified: false },
  targetTeam: 'equipe-soins',
  occurredAt: '2026-11-23T10:00:00+01:00',
  organism: 'CAF',
  openFrom: '2026-01-01',
  openTo: '2026-12-31',
  proposedAt: '2026-11-20',
  decidedAt: '2026-11-21',
  reviewBy: '2027-01-15',
  informedAt: '2026-11-22',
  reviewedAt: '2027-01-10',
  nextReviewBy: '2027-06-30',
  exitDay: '2026-11-30',
  dueDay: '2026-12-15',
  doneDay: '2026-12-10',
  closedDay: '2026-12-20',
  assigneeId: COLLEAGUE,
  admittedOn: '2026-11-02',
  directorId: FUZZER,
  traits: {
    birthName: 'MARTIN',
    birthFirstNames: ['JEANNE'],
    birthDate: '1985-05-12',
    sex: 'F',
    birthplaceCode: '75056',
  },
  expiresOn: '2030-01-01',
  checkedOn: '2026-11-20',
  periodFrom: '2026-01-01',
  periodTo: '2026-06-30',
  productId: 'diazepam-10',
  // a uuid: the prescriptions module's ids are, and the pharmacy takes any identifier
  prescriptionId: randomUUID(),
  prescribedOn: '2026-11-02',
  startsOn: '2026-11-03',
  dailyUnits: 1,
  fractionDays: 7,
  stableOnSyrupSince: '2025-01-02',
  dueOn: '2026-11-30',
  suspendedOn: '2026-11-04',
  resumedOn: '2026-11-05',
  stoppedOn: '2026-11-06',
  resultOn: '2026-11-07',
  cancelledOn: '2026-11-08',
  month: '2026-10',
  counts: [{ productId: 'diazepam-10', lot: 'D-1', counted: 3 }],
  startedOn: '2026-01-05',
  deadline: '2026-03-01',
  completedOn: '2026-02-10',
  evaluatedOn: '2026-02-25',
  validatedOn: '2026-01-20',
  who: { kind: 'usager' },
  actTypeCode: 'consultation-medicale',
  professions: ['doctor'],
  performedAt: '2026-11-20T10:00:00+01:00',
  participants: [
    { actId: randomUUID(), serviceUserId: USAGER },
    { actId: randomUUID(), serviceUserId: 'usager-2' },
  ],
  observedAt: '2026-11-20T09:00:00+01:00',
  startsAt: '2026-12-01T14:00:00+01:00',
  assessedOn: '2026-11-19',
  tools: ['MoCA'],
  startedAt: '2026-11-20T08:00:00+01:00',
  closedAt: '2026-11-21T08:00:00+01:00',
  collectedAt: '2026-11-22T08:00:00+01:00',
  returnedAt: '2026-11-25T08:00:00+01:00',
  volumeLitres: 2,
  weightKg: 1.5,
  containerIds: [randomUUID()],
  coConstruction: {
    meetingOn: '2026-01-19',
    usagerPresent: true,
    usagerWords: 'Je voudrais un studio.',
    usagerAgreement: 'agrees',
  },
  organiserId: COLLEAGUE,
  accompanimentId: randomUUID(),
  participant: { kind: 'usager', serviceUserId: USAGER },
  serviceUserIds: [USAGER],
  professionalIds: [COLLEAGUE],
  login: 'camille.fuzz',
  trustedPersonId: 'tp-fuzz',
  phone: '06 12 34 56 78',
  email: 'claire.martin@example.org',
  rpps: '99700000011',
  finess: '990000010',
  scope: ['casf'],
  contentBase64: PDF.toString('base64'),
  contentSha256: createHash('sha256').update(PDF).digest('hex'),
  signatureImageBase64: PNG.toString('base64'),
  code: '123456',
  // a code already in the catalogue: no fuzzed body adds a supply
  supplyCode: 'seringue-1ml',
  setting: 'street',
  occurredOn: '2026-11-20',
  collectedOn: '2026-11-20',
  // nullable codes of a usage profile (a patient's)
  mainProduct: 'opioids',
  useLevel: 'dependence',
  injection: 'past',
};

/**
 * Every command, found in the running server's /openapi.json (a command added later is fuzzed
 * too), gets RUNS invalid bodies: wrong types, missing and unknown fields, huge strings, unicode,
 * injections, path traversal, bodies that are not objects, malformed JSON. Each must be refused
 * with a 4xx problem document, and none may append an event. The caller holds broad rights, so
 * that refusals come from validation, not from authorisation.
 */
describe('the HTTP API under fuzzing: every command refuses invalid bodies', function () {
  this.timeout(60_000);
  let app: ServerUnderTest;
  let client: KeepAliveClient;
  let session: string;
  let endpoints: CommandEndpoint[] = [];

  before(async function () {
    // given a director, doctor and psychologist of the CSAPA, in the care team of the usager, with a colleague
    app = await ServerUnderTest.start();
    await app.asSystem(
      ORG,
      ...(['director', 'doctor', 'psychologist'] as const).map((role) => ({
        type: 'GrantRole' as const,
        professionalId: FUZZER,
        facilityId: CSAPA,
        role,
      })),
      { type: 'AddToCareTeam', professionalId: FUZZER, serviceUserId: USAGER, facilityId: CSAPA },
      { type: 'GrantRole', professionalId: COLLEAGUE, facilityId: CSAPA, role: 'nurse' },
      { type: 'AddToCareTeam', professionalId: COLLEAGUE, serviceUserId: USAGER, facilityId: CSAPA },
    );
    session = await app.loginAs(FUZZER);
    client = new KeepAliveClient(app.url);
    // and a note, at revision 0, for the commands on a note
    const noteId = randomUUID();
    const written = await app.request('POST', `/organisations/${ORG}/usagers/${USAGER}/notes`, {
      as: session,
      body: { noteId, facilityId: CSAPA, sensitivity: 'medical', text: 'TA 12/8' },
    });
    expect(written.status, JSON.stringify(written.body)).to.equal(201);

    // and an application for admission, for the commands on an application
    const applicationId = randomUUID();
    const received = await app.request('POST', `/organisations/${ORG}/admission/applications`, {
      as: session,
      body: { applicationId, serviceUserId: 'prospect-fuzz', facilityIds: [CSAPA], priority: 'normal' },
    });
    expect(received.status, JSON.stringify(received.body)).to.equal(201);

    const document = await app.request('GET', '/openapi.json');
    endpoints = commandEndpoints(document.body, {
      organisationId: ORG,
      serviceUserId: USAGER,
      noteId,
      applicationId,
      accompanimentId: randomUUID(),
      handoverId: randomUUID(),
      benefitId: randomUUID(),
      measureId: randomUUID(),
      actionId: randomUUID(),
      contractId: randomUUID(),
      projectId: randomUUID(),
      objectiveId: randomUUID(),
      actTypeCode: 'consultation-medicale',
      actId: randomUUID(),
      observationId: randomUUID(),
      appointmentId: randomUUID(),
      assessmentId: randomUUID(),
      facilityId: CSAPA,
      containerId: randomUUID(),
      collectionId: randomUUID(),
      prescriptionId: randomUUID(),
      plannedEventId: randomUUID(),
      itemId: randomUUID(),
      informationId: randomUUID(),
      professionalId: COLLEAGUE,
      accountId: randomUUID(),
      requestId: randomUUID(),
      entryId: randomUUID(),
      exchangeId: randomUUID(),
      trustedPersonId: randomUUID(),
      documentId: randomUUID(),
      holdId: randomUUID(),
      visitId: randomUUID(),
      supplyCode: 'seringue-1ml',
      submissionId: randomUUID(),
    });

    // one test per command, known only now that the server describes itself
    const suite = this.test?.parent;
    if (suite === undefined) throw new Error('the fuzzing suite is not found from its hook');
    for (const endpoint of endpoints) {
      suite.addTest(
        new Mocha.Test(
          `POST ${endpoint.path}: ${RUNS} invalid bodies, each a 4xx problem, no event`,
          function (this: Mocha.Context) {
            this.timeout(300_000);
            return fuzz(endpoint);
          },
        ),
      );
    }
  });
  after(async () => {
    client?.close();
    await app?.close();
  });

  it('finds the commands in /openapi.json', () => {
    expect(endpoints.map((endpoint) => endpoint.path)).to.include.members([
      '/organisations/{organisationId}/habilitations/role-grants',
      '/organisations/{organisationId}/usagers/{serviceUserId}/notes',
      '/organisations/{organisationId}/notes/{noteId}/amendments',
    ]);
  });

  function headersFor(endpoint: CommandEndpoint): Record<string, string> {
    const headers: Record<string, string> = { authorization: `Bearer ${session}`, 'idempotency-key': randomUUID() };
    if (endpoint.ifMatchRequired) headers['if-match'] = '"0"';
    return headers;
  }

  async function fuzz(endpoint: CommandEndpoint): Promise<void> {
    // given the valid body of the command, and the events so far
    const valid = validBody(endpoint.body, KNOWN_FIELDS);
    const eventsBefore = await app.eventCount();
    // one seed for both passes below, so that the second sends the same bodies
    const seed = optionalNumber(process.env.FUZZ_SEED) ?? Math.floor(Math.random() * 0x7fffffff);

    // when each invalid body is sent (a valid If-Match where one is required, a fresh Idempotency-Key each time),
    // then each is refused with a problem document
    await sendInvalidBodies(endpoint, valid, seed, { countEachBody: false });

    // and, over the whole run, the log is as it was: the log only grows, so an unchanged count
    // means that no body appended anything
    if ((await app.eventCount()) !== eventsBefore) {
      // a body appended: the same bodies again, counted one by one, so that the failure (and its
      // shrinking) names the body
      await sendInvalidBodies(endpoint, valid, seed, { countEachBody: true });
      expect.fail('a body appended an event, but sent again with the same seed none did');
    }
  }

  async function sendInvalidBodies(
    endpoint: CommandEndpoint,
    valid: Record<string, unknown>,
    seed: number,
    { countEachBody }: { countEachBody: boolean },
  ): Promise<void> {
    let eventsSoFar = await app.eventCount();
    await fc.assert(
      fc.asyncProperty(invalidBodies(endpoint.body, valid), async (fuzzed) => {
        const answer = await client.post(endpoint.url, headersFor(endpoint), fuzzed.text);
        if (countEachBody) {
          const events = await app.eventCount();
          const appendedByThisBody = events - eventsSoFar;
          eventsSoFar = events;
          if (appendedByThisBody !== 0) {
            const appended = await app.lastEvents(appendedByThisBody);
            expect.fail(`${appended.join(', ')} appended by ${fuzzed} (answered ${answer.status})`);
          }
        }
        expectClientProblem(answer, fuzzed);
      }),
      // FUZZ_SEED and FUZZ_PATH replay a failure that a run reported
      // the failure's own message in the report: the counterexample alone prints as [object Object]
      { numRuns: RUNS, seed, path: process.env.FUZZ_PATH, includeErrorInReport: true },
    );
  }
});

function optionalNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** A 4xx problem document (RFC 9457); the failure, described only when there is one (bodies are large). */
function expectClientProblem(answer: HttpAnswer, fuzzed: FuzzedBody): void {
  const { status, body } = answer;
  const isClientProblem =
    status >= 400 &&
    status < 500 &&
    /^application\/problem\+json/.test(answer.headers.get('content-type') ?? '') &&
    typeof body === 'object' &&
    body !== null &&
    typeof body.type === 'string' &&
    typeof body.title === 'string' &&
    body.status === status &&
    typeof body.detail === 'string';
  if (isClientProblem) return;
  const seen = `${status} ${answer.headers.get('content-type')} ${JSON.stringify(body)?.slice(0, 300)} for ${fuzzed}`;
  expect(status, seen).to.be.within(400, 499);
  expect.fail(`not a problem document: ${seen}`);
}
