import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { startDraining } from './draining.js';

export interface StartHttpServerOptions {
  port: number;
  /** Defaults to every interface. */
  host?: string;
  /** Runs once the last request has ended: close the database pool, Redis, the workers. */
  onShutdown?: () => Promise<void>;
  /** How long in-flight requests may take to end once closing starts; 10 seconds by default. */
  shutdownTimeoutMs?: number;
  /**
   * How long an idle connection is kept for its next request; 65 seconds by default (Node.js's own
   * is 5). A load balancer or reverse proxy reuses its connections to the server for up to its idle
   * timeout (60 seconds for nginx's upstream keep-alive and AWS's ALB): a server that closes first
   * may close one the proxy is sending on, and that request fails with a 502.
   */
  keepAliveTimeoutMs?: number;
  /** Close gracefully on SIGTERM and SIGINT, then let the process end (forced a second later if a handle lingers); a second signal exits at once. */
  handleSignals?: boolean;
  logger?: Logger;
}

export interface RunningHttpServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  server: Server;
  /** Graceful shutdown; calling it again returns the same promise. */
  close(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Listens, and closes without cutting anyone off: `/ready` turns 503 so that load balancers stop
 * sending, no new connection is accepted, requests in flight finish (up to a timeout, after
 * which their connections are cut), idle keep-alive connections are closed at once, and only
 * then `onShutdown` runs.
 */
export async function startHttpServer(app: Express, options: StartHttpServerOptions): Promise<RunningHttpServer> {
  const server = createServer(app);
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
  // a connection waiting for its next request's headers must not be cut before the keep-alive ends
  server.headersTimeout = Math.max(server.headersTimeout, server.keepAliveTimeout + 1_000);
  // Keep-alive connections must not outlive the shutdown: answers given while draining close them.
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    if (draining) response.setHeader('Connection', 'close');
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '[::]' || host === '0.0.0.0' ? 'localhost' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing !== undefined) {
      // A second signal: the operator does not want to wait.
      options.logger?.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    options.logger?.info({ signal }, 'shutting down');
    close().then(
      () => exitSoon(0),
      (error: unknown) => {
        options.logger?.error({ err: error }, 'shutdown failed');
        exitSoon(1);
      },
    );
  };
  function close(): Promise<void> {
    closing ??= (async () => {
      draining = true;
      startDraining(app);
      for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      if ((await Promise.race([stopped, timedOut])) === 'timeout') {
        options.logger?.warn(
          { timeoutMs },
          'requests still in flight at the shutdown timeout: their connections are cut',
        );
        server.closeAllConnections();
        await stopped;
      }
      clearTimeout(timer);
      if (options.handleSignals) for (const signal of SIGNALS) process.off(signal, onSignal);
      await options.onShutdown?.();
    })();
    return closing;
  }
  if (options.handleSignals) for (const signal of SIGNALS) process.on(signal, onSignal);
  return { url, server, close };
}

/**
 * After a signal's shutdown the process should end by itself; a handle someone forgot to close
 * (a timer, a socket) must not keep it alive until the orchestrator kills it.
 */
function exitSoon(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}
