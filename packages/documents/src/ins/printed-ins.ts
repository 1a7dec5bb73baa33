import {
  DATAMATRIX_PIXELS_PER_MODULE,
  InsDataMatrixError,
  insDataMatrixContent,
  insDataMatrixPng,
} from './ins-datamatrix.js';
import type { QualifiedIdentity } from './qualified-identity.js';

/**
 * The INS block of a document, ready to print: the qualified identity it comes from, and its
 * DataMatrix, or why there is none. Made beforehand because drawing the code is asynchronous and
 * writing a PDF is not.
 */
export interface PrintedIns {
  identity: QualifiedIdentity;
  dataMatrix:
    | {
        content: string;
        png: Buffer;
        /** Modules on a side, quiet zone included: the image is printed at a fixed module size. */
        modules: number;
      }
    | { refused: string };
}

export async function printedIns(identity: QualifiedIdentity): Promise<PrintedIns> {
  let content: string;
  try {
    content = insDataMatrixContent(identity);
  } catch (error) {
    // the INS is still printed in letters: only the code cannot say these traits
    if (error instanceof InsDataMatrixError) return { identity, dataMatrix: { refused: error.message } };
    throw error;
  }
  const png = await insDataMatrixPng(content);
  return { identity, dataMatrix: { content, png, modules: pngWidth(png) / DATAMATRIX_PIXELS_PER_MODULE } };
}

/** The width a PNG's header states (IHDR, right after the 8-byte signature and the chunk's length and type). */
function pngWidth(png: Buffer): number {
  return png.readUInt32BE(16);
}
