import {
  type StayContractEvent,
  stayContractDeadlines,
  stayContractStreamId,
  stayContractWarnings,
} from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { stayContractsProjection } from './stay-contracts-projection.js';
import { stayContractsToWatch } from './stay-contracts-to-watch-query.js';

const organisationId = 'og-1';
const csapa = '750000001';
const accompanimentId = '0195f0a0-0000-7000-8000-0000000000a1';
const ids = {
  first: '0195f0a0-0000-7000-8000-0000000000c1',
  second: '0195f0a0-0000-7000-8000-0000000000c2',
  third: '0195f0a0-0000-7000-8000-0000000000c3',
  fourth: '0195f0a0-0000-7000-8000-0000000000c4',
} as const;
type Contract = keyof typeof ids;

function stream(
  contract: Contract,
  events: StayContractEvent[],
  where: { organisation?: string; facilityId?: string; serviceUserId?: string } = {},
): GivenEvent[] {
  const organisation = where.organisation ?? organisationId;
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: stayContractStreamId(organisation, ids[contract]),
    metadata: {
      organisationId: organisation,
      facilityId: where.facilityId ?? csapa,
      serviceUserId: where.serviceUserId ?? 'usager-1',
    },
  }));
}
const drafted = (contract: Contract, admittedOn: string, facilityId = csapa): StayContractEvent => ({
  type: 'StayContractDrafted',
  data: {
    contractId: ids[contract],
    kind: 'stay-contract',
    serviceUserId: 'usager-1',
    facilityId,
    accompanimentId,
    admittedOn,
    objectives: [],
    services: ['Accompagnement social'],
    annexes: [],
  },
});
const handedOver = (contract: Contract, handedOverOn: string): StayContractEvent => ({
  type: 'StayContractHandedOver',
  data: { contractId: ids[contract], handedOverOn },
});
const signed = (contract: Contract, signedOn: string): StayContractEvent => ({
  type: 'StayContractSigned',
  data: { contractId: ids[contract], version: 1, kind: 'stay-contract', signedOn, directorId: 'pro-dir' },
});
const refused = (contract: Contract, refusedOn: string): StayContractEvent => ({
  type: 'StayContractSignatureRefused',
  data: { contractId: ids[contract], refusedOn, refusedBy: 'usager' },
});
const amended = (contract: Contract, version: number, signedOn: string): StayContractEvent[] => [
  {
    type: 'StayContractAmendmentDrafted',
    data: {
      contractId: ids[contract],
      version,
      draftedOn: signedOn,
      reason: 'Avenant',
      objectives: ['Objectif'],
      services: ['Accompagnement social'],
      annexes: [],
    },
  },
  {
    type: 'StayContractAmendmentSigned',
    data: { contractId: ids[contract], version, signedOn, signedForUsagerBy: 'usager', directorId: 'pro-dir' },
  },
];
const reviewed = (contract: Contract, reviewedOn: string): StayContractEvent => ({
  type: 'StayContractReviewed',
  data: { contractId: ids[contract], reviewedOn, outcome: 'objectives-confirmed' },
});
const closed = (contract: Contract, closedOn: string): StayContractEvent => ({
  type: 'StayContractClosed',
  data: { contractId: ids[contract], closedOn, reason: 'Fin de l’accompagnement' },
});
const row = (contract: Contract) => ({
  organisation_id: organisationId,
  contract_id: ids[contract],
  facility_id: csapa,
  service_user_id: 'usager-1',
  accompaniment_id: accompanimentId,
});
const noDeadline = { handover_due_on: null, signature_due_on: null, amendment_due_on: null, review_due_on: null };

