import { randomUUID } from 'node:crypto';
import {
  DomainRuleViolation,
  foldEvents,
  type HabilitationEvent,
  habilitationCommandSchemas,
  habilitationsDecider,
  habilitationsStreamId,
  ROLE_LABELS,
  ROLES,
  type Role,
} from '@dui-pds/domain';
import { handleCommand } from '@dui-pds/eventstore';
import { withInlineProjections } from '@dui-pds/projections';
import type { Command } from 'commander';
import { UsageError } from '../cli-errors.js';
import { type CliContext, inSession, say } from '../context.js';
import type { Session } from '../session.js';
import { textTable } from '../text-table.js';

/**
 * The roles the command line grants and revokes: those that administer habilitations. Everyone
 * else is granted in the application by them, where the event names who granted what.
 */
const ADMINISTERING_ROLES = ['administrator', 'director'] as const satisfies readonly Role[];

/** Who ran the command, in the event's actor: an operator's own identifier, never a shared account. */
const OPERATOR_PATTERN = /^[\w.:-]{1,100}$/;

interface RoleOptions {
  organisation: string;
  facility: string;
  professional: string;
  operator: string;
}

export function registerHabilitations(program: Command, context: CliContext): void {
  const habilitations = program
    .command('habilitations')
    .description('Les rôles des professionnels : les premiers d’un organisme, et leur liste');

  for (const change of ['grant', 'revoke'] as const) {
    habilitations
      .command(`${change} <rôle>`)
      .summary(
        change === 'grant'
          ? 'attribue le rôle administrateur ou direction dans un ESSMS (le premier d’un organisme)'
          : 'retire le rôle administrateur ou direction dans un ESSMS (un compte perdu, un départ)',
      )
      .description(
        `${change === 'grant' ? 'Attribue' : 'Retire'} le rôle <rôle> (administrator : administrateur, ` +
          'director : direction) à un professionnel dans un ESSMS, au nom du système et de l’opérateur ' +
          '(--operator), comme le ferait un administrateur dans l’application. C’est ainsi que commence un ' +
          'organisme en production : ses administrateurs attribuent ensuite les autres rôles. Sans effet, ' +
          'et code 0, si le rôle est déjà tel que demandé',
      )
      .requiredOption('--organisation <id>', 'obligatoire : identifiant de l’organisme gestionnaire')
      .requiredOption('--facility <finess>', 'obligatoire : FINESS de l’ESSMS')
      .requiredOption(
        '--professional <id>',
        'obligatoire : identifiant du professionnel (son SubjectNameID Pro Santé Connect)',
      )
      .requiredOption('--operator <id>', 'obligatoire : votre identifiant, gardé dans l’événement')
      .addHelpText(
        'after',
        '\nExemple :\n' +
          '  dui habilitations grant administrator --organisation og-1 --facility 750000001 ' +
          '--professional 899700000001 --operator jdupont',
      )
      .action(async (role: string, options: RoleOptions, command: Command) => {
        const asked = roleChange(change, role, options);
        const outcome = await inSession(command, context, (session) => changeRole(session, asked, options.operator));
        say(context, describeOutcome(asked, outcome));
      });
  }

  habilitations
    .command('list')
    .summary('liste les rôles des professionnels d’un organisme, par ESSMS')
    .requiredOption('--organisation <id>', 'obligatoire : identifiant de l’organisme gestionnaire')
    .option('--json', 'une ligne JSON par rôle (professionnel, ESSMS, rôle)')
    .action(async (options: { organisation: string; json?: boolean }, command: Command) => {
      const roles = await inSession(command, context, (session) => rolesHeld(session, options.organisation));
      if (options.json) {
        for (const held of roles) say(context, JSON.stringify(held));
        return;
      }
      if (roles.length === 0) {
        say(context, `Aucun rôle attribué dans l’organisme « ${options.organisation} ».`);
        return;
      }
      say(
        context,
        textTable(
          ['Professionnel', 'ESSMS', 'Rôle'],
          roles.map((held) => [held.professionalId, held.facilityId, ROLE_LABELS[held.role]]),
        ),
      );
    });
}

type RoleChange = {
  type: 'GrantRole' | 'RevokeRole';
  organisationId: string;
  professionalId: string;
  facilityId: string;
  role: Role;
};

