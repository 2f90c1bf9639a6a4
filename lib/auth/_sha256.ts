/**
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 verification (RFC 2104) in plain
 * JavaScript, synchronous, for the two places a token is hashed on every
 * request: the verified-token cache's key and the HS256 signature check of
 * a `secretKeys` secret. Web Crypto's digest and HMAC are asynchronous, and
 * `@oslojs/crypto`'s SHA-256 made both paths slower than lobby accepts: the
 * measurement is in `bench/AUTH.md` ("Why lib/auth keeps its own SHA-256 and base64url").
 * Everything else uses the libraries.
 *
 * Nothing here branches on or indexes by the data, so the time depends only
 * on the length.
 *
 * @module
 */
import { constantTimeEqual } from "@oslojs/crypto/subtle";

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// The initial hash value H(0).
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
// The message schedule, shared: nothing here is re-entrant or asynchronous.
const schedule = new Int32Array(64);

/**
 * The SHA-256 digest of `data` as eight big-endian 32-bit words, the form
 * the cache key and the HMAC read it in without a byte conversion.
 *
 * @param data The message.
 * @param into Where to write the eight words; a new array by default.
 * @returns `into`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Words } from "./_sha256.ts";
 * const words = sha256Words(new TextEncoder().encode("abc"));
 * assert.equal((words[0]! >>> 0).toString(16), "ba7816bf");
 * ```
 */
export function sha256Words(data: Uint8Array, into: Int32Array = new Int32Array(8)): Int32Array {
  into.set(IV);
  finish(into, data, 0);
  return into;
}

/**
 * A synchronous HMAC-SHA256 check for one secret. The key's inner and outer
 * states are computed once, here, so each check hashes only the message and
 * one more block; the secret itself is not kept.
 *
 * @param secret The shared secret, any length (longer than 64 bytes is hashed first, per RFC 2104).
 * @returns A function telling whether `signature` is the HMAC-SHA256 of
 *   `data`, comparing in time that depends only on the lengths.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hmacSha256Verifier } from "./_sha256.ts";
 * const encoder = new TextEncoder();
 * const verify = hmacSha256Verifier(encoder.encode("key"));
 * const key = await crypto.subtle.importKey("raw", encoder.encode("key"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
 * const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode("data")));
 * assert.equal(verify(mac, encoder.encode("data")), true);
 * assert.equal(verify(mac, encoder.encode("date")), false);
 * ```
 */
export function hmacSha256Verifier(secret: Uint8Array): (signature: Uint8Array, data: Uint8Array) => boolean {
  const key = secret.length > 64 ? wordsToBytes(sha256Words(secret)) : secret;
  const inner = padded(key, 0x36);
  const outer = padded(key, 0x5c);
  const state = new Int32Array(8);
  return (signature, data) => {
    state.set(inner);
    finish(state, data, 64);
    // The outer hash's message is the inner digest: one block, padded by hand.
    const w = schedule;
    w.set(state);
    w[8] = 0x80000000;
    w.fill(0, 9, 15);
    w[15] = (64 + 32) * 8;
    state.set(outer);
    compress(state, w);
    return constantTimeEqual(wordsToBytes(state), signature);
  };
}

// The 32 bytes of eight big-endian words.
function wordsToBytes(words: Int32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const word = words[i]!;
    out[i * 4] = word >>> 24;
    out[i * 4 + 1] = (word >>> 16) & 0xff;
    out[i * 4 + 2] = (word >>> 8) & 0xff;
    out[i * 4 + 3] = word & 0xff;
  }
  return out;
}

// The state after one block of the key, zero-padded to 64 bytes, XOR `pad`.
function padded(key: Uint8Array, pad: number): Int32Array {
  const w = schedule;
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 0; j < 4; j++) word = (word << 8) | ((key[i * 4 + j] ?? 0) ^ pad);
    w[i] = word;
  }
  const state = IV.slice();
  compress(state, w);
  return state;
}

// Hashes `data` into `state` and pads: afterwards `state` holds the digest
// of the `prefixBytes` (a multiple of 64) already compressed into it
// followed by `data`.
function finish(state: Int32Array, data: Uint8Array, prefixBytes: number): void {
  const n = data.length;
  const w = schedule;
  const blocks = (n + 72) >>> 6; // room for the 0x80 byte and the 64-bit length
  for (let block = 0; block < blocks; block++) {
    const base = block << 6;
    if (base + 64 <= n) {
      for (let i = 0, p = base; i < 16; i++, p += 4) {
        w[i] = (data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!;
      }
    } else {
      for (let i = 0, p = base; i < 16; i++) {
        let word = 0;
        for (let j = 0; j < 4; j++, p++) word = (word << 8) | (p < n ? data[p]! : p === n ? 0x80 : 0);
        w[i] = word;
      }
      if (block === blocks - 1) {
        const bits = (prefixBytes + n) * 8;
        w[14] = Math.floor(bits / 0x100000000);
        w[15] = bits | 0;
      }
    }
    compress(state, w);
  }
}

// One 64-byte block, as 16 big-endian words in w[0..15], into `state`
// (FIPS 180-4 §6.2.2); the schedule is built in w[16..63].
function compress(state: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!, y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (s0 + s1 + w[i - 16]! + w[i - 7]!) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}
