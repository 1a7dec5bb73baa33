/**
 * A map whose versions never change: `with` returns a new version and leaves the one it was called
 * on as it was, like copying a `Map` and setting a key on the copy, but without the copy.
 *
 * Why: a decider's state is folded event after event. Copying the month's lines (4,500 by the end
 * of a month in a CSAPA dispensing 150 times a day) at every event made the fold quadratic.
 *
 * How: the versions of a map share one log of writes, and a version is the log up to its length.
 * Writing to the newest version appends to the log in place, which is what a fold does. Writing to
 * an older version (someone went back to an earlier state) first copies that version's entries to
 * a log of its own, so that neither version ever sees the other's writes. Keys are iterated in the
 * order they were first written, as a `Map` does. There is no `delete`: the ledger never forgets.
 */
export class PersistentMap<K, V> implements ReadonlyMap<K, V> {
  /** An empty map, with a log of its own. */
  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(newLog(), 0, 0);
  }

  /** A map of these entries; a key given twice keeps its last value and its first place. */
  static of<K, V>(entries: Iterable<readonly [K, V]>): PersistentMap<K, V> {
    const log = newLog<K, V>();
    for (const [key, value] of entries) append(log, key, value);
    return new PersistentMap(log, log.values.length, log.keys.length);
  }

  private constructor(
    private readonly log: WriteLog<K, V>,
    /** How many writes of the log this version holds. */
    private readonly length: number,
    readonly size: number,
  ) {}

  /** This map with `key` set to `value`; this map itself is unchanged. */
  with(key: K, value: V): PersistentMap<K, V> {
    const isNewest = this.length === this.log.values.length;
    const log = isNewest ? this.log : this.ownLog();
    const isNewKey = append(log, key, value);
    return new PersistentMap(log, log.values.length, this.size + (isNewKey ? 1 : 0));
  }

  get(key: K): V | undefined {
    const position = this.positionOf(key);
    return position === undefined ? undefined : this.log.values[position];
  }

  has(key: K): boolean {
    return this.positionOf(key) !== undefined;
  }

  *keys(): MapIterator<K> {
    // the first `size` keys of the log are this version's: later ones were first written after it
    for (let index = 0; index < this.size; index += 1) yield this.log.keys[index] as K;
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

  /** Where in the log this version last wrote `key`: its last write before `length`. */
  private positionOf(key: K): number | undefined {
    const positions = this.log.positions.get(key);
    if (positions === undefined) return undefined;
    const last = positions.at(-1)!;
    // the newest version's case, the fold's: its last write is the key's last write
    if (last < this.length) return last;
    return lastBelow(positions, this.length);
  }

  /** A log holding this version's entries only, one write each. */
  private ownLog(): WriteLog<K, V> {
    const log = newLog<K, V>();
    for (const [key, value] of this.entries()) append(log, key, value);
    return log;
  }
}

interface WriteLog<K, V> {
  /** The value of every write, in the order written. */
  values: V[];
  /** Per key, the positions of its writes in `values`, ascending. */
  positions: Map<K, number[]>;
  /** The keys in the order they were first written. */
  keys: K[];
}

function newLog<K, V>(): WriteLog<K, V> {
  return { values: [], positions: new Map(), keys: [] };
}

/** Writes `key` at the end of the log; answers whether the log had never written it. */
function append<K, V>(log: WriteLog<K, V>, key: K, value: V): boolean {
  const position = log.values.length;
  log.values.push(value);
  const positions = log.positions.get(key);
  if (positions !== undefined) {
    positions.push(position);
    return false;
  }
  log.positions.set(key, [position]);
  log.keys.push(key);
  return true;
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
