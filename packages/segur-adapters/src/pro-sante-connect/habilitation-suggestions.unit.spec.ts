import assert from 'node:assert/strict';
import { ROLES } from '@dui-pds/domain';
import fc from 'fast-check';
import { habilitationSuggestions, ROLE_OF_PROFESSION } from './habilitation-suggestions.js';
import { practicesFromSubjectRefPro } from './professional-practices.js';

const at = (finess: string, raisonSocialeSite?: string) => ({
  numeroFinessSite: finess,
  ...(raisonSocialeSite === undefined ? {} : { raisonSocialeSite }),
});

describe('habilitation suggestions from Pro Santé Connect practices', () => {
  it('suggests the role of each known profession at each ESSMS it is practised at', () => {
    // given
    const practices = practicesFromSubjectRefPro({
      exercices: [
        { codeProfession: '10', activities: [at('750000001', 'CSAPA PARIS EST'), at('750000002')] },
        { codeProfession: '93', activities: [at('750000001')] },
      ],
    });

    // when
    const suggestions = habilitationSuggestions(practices);

    // then
    assert.deepEqual(suggestions, [
      { facilityId: '750000001', role: 'doctor', professionCode: '10', siteName: 'CSAPA PARIS EST' },
      { facilityId: '750000002', role: 'doctor', professionCode: '10' },
      { facilityId: '750000001', role: 'psychologist', professionCode: '93' },
    ]);
  });

  it('maps the professions of a CSAPA or CAARUD team to their roles', () => {
    const cases: [string, string][] = [
      ['10', 'doctor'],
      ['21', 'pharmacist'],
      ['60', 'nurse'],
      ['69', 'nurse'],
      ['93', 'psychologist'],
      ['41', 'socialWorker'],
      ['51', 'educator'],
    ];
    for (const [codeProfession, role] of cases) {
      const practices = practicesFromSubjectRefPro({ exercices: [{ codeProfession, activities: [at('750000001')] }] });
      assert.deepEqual(
        habilitationSuggestions(practices).map((suggestion) => suggestion.role),
        [role],
        codeProfession,
      );
    }
  });

  it('suggests nothing for an unknown profession, a student, a site without FINESS or a legal entity’s FINESS alone', () => {
    // given
    const practices = practicesFromSubjectRefPro({
      exercices: [
        { codeProfession: '70', activities: [at('750000001')] },
        { codeProfession: '10', codeCategorieProfessionnelle: 'E', activities: [at('750000001')] },
        { codeProfession: '60', activities: [{ raisonSocialeSite: 'CABINET', numeroFinessSite: '' }] },
        { codeProfession: '21', activities: [{ numeroFinessetablissementJuridique: '750000000' }] },
      ],
    });

    // then
    assert.deepEqual(habilitationSuggestions(practices), []);
  });

  it('suggests a role once per ESSMS, however many exercices lead to it', () => {
    // given
    const practices = practicesFromSubjectRefPro({
      exercices: [
        { codeProfession: '60', activities: [at('750000001'), at('750000001')] },
        { codeProfession: '69', activities: [at('750000001')] },
      ],
    });

    // then
    assert.deepEqual(habilitationSuggestions(practices), [
      { facilityId: '750000001', role: 'nurse', professionCode: '60' },
    ]);
  });

  describe('whatever the claim', () => {
    const finess = fc.oneof(
      fc.stringMatching(/^\d[\dAB]\d{7}$/),
      fc.constantFrom('', ' ', '75000000', '7500000011', 'ABCDEFGHI'),
      fc.string(),
    );
    const professionCode = fc.oneof(fc.constantFrom(...ROLE_OF_PROFESSION.keys()), fc.string({ maxLength: 3 }));
    const activity = fc.record(
      {
        numeroFinessSite: fc.oneof(finess, fc.integer(), fc.constant(null)),
        numeroFinessetablissementJuridique: finess,
        raisonSocialeSite: fc.string(),
        codeRole: fc.string(),
      },
      { requiredKeys: [] },
    );
    const claim = fc.record(
      {
        exercices: fc.array(
          fc.oneof(
            fc.record(
              {
                codeProfession: fc.oneof(professionCode, fc.integer()),
                codeCategorieProfessionnelle: fc.constantFrom('C', 'M', 'E', ''),
                activities: fc.array(fc.oneof(activity, fc.anything()), { maxLength: 4 }),
                activites: fc.array(activity, { maxLength: 2 }),
              },
              { requiredKeys: [] },
            ),
            fc.anything(),
          ),
          { maxLength: 4 },
        ),
      },
      { requiredKeys: [] },
    );

    it('never suggests a role without the FINESS of a site the professional practises at', () => {
      fc.assert(
        fc.property(claim, (subjectRefPro) => {
          const practices = practicesFromSubjectRefPro(subjectRefPro);
          const sites = new Set(
            practices.flatMap((practice) => practice.workSituations.map((situation) => situation.finess)),
          );
          for (const suggestion of habilitationSuggestions(practices)) {
            assert.match(suggestion.facilityId, /^\d[\dAB]\d{7}$/);
            assert.ok(sites.has(suggestion.facilityId));
          }
        }),
      );
    });

    it('never suggests a role outside ROLES, nor one its profession does not map to', () => {
      fc.assert(
        fc.property(claim, (subjectRefPro) => {
          for (const suggestion of habilitationSuggestions(practicesFromSubjectRefPro(subjectRefPro))) {
            assert.ok((ROLES as readonly string[]).includes(suggestion.role));
            assert.equal(ROLE_OF_PROFESSION.get(suggestion.professionCode), suggestion.role);
          }
        }),
      );
    });
  });
});
