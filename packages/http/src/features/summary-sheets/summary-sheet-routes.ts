import { renderSummarySheetPdf } from '@dui-pds/documents';
import { decideAccess, type Principal, type SensitivityClass } from '@dui-pds/domain';
import {
  facilitiesOfSheet,
  hiddenPartsOf,
  readableSheet,
  SHEET_PART_SENSITIVITY,
  type SheetPart,
  summarySheetOf,
} from '@dui-pds/projections';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { serviceUserParams } from '../route-parameters.js';

export interface SummarySheetDependencies {
  knex: Knex;
  /** The read schema of the summary_sheets projection. */
  summarySheetsSchema: string;
  access: ProfessionalAccess;
  accessLog: AccessLog;
  /** Names of the ESSMS by FINESS, printed on the sheet where known. */
  facilityNames: Readonly<Record<string, string>>;
  clock: () => Date;
}

const TAG = 'Fiche de synthèse';

/**
 * The summary sheet of a usager, as JSON for screens and as a French PDF to print. Each part is
 * shown only where the reader may read it (its ESSMS and sensitivity), and the read is traced with
 * the sensitivities actually read.
 */
export function summarySheetRoutes(deps: SummarySheetDependencies): RouteDefinition[] {
  const { knex, summarySheetsSchema, access, accessLog, facilityNames, clock } = deps;

  /** The sheet as the principal may see it, the parts hidden from them, and the read traced. */
  const readSheet = async (principal: Principal, context: RequestContext, serviceUserId: string, resource: string) => {
    const { organisationId } = principal;
    const sheet = await summarySheetOf(knex, summarySheetsSchema, { organisationId, serviceUserId });
    if (!sheet) throw new HttpProblem('not-found', 'Aucun dossier pour cet usager.');
    const mayRead = (facilityId: string, sensitivity: SensitivityClass) =>
      decideAccess(principal, 'read', { organisationId, facilityId, serviceUserId, sensitivity }).allowed;
    const readable = readableSheet(sheet, mayRead);
    const facilities = facilitiesOfSheet(sheet);
    const hiddenParts = hiddenPartsOf(sheet, mayRead);
    if (hiddenParts.length === Object.keys(SHEET_PART_SENSITIVITY).length) {
      // nothing of it is open to the reader: the usager's record is not theirs to read
      access.check(principal, 'read', {
        organisationId,
        facilityId: facilities[0] ?? '',
        serviceUserId,
        sensitivity: 'administrative',
      });
    }
    const sensitivities = [
      ...new Set(
        (Object.keys(SHEET_PART_SENSITIVITY) as SheetPart[])
          .filter((part) => !hiddenParts.includes(part))
          .map((part) => SHEET_PART_SENSITIVITY[part]),
      ),
    ];
    await accessLog.recordReads(
      facilities
        .filter((facility) => access.rolesIn(principal, facility).length > 0)
        .map((facilityId) => ({
          organisationId,
          professionalId: principal.professionalId,
          correlationId: context.correlationId,
          read: {
            serviceUserId,
            facilityId,
            roles: access.rolesIn(principal, facilityId),
            resource,
            sensitivities,
            purpose: 'care',
          },
        })),
    );
    return { sheet: readable, hiddenParts };
  };

  return [
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/summary-sheet',
      summary: 'La fiche de synthèse de l’usager, réduite à ce que le lecteur peut lire (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      response: z.object({ sheet: z.record(z.string(), z.unknown()), hiddenParts: z.array(z.string()) }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { sheet, hiddenParts } = await readSheet(principal, context, params.serviceUserId, 'summary-sheet');
        return { body: { sheet: sheet as unknown as Record<string, unknown>, hiddenParts } };
      },
    }),
    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/summary-sheet.pdf',
      summary: 'La fiche de synthèse de l’usager en PDF, à imprimer (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      produces: 'application/pdf',
      response: z.custom<Buffer>(),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const { sheet, hiddenParts } = await readSheet(principal, context, params.serviceUserId, 'summary-sheet-pdf');
        const pdf = await renderSummarySheetPdf({
          sheet,
          hiddenParts,
          facilityNames,
          printedAt: clock(),
          printedBy: principal.professionalId,
        });
        return {
          body: pdf,
          headers: { 'Content-Disposition': 'inline; filename="fiche-de-synthese.pdf"' },
        };
      },
    }),
  ];
}
