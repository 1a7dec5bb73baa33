import { expect } from 'chai';
import fc from 'fast-check';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  activeLegalHolds,
  type DestructionReportCommand,
  type DestructionReportEvent,
  destructionReportDecider,
  destructionReportStreamId,
  type RecordDestroyed,
  type RecordRetentionCommand,
  type RecordRetentionEvent,
  recordDestroyedSchema,
  recordRetentionDecider,
  recordRetentionEventSchemas,
  recordRetentionStreamId,
  recordRetentionStreamParts,
} from './record-retention.js';

const spec = DeciderSpecification.for(recordRetentionDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const today = '2028-03-25';

const archivedByDelay: RecordRetentionEvent = {
  type: 'RecordArchived',
  data: { serviceUserId: 'usager-1', archivedOn: '2028-03-20', reason: 'retentionDelay' },
};
const archiveByDelay: RecordRetentionCommand = {
  type: 'ArchiveRecord',
  today,
  serviceUserId: 'usager-1',
  archivedOn: '2028-03-20',
  reason: 'retentionDelay',
  archiveDueOn: '2028-03-20',
};
const holdPlaced: RecordRetentionEvent = {
  type: 'LegalHoldPlaced',
  data: { holdId: 'gel-1', placedOn: '2028-03-21', motive: 'Réquisition judiciaire', placedBy: 'dir-1' },
};

describe('the retention of a usager’s record', () => {
  it('names one stream per usager of the organisation, and reads whose it is back from it', () => {
    const streamId = recordRetentionStreamId('og/1', 'usager-1');
    expect(streamId).to.equal('record-retention/og%2F1/usager-1');
    expect(recordRetentionStreamParts(streamId)).to.deep.equal({ organisationId: 'og/1', serviceUserId: 'usager-1' });
    expect(recordRetentionStreamParts('trusted-persons/og/usager-1')).to.equal(undefined);
    expect(recordRetentionStreamParts('record-retention/og')).to.equal(undefined);
    expect(destructionReportStreamId('og/1')).to.equal('destruction-report/og%2F1');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (organisationId, serviceUserId) => {
        expect(recordRetentionStreamParts(recordRetentionStreamId(organisationId, serviceUserId))).to.deep.equal({
          organisationId,
          serviceUserId,
        });
      }),
    );
  });

  describe('archiving', () => {
    it('archives once the delay has run, on the due day or later', () => {
      spec.given([]).when(archiveByDelay).thenEmits([archivedByDelay]);
      spec
        .given([])
        .when({ ...archiveByDelay, archivedOn: '2028-03-19' })
        .thenRefuses(refusedWith('RECORD_ARCHIVE_NOT_DUE'));
      spec
        .given([])
        .when({ ...archiveByDelay, archiveDueOn: undefined })
        .thenRefuses(refusedWith('RECORD_ARCHIVE_DUE_DAY_REQUIRED'));
    });

    it('archives on a decision, whose motive and author are required', () => {
      const decide = {
        type: 'ArchiveRecord',
        today,
        serviceUserId: 'usager-1',
        archivedOn: '2026-06-01',
        reason: 'decision',
        motive: '  Décès de l’usager  ',
        decidedBy: 'dir-1',
      } as const;
      spec
        .given([])
        .when(decide)
        .thenEmits([
          {
            type: 'RecordArchived',
            data: {
              serviceUserId: 'usager-1',
              archivedOn: '2026-06-01',
              reason: 'decision',
              motive: 'Décès de l’usager',
              decidedBy: 'dir-1',
            },
          },
        ]);
      spec
        .given([])
        .when({ ...decide, motive: ' ' })
        .thenRefuses(refusedWith('RETENTION_TEXT_REQUIRED'));
      spec
        .given([])
        .when({ ...decide, decidedBy: undefined })
        .thenRefuses(refusedWith('RETENTION_ID_REQUIRED'));
    });

    it('refuses to archive twice, or in the future', () => {
      spec.given([archivedByDelay]).when(archiveByDelay).thenRefuses(refusedWith('RECORD_ALREADY_ARCHIVED'));
      spec
        .given([])
        .when({ ...archiveByDelay, archivedOn: '2028-03-26' })
        .thenRefuses(refusedWith('RETENTION_DAY_IN_FUTURE'));
      spec
        .given([])
        .when({ ...archiveByDelay, today: '2028-3-25' })
        .thenRefuses(refusedWith('RETENTION_DAY_INVALID'));
    });
  });

  describe('reopening', () => {
    const reopen: RecordRetentionCommand = {
      type: 'ReopenRecord',
      today,
      reopenedOn: '2028-03-24',
      motive: 'L’usager revient au CSAPA',
      decidedBy: 'dir-1',
    };

    it('reopens an archived record when the usager comes back, and it can be archived again later', () => {
      spec
        .given([archivedByDelay])
        .when(reopen)
        .thenEmits([
          {
            type: 'RecordReopened',
            data: { reopenedOn: '2028-03-24', motive: 'L’usager revient au CSAPA', decidedBy: 'dir-1' },
          },
        ]);
      const reopened: RecordRetentionEvent = {
        type: 'RecordReopened',
        data: { reopenedOn: '2028-03-24', motive: 'retour', decidedBy: 'dir-1' },
      };
      spec
        .given([archivedByDelay, reopened])
        .when({ ...archiveByDelay, archivedOn: '2028-03-25' })
        .thenEmits([{ type: 'RecordArchived', data: { ...archivedByDelay.data, archivedOn: '2028-03-25' } }]);
      spec
        .given([archivedByDelay, reopened])
        .when(archiveByDelay)
        .thenRefuses(refusedWith('RECORD_ARCHIVE_BEFORE_REOPENING'));
    });

    it('reopens only an archived record, not before its archive, with a motive', () => {
      spec.given([]).when(reopen).thenRefuses(refusedWith('RECORD_NOT_ARCHIVED'));
      spec
        .given([archivedByDelay])
        .when({ ...reopen, reopenedOn: '2028-03-19' })
        .thenRefuses(refusedWith('RECORD_REOPENED_BEFORE_ARCHIVE'));
      spec
        .given([archivedByDelay])
        .when({ ...reopen, motive: '' })
        .thenRefuses(refusedWith('RETENTION_TEXT_REQUIRED'));
    });
  });

  describe('legal holds', () => {
    const place: RecordRetentionCommand = {
      type: 'PlaceLegalHold',
      today,
      holdId: 'gel-1',
      placedOn: '2028-03-21',
      motive: 'Réquisition judiciaire',
      placedBy: 'dir-1',
    };
    const lift: RecordRetentionCommand = {
      type: 'LiftLegalHold',
      today,
      holdId: 'gel-1',
      liftedOn: '2028-03-22',
      liftedBy: 'dir-1',
    };
    const lifted: RecordRetentionEvent = {
      type: 'LegalHoldLifted',
      data: { holdId: 'gel-1', liftedOn: '2028-03-22', liftedBy: 'dir-1' },
    };

    it('places a hold with its motive, on an active or archived record, never twice under one id', () => {
      spec.given([]).when(place).thenEmits([holdPlaced]);
      spec.given([archivedByDelay]).when(place).thenEmits([holdPlaced]);
      spec.given([holdPlaced]).when(place).thenRefuses(refusedWith('LEGAL_HOLD_ALREADY_RECORDED'));
      spec.given([holdPlaced, lifted]).when(place).thenRefuses(refusedWith('LEGAL_HOLD_ALREADY_RECORDED'));
      spec
        .given([])
        .when({ ...place, motive: ' ' } as RecordRetentionCommand)
        .thenRefuses(refusedWith('RETENTION_TEXT_REQUIRED'));
    });

    it('lifts only a hold in force, not before it was placed', () => {
      spec.given([holdPlaced]).when(lift).thenEmits([lifted]);
      spec.given([]).when(lift).thenRefuses(refusedWith('LEGAL_HOLD_NOT_FOUND'));
      spec.given([holdPlaced, lifted]).when(lift).thenRefuses(refusedWith('LEGAL_HOLD_NOT_ACTIVE'));
      spec
        .given([holdPlaced])
        .when({ ...lift, liftedOn: '2028-03-20' } as RecordRetentionCommand)
        .thenRefuses(refusedWith('LEGAL_HOLD_LIFTED_BEFORE_PLACED'));
    });

    it('counts the holds in force', () => {
      const second: RecordRetentionEvent = {
        type: 'LegalHoldPlaced',
        data: { ...holdPlaced.data, holdId: 'gel-2' } as never,
      };
      expect(activeLegalHolds(foldEvents(recordRetentionDecider, [holdPlaced, second]))).to.have.length(2);
      expect(activeLegalHolds(foldEvents(recordRetentionDecider, [holdPlaced, second, lifted]))).to.have.length(1);
    });
  });

  it('decides nothing once the usager was forgotten', () => {
    spec
      .given([archivedByDelay, { type: 'LegalHoldPlaced', data: { $erased: true } }])
      .when(archiveByDelay)
      .thenRefuses(refusedWith('RECORD_RETENTION_ERASED'));
  });

  it('emits only events its schemas accept', () => {
    const commands = fc.constantFrom<RecordRetentionCommand>(
      archiveByDelay,
      { type: 'ReopenRecord', today, reopenedOn: '2028-03-25', motive: 'retour', decidedBy: 'dir-1' },
      { type: 'PlaceLegalHold', today, holdId: 'gel-1', placedOn: '2028-03-21', motive: 'contentieux', placedBy: 'd' },
      { type: 'LiftLegalHold', today, holdId: 'gel-1', liftedOn: '2028-03-25', liftedBy: 'd' },
    );
    fc.assert(
      fc.property(fc.array(commands, { maxLength: 12 }), (attempts) => {
        let state = recordRetentionDecider.initialState();
        for (const command of attempts) {
          let events: readonly RecordRetentionEvent[];
          try {
            events = asEventList(recordRetentionDecider.decide(command, state));
          } catch (error) {
            if (error instanceof DomainRuleViolation) continue;
            throw error;
          }
          for (const event of events) {
            expect(recordRetentionEventSchemas[event.type].safeParse(event.data).success, event.type).to.equal(true);
            state = recordRetentionDecider.evolve(state, event);
          }
          // then the holds in force never go below zero nor above those placed
          expect(activeLegalHolds(state).length).to.be.within(0, 1);
        }
      }),
    );
  });
});

