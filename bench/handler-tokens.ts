/**
 * Benchmark tokens: HS256 JWTs signed with Web Crypto from a secret made at
 * run time (nothing is committed), written one per line for wrk's Lua
 * script to read.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

const _encoder = new TextEncoder();
const _HEADER = encodeBase64urlNoPadding(_encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
const _keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

/**
 * A random secret of 32 bytes.
 *
 * @example
 * ```ts
 * const secret = randomSecret();
 * ```
 */
export function randomSecret(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(32));
}

/**
 * An HS256 JWT of `claims`, signed with `secret`.
 *
 * @example
 * ```ts
 * const token = await signHs256(randomSecret(), { sub: "u1", exp: 4102444800 });
 * ```
 */
export async function signHs256(secret: Uint8Array, claims: Record<string, unknown>): Promise<string> {
  let key = _keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", secret as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    _keys.set(secret, key);
  }
  const input = `${_HEADER}.${encodeBase64urlNoPadding(_encoder.encode(JSON.stringify(claims)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", await key, _encoder.encode(input)));
  return `${input}.${encodeBase64urlNoPadding(signature)}`;
}

/**
 * `count` tokens, the i-th for user `userOf(i)`, all distinct (`jti` is
 * `first + i`), valid for `seconds`. Signed in batches to keep memory flat.
 *
 * @example
 * ```ts
 * const tokens = await signMany(randomSecret(), 1000, (i) => `user_${i}`, 0, 3600);
 * ```
 */
export async function signMany(
  secret: Uint8Array,
  count: number,
  userOf: (i: number) => string,
  first = 0,
  seconds = 7200,
): Promise<string[]> {
  const exp = Math.floor(Date.now() / 1000) + seconds;
  const tokens: string[] = [];
  for (let start = 0; start < count; start += 2000) {
    const batch = Array.from({ length: Math.min(2000, count - start) }, (_, j) =>
      signHs256(secret, { sub: userOf(first + start + j), exp, jti: first + start + j }));
    tokens.push(...await Promise.all(batch));
  }
  return tokens;
}
