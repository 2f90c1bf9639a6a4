/**
 * Bearer tokens and the keys that verify them: extracting a token from an
 * `Authorization` header (RFC 6750), verifying it as a JWT (RFC 7519, RFC
 * 8725), and key sets over secrets, PEM public keys, inline and remote JWK
 * Sets. A key that cannot be used is a {@link KeyError} with a stable code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVerifier, extractBearer, secretKeys } from "./mod.ts";
 * const verify = createVerifier({ keys: await secretKeys("a-long-random-secret-of-32-bytes!"), issuer: "https://id.example" });
 * const bearer = extractBearer("Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln");
 * assert.ok(bearer.ok);
 * const result = await verify(bearer.token, Date.now());
 * assert.deepEqual(result, { ok: false, reason: "bad_signature" });
 * ```
 *
 * @module
 */
export { type BearerFailureReason, type BearerResult, extractBearer } from "./bearer.ts";
export {
  type ClaimCheck,
  type ClaimCheckResult,
  clientHashMatches,
  createVerifier,
  type Principal,
  TOKEN_FAILURE_REASONS,
  type TokenFailureReason,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from "./verifier.ts";
export {
  HMAC_ALGORITHMS,
  type HmacAlgorithm,
  isJwtAlgorithm,
  type JwtAlgorithm,
  PUBLIC_KEY_ALGORITHMS,
  type PublicKeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type SignatureParams,
} from "./algorithms.ts";
export {
  combineKeySets,
  type ImportedKey,
  type KeyQuery,
  type KeySet,
  type KeySetEvent,
  type KeySetEventReason,
  secretKeys,
  type SecretKeysOptions,
  staticKeys,
  type VerificationKey,
} from "./keys.ts";
export { KEY_PROBLEMS, KeyError, type KeyProblem } from "./key_error.ts";
export { type PemKeysOptions, pemKeys } from "./pem.ts";
export { type ImportedJwks, importJwk, importJwks, type JwkOptions, jwksKeys } from "./jwk.ts";
export { isJwksUrlAllowed, type RemoteJwksOptions, remoteJwksKeys, type RemoteKeySet } from "./remote_jwks.ts";
