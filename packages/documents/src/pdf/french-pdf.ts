import PDFDocument from 'pdfkit';

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

const INK = '#1f2937';
const MUTED = '#6b7280';
const ACCENT = '#1d4e89';
const MARGIN = 50;
/** Room above the text for the page header, when there is one. */
const HEADED_TOP_MARGIN = 70;
const TABLE_PADDING = 3;

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

  section(heading: string): this {
    const document = this.document;
    this.sectionNumber += 1;
    if (document.y > document.page.height - MARGIN - 80) document.addPage();
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

  note(text: string): this {
    this.document.fillColor(MUTED).font('Helvetica-Oblique').fontSize(9.5).text(text);
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
