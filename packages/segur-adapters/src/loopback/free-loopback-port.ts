import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/** Ports are drawn above the well-known and registered services a machine usually runs. */
const LOWEST_PORT = 10_000;
/** Linux's default start of the ephemeral range, where /proc does not say. */
const DEFAULT_EPHEMERAL_START = 32_768;

/**
 * A port nothing listens on now, for a server that must be given its port before it starts
 * (Dovecot, a private PostgreSQL, a server whose callback a provider must know beforehand).
 *
 * Drawn at random below the kernel's ephemeral range, then probed. Not a port the kernel hands out
 * (a listen on port 0): the kernel hands the same ports to the local end of outgoing connections,
 * and with the tests running in parallel another process's connection took one before the server
 * bound it (EADDRINUSE).
 */
export async function freeLoopbackPort(): Promise<number> {
  const end = await ephemeralRangeStart();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (end - LOWEST_PORT));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST_PORT} and ${end - 1}`);
}

/** Where the ephemeral range starts; past the highest port where it leaves nothing below it. */
async function ephemeralRangeStart(): Promise<number> {
  let start = DEFAULT_EPHEMERAL_START;
  try {
    const [first] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    if (Number.isInteger(Number(first))) start = Number(first);
  } catch {
    // not Linux: its default
  }
  return start > LOWEST_PORT + 1_000 ? start : 65_536;
}

/** Whether a listener can take the port on every address, as the servers do. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}
