/**
 * The handler's memory of listings it has written: for each user, dialect,
 * language and parameters, the JSON text of the items at one listing
 * version (with a page's next position and a count), bounded
 * in entries and in size, the least recently used dropped first.
 *
 * It is exact because it is keyed by the version: an entry is used only
 * when the database's version of the user's listing is the one the entry
 * was read at (in the same snapshot as its items), and a version changes
 * in the same transaction as every change to the listing.
 *
 * @module
 */
import { LARGE_LISTING } from "../repository/mod.ts";

/**
 * What is kept of one listing.
 *
 * @example
 * ```ts
 * import type { CachedListing } from "./_listing_cache.ts";
 * const page: CachedListing = { version: "1.4", items: "", etag: 'W/"a"', next: "opaque", total: 40 };
 * ```
 */
export interface CachedListing {
  /** The listing version the items were read at. */
  readonly version: string;
  /**
   * The items' JSON texts, joined with commas: as text, or from
   * {@link ENCODED_FROM} code units on as its UTF-8 bytes.
   */
  readonly items: string | Uint8Array;
  /** The `ETag` of the answer, for that version. */
  readonly etag: string;
  /** For a page: the repository's position after it, when more follow. */
  readonly next?: string;
  /** For a count: how many items match in all. */
  readonly total?: number;
}

/**
 * From how many UTF-16 code units of items on a listing is kept as UTF-8
 * bytes (see `LARGE_LISTING`): such an answer is written in pieces, its
 * items as they are, rather than as one text built and encoded again for
 * each request, which costs more than the pieces' writes.
 */
export const ENCODED_FROM: number = LARGE_LISTING;

/**
 * The bounds of a {@link ListingCache}.
 *
 * @example
 * ```ts
 * import type { ListingCacheBounds } from "./_listing_cache.ts";
 * const bounds: ListingCacheBounds = { entries: 10_000, bytes: 32 * 1024 * 1024 };
 * ```
 */
export interface ListingCacheBounds {
  /** How many listings it keeps at most. */
  readonly entries: number;
  /**
   * How large they may be together, counted as the length of their text
   * in UTF-16 code units, or of their bytes for a listing kept encoded (the
   * engine keeps mostly ASCII JSON text at one byte per code unit). A
   * listing larger than a quarter of it is not kept.
   */
  readonly bytes: number;
}

/**
 * A least-recently-used map from (user, dialect, language, and for a page
 * or a filtered listing its parameters) to the listing last written for
 * it, within {@link ListingCacheBounds}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListingCache } from "./_listing_cache.ts";
 * const cache = new ListingCache({ entries: 2, bytes: 1000 });
 * cache.set("alice", { version: "1.4", items: "", etag: 'W/"a"' });
 * assert.equal(cache.get("alice", "1.4")?.etag, 'W/"a"');
 * assert.equal(cache.get("alice", "1.5"), undefined); // another version: not this entry
 * ```
 */
export class ListingCache {
  readonly #entries: number;
  readonly #bytes: number;
  readonly #map = new Map<string, CachedListing>();
  #size = 0;

  /** @param bounds See {@link ListingCacheBounds}. */
  constructor(bounds: ListingCacheBounds) {
    this.#entries = bounds.entries;
    this.#bytes = bounds.bytes;
  }

  /** How many listings it holds. */
  get entries(): number {
    return this.#map.size;
  }

  /** Their size, in UTF-16 code units (in bytes for a listing kept encoded). */
  get bytes(): number {
    return this.#size;
  }

  /** Whether a listing is kept under `key`, of whatever version. */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The listing kept under `key` if it was read at `version`, made the most recently used. */
  get(key: string, version: string): CachedListing | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined || entry.version !== version) return undefined;
    this.#map.delete(key);
    this.#map.set(key, entry);
    return entry;
  }

  /** Keeps `entry` under `key`, in place of what was there, dropping the least recently used beyond the bounds. */
  set(key: string, entry: CachedListing): void {
    const size = entry.items.length + key.length;
    this.delete(key);
    if (size * 4 > this.#bytes) return;
    this.#map.set(key, entry);
    this.#size += size;
    while (this.#map.size > this.#entries || this.#size > this.#bytes) {
      const oldest = this.#map.keys().next().value!;
      this.delete(oldest);
    }
  }

  /** Forgets the listing under `key`. */
  delete(key: string): void {
    const entry = this.#map.get(key);
    if (entry === undefined) return;
    this.#map.delete(key);
    this.#size -= entry.items.length + key.length;
  }
}