describe('the stay contracts projection', () => {
  const spec = ProjectionSpecification.for(stayContractsProjection);
  after(() => spec.close());

  it('keeps one row per contract: kind, status, version in force, days of its acts, open deadlines, revision', () =>
    spec
      .given([
        ...stream('first', [
          drafted('first', '2025-01-31'),
          handedOver('first', '2025-02-05'),
          signed('first', '2025-02-20'),
          ...amended('first', 2, '2025-07-01'),
          ...amended('first', 3, '2025-09-01'),
          reviewed('first', '2026-06-15'),
        ]),
        ...stream('second', [
          drafted('second', '2025-01-31'),
          handedOver('second', '2025-02-05'),
          refused('second', '2025-02-06'),
        ]),
      ])
      .thenTable('stay_contracts', [
        {
          ...row('first'),
          kind: 'stay-contract',
          status: 'signed',
          current_version: 3,
          pending_amendment_version: null,
          admitted_on: '2025-01-31',
          handed_over_on: '2025-02-05',
          signed_on: '2025-02-20',
          first_amendment_signed_on: '2025-07-01',
          last_reviewed_on: '2026-06-15',
          closed_on: null,
          ...noDeadline,
          review_due_on: '2027-06-15',
          revision: 7,
        },
        {
          ...row('second'),
          kind: 'dipc',
          status: 'handed-over',
          current_version: 0,
          pending_amendment_version: null,
          admitted_on: '2025-01-31',
          handed_over_on: '2025-02-05',
          signed_on: null,
          first_amendment_signed_on: null,
          last_reviewed_on: null,
          closed_on: null,
          ...noDeadline,
          signature_due_on: '2025-02-28',
          amendment_due_on: '2025-07-31',
          revision: 2,
        },
      ]));

  it('shows a pending amendment, and keeps no deadline once closed', () =>
    spec
      .given([
        ...stream('first', [
          drafted('first', '2025-03-03'),
          handedOver('first', '2025-03-05'),
          signed('first', '2025-03-20'),
          amended('first', 2, '2025-08-01')[0] as StayContractEvent,
        ]),
        ...stream('second', [drafted('second', '2025-03-03'), closed('second', '2025-03-10')]),
      ])
      .thenTable('stay_contracts', [
        {
          ...row('first'),
          kind: 'stay-contract',
          status: 'signed',
          current_version: 1,
          pending_amendment_version: 2,
          admitted_on: '2025-03-03',
          handed_over_on: '2025-03-05',
          signed_on: '2025-03-20',
          first_amendment_signed_on: null,
          last_reviewed_on: null,
          closed_on: null,
          ...noDeadline,
          amendment_due_on: '2025-09-03',
          revision: 3,
        },
        {
          ...row('second'),
          kind: 'stay-contract',
          status: 'closed',
          current_version: 0,
          pending_amendment_version: null,
          admitted_on: '2025-03-03',
          handed_over_on: null,
          signed_on: null,
          first_amendment_signed_on: null,
          last_reviewed_on: null,
          closed_on: '2025-03-10',
          ...noDeadline,
          revision: 1,
        },
      ]));

  it('drops a forgotten usager’s contracts, and leaves the others’', async () => {
    const schema = await spec.modelAfter([
      ...stream('first', [drafted('first', '2025-03-03'), handedOver('first', '2025-03-05')]).map((event) =>
        erased(event),
      ),
      ...stream('second', [drafted('second', '2025-03-03')]),
    ]);
    const rows = await spec.db.withSchema(schema).from('stay_contracts').select('contract_id');
    expect(rows).to.deep.equal([{ contract_id: ids.second }]);
  });

  it('lists the contracts to watch in one ESSMS, most urgent first, each with its warnings', async () => {
    const schema = await spec.modelAfter([
      // admitted on 1 March: handover overdue since 17 March, signature due on 1 April
      ...stream('first', [drafted('first', '2025-03-01')]),
      // handed over and signed: the 6-month amendment is due on 10 September
      ...stream('second', [
        drafted('second', '2025-03-10'),
        handedOver('second', '2025-03-12'),
        signed('second', '2025-03-20'),
      ]),
      // closed: nothing
      ...stream('third', [drafted('third', '2025-03-01'), closed('third', '2025-03-20')]),
      // another ESSMS, another organisation
      ...stream('fourth', [drafted('fourth', '2025-03-01', '750000002')], { facilityId: '750000002' }),
      ...stream('first', [drafted('first', '2025-03-01')], { organisation: 'og-2' }),
    ]);
    const watch = (today: string, facilityId = csapa) =>
      stayContractsToWatch(spec.db, schema, { organisationId, facilityId, today });

    const inMarch = await watch('2025-03-26');
    expect(inMarch.map(({ contractId, warnings }) => [contractId, warnings.map((w) => w.type)])).to.deep.equal([
      [ids.first, ['handover-overdue', 'signature-due-soon']],
    ]);
    expect(inMarch[0]).to.include({ serviceUserId: 'usager-1', kind: 'stay-contract', status: 'draft', revision: 0 });

    const inAugust = await watch('2025-08-20');
    expect(inAugust.map(({ contractId, warnings }) => [contractId, warnings.map((w) => w.type)])).to.deep.equal([
      [ids.first, ['handover-overdue', 'signature-overdue', 'amendment-due-soon']],
      [ids.second, ['amendment-due-soon']],
    ]);
    expect(inAugust[1]).to.include({ currentVersion: 1, status: 'signed', revision: 2 });
    expect(await watch('2025-03-05')).to.deep.equal([]);
    expect((await watch('2025-03-26', '750000002')).map((c) => c.contractId)).to.deep.equal([ids.fourth]);
  });

  it('lists exactly the open contracts the domain rule warns about, whatever the days', async () => {
    const contracts = Object.keys(ids) as Contract[];
    const lifeCycle = fc.record({
      admittedAgo: fc.integer({ min: -10, max: 900 }),
      stage: fc.integer({ min: 0, max: 5 }),
      close: fc.boolean(),
    });
    const today = '2026-06-15';
    const dayBefore = (days: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
    await fc.assert(
      fc.asyncProperty(fc.tuple(lifeCycle, lifeCycle, lifeCycle, lifeCycle), async (cycles) => {
        const given: GivenEvent[] = [];
        const expected: [string, string[]][] = [];
        cycles.forEach(({ admittedAgo, stage, close }, index) => {
          const contract = contracts[index] as Contract;
          const admittedOn = dayBefore(admittedAgo);
          const after = (days: number) => dayBefore(admittedAgo - days);
          const events = [drafted(contract, admittedOn)];
          if (stage >= 1) events.push(handedOver(contract, after(10)));
          if (stage >= 2) events.push(signed(contract, after(25)));
          if (stage >= 3) events.push(...amended(contract, 2, after(170)));
          if (stage >= 4) events.push(reviewed(contract, after(500)));
          if (stage >= 5) events.push(...amended(contract, 3, after(600)));
          if (close) events.push(closed(contract, after(700)));
          given.push(...stream(contract, events));
          const terms = {
            status: close
              ? ('closed' as const)
              : stage >= 2
                ? ('signed' as const)
                : stage === 1
                  ? ('handed-over' as const)
                  : ('draft' as const),
            admittedOn,
            handedOverOn: stage >= 1 ? after(10) : undefined,
            signedOn: stage >= 2 ? after(25) : undefined,
            firstAmendmentSignedOn: stage >= 3 ? after(170) : undefined,
            lastReviewedOn: stage >= 4 ? after(500) : undefined,
          };
          const warnings = stayContractWarnings(terms, today);
          if (warnings.length > 0) {
            expected.push([`${warnings[0]?.dueOn}|${ids[contract]}`, warnings.map((warning) => warning.type)]);
          }
          expect(Object.keys(stayContractDeadlines(terms)).length > 0).to.equal(!close);
        });
        const schema = await spec.modelAfter(given);
        const watched = await stayContractsToWatch(spec.db, schema, { organisationId, facilityId: csapa, today });
        expect(
          watched.map((c) => [`${c.warnings[0]?.dueOn}|${c.contractId}`, c.warnings.map((w) => w.type)]),
        ).to.deep.equal(expected.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: 25 },
    );
  });
});
