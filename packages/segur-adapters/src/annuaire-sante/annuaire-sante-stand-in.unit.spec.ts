import assert from 'node:assert/strict';
import { practitionerDisplayName } from './annuaire-sante-port.js';
import { AnnuaireSanteStandIn } from './annuaire-sante-stand-in.js';

describe('the Annuaire Santé stand-in', () => {
  it('finds practitioners by a part of their name, accents and case ignored, or by RPPS', async () => {
    const annuaire = new AnnuaireSanteStandIn();
    const moreau = await annuaire.searchPractitioners({ name: 'MOREAU' });
    assert.deepEqual(
      moreau.map((practitioner) => practitioner.rpps),
      ['99700000011', '99700000029'],
    );
    assert.deepEqual(
      (await annuaire.searchPractitioners({ name: 'lefevre' })).map((practitioner) => practitioner.rpps),
      ['99700000037'],
    );
    assert.deepEqual(
      (await annuaire.searchPractitioners({ rpps: '99700000029', name: 'bruno' })).map((p) => p.givenName),
      ['Bruno'],
    );
    assert.deepEqual(await annuaire.searchPractitioners({ name: 'moreau', limit: 1 }).then((found) => found.length), 1);
    assert.equal(await annuaire.practitioner('12345678901'), undefined);
    assert.equal(annuaire.calls, 5);
  });

  it('finds practitioners by MSSanté address, case ignored, and by the FINESS of where they practise', async () => {
    const annuaire = new AnnuaireSanteStandIn();
    const rppsOf = (found: { rpps: string }[]) => found.map((practitioner) => practitioner.rpps);
    assert.deepEqual(
      rppsOf(await annuaire.searchPractitioners({ mailbox: ' Bruno.Moreau@ch-valmont.mssante.example ' })),
      ['99700000029'],
    );
    assert.deepEqual(rppsOf(await annuaire.searchPractitioners({ finess: '990000028' })), [
      '99700000029',
      '99700000052',
    ]);
    // every criterion must hold
    assert.deepEqual(rppsOf(await annuaire.searchPractitioners({ finess: '990000028', name: 'roux' })), [
      '99700000052',
    ]);
    assert.deepEqual(
      await annuaire.searchPractitioners({ finess: '990000010', mailbox: 'bruno.moreau@ch-valmont.mssante.example' }),
      [],
    );
  });

  it('gets one practitioner, as a copy the caller may change', async () => {
    const annuaire = new AnnuaireSanteStandIn();
    const anne = await annuaire.practitioner('99700000011');
    assert.ok(anne);
    assert.equal(practitionerDisplayName(anne), 'Dr Anne MOREAU');
    anne.familyName = 'changé';
    assert.equal((await annuaire.practitioner('99700000011'))?.familyName, 'Moreau');
  });

  it('finds organisations by name or FINESS', async () => {
    const annuaire = new AnnuaireSanteStandIn();
    assert.deepEqual(
      (await annuaire.searchOrganisations({ name: 'pharmacie' })).map((organisation) => organisation.finess),
      ['990000010'],
    );
    assert.deepEqual(
      (await annuaire.searchOrganisations({ finess: '990000036' })).map((organisation) => organisation.name),
      ['CMP Belleville (fictif)'],
    );
    assert.deepEqual(await annuaire.searchOrganisations({ name: 'inconnu' }), []);
  });
});
