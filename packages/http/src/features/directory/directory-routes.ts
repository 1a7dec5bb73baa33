import {
  contactEmailSchema,
  contactPhoneSchema,
  type DirectoryCommand,
  type DirectoryRole,
  DomainRuleViolation,
  directoryEntryDecider,
  directoryEntryKindSchema,
  directoryEntryStreamId,
  directoryRoleSchema,
  finessSchema,
  MAX_DIRECTORY_NAME_LENGTH,
  MAX_DIRECTORY_NOTE_LENGTH,
  MAX_ROLE_DETAILS_LENGTH,
  PARTNER_ROLES,
  type Principal,
  rppsSchema,
  type SensitivityClass,
} from '@dui-pds/domain';
import type { EventStore } from '@dui-pds/eventstore';
import { type DirectoryEntryView, directoryEntryById, directoryEntryHistory, directoryOf } from '@dui-pds/projections';
import {
  type AnnuaireOrganisation,
  type AnnuairePractitioner,
  type AnnuaireSante,
  practitionerDisplayName,
} from '@dui-pds/segur-adapters';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AccessLog } from '../../app/access-log.js';
import { defineCommand, defineQuery, HttpProblem, type RouteDefinition } from '../../server/index.js';
import type { RequestContext } from '../../server/request-context.js';
import type { ProfessionalAccess } from '../professional-access.js';
import { professionalCommand } from '../professional-command.js';
import { identifier, organisationParams, serviceUserParams } from '../route-parameters.js';

const TAG = 'Entourage et partenaires';
/** The entourage and the partners reveal the usager's private life (family, justice, care elsewhere): social data. */
const SENSITIVITY: SensitivityClass = 'social';
const entryParams = organisationParams.extend({ entryId: z.uuid() });
const accepted = z.object({ entryId: z.uuid(), revision: z.int() });
const partnerRoleSchema = z.enum(PARTNER_ROLES);
const name = z.string().trim().min(1).max(MAX_DIRECTORY_NAME_LENGTH);
/** In a change, an empty text clears the field. */
const clearable = (maxLength: number) => z.string().trim().max(maxLength);
const contactBody = z.strictObject({
  phone: contactPhoneSchema.optional(),
  email: contactEmailSchema.optional(),
  postalAddress: z.string().trim().min(1).max(500).optional(),
});
const contactView = z.object({
  phone: z.string().optional(),
  email: z.string().optional(),
  postalAddress: z.string().optional(),
});
const entrySchema = z.object({
  entryId: z.uuid(),
  serviceUserId: z.string(),
  facilityId: z.string(),
  kind: directoryEntryKindSchema,
  role: directoryRoleSchema,
  roleDetails: z.string().nullable(),
  name: z.string(),
  contact: contactView,
  rpps: z.string().nullable(),
  finess: z.string().nullable(),
  note: z.string().nullable(),
  source: z.enum(['manual', 'annuaireSante']),
  status: z.enum(['active', 'removed']),
  removalReason: z.string().nullable(),
  addedAt: z.string(),
  revision: z.int(),
});
const practitionerSchema = z.object({
  rpps: z.string(),
  title: z.string().optional(),
  familyName: z.string(),
  givenName: z.string(),
  profession: z.object({ code: z.string(), label: z.string() }),
  specialty: z.object({ code: z.string(), label: z.string() }).optional(),
  practiceLocations: z.array(
    z.object({
      organisationName: z.string().optional(),
      finess: z.string().optional(),
      postalAddress: z.string().optional(),
      phone: z.string().optional(),
      email: z.string().optional(),
    }),
  ),
});
const organisationSchema = z.object({
  finess: z.string(),
  name: z.string(),
  category: z.string().optional(),
  postalAddress: z.string().optional(),
  phone: z.string().optional(),
});
/** An entry copied from the Annuaire Santé: where it goes, and the role the team gives it (guessed otherwise). */
const importBody = {
  entryId: z.uuid(),
  facilityId: identifier,
  role: partnerRoleSchema.optional(),
  roleDetails: z.string().trim().min(1).max(MAX_ROLE_DETAILS_LENGTH).optional(),
};

export interface DirectoryDependencies {
  store: EventStore<Knex.Transaction>;
  knex: Knex;
  /** The read schema of the directory projection. */
  directorySchema: string;
  annuaireSante: AnnuaireSante;
  access: ProfessionalAccess;
  accessLog: AccessLog;
}

/**
 * The usager's directory: their entourage and the professionals and structures who accompany them
 * elsewhere, with how to reach them and their role; added by hand or copied from the Annuaire
 * Santé (keeping the RPPS or FINESS), updated and removed with their history. Social data: the
 * care team keeps it, every read is traced. The Annuaire Santé itself is a public directory: any
 * professional of the organisation searches it, untraced.
 */