/** The change asked, checked before anything is opened. */
function roleChange(change: 'grant' | 'revoke', role: string, options: RoleOptions): RoleChange {
  if (!(ADMINISTERING_ROLES as readonly string[]).includes(role)) {
    const known = (ROLES as readonly string[]).includes(role);
    throw new UsageError(
      known
        ? `le rôle « ${ROLE_LABELS[role as Role]} » s’attribue dans l’application, par un administrateur ou la direction de l’ESSMS`
        : `rôle inconnu : « ${role} » (la ligne de commande attribue administrator et director)`,
    );
  }
  if (!OPERATOR_PATTERN.test(options.operator)) {
    throw new UsageError('--operator : un identifiant de 1 à 100 lettres, chiffres et _ . : -');
  }
  const parsed = habilitationCommandSchemas.GrantRole.safeParse({
    professionalId: options.professional,
    facilityId: options.facility,
    role,
  });
  if (!parsed.success || !OPERATOR_PATTERN.test(options.organisation)) {
    throw new UsageError(
      '--organisation, --facility et --professional : des identifiants de lettres, chiffres et _ . : - seulement',
    );
  }
  return {
    type: change === 'grant' ? 'GrantRole' : 'RevokeRole',
    organisationId: options.organisation,
    ...parsed.data,
  };
}

type ChangeOutcome = { written: true; revision: number } | { written: false };

/**
 * Appended as the server would (its inline projections in the same transaction, so the role
 * applies from the professional's next request), by the system on the operator's behalf.
 */
async function changeRole(session: Session, change: RoleChange, operator: string): Promise<ChangeOutcome> {
  const { organisationId, type, ...assignment } = change;
  const runtime = session.runtime();
  await runtime.migrate();
  const store = withInlineProjections(session.reader, session.opened.knex, runtime);
  try {
    const result = await handleCommand(store, habilitationsDecider, {
      streamId: habilitationsStreamId(organisationId),
      commandId: randomUUID(),
      command: { type, ...assignment },
      metadata: {
        organisationId,
        facilityId: assignment.facilityId,
        actor: { kind: 'system', id: `dui-cli:${operator}` },
        occurredAt: new Date().toISOString(),
      },
    });
    return { written: true, revision: result.nextExpectedRevision as number };
  } catch (error) {
    const alreadySo =
      error instanceof DomainRuleViolation && ['ROLE_ALREADY_GRANTED', 'ROLE_NOT_HELD'].includes(error.code);
    if (alreadySo) return { written: false };
    throw error;
  }
}

function describeOutcome(change: RoleChange, outcome: ChangeOutcome): string {
  const role = `« ${ROLE_LABELS[change.role]} »`;
  const where = `dans l’ESSMS ${change.facilityId} de l’organisme « ${change.organisationId} »`;
  if (!outcome.written) {
    return change.type === 'GrantRole'
      ? `${change.professionalId} a déjà le rôle ${role} ${where} : rien n’est écrit.`
      : `${change.professionalId} n’a pas le rôle ${role} ${where} : rien n’est écrit.`;
  }
  return change.type === 'GrantRole'
    ? `Rôle ${role} attribué à ${change.professionalId} ${where} (révision ${outcome.revision}).`
    : `Rôle ${role} retiré à ${change.professionalId} ${where} (révision ${outcome.revision}).`;
}

/** Every role held in the organisation, from its habilitations stream (the care teams left out). */
async function rolesHeld(
  session: Session,
  organisationId: string,
): Promise<{ professionalId: string; facilityId: string; role: Role }[]> {
  const events = await session.reader.readStream(habilitationsStreamId(organisationId));
  const state = foldEvents(
    habilitationsDecider,
    events.map((event) => ({ type: event.type, data: event.data }) as HabilitationEvent),
  );
  return [...state.professionals.entries()]
    .flatMap(([professionalId, held]) => held.roles.map((assignment) => ({ professionalId, ...assignment })))
    .sort(
      (a, b) =>
        a.facilityId.localeCompare(b.facilityId) ||
        a.professionalId.localeCompare(b.professionalId) ||
        a.role.localeCompare(b.role),
    );
}
