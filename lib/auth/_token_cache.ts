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
 * SHA-256 runs here in plain JavaScript over the token's ASCII characters:
 * about a microsecond per 100 bytes, where `crypto.subtle.digest` costs a
 * trip through the runtime's task queue. A cryptographic hash is needed:
 * with a weak one, a forged token could be made to collide with a cached
 * one and be taken for it.
 *
 * @module
 */
import { SHA256_IV, sha256Compress } from "./_sha256.ts";

/** What every cache entry carries: the instant it must be forgotten. */
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
 * import { TokenCache, tokenCacheKey } from "./_token_cache.ts";
 * const cache = new TokenCache<{ deadlineMs: number; userId: string }>(10_000);
 * const key = tokenCacheKey("eyJ.eyJ.sig")!;
 * cache.set(key, { deadlineMs: Date.now() + 60_000, userId: "u1" }, Date.now());
 * cache.get(key, Date.now())?.userId; // "u1"
 * ```
 */
export class TokenCache<T extends CacheEntry> {
  readonly #entries = new Map<string, _Slot<T>>();
  readonly #capacity: number;
  readonly #sweepEvery: number;
  readonly #recent: number;
  #clock = 0;
  #insertsSinceSweep = 0;

  /**
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
    // lookup walks it (27 µs a hit with 10,000 entries). An entry moved
    // within the last capacity/2 moves and insertions is among the most
    // recent half already, so it stays where it is.
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

interface _Slot<T> {
  readonly entry: T;
  /** The cache's clock when the entry last moved to the back. */
  used: number;
}

const _W = new Int32Array(64);
const _H = new Int32Array(8);

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
 * import { tokenCacheKey } from "./_token_cache.ts";
 * tokenCacheKey("abc")?.length; // 16
 * tokenCacheKey("äbc"); // null
 * ```
 */
export function tokenCacheKey(token: string): string | null {
  return !_digest(token) ? null : String.fromCharCode(
    _H[0]! >>> 16, _H[0]! & 0xffff, _H[1]! >>> 16, _H[1]! & 0xffff,
    _H[2]! >>> 16, _H[2]! & 0xffff, _H[3]! >>> 16, _H[3]! & 0xffff,
    _H[4]! >>> 16, _H[4]! & 0xffff, _H[5]! >>> 16, _H[5]! & 0xffff,
    _H[6]! >>> 16, _H[6]! & 0xffff, _H[7]! >>> 16, _H[7]! & 0xffff,
  );
}

/**
 * SHA-256 (FIPS 180-4) of an ASCII string, as 64 hex digits.
 *
 * @param text Characters U+0000 to U+007F only.
 * @returns The digest in lower-case hex, or `null` if `text` is not ASCII.
 *
 * @example
 * ```ts
 * import { sha256Ascii } from "./_token_cache.ts";
 * sha256Ascii("abc"); // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export function sha256Ascii(text: string): string | null {
  if (!_digest(text)) return null;
  let hex = "";
  for (let i = 0; i < 8; i++) hex += (_H[i]! >>> 0).toString(16).padStart(8, "0");
  return hex;
}

// Leaves the digest in _H; false for non-ASCII input.
function _digest(text: string): boolean {
  const n = text.length;
  const blocks = (n + 72) >>> 6; // room for the 0x80 byte and the 64-bit length
  const w = _W;
  _H.set(SHA256_IV);
  for (let block = 0; block < blocks; block++) {
    const base = block << 6;
    if (base + 64 <= n) {
      for (let i = 0, p = base; i < 16; i++, p += 4) {
        const a = text.charCodeAt(p), b = text.charCodeAt(p + 1), c = text.charCodeAt(p + 2), d = text.charCodeAt(p + 3);
        if ((a | b | c | d) > 0x7f) return false;
        w[i] = (a << 24) | (b << 16) | (c << 8) | d;
      }
    } else {
      for (let i = 0, p = base; i < 16; i++) {
        let word = 0;
        for (let j = 0; j < 4; j++, p++) {
          let byte = 0;
          if (p < n) {
            byte = text.charCodeAt(p);
            if (byte > 0x7f) return false;
          } else if (p === n) byte = 0x80;
          word = (word << 8) | byte;
        }
        w[i] = word;
      }
      if (block === blocks - 1) {
        w[14] = Math.floor(n / 0x20000000); // the bit length's high word
        w[15] = (n << 3) | 0;
      }
    }
    sha256Compress(_H, w);
  }
  return true;
}
