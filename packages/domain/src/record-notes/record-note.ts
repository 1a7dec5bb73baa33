import { z } from 'zod';
import type { Decider } from '../decider.js';
import { DomainRuleViolation } from '../errors.js';
import { type SensitivityClass, sensitivityClassSchema } from '../habilitations/index.js';

/**
 * A note in a usager's record (note au dossier), written by a professional and classed by
 * sensitivity (administrative, social, medical, psychological), which decides who may read it.
 * One stream per note: written once, then only amended by later events that say why.
 */
const MAX_NOTE_LENGTH = 20_000;

export const noteWrittenSchema = z.object({
  noteId: z.uuid(),
  serviceUserId: z.string().min(1).max(200),
  facilityId: z.string().min(1).max(200),
  sensitivity: sensitivityClassSchema,
  text: z.string().min(1).max(MAX_NOTE_LENGTH),
});
export const noteAmendedSchema = z.object({
  text: z.string().min(1).max(MAX_NOTE_LENGTH),
  reason: z.string().min(1).max(1_000),
});

export type NoteWritten = z.infer<typeof noteWrittenSchema>;
export type NoteAmended = z.infer<typeof noteAmendedSchema>;

/** The data of a forgotten usager's events, as the store hands them back. */
export interface ErasedNote {
  $erased: true;
}

export type RecordNoteEvent =
  | { type: 'NoteWritten'; data: NoteWritten | ErasedNote }
  | { type: 'NoteAmended'; data: NoteAmended | ErasedNote };

export const recordNoteEventSchemas = { NoteWritten: noteWrittenSchema, NoteAmended: noteAmendedSchema } as const;

export type RecordNoteCommand = ({ type: 'WriteNote' } & NoteWritten) | ({ type: 'AmendNote' } & NoteAmended);

export type RecordNote =
  | { status: 'none' }
  | {
      status: 'written';
      serviceUserId: string | undefined;
      facilityId: string | undefined;
      sensitivity: SensitivityClass | undefined;
      amendments: number;
    };

export const recordNoteDecider: Decider<RecordNoteCommand, RecordNoteEvent, RecordNote> = {
  initialState: () => ({ status: 'none' }),

  decide(command, note) {
    switch (command.type) {
      case 'WriteNote': {
        if (note.status !== 'none') throw new DomainRuleViolation('NOTE_ALREADY_WRITTEN', 'Cette note existe déjà.');
        const { type: _, ...data } = command;
        return { type: 'NoteWritten', data: { ...data, text: requireText(data.text) } };
      }
      case 'AmendNote': {
        if (note.status !== 'written') throw new DomainRuleViolation('NOTE_NOT_FOUND', 'Aucune note à modifier.');
        const reason = command.reason.trim();
        if (reason.length === 0) {
          throw new DomainRuleViolation('AMENDMENT_REASON_REQUIRED', 'Une modification de note doit être motivée.');
        }
        return { type: 'NoteAmended', data: { text: requireText(command.text), reason } };
      }
    }
  },

  evolve(note, event) {
    switch (event.type) {
      case 'NoteWritten':
        return {
          status: 'written',
          serviceUserId: 'serviceUserId' in event.data ? event.data.serviceUserId : undefined,
          facilityId: 'facilityId' in event.data ? event.data.facilityId : undefined,
          sensitivity: 'sensitivity' in event.data ? event.data.sensitivity : undefined,
          amendments: 0,
        };
      case 'NoteAmended':
        return note.status === 'written' ? { ...note, amendments: note.amendments + 1 } : note;
    }
  },
};

function requireText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new DomainRuleViolation('NOTE_TEXT_REQUIRED', 'Le texte de la note est vide.');
  return trimmed;
}
