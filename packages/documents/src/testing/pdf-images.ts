import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

const IMAGE_OPERATIONS: ReadonlySet<number> = new Set([
  OPS.paintImageXObject,
  OPS.paintInlineImageXObject,
  OPS.paintImageMaskXObject,
  OPS.paintImageXObjectRepeat,
]);

/** How many images each page of a PDF paints: what a reader of the PDF sees besides its text. */
export async function pdfPagesImageCount(bytes: Uint8Array): Promise<number[]> {
  const document = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, verbosity: 0 }).promise;
  const counts: number[] = [];
  for (let number = 1; number <= document.numPages; number += 1) {
    const operations = await (await document.getPage(number)).getOperatorList();
    counts.push(operations.fnArray.filter((operation) => IMAGE_OPERATIONS.has(operation)).length);
  }
  await document.destroy();
  return counts;
}
