import { type IdentityStatus, INS_OIDS, type Ins, nirKey, type StrictTraits } from '@dui-pds/domain';
import { BinaryBitmap, DataMatrixReader, DecodeHintType, HybridBinarizer, RGBLuminanceSource } from '@zxing/library';
import { expect } from 'chai';
import fc from 'fast-check';
import { PNG } from 'pngjs';
import {
  GS,
  INS_DATAMATRIX_HEADER,
  InsDataMatrixError,
  insDataMatrixContent,
  insDataMatrixPng,
} from './ins-datamatrix.js';
import { printedIns } from './printed-ins.js';
import { type IdentityAsRecorded, type QualifiedIdentity, qualifiedIdentity } from './qualified-identity.js';

/** A public example of a Corsican NIR (department 2B), with a valid key. */
const corsicanIns: Ins = { value: '253072B07300470', oid: INS_OIDS.nir };
const traits: StrictTraits = {
  birthName: 'ANTONETTI',
  birthFirstNames: ['MARIE', 'CLAIRE'],
  birthDate: '1953-07-14',
  sex: 'F',
  birthplaceCode: '2B073',
};
const recorded = (status: IdentityStatus | null, ins: Ins | null = corsicanIns, of = traits): IdentityAsRecorded => ({
  identityStatus: status,
  ins,
  ...of,
});
const qualified = (ins: Ins, of: StrictTraits): QualifiedIdentity => {
  const identity = qualifiedIdentity(recorded('QUAL', ins, of));
  if (!identity) throw new Error('a QUAL identity with valid INS and traits is qualified');
  return identity;
};

/**
 * Reads a DataMatrix INS the way the specification describes it, independently of the writer:
 * fixed fields by their length, variable ones up to GS or to their maximum length.
 */
function readInsDataMatrix(content: string): Record<string, string> {
  expect(content.slice(0, 26)).to.equal('IS010000000000000000000000');
  let rest = content.slice(26);
  const fields: Record<string, string> = {};
  const layout: [string, { length: number } | { max: number }][] = [
    ['S1', { length: 15 }],
    ['S2', { max: 20 }],
    ['S3', { max: 100 }],
    ['S4', { max: 100 }],
    ['S5', { length: 1 }],
    ['S6', { length: 10 }],
    ['S7', { length: 5 }],
  ];
  for (const [id, size] of layout) {
    expect(rest.slice(0, 2), `identifier of ${id}`).to.equal(id);
    rest = rest.slice(2);
    let end = 'length' in size ? size.length : rest.indexOf(GS);
    const closed = !('length' in size) && end >= 0 && end <= size.max;
    if (!('length' in size) && !closed) end = Math.min(size.max, rest.length);
    fields[id] = rest.slice(0, end);
    rest = rest.slice(end + (closed ? 1 : 0));
  }
  expect(rest, 'nothing after S7').to.equal('');
  return fields;
}

/** The text a PNG's DataMatrix carries, as a scanner reads it. */
function scan(png: Buffer): string {
  const image = PNG.sync.read(png);
  // black on white: any channel is the luminance
  const luminances = new Uint8ClampedArray(image.width * image.height);
  for (let pixel = 0; pixel < luminances.length; pixel += 1) luminances[pixel] = image.data[pixel * 4] ?? 0;
  const bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminances, image.width, image.height)));
  return new DataMatrixReader().decode(bitmap, new Map([[DecodeHintType.PURE_BARCODE, true]])).getText();
}

const letters = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: 1, maxLength: 12 });
const name = fc
  .tuple(letters, fc.array(fc.tuple(fc.constantFrom(' ', '-', "'"), letters), { maxLength: 3 }))
  .map(([first, others]) => first + others.map(([separator, word]) => separator + word).join(''));
const nirBody = fc
  .tuple(
    fc.constantFrom('1', '2'),
    fc.integer({ min: 0, max: 99 }),
    fc.integer({ min: 1, max: 12 }),
    fc.constantFrom('13', '75', '99', '2A', '2B'),
    fc.integer({ min: 1, max: 999 }),
    fc.integer({ min: 1, max: 999 }),
  )
  .map(
    ([sex, year, month, department, commune, order]) =>
      `${sex}${String(year).padStart(2, '0')}${String(month).padStart(2, '0')}${department}${String(commune).padStart(3, '0')}${String(order).padStart(3, '0')}`,
  );
const anyQualified = fc
  .record({
    body: nirBody,
    oid: fc.constantFrom(...Object.values(INS_OIDS)),
    birthName: name,
    birthFirstNames: fc.array(name, { minLength: 1, maxLength: 4 }).filter((names) => names.join(' ').length <= 100),
    birthDate: fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true })
      .map((date) => date.toISOString().slice(0, 10)),
    sex: fc.constantFrom('F' as const, 'M' as const),
    birthplaceCode: fc.constantFrom('75056', '2A004', '2B033', '99134', '13055'),
  })
  .map(({ body, oid, ...of }) => qualified({ value: `${body}${nirKey(body)}`, oid }, of));

