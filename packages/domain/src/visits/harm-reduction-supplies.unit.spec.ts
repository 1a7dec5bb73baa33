import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  DEFAULT_HARM_REDUCTION_SUPPLIES,
  type HarmReductionSupplyCatalogueCommand,
  type HarmReductionSupplyCatalogueEvent,
  harmReductionSuppliesOf,
  harmReductionSupplyCatalogueDecider,
  harmReductionSupplyCatalogueEventSchemas,
  harmReductionSupplyCatalogueStreamId,
} from './harm-reduction-supplies.js';
import { syringeCollectionDecider, syringeCollectionStreamId } from './syringe-collection.js';

const spec = DeciderSpecification.for(harmReductionSupplyCatalogueDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const foil: HarmReductionSupplyCatalogueEvent = {
  type: 'HarmReductionSupplyAdded',
  data: { code: 'feuille-alu', label: 'Feuille d’aluminium', unit: 'feuille' },
};

describe('the catalogue of harm-reduction supplies', () => {
  it('starts with the default catalogue: syringes, kits, pipes, sniff kits, condoms, naloxone, each once', () => {
    // given an organisation that never touched its catalogue
    const supplies = harmReductionSuppliesOf(harmReductionSupplyCatalogueDecider.initialState());

    // then the usual supplies are there, active, with a unit
    const codes = supplies.map((supply) => supply.code);
    assert.deepEqual(
      codes,
      DEFAULT_HARM_REDUCTION_SUPPLIES.map((supply) => supply.code),
    );
    assert.equal(new Set(codes).size, codes.length);
    for (const code of ['seringue-1ml', 'kit-injection', 'pipe-crack', 'kit-sniff', 'preservatif', 'naloxone-nasale']) {
      assert.ok(codes.includes(code), code);
    }
    for (const supply of supplies) {
      assert.ok(harmReductionSupplyCatalogueEventSchemas.HarmReductionSupplyAdded.safeParse(supply).success);
      assert.equal(supply.retired, false);
    }
    assert.equal(harmReductionSupplyCatalogueStreamId('og/1'), 'harm-reduction-supplies/og%2F1');
  });

  it('adds a supply with its label and unit, trimmed', () => {
    spec
      .given([])
      .when({ type: 'AddHarmReductionSupply', code: 'feuille-alu', label: ' Feuille d’aluminium ', unit: 'feuille' })
      .thenEmits([foil]);
  });

  it('refuses an invalid code, a code already used even retired, and a missing label or unit', () => {
    const add = (
      fields: Partial<Extract<HarmReductionSupplyCatalogueCommand, { type: 'AddHarmReductionSupply' }>>,
    ) => ({
      type: 'AddHarmReductionSupply' as const,
      code: 'feuille-alu',
      label: 'Feuille',
      unit: 'feuille',
      ...fields,
    });
    spec
      .given([])
      .when(add({ code: 'Feuille Alu' }))
      .thenRefuses(refusedWith('SUPPLY_CODE_INVALID'));
    spec.given([foil]).when(add({})).thenRefuses(refusedWith('SUPPLY_CODE_TAKEN'));
    spec
      .given([{ type: 'HarmReductionSupplyRetired', data: { code: 'ethylotest', reason: 'non distribué' } }])
      .when(add({ code: 'ethylotest' }))
      .thenRefuses(refusedWith('SUPPLY_CODE_TAKEN'));
    spec
      .given([])
      .when(add({ label: ' ' }))
      .thenRefuses(refusedWith('SUPPLY_LABEL_REQUIRED'));
    spec
      .given([])
      .when(add({ unit: '' }))
      .thenRefuses(refusedWith('SUPPLY_UNIT_REQUIRED'));
  });

  it('retires a supply with a reason, once; it stays in the catalogue as retired', () => {
    const retired: HarmReductionSupplyCatalogueEvent = {
      type: 'HarmReductionSupplyRetired',
      data: { code: 'pipe-crack', reason: 'remplacé par le kit base' },
    };
    spec
      .given([])
      .when({ type: 'RetireHarmReductionSupply', code: 'pipe-crack', reason: 'remplacé par le kit base' })
      .thenEmits([retired]);
    spec
      .given([retired])
      .when({ type: 'RetireHarmReductionSupply', code: 'pipe-crack', reason: 'x' })
      .thenRefuses(refusedWith('SUPPLY_ALREADY_RETIRED'));
    spec
      .given([])
      .when({ type: 'RetireHarmReductionSupply', code: 'inconnu', reason: 'x' })
      .thenRefuses(refusedWith('SUPPLY_NOT_FOUND'));
    spec
      .given([])
      .when({ type: 'RetireHarmReductionSupply', code: 'pipe-crack', reason: ' ' })
      .thenRefuses(refusedWith('SUPPLY_RETIREMENT_REASON_REQUIRED'));
    const catalogue = foldEvents(harmReductionSupplyCatalogueDecider, [retired]);
    assert.equal(catalogue.entries.get('pipe-crack')?.retired, true);
    assert.ok(!harmReductionSuppliesOf(catalogue).some((supply) => supply.code === 'pipe-crack'));
    assert.ok(harmReductionSuppliesOf(catalogue, { includeRetired: true }).some((s) => s.code === 'pipe-crack'));
  });

  it('never reuses a code: after any sequence of additions and retirements, each code is there once', () => {
    const code = fc.constantFrom('feuille-alu', 'paille', 'seringue-1ml', 'pipe-crack', 'roule');
    const command = fc.oneof(
      code.map((c) => ({ type: 'AddHarmReductionSupply' as const, code: c, label: 'Libellé', unit: 'unité' })),
      code.map((c) => ({ type: 'RetireHarmReductionSupply' as const, code: c, reason: 'retrait' })),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 20, size: 'max' }), (commands) => {
        let catalogue = harmReductionSupplyCatalogueDecider.initialState();
        const retiredOnce = new Set<string>();
        for (const next of commands) {
          try {
            const [event] = [harmReductionSupplyCatalogueDecider.decide(next, catalogue)].flat();
            if (event?.type === 'HarmReductionSupplyRetired') retiredOnce.add(event.data.code);
            if (event?.type === 'HarmReductionSupplyAdded') assert.ok(!retiredOnce.has(event.data.code));
            catalogue = harmReductionSupplyCatalogueDecider.evolve(catalogue, event!);
          } catch (error) {
            assert.ok(error instanceof DomainRuleViolation);
          }
        }
        // a retired code stays retired: nothing brings it back
        for (const retired of retiredOnce) assert.equal(catalogue.entries.get(retired)?.retired, true);
      }),
    );
  });
});

