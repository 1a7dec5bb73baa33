import PDFDocument from 'pdfkit';
import type { PrintedIns } from '../ins/printed-ins.js';
import { insKindLabel } from '../ins/qualified-identity.js';

/** How the documents write days and moments: French style, in Paris time. */
const PARIS_DAY = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short' });
const PARIS_MOMENT = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  dateStyle: 'short',
  timeStyle: 'short',
});

/** `2026-11-20` → `20/11/2026`; an instant → its day in Paris. */
export function frenchDay(dayOrInstant: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(dayOrInstant)) return dayOrInstant.split('-').reverse().join('/');
  return PARIS_DAY.format(new Date(dayOrInstant));
}

export function frenchMoment(instant: Date): string {
  return PARIS_MOMENT.format(instant).replace(' ', ' à ');
}

const LONG_DAY = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const PARIS_ISO_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });

/** `2026-11-26` → `26 novembre 2026`, `2026-11-01` → `1er novembre 2026`; an instant → its day in Paris. */
export function frenchLongDay(dayOrInstant: string | Date): string {
  const day =
    typeof dayOrInstant === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(dayOrInstant)
      ? dayOrInstant
      : PARIS_ISO_DAY.format(new Date(dayOrInstant));
  return LONG_DAY.format(new Date(`${day}T00:00:00Z`)).replace(/^1 /, '1er ');
}

/** Who signs a document, and where: a titled box, with what is known of the signature. */
export interface SignatureBlock {
  /** In what capacity: « Le directeur ou son délégué », « La personne de confiance ». */
  role: string;
  /** Who, where known: a name, a professional identifier. */
  name?: string;
  /** A signature already given, said in words: « Signé le 27 octobre 2025 ». */
  signed?: string;
  /** Written small above the box: « Précédé de la mention « lu et approuvé » ». */
  mention?: string;
}

const INK = '#1f2937';
const MUTED = '#6b7280';
const ACCENT = '#1d4e89';
const MARGIN = 50;
/** Room above the text for the page header, when there is one. */
const HEADED_TOP_MARGIN = 70;
const TABLE_PADDING = 3;
/** The printed side of one module of the INS DataMatrix: about 0.42 mm, read by any office scanner. */
const DATAMATRIX_MODULE_POINTS = 1.2;

/** A column of `table`: its heading, its share of the width, how its cells align. */
export interface TableColumn {
  header: string;
  /** Relative: the columns share the page's width in proportion. */
  width: number;
  align?: 'left' | 'right' | 'center';
}

export interface FrenchPdfOptions {
  /** Lines written at the top of every page (the first in bold): a register's establishment, say. */
  pageHeader?: readonly string[];
  layout?: 'portrait' | 'landscape';
}

/**
 * A French A4 document in the house style: a title block, numbered sections, "label : value"
 * fields, bullet lines, and on every page a confidentiality footer with the page number. Built on
 * pdfkit with its standard fonts, whose WinAnsi encoding covers French (é, ç, œ, « », ’).
 */
export class FrenchPdf {
  private readonly document: PDFKit.PDFDocument;
  private readonly chunks: Buffer[] = [];
  private readonly finished: Promise<Buffer>;
  private sectionNumber = 0;

