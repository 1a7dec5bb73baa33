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
  ) {
    this.document = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
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

  /** Writes the footers, closes the document and gives its bytes. */
  async end(): Promise<Buffer> {
    const document = this.document;
    const pages = document.bufferedPageRange();
    for (let index = 0; index < pages.count; index += 1) {
      document.switchToPage(pages.start + index);
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
