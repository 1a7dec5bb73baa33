import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldEvents } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { ACCESS_MATRIX } from '../habilitations/access-policy.js';
import { ROLES } from '../habilitations/roles.js';
import { SENSITIVITY_CLASSES } from '../habilitations/sensitivity.js';
import { DeciderSpecification } from '../testing/index.js';
import {
  type ActCatalogueCommand,
  type ActCatalogueEvent,
  actCatalogueDecider,
  actCatalogueEventSchemas,
  actCatalogueStreamId,
  actTypesOf,
  DEFAULT_ACT_TYPES,
} from './act-catalogue.js';

const spec = DeciderSpecification.for(actCatalogueDecider);
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;
const workshop: ActCatalogueEvent = {
  type: 'ActTypeAdded',
  data: {
    code: 'atelier-cuisine',
    label: 'Atelier cuisine',
    professions: ['educator', 'socialWorker'],
    sensitivity: 'social',
  },
};

describe('the catalogue of act types', () => {
  it('starts with the default catalogue: medical, social and psychological acts, each writable by its professions', () => {
    // given an organisation that never touched its catalogue
    const catalogue = actCatalogueDecider.initialState();

    // then every default type is there, active, once
    const codes = actTypesOf(catalogue).map((type) => type.code);
    assert.deepEqual(
      codes,
      DEFAULT_ACT_TYPES.map((type) => type.code),
    );
    assert.equal(new Set(codes).size, codes.length);
    for (const code of [
      'consultation-medicale',
      'entretien-infirmier',
      'delivrance-tso',
      'depistage-trod-vih',
      'depistage-trod-vhc',
      'vaccination',
      'soins-infirmiers',
      'entretien-social',
      'entretien-educatif',
      'entretien-psychologique',
    ]) {
      assert.ok(codes.includes(code), code);
    }
    const byCode = new Map(DEFAULT_ACT_TYPES.map((type) => [type.code, type]));
    assert.equal(byCode.get('consultation-medicale')?.sensitivity, 'medical');
    assert.equal(byCode.get('entretien-social')?.sensitivity, 'social');
    assert.deepEqual(byCode.get('entretien-psychologique'), {
      code: 'entretien-psychologique',
      label: 'Entretien psychologique',
      professions: ['psychologist'],
      sensitivity: 'psychological',
    });
    for (const type of DEFAULT_ACT_TYPES) {
      for (const profession of type.professions) {
        assert.notEqual(ACCESS_MATRIX[type.sensitivity][profession].write, 'never', `${type.code}: ${profession}`);
      }
    }
  });

  it('adds a type with a new code, its label trimmed and its professions once', () => {
    spec
      .given([])
      .when({
        type: 'AddActType',
        code: 'atelier-cuisine',
        label: '  Atelier cuisine ',
        professions: ['educator', 'socialWorker', 'educator'],
        sensitivity: 'social',
      })
      .thenEmits([workshop]);
  });

  it('refuses a code taken, even by a retired type, or badly written', () => {
    const retired: ActCatalogueEvent = { type: 'ActTypeRetired', data: { code: 'atelier-cuisine', reason: 'fin' } };
    spec
      .given([workshop])
      .when({ type: 'AddActType', ...workshop.data, label: 'Autre' })
      .thenRefuses(refusedWith('ACT_TYPE_CODE_TAKEN'));
    spec
      .given([workshop, retired])
      .when({ type: 'AddActType', ...workshop.data })
      .thenRefuses(refusedWith('ACT_TYPE_CODE_TAKEN'));
    spec
      .given([])
      .when({ type: 'AddActType', ...workshop.data, code: 'consultation-medicale' })
      .thenRefuses(refusedWith('ACT_TYPE_CODE_TAKEN'));
    for (const code of ['A', 'Atelier', 'atelier cuisine', '-atelier', 'é', 'x'.repeat(51)]) {
      spec
        .given([])
        .when({ type: 'AddActType', ...workshop.data, code })
        .thenRefuses(refusedWith('ACT_TYPE_CODE_INVALID'));
    }
  });

  it('refuses a type without label or profession, or naming a profession that cannot write its class', () => {
    spec
      .given([])
      .when({ type: 'AddActType', ...workshop.data, label: ' ' })
      .thenRefuses(refusedWith('ACT_TYPE_LABEL_REQUIRED'));
    spec
      .given([])
      .when({ type: 'AddActType', ...workshop.data, professions: [] })
      .thenRefuses(refusedWith('ACT_TYPE_PROFESSION_REQUIRED'));
    // an educator does not write medical data; a pharmacist no social data; nobody but the psychologist psychological data
    for (const [professions, sensitivity] of [
      [['nurse', 'educator'], 'medical'],
      [['pharmacist'], 'social'],
      [['doctor'], 'psychological'],
      [['administrator'], 'administrative'],
    ] as const) {
      spec
        .given([])
        .when({ type: 'AddActType', ...workshop.data, professions: [...professions], sensitivity })
        .thenRefuses(refusedWith('ACT_TYPE_PROFESSION_CANNOT_WRITE'));
    }
  });

  it('retires an active type with a reason, once, and keeps it for the past acts', () => {
    spec
      .given([])
      .when({ type: 'RetireActType', code: 'vaccination', reason: ' confiée au centre de vaccination ' })
      .thenEmits([
        { type: 'ActTypeRetired', data: { code: 'vaccination', reason: 'confiée au centre de vaccination' } },
      ]);
    const retired: ActCatalogueEvent = { type: 'ActTypeRetired', data: { code: 'vaccination', reason: 'fin' } };
    spec
      .given([retired])
      .when({ type: 'RetireActType', code: 'vaccination', reason: 'encore' })
      .thenRefuses(refusedWith('ACT_TYPE_ALREADY_RETIRED'));
    spec
      .given([])
      .when({ type: 'RetireActType', code: 'inconnu', reason: 'fin' })
      .thenRefuses(refusedWith('ACT_TYPE_NOT_FOUND'));
    spec
      .given([])
      .when({ type: 'RetireActType', code: 'vaccination', reason: '  ' })
      .thenRefuses(refusedWith('ACT_TYPE_RETIREMENT_REASON_REQUIRED'));
    const catalogue = foldEvents(actCatalogueDecider, [retired]);
    assert.equal(catalogue.entries.get('vaccination')?.retired, true);
    assert.ok(!actTypesOf(catalogue).some((type) => type.code === 'vaccination'));
    assert.ok(actTypesOf(catalogue, { includeRetired: true }).some((type) => type.code === 'vaccination'));
  });

  it('emits events that match their schemas, in a stream per organisation', () => {
    actCatalogueEventSchemas.ActTypeAdded.parse(workshop.data);
    actCatalogueEventSchemas.ActTypeRetired.parse({ code: 'vaccination', reason: 'fin' });
    for (const type of DEFAULT_ACT_TYPES) actCatalogueEventSchemas.ActTypeAdded.parse(type);
    assert.equal(actCatalogueStreamId('og/1'), 'act-catalogue/og%2F1');
  });

  it('whatever the commands, codes stay unique and every active type is writable by each of its professions', () => {
    const code = fc.constantFrom('atelier-a', 'atelier-b', 'vaccination', 'entretien-social', 'groupe-de-parole');
    const command: fc.Arbitrary<ActCatalogueCommand> = fc.oneof(
      fc.record({
        type: fc.constant('AddActType' as const),
        code,
        label: fc.constantFrom('Atelier', ' ', 'Groupe'),
        professions: fc.subarray([...ROLES]),
        sensitivity: fc.constantFrom(...SENSITIVITY_CLASSES),
      }),
      fc.record({ type: fc.constant('RetireActType' as const), code, reason: fc.constantFrom('fin', '') }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 30, size: 'max' }), (commands) => {
        let catalogue = actCatalogueDecider.initialState();
        const added: string[] = [];
        for (const next of commands) {
          let events: ActCatalogueEvent[];
          try {
            events = [actCatalogueDecider.decide(next, catalogue)].flat();
          } catch (error) {
            // a refusal is a rule, in French, and changes nothing
            assert.ok(error instanceof DomainRuleViolation);
            continue;
          }
          for (const event of events) {
            actCatalogueEventSchemas[event.type].parse(event.data);
            if (event.type === 'ActTypeAdded') added.push(event.data.code);
            catalogue = actCatalogueDecider.evolve(catalogue, event);
          }
        }
        assert.equal(new Set(added).size, added.length, 'a code is added once');
        for (const type of added) assert.ok(!DEFAULT_ACT_TYPES.some((defaultType) => defaultType.code === type));
        for (const type of actTypesOf(catalogue, { includeRetired: true })) {
          assert.ok(type.professions.length > 0);
          for (const profession of type.professions) {
            assert.notEqual(ACCESS_MATRIX[type.sensitivity][profession].write, 'never');
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
