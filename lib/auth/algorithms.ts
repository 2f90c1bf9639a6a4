/**
 * The JWS algorithms lobby verifies (RFC 7518 §3, RFC 8037 §3.1) and how
 * Web Crypto imports and checks each one.
 *
 * @module
 */

/**
 * A JWS algorithm lobby can verify (RFC 7518 §3.1, RFC 8037 §3.1). Widening
 * this union means adding its row to {@link SIGNATURE_ALGORITHMS}, which the
 * compiler then demands. ES512 (P-521) is included because Web Crypto on
 * Node.js 20, Deno 2.9 and Bun 1.4 all verify it; EdDSA means Ed25519 only.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJwtAlgorithm, type JwtAlgorithm } from "./algorithms.ts";
 * const header: { alg: unknown } = { alg: "ES256" };
 * const alg: JwtAlgorithm | null = isJwtAlgorithm(header.alg) ? header.alg : null;
 * assert.equal(alg, "ES256");
 * ```
 */
export type JwtAlgorithm =
  | "HS256"
  | "HS384"
  | "HS512"
  | "RS256"
  | "RS384"
  | "RS512"
  | "PS256"
  | "PS384"
  | "PS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "EdDSA";

/**
 * An HMAC algorithm: the ones a shared secret can serve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HMAC_ALGORITHMS, type HmacAlgorithm } from "./algorithms.ts";
 * const allowed: readonly HmacAlgorithm[] = ["HS256"];
 * assert.ok(allowed.every((alg) => HMAC_ALGORITHMS.includes(alg)));
 * ```
 */
export type HmacAlgorithm = "HS256" | "HS384" | "HS512";

/**
 * An asymmetric algorithm: the ones a public key (PEM or JWK) can serve.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm } from "./algorithms.ts";
 * const alg: PublicKeyAlgorithm = "PS256";
 * assert.ok(PUBLIC_KEY_ALGORITHMS.includes(alg));
 * ```
 */
export type PublicKeyAlgorithm = Exclude<JwtAlgorithm, HmacAlgorithm>;

/**
 * The Web Crypto parameters of one JWS algorithm. The same object is given
 * to `crypto.subtle.importKey` and `crypto.subtle.verify`; Web Crypto reads
 * the members each operation needs and ignores the others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIGNATURE_ALGORITHMS, type SignatureParams } from "./algorithms.ts";
 * const params: SignatureParams = SIGNATURE_ALGORITHMS.PS256;
 * assert.equal(params.saltLength, 32);
 * ```
 */
export interface SignatureParams {
  /** The Web Crypto algorithm name, equal to the imported key's `algorithm.name`. */
  readonly name: "HMAC" | "RSASSA-PKCS1-v1_5" | "RSA-PSS" | "ECDSA" | "Ed25519";
  /** The digest; an imported key that names a hash must name this one. */
  readonly hash?: "SHA-256" | "SHA-384" | "SHA-512";
  /** RSA-PSS salt length in bytes: the digest's length (RFC 7518 §3.5). */
  readonly saltLength?: number;
  /** The curve an ECDSA key must be on (RFC 7518 §3.4). */
  readonly namedCurve?: "P-256" | "P-384" | "P-521";
  /**
   * The exact signature length in bytes, where the algorithm fixes it
   * (ECDSA's r‖s, Ed25519, an HMAC's digest); RSA signatures are as long as
   * the modulus.
   */
  readonly signatureBytes?: number;
}

/**
 * How each {@link JwtAlgorithm} is imported and verified with Web Crypto.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * assert.deepEqual(SIGNATURE_ALGORITHMS.HS384, { name: "HMAC", hash: "SHA-384", signatureBytes: 48 });
 * assert.equal(SIGNATURE_ALGORITHMS.ES256.namedCurve, "P-256");
 * ```
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<JwtAlgorithm, SignatureParams>> = freezeRows({
  HS256: { name: "HMAC", hash: "SHA-256", signatureBytes: 32 },
  HS384: { name: "HMAC", hash: "SHA-384", signatureBytes: 48 },
  HS512: { name: "HMAC", hash: "SHA-512", signatureBytes: 64 },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  RS384: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" },
  RS512: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" },
  PS256: { name: "RSA-PSS", hash: "SHA-256", saltLength: 32 },
  PS384: { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 },
  PS512: { name: "RSA-PSS", hash: "SHA-512", saltLength: 64 },
  ES256: { name: "ECDSA", hash: "SHA-256", namedCurve: "P-256", signatureBytes: 64 },
  ES384: { name: "ECDSA", hash: "SHA-384", namedCurve: "P-384", signatureBytes: 96 },
  ES512: { name: "ECDSA", hash: "SHA-512", namedCurve: "P-521", signatureBytes: 132 },
  EdDSA: { name: "Ed25519", signatureBytes: 64 },
});

/**
 * The HMAC algorithms, in {@link SIGNATURE_ALGORITHMS} order: what a secret
 * verifies unless told otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HMAC_ALGORITHMS } from "./algorithms.ts";
 * assert.deepEqual(HMAC_ALGORITHMS, ["HS256", "HS384", "HS512"]);
 * ```
 */
export const HMAC_ALGORITHMS: readonly HmacAlgorithm[] = Object.freeze(["HS256", "HS384", "HS512"] as const);

/**
 * Every public-key algorithm, in {@link SIGNATURE_ALGORITHMS} order: the
 * default allow-list of a JWKS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PUBLIC_KEY_ALGORITHMS } from "./algorithms.ts";
 * assert.ok(PUBLIC_KEY_ALGORITHMS.includes("EdDSA"));
 * ```
 */
export const PUBLIC_KEY_ALGORITHMS: readonly PublicKeyAlgorithm[] = Object.freeze([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const);

/**
 * Whether a value names a {@link JwtAlgorithm}; `"none"`, `"hs256"` and
 * anything else lobby cannot verify are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJwtAlgorithm } from "./algorithms.ts";
 * assert.equal(isJwtAlgorithm("ES512"), true);
 * assert.equal(isJwtAlgorithm("none"), false);
 * ```
 */
export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === "string" && Object.hasOwn(SIGNATURE_ALGORITHMS, value);
}

// The verifier trusts this table: nothing may change it at run time.
function freezeRows<T extends Record<string, object>>(table: T): Readonly<T> {
  for (const row of Object.values(table)) Object.freeze(row);
  return Object.freeze(table);
}
