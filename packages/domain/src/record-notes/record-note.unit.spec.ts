import fc from 'fast-check';
import { DomainRuleViolation } from '../errors.js';
import { DeciderSpecification } from '../testing/index.js';
import { type NoteWritten, noteWrittenSchema, type RecordNoteEvent, recordNoteDecider } from './record-note.js';

const spec = DeciderSpecification.for(recordNoteDecider);
const note: NoteWritten = {
  noteId: '0195f0a0-0000-7000-8000-000000000001',
  serviceUserId: 'usager-1',
  facilityId: '750000001',
  sensitivity: 'medical',
  text: 'TA 12/8',
};
const written: RecordNoteEvent = { type: 'NoteWritten', data: note };
const refusedWith = (code: string) => (error: Error) => error instanceof DomainRuleViolation && error.code === code;

describe('a note in a usager’s record', () => {
  it('is written once, with its text trimmed', () => {
    spec
      .given([])
      .when({ type: 'WriteNote', ...note, text: '  TA 12/8 ' })
      .thenEmits([written]);
    spec
      .given([written])
      .when({ type: 'WriteNote', ...note })
      .thenRefuses(refusedWith('NOTE_ALREADY_WRITTEN'));
  });

  it('is amended only with a reason, and only once written', () => {
    spec
      .given([written])
      .when({ type: 'AmendNote', text: 'TA 12/8, pouls 72', reason: 'pouls ajouté' })
      .thenEmits([{ type: 'NoteAmended', data: { text: 'TA 12/8, pouls 72', reason: 'pouls ajouté' } }]);
    spec
      .given([written])
      .when({ type: 'AmendNote', text: 'x', reason: '   ' })
      .thenRefuses(refusedWith('AMENDMENT_REASON_REQUIRED'));
    spec.given([]).when({ type: 'AmendNote', text: 'x', reason: 'y' }).thenRefuses(refusedWith('NOTE_NOT_FOUND'));
  });

  it('never records a blank text, whatever the whitespace', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\s*$/), (blank) => {
        spec
          .given([])
          .when({ type: 'WriteNote', ...note, text: blank })
          .thenRefuses(refusedWith('NOTE_TEXT_REQUIRED'));
      }),
    );
  });

  it('emits only data its schema accepts', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }).filter((text) => text.trim().length > 0),
        (text) => {
          const [event] = [
            recordNoteDecider.decide({ type: 'WriteNote', ...note, text }, recordNoteDecider.initialState()),
          ].flat();
          noteWrittenSchema.parse(event!.data);
        },
      ),
    );
  });
});
