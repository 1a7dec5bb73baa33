import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

/** One request of a load, built just before it is sent: its own ids, its own Idempotency-Key. */
export interface PlannedRequest {
  /** What it is, for the figures per kind and the failures: `handover`, `presence`, ... */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  /** A session token of the professional who sends it. */
  token: string;
  body?: unknown;
}

/** A non-2xx answer, or a request that got none, with the first body seen of its kind. */
export interface Failure {
  kind: string;
  status: number;
  count: number;
  sample: string;
}

export interface LoadRound {
  /** 2xx answers per second of the round. */
  okPerSecond: number;
  ok: number;
  failed: number;
  /** Every answer's latency, 2xx or not, from the moment it was sent to the end of its body. */
  latenciesMs: number[];
  byKind: Record<string, { ok: number; failed: number; latenciesMs: number[] }>;
  failures: Failure[];
  /** From the first request sent to the last answer received, timed here (see `runLoad`). */
  elapsedSeconds: number;
}

interface Sent {
  kind: string;
  sentAt: number;
}

/**
 * Keeps `connections` HTTP connections busy, one request in flight on each (no pipelining: a
 * client waits for its answer), each request made by `next` just before it goes; for `seconds`, or
 * until `requests` were answered. A round of `requests` counts every request it sent, where one
 * of `seconds` drops those still in flight at the end: the slowest kinds, so the round would
 * favour the fast ones. autocannon drives the sockets; the latencies are timed here, per request,
 * so that they can be split by kind. Timed-out and refused connections count as failures.
 *
 * The round's length is timed here too, from the first request sent to the last answer: autocannon
 * looks whether a round of `requests` is over only at its once-a-second sample, so its own
 * duration is the answers' time rounded up to a whole second, and a rate taken from it came out up
 * to a quarter low in rounds of three or four seconds.
 */
export async function runLoad(
  url: string,
  options: { connections: number; next: () => PlannedRequest } & ({ seconds: number } | { requests: number }),
): Promise<LoadRound> {
  const byKind: LoadRound['byKind'] = {};
  const failures = new Map<string, Failure>();
  const latenciesMs: number[] = [];
  let firstSentAt: number | undefined;
  let lastAnsweredAt = 0;
  const kindOf = (kind: string) => {
    byKind[kind] ??= { ok: 0, failed: 0, latenciesMs: [] };
    return byKind[kind];
  };

  const result = await autocannon({
    url,
    connections: options.connections,
    ...('seconds' in options ? { duration: options.seconds } : { amount: options.requests }),
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        setupRequest(request, context) {
          const planned = options.next();
          const sentAt = performance.now();
          firstSentAt ??= sentAt;
          Object.assign(context, { kind: planned.kind, sentAt } satisfies Sent);
          const headers: Record<string, string> = { authorization: `Bearer ${planned.token}` };
          if (planned.method === 'POST') headers['idempotency-key'] = randomUUID();
          if (planned.body !== undefined) headers['content-type'] = 'application/json';
          return {
            ...request,
            method: planned.method,
            path: planned.path,
            headers,
            body: planned.body === undefined ? undefined : JSON.stringify(planned.body),
          };
        },
        onResponse(status, body, context) {
          const { kind, sentAt } = context as Sent;
          lastAnsweredAt = performance.now();
          const latency = lastAnsweredAt - sentAt;
          const counts = kindOf(kind);
          latenciesMs.push(latency);
          counts.latenciesMs.push(latency);
          if (status >= 200 && status < 300) {
            counts.ok += 1;
            return;
          }
          counts.failed += 1;
          const key = `${kind} ${status}`;
          const known = failures.get(key);
          if (known) known.count += 1;
          else failures.set(key, { kind, status, count: 1, sample: body.slice(0, 500) });
        },
      },
    ],
  });

  // connection errors and timeouts got no answer: onResponse never saw them
  const unanswered = result.errors + result.timeouts;
  if (unanswered > 0) {
    failures.set('no answer', {
      kind: 'any',
      status: 0,
      count: unanswered,
      sample: `${result.errors} connection errors, ${result.timeouts} timeouts`,
    });
  }
  const ok = Object.values(byKind).reduce((sum, counts) => sum + counts.ok, 0);
  const failed = Object.values(byKind).reduce((sum, counts) => sum + counts.failed, 0) + unanswered;
  const elapsedSeconds =
    firstSentAt !== undefined && lastAnsweredAt > firstSentAt ? (lastAnsweredAt - firstSentAt) / 1000 : result.duration;
  return {
    okPerSecond: elapsedSeconds > 0 ? ok / elapsedSeconds : 0,
    ok,
    failed,
    latenciesMs,
    byKind,
    failures: [...failures.values()],
    elapsedSeconds,
  };
}

/**
 * Stops the bench when more than `maxShare` of the requests failed: figures of a load that was
 * mostly refused would measure the refusals. The failures are named with a sample body each.
 */
export function requireFewFailures(what: string, round: LoadRound, maxShare = 0.01): void {
  const total = round.ok + round.failed;
  if (total === 0) throw new Error(`${what}: no request was answered`);
  if (round.failed / total <= maxShare) return;
  const lines = round.failures.map(
    (failure) => `  ${failure.count} × ${failure.kind} → ${failure.status || 'no answer'}: ${failure.sample}`,
  );
  throw new Error(
    `${what}: ${round.failed} of ${total} requests failed (more than ${maxShare * 100} %):\n${lines.join('\n')}`,
  );
}
