/**
 * Whether an application is shutting down: set by the HTTP server when it starts to close, read
 * by `/ready` (so that a load balancer stops sending it requests) and by the server itself.
 */
const drainingApps = new WeakSet<object>();

export function startDraining(app: object): void {
  drainingApps.add(app);
}

export function isDraining(app: object): boolean {
  return drainingApps.has(app);
}
