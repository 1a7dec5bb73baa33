import {
  type HabilitationCommand,
  habilitationsDecider,
  habilitationsStreamId,
  type Role,
  serviceUserIdentityDecider,
  serviceUserStreamId,
} from '@dui-pds/domain';
import { type EventStore, handleCommand } from '@dui-pds/eventstore';
import type { Knex } from 'knex';

/**
 * The demo organisme gestionnaire the embedded default creates on its first start, so that
 * `pnpm start` shows something at once. Everything in it is fictitious, and says so.
 */
export const DEMO_ORGANISATION = {
  id: 'og-demo',
  name: 'Association Démo Addictions (données fictives)',
  facilities: [
    {
      id: '750000001',
      name: 'CSAPA Démo (fictif)',
      kind: 'CSAPA',
      address: '1 rue de l’Exemple, 75001 Paris (adresse fictive)',
    },
    {
      id: '750000002',
      name: 'CAARUD Démo (fictif)',
      kind: 'CAARUD',
      address: '2 rue de l’Exemple, 75001 Paris (adresse fictive)',
    },
  ],
} as const;

/** How printed documents name each demo ESSMS, and where it is. */
export const DEMO_FACILITIES: Readonly<Record<string, { name: string; address: string }>> = Object.fromEntries(
  DEMO_ORGANISATION.facilities.map(({ id, name, address }) => [id, { name, address }]),
);

const CSAPA = DEMO_ORGANISATION.facilities[0].id;
const CAARUD = DEMO_ORGANISATION.facilities[1].id;

export interface DemoProfessional {
  id: string;
  name: string;
  roles: readonly { facilityId: string; role: Role }[];
}

export const DEMO_PROFESSIONALS: readonly DemoProfessional[] = [
  {
    id: 'demo-admin',
    name: 'Alex Admin (administrateur, fictif)',
    roles: [
      { facilityId: CSAPA, role: 'administrator' },
      { facilityId: CAARUD, role: 'administrator' },
    ],
  },
  {
    id: 'demo-directrice',
    name: 'Dominique Directrice (direction, fictif)',
    roles: [
      { facilityId: CSAPA, role: 'director' },
      { facilityId: CAARUD, role: 'director' },
    ],
  },
  { id: 'demo-medecin', name: 'Dr Camille Médecin (fictif)', roles: [{ facilityId: CSAPA, role: 'doctor' }] },
  {
    id: 'demo-infirmier',
    name: 'Sacha Infirmier (fictif)',
    roles: [
      { facilityId: CSAPA, role: 'nurse' },
      { facilityId: CAARUD, role: 'nurse' },
    ],
  },
  { id: 'demo-psychologue', name: 'Lou Psychologue (fictif)', roles: [{ facilityId: CSAPA, role: 'psychologist' }] },
  {
    id: 'demo-assistante-sociale',
    name: 'Noa Assistante sociale (fictif)',
    roles: [{ facilityId: CSAPA, role: 'socialWorker' }],
  },
  { id: 'demo-secretaire', name: 'Eden Secrétaire (fictif)', roles: [{ facilityId: CSAPA, role: 'secretary' }] },
  {
    id: 'demo-archiviste',
    name: 'Claude Archiviste (archives, fictif)',
    roles: [
      { facilityId: CSAPA, role: 'archivist' },
      { facilityId: CAARUD, role: 'archivist' },
    ],
  },
];

/**
 * How many of DEMO_PROFESSIONALS the first seed granted. Seed command ids are positions, so those
 * added since are granted after the care team: a demo database seeded before only gets what is new.
 */
const FIRST_SEED_PROFESSIONALS = 7;

export const DEMO_SERVICE_USER = 'usager-demo-1';
const DEMO_CARE_TEAM = ['demo-medecin', 'demo-infirmier', 'demo-psychologue', 'demo-assistante-sociale'];

/**
 * Grants the demo habilitations, as the system. Command ids are fixed, so running it again on
 * every start writes nothing new (a retried command is recognised by its id).
 */
export async function seedDemoOrganisation(store: EventStore<Knex.Transaction>, now: () => Date): Promise<void> {
  const grants = (professionals: readonly DemoProfessional[]) =>
    professionals.flatMap(({ id, roles }) =>
      roles.map((grant): HabilitationCommand => ({ type: 'GrantRole', professionalId: id, ...grant })),
    );
  const commands: HabilitationCommand[] = [
    ...grants(DEMO_PROFESSIONALS.slice(0, FIRST_SEED_PROFESSIONALS)),
    ...DEMO_CARE_TEAM.map(
      (professionalId): HabilitationCommand => ({
        type: 'AddToCareTeam',
        professionalId,
        serviceUserId: DEMO_SERVICE_USER,
        facilityId: CSAPA,
      }),
    ),
    ...grants(DEMO_PROFESSIONALS.slice(FIRST_SEED_PROFESSIONALS)),
  ];
  for (const [index, command] of commands.entries()) {
    await handleCommand(store, habilitationsDecider, {
      streamId: habilitationsStreamId(DEMO_ORGANISATION.id),
      commandId: `demo-seed-${index}`,
      command,
      metadata: {
        organisationId: DEMO_ORGANISATION.id,
        actor: { kind: 'system', id: 'demo-seed' },
        occurredAt: now().toISOString(),
      },
    });
  }
  // the demo usager's identity, fictitious: a provisional identity the INSi stand-in does not know
  await handleCommand(store, serviceUserIdentityDecider, {
    streamId: serviceUserStreamId(DEMO_ORGANISATION.id, DEMO_SERVICE_USER),
    commandId: 'demo-seed-identity',
    command: {
      type: 'RegisterServiceUser',
      serviceUserId: DEMO_SERVICE_USER,
      facilityId: CSAPA,
      traits: {
        birthName: 'EXEMPLE',
        birthFirstNames: ['CLAUDE', 'DOMINIQUE'],
        birthDate: '1980-01-01',
        sex: 'I',
        birthplaceCode: '75056',
      },
      registeredAt: now().toISOString(),
    },
    metadata: {
      organisationId: DEMO_ORGANISATION.id,
      facilityId: CSAPA,
      actor: { kind: 'system', id: 'demo-seed' },
      occurredAt: now().toISOString(),
      serviceUserId: DEMO_SERVICE_USER,
    },
  });
}
