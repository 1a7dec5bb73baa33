import { type AccompanimentExitEvent, accompanimentExitStreamId, addCalendarDays } from '@dui-pds/domain';
import { expect } from 'chai';
import fc from 'fast-check';
import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { accompanimentExit } from './accompaniment-exit-query.js';
import { accompanimentExitsProjection } from './accompaniment-exits-projection.js';
import { openPostExitActions } from './open-post-exit-actions-query.js';

const organisationId = 'og-1';
const csapa = '750000001';
const accompanimentOf = (n: number) => `0195f0a0-0000-7000-8000-0000000000${String(n).padStart(2, '0')}`;
const actionOf = (n: number) => `0195f0a0-0000-7000-8000-0000000001${String(n).padStart(2, '0')}`;

function stream(n: number, events: AccompanimentExitEvent[], organisation = organisationId): GivenEvent[] {
  return events.map((event) => ({
    type: event.type,
    data: event.data,
    streamId: accompanimentExitStreamId(organisation, accompanimentOf(n)),
    metadata: { organisationId: organisation, facilityId: csapa, serviceUserId: `usager-${n}` },
  }));
}
const recorded = (n: number, exitDay = '2025-06-30'): AccompanimentExitEvent => ({
  type: 'ExitRecorded',
  data: {
    accompanimentId: accompanimentOf(n),
    serviceUserId: `usager-${n}`,
    facilityId: csapa,
    exitDay,
    exitReason: 'reoriented',
    destination: 'other-essms',
    destinationDetails: 'CSAPA de Lyon',
  },
});
const planned = (n: number, action: number, dueDay: string): AccompanimentExitEvent => ({
  type: 'PostExitActionPlanned',
  data: {
    accompanimentId: accompanimentOf(n),
    actionId: actionOf(action),
    description: `Action ${action}`,
    assigneeId: 'pro-social',
    dueDay,
  },
});
const done = (n: number, action: number): AccompanimentExitEvent => ({
  type: 'PostExitActionDone',
  data: { accompanimentId: accompanimentOf(n), actionId: actionOf(action), doneDay: '2025-07-10', outcome: 'Fait' },
});
const cancelled = (n: number, action: number): AccompanimentExitEvent => ({
  type: 'PostExitActionCancelled',
  data: { accompanimentId: accompanimentOf(n), actionId: actionOf(action), reason: 'Injoignable' },
});
const exitRow = (n: number) => ({
  organisation_id: organisationId,
  accompaniment_id: accompanimentOf(n),
  facility_id: csapa,
  service_user_id: `usager-${n}`,
  exit_day: '2025-06-30',
  exit_reason: 'reoriented',
  exit_reason_details: null,
  destination: 'other-essms',
  destination_details: 'CSAPA de Lyon',
  corrections: 0,
  closed_day: null,
  closing_note: null,
});

