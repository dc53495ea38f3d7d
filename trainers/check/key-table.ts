/**
 * A hash table from 64-bit keys (the first 8 bytes of a row's content hash) to one small integer each, in typed
 * arrays: about 20 bytes per row at most, where a Map of strings would take ten times as much. What the data
 * checks remember of a million rows fits in a few tens of megabytes.
 */
import { createHash } from 'node:crypto';

export interface Key {
  hi: number;
  lo: number;
}

/** The key of some bytes or text: the first 64 bits of their SHA-1. */
export function keyOf(content: string | Uint8Array): Key {
  const digest = createHash('sha1').update(content).digest();
  return { hi: digest.readUInt32BE(0), lo: digest.readUInt32BE(4) };
}

/** What the checks keep of a text: its key (case and runs of white space do not count) and its words. */
export interface TextFacts {
  key: Key;
  words: number;
}

/**
 * One pass over a text, lower-cased: white space runs count as one space and none at either end; two 32-bit FNV-1a
 * lanes of different seeds make the 64-bit key (a chance collision among a million texts: about 1 in 30 million).
 * About five times faster than normalising and hashing with SHA-1, which matters at a million rows.
 */
export function textFacts(text: string): TextFacts {
  const lower = text.toLowerCase();
  let hi = 0x811c9dc5;
  let lo = 0x01000193 ^ 0x9e3779b9;
  let words = 0;
  let pendingSpace = false;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029 || c === 0x3000) {
      pendingSpace = words > 0;
      continue;
    }
    if (pendingSpace || words === 0) {
      if (pendingSpace) {
        hi = Math.imul(hi ^ 32, 0x01000193);
        lo = Math.imul(lo ^ 32, 0x01000193);
      }
      words++;
      pendingSpace = false;
    }
    hi = Math.imul(hi ^ c, 0x01000193);
    lo = Math.imul(lo ^ (c * 31 + 7), 0x01000193);
  }
  return { key: { hi: hi >>> 0, lo: lo >>> 0 }, words };
}

/** Class names to small integers (the hash tables' values); -1 is no label. */
export class LabelIds {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  id(label: string | undefined): number {
    if (label === undefined) return -1;
    let id = this.ids.get(label);
    if (id === undefined) this.ids.set(label, (id = this.names.push(label) - 1));
    return id;
  }
}

export class KeyTable {
  private hi = new Uint32Array(1024);
  private lo = new Uint32Array(1024);
  private values = new Int32Array(1024);
  private used = new Uint8Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value stored for `key`, or undefined. */
  get(key: Key): number | undefined {
    const slot = this.find(key);
    return this.used[slot] ? this.values[slot] : undefined;
  }

  /** Stores `value` for `key` unless it is there already; returns the value that was there (undefined if none). */
  add(key: Key, value: number): number | undefined {
    const slot = this.find(key);
    if (this.used[slot]) return this.values[slot];
    this.hi[slot] = key.hi;
    this.lo[slot] = key.lo;
    this.values[slot] = value;
    this.used[slot] = 1;
    if (++this.count * 2 > this.used.length) this.grow();
    return undefined;
  }

  /** Replaces the value of a key that is there. */
  set(key: Key, value: number): void {
    const slot = this.find(key);
    if (this.used[slot]) this.values[slot] = value;
  }

  /** Every key and its value, in no particular order. */
  *entries(): Generator<[Key, number]> {
    for (let slot = 0; slot < this.used.length; slot++) {
      if (this.used[slot]) yield [{ hi: this.hi[slot]!, lo: this.lo[slot]! }, this.values[slot]!];
    }
  }

  private find(key: Key): number {
    const mask = this.used.length - 1;
    let slot = (key.lo ^ Math.imul(key.hi, 0x9e3779b1)) & mask;
    while (this.used[slot] && (this.hi[slot] !== key.hi || this.lo[slot] !== key.lo)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hi, lo, values, used } = this;
    const size = used.length * 2;
    this.hi = new Uint32Array(size);
    this.lo = new Uint32Array(size);
    this.values = new Int32Array(size);
    this.used = new Uint8Array(size);
    this.count = 0;
    for (let slot = 0; slot < used.length; slot++) {
      if (used[slot]) this.add({ hi: hi[slot]!, lo: lo[slot]! }, values[slot]!);
    }
  }
}
