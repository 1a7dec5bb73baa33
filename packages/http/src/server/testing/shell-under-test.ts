import { randomBytes, randomUUID } from 'node:crypto';
import { DomainRuleViolation } from '@dui-pds/domain';
import { WrongExpectedRevisionError } from '@dui-pds/eventstore';
import type { Express } from 'express';
import type { Store } from 'express-rate-limit';
import { z } from 'zod';
import { type AppConfig, createApp } from '../create-app.js';
import type { ReadinessCheck } from '../health.js';
import { type RunningHttpServer, startHttpServer } from '../http-server.js';
import type { IdempotencyStore } from '../idempotency-store.js';
import { InMemoryIdempotencyStore } from '../in-memory-idempotency-store.js';
import { createLogger } from '../logging.js';
import { HttpProblem } from '../problem-details.js';
import { defineCommand, defineQuery, type RouteDefinition } from '../routes.js';
import { SealedIdempotencyStore } from '../sealed-idempotency-store.js';

/**
 * The shell with throwaway routes over an in-memory "record" of usagers and their notes: enough
 * to exercise validation, revisions, idempotency and errors without the domain.
 */
export interface RecordedCall {
  route: string;
  params: unknown;
  body: unknown;
  expectedRevision: number | undefined;
  correlationId: string;
}

export class FakeRecords {
  readonly calls: RecordedCall[] = [];
  readonly usagers = new Map<string, { nom: string; prenom: string; notes: string[] }>();
  /** Makes the next `n` calls of POST /pannes/intermittente fail with a 500. */
  failuresToCome = 0;
  /** Holds POST /lent until the test releases it. */
  private gate: { promise: Promise<void>; open(): void } | undefined;

  hold(): () => void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gate = { promise, open };
    return open;
  }

  async passGate(): Promise<void> {
    await this.gate?.promise;
  }

  record(
    route: string,
    input: {
      params: unknown;
      body?: unknown;
      expectedRevision?: number | undefined;
      context: { correlationId: string };
    },
  ) {
    this.calls.push({
      route,
      params: input.params,
      body: input.body,
      expectedRevision: input.expectedRevision,
      correlationId: input.context.correlationId,
    });
  }
}

const usagerSchema = z.object({
  serviceUserId: z.string(),
  nom: z.string(),
  prenom: z.string(),
  notes: z.array(z.string()),
});

