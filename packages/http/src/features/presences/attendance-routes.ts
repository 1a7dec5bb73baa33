import {
  type Attendance,
  type AttendanceCommand,
  attendanceDaySchema,
  attendanceDecider,
  attendanceDetailsSchema,
  attendanceStreamId,
  decideAccess,
  type Principal,
  timeOfDaySchema,
} from '@dui-pds/domain';
import { type EventStore, foldStream } from '@dui-pds/eventstore';
import { attendanceSheet, countAttendance } from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import { refuseActAfterExit } from '../accompaniment-end.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams } from '../route-parameters.js';

const accompanimentParams = organisationParams.extend({ accompanimentId: z.uuid() });
const reason = z.string().trim().min(1).max(1_000);
const accepted = z.object({ attendanceId: z.uuid(), revision: z.int() });
const recordedBody = z.object({
  attendanceId: z.uuid(),
  serviceUserId: identifier,
  facilityId: identifier,
  day: attendanceDaySchema,
  planned: z.boolean(),
});

const sheetLineSchema = z.object({
  serviceUserId: z.string(),
  accompanimentId: z.string(),
  attendanceId: z.string(),
  status: z.enum(['present', 'absent']),
  planned: z.boolean(),
  justified: z.boolean().nullable(),
  reason: z.string().nullable(),
  arrivedAt: z.string().nullable(),
  leftAt: z.string().nullable(),
  revision: z.int(),
});

export interface AttendanceDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the attendance projection. */
  attendanceSchema: string;
  /** The read schema of the accompaniment_exits projection: no day is recorded past an exit. */
  accompanimentExitsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  clock: () => Date;
}

/**
 * Presences and absences of usagers, per accompaniment and day, and the daily attendance sheet of
 * an ESSMS. Attendance is administrative data: the care team records it, the secretariat and the
 * direction of the ESSMS read and keep it, as the access matrix says.
 */