describe('the destruction report', () => {
  const report = DeciderSpecification.for(destructionReportDecider);
  const destroyed: RecordDestroyed = {
    serviceUserId: 'usager-1',
    facilityIds: ['750000001', '750000002'],
    destroyedAt: '2046-03-20T02:00:00.000Z',
    lastContactOn: '2026-03-20',
    lastStayEndedOn: '2026-01-10',
    holdsMedicalData: true,
    destructionDueOn: '2046-03-20',
    rule: { dataClass: 'medical', legalSource: 'Article R.1112-7 du code de la santé publique' },
    documentsPurged: 3,
    blobsPurged: 2,
    readModelRowsPurged: 41,
  };
  const record: DestructionReportCommand = {
    type: 'RecordDestruction',
    today: '2046-03-20',
    activeLegalHolds: 0,
    ...destroyed,
    facilityIds: ['750000002', '750000001', '750000002'],
  };
  const event: DestructionReportEvent = { type: 'RecordDestroyed', data: destroyed };

  it('records what was destroyed, when and under which rule, with ids and counts only', () => {
    report
      .given([])
      .when({ ...record, name: 'Jean Dupont', birthDate: '1980-01-01' } as DestructionReportCommand)
      .thenEmits([event]);
    expect(recordDestroyedSchema.safeParse(destroyed).success).to.equal(true);
    expect(Object.keys(recordDestroyedSchema.shape)).to.not.include.members(['name', 'birthName', 'birthDate', 'ins']);
  });

  it('refuses a second destruction of the same usager, an early one, or one under a legal hold', () => {
    report.given([event]).when(record).thenRefuses(refusedWith('RECORD_ALREADY_DESTROYED'));
    report
      .given([])
      .when({ ...record, today: '2046-03-19' })
      .thenRefuses(refusedWith('RECORD_DESTRUCTION_NOT_DUE'));
    report
      .given([])
      .when({ ...record, activeLegalHolds: 1 })
      .thenRefuses(refusedWith('RECORD_DESTRUCTION_SUSPENDED'));
    report
      .given([])
      .when({ ...record, documentsPurged: -1 })
      .thenRefuses(refusedWith('RECORD_DESTRUCTION_INVALID'));
    report
      .given([event])
      .when({ ...record, serviceUserId: 'usager-2' })
      .thenEmits([{ type: 'RecordDestroyed', data: { ...destroyed, serviceUserId: 'usager-2' } }]);
  });
});
