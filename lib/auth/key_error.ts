/**
 * The one error the key sources throw for a key that cannot be used, with a
 * stable code, so a caller decides what to do (such as which configuration
 * variable to blame) from data rather than from message text.
 *
 * @module
 */

/**
 * Every {@link KeyProblem}, as stable codes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KEY_PROBLEMS } from "./key_error.ts";
 * assert.ok(KEY_PROBLEMS.includes("rsa_without_alg"));
 * ```
 */
export const KEY_PROBLEMS = [
  "empty_secret",
  "short_secret",
  "no_public_key",
  "unexpected_pem_label",
  "private_key",
  "certificate",
  "pkcs1",
  "not_base64",
  "not_spki",
  "unsupported_key_type",
  "unsupported_curve",
  "rsa_without_alg",
  "unsupported_alg",
  "alg_mismatch",
  "alg_not_allowed",
  "rsa_too_small",
  "web_crypto_refused",
  "symmetric_key",
  "not_for_verifying",
  "malformed_jwk",
  "invalid_kid",
  "not_json",
  "no_keys_array",
  "no_usable_key",
  "jwks_url_not_allowed",
] as const;

/**
 * What is wrong with a key, as a stable code:
 *
 * - `empty_secret`: the secret is empty, or not a string or `Uint8Array`.
 * - `short_secret`: the secret has fewer than 32 bytes (RFC 7518 section 3.2
 *   asks for at least the hash's size).
 * - `no_public_key`: the PEM text holds no `PUBLIC KEY` block (or is not text).
 * - `unexpected_pem_label`: a PEM block other than `PUBLIC KEY`, or one
 *   whose END label differs from its BEGIN label.
 * - `private_key`: a private key (PEM block, JWK with `d`, or a private CryptoKey).
 * - `certificate`: a PEM certificate instead of its public key.
 * - `pkcs1`: a PKCS#1 `RSA PUBLIC KEY` instead of an SPKI.
 * - `not_base64`: a PEM block whose body is not base64.
 * - `not_spki`: a PEM block whose bytes are not an SPKI structure.
 * - `unsupported_key_type`: a key type other than RSA, EC or Ed25519
 *   (X25519, Ed448, an RSASSA-PSS-only key, a JWK `kty` lobby does not read).
 * - `unsupported_curve`: an EC key on a curve other than P-256, P-384 or P-521.
 * - `rsa_without_alg`: an RSA PEM key without the algorithm it verifies.
 * - `unsupported_alg`: an algorithm lobby cannot verify with this kind of
 *   key (a JWK `alg` of `none` or `HS256`, an unknown algorithm).
 * - `alg_mismatch`: an algorithm that does not fit the key (ES384 for a
 *   P-256 key, PS256 for a PKCS#1 v1.5 CryptoKey).
 * - `alg_not_allowed`: a JWK whose algorithm is outside the allow-list.
 * - `rsa_too_small`: an RSA key under 2048 bits.
 * - `web_crypto_refused`: Web Crypto refused to import the key.
 * - `symmetric_key`: a symmetric (`oct`) JWK, where only public keys belong.
 * - `not_for_verifying`: a key not meant for signatures (`use` other than
 *   `sig`, `key_ops` or CryptoKey usages without `verify`).
 * - `malformed_jwk`: a JWK that is not an object, or lacks a member its key type needs.
 * - `invalid_kid`: a key id that is not a non-empty string.
 * - `not_json`: a JWK Set that is not JSON text.
 * - `no_keys_array`: a JWK Set that is not an object with a `keys` array.
 * - `no_usable_key`: a JWK Set none of whose entries can be used.
 * - `jwks_url_not_allowed`: a JWKS URL that is not `https:` (or `http:` on loopback).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyError, type KeyProblem } from "./key_error.ts";
 * const problem: KeyProblem = new KeyError("pemKeys", "pkcs1", "the PEM text is PKCS#1").code;
 * assert.equal(problem, "pkcs1");
 * ```
 */
export type KeyProblem = (typeof KEY_PROBLEMS)[number];

/**
 * A key that cannot be used, and why. The message names the public function
 * that found the problem (`pemKeys: ...`, `jwksKeys: ...`) and never
 * contains key material; {@link KeyError.code} is the stable part. Like
 * Node's own argument errors, it is a `TypeError` by name too, so code that
 * expects one keeps working.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyError, pemKeys } from "./mod.ts";
 * const error = await pemKeys("no key here").catch((caught: unknown) => caught);
 * assert.ok(error instanceof KeyError);
 * assert.equal(error.code, "no_public_key");
 * assert.equal(error.message, "pemKeys: the PEM text must contain a -----BEGIN PUBLIC KEY----- block");
 * ```
 */
export class KeyError extends TypeError {
  /** What is wrong, as a stable code. */
  readonly code: KeyProblem;
  /** The message without the function's name, for a caller that names the input itself (such as a variable). */
  readonly detail: string;

  /**
   * Makes the error; its message is `"<where>: <detail>"`.
   *
   * @param where The public function that found the problem, such as `"pemKeys"`.
   * @param code What is wrong.
   * @param detail The sentence for a person, without key material.
   */
  constructor(where: string, code: KeyProblem, detail: string) {
    super(`${where}: ${detail}`);
    this.code = code;
    this.detail = detail;
  }
}
