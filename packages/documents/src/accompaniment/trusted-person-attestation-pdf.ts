import type { CosignatureMethod, TrustedPersonScope } from '@dui-pds/domain';
import { frenchLongDay } from '../pdf/french-pdf.js';
import {
  type AccompanimentPrintOptions,
  accompanimentPdf,
  signedOn,
  type UsagerOnDocument,
  usagerName,
  writeUsager,
} from './accompaniment-print.js';

/** A designation of a personne de confiance, as its attestation states it. */
export interface TrustedPersonAttestationPrint {
  usager: UsagerOnDocument;
  person: { name: string; relationship?: string; phone?: string; email?: string; postalAddress?: string };
  scope: readonly TrustedPersonScope[];
  designatedOn: string;
  cosigned?: { on: string; how: CosignatureMethod };
  /** The attestation as signed, when it was: its day and the director. */
  attestation?: { on: string; directorId: string };
  /** Whether the usager allowed the personne de confiance to consult the record. */
  mayConsultRecord: boolean;
}

const COSIGNATURE_LABELS: Readonly<Record<CosignatureMethod, string>> = {
  inPerson: 'en présence de l’établissement',
  byPost: 'par courrier',
  electronic: 'par voie électronique',
};

/**
 * The attestation of the designation of a personne de confiance (L.311-5-1 CASF, and L.1111-6
 * CSP when the designation says so): dated, signed by the director and the person designated.
 */
export function trustedPersonAttestationPdf(
  attestation: TrustedPersonAttestationPrint,
  options: AccompanimentPrintOptions,
): Promise<Buffer> {
  const csp = attestation.scope.includes('csp');
  const casf = attestation.scope.includes('casf');
  const articles = [
    ...(casf ? ['de l’article L.311-5-1 du code de l’action sociale et des familles'] : []),
    ...(csp ? ['de l’article L.1111-6 du code de la santé publique'] : []),
  ];
  const pdf = accompanimentPdf(
    'Attestation de désignation de la personne de confiance',
    [
      attestation.attestation
        ? `Attestation du ${frenchLongDay(attestation.attestation.on)}`
        : 'Attestation à dater et à signer',
    ],
    options,
  );
  const who = usagerName(attestation.usager);
  pdf.paragraph(
    `Le directeur de l’établissement ${options.establishment.name} atteste que ${who} a désigné, le ` +
      `${frenchLongDay(attestation.designatedOn)}, la personne ci-dessous comme personne de confiance, en ` +
      `application ${articles.join(' et ')}.`,
  );

  pdf.section('La personne accueillie');
  writeUsager(pdf, attestation.usager);

  pdf.section('La personne de confiance');
  const person = attestation.person;
  pdf.field('Nom', person.name);
  if (person.relationship) pdf.field('Lien avec la personne accueillie', person.relationship);
  if (person.phone) pdf.field('Téléphone', person.phone);
  if (person.email) pdf.field('Courriel', person.email);
  if (person.postalAddress) pdf.field('Adresse', person.postalAddress);
  pdf.field('Désignée le', frenchLongDay(attestation.designatedOn));
  pdf.field(
    'Désignation cosignée',
    attestation.cosigned
      ? `le ${frenchLongDay(attestation.cosigned.on)}, ${COSIGNATURE_LABELS[attestation.cosigned.how]}`
      : 'en attente de la cosignature de la personne désignée',
  );

  pdf.section('Missions de la personne de confiance');
  if (casf) {
    pdf.bullet(
      'Au titre de l’article L.311-5-1 du CASF : elle accompagne la personne accueillie, à sa demande, dans ses ' +
        'démarches et assiste aux entretiens utiles pour l’aider dans ses décisions ; elle peut être consultée si la ' +
        'personne rencontre des difficultés dans la connaissance et la compréhension de ses droits.',
    );
  }
  if (csp) {
    pdf.bullet(
      'Au titre de l’article L.1111-6 du code de la santé publique : elle est consultée si la personne est hors ' +
        'd’état d’exprimer sa volonté et de recevoir l’information nécessaire ; elle rend compte de ses volontés, ' +
        'et son témoignage l’emporte sur tout autre.',
    );
  }
  pdf.bullet(
    attestation.mayConsultRecord
      ? 'La personne accueillie l’autorise à consulter son dossier.'
      : 'La personne accueillie ne l’a pas autorisée à consulter son dossier.',
  );
  pdf.note(
    'La désignation est faite par écrit et cosignée par la personne désignée. Elle est révocable à tout moment, par ' +
      'écrit ou oralement devant témoins.',
  );

  pdf.signatures(
    [
      {
        role: 'La personne de confiance',
        name: person.name,
        ...(attestation.attestation ? { signed: signedOn(attestation.attestation.on) as string } : {}),
      },
      {
        role: 'Le directeur ou son délégué',
        ...(attestation.attestation
          ? { name: attestation.attestation.directorId, signed: signedOn(attestation.attestation.on) as string }
          : {}),
      },
    ],
    {
      heading: 'Signatures',
      place: attestation.attestation
        ? `Fait le ${frenchLongDay(attestation.attestation.on)}, en deux exemplaires.`
        : 'Fait en deux exemplaires.',
    },
  );
  return pdf.end();
}