export function fakeRoutes(records: FakeRecords): RouteDefinition[] {
  const usagerParams = z.object({ serviceUserId: z.uuid().describe('Identifiant de l’usager') });
  const revisionOf = (serviceUserId: string) => records.usagers.get(serviceUserId)!.notes.length;
  const usagerNotFound = () => new HttpProblem('not-found', 'Aucun usager ne correspond à cet identifiant.');
  return [
    defineCommand({
      path: '/usagers',
      summary: 'Admettre un usager',
      tags: ['usagers'],
      status: 201,
      body: z.object({
        nom: z.string().min(1),
        prenom: z.string().min(1),
        nir: z
          .string()
          .regex(/^[12][0-9]{12}$/)
          .optional(),
      }),
      response: z.object({ serviceUserId: z.uuid() }),
      handler: (input) => {
        records.record('POST /usagers', input);
        const serviceUserId = randomUUID();
        records.usagers.set(serviceUserId, { nom: input.body.nom, prenom: input.body.prenom, notes: [] });
        return { body: { serviceUserId }, revision: 0, headers: { Location: `/usagers/${serviceUserId}` } };
      },
    }),
    defineQuery({
      path: '/usagers/:serviceUserId',
      summary: 'Lire le dossier d’un usager',
      tags: ['usagers'],
      params: usagerParams,
      query: z.object({ depuis: z.coerce.number().int().min(0).optional() }),
      response: usagerSchema,
      handler: ({ params, query }) => {
        const usager = records.usagers.get(params.serviceUserId);
        if (usager === undefined) throw usagerNotFound();
        return {
          body: { serviceUserId: params.serviceUserId, ...usager, notes: usager.notes.slice(query.depuis ?? 0) },
          revision: revisionOf(params.serviceUserId),
        };
      },
    }),
    defineCommand({
      path: '/usagers/:serviceUserId/notes',
      summary: 'Ajouter une note au dossier',
      tags: ['usagers'],
      params: usagerParams,
      body: z.object({ texte: z.string().min(1).max(2000), categorie: z.enum(['sociale', 'medicale']) }),
      response: z.object({ revision: z.number().int() }),
      handler: (input) => {
        records.record('POST /usagers/:serviceUserId/notes', input);
        const usager = records.usagers.get(input.params.serviceUserId);
        if (usager === undefined) throw usagerNotFound();
        const actual = revisionOf(input.params.serviceUserId);
        // As the event store does when a concurrent append wins every retry.
        if (input.body.texte === 'écriture concurrente') {
          throw new WrongExpectedRevisionError(`usager-${input.params.serviceUserId}`, actual, actual + 1);
        }
        if (input.expectedRevision !== undefined && input.expectedRevision !== actual) {
          throw new WrongExpectedRevisionError(`usager-${input.params.serviceUserId}`, input.expectedRevision, actual);
        }
        usager.notes.push(input.body.texte);
        return { body: { revision: actual + 1 }, revision: actual + 1 };
      },
    }),
    defineCommand({
      path: '/usagers/:serviceUserId/archivage',
      summary: 'Archiver le dossier',
      params: usagerParams,
      ifMatch: 'required',
      body: z.object({}),
      response: z.object({ archived: z.boolean() }),
      status: 200,
      handler: (input) => {
        records.record('POST /usagers/:serviceUserId/archivage', input);
        return { body: { archived: true } };
      },
    }),
    defineCommand({
      path: '/pannes/regle-metier',
      summary: 'Enfreindre une règle métier',
      body: z.object({ quantite: z.number() }),
      response: z.object({}),
      handler: () => {
        throw new DomainRuleViolation('stock-negatif', 'Le stock de méthadone ne peut pas devenir négatif.', {
          stock: 3,
        });
      },
    }),
    defineCommand({
      path: '/pannes/inattendue',
      summary: 'Échouer de façon inattendue',
      body: z.object({ nom: z.string() }),
      response: z.object({}),
      handler: ({ body }) => {
        throw new Error(`database refused the row of ${body.nom}`);
      },
    }),
    defineCommand({
      path: '/pannes/intermittente',
      summary: 'Échouer puis réussir',
      body: z.object({ valeur: z.number() }),
      response: z.object({ ok: z.boolean() }),
      handler: (input) => {
        records.record('POST /pannes/intermittente', input);
        if (records.failuresToCome > 0) {
          records.failuresToCome -= 1;
          throw new Error('temporary failure');
        }
        return { body: { ok: true } };
      },
    }),
    defineCommand({
      path: '/lent',
      summary: 'Une commande qui attend le feu vert du test',
      body: z.object({ valeur: z.number() }),
      response: z.object({ ok: z.boolean() }),
      handler: async (input) => {
        records.record('POST /lent', input);
        await records.passGate();
        return { body: { ok: true } };
      },
    }),
    defineQuery({
      path: '/attente',
      summary: 'Une requête lente',
      query: z.object({ ms: z.coerce.number().int().min(0).max(30_000) }),
      response: z.object({ waitedMs: z.number() }),
      handler: async ({ query }) => {
        await new Promise((resolve) => setTimeout(resolve, query.ms));
        return { body: { waitedMs: query.ms } };
      },
    }),
  ];
}

export interface ShellUnderTest {
  url: string;
  records: FakeRecords;
  routes: RouteDefinition[];
  /** Every log line written, parsed. */
  logLines: Record<string, unknown>[];
  /** The raw text of every log line. */
  logText(): string;
  server: RunningHttpServer;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A command with a fresh idempotency key, unless `headers` give one. */
  command(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface ShellOptions {
  config?: Partial<AppConfig>;
  idempotencyStore?: IdempotencyStore;
  rateLimitStore?: Store;
  readinessChecks?: readonly ReadinessCheck[];
  readinessTimeoutMs?: number;
  beforeRoutes?: (app: Express) => void;
  onShutdown?: () => Promise<void>;
  shutdownTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

export async function startShell(options: ShellOptions = {}): Promise<ShellUnderTest> {
  const records = new FakeRecords();
  const routes = fakeRoutes(records);
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const app = createApp({
    config: { mode: 'development', rateLimitPerMinute: 10_000, trustProxy: false, ...options.config },
    logger,
    routes,
    readinessChecks: options.readinessChecks,
    readinessTimeoutMs: options.readinessTimeoutMs,
    idempotencyStore:
      options.idempotencyStore ?? new SealedIdempotencyStore(new InMemoryIdempotencyStore(), randomBytes(32)),
    rateLimitStore: options.rateLimitStore,
    beforeRoutes: options.beforeRoutes,
  });
  const server = await startHttpServer(app, {
    port: 0,
    host: '127.0.0.1',
    onShutdown: options.onShutdown,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs,
    logger,
  });
  const fetchPath = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);
  return {
    url: server.url,
    records,
    routes,
    get logLines() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join(''),
    server,
    fetch: fetchPath,
    command: (path, body, headers = {}) =>
      fetchPath(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...headers },
        body: JSON.stringify(body),
      }),
    close: () => server.close(),
  };
}
