import {
  accessibleSensitivities,
  type Principal,
  recordNoteDecider,
  type SensitivityClass,
  sensitivityClassSchema,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import { recordNoteStreamId } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const noteParams = organisationParams.extend({ noteId: z.uuid() });

const noteSchema = z.object({
  noteId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  sensitivity: sensitivityClassSchema,
  text: z.string(),
  /** Who wrote it: the text is theirs only while `amendedBy` is null. */
  authorId: z.string(),
  writtenAt: z.string(),
  /** Who amended it last (possibly not its author), and when; null if never amended. */
  amendedBy: z.string().nullable(),
  amendedAt: z.string().nullable(),
  revision: z.int(),
});
type Note = z.infer<typeof noteSchema>;

interface NoteRow {
  note_id: string;
  organisation_id: string;
  facility_id: string | null;
  service_user_id: string;
  sensitivity: SensitivityClass | null;
  text: string | null;
  author_id: string;
  written_at: string;
  amended_at: string | null;
  amended_by: string | null;
  revision: number;
}

export interface RecordNotesDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the record_notes projection. */
  notesSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
}

/**
 * Notes in a usager's record: write, amend (If-Match), list and read, each read traced. Whoever may
 * write a note's class in the usager's care team may amend it (a colleague correcting it, as in
 * practice); every read names the author and, apart, who amended it last and when.
 */
export function recordNotesRoutes(deps: RecordNotesDependencies): RouteDefinition[] {
  const { store, knex, notesSchema, access, accessLog } = deps;
  const notes = () => knex.withSchema(notesSchema).from<NoteRow>('notes');

  const findNote = async (organisationId: string, noteId: string): Promise<NoteRow> => {
    const row = await notes().where({ organisation_id: organisationId, note_id: noteId }).first();
    // a note of another tenant, or of a forgotten usager, is not there
    if (!row || row.facility_id === null || row.sensitivity === null || row.text === null) {
      throw new HttpProblem('not-found', 'Cette note n’existe pas.');
    }
    return row;
  };

  const traceRead = (
    principal: Principal,
    row: { facilityId: string; serviceUserId: string },
    resource: string,
    sensitivities: SensitivityClass[],
    correlationId: string,
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId,
      read: {
        serviceUserId: row.serviceUserId,
        facilityId: row.facilityId,
        roles: access.rolesIn(principal, row.facilityId),
        resource,
        sensitivities,
        purpose: 'care',
      },
    });

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/notes',
      summary: 'Écrire une note au dossier de l’usager',
      tags: ['Notes au dossier'],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        noteId: z.uuid(),
        facilityId: identifier,
        sensitivity: sensitivityClassSchema,
        text: z.string().min(1).max(20_000),
      }),
      response: z.object({ noteId: z.uuid(), revision: z.int() }),
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', { ...params, facilityId: body.facilityId, sensitivity: body.sensitivity });
        const result = await handleCommand(store, recordNoteDecider, {
          streamId: recordNoteStreamId(params.organisationId, body.noteId),
          commandId: access.commandId(principal, context),
          command: { type: 'WriteNote', serviceUserId: params.serviceUserId, ...body },
          metadata: access.metadata(principal, context, {
            facilityId: body.facilityId,
            serviceUserId: params.serviceUserId,
          }),
          expectedRevision: 'noStream',
        });
        const revision = result.nextExpectedRevision as number;
        return { status: 201, body: { noteId: body.noteId, revision }, revision };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/notes/:noteId/amendments',
      summary: 'Modifier une note, en disant pourquoi (If-Match : la révision lue)',
      tags: ['Notes au dossier'],
      params: noteParams,
      ifMatch: 'required',
      body: z.object({ text: z.string().min(1).max(20_000), reason: z.string().min(1).max(1_000) }),
      response: z.object({ noteId: z.uuid(), revision: z.int() }),
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const row = await findNote(params.organisationId, params.noteId);
        access.check(principal, 'write', partOf(row));
        const result = await handleCommand(store, recordNoteDecider, {
          streamId: recordNoteStreamId(params.organisationId, params.noteId),
          commandId: access.commandId(principal, context),
          command: { type: 'AmendNote', ...body },
          metadata: access.metadata(principal, context, {
            facilityId: row.facility_id!,
            serviceUserId: row.service_user_id,
          }),
          expectedRevision,
        });
        const revision = result.nextExpectedRevision as number;
        return { body: { noteId: params.noteId, revision }, revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/notes',
      summary: 'Lire les notes du dossier que l’on est habilité à voir (lecture tracée)',
      tags: ['Notes au dossier'],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier }),
      response: z.object({ notes: z.array(noteSchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const scope = { ...params, facilityId: query.facilityId };
        const sensitivities = accessibleSensitivities(principal, 'read', scope);
        if (sensitivities.length === 0) access.check(principal, 'read', { ...scope, sensitivity: 'administrative' });
        const rows = await notes()
          .where({
            organisation_id: params.organisationId,
            service_user_id: params.serviceUserId,
            facility_id: query.facilityId,
          })
          .whereIn('sensitivity', sensitivities)
          .whereNotNull('text')
          .orderBy('written_at')
          .orderBy('note_id');
        await traceRead(
          principal,
          { facilityId: query.facilityId, serviceUserId: params.serviceUserId },
          'notes',
          sensitivities,
          context.correlationId,
        );
        return { body: { notes: rows.map(toNote) } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/notes/:noteId',
      summary: 'Lire une note (ETag : sa révision ; lecture tracée)',
      tags: ['Notes au dossier'],
      params: noteParams,
      response: noteSchema,
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const row = await findNote(params.organisationId, params.noteId);
        access.check(principal, 'read', partOf(row));
        const note = toNote(row);
        await traceRead(principal, note, 'note', [note.sensitivity], context.correlationId);
        return { body: note, revision: note.revision };
      },
    }),
  ];
}

function partOf(row: NoteRow) {
  return {
    organisationId: row.organisation_id,
    facilityId: row.facility_id!,
    serviceUserId: row.service_user_id,
    sensitivity: row.sensitivity!,
  };
}

function toNote(row: NoteRow): Note {
  return {
    noteId: row.note_id,
    serviceUserId: row.service_user_id,
    facilityId: row.facility_id!,
    sensitivity: row.sensitivity!,
    text: row.text!,
    authorId: row.author_id,
    writtenAt: row.written_at,
    amendedBy: row.amended_by,
    amendedAt: row.amended_at,
    revision: row.revision,
  };
}
