/**
 * Bearer tokens and the keys that verify them: extracting a token from an
 * `Authorization` header (RFC 6750), verifying it as a JWT (RFC 7519, RFC
 * 8725), and key sets over secrets, PEM public keys, inline and remote JWK
 * Sets.
 *
 * @module
 */
export * from "./verifier.ts";
export * from "./keys.ts";
export * from "./pem.ts";
export * from "./jwk.ts";
export * from "./jwks.ts";
