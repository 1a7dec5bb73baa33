import { frenchLongDay } from '../pdf/french-pdf.js';
import { type AccompanimentPrintOptions, accompanimentPdf } from './accompaniment-print.js';

/**
 * A named certificate of care for a usager accompanied anonymously (L.3414-1 CSP), who asks for
 * one: the name is the one the person gives for this certificate only, never the record's.
 */
export interface CareCertificatePrint {
  /** The name the person asked to be written on the certificate. */
  nameOnCertificate: string;
  /** The certificate's reference, as the record knows it. */
  certificateId: string;
  issuedOn: string;
  /** The professional who issued it. */
  issuedBy: string;
  periodFrom: string;
  periodTo: string;
  purpose: string;
}

const DAY_MS = 86_400_000;

/** The certificat nominatif de prise en charge, as a French A4 PDF. */
export function careCertificatePdf(
  certificate: CareCertificatePrint,
  options: AccompanimentPrintOptions,
): Promise<Buffer> {
  const { establishment } = options;
  const days = Math.round((Date.parse(certificate.periodTo) - Date.parse(certificate.periodFrom)) / DAY_MS) + 1;
  const pdf = accompanimentPdf(
    'Certificat de prise en charge',
    [`Délivré le ${frenchLongDay(certificate.issuedOn)} — référence ${certificate.certificateId}`],
    options,
    // the person hands it to whom they choose: it is theirs to show
    'Certificat nominatif de prise en charge',
  );
  pdf.gap();
  pdf.paragraph(
    `Je soussigné(e), ${certificate.issuedBy}, agissant pour ${establishment.name} (FINESS ${establishment.facilityId}), ` +
      `certifie que ${certificate.nameOnCertificate} a été pris(e) en charge par l’établissement du ` +
      `${frenchLongDay(certificate.periodFrom)} au ${frenchLongDay(certificate.periodTo)}.`,
  );
  pdf.gap();
  pdf.field(
    'Période de prise en charge',
    `du ${frenchLongDay(certificate.periodFrom)} au ${frenchLongDay(certificate.periodTo)}`,
  );
  pdf.field('Durée', `${days} jour${days > 1 ? 's' : ''}`);
  pdf.field('Objet de la prise en charge', certificate.purpose);
  pdf.gap();
  pdf.paragraph(
    'Certificat délivré à la demande de la personne, accueillie de façon anonyme en application de l’article ' +
      'L.3414-1 du code de la santé publique. Le nom qui y figure a été donné par la personne pour ce seul ' +
      'certificat : il n’est pas conservé dans son dossier.',
  );
  pdf.paragraph('Certificat établi pour servir et valoir ce que de droit.');
  pdf.signatures([
    {
      role: 'Pour l’établissement',
      name: certificate.issuedBy,
      signed: `Fait le ${frenchLongDay(certificate.issuedOn)}`,
      mention: 'Signature et cachet de l’établissement',
    },
  ]);
  return pdf.end();
}
