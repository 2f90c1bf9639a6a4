/**
 * Benchmark tokens: JWTs signed with Web Crypto from keys made at run time
 * (nothing is committed). Web APIs only: Deno and Bun run the files that
 * import it.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

/** Signs a JWS signing input, returning the raw signature. */
export type Signer = (input: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>;

const encoder = new TextEncoder();
const segment = (value: unknown): string => encodeBase64urlNoPadding(encoder.encode(JSON.stringify(value)));

/** A random secret: 32 random bytes as 64 hexadecimal characters (used as its UTF-8 bytes, as `JWT_SECRET` is). */
export function randomSecret(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** An HMAC-SHA-256 signer over a secret (a string is used as its UTF-8 bytes). */
export async function hs256Signer(secret: string | Uint8Array<ArrayBuffer>): Promise<Signer> {
  const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
  const key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return (input) => crypto.subtle.sign("HMAC", key, input);
}

/** A compact JWS of `header` and `claims`, signed by `sign`. */
export async function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, sign: Signer): Promise<string> {
  const input = `${segment(header)}.${segment(claims)}`;
  return `${input}.${encodeBase64urlNoPadding(new Uint8Array(await sign(encoder.encode(input))))}`;
}

/**
 * `count` HS256 tokens, the i-th for user `userOf(first + i)` with `jti`
 * `first + i` (all distinct), valid for `seconds`. Signed in batches to
 * keep memory flat.
 */
export async function signMany(
  sign: Signer,
  count: number,
  userOf: (i: number) => string,
  first = 0,
  seconds = 7200,
): Promise<string[]> {
  const exp = Math.floor(Date.now() / 1000) + seconds;
  const tokens: string[] = [];
  for (let start = first; start < first + count; start += 2000) {
    const batch = Array.from({ length: Math.min(2000, first + count - start) }, (_, j) =>
      signJwt({ alg: "HS256", typ: "JWT" }, { sub: userOf(start + j), exp, jti: start + j }, sign));
    tokens.push(...await Promise.all(batch));
  }
  return tokens;
}
