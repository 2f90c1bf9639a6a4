/**
 * Compact JWS parsing (RFC 7515 §7.1) for the verifier: three strict
 * base64url segments, a header and a payload that are UTF-8 JSON objects.
 *
 * Not `@oslojs/jwt`'s `parseJWT`: it accepts `=` padding (even between a
 * segment's 4-character groups) and replaces invalid UTF-8, where lobby
 * refuses both, so a token has one spelling and one meaning.
 *
 * @module
 */
import { decodeBase64url } from "./_base64url.ts";

/**
 * A parsed compact JWS, before any check of its algorithm or signature.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CompactJws, parseCompactJws } from "./_jws.ts";
 * const jws: CompactJws | null = parseCompactJws("eyJhbGciOiJIUzI1NiJ9.e30.");
 * assert.equal(jws?.signature.length, 0);
 * assert.equal(new TextDecoder().decode(jws?.signingInput), "eyJhbGciOiJIUzI1NiJ9.e30");
 * ```
 */
export interface CompactJws {
  /** The protected header. */
  readonly header: Record<string, unknown>;
  /** The payload: a JWT's claims. */
  readonly payload: Record<string, unknown>;
  /** The signature's bytes. */
  readonly signature: Uint8Array<ArrayBuffer>;
  /** What was signed: the ASCII of `header.payload`. */
  readonly signingInput: Uint8Array<ArrayBuffer>;
}

// The alphabet check rules out padding and whitespace; the decoder then
// rejects a length of 4n+1 and non-zero unused bits, so only canonical
// text passes.
const SEGMENTS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const encoder = new TextEncoder();
// fatal: invalid UTF-8 is malformed, not replaced; ignoreBOM: a BOM stays
// in the text, where JSON.parse refuses it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses a compact JWS strictly, or returns `null` for anything that is not
 * exactly one: not three segments of unpadded canonical base64url (the
 * signature may be empty), a header or payload that is not UTF-8 JSON, or
 * JSON that is not an object. Duplicate member names: the last one wins
 * (JSON.parse), which RFC 7515 §4 allows.
 *
 * @param token The token text.
 * @returns The parsed parts, or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseCompactJws } from "./_jws.ts";
 * const jws = parseCompactJws("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.AQID");
 * assert.deepEqual(jws?.header, { alg: "HS256" });
 * assert.deepEqual(jws?.payload, { sub: "u1" });
 * assert.equal(parseCompactJws("eyJhbGciOiJIUzI1NiJ9=.eyJzdWIiOiJ1MSJ9.AQID"), null); // padding
 * ```
 */
export function parseCompactJws(token: string): CompactJws | null {
  const segments = SEGMENTS.exec(token);
  if (segments === null) return null;
  const [, header, payload, signature] = segments as unknown as [string, string, string, string];
  const headerBytes = decodeBase64url(header);
  const payloadBytes = decodeBase64url(payload);
  const signatureBytes = decodeBase64url(signature);
  if (headerBytes === null || payloadBytes === null || signatureBytes === null) return null;
  try {
    const headerJson: unknown = JSON.parse(decoder.decode(headerBytes));
    const payloadJson: unknown = JSON.parse(decoder.decode(payloadBytes));
    if (!isRecord(headerJson) || !isRecord(payloadJson)) return null;
    return {
      header: headerJson,
      payload: payloadJson,
      signature: signatureBytes,
      signingInput: encoder.encode(token.slice(0, header.length + 1 + payload.length)),
    };
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
