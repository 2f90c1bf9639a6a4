/**
 * The listing's cursors: where the next page starts, as a client carries
 * it from one request to the next.
 *
 * A cursor is the base64url text (no padding) of a compact JSON array,
 * `[1, position, filters, limit]`, followed by the first 8 bytes of the
 * SHA-256 of that JSON: the format's version, the repository's position
 * (its `ListingPage.next`, opaque here too), the fingerprint of the filters
 * it was made for, and the page size. The checksum makes an edited or
 * truncated cursor fail to open; it is not a signature, and needs none: a
 * cursor grants nothing (the user always comes from the token, and the
 * repository refuses a position it did not make). The same page of the
 * same listing always gets the same cursor, in every instance.
 *
 * @module
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { sha256 } from "@oslojs/crypto/sha2";
import { CURSOR_MAX, type KindFilter, type StatusFilter } from "./_listing_parameters.ts";
import type { WorkspaceRole } from "../repository/mod.ts";

/**
 * What a cursor carries.
 *
 * @example
 * ```ts
 * import type { CursorContents } from "./_cursor.ts";
 * const contents: CursorContents = { position: "opaque", filters: "AAAAAAAAAAAA", limit: 20 };
 * ```
 */
export interface CursorContents {
  /** The repository's position: the `after` of the next page. */
  readonly position: string;
  /** The {@link filtersFingerprint} of the filters it was made for. */
  readonly filters: string;
  /** The page size it was made with, 1–500: the next page's, unless the request gives `limit`. */
  readonly limit: number;
}

/**
 * The filters a cursor is bound to, each list deduplicated in its canonical order.
 *
 * @example
 * ```ts
 * import type { CursorFilters } from "./_cursor.ts";
 * const filters: CursorFilters = { roles: ["owner"], q: "Acme" };
 * ```
 */
export interface CursorFilters {
  /** `role`. */
  readonly roles?: readonly WorkspaceRole[];
  /** `status`. */
  readonly statuses?: readonly StatusFilter[];
  /** `kind`. */
  readonly kinds?: readonly KindFilter[];
  /** `q`. */
  readonly q?: string;
}

const FORMAT = 1;
const CHECKSUM_BYTES = 8;
const FINGERPRINT = /^[A-Za-z0-9_-]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A short fingerprint of a listing's filters: the same filters, the same
 * fingerprint (lists are canonical, so their order as sent does not
 * matter), and other filters another one.
 *
 * @param filters The filters of the request.
 * @returns Twelve base64url characters (72 bits of SHA-256).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filtersFingerprint } from "./_cursor.ts";
 * assert.match(filtersFingerprint({}), /^[A-Za-z0-9_-]{12}$/);
 * assert.notEqual(filtersFingerprint({ roles: ["owner"] }), filtersFingerprint({}));
 * assert.notEqual(filtersFingerprint({ q: "a" }), filtersFingerprint({ q: "b" }));
 * ```
 */
export function filtersFingerprint(filters: CursorFilters): string {
  const canonical = JSON.stringify([filters.roles ?? null, filters.statuses ?? null, filters.kinds ?? null, filters.q ?? null]);
  return encodeBase64urlNoPadding(sha256(encoder.encode(canonical)).subarray(0, 9));
}

/**
 * A cursor's text.
 *
 * @param contents The position, the filters' fingerprint and the page size.
 * @returns The cursor, base64url without padding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCursor, encodeCursor, filtersFingerprint } from "./_cursor.ts";
 * const contents = { position: "2026-03-22T10:30:00Z|WS_1", filters: filtersFingerprint({}), limit: 20 };
 * const cursor = encodeCursor(contents);
 * assert.match(cursor, /^[A-Za-z0-9_-]+$/);
 * assert.deepEqual(decodeCursor(cursor), contents);
 * ```
 */
export function encodeCursor(contents: CursorContents): string {
  const body = encoder.encode(JSON.stringify([FORMAT, contents.position, contents.filters, contents.limit]));
  const bytes = new Uint8Array(body.length + CHECKSUM_BYTES);
  bytes.set(body);
  bytes.set(sha256(body).subarray(0, CHECKSUM_BYTES), body.length);
  return encodeBase64urlNoPadding(bytes);
}

/**
 * What a cursor carries, or `undefined` when the text is not a cursor
 * lobby made: too long, not canonical base64url, a checksum that does not
 * match, or contents of another shape.
 *
 * @param text The cursor as the client sent it (decoded from the query).
 * @returns The contents, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeCursor, encodeCursor, filtersFingerprint } from "./_cursor.ts";
 * const cursor = encodeCursor({ position: "p", filters: filtersFingerprint({}), limit: 5 });
 * const edited = cursor.slice(0, 3) + (cursor[3] === "A" ? "B" : "A") + cursor.slice(4);
 * assert.equal(decodeCursor(edited), undefined);
 * assert.equal(decodeCursor("not a cursor"), undefined);
 * ```
 */
export function decodeCursor(text: string): CursorContents | undefined {
  if (text.length > CURSOR_MAX || !BASE64URL.test(text)) return undefined;
  const bytes = decodeBase64url(text);
  if (bytes === undefined || bytes.length <= CHECKSUM_BYTES) return undefined;
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const checksum = sha256(body);
  for (let i = 0; i < CHECKSUM_BYTES; i++) if (checksum[i] !== bytes[body.length + i]) return undefined;
  let contents: unknown;
  try {
    contents = JSON.parse(strictUtf8.decode(body));
  } catch {
    return undefined;
  }
  if (!Array.isArray(contents) || contents.length !== 4 || contents[0] !== FORMAT) return undefined;
  const [, position, filters, limit] = contents as unknown[];
  if (typeof position !== "string" || typeof filters !== "string" || !FINGERPRINT.test(filters)) return undefined;
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 500) return undefined;
  return { position, filters, limit: limit as number };
}

// The bytes of canonical base64url text (the only spelling encodeCursor
// writes, so one cursor has one text), or undefined.
function decodeBase64url(text: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64urlIgnorePadding(text);
  } catch {
    return undefined;
  }
  return encodeBase64urlNoPadding(bytes) === text ? bytes : undefined;
}
