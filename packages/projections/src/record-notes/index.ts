export { recordNoteStreamId, recordNotesProjection } from './record-notes-projection.js';
