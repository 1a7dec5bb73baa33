import { erased, type GivenEvent, ProjectionSpecification } from '../testing/projection-specification.js';
import { recordNotesProjection } from './record-notes-projection.js';

const noteId = '0195f0a0-0000-7000-8000-000000000001';
const metadata = {
  organisationId: 'og-1',
  facilityId: '750000001',
  serviceUserId: 'usager-1',
  actor: { kind: 'professional' as const, id: 'pro-1', role: 'nurse' },
};
const written: GivenEvent = {
  type: 'NoteWritten',
  streamId: `record-note/og-1/${noteId}`,
  data: { noteId, serviceUserId: 'usager-1', facilityId: '750000001', sensitivity: 'medical', text: 'TA 12/8' },
  metadata: { ...metadata, occurredAt: '2025-03-31T07:00:00.000Z' },
};
/** Amended by a colleague, not by the note's author. */
const amended: GivenEvent = {
  type: 'NoteAmended',
  streamId: `record-note/og-1/${noteId}`,
  data: { text: 'TA 12/8, pouls 72', reason: 'pouls ajouté' },
  metadata: {
    ...metadata,
    actor: { kind: 'professional', id: 'pro-2', role: 'doctor' },
    occurredAt: '2025-03-31T07:05:00.000Z',
  },
};
const row = {
  note_id: noteId,
  organisation_id: 'og-1',
  facility_id: '750000001',
  service_user_id: 'usager-1',
  author_id: 'pro-1',
  written_at: '2025-03-31T07:00:00.000Z',
};

describe('the record notes projection', () => {
  const spec = ProjectionSpecification.for(recordNotesProjection);
  after(() => spec.close());

  it('keeps the latest text of each note, its author, who amended it last and when, and its revision', () =>
    spec.given([written, amended]).thenTable('notes', [
      {
        ...row,
        sensitivity: 'medical',
        text: 'TA 12/8, pouls 72',
        amended_at: '2025-03-31T07:05:00.000Z',
        amended_by: 'pro-2',
        revision: 1,
      },
    ]));

  it('names no amender of a note never amended', () =>
    spec
      .given([written])
      .thenTable('notes', [
        { ...row, sensitivity: 'medical', text: 'TA 12/8', amended_at: null, amended_by: null, revision: 0 },
      ]));

  it('keeps a forgotten usager’s notes without their text', () =>
    spec.given([erased(written), erased(amended)]).thenTable('notes', [
      {
        ...row,
        sensitivity: null,
        text: null,
        amended_at: '2025-03-31T07:05:00.000Z',
        amended_by: 'pro-2',
        revision: 1,
      },
    ]));
});