export function directoryRoutes(deps: DirectoryDependencies): RouteDefinition[] {
  const { store, knex, directorySchema, annuaireSante, access, accessLog } = deps;

  const findEntry = async (organisationId: string, entryId: string): Promise<DirectoryEntryView> => {
    const entry = await directoryEntryById(knex, directorySchema, { organisationId, entryId });
    // an entry of another tenant, or of a forgotten usager, is not there
    if (!entry) throw new HttpProblem('not-found', 'Cette fiche de l’annuaire n’existe pas.');
    return entry;
  };

  const decide = async (
    principal: Principal,
    context: RequestContext,
    where: { facilityId: string; serviceUserId: string },
    entryId: string,
    command: DirectoryCommand,
    expectedRevision?: number | 'noStream',
  ) => {
    access.check(principal, 'write', { organisationId: principal.organisationId, ...where, sensitivity: SENSITIVITY });
    const { revision } = await professionalCommand(store, access, directoryEntryDecider, {
      principal,
      context,
      streamId: directoryEntryStreamId(principal.organisationId, entryId),
      command,
      where,
      expectedRevision,
    });
    return { body: { entryId, revision }, revision };
  };

  const traceRead = (
    principal: Principal,
    context: RequestContext,
    read: { facilityId: string; serviceUserId: string; resource: string },
  ) =>
    accessLog.recordRead({
      organisationId: principal.organisationId,
      professionalId: principal.professionalId,
      correlationId: context.correlationId,
      read: {
        ...read,
        roles: access.rolesIn(principal, read.facilityId),
        sensitivities: [SENSITIVITY],
        purpose: 'care',
      },
    });

  const added = async (
    principal: Principal,
    context: RequestContext,
    serviceUserId: string,
    command: Extract<DirectoryCommand, { type: 'AddDirectoryEntry' }>,
  ) => {
    const answer = await decide(
      principal,
      context,
      { facilityId: command.facilityId, serviceUserId },
      command.entryId,
      command,
      'noStream',
    );
    return { ...answer, status: 201 };
  };

  return [
    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/directory',
      summary: 'Ajouter à l’annuaire de l’usager un proche, un professionnel ou une structure (rôle, coordonnées)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({
        entryId: z.uuid(),
        facilityId: identifier,
        kind: directoryEntryKindSchema,
        role: directoryRoleSchema,
        roleDetails: z.string().trim().min(1).max(MAX_ROLE_DETAILS_LENGTH).optional(),
        name,
        contact: contactBody.optional(),
        rpps: rppsSchema.optional(),
        finess: finessSchema.optional(),
        note: z.string().trim().min(1).max(MAX_DIRECTORY_NOTE_LENGTH).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        return added(principal, context, params.serviceUserId, {
          type: 'AddDirectoryEntry',
          ...body,
          serviceUserId: params.serviceUserId,
          source: 'manual',
        });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/directory/practitioner-imports',
      summary: 'Ajouter à l’annuaire de l’usager un professionnel trouvé dans l’Annuaire Santé (par son RPPS)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ ...importBody, rpps: rppsSchema }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', {
          organisationId: params.organisationId,
          facilityId: body.facilityId,
          serviceUserId: params.serviceUserId,
          sensitivity: SENSITIVITY,
        });
        const practitioner = await fromAnnuaire(() => annuaireSante.practitioner(body.rpps));
        if (!practitioner) {
          throw new DomainRuleViolation(
            'ANNUAIRE_PRACTITIONER_NOT_FOUND',
            'L’Annuaire Santé ne connaît aucun professionnel sous ce numéro RPPS.',
          );
        }
        return added(principal, context, params.serviceUserId, {
          type: 'AddDirectoryEntry',
          entryId: body.entryId,
          serviceUserId: params.serviceUserId,
          facilityId: body.facilityId,
          ...entryFromPractitioner(practitioner),
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.roleDetails === undefined ? {} : { roleDetails: body.roleDetails }),
          source: 'annuaireSante',
        });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/usagers/:serviceUserId/directory/organisation-imports',
      summary: 'Ajouter à l’annuaire de l’usager une structure trouvée dans l’Annuaire Santé (par son FINESS)',
      tags: [TAG],
      status: 201,
      params: serviceUserParams,
      body: z.object({ ...importBody, finess: finessSchema }),
      response: accepted,
      problems: ['forbidden', 'domain-rule-violated', 'service-unavailable'],
      async handler({ params, body, context }) {
        const principal = await access.principal(context, params.organisationId);
        access.check(principal, 'write', {
          organisationId: params.organisationId,
          facilityId: body.facilityId,
          serviceUserId: params.serviceUserId,
          sensitivity: SENSITIVITY,
        });
        const [organisation] = await fromAnnuaire(() =>
          annuaireSante.searchOrganisations({ finess: body.finess, limit: 1 }),
        );
        if (!organisation) {
          throw new DomainRuleViolation(
            'ANNUAIRE_ORGANISATION_NOT_FOUND',
            'L’Annuaire Santé ne connaît aucune structure sous ce numéro FINESS.',
          );
        }
        return added(principal, context, params.serviceUserId, {
          type: 'AddDirectoryEntry',
          entryId: body.entryId,
          serviceUserId: params.serviceUserId,
          facilityId: body.facilityId,
          ...entryFromOrganisation(organisation),
          ...(body.role === undefined ? {} : { role: body.role }),
          ...(body.roleDetails === undefined ? {} : { roleDetails: body.roleDetails }),
          source: 'annuaireSante',
        });
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/directory-entries/:entryId/updates',
      summary: 'Modifier une fiche de l’annuaire (rôle, nom, coordonnées, note ; un texte vide efface le champ)',
      tags: [TAG],
      params: entryParams,
      body: z.object({
        role: directoryRoleSchema.optional(),
        roleDetails: clearable(MAX_ROLE_DETAILS_LENGTH).optional(),
        name: name.optional(),
        contact: contactBody.optional(),
        rpps: z
          .string()
          .regex(/^(\d{11})?$/, { error: 'RPPS invalide : 11 chiffres, ou vide pour l’effacer' })
          .optional(),
        finess: z
          .string()
          .regex(/^((\d{2}|2A|2B)\d{7})?$/, { error: 'FINESS invalide : 9 caractères, ou vide pour l’effacer' })
          .optional(),
        note: clearable(MAX_DIRECTORY_NOTE_LENGTH).optional(),
      }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const entry = await findEntry(params.organisationId, params.entryId);
        const emptyIsNull = (value: string | undefined) => (value === undefined ? undefined : value || null);
        return decide(
          principal,
          context,
          { facilityId: entry.facilityId, serviceUserId: entry.serviceUserId },
          entry.entryId,
          {
            type: 'UpdateDirectoryEntry',
            entryId: entry.entryId,
            ...body,
            roleDetails: emptyIsNull(body.roleDetails),
            rpps: emptyIsNull(body.rpps),
            finess: emptyIsNull(body.finess),
            note: emptyIsNull(body.note),
          },
          expectedRevision,
        );
      },
    }),

    defineCommand({
      path: '/organisations/:organisationId/directory-entries/:entryId/removals',
      summary: 'Retirer une fiche de l’annuaire de l’usager (elle reste dans l’historique)',
      tags: [TAG],
      params: entryParams,
      body: z.object({ reason: z.string().trim().min(1).max(1_000).optional() }),
      response: accepted,
      problems: ['forbidden', 'not-found', 'domain-rule-violated'],
      async handler({ params, body, expectedRevision, context }) {
        const principal = await access.principal(context, params.organisationId);
        const entry = await findEntry(params.organisationId, params.entryId);
        return decide(
          principal,
          context,
          { facilityId: entry.facilityId, serviceUserId: entry.serviceUserId },
          entry.entryId,
          { type: 'RemoveDirectoryEntry', entryId: entry.entryId, ...body },
          expectedRevision,
        );
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/usagers/:serviceUserId/directory',
      summary:
        'L’annuaire de l’usager dans un ESSMS : l’entourage, puis les professionnels et les structures (lecture tracée)',
      tags: [TAG],
      params: serviceUserParams,
      query: z.object({ facilityId: identifier, includeRemoved: z.enum(['true', 'false']).optional() }),
      response: z.object({ entries: z.array(entrySchema) }),
      problems: ['forbidden'],
      async handler({ params, query, context }) {
        const principal = await access.principal(context, params.organisationId);
        const where = { facilityId: query.facilityId, serviceUserId: params.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const entries = await directoryOf(knex, directorySchema, {
          organisationId: params.organisationId,
          ...where,
          includeRemoved: query.includeRemoved === 'true',
        });
        await traceRead(principal, context, { ...where, resource: 'directory' });
        return { body: { entries } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/directory-entries/:entryId',
      summary: 'Une fiche de l’annuaire avec l’historique de ses modifications (lecture tracée)',
      tags: [TAG],
      params: entryParams,
      response: entrySchema.extend({
        history: z.array(
          z.object({
            revision: z.int(),
            change: z.enum(['added', 'updated', 'removed']),
            occurredAt: z.string(),
            by: z.string(),
            details: z.record(z.string(), z.unknown()),
          }),
        ),
      }),
      problems: ['forbidden', 'not-found'],
      async handler({ params, context }) {
        const principal = await access.principal(context, params.organisationId);
        const entry = await findEntry(params.organisationId, params.entryId);
        const where = { facilityId: entry.facilityId, serviceUserId: entry.serviceUserId };
        access.check(principal, 'read', { organisationId: params.organisationId, ...where, sensitivity: SENSITIVITY });
        const history = await directoryEntryHistory(knex, directorySchema, {
          organisationId: params.organisationId,
          entryId: entry.entryId,
        });
        await traceRead(principal, context, { ...where, resource: 'directory-entry' });
        return { body: { ...entry, history }, revision: entry.revision };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/annuaire-sante/practitioners',
      summary:
        'Chercher un professionnel de santé dans l’Annuaire Santé, par nom, RPPS, adresse MSSanté ou FINESS du lieu d’exercice (critères cumulés)',
      tags: [TAG],
      params: organisationParams,
      query: z.object({
        name: z.string().trim().min(2).max(100).optional(),
        rpps: rppsSchema.optional(),
        mailbox: z
          .email({ error: 'adresse MSSanté invalide : une adresse électronique est attendue' })
          .max(254)
          .optional(),
        finess: finessSchema.optional(),
      }),
      response: z.object({ practitioners: z.array(practitionerSchema) }),
      problems: ['validation-failed', 'service-unavailable'],
      async handler({ params, query, context }) {
        await access.principal(context, params.organisationId);
        if (Object.values(query).every((criterion) => criterion === undefined)) {
          throw new HttpProblem(
            'validation-failed',
            'Indiquez un nom (deux lettres au moins), un numéro RPPS, une adresse MSSanté ou le numéro FINESS d’un lieu d’exercice.',
          );
        }
        const practitioners = await fromAnnuaire(() => annuaireSante.searchPractitioners({ ...query, limit: 20 }));
        return { body: { practitioners } };
      },
    }),

    defineQuery({
      path: '/organisations/:organisationId/annuaire-sante/organisations',
      summary: 'Chercher une structure dans l’Annuaire Santé, par nom ou par FINESS',
      tags: [TAG],
      params: organisationParams,
      query: z.object({ name: z.string().trim().min(2).max(100).optional(), finess: finessSchema.optional() }),
      response: z.object({ organisations: z.array(organisationSchema) }),
      problems: ['validation-failed', 'service-unavailable'],
      async handler({ params, query, context }) {
        await access.principal(context, params.organisationId);
        if (query.name === undefined && query.finess === undefined) {
          throw new HttpProblem('validation-failed', 'Indiquez un nom (deux lettres au moins) ou un numéro FINESS.');
        }
        const organisations = await fromAnnuaire(() => annuaireSante.searchOrganisations({ ...query, limit: 20 }));
        return { body: { organisations } };
      },
    }),
  ];
}

/** The Annuaire Santé is a remote service: when it does not answer, the caller is told so, in French. */
async function fromAnnuaire<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch {
    throw new HttpProblem('service-unavailable', 'L’Annuaire Santé ne répond pas : réessayez plus tard.');
  }
}

/** A practitioner as an entry: their name, their first place of practice, and a role guessed from their profession. */
function entryFromPractitioner(practitioner: AnnuairePractitioner) {
  const [place] = practitioner.practiceLocations;
  return {
    kind: 'professional' as const,
    role: roleOfPractitioner(practitioner),
    roleDetails: practitioner.specialty?.label ?? practitioner.profession.label,
    name: practitionerDisplayName(practitioner),
    contact: { phone: place?.phone, email: place?.email, postalAddress: place?.postalAddress },
    rpps: practitioner.rpps,
    ...(place?.organisationName === undefined ? {} : { note: `Exerce à : ${place.organisationName}` }),
  };
}

/** Profession codes of the RPPS nomenclature: 10 médecin (SM54: médecine générale), 21 pharmacien. */
function roleOfPractitioner(practitioner: AnnuairePractitioner): DirectoryRole {
  if (practitioner.profession.code === '10') {
    return practitioner.specialty?.code === 'SM54' ? 'generalPractitioner' : 'specialist';
  }
  if (practitioner.profession.code === '21') return 'pharmacy';
  return 'otherPartner';
}

function entryFromOrganisation(organisation: AnnuaireOrganisation) {
  const category = organisation.category?.toLowerCase() ?? '';
  const role: DirectoryRole = category.includes('pharmacie')
    ? 'pharmacy'
    : category.includes('hospitalier') || category.includes('clinique')
      ? 'hospital'
      : category.includes('médico-psychologique') || category.includes('psychiatr')
        ? 'mentalHealthService'
        : 'otherPartner';
  return {
    kind: 'structure' as const,
    role,
    ...(organisation.category === undefined ? {} : { roleDetails: organisation.category }),
    name: organisation.name,
    contact: { phone: organisation.phone, postalAddress: organisation.postalAddress },
    finess: organisation.finess,
  };
}
