/**
 * Test tokens, made with Web Crypto independently of lib/: the one place
 * tests build JWTs.
 *
 * @module
 */
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

/** An HMAC JWS algorithm a test can sign with. */
export type TestHmacAlgorithm = "HS256" | "HS384" | "HS512";

/** Options of {@link signToken}. */
export interface SignTokenOptions {
  /** The shared secret (a string is used as its UTF-8 bytes). */
  readonly secret: string | Uint8Array;
  /** The HMAC that makes the signature, and the header's default `alg`; default HS256. */
  readonly alg?: TestHmacAlgorithm;
  /**
   * An object merged over `{ alg, typ: "JWT" }` (a field set to `undefined`
   * is left out), or raw JSON text used as the header as is.
   */
  readonly header?: Readonly<Record<string, unknown>> | string;
  /** The claims, or raw JSON text such as `'{"exp":1e400}'`. */
  readonly payload: Readonly<Record<string, unknown>> | string;
}

const _HASHES: Readonly<Record<TestHmacAlgorithm, string>> = {
  HS256: "SHA-256",
  HS384: "SHA-384",
  HS512: "SHA-512",
};

/**
 * base64url without padding, of bytes or of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * base64url('{"alg":"none"}'); // "eyJhbGciOiJub25lIn0"
 * ```
 */
export function base64url(input: string | Uint8Array): string {
  return encodeBase64urlNoPadding(typeof input === "string" ? new TextEncoder().encode(input) : input);
}

/**
 * A signed JWT. The signature is always made with `alg` (default HS256),
 * whatever the header says, so a test can lie in the header.
 *
 * @example
 * ```ts
 * const token = await signToken({ secret: "s3cret", payload: { sub: "u1", exp: 4102444800 } });
 * const forged = await signToken({ secret: "s3cret", alg: "HS512", header: { alg: "HS256", typ: undefined }, payload: "{}" });
 * ```
 */
export async function signToken(options: SignTokenOptions): Promise<string> {
  const alg = options.alg ?? "HS256";
  const header =
    typeof options.header === "string" ? options.header : JSON.stringify({ alg, typ: "JWT", ...options.header });
  const payload = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  return signSegments({ secret: options.secret, alg, header: base64url(header), payload: base64url(payload) });
}

/**
 * `header.payload.signature` over exactly the given segment text, for
 * hostile encodings (padding, whitespace, non-canonical base64url) that
 * must fail in the parser, not at the signature.
 *
 * @example
 * ```ts
 * const padded = await signSegments({ secret: "s3cret", header: base64url('{"alg":"HS256"}') + "=", payload: "e30" });
 * ```
 */
export async function signSegments(options: {
  readonly secret: string | Uint8Array;
  readonly alg?: TestHmacAlgorithm;
  readonly header: string;
  readonly payload: string;
}): Promise<string> {
  const secret = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
  const key = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: _HASHES[options.alg ?? "HS256"] },
    false,
    ["sign"],
  );
  const input = `${options.header}.${options.payload}`;
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}
