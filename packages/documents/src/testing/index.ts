export { pdfPagesText } from './pdf-text.js';
