import assert from 'node:assert/strict';
import { asEventList, foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type StayContract,
  type StayContractAnnex,
  type StayContractCommand,
  type StayContractEvent,
  stayContractDecider,
  stayContractEventSchemas,
  stayContractStreamId,
} from './stay-contract.js';

const spec = DeciderSpecification.for(stayContractDecider);
const contractId = '0195f0a0-0000-7000-8000-0000000000c1';
const accompanimentId = '0195f0a0-0000-7000-8000-0000000000a1';
const measureId = '0195f0a0-0000-7000-8000-0000000000f1';
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

type Command<T extends StayContractCommand['type']> = Extract<StayContractCommand, { type: T }>;
const operatingRules: StayContractAnnex = { kind: 'operating-rules', reference: 'Règlement de fonctionnement 2025' };
const movementAnnex: StayContractAnnex = { kind: 'freedom-of-movement', measureIds: [measureId] };
const draft: Command<'DraftStayContract'> = {
  type: 'DraftStayContract',
  contractId,
  kind: 'stay-contract',
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  accompanimentId,
  admittedOn: '2025-03-03',
  objectives: ['Stabiliser le traitement de substitution'],
  services: ['Hébergement en appartement thérapeutique', 'Accompagnement social'],
  annexes: [operatingRules, movementAnnex],
};
const { type: _, annexes: __, ...draftedData } = draft;
const drafted: StayContractEvent = {
  type: 'StayContractDrafted',
  data: { ...draftedData, annexes: [operatingRules, movementAnnex] },
};
const handedOver: StayContractEvent = {
  type: 'StayContractHandedOver',
  data: { contractId, handedOverOn: '2025-03-10' },
};
const sign: Command<'SignStayContract'> = {
  type: 'SignStayContract',
  day: '2025-03-20',
  signedForUsagerBy: 'usager',
  directorId: 'pro-dir',
};
const signed: StayContractEvent = {
  type: 'StayContractSigned',
  data: {
    contractId,
    version: 1,
    kind: 'stay-contract',
    signedOn: '2025-03-20',
    signedForUsagerBy: 'usager',
    directorId: 'pro-dir',
  },
};
const amend: Command<'DraftStayContractAmendment'> = {
  type: 'DraftStayContractAmendment',
  day: '2025-08-01',
  reason: 'Avenant des six mois : objectifs précisés',
  objectives: ['Réduire les consommations d’alcool', 'Retrouver un logement autonome'],
};
const amendmentDrafted: StayContractEvent = {
  type: 'StayContractAmendmentDrafted',
  data: {
    contractId,
    version: 2,
    draftedOn: '2025-08-01',
    reason: amend.reason,
    objectives: ['Réduire les consommations d’alcool', 'Retrouver un logement autonome'],
    services: draft.services,
    annexes: [operatingRules, movementAnnex],
  },
};
const amendmentSigned: StayContractEvent = {
  type: 'StayContractAmendmentSigned',
  data: {
    contractId,
    version: 2,
    signedOn: '2025-08-15',
    signedForUsagerBy: 'legal-representative',
    legalRepresentative: 'M. Curateur',
    directorId: 'pro-dir',
  },
};
const signAmendment: Command<'SignStayContractAmendment'> = {
  type: 'SignStayContractAmendment',
  day: '2025-08-15',
  signedForUsagerBy: 'legal-representative',
  legalRepresentative: ' M. Curateur ',
  directorId: 'pro-dir',
};
const reviewed: StayContractEvent = {
  type: 'StayContractReviewed',
  data: { contractId, reviewedOn: '2026-08-01', outcome: 'objectives-confirmed' },
};
const closed: StayContractEvent = {
  type: 'StayContractClosed',
  data: { contractId, closedOn: '2026-09-01', reason: 'Fin de l’accompagnement' },
};
const upToSigned = [drafted, handedOver, signed];
const upToAmended = [...upToSigned, amendmentDrafted, amendmentSigned];