describe('the accompaniment exits projection', () => {
  const spec = ProjectionSpecification.for(accompanimentExitsProjection);
  after(() => spec.close());

  it('keeps what each exit says now, its closing, and its revision', () =>
    spec
      .given([
        ...stream(1, [
          recorded(1),
          {
            type: 'ExitCorrected',
            data: {
              accompanimentId: accompanimentOf(1),
              reason: 'erreur de saisie',
              exit: { exitDay: '2025-06-28', exitReason: 'death', destination: 'not-applicable' },
            },
          },
        ]),
        ...stream(2, [
          recorded(2),
          planned(2, 1, '2025-07-15'),
          done(2, 1),
          {
            type: 'PostExitFollowUpClosed',
            data: { accompanimentId: accompanimentOf(2), closedDay: '2025-07-20', note: 'Relais pris' },
          },
        ]),
      ])
      .thenTable('exits', [
        {
          ...exitRow(1),
          exit_day: '2025-06-28',
          exit_reason: 'death',
          destination: 'not-applicable',
          destination_details: null,
          corrections: 1,
          revision: 1,
        },
        { ...exitRow(2), closed_day: '2025-07-20', closing_note: 'Relais pris', revision: 3 },
      ]));

  it('keeps each post-exit action with the ESSMS and usager of its exit', () =>
    spec
      .given(
        stream(1, [
          recorded(1),
          planned(1, 1, '2025-07-15'),
          planned(1, 2, '2025-07-01'),
          planned(1, 3, '2025-08-01'),
          done(1, 1),
          cancelled(1, 2),
        ]),
      )
      .thenTable('post_exit_actions', [
        {
          organisation_id: organisationId,
          accompaniment_id: accompanimentOf(1),
          action_id: actionOf(1),
          facility_id: csapa,
          service_user_id: 'usager-1',
          description: 'Action 1',
          assignee_id: 'pro-social',
          due_day: '2025-07-15',
          status: 'done',
          done_day: '2025-07-10',
          outcome: 'Fait',
          cancel_reason: null,
        },
        {
          organisation_id: organisationId,
          accompaniment_id: accompanimentOf(1),
          action_id: actionOf(2),
          facility_id: csapa,
          service_user_id: 'usager-1',
          description: 'Action 2',
          assignee_id: 'pro-social',
          due_day: '2025-07-01',
          status: 'cancelled',
          done_day: null,
          outcome: null,
          cancel_reason: 'Injoignable',
        },
        {
          organisation_id: organisationId,
          accompaniment_id: accompanimentOf(1),
          action_id: actionOf(3),
          facility_id: csapa,
          service_user_id: 'usager-1',
          description: 'Action 3',
          assignee_id: 'pro-social',
          due_day: '2025-08-01',
          status: 'open',
          done_day: null,
          outcome: null,
          cancel_reason: null,
        },
      ]));

  it('drops a forgotten usager’s exit and actions, and leaves the others’', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, [recorded(1), planned(1, 1, '2025-07-15')]).map((event) => erased(event)),
      ...stream(2, [recorded(2), planned(2, 2, '2025-07-15')]),
    ]);
    expect(await accompanimentExit(spec.db, schema, { organisationId, accompanimentId: accompanimentOf(1) })).to.equal(
      undefined,
    );
    const open = await openPostExitActions(spec.db, schema, { organisationId, facilityId: csapa, today: '2025-07-01' });
    expect(open.map((action) => action.serviceUserId)).to.deep.equal(['usager-2']);
  });

  it('reads the exit of an accompaniment with its actions, due day first', async () => {
    const schema = await spec.modelAfter(
      stream(1, [recorded(1), planned(1, 1, '2025-07-15'), planned(1, 2, '2025-07-01'), done(1, 1)]),
    );
    const view = await accompanimentExit(spec.db, schema, { organisationId, accompanimentId: accompanimentOf(1) });
    expect(view).to.deep.include({
      serviceUserId: 'usager-1',
      exitReason: 'reoriented',
      destinationDetails: 'CSAPA de Lyon',
      exitReasonDetails: null,
      revision: 3,
    });
    expect(view?.followUp.status).to.equal('open');
    expect(view?.followUp.actions.map(({ actionId, status }) => [actionId, status])).to.deep.equal([
      [actionOf(2), 'open'],
      [actionOf(1), 'done'],
    ]);
    expect(await accompanimentExit(spec.db, schema, { organisationId: 'og-2', accompanimentId: accompanimentOf(1) })).to
      .be.undefined;
  });

  it('lists the open actions of one ESSMS, overdue first', async () => {
    const schema = await spec.modelAfter([
      ...stream(1, [recorded(1), planned(1, 1, '2025-07-15'), planned(1, 2, '2025-07-01'), done(1, 2)]),
      ...stream(2, [recorded(2), planned(2, 3, '2025-07-05'), planned(2, 4, '2025-09-01')]),
      ...stream(3, [recorded(3), planned(3, 5, '2025-07-02')], 'og-2'),
    ]);
    const open = await openPostExitActions(spec.db, schema, { organisationId, facilityId: csapa, today: '2025-07-10' });
    expect(open.map(({ actionId, overdue, serviceUserId }) => [actionId, overdue, serviceUserId])).to.deep.equal([
      [actionOf(3), true, 'usager-2'],
      [actionOf(1), false, 'usager-1'],
      [actionOf(4), false, 'usager-2'],
    ]);
    expect(open[1]).to.include({ accompanimentId: accompanimentOf(1), exitDay: '2025-06-30', revision: 3 });
    expect(
      await openPostExitActions(spec.db, schema, { organisationId, facilityId: '750000002', today: '2025-07-10' }),
    ).to.deep.equal([]);
  });

  it('lists exactly the open actions, every overdue one before every other', async () => {
    const today = '2025-07-10';
    const actionArb = fc.record({
      offset: fc.integer({ min: -20, max: 20 }),
      fate: fc.constantFrom('open', 'done', 'cancelled'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 6 }), async (actions) => {
        const events: AccompanimentExitEvent[] = [recorded(1, '2025-06-01')];
        actions.forEach(({ offset, fate }, index) => {
          events.push(planned(1, index, addCalendarDays(today, offset)));
          if (fate === 'done') events.push(done(1, index));
          if (fate === 'cancelled') events.push(cancelled(1, index));
        });
        const schema = await spec.modelAfter(stream(1, events));
        const open = await openPostExitActions(spec.db, schema, { organisationId, facilityId: csapa, today });
        expect(open.map((action) => action.actionId).sort()).to.deep.equal(
          actions.flatMap(({ fate }, index) => (fate === 'open' ? [actionOf(index)] : [])).sort(),
        );
        const firstOnTime = open.findIndex((action) => !action.overdue);
        expect(open.slice(firstOnTime === -1 ? open.length : firstOnTime).every((action) => !action.overdue)).to.equal(
          true,
        );
        for (const action of open) expect(action.overdue).to.equal(action.dueDay < today);
      }),
      { numRuns: 20 },
    );
  });
});
