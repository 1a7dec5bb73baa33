import { expect } from 'chai';
import { frenchCommanderError } from './french-commander.js';

describe('commander’s errors in French', () => {
  const cases: [string, string][] = [
    ["error: unknown option '--bogus'", 'erreur : option inconnue « --bogus »'],
    [
      "error: unknown option '--stram'\n(Did you mean --stream?)",
      'erreur : option inconnue « --stram » (vouliez-vous dire --stream ?)',
    ],
    [
      "error: unknown command 'verfy'\n(Did you mean verify?)",
      'erreur : commande inconnue « verfy » (vouliez-vous dire verify ?)',
    ],
    ["error: missing required argument 'flux'", 'erreur : argument obligatoire manquant : flux'],
    ["error: option '--out <fichier>' argument missing", 'erreur : l’option --out <fichier> attend une valeur'],
    [
      "error: required option '--projection <nom>' not specified",
      'erreur : l’option --projection <nom> est obligatoire',
    ],
    [
      "error: too many arguments for 'rebuild'. Expected 1 argument but got 2.",
      'erreur : trop d’arguments pour rebuild : 1 attendu(s), 2 donné(s)',
    ],
    [
      "error: option '--position <position>' argument 'x' is invalid. position globale attendue : un entier positif",
      'erreur : valeur invalide pour l’option --position <position> : position globale attendue : un entier positif',
    ],
    ['error: something new', 'erreur : something new'],
  ];
  for (const [english, french] of cases) {
    it(`puts ${JSON.stringify(english.split('\n')[0])} into French`, () => {
      // when
      const translated = frenchCommanderError(english);

      // then
      expect(translated).to.equal(french);
    });
  }
});
