import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IdentityStatus, INS_OIDS, type StrictTraits } from '@dui-pds/domain';
import { emptySheet, type SummarySheet } from '@dui-pds/projections';
import { expect } from 'chai';
import fc from 'fast-check';
import type { AccompanimentPrintOptions, UsagerOnDocument } from '../accompaniment/accompaniment-print.js';
import { freedomOfMovementAnnexPdf } from '../accompaniment/freedom-of-movement-annex-pdf.js';
import { personalisedProjectPdf } from '../accompaniment/personalised-project-pdf.js';
import { stayContractAmendmentPdf } from '../accompaniment/stay-contract-amendment-pdf.js';
import { stayContractPdf } from '../accompaniment/stay-contract-pdf.js';
import { trustedPersonAttestationPdf } from '../accompaniment/trusted-person-attestation-pdf.js';
import { renderSummarySheetPdf } from '../summary-sheet/summary-sheet-pdf.js';
import { pdfPagesImageCount } from '../testing/pdf-images.js';
import { pdfPagesText } from '../testing/pdf-text.js';
import { printedIns } from './printed-ins.js';
import { qualifiedIdentity } from './qualified-identity.js';

const ins = { value: '253072B07300470', oid: INS_OIDS.nir };
const traits: StrictTraits = {
  birthName: 'ANTONETTI',
  birthFirstNames: ['MARIE', 'CLAIRE'],
  birthDate: '1953-07-14',
  sex: 'F',
  birthplaceCode: '2B073',
};
const options: AccompanimentPrintOptions = {
  establishment: { facilityId: '200000001', name: 'CSAPA de Bastia' },
  printedAt: new Date('2026-11-26T09:30:00Z'),
};
const content = { objectives: ['Retrouver un logement'], services: ['Accompagnement social'], annexes: [] };

/** The usager as the generation names them: the INS joins only what `qualifiedIdentity` lets through. */
async function usagerWhoseIdentityIs(status: IdentityStatus): Promise<UsagerOnDocument> {
  const qualified = qualifiedIdentity({ identityStatus: status, ins, ...traits });
  return {
    anonymous: false,
    name: 'ANTONETTI MARIE',
    birthDate: traits.birthDate,
    ...(qualified ? { ins: await printedIns(qualified) } : {}),
  };
}

/** The summary sheet of the same usager, its INS held whatever the status, as the read model keeps it. */
function sheetWhoseIdentityIs(status: IdentityStatus): SummarySheet {
  return {
    ...emptySheet('u-1'),
    identity: {
      facilityId: options.establishment.facilityId,
      anonymous: false,
      pseudonym: undefined,
      ...traits,
      usedName: undefined,
      usedFirstName: undefined,
      birthYear: undefined,
      identityStatus: status,
      ins,
    },
  };
}

/** Every generated document that names an identified usager, rendered for an identity of `status`. */
const DOCUMENTS: Readonly<Record<string, (status: IdentityStatus) => Promise<Buffer>>> = {
  'fiche de synthèse': (status) =>
    renderSummarySheetPdf({
      sheet: sheetWhoseIdentityIs(status),
      hiddenParts: [],
      facilityNames: {},
      printedAt: options.printedAt,
      printedBy: 'pro-secretariat',
    }),
  'contrat de séjour': async (status) =>
    stayContractPdf(
      { usager: await usagerWhoseIdentityIs(status), kind: 'stay-contract', admittedOn: '2026-10-05', ...content },
      options,
    ),
  avenant: async (status) =>
    stayContractAmendmentPdf(
      {
        usager: await usagerWhoseIdentityIs(status),
        contractKind: 'dipc',
        number: 1,
        admittedOn: '2026-10-05',
        contractSignedOn: '2026-10-20',
        draftedOn: '2026-11-20',
        reason: 'Nouvel objectif',
        before: content,
        after: { ...content, objectives: [...content.objectives, 'Reprendre une formation'] },
      },
      options,
    ),
  'annexe liberté d’aller et venir': async (status) =>
    freedomOfMovementAnnexPdf(
      {
        usager: await usagerWhoseIdentityIs(status),
        measures: [
          {
            description: 'Sorties accompagnées la nuit',
            assessment: 'Évaluation pluridisciplinaire du 2 novembre',
            proposedBy: 'dr-leroy',
            proposedOn: '2026-11-02',
          },
        ],
      },
      options,
    ),
  'attestation de la personne de confiance': async (status) =>
    trustedPersonAttestationPdf(
      {
        usager: await usagerWhoseIdentityIs(status),
        person: { name: 'Paul Antonetti' },
        scope: ['casf'],
        designatedOn: '2026-11-02',
        mayConsultRecord: false,
      },
      options,
    ),
  'projet personnalisé': async (status) =>
    personalisedProjectPdf(
      { usager: await usagerWhoseIdentityIs(status), version: 1, startedOn: '2026-10-05', objectives: [] },
      options,
    ),
};