  constructor(
    metadata: { title: string; subject: string; author: string; createdAt: Date },
    private readonly footer: string,
    private readonly options: FrenchPdfOptions = {},
  ) {
    const headed = (options.pageHeader?.length ?? 0) > 0;
    this.document = new PDFDocument({
      size: 'A4',
      layout: options.layout ?? 'portrait',
      margins: { top: headed ? HEADED_TOP_MARGIN : MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
      bufferPages: true,
      lang: 'fr-FR',
      info: {
        Title: metadata.title,
        Subject: metadata.subject,
        Author: metadata.author,
        Creator: 'DUI-PDS',
        CreationDate: metadata.createdAt,
        ModDate: metadata.createdAt,
      },
    });
    this.document.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.finished = new Promise((resolve, reject) => {
      this.document.on('end', () => resolve(Buffer.concat(this.chunks)));
      this.document.on('error', reject);
    });
  }

  title(title: string, subtitle: string[]): this {
    const document = this.document;
    document.fillColor(ACCENT).font('Helvetica-Bold').fontSize(18).text(title);
    document.moveDown(0.2).fillColor(MUTED).font('Helvetica').fontSize(9);
    for (const line of subtitle) document.text(line);
    document.moveDown(0.5);
    this.rule(ACCENT, 1.5);
    return this;
  }

  /** A numbered heading, on a new page unless `room` points of what follows fit under it. */
  section(heading: string, room = 80): this {
    const document = this.document;
    this.sectionNumber += 1;
    if (document.y > document.page.height - MARGIN - room) document.addPage();
    document.moveDown(0.8).fillColor(ACCENT).font('Helvetica-Bold').fontSize(12);
    document.text(`${this.sectionNumber}. ${heading}`);
    this.rule('#c7d2e0', 0.5);
    document.moveDown(0.3);
    return this;
  }

  field(label: string, value: string): this {
    this.document
      .fillColor(MUTED)
      .font('Helvetica')
      .fontSize(10)
      .text(`${label} : `, { continued: true })
      .fillColor(INK)
      .font('Helvetica-Bold')
      .text(value);
    return this;
  }

  bullet(text: string, details?: string): this {
    const document = this.document;
    // wrapped lines keep the bullet's indentation: the text is set in a narrower column
    const column = (indent: number) => ({ width: document.page.width - 2 * MARGIN - indent });
    document
      .fillColor(INK)
      .font('Helvetica')
      .fontSize(10)
      .text(`•  ${text}`, MARGIN + 6, undefined, column(6));
    if (details)
      document
        .fillColor(MUTED)
        .fontSize(9)
        .text(details, MARGIN + 18, undefined, column(18));
    document.x = MARGIN;
    return this;
  }

  /** Running text, justified: the body of a contract or an attestation. */
  paragraph(text: string, options: { bold?: boolean } = {}): this {
    this.document
      .fillColor(INK)
      .font(options.bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(10)
      .text(text, MARGIN, undefined, { align: 'justify', width: this.document.page.width - 2 * MARGIN });
    this.document.moveDown(0.4);
    return this;
  }

  /**
   * Signature boxes, in a numbered section when given a heading, side by side (three at most on a row), each with its
   * role, name and date, after the place and date of the document when given. The heading stays
   * with the first row, and no row is split across pages: a box cut in two could not be signed.
   */
  signatures(blocks: readonly SignatureBlock[], { heading, place }: { heading?: string; place?: string } = {}): this {
    const document = this.document;
    // a lone box stands on the right, where a signature is expected
    const perRow = Math.min(3, Math.max(2, blocks.length));
    const gap = 14;
    const available = document.page.width - 2 * MARGIN;
    const width = (available - gap * (perRow - 1)) / perRow;
    const boxHeight = 62;
    const textHeight = (block: SignatureBlock) => {
      document.font('Helvetica-Bold').fontSize(9.5);
      let height = document.heightOfString(block.role, { width });
      document.font('Helvetica').fontSize(9);
      for (const line of [block.name, block.signed ?? 'Date :', block.mention]) {
        if (line) height += document.heightOfString(line, { width }) + 1;
      }
      return height;
    };
    const rowHeight = (row: readonly SignatureBlock[]) => Math.max(...row.map(textHeight)) + 6 + boxHeight;
    const bottom = () => document.page.height - document.page.margins.bottom;
    const headingHeight = (heading ? 45 : 0) + (place ? 16 : 0);
    if (document.y + headingHeight + 10 + rowHeight(blocks.slice(0, perRow)) > bottom()) document.addPage();
    if (heading) this.section(heading);
    if (place)
      document.fillColor(INK).font('Helvetica').fontSize(10).text(place, MARGIN, undefined, { width: available });
    for (let start = 0; start < blocks.length; start += perRow) {
      const row = blocks.slice(start, start + perRow);
      const height = rowHeight(row);
      if (document.y + 10 + height > bottom()) document.addPage();
      const top = document.y + 10;
      const offset = row.length === 1 ? perRow - 1 : 0;
      row.forEach((block, index) => {
        const left = MARGIN + (index + offset) * (width + gap);
        document.fillColor(ACCENT).font('Helvetica-Bold').fontSize(9.5).text(block.role, left, top, { width });
        document.fillColor(INK).font('Helvetica').fontSize(9);
        if (block.name) document.text(block.name, left, document.y + 1, { width });
        document.fillColor(block.signed ? INK : MUTED).text(block.signed ?? 'Date :', left, document.y + 1, { width });
        if (block.mention)
          document
            .fillColor(MUTED)
            .font('Helvetica-Oblique')
            .fontSize(8)
            .text(block.mention, left, document.y + 1, { width });
        const boxTop = top + height - boxHeight;
        document.rect(left, boxTop, width, boxHeight).lineWidth(0.6).strokeColor('#9ca3af').stroke();
        document
          .fillColor('#9ca3af')
          .font('Helvetica')
          .fontSize(7)
          .text('Signature', left + 4, boxTop + boxHeight - 11, { width: width - 8, lineBreak: false });
      });
      document.x = MARGIN;
      document.y = top + height + 6;
    }
    document.fillColor(INK);
    return this;
  }

  /**
   * The block « Identité nationale de santé »: the INS in letters with its OID, and its DataMatrix
   * on the right, in a frame kept on one page. It takes a `PrintedIns`, which only a qualified
   * identity makes: no other identity's INS may leave the software.
   */
  nationalHealthIdentity(ins: PrintedIns): this {
    const document = this.document;
    const { identity, dataMatrix } = ins;
    const padding = 6;
    const width = document.page.width - 2 * MARGIN;
    const codeSide = 'png' in dataMatrix ? dataMatrix.modules * DATAMATRIX_MODULE_POINTS : 0;
    const captionHeight = codeSide > 0 ? 10 : 0;
    const textWidth = width - 2 * padding - (codeSide > 0 ? codeSide + 12 : 0);
    const lines: { label?: string; text: string; style: 'heading' | 'field' | 'note' }[] = [
      { text: 'Identité nationale de santé', style: 'heading' },
      { label: `INS (${insKindLabel(identity.ins.oid)})`, text: identity.ins.value, style: 'field' },
      { label: 'OID', text: identity.ins.oid, style: 'field' },
      {
        text:
          'png' in dataMatrix
            ? 'Identité qualifiée : INS obtenu du téléservice INSi, traits vérifiés sur une pièce d’identité.'
            : `Identité qualifiée. ${dataMatrix.refused}`,
        style: 'note',
      },
    ];
    // a field is measured in bold throughout: a little more room than its muted label takes
    const fontOf = (style: 'heading' | 'field' | 'note') => (style === 'note' ? 'Helvetica-Oblique' : 'Helvetica-Bold');
    const sizeOf = (style: 'heading' | 'field' | 'note') => (style === 'note' ? 8.5 : 10);
    const heightOf = (line: (typeof lines)[number]) => {
      document.font(fontOf(line.style)).fontSize(sizeOf(line.style));
      return document.heightOfString(line.label ? `${line.label} : ${line.text}` : line.text, { width: textWidth }) + 2;
    };
    const textHeight = lines.reduce((sum, line) => sum + heightOf(line), 0);
    const height = Math.max(textHeight, codeSide + captionHeight) + 2 * padding;
    if (document.y + 8 + height > document.page.height - document.page.margins.bottom) document.addPage();
    const top = document.y + 8;
    document.rect(MARGIN, top, width, height).lineWidth(0.6).strokeColor('#9ca3af').stroke();
    let y = top + padding;
    for (const line of lines) {
      const left = MARGIN + padding;
      const lineHeight = heightOf(line);
      if (line.label) {
        document
          .fillColor(MUTED)
          .font('Helvetica')
          .fontSize(10)
          .text(`${line.label} : `, left, y, { width: textWidth, continued: true })
          .fillColor(INK)
          .font('Helvetica-Bold')
          .text(line.text);
      } else {
        document
          .fillColor(line.style === 'heading' ? ACCENT : MUTED)
          .font(fontOf(line.style))
          .fontSize(sizeOf(line.style))
          .text(line.text, left, y, { width: textWidth });
      }
      y += lineHeight;
    }
    if ('png' in dataMatrix) {
      const codeLeft = MARGIN + width - padding - codeSide;
      document.image(dataMatrix.png, codeLeft, top + padding, { width: codeSide, height: codeSide });
      document
        .fillColor(MUTED)
        .font('Helvetica')
        .fontSize(7)
        .text('DataMatrix INS', codeLeft - 20, top + padding + codeSide + 1, {
          width: codeSide + 40,
          align: 'center',
          lineBreak: false,
        });
    }
    document.x = MARGIN;
    document.y = top + height + 6;
    document.fillColor(INK);
    return this;
  }

  note(text: string): this {
    this.document.fillColor(MUTED).font('Helvetica-Oblique').fontSize(9.5).text(text);
    return this;
  }

  /** The title of a table or a chart inside a section, kept on a page with `room` points of what follows. */
  subheading(text: string, room = 80): this {
    const document = this.document;
    const width = document.page.width - 2 * MARGIN;
    document.font('Helvetica-Bold').fontSize(10);
    if (document.y + 8 + document.heightOfString(text, { width }) + room > document.page.height - MARGIN)
      document.addPage();
    document.moveDown(0.6).fillColor(INK).text(text, MARGIN, undefined, { width });
    document.moveDown(0.15);
    return this;
  }

  /**
   * A horizontal bar chart: each label in a column on the left (wrapped, never cut), its bar, its
   * value written at the bar's end; a bar is never split across pages. The longest bar is the
   * largest value, or `scaleMax` (a share: 1, with a grey track showing the whole).
   */
  bars(
    items: readonly { label: string; value: number; valueText: string }[],
    options: { title?: string; scaleMax?: number; track?: boolean } = {},
  ): this {
    const document = this.document;
    const available = document.page.width - 2 * MARGIN;
    const labelWidth = Math.min(230, available * 0.4);
    const valueWidth = 90;
    const barLeft = MARGIN + labelWidth + 8;
    const barRoom = available - labelWidth - 8 - valueWidth;
    const barHeight = 9;
    const scale = options.scaleMax ?? Math.max(0, ...items.map((item) => item.value));
    const bottom = () => document.page.height - document.page.margins.bottom;
    document.font('Helvetica').fontSize(8.5);
    const heights = items.map(
      (item) => Math.max(document.heightOfString(item.label, { width: labelWidth }), barHeight + 2) + 4,
    );
    const titleHeight = options.title ? 14 : 0;
    const total = titleHeight + heights.reduce((sum, height) => sum + height, 0);
    let y = document.y + 4;
    // a chart that fits on a page is not cut in two
    if (y + total > bottom() && document.page.margins.top + total <= bottom()) {
      document.addPage();
      y = document.page.margins.top;
    }
    if (options.title) {
      document
        .fillColor(ACCENT)
        .font('Helvetica-Bold')
        .fontSize(8.5)
        .text(options.title, MARGIN, y, { width: available, lineBreak: false });
      y += titleHeight;
    }
    for (const [index, item] of items.entries()) {
      const height = heights[index] ?? 0;
      if (y + height > bottom()) {
        document.addPage();
        y = document.page.margins.top;
      }
      document
        .fillColor(INK)
        .font('Helvetica')
        .fontSize(8.5)
        .text(item.label, MARGIN, y + 1, { width: labelWidth, align: 'right' });
      const barTop = y + 1;
      if (options.track) document.rect(barLeft, barTop, barRoom, barHeight).fill('#e5e7eb');
      const length = scale > 0 ? (Math.max(0, Math.min(item.value, scale)) / scale) * barRoom : 0;
      // a zero keeps a hairline: the bar is seen to be there, and empty
      document.rect(barLeft, barTop, Math.max(length, 0.8), barHeight).fill(ACCENT);
      document
        .fillColor(INK)
        .font('Helvetica-Bold')
        .fontSize(8.5)
        .text(item.valueText, barLeft + (options.track ? barRoom : length) + 5, barTop + 1, {
          width: valueWidth - 5,
          lineBreak: false,
        });
      y += height;
    }
    document.x = MARGIN;
    document.y = y + 6;
    document.fillColor(INK);
    return this;
  }

  gap(): this {
    this.document.moveDown(0.4);
    return this;
  }

  /** The next content starts on a new page. */
  pageBreak(): this {
    this.document.addPage();
    return this;
  }

  /**
   * A table with a shaded heading row, repeated at the top of each page it runs over; each row as
   * high as its longest cell, never split across pages. `mutedRows` are printed grey (a
   * countered line, for instance).
   */
  table(
    columns: readonly TableColumn[],
    rows: readonly (readonly string[])[],
    options: { mutedRows?: ReadonlySet<number> } = {},
  ): this {
    const document = this.document;
    const total = columns.reduce((sum, column) => sum + column.width, 0);
    const available = document.page.width - 2 * MARGIN;
    const widths = columns.map((column) => (column.width / total) * available);
    const lefts = widths.map((_, index) => MARGIN + widths.slice(0, index).reduce((sum, width) => sum + width, 0));
    const bottom = () => document.page.height - document.page.margins.bottom;
    const heightOf = (cells: readonly string[], font: string) => {
      document.font(font).fontSize(8);
      return (
        Math.max(
          ...cells.map((cell, index) =>
            document.heightOfString(cell || ' ', { width: (widths[index] ?? 0) - 2 * TABLE_PADDING }),
          ),
        ) +
        2 * TABLE_PADDING
      );
    };
    const drawRow = (
      cells: readonly string[],
      y: number,
      height: number,
      style: 'header' | 'even' | 'odd' | 'muted',
    ) => {
      if (style !== 'odd') {
        const fill = style === 'header' ? '#dbe4f0' : style === 'muted' ? '#f3f4f6' : '#f8fafc';
        document.rect(MARGIN, y, available, height).fill(fill);
      }
      document
        .font(style === 'header' ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(8)
        .fillColor(style === 'header' ? ACCENT : style === 'muted' ? MUTED : INK);
      cells.forEach((cell, index) => {
        document.text(cell, (lefts[index] ?? MARGIN) + TABLE_PADDING, y + TABLE_PADDING, {
          width: (widths[index] ?? 0) - 2 * TABLE_PADDING,
          align: columns[index]?.align ?? 'left',
        });
      });
      document
        .moveTo(MARGIN, y + height)
        .lineTo(MARGIN + available, y + height)
        .lineWidth(0.3)
        .strokeColor('#c7d2e0')
        .stroke();
    };
    const headers = columns.map((column) => column.header);
    const headerHeight = heightOf(headers, 'Helvetica-Bold');
    let y = document.y + 4;
    const newPage = () => {
      document.addPage();
      y = document.page.margins.top;
      drawRow(headers, y, headerHeight, 'header');
      y += headerHeight;
    };
    if (y + headerHeight + 20 > bottom()) {
      newPage();
    } else {
      drawRow(headers, y, headerHeight, 'header');
      y += headerHeight;
    }
    rows.forEach((cells, index) => {
      const height = heightOf(cells, 'Helvetica');
      if (y + height > bottom()) newPage();
      const style = options.mutedRows?.has(index) ? 'muted' : index % 2 === 1 ? 'even' : 'odd';
      drawRow(cells, y, height, style);
      y += height;
    });
    document.x = MARGIN;
    document.y = y + 6;
    document.fillColor(INK);
    return this;
  }

  /** Writes the headers and footers, closes the document and gives its bytes. */
  async end(): Promise<Buffer> {
    const document = this.document;
    const pages = document.bufferedPageRange();
    for (let index = 0; index < pages.count; index += 1) {
      document.switchToPage(pages.start + index);
      this.writePageHeader();
      // writing inside the bottom margin would otherwise open a new page
      const bottom = document.page.margins.bottom;
      document.page.margins.bottom = 0;
      document
        .fillColor(MUTED)
        .font('Helvetica')
        .fontSize(8)
        .text(`${this.footer} — page ${index + 1} sur ${pages.count}`, MARGIN, document.page.height - 35, {
          width: document.page.width - 2 * MARGIN,
          align: 'center',
        });
      document.page.margins.bottom = bottom;
    }
    document.end();
    return this.finished;
  }

  private writePageHeader(): void {
    const lines = this.options.pageHeader ?? [];
    if (lines.length === 0) return;
    const document = this.document;
    const width = document.page.width - 2 * MARGIN;
    let y = 22;
    lines.forEach((line, index) => {
      document
        .fillColor(index === 0 ? INK : MUTED)
        .font(index === 0 ? 'Helvetica-Bold' : 'Helvetica')
        .fontSize(index === 0 ? 9 : 8)
        .text(line, MARGIN, y, { width, lineBreak: false });
      y += index === 0 ? 11 : 10;
    });
    document
      .moveTo(MARGIN, y + 2)
      .lineTo(MARGIN + width, y + 2)
      .lineWidth(0.5)
      .strokeColor('#c7d2e0')
      .stroke();
  }

  private rule(color: string, width: number): void {
    const document = this.document;
    const y = document.y + 2;
    document
      .moveTo(MARGIN, y)
      .lineTo(document.page.width - MARGIN, y)
      .lineWidth(width)
      .strokeColor(color)
      .stroke();
    document.y = y + 4;
  }
}
