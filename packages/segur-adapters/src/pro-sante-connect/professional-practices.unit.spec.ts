import assert from 'node:assert/strict';
import fc from 'fast-check';
import { practicesFromSubjectRefPro } from './professional-practices.js';

/** Shaped like a real userinfo of the PSC sandbox: every field present, blanks where the directory knows nothing. */
const doctorAtTwoSites = {
  codeCivilite: 'MME',
  exercices: [
    {
      codeProfession: '10',
      codeCategorieProfessionnelle: 'C',
      codeCiviliteDexercice: 'DR',
      nomDexercice: 'MARTIN',
      prenomDexercice: 'Camille',
      codeTypeSavoirFaire: 'S',
      codeSavoirFaire: 'SM54',
      activities: [
        {
          codeModeExercice: 'S',
          codeSecteurDactivite: 'SA33',
          codeSectionPharmacien: '',
          codeRole: '',
          codeGenreActivite: 'GENR01',
          numeroSiretSite: '',
          numeroFinessSite: '750000001',
          numeroFinessetablissementJuridique: '750000000',
          identifiantTechniqueDeLaStructure: 'F750000001',
          raisonSocialeSite: 'CSAPA PARIS EST',
          enseigneCommercialeSite: '',
          codePostal: '75011',
          telephone: '',
          ancienIdentifiantDeLaStructure: '1750000001',
        },
        { codeModeExercice: 'L', numeroFinessSite: '', raisonSocialeSite: 'CABINET DR MARTIN', codePostal: '75009' },
      ],
    },
  ],
};

describe('the practices in Pro Santé Connect’s SubjectRefPro', () => {
  it('maps each exercice to a profession and its work situations, dropping blanks and unknown fields', () => {
    // when
    const practices = practicesFromSubjectRefPro(doctorAtTwoSites);

    // then
    assert.deepEqual(practices, [
      {
        professionCode: '10',
        categoryCode: 'C',
        savoirFaireCode: 'SM54',
        workSituations: [
          {
            finess: '750000001',
            legalEntityFiness: '750000000',
            siteName: 'CSAPA PARIS EST',
            activityKindCode: 'GENR01',
            practiceModeCode: 'S',
          },
          { siteName: 'CABINET DR MARTIN', practiceModeCode: 'L' },
        ],
      },
    ]);
  });

  it('reads activites as well as activities, and the claim sent as a JSON string', () => {
    // given
    const claim = JSON.stringify({
      exercices: [
        {
          codeProfession: '60',
          activites: [{ numeroFinessSite: '2A0000017', enseigneCommercialeSite: 'CAARUD AJACCIO' }],
          activities: [{ numeroFinessSite: '750000002' }],
        },
      ],
    });

    // when
    const practices = practicesFromSubjectRefPro(claim);

    // then
    assert.deepEqual(practices, [
      {
        professionCode: '60',
        workSituations: [{ finess: '750000002' }, { finess: '2A0000017', siteName: 'CAARUD AJACCIO' }],
      },
    ]);
  });

  it('keeps the well-formed entries of a claim and ignores the rest', () => {
    // given
    const claim = {
      exercices: [
        'not an exercice',
        { codeProfession: 93, activities: 'none' },
        {
          codeProfession: '93',
          activities: [null, { numeroFinessSite: '75000000X' }, { numeroFinessSite: '750000001' }],
        },
      ],
    };

    // when
    const practices = practicesFromSubjectRefPro(claim);

    // then
    assert.deepEqual(practices, [
      { workSituations: [] },
      { professionCode: '93', workSituations: [{}, { finess: '750000001' }] },
    ]);
  });

  it('gives no practices for a claim that is absent or not an object', () => {
    for (const claim of [undefined, null, 42, 'pas du JSON', [], '{"exercices": "aucun"}']) {
      assert.deepEqual(practicesFromSubjectRefPro(claim), [], String(claim));
    }
  });

  it('never throws, and keeps only nine-character FINESS, whatever the claim', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (claim) => {
        const practices = practicesFromSubjectRefPro(claim);
        for (const situation of practices.flatMap((practice) => practice.workSituations)) {
          for (const finess of [situation.finess, situation.legalEntityFiness]) {
            if (finess !== undefined) assert.match(finess, /^\d[\dAB]\d{7}$/);
          }
        }
      }),
    );
  });
});
