/**
 * A map whose versions never change: `with` and `without` return a new version and leave the one
 * they were called on as it was, like copying a `Map` and setting or deleting a key on the copy,
 * but without the copy.
 *
 * Why: a decider's state is folded event after event. Copying a map at every event makes the fold
 * quadratic: the month's lines of a pharmacy ledger (4,500 by the end of a month in a CSAPA
 * dispensing 150 times a day), an organisation's care-team memberships (tens of thousands, in the
 * habilitations stream that every grant and every admission folds).
 *
 * How: the versions of a map share one log of writes, and a version is the log up to its length.
 * Writing to the newest version appends to the log in place, which is what a fold does. Writing to
 * an older version (someone went back to an earlier state) first copies that version's entries to
 * a log of its own, so that neither version ever sees the other's writes. A deletion is a write of
 * its own. Keys are iterated in the order they were last added, as a `Map` does: a key deleted then
 * set again comes last.
 */
export class PersistentMap<K, V> implements ReadonlyMap<K, V> {
  /** An empty map, with a log of its own. */
  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(newLog(), 0, 0);
  }

  /** A map of these entries; a key given twice keeps its last value and its first place. */
  static of<K, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    let map = PersistentMap.empty<K, V>();
    for (const [key, value] of entries) map = map.with(key, value);
    return map;
  }

  private constructor(
    private readonly log: WriteLog<K, V>,
    /** How many writes of the log this version holds. */
    private readonly length: number,
    readonly size: number,
  ) {}

  /** This map with `key` set to `value`; this map itself is unchanged. */
  with(key: K, value: V): PersistentMap<K, V> {
    const present = this.has(key);
    const log = this.writableLog();
    append(log, key, value, !present);
    return new PersistentMap(log, log.values.length, this.size + (present ? 0 : 1));
  }

  /** This map without `key`; this map itself is unchanged. */
  without(key: K): PersistentMap<K, V> {
    if (!this.has(key)) return this;
    const log = this.writableLog();
    append(log, key, DELETED, false);
    return new PersistentMap(log, log.values.length, this.size - 1);
  }

  get(key: K): V | undefined {
    const value = this.valueOf(key);
    return value === DELETED || value === NEVER_WRITTEN ? undefined : value;
  }

  has(key: K): boolean {
    const value = this.valueOf(key);
    return value !== DELETED && value !== NEVER_WRITTEN;
  }

  *keys(): MapIterator<K> {
    for (const { key, at } of this.log.additions) {
      // later additions were written after this version
      if (at >= this.length) return;
      // a key is listed where it was last added, and only while it is present
      if (this.has(key) && lastBelow(this.log.additionsOf.get(key)!, this.length) === at) yield key;
    }
  }

  *values(): MapIterator<V> {
    for (const key of this.keys()) yield this.get(key) as V;
  }

  *entries(): MapIterator<[K, V]> {
    for (const key of this.keys()) yield [key, this.get(key) as V];
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /** What this version last wrote for `key`: a value, a deletion, or nothing. */
  private valueOf(key: K): V | typeof DELETED | typeof NEVER_WRITTEN {
    const positions = this.log.positions.get(key);
    if (positions === undefined) return NEVER_WRITTEN;
    const last = positions.at(-1)!;
    // the newest version's case, the fold's: its last write is the key's last write
    const position = last < this.length ? last : lastBelow(positions, this.length);
    return position === undefined ? NEVER_WRITTEN : (this.log.values[position] as V | typeof DELETED);
  }

  /** The log to write on: the shared one for the newest version, else a copy of this version's entries. */
  private writableLog(): WriteLog<K, V> {
    if (this.length === this.log.values.length) return this.log;
    const log = newLog<K, V>();
    for (const [key, value] of this.entries()) append(log, key, value, true);
    return log;
  }
}

const DELETED: unique symbol = Symbol('deleted');
const NEVER_WRITTEN: unique symbol = Symbol('never written');

interface WriteLog<K, V> {
  /** The value of every write, in the order written; a deletion writes `DELETED`. */
  values: (V | typeof DELETED)[];
  /** Per key, the positions of its writes in `values`, ascending. */
  positions: Map<K, number[]>;
  /** The writes that added a key absent until then, in the order written: the keys' order. */
  additions: { key: K; at: number }[];
  /** Per key, the positions of its additions, ascending. */
  additionsOf: Map<K, number[]>;
}

function newLog<K, V>(): WriteLog<K, V> {
  return { values: [], positions: new Map(), additions: [], additionsOf: new Map() };
}

/** Writes `key` at the end of the log; `adds` when the key was absent from the version written on. */
function append<K, V>(log: WriteLog<K, V>, key: K, value: V | typeof DELETED, adds: boolean): void {
  const at = log.values.length;
  log.values.push(value);
  pushTo(log.positions, key, at);
  if (!adds) return;
  log.additions.push({ key, at });
  pushTo(log.additionsOf, key, at);
}

function pushTo<K>(lists: Map<K, number[]>, key: K, position: number): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [position]);
  else list.push(position);
}

/** The greatest of the ascending `positions` below `length`, found by halving. */
function lastBelow(positions: readonly number[], length: number): number | undefined {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((positions[middle] as number) < length) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : positions[low - 1];
}