describe('the INS DataMatrix', () => {
  it('writes the header, then S1 to S7, closing the variable fields with GS', () => {
    // given the qualified identity of a woman born in Haute-Corse, with a Corsican NIR
    const identity = qualified(corsicanIns, traits);

    // when the content of her DataMatrix is made
    const content = insDataMatrixContent(identity);

    // then it is exactly the header and the seven fields, GS after the OID, the first names and the name
    expect(content).to.equal(
      'IS010000000000000000000000' +
        'S1253072B07300470' +
        'S21.2.250.1.213.1.4.8\u001d' +
        'S3MARIE CLAIRE\u001d' +
        'S4ANTONETTI\u001d' +
        'S5F' +
        'S614-07-1953' +
        'S72B073',
    );
    expect(INS_DATAMATRIX_HEADER).to.have.length(26);
  });

  it('leaves a variable field at its maximum length unclosed: a 20-character OID, a 100-letter name', () => {
    const identity = qualified({ ...corsicanIns, oid: INS_OIDS.nirTest }, { ...traits, birthName: 'A'.repeat(100) });
    const content = insDataMatrixContent(identity);
    expect(INS_OIDS.nirTest).to.have.length(20);
    expect(content).to.contain(`S2${INS_OIDS.nirTest}S3MARIE CLAIRE${GS}S4${'A'.repeat(100)}S5F`);
    expect(content.split(GS)).to.have.length(2);
  });

  it('carries any qualified identity so that a reader of the specification finds each trait back', () => {
    fc.assert(
      fc.property(anyQualified, (identity) => {
        const content = insDataMatrixContent(identity);
        const fields = readInsDataMatrix(content);
        const [year, month, day] = identity.traits.birthDate.split('-');
        expect(fields).to.deep.equal({
          S1: identity.ins.value,
          S2: identity.ins.oid,
          S3: identity.traits.birthFirstNames.join(' '),
          S4: identity.traits.birthName,
          S5: identity.traits.sex,
          S6: `${day}-${month}-${year}`,
          S7: identity.traits.birthplaceCode,
        });
        // GS only where a variable field stops short of its maximum
        const variable = [
          identity.ins.oid.length < 20,
          identity.traits.birthFirstNames.join(' ').length < 100,
          identity.traits.birthName.length < 100,
        ];
        expect(content.split(GS).length - 1).to.equal(variable.filter(Boolean).length);
        // capitals, digits, dots, spaces, hyphens, apostrophes: nothing else but GS
        expect(content.split(GS).join('')).to.match(/^[A-Z0-9 .'-]+$/);
      }),
    );
  });

  it('writes names as the INSi does, and refuses what the code cannot say, with a typed error', () => {
    const accented = qualified(corsicanIns, { ...traits, birthName: 'D’ÉLÉONORE', birthFirstNames: ['ŒLA', 'JOËL'] });
    expect(readInsDataMatrix(insDataMatrixContent(accented))).to.include({ S3: 'OELA JOEL', S4: "D'ELEONORE" });
    const refusal = (of: Partial<StrictTraits>) => {
      try {
        insDataMatrixContent(qualified(corsicanIns, { ...traits, ...of }));
      } catch (error) {
        expect(error).to.be.instanceOf(InsDataMatrixError);
        return (error as InsDataMatrixError).code;
      }
      return 'accepted';
    };
    expect(refusal({ sex: 'I' })).to.equal('INS_DATAMATRIX_SEX_UNREPRESENTABLE');
    expect(refusal({ birthName: 'MARTIN 2' })).to.equal('INS_DATAMATRIX_NAME_UNREPRESENTABLE');
    expect(refusal({ birthFirstNames: Array.from({ length: 10 }, () => 'BARTHOLOMEW') })).to.equal(
      'INS_DATAMATRIX_NAME_UNREPRESENTABLE',
    );
  });

  it('is made for a qualified identity only: by type, and from what a read model holds', () => {
    // @ts-expect-error an INS and traits that did not come through `qualifiedIdentity` are refused by type
    expect(() => insDataMatrixContent({ ins: corsicanIns, traits })).not.to.throw();
    for (const status of ['PROV', 'RECUP', 'VALI', null] as const) {
      expect(qualifiedIdentity(recorded(status)), String(status)).to.equal(undefined);
    }
    expect(qualifiedIdentity(recorded('QUAL'))).to.deep.equal({ ins: corsicanIns, traits });
    // an anonymous usager (no INS), a forgotten one (no traits), a number whose key is wrong
    expect(qualifiedIdentity(recorded('QUAL', null))).to.equal(undefined);
    expect(qualifiedIdentity({ ...recorded('QUAL'), birthName: null, birthFirstNames: [], birthDate: null })).to.equal(
      undefined,
    );
    expect(qualifiedIdentity(recorded('QUAL', { ...corsicanIns, value: '253072B07300471' }))).to.equal(undefined);
  });

  it('draws a DataMatrix that a scanner reads back as exactly its content', async () => {
    await fc.assert(
      fc.asyncProperty(anyQualified, async (identity) => {
        // given the content of a qualified identity's DataMatrix
        const content = insDataMatrixContent(identity);
        // when it is drawn as a PNG and scanned
        const png = await insDataMatrixPng(content);
        // then the scanner reads the very same text, GS included
        expect(scan(png)).to.equal(content);
      }),
      { numRuns: 20 },
    );
  });

  it('prepares the block of a document: the code at a whole number of modules, or why there is none', async () => {
    const ready = await printedIns(qualified(corsicanIns, traits));
    expect(ready.dataMatrix).to.have.property('content', insDataMatrixContent(qualified(corsicanIns, traits)));
    const modules = 'modules' in ready.dataMatrix ? ready.dataMatrix.modules : 0;
    // a square ECC 200 symbol has an even side, and one module of quiet zone on each side
    expect(Number.isInteger(modules) && modules % 2 === 0 && modules >= 12).to.equal(true);
    const withoutCode = await printedIns(qualified(corsicanIns, { ...traits, sex: 'I' }));
    expect(withoutCode.dataMatrix).to.deep.equal({
      refused: 'Le DataMatrix INS ne code que les sexes féminin et masculin.',
    });
  });
});
