/**
 * Strict base64url decoding (RFC 4648 §5) for JWT segments: no padding, no
 * whitespace, and only the canonical text of a byte string, so a token has
 * exactly one spelling. A lookup table over char codes: `@oslojs/encoding`'s
 * decoder made a fresh token slower than lobby accepts, as measured in
 * `bench/AUTH.md` ("Why lib/auth keeps its own SHA-256 and base64url").
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/**
 * The bytes of unpadded base64url text, or `null` when it is not the
 * canonical encoding of any: a character outside the alphabet, a length of
 * 4n+1, or non-zero bits after the last byte.
 *
 * @param text The encoded text.
 * @returns A fresh array, or `null`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeBase64url } from "./_base64url.ts";
 * assert.deepEqual(decodeBase64url("AQID"), new Uint8Array([1, 2, 3]));
 * assert.equal(decodeBase64url("AQ=="), null); // padding is not allowed
 * assert.equal(decodeBase64url("AR"), null); // not canonical ("AQ" is)
 * ```
 */
export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  const n = text.length;
  const tail = n & 3;
  if (tail === 1) return null;
  const whole = n - tail;
  const out = new Uint8Array((whole >>> 2) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    const a = value(text, i), b = value(text, i + 1), c = value(text, i + 2), d = value(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = group >>> 16;
    out[o++] = (group >>> 8) & 0xff;
    out[o++] = group & 0xff;
  }
  if (tail === 0) return out;
  const a = value(text, whole), b = value(text, whole + 1);
  if ((a | b) < 0) return null;
  out[o++] = (a << 2) | (b >>> 4);
  if (tail === 2) return (b & 0x0f) === 0 ? out : null;
  const c = value(text, whole + 2);
  if (c < 0 || (c & 0x03) !== 0) return null;
  out[o] = ((b & 0x0f) << 4) | (c >>> 2);
  return out;
}

function value(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? VALUES[code]! : -1;
}