describe('a contrat de séjour or DIPC', () => {
  it('names one stream per contract, the organisation escaped', () => {
    assert.equal(stayContractStreamId('og/1', contractId), `stay-contract/og%2F1/${contractId}`);
  });

  describe('drafting', () => {
    it('drafts once, items trimmed, the measures of the annex deduplicated', () => {
      spec
        .given([])
        .when({
          ...draft,
          objectives: [' Stabiliser le traitement de substitution ', ' '],
          annexes: [operatingRules, { kind: 'freedom-of-movement', measureIds: [measureId, measureId] }],
        })
        .thenEmits([drafted]);
      spec.given([drafted]).when(draft).thenRefuses(refusedWith('STAY_CONTRACT_ALREADY_DRAFTED'));
    });

    it('refuses a malformed or repeated annex and an invalid admission day', () => {
      spec
        .given([])
        .when({ ...draft, annexes: [{ kind: 'freedom-of-movement', measureIds: [] }] })
        .thenRefuses(refusedWith('ANNEX_INVALID'));
      spec
        .given([])
        .when({
          ...draft,
          annexes: [
            { kind: 'price-list', reference: 'Tarifs 2025' },
            { kind: 'price-list', reference: 'Tarifs 2026' },
          ],
        })
        .thenRefuses(refusedWith('ANNEX_REPEATED'));
      spec
        .given([])
        .when({ ...draft, admittedOn: '2025-02-30' })
        .thenRefuses(refusedWith('INVALID_DATE'));
    });

    it('is revised before the signature, even once handed over, keeping what the revision leaves out', () => {
      spec
        .given([drafted, handedOver])
        .when({ type: 'ReviseStayContractDraft', kind: 'dipc', services: ['Accueil de jour'] })
        .thenEmits([
          {
            type: 'StayContractDraftRevised',
            data: {
              contractId,
              kind: 'dipc',
              objectives: draft.objectives,
              services: ['Accueil de jour'],
              annexes: [operatingRules, movementAnnex],
            },
          },
        ]);
      spec.given([drafted]).when({ type: 'ReviseStayContractDraft' }).thenRefuses(refusedWith('NOTHING_TO_REVISE'));
    });

    it('refuses any direct change to a signed version: it is frozen, changes are amendments', () => {
      spec
        .given(upToSigned)
        .when({ type: 'ReviseStayContractDraft', objectives: ['Autre objectif'] })
        .thenRefuses(refusedWith('SIGNED_VERSION_FROZEN'));
      spec
        .given(upToSigned)
        .when({ type: 'HandOverStayContract', day: '2025-03-25' })
        .thenRefuses(refusedWith('SIGNED_VERSION_FROZEN'));
      spec.given(upToSigned).when(sign).thenRefuses(refusedWith('SIGNED_VERSION_FROZEN'));
    });
  });

  describe('handing over and signing', () => {
    it('is handed over once, not before the admission', () => {
      spec.given([drafted]).when({ type: 'HandOverStayContract', day: '2025-03-10' }).thenEmits([handedOver]);
      spec
        .given([drafted])
        .when({ type: 'HandOverStayContract', day: '2025-03-02' })
        .thenRefuses(refusedWith('HANDED_OVER_BEFORE_ADMISSION'));
      spec
        .given([drafted, handedOver])
        .when({ type: 'HandOverStayContract', day: '2025-03-11' })
        .thenRefuses(refusedWith('STAY_CONTRACT_ALREADY_HANDED_OVER'));
      spec
        .given([])
        .when({ type: 'HandOverStayContract', day: '2025-03-10' })
        .thenRefuses(refusedWith('STAY_CONTRACT_NOT_FOUND'));
    });

    it('is signed as version 1, by the usager or their legal representative and the director, after its handover', () => {
      spec.given([drafted, handedOver]).when(sign).thenEmits([signed]);
      spec.given([drafted]).when(sign).thenRefuses(refusedWith('SIGNED_BEFORE_HANDOVER'));
      spec
        .given([drafted, handedOver])
        .when({ ...sign, day: '2025-03-09' })
        .thenRefuses(refusedWith('SIGNED_BEFORE_HANDOVER'));
      spec
        .given([drafted, handedOver])
        .when({ ...sign, signedForUsagerBy: undefined })
        .thenRefuses(refusedWith('USAGER_SIGNATURE_REQUIRED'));
      spec
        .given([drafted, handedOver])
        .when({ ...sign, signedForUsagerBy: 'legal-representative' })
        .thenRefuses(refusedWith('LEGAL_REPRESENTATIVE_REQUIRED'));
      spec
        .given([drafted, handedOver])
        .when({ ...sign, legalRepresentative: 'Mme Tutrice' })
        .thenRefuses(refusedWith('LEGAL_REPRESENTATIVE_WITHOUT_SIGNATURE'));
      spec
        .given([drafted, handedOver])
        .when({ ...sign, directorId: ' ' })
        .thenRefuses(refusedWith('DIRECTOR_SIGNATURE_REQUIRED'));
    });

    it('is signed only with at least one service', () => {
      const revised: StayContractEvent = {
        type: 'StayContractDraftRevised',
        data: { contractId, kind: 'stay-contract', objectives: [], services: [], annexes: [] },
      };
      spec.given([drafted, handedOver, revised]).when(sign).thenRefuses(refusedWith('SERVICES_REQUIRED'));
    });

    it('becomes a DIPC when the person refuses to sign, which the director then signs alone', () => {
      const refuse: Command<'RecordSignatureRefusal'> = {
        type: 'RecordSignatureRefusal',
        day: '2025-03-15',
        refusedBy: 'usager',
        reason: ' ',
      };
      const refused: StayContractEvent = {
        type: 'StayContractSignatureRefused',
        data: { contractId, refusedOn: '2025-03-15', refusedBy: 'usager' },
      };
      spec.given([drafted, handedOver]).when(refuse).thenEmits([refused]);
      spec.given([drafted]).when(refuse).thenRefuses(refusedWith('REFUSED_BEFORE_HANDOVER'));
      spec
        .given([drafted, handedOver, refused])
        .when(refuse)
        .thenRefuses(refusedWith('REFUSAL_ONLY_FOR_STAY_CONTRACT'));
      spec.given(upToSigned).when(refuse).thenRefuses(refusedWith('SIGNED_VERSION_FROZEN'));

      const state = foldEvents(stayContractDecider, [drafted, handedOver, refused]);
      assert.ok(state.status === 'handed-over');
      assert.equal(state.kind, 'dipc');
      const directorAlone: Command<'SignStayContract'> = {
        type: 'SignStayContract',
        day: '2025-03-16',
        directorId: 'pro-dir',
      };
      spec
        .given([drafted, handedOver, refused])
        .when(directorAlone)
        .thenEmits([
          {
            type: 'StayContractSigned',
            data: { contractId, version: 1, kind: 'dipc', signedOn: '2025-03-16', directorId: 'pro-dir' },
          },
        ]);
      spec
        .given([drafted, handedOver, refused])
        .when({ ...directorAlone, day: '2025-03-14' })
        .thenRefuses(refusedWith('SIGNED_BEFORE_REFUSAL'));
    });
  });

  describe('amendments', () => {
    it('amends a signed version only, after its signature, with a reason, keeping what it leaves out', () => {
      spec.given(upToSigned).when(amend).thenEmits([amendmentDrafted]);
      spec.given([drafted, handedOver]).when(amend).thenRefuses(refusedWith('STAY_CONTRACT_NOT_SIGNED'));
      spec
        .given(upToSigned)
        .when({ ...amend, day: '2025-03-19' })
        .thenRefuses(refusedWith('AMENDMENT_BEFORE_SIGNATURE'));
      spec
        .given(upToSigned)
        .when({ ...amend, reason: '  ' })
        .thenRefuses(refusedWith('AMENDMENT_REASON_REQUIRED'));
      spec
        .given(upToSigned)
        .when({ type: 'DraftStayContractAmendment', day: '2025-08-01', reason: 'rien' })
        .thenRefuses(refusedWith('NOTHING_TO_AMEND'));
    });

    it('signs the pending amendment as the next version, the earlier one kept frozen', () => {
      spec
        .given([...upToSigned, amendmentDrafted])
        .when(signAmendment)
        .thenEmits([amendmentSigned]);
      spec.given(upToSigned).when(signAmendment).thenRefuses(refusedWith('NO_AMENDMENT_TO_SIGN'));
      spec
        .given([...upToSigned, amendmentDrafted])
        .when({ ...signAmendment, day: '2025-07-31' })
        .thenRefuses(refusedWith('AMENDMENT_SIGNED_BEFORE_DRAFT'));

      const state = foldEvents(stayContractDecider, upToAmended);
      assert.ok(state.status === 'signed');
      assert.equal(state.currentVersion, 2);
      assert.equal(state.firstAmendmentSignedOn, '2025-08-15');
      assert.equal(state.pendingAmendment, undefined);
      assert.deepEqual(
        state.versions.map(({ version, objectives, signedOn }) => ({ version, objectives, signedOn })),
        [
          { version: 1, objectives: draft.objectives, signedOn: '2025-03-20' },
          { version: 2, objectives: amend.objectives, signedOn: '2025-08-15' },
        ],
      );
      assert.equal(state.versions[1]?.reason, amend.reason);
      assert.equal(state.versions[1]?.legalRepresentative, 'M. Curateur');
    });

    it('numbers a third version after a second amendment, a new draft replacing the pending one', () => {
      const second: StayContractCommand = { ...amend, day: '2025-09-01', services: ['Accueil de jour'] };
      const commands: StayContractCommand[] = [
        second,
        { ...second, reason: 'Avenant corrigé' },
        { ...signAmendment, day: '2025-09-02' },
      ];
      const state = commands.reduce(
        (current, command) =>
          asEventList(stayContractDecider.decide(command, current)).reduce(stayContractDecider.evolve, current),
        foldEvents(stayContractDecider, upToAmended),
      );
      assert.ok(state.status === 'signed');
      assert.equal(state.currentVersion, 3);
      assert.deepEqual(
        state.versions.map(({ version, reason }) => [version, reason]),
        [
          [1, undefined],
          [2, amend.reason],
          [3, 'Avenant corrigé'],
        ],
      );
      assert.equal(state.firstAmendmentSignedOn, '2025-08-15');
    });
  });

  describe('yearly review and closure', () => {
    it('is reviewed after the first amendment, on or after the last act', () => {
      const review: Command<'ReviewStayContract'> = {
        type: 'ReviewStayContract',
        day: '2026-08-01',
        outcome: 'objectives-confirmed',
      };
      spec.given(upToAmended).when(review).thenEmits([reviewed]);
      spec.given(upToSigned).when(review).thenRefuses(refusedWith('REVIEW_BEFORE_FIRST_AMENDMENT'));
      spec
        .given(upToAmended)
        .when({ ...review, day: '2025-08-14' })
        .thenRefuses(refusedWith('REVIEW_BEFORE_LAST_ACT'));
      spec
        .given([...upToAmended, reviewed])
        .when({ ...review, day: '2026-07-31' })
        .thenRefuses(refusedWith('REVIEW_BEFORE_LAST_ACT'));
    });

    it('closes with a day and a reason; once closed, nothing more is done', () => {
      spec
        .given(upToAmended)
        .when({ type: 'CloseStayContract', day: '2026-09-01', reason: ' Fin de l’accompagnement ' })
        .thenEmits([closed]);
      spec
        .given([drafted])
        .when({ type: 'CloseStayContract', day: '2025-03-01', reason: 'Sortie' })
        .thenRefuses(refusedWith('CLOSED_BEFORE_ADMISSION'));
      spec
        .given([drafted])
        .when({ type: 'CloseStayContract', day: '2025-03-04', reason: ' ' })
        .thenRefuses(refusedWith('CLOSE_REASON_REQUIRED'));
      const afterClosure: StayContractCommand[] = [
        { type: 'CloseStayContract', day: '2026-09-02', reason: 'encore' },
        { type: 'ReviewStayContract', day: '2026-09-02', outcome: 'amendment-needed' },
        { ...amend, day: '2026-09-02' },
      ];
      for (const command of afterClosure) {
        spec
          .given([...upToAmended, closed])
          .when(command)
          .thenRefuses(refusedWith('STAY_CONTRACT_CLOSED'));
      }
    });
  });

  it('emits events that match their schemas', () => {
    for (const event of [drafted, handedOver, signed, amendmentDrafted, amendmentSigned, reviewed, closed]) {
      assert.ok(stayContractEventSchemas[event.type].safeParse(event.data).success, event.type);
    }
  });

  it('keeps nothing of a forgotten usager, and refuses to act on their contract', () => {
    const forgotten = upToAmended.map((event) => ({ ...event, data: { $erased: true } }) as StayContractEvent);
    const state: StayContract = foldEvents(stayContractDecider, forgotten);
    assert.ok(state.status === 'signed');
    assert.equal(state.erased, true);
    assert.equal(state.serviceUserId, undefined);
    assert.equal(state.admittedOn, undefined);
    assert.deepEqual(state.versions, []);
    assert.equal(state.currentVersion, 2);
    spec
      .given(forgotten)
      .when({ type: 'CloseStayContract', day: '2026-09-01', reason: 'Sortie' })
      .thenRefuses(refusedWith('STAY_CONTRACT_ERASED'));
  });
});
