import { expect } from 'chai';
import { MalformedXml } from '../../xml/xml-document.js';
import { INSI_TEST_IDENTITIES } from '../insi-stand-in.js';
import { buildInsiFault, buildInsiResult, readInsiAnswer } from './insi-soap-answer.js';
import { INSI_ACTIONS } from './insi-soap-namespaces.js';

const [jeanne] = INSI_TEST_IDENTITIES as [(typeof INSI_TEST_IDENTITIES)[number]];

/** An answer shaped as the teleservice sends it: RESULTAT in a default namespace, a Body prefix of its own. */
const teleserviceAnswer = (result: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>
  <soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope">
    <env:Body xmlns:S="http://www.w3.org/2003/05/soap-envelope" xmlns:env="http://www.w3.org/2003/05/soap-envelope">
      <RESULTAT xmlns="http://www.cnamts.fr/INSiResultat" xmlns:ns0="http://www.cnamts.fr/INSiRecVit">${result}</RESULTAT>
    </env:Body>
  </soap:Envelope>`;

const found = (numIdentifiant: string, key: string) =>
  teleserviceAnswer(`<CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR>
    <INDIVIDU>
      <INSACTIF><IdIndividu><NumIdentifiant>${numIdentifiant}</NumIdentifiant><Cle>${key}</Cle>
        <TypeMatricule>NIR</TypeMatricule></IdIndividu><OID>1.2.250.1.213.1.4.10</OID></INSACTIF>
      <TIQ><NomNaissance>MARTIN</NomNaissance><ListePrenom>JEANNE MARIE</ListePrenom><Sexe>F</Sexe>
        <DateNaissance>1985-05-12</DateNaissance><LieuNaissance>75056</LieuNaissance></TIQ>
    </INDIVIDU>`);

describe('the INSi answers', () => {
  it('reads one identity found (CR 00): the active INS and the traits, first names split', () => {
    // given the teleservice's answer for Jeanne Martin
    const xml = found(jeanne.ins.value.slice(0, 13), jeanne.ins.value.slice(13));
    // when read
    // then
    expect(readInsiAnswer(xml)).to.deep.equal({
      kind: 'result',
      result: { code: '00', ins: jeanne.ins, traits: jeanne.traits },
    });
  });

  it('reads none (01), several (02), and keeps an unknown code apart', () => {
    const code = (value: string) => readInsiAnswer(teleserviceAnswer(`<CR><CodeCR>${value}</CodeCR></CR>`));
    expect(code('01')).to.deep.equal({ kind: 'result', result: { code: '01' } });
    expect(code('02')).to.deep.equal({ kind: 'result', result: { code: '02' } });
    expect(code('09')).to.deep.equal({ kind: 'result', result: { code: 'other', value: '09' } });
  });

  it('refuses an identity whose INS key is wrong, or without its traits', () => {
    expect(() => readInsiAnswer(found(jeanne.ins.value.slice(0, 13), '00'))).to.throw(MalformedXml);
    expect(() =>
      readInsiAnswer(
        teleserviceAnswer(
          '<CR><CodeCR>00</CodeCR></CR><INDIVIDU><INSACTIF><OID>1.2.250.1.213.1.4.10</OID></INSACTIF></INDIVIDU>',
        ),
      ),
    ).to.throw(MalformedXml);
  });

  it('reads a SOAP 1.2 fault: its code and subcode, not its reason', () => {
    // given a fault as the teleservice sends one for an unknown software
    const xml = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:siram="urn:siram"><env:Body>
      <env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>siram:Erreur</env:Value></env:Subcode></env:Code>
      <env:Reason><env:Text xml:lang="fr">Numéro d'autorisation du logiciel inconnu.</env:Text></env:Reason></env:Fault>
      </env:Body></env:Envelope>`;
    expect(readInsiAnswer(xml)).to.deep.equal({ kind: 'fault', fault: { code: 'Sender', subcode: 'Erreur' } });
  });

  it('reads back what the stand-in writes, results and faults', () => {
    const addressing = { action: INSI_ACTIONS.search, relatesTo: 'uuid:2d5c8b60-3e4f-4071-8cbd-2e3f4a5b6c7d' };
    const results = [
      { code: '00' as const, ins: jeanne.ins, traits: jeanne.traits },
      { code: '01' as const },
      { code: '02' as const },
    ];
    for (const result of results) {
      expect(readInsiAnswer(buildInsiResult(result, addressing))).to.deep.equal({ kind: 'result', result });
    }
    expect(readInsiAnswer(buildInsiFault({ code: 'Sender', reason: 'Requête mal formée.' }))).to.deep.equal({
      kind: 'fault',
      fault: { code: 'Sender', subcode: undefined },
    });
  });

  it('refuses what is neither a result nor a fault', () => {
    expect(() => readInsiAnswer('<html><body>502 Bad Gateway</body></html>')).to.throw(MalformedXml);
    expect(() => readInsiAnswer(teleserviceAnswer(''))).to.throw(MalformedXml);
    expect(() => readInsiAnswer('')).to.throw(MalformedXml);
  });
});