export function attendanceRoutes(deps: AttendanceDependencies): RouteDefinition[] {
  const { store, knex, attendanceSchema, accompanimentExitsSchema, access, accessLog } = deps;

  const checkWrite = (principal: Principal, where: { facilityId: string; serviceUserId: string }) =>
    access.check(principal, 'write', {
      organisationId: principal.organisationId,
      ...where,
      sensitivity: 'administrative',
    });

  const decide = async (
    principal: Principal,
    context: Parameters<ProfessionalAccess['commandId']>[1],
    streamId: string,
    command: AttendanceCommand,
    where: { facilityId: string; serviceUserId: string },
    expectedRevision?: number,
  ) => {
    const { revision } = await professionalCommand(store, access, attendanceDecider, {
      principal,
      context,
      streamId,
      command,
      where,
      expectedRevision,
    });
    return { body: { attendanceId: command.attendanceId, revision }, revision };
  };

  /** A day past the accompaniment's exit is not recorded; one recorded before the exit is still corrected. */
  const refuseDayAfterExit = (where: { organisationId: string; accompanimentId: string }, day: string) =>
    refuseActAfterExit(knex, accompanimentExitsSchema, where, day, 'attendance');

  const recordedDay = async (streamId: string): Promise<Extract<Attendance, { status: 'recorded' }>> => {
    const day = await foldStream(store, attendanceDecider, streamId);
    if (day.status === 'none' || day.serviceUserId === undefined || day.facilityId === undefined) {
      // none, or its usager was forgotten
      throw new HttpProblem('not-found', 'Aucune présence ni absence enregistrée ce jour-là pour cet accompagnement.');
    }
    return day;
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/presences',
      summary: 'Enregistrer la présence de l’usager un jour donné (prévue ou non, heures d’arrivée et de départ)',
      tags: ['Présences'],
      status: 201,
      params: accompanimentParams,
      body: recordedBody.extend({ arrivedAt: timeOfDaySchema.optional(), leftAt: timeOfDaySchema.optional() }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: body.serviceUserId };
        checkWrite(principal, where);
        await refuseDayAfterExit(params, body.day);
        const { arrivedAt, leftAt, ...rest } = body;
        const answer = await decide(
          principal,
          context,
          attendanceStreamId(params.organisationId, params.accompanimentId, body.day),
          {
            type: 'RecordPresence',
            ...rest,
            ...(arrivedAt !== undefined ? { arrivedAt } : {}),
            ...(leftAt !== undefined ? { leftAt } : {}),
          },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/absences',
      summary: 'Enregistrer l’absence de l’usager un jour donné (prévue ou non, justifiée ou non, motif)',
      tags: ['Présences'],
      status: 201,
      params: accompanimentParams,
      body: recordedBody.extend({ justified: z.boolean(), reason: z.string().max(1_000).optional() }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: body.facilityId, serviceUserId: body.serviceUserId };
        checkWrite(principal, where);
        await refuseDayAfterExit(params, body.day);
        const { reason: why, ...rest } = body;
        const answer = await decide(
          principal,
          context,
          attendanceStreamId(params.organisationId, params.accompanimentId, body.day),
          { type: 'RecordAbsence', ...rest, ...(why !== undefined ? { reason: why } : {}) },
          where,
        );
        return { ...answer, status: 201 };
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/accompaniments/:accompanimentId/attendance-corrections',
      summary: 'Corriger la présence ou l’absence d’un jour, en disant pourquoi (If-Match : la révision lue)',
      tags: ['Présences'],
      params: accompanimentParams,
      body: z.object({ attendanceId: z.uuid(), day: attendanceDaySchema, reason, attendance: attendanceDetailsSchema }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const streamId = attendanceStreamId(params.organisationId, params.accompanimentId, body.day);
        const day = await recordedDay(streamId);
        const where = { facilityId: day.facilityId!, serviceUserId: day.serviceUserId! };
        checkWrite(principal, where);
        return decide(
          principal,
          context,
          streamId,
          {
            type: 'CorrectAttendance',
            attendanceId: body.attendanceId,
            reason: body.reason,
            attendance: body.attendance,
          },
          where,
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/facilities/:facilityId/attendance-sheet',
      summary: 'La feuille de présence d’un ESSMS pour un jour (lecture tracée par usager)',
      tags: ['Présences'],
      params: organisationParams.extend({ facilityId: identifier }),
      query: z.object({ day: attendanceDaySchema }),
      response: z.object({
        facilityId: z.string(),
        day: z.string(),
        lines: z.array(sheetLineSchema),
        counts: z.object({ present: z.int(), absentJustified: z.int(), absentUnjustified: z.int() }),
      }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { organisationId, facilityId } = params;
        if (!principal.roles.some((grant) => grant.facilityId === facilityId)) {
          access.check(principal, 'read', {
            organisationId,
            facilityId,
            serviceUserId: '-',
            sensitivity: 'administrative',
          });
        }
        const readable = (serviceUserId: string) =>
          decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity: 'administrative' })
            .allowed;
        const sheet = await attendanceSheet(knex, attendanceSchema, { organisationId, facilityId, day: query.day });
        // what the caller may not read, closed records included, is neither listed nor counted
        const lines = await access.openRecordsAmong(
          organisationId,
          sheet.lines.filter((line) => readable(line.serviceUserId)),
          (line) => line.serviceUserId,
        );
        await accessLog.recordReads(
          lines.map((line) => ({
            organisationId,
            professionalId: principal.professionalId,
            correlationId: context.correlationId,
            read: {
              serviceUserId: line.serviceUserId,
              facilityId,
              roles: access.rolesIn(principal, facilityId),
              resource: 'attendance-sheet',
              sensitivities: ['administrative'],
              purpose: 'care',
            },
          })),
        );
        return { body: { facilityId, day: query.day, lines, counts: countAttendance(lines) } };
      },
    }),
  ];
}
