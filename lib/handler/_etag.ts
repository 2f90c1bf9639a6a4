/**
 * Entity tags of listings and the `If-None-Match` check (RFC 9110 §8.8.3,
 * §13.1.2).
 *
 * A listing's tag is weak: the system dialect's body carries the time of
 * the answer (`timestamp`), so two answers of one listing differ in bytes
 * while meaning the same; a weak tag says "the same listing", which is what
 * a client revalidating it wants to know. It is made from the dialect, the
 * language, the user and the user's listing version, never from the
 * `timestamp`: the same tag in every instance and across restarts while
 * the listing does not change.
 *
 * @module
 */
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { Dialect } from "./_routes.ts";

/** Changes when the body lobby writes for a listing changes shape, so that no client keeps an answer of another release. */
const FORMAT_REVISION = "1";

/** A version as it may stand in a tag: visible ASCII without `"`; anything else is hashed. */
const TAG_SAFE = /^[\x21\x23-\x7e]{1,128}$/;

/**
 * The weak `ETag` of a user's listing in a dialect and a language at one
 * listing version: `W/"1s.en.<user hash>.<version>"`. The user's id is
 * hashed (53 bits, not a secret: the tag goes only to that user), so that a
 * client that sends one user's tag with another user's token never gets
 * a `304` for a listing it does not hold.
 *
 * A page, a filtered listing or a count has its own tag, from the key of
 * its parameters (see `PagePlan.key`): `W/"1s-<parameters hash>.en.…"`, the
 * hash 96 bits of SHA-256. Without parameters (an empty key) the tag is the
 * whole listing's.
 *
 * @param dialect The dialect of the answer.
 * @param locale The language of the answer.
 * @param userId The user the answer is for.
 * @param version The repository's listing version.
 * @param parameters The key of the request's parameters; empty or absent for the whole listing.
 * @returns The tag, quotes and `W/` included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listingEtag } from "./_etag.ts";
 * const tag = listingEtag("system", "en", "alice", "16384.7");
 * assert.match(tag, /^W\/"1s\.en\.[0-9a-z]+\.16384\.7"$/);
 * assert.notEqual(tag, listingEtag("system", "en", "bob", "16384.7"));
 * assert.notEqual(tag, listingEtag("uptimer", "en", "alice", "16384.7"));
 * assert.equal(listingEtag("system", "en", "alice", "16384.7", ""), tag);
 * assert.match(listingEtag("system", "en", "alice", "16384.7", '[20,null]'), /^W\/"1s-[A-Za-z0-9_-]{16}\.en\./);
 * ```
 */
export function listingEtag(dialect: Dialect, locale: string, userId: string, version: string, parameters = ""): string {
  const safe = TAG_SAFE.test(version) ? version : `h${hash53(version).toString(36)}`;
  const page = parameters === "" ? "" : `-${encodeBase64urlNoPadding(sha256(encoder.encode(parameters)).subarray(0, 12))}`;
  return `W/"${FORMAT_REVISION}${dialect === "system" ? "s" : "u"}${page}.${locale}.${hash53(userId).toString(36)}.${safe}"`;
}

const encoder = new TextEncoder();

/**
 * Whether an `If-None-Match` field value matches `etag` by the weak
 * comparison (RFC 9110 §8.8.3.2: `W/` on either side is ignored, the
 * opaque tags must be equal): `*`, or a list of entity tags that holds it.
 * A malformed list matches nothing from the first malformed element on.
 *
 * @param header The field value (repeated fields joined with `", "`).
 * @param etag The current tag, such as `W/"abc"`.
 * @returns Whether the client's copy is current.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ifNoneMatchMatches } from "./_etag.ts";
 * assert.equal(ifNoneMatchMatches('"x", W/"abc"', 'W/"abc"'), true);
 * assert.equal(ifNoneMatchMatches('"abc"', 'W/"abc"'), true);
 * assert.equal(ifNoneMatchMatches("*", 'W/"abc"'), true);
 * assert.equal(ifNoneMatchMatches('W/"abd"', 'W/"abc"'), false);
 * ```
 */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  const opaque = etag.startsWith("W/") ? etag.slice(2) : etag;
  const length = header.length;
  let i = 0;
  for (;;) {
    // Skip whitespace and empty list elements.
    while (i < length && (header[i] === " " || header[i] === "\t" || header[i] === ",")) i++;
    if (i >= length) return false;
    if (header[i] === "*") {
      let j = i + 1;
      while (j < length && (header[j] === " " || header[j] === "\t")) j++;
      return j === length && header.slice(0, i).trim() === "";
    }
    if (header.startsWith("W/", i)) i += 2;
    if (header[i] !== '"') return false;
    const end = header.indexOf('"', i + 1);
    if (end === -1) return false;
    const matched = end - i + 1 === opaque.length && header.startsWith(opaque, i);
    i = end + 1;
    while (i < length && (header[i] === " " || header[i] === "\t")) i++;
    if (i < length && header[i] !== ",") return false;
    if (matched) return true;
  }
}

/** A 53-bit hash of a string (cyrb53): spreads ids, not a secret. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ unit, 2_654_435_761);
    h2 = Math.imul(h2 ^ unit, 1_597_334_677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2_246_822_507) ^ Math.imul(h2 ^ (h2 >>> 13), 3_266_489_909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2_246_822_507) ^ Math.imul(h1 ^ (h1 >>> 13), 3_266_489_909);
  return 4_294_967_296 * (2_097_151 & h2) + (h1 >>> 0);
}
