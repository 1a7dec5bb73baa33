import bwipjs from 'bwip-js';
import type { QualifiedIdentity } from './qualified-identity.js';

/**
 * The INS DataMatrix: the INS and the strict traits of a qualified identity, in the ANS "format
 * DataMatrix INS" (a 2D-Doc structure without signature), so that the next professional reads the
 * identity with a scanner instead of typing it.
 *
 *   header   `IS` + version `01` + 22 × `0`                      26 characters
 *   S1       matricule INS (NIR or NIA with its key)            15, fixed
 *   S2       OID of the INS                                      variable, 20 at most
 *   S3       birth first names, in order, separated by spaces    variable, 100 at most
 *   S4       birth name                                          variable, 100 at most
 *   S5       sex, `F` or `M`                                     1, fixed
 *   S6       birth date, `JJ-MM-AAAA`                            10, fixed
 *   S7       birthplace, INSEE COG code (`99xxx` abroad)        5, fixed
 *
 * A variable field is closed by GS (0x1D) unless it is the last one or has its maximum length; a
 * fixed one is followed directly by the next identifier.
 *
 * How sure we are: the ANS specification was not at hand. The header, the identifiers S1 to S7
 * in this order, the lengths, the `JJ-MM-AAAA` date and the GS rule (an OID of 20 characters is
 * not closed) are what two independent public implementations agree on, one of them quoting the
 * ANS document « INS — Format datamatrix » v2.2 (2023-09-26), and a barcode library's test data
 * shows the same header, identifiers and date; that quoting one also says the header is encoded
 * in C40, which is asked of the encoder below. Not confirmed: whether S7 may be left out,
 * the lexical profile of S3 and S4 beyond the INSi's (capitals without accents, space, hyphen,
 * apostrophe), and the printed "cartouche" around the code. Before a real deployment, check a
 * printed code with the ANS validation tool.
 */
export const INS_DATAMATRIX_HEADER = `IS01${'0'.repeat(22)}`;

/** The group separator that closes a variable-length field. */
export const GS = '\u001d';

/** Why no DataMatrix can be made for an identity: said in French, as it is printed on the document. */
export class InsDataMatrixError extends Error {
  override readonly name = 'InsDataMatrixError';
  constructor(
    readonly code: 'INS_DATAMATRIX_SEX_UNREPRESENTABLE' | 'INS_DATAMATRIX_NAME_UNREPRESENTABLE',
    message: string,
  ) {
    super(message);
  }
}

interface Field {
  id: `S${1 | 2 | 3 | 4 | 5 | 6 | 7}`;
  value: string;
  /** For a variable-length field: its maximum length; a fixed one has none. */
  maxLength?: number;
}

const NAME_MAX_LENGTH = 100;
const OID_MAX_LENGTH = 20;

/** The text the DataMatrix of a qualified identity carries. Pure: the same identity, the same text. */
export function insDataMatrixContent(identity: QualifiedIdentity): string {
  const { ins, traits } = identity;
  if (traits.sex !== 'F' && traits.sex !== 'M') {
    throw new InsDataMatrixError(
      'INS_DATAMATRIX_SEX_UNREPRESENTABLE',
      'Le DataMatrix INS ne code que les sexes féminin et masculin.',
    );
  }
  const [year, month, day] = traits.birthDate.split('-');
  const fields: Field[] = [
    { id: 'S1', value: ins.value.toUpperCase() },
    { id: 'S2', value: ins.oid, maxLength: OID_MAX_LENGTH },
    { id: 'S3', value: insiName(traits.birthFirstNames.join(' ')), maxLength: NAME_MAX_LENGTH },
    { id: 'S4', value: insiName(traits.birthName), maxLength: NAME_MAX_LENGTH },
    { id: 'S5', value: traits.sex },
    { id: 'S6', value: `${day}-${month}-${year}` },
    { id: 'S7', value: traits.birthplaceCode.toUpperCase() },
  ];
  return (
    INS_DATAMATRIX_HEADER +
    fields
      .map((field, index) => {
        const last = index === fields.length - 1;
        const closed = field.maxLength !== undefined && field.value.length < field.maxLength && !last;
        return `${field.id}${field.value}${closed ? GS : ''}`;
      })
      .join('')
  );
}

/** How many pixels of the image one module of the code takes (bwip-js draws a module as 2 × scale). */
export const DATAMATRIX_PIXELS_PER_MODULE = 6;

/**
 * The DataMatrix (ECC 200, square) of `content` as a PNG: black on white, with a quiet zone of
 * one module around it.
 */
export async function insDataMatrixPng(content: string): Promise<Buffer> {
  const options = {
    bcid: 'datamatrix',
    text: content,
    scale: DATAMATRIX_PIXELS_PER_MODULE / 2,
    // bwip-js pads in half modules
    padding: 2,
    backgroundcolor: 'FFFFFF',
    // the 26 characters of the header in C40, as 2D-Doc readers expect them
    c40headerlength: INS_DATAMATRIX_HEADER.length,
  };
  return bwipjs.toBuffer(options);
}

/**
 * A name as the INSi writes it: capitals without accents, ligatures spelled out, apostrophes
 * straight, single spaces. The traits of a qualified identity come from the INSi, so anything else
 * left is a record to look at, not a character to drop silently.
 */
function insiName(name: string): string {
  const written = name
    .toUpperCase()
    .replace(/Œ/g, 'OE')
    .replace(/Æ/g, 'AE')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’‘`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  if (!/^[A-Z][A-Z' -]*$/.test(written) || written.length > NAME_MAX_LENGTH) {
    throw new InsDataMatrixError(
      'INS_DATAMATRIX_NAME_UNREPRESENTABLE',
      `Le DataMatrix INS n’accepte que des noms et prénoms en lettres, espaces, tirets et apostrophes, de ${NAME_MAX_LENGTH} caractères au plus.`,
    );
  }
  return written;
}
