import { type Attributes, type AttributeValue, SpanKind } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter, TimedEvent } from '@opentelemetry/sdk-trace-base';

/**
 * What leaves the process in a trace must hold no personal data, whatever an instrumentation
 * chose to record: the exporter below is the one place every span passes, so the rules are kept
 * here rather than spread over each instrumentation's hooks.
 *
 * - A path holds usagers' ids (`/organisations/…/usagers/<id>/notes`): it becomes the route
 *   pattern (`http.route`, set by the Express instrumentation) or `(redacted)`; a full URL keeps
 *   its origin only; a query string (a name searched for) is dropped.
 * - Who called (client address, user agent) is dropped from server spans.
 * - An exception keeps its type and its stack frames, never its message: a constraint violation
 *   or a parse error quotes the data. A span's status keeps its code, not its message.
 * - SQL statements stay: the PostgreSQL instrumentation records the text with its `$1`
 *   placeholders and, with `enhancedDatabaseReporting` off, never the values; Redis commands are
 *   reduced to their name by the instrumentation's serializer (see `start-telemetry.ts`).
 */
export const REDACTED = '(redacted)';

/** Old and stable semantic conventions alike: either may be on, or both (`OTEL_SEMCONV_STABILITY_OPT_IN`). */
const PATH_ATTRIBUTES = ['http.target', 'url.path'];
const URL_ATTRIBUTES = ['http.url', 'url.full'];
const DROPPED_ATTRIBUTES = ['url.query'];
const CALLER_ATTRIBUTES = [
  'client.address',
  'client.port',
  'http.client_ip',
  'net.peer.ip',
  'net.peer.port',
  'net.sock.peer.addr',
  'net.sock.peer.port',
  'network.peer.address',
  'network.peer.port',
  'http.user_agent',
  'user_agent.original',
];

export function redactSpan(span: ReadableSpan): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: { code: span.status.code },
    attributes: redactAttributes(span.attributes, span.kind),
    links: span.links,
    events: span.events.map(redactEvent),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

function redactAttributes(attributes: Attributes, kind: SpanKind): Attributes {
  const route = typeof attributes['http.route'] === 'string' ? attributes['http.route'] : undefined;
  const redacted: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (DROPPED_ATTRIBUTES.includes(key)) continue;
    if (kind === SpanKind.SERVER && CALLER_ATTRIBUTES.includes(key)) continue;
    if (PATH_ATTRIBUTES.includes(key)) redacted[key] = route ?? REDACTED;
    else if (URL_ATTRIBUTES.includes(key))
      redacted[key] = originOf(value, kind === SpanKind.SERVER ? route : undefined);
    else redacted[key] = value;
  }
  return redacted;
}

function originOf(value: AttributeValue | undefined, route: string | undefined): string {
  try {
    return `${new URL(String(value)).origin}${route ?? ''}`;
  } catch {
    return REDACTED;
  }
}

function redactEvent(event: TimedEvent): TimedEvent {
  if (event.name !== 'exception' || event.attributes === undefined) return event;
  const { 'exception.message': _message, 'exception.stacktrace': stack, ...kept } = event.attributes;
  return {
    ...event,
    attributes: { ...kept, ...(typeof stack === 'string' ? { 'exception.stacktrace': framesOf(stack) } : {}) },
  };
}

/** A stack opens with the message, which may span lines: only the `at …` frames are kept. */
function framesOf(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/** The exporter, given spans with nothing personal left in them. */
export class RedactingSpanExporter implements SpanExporter {
  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans.map(redactSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}