async function read(pdf: Buffer) {
  const text = (await pdfPagesText(pdf)).join('\n').replace(/\s+/g, ' ');
  const images = (await pdfPagesImageCount(pdf)).reduce((sum, count) => sum + count, 0);
  return { text, images };
}

describe('the INS on printed documents', () => {
  it('prints the INS, its OID and its DataMatrix on every document of a qualified identity', async () => {
    for (const [name, render] of Object.entries(DOCUMENTS)) {
      // given a usager whose identity is qualified; when the document is printed
      const pdf = await render('QUAL');
      if (process.env.DUI_KEEP_PDF) await writeFile(join(tmpdir(), `ins-${name.replace(/\W+/g, '-')}.pdf`), pdf);
      const { text, images } = await read(pdf);

      // then the block names the INS and its kind, and the page carries one image: the code
      expect(text, name).to.contain('Identité nationale de santé');
      expect(text, name).to.contain(`INS (NIR) : ${ins.value}`);
      expect(text, name).to.contain(`OID : ${ins.oid}`);
      expect(text, name).to.contain('DataMatrix INS');
      expect(images, name).to.equal(1);
    }
  });

  it('prints neither the INS nor a DataMatrix for any other status, whichever the document', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(['PROV', 'RECUP', 'VALI', 'QUAL'] as const)),
        fc.constantFrom(...Object.keys(DOCUMENTS)),
        async (status, name) => {
          const { text, images } = await read(
            await (DOCUMENTS[name] as (s: IdentityStatus) => Promise<Buffer>)(status),
          );
          const printed = status === 'QUAL';
          expect(text.includes(ins.value), `${name}, ${status}`).to.equal(printed);
          expect(text.includes('Identité nationale de santé'), `${name}, ${status}`).to.equal(printed);
          expect(images, `${name}, ${status}`).to.equal(printed ? 1 : 0);
          // the sheet still says what the identity is
          if (name === 'fiche de synthèse') expect(text).to.contain('Statut de l’identité : Identité');
        },
      ),
      { numRuns: 24 },
    );
  });

  it('prints the INS in letters and says why there is no code when the traits cannot be coded', async () => {
    const qualified = qualifiedIdentity({ identityStatus: 'QUAL', ins, ...traits, sex: 'I' });
    expect(qualified).not.to.equal(undefined);
    const usager: UsagerOnDocument = {
      anonymous: false,
      name: 'ANTONETTI MARIE',
      ...(qualified ? { ins: await printedIns(qualified) } : {}),
    };
    const { text, images } = await read(
      await stayContractPdf({ usager, kind: 'dipc', admittedOn: '2026-10-05', ...content }, options),
    );
    expect(text).to.contain(`INS (NIR) : ${ins.value}`);
    expect(text).to.contain('Le DataMatrix INS ne code que les sexes féminin et masculin.');
    expect(images).to.equal(0);
  });
});
