import { EventEmitter } from 'node:events';

/**
 * Tells subscribers that something was appended, so that they read at once instead of waiting
 * for their next poll. The in-process notifier serves the single-process default; a Redis one
 * (projections package) serves several processes. Polling stays as the fallback either way.
 */
export interface AppendNotifier {
  notifyAppended(organisationId: string): void;
  /** Returns a function that stops listening. */
  onAppended(listener: (organisationId: string) => void): () => void;
}

export class InProcessAppendNotifier implements AppendNotifier {
  readonly #emitter = new EventEmitter().setMaxListeners(0);

  notifyAppended(organisationId: string): void {
    this.#emitter.emit('appended', organisationId);
  }

  onAppended(listener: (organisationId: string) => void): () => void {
    this.#emitter.on('appended', listener);
    return () => this.#emitter.off('appended', listener);
  }
}