describe('a syringe collection outside a passage', () => {
  const collectionId = '0195f0a0-0000-7000-8000-000000000009';
  const collect = {
    type: 'RecordSyringeCollection' as const,
    collectionId,
    facilityId: '750000002',
    collectedOn: '2026-03-10',
    source: 'collectionBox' as const,
    quantity: 340,
    today: '2026-03-10',
  };
  const collections = DeciderSpecification.for(syringeCollectionDecider);

  it('records the syringes of a collection box, then cancels it with a reason', () => {
    const { type: _type, today: _today, ...data } = collect;
    collections
      .given([])
      .when(collect)
      .thenEmits([{ type: 'SyringesCollected', data }]);
    collections
      .given([{ type: 'SyringesCollected', data }])
      .when({ type: 'CancelSyringeCollection', reason: 'compté deux fois' })
      .thenEmits([{ type: 'SyringeCollectionCancelled', data: { collectionId, reason: 'compté deux fois' } }]);
    collections
      .given([
        { type: 'SyringesCollected', data },
        { type: 'SyringeCollectionCancelled', data: { collectionId, reason: 'x' } },
      ])
      .when({ type: 'CancelSyringeCollection', reason: 'encore' })
      .thenRefuses(refusedWith('SYRINGE_COLLECTION_CANCELLED'));
    assert.equal(syringeCollectionStreamId('og-1', collectionId), `syringe-collection/og-1/${collectionId}`);
  });

  it('refuses a collection in the future, of no syringe or of an insane number', () => {
    collections
      .given([])
      .when({ ...collect, collectedOn: '2026-03-11' })
      .thenRefuses(refusedWith('SYRINGE_COLLECTION_IN_FUTURE'));
    for (const quantity of [0, 2.5, 10_001]) {
      collections
        .given([])
        .when({ ...collect, quantity })
        .thenRefuses(refusedWith('SYRINGES_COLLECTED_INVALID'));
    }
  });
});
