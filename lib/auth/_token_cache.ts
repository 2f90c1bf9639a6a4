/**
 * The verified-token cache: a bounded LRU of tokens that passed signature
 * verification, keyed by the SHA-256 of the token, so a token seen again
 * skips the signature work. It holds no token text.
 *
 * The cache only remembers; the verifier decides. An entry carries a
 * deadline (its `exp` plus the clock skew) past which it is never returned,
 * and the verifier re-checks the clock-dependent claims, the key set and
 * its claim hook on every hit.
 *
 * A cryptographic hash is needed: with a weak one, a forged token could be
 * made to collide with a cached one and be taken for it. It is the
 * synchronous SHA-256 of `_sha256.ts`, since `crypto.subtle.digest` costs a
 * trip through the runtime's task queue on every request.
 *
 * @module
 */
import { sha256Words } from "./_sha256.ts";

/**
 * What every cache entry carries: the instant it must be forgotten.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CacheEntry, TokenCache } from "./_token_cache.ts";
 * const entry: CacheEntry = { deadlineMs: 1_000 };
 * const cache = new TokenCache<CacheEntry>(1);
 * cache.set("k", entry, 999);
 * assert.equal(cache.get("k", 999), entry);
 * ```
 */
export interface CacheEntry {
  /** Epoch milliseconds from which the entry is expired. */
  readonly deadlineMs: number;
}

/**
 * A bounded LRU map from token hashes to entries. Recency is exact but
 * for the most recent half, whose order a hit does not change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TokenCache, tokenCacheKey } from "./_token_cache.ts";
 * const cache = new TokenCache<{ deadlineMs: number; userId: string }>(10_000);
 * const key = tokenCacheKey("eyJ.eyJ.sig")!;
 * cache.set(key, { deadlineMs: 60_000, userId: "u1" }, 0);
 * assert.equal(cache.get(key, 1_000)?.userId, "u1");
 * assert.equal(cache.get(key, 60_000), undefined); // past its deadline
 * ```
 */
export class TokenCache<T extends CacheEntry> {
  readonly #entries = new Map<string, Slot<T>>();
  readonly #capacity: number;
  readonly #sweepEvery: number;
  readonly #recent: number;
  #clock = 0;
  #insertsSinceSweep = 0;

  /**
   * Makes an empty cache.
   *
   * @param capacity The most entries held (0 holds none).
   * @throws {TypeError} If `capacity` is not a non-negative integer.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new TypeError("TokenCache: capacity must be a non-negative integer");
    this.#capacity = capacity;
    this.#sweepEvery = Math.max(64, Math.ceil(capacity / 4));
    this.#recent = Math.max(1, Math.floor(capacity / 2));
  }

  /** How many entries are held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The entry for a key, unless it is missing or its deadline has come (it
   * is then dropped). A hit becomes the most recently used.
   */
  get(key: string, nowMs: number): T | undefined {
    const slot = this.#entries.get(key);
    if (slot === undefined) return undefined;
    if (nowMs >= slot.entry.deadlineMs) {
      this.#entries.delete(key);
      return undefined;
    }
    // Moving a key to the back of the Map is a delete and an insert, and V8
    // keeps deleted entries in their hash chain until the table is rebuilt:
    // one token moved on every request lengthens its own chain, and each
    // lookup walks it. An entry moved within the last capacity/2 moves and
    // insertions is among the most recent half already, so it stays where
    // it is.
    if (this.#clock - slot.used >= this.#recent) {
      this.#entries.delete(key);
      this.#entries.set(key, slot);
      slot.used = ++this.#clock;
    }
    return slot.entry;
  }

  /**
   * Stores an entry as the most recently used, evicting the least recently
   * used when full; every so often drops all entries past their deadline.
   */
  set(key: string, entry: T, nowMs: number): void {
    if (this.#capacity === 0 || nowMs >= entry.deadlineMs) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, { entry, used: ++this.#clock });
    if (++this.#insertsSinceSweep >= this.#sweepEvery) this.sweep(nowMs);
  }

  /** Forgets one key. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops every entry whose deadline has come. */
  sweep(nowMs: number): void {
    this.#insertsSinceSweep = 0;
    for (const [key, slot] of this.#entries) if (nowMs >= slot.entry.deadlineMs) this.#entries.delete(key);
  }
}

interface Slot<T> {
  readonly entry: T;
  /** The cache's clock when the entry last moved to the back. */
  used: number;
}

const encoder = new TextEncoder();
let bytes = new Uint8Array(1024);
const digest = new Int32Array(8);

/**
 * The SHA-256 of a token's characters as a 16-character string (two bytes
 * of the digest per UTF-16 code unit): the cache key. A token with a
 * character outside ASCII (which no valid JWT has) has no key, so no two
 * different strings ever share one input to the hash.
 *
 * @param token The token.
 * @returns The key, or `null` for a non-ASCII token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenCacheKey } from "./_token_cache.ts";
 * assert.equal(tokenCacheKey("abc")?.length, 16);
 * assert.equal(tokenCacheKey("abc")?.charCodeAt(0), 0xba78); // SHA-256("abc") starts ba 78
 * assert.equal(tokenCacheKey("äbc"), null);
 * ```
 */
export function tokenCacheKey(token: string): string | null {
  if (bytes.length < token.length) bytes = new Uint8Array(token.length * 2);
  // All of the token read into as many bytes: every character was ASCII.
  // Any other takes more than one byte of UTF-8 (a lone surrogate becomes
  // the three bytes of U+FFFD).
  const { read, written } = encoder.encodeInto(token, bytes);
  if (read !== token.length || written !== token.length) return null;
  const h = sha256Words(bytes.subarray(0, written), digest);
  return String.fromCharCode(
    h[0]! >>> 16, h[0]! & 0xffff, h[1]! >>> 16, h[1]! & 0xffff,
    h[2]! >>> 16, h[2]! & 0xffff, h[3]! >>> 16, h[3]! & 0xffff,
    h[4]! >>> 16, h[4]! & 0xffff, h[5]! >>> 16, h[5]! & 0xffff,
    h[6]! >>> 16, h[6]! & 0xffff, h[7]! >>> 16, h[7]! & 0xffff,
  );
}
