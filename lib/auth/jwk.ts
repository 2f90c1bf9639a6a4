/**
 * JSON Web Keys (RFC 7517) as verification keys: one public JWK, or a whole
 * JWK Set given inline. The remote JWKS in `remote_jwks.ts` imports its
 * entries with {@link importJwks} too.
 *
 * Only public signature keys are accepted. Each key is bound to exactly one
 * algorithm: its `alg` member, or for a key without one the algorithm its
 * type fixes (EC P-256 → ES256, P-384 → ES384, P-521 → ES512, OKP Ed25519 →
 * EdDSA) and for RSA, where RS and PS share a key type, `rsaAlgorithm`
 * (default RS256, what issuers that omit `alg` use). Only the members that
 * define the public key reach Web Crypto, so `alg`, `use`, `key_ops` and
 * `ext` are judged here, the same way on every runtime.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { keySetOf, webCryptoKey } from "./_key_set.ts";
import { JWK_OPTION_ENTRIES } from "./_schemas.ts";
import { isJwtAlgorithm, PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
import { KeyError, type KeyProblem } from "./key_error.ts";
import type { KeySet, VerificationKey } from "./keys.ts";

/**
 * Options of {@link importJwk}, {@link importJwks} and {@link jwksKeys}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type JwkOptions, jwksKeys } from "./jwk.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const options: JwkOptions = { algorithms: ["ES256"] };
 * const set = { keys: [await crypto.subtle.exportKey("jwk", publicKey)] };
 * await assert.rejects(jwksKeys(set, options), { code: "no_usable_key" }); // EdDSA is not allowed
 * ```
 */
export interface JwkOptions {
  /** The algorithm of RSA keys without an `alg` member (default `"RS256"`). */
  readonly rsaAlgorithm?: PublicKeyAlgorithm;
  /** The algorithms accepted; keys of others are refused or skipped (default: every public-key algorithm). */
  readonly algorithms?: readonly PublicKeyAlgorithm[];
}

/**
 * The keys {@link importJwks} could use, and how many entries it had to skip.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ImportedJwks, importJwks } from "./jwk.ts";
 * const imported: ImportedJwks = await importJwks({ keys: [] });
 * assert.deepEqual(imported, { keys: [], skipped: 0 });
 * ```
 */
export interface ImportedJwks {
  /** One verification key per usable entry, in the set's order. */
  readonly keys: readonly VerificationKey[];
  /** Entries skipped: private, symmetric, encryption-only, unsupported, too weak or malformed. */
  readonly skipped: number;
}

const JWK_OPTIONS = v.strictObject(JWK_OPTION_ENTRIES);
type ParsedOptions = v.InferOutput<typeof JWK_OPTIONS>;

const CURVES: Readonly<Record<string, PublicKeyAlgorithm>> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };
// More keys than this in one set is not a rotation, it is an attack on start-up time.
const MAX_KEYS = 100;

/**
 * Imports one public JWK for one algorithm.
 *
 * @param jwk The JWK, as parsed JSON.
 * @param options The RSA default algorithm and the accepted algorithms.
 * @returns The key, with the JWK's `kid` when it has one.
 * @throws {KeyError} Saying why the JWK cannot be used (never its contents):
 *   `malformed_jwk`, `invalid_kid`, `private_key`, `symmetric_key`,
 *   `not_for_verifying`, `unsupported_key_type`, `unsupported_curve`,
 *   `unsupported_alg`, `alg_mismatch`, `alg_not_allowed`, `rsa_too_small`
 *   or `web_crypto_refused`.
 * @throws {TypeError} Naming the option, if an option is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importJwk } from "./jwk.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const key = await importJwk({ ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "ed-1" });
 * assert.equal(key.alg, "EdDSA");
 * assert.equal(key.kid, "ed-1");
 * ```
 */
export async function importJwk(jwk: unknown, options: JwkOptions = {}): Promise<VerificationKey> {
  return await importDescribed(describe(jwk, parseOptions("importJwk", JWK_OPTIONS, options)));
}

/**
 * Imports the usable keys of a JWK Set, skipping (and counting) the rest,
 * as issuers publish encryption keys and algorithms lobby does not verify
 * beside their signing keys. Keys are reused from `previous` when an entry
 * is unchanged, so a refresh imports only new keys and a key that stays in
 * the set stays the same object (which keeps verified-token cache entries).
 *
 * @param jwks The set, as parsed JSON: an object with a `keys` array.
 * @param options The RSA default algorithm and the accepted algorithms.
 * @param previous Keys imported before, by a string that describes each
 *   entry's key, algorithm and kid; updated in place to this set's keys.
 * @returns The keys and the number of skipped entries.
 * @throws {KeyError} `no_keys_array` if `jwks` is not an object with a `keys` array.
 * @throws {TypeError} Naming the option, if an option is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importJwks } from "./jwk.ts";
 * const { keys, skipped } = await importJwks({ keys: [{ kty: "oct", k: "c2VjcmV0" }] });
 * assert.equal(keys.length, 0);
 * assert.equal(skipped, 1); // symmetric keys do not belong in a JWK Set
 * ```
 */
export async function importJwks(
  jwks: unknown,
  options: JwkOptions = {},
  previous?: Map<string, VerificationKey>,
): Promise<ImportedJwks> {
  return await importSet(jwks, parseOptions("importJwks", JWK_OPTIONS, options), previous, "importJwks");
}

/**
 * A key set over a JWK Set given inline, such as the `JWT_JWKS` variable.
 * Unusable entries are skipped as {@link importJwks} does; a set with no
 * usable key at all is refused.
 *
 * @param jwks The set: JSON text or the parsed object.
 * @param options The RSA default algorithm and the accepted algorithms.
 * @returns A key set allowing the algorithms of its keys.
 * @throws {KeyError} `not_json`, `no_keys_array` or `no_usable_key`; the
 *   message never contains the keys.
 * @throws {TypeError} Naming the option, if an option is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jwksKeys } from "./jwk.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const keys = await jwksKeys({ keys: [{ ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "es-1" }] });
 * assert.ok(keys.algorithms.has("ES256"));
 * await assert.rejects(jwksKeys("{"), { code: "not_json", message: "jwksKeys: the JWK Set is not valid JSON" });
 * ```
 */
export async function jwksKeys(jwks: string | object, options: JwkOptions = {}): Promise<KeySet> {
  const parsedOptions = parseOptions("jwksKeys", JWK_OPTIONS, options);
  let parsed: unknown = jwks;
  if (typeof jwks === "string") {
    try {
      parsed = JSON.parse(jwks);
    } catch {
      throw new KeyError("jwksKeys", "not_json", "the JWK Set is not valid JSON");
    }
  }
  const imported = await importSet(parsed, parsedOptions, undefined, "jwksKeys");
  if (imported.keys.length === 0) {
    throw new KeyError("jwksKeys", "no_usable_key", "the JWK Set has no usable public signature key");
  }
  return keySetOf(imported.keys);
}

// importJwks with its options checked, for the public functions that take a set.
async function importSet(
  jwks: unknown,
  options: ParsedOptions,
  previous: Map<string, VerificationKey> | undefined,
  where: string,
): Promise<ImportedJwks> {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new KeyError(where, "no_keys_array", "a JWK Set must be a JSON object with a keys array");
  }
  const entries = (jwks as { keys: unknown[] }).keys;
  const keys: VerificationKey[] = [];
  const seen = new Map<string, VerificationKey>();
  let skipped = 0;
  for (const entry of entries) {
    if (keys.length === MAX_KEYS) {
      skipped++;
      continue;
    }
    let described: Described;
    try {
      described = describe(entry, options);
    } catch {
      skipped++;
      continue;
    }
    if (seen.has(described.fingerprint)) continue; // the same key twice is one key
    let key = previous?.get(described.fingerprint);
    if (key === undefined) {
      try {
        key = await importDescribed(described);
      } catch {
        skipped++;
        continue;
      }
    }
    seen.set(described.fingerprint, key);
    keys.push(key);
  }
  if (previous !== undefined) {
    previous.clear();
    for (const [fingerprint, key] of seen) previous.set(fingerprint, key);
  }
  return { keys, skipped };
}

// A JWK judged, before any Web Crypto call.
interface Described {
  readonly alg: PublicKeyAlgorithm;
  readonly kid: string | undefined;
  // Only the members that define the public key.
  readonly members: JsonWebKey;
  // Equal for two JWKs exactly when they import as the same key with the same alg and kid.
  readonly fingerprint: string;
}

async function importDescribed({ alg, kid, members }: Described): Promise<VerificationKey> {
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", members, SIGNATURE_ALGORITHMS[alg], false, ["verify"]);
  } catch {
    throw refuse("web_crypto_refused", `Web Crypto refused the ${alg} key`);
  }
  // webCryptoKey checks the key against its algorithm (curve, hash, RSA size).
  return webCryptoKey(kid === undefined ? { alg, key } : { alg, kid, key }, "importJwk");
}

// Decides the algorithm and picks out the public members, or says why not.
function describe(jwk: unknown, options: ParsedOptions): Described {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) throw refuse("malformed_jwk", "a JWK must be an object");
  const record = jwk as Record<string, unknown>;
  const member = (name: string): unknown => (Object.hasOwn(record, name) ? record[name] : undefined);
  const kty = member("kty");
  const kid = member("kid");
  const use = member("use");
  const keyOps = member("key_ops");
  const declared = member("alg");
  if (kid !== undefined && (typeof kid !== "string" || kid === "")) throw refuse("invalid_kid", "kid must be a non-empty string");
  if (use !== undefined && use !== "sig") throw refuse("not_for_verifying", "use must be sig");
  if (keyOps !== undefined && (!Array.isArray(keyOps) || !keyOps.includes("verify"))) {
    throw refuse("not_for_verifying", "key_ops must include verify");
  }
  if (kty === "oct") throw refuse("symmetric_key", "symmetric keys are not accepted from a JWK Set: configure a secret");
  if (member("d") !== undefined) throw refuse("private_key", "the JWK holds a private key");

  let alg: PublicKeyAlgorithm;
  let members: JsonWebKey;
  if (kty === "RSA") {
    members = { kty, n: text(member("n"), "n"), e: text(member("e"), "e") };
    alg = declaredAlgorithm(declared ?? options.rsaAlgorithm);
    if (!SIGNATURE_ALGORITHMS[alg].name.startsWith("RSA")) throw refuse("alg_mismatch", `alg ${alg} does not fit an RSA key`);
  } else if (kty === "EC") {
    const crv = member("crv");
    const fixed = typeof crv === "string" && Object.hasOwn(CURVES, crv) ? CURVES[crv] : undefined;
    if (fixed === undefined) throw refuse("unsupported_curve", "EC keys must be on P-256, P-384 or P-521");
    members = { kty, crv: crv as string, x: text(member("x"), "x"), y: text(member("y"), "y") };
    alg = declared === undefined ? fixed : declaredAlgorithm(declared);
    if (alg !== fixed) throw refuse("alg_mismatch", `alg ${alg} does not fit a ${String(crv)} key`);
  } else if (kty === "OKP") {
    if (member("crv") !== "Ed25519") throw refuse("unsupported_key_type", "OKP keys must be Ed25519");
    members = { kty, crv: "Ed25519", x: text(member("x"), "x") };
    alg = declared === undefined ? "EdDSA" : declaredAlgorithm(declared);
    if (alg !== "EdDSA") throw refuse("alg_mismatch", `alg ${alg} does not fit an Ed25519 key`);
  } else {
    throw refuse("unsupported_key_type", "kty must be RSA, EC or OKP");
  }
  if (!options.algorithms.includes(alg)) throw refuse("alg_not_allowed", `alg ${alg} is not allowed`);
  const fingerprint = JSON.stringify([alg, kid ?? null, kty, members.crv ?? "", members.n ?? "", members.e ?? "", members.x ?? "", members.y ?? ""]);
  return { alg, kid: kid as string | undefined, members, fingerprint };
}

function declaredAlgorithm(alg: unknown): PublicKeyAlgorithm {
  if (!isJwtAlgorithm(alg) || !PUBLIC_KEY_ALGORITHMS.includes(alg as PublicKeyAlgorithm)) {
    // An HS alg on a public key is the confusion RFC 8725 §2.1 warns of.
    throw refuse("unsupported_alg", "alg must be a supported public-key algorithm");
  }
  return alg as PublicKeyAlgorithm;
}

// Web Crypto checks the base64url itself; only the type is checked here.
function text(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw refuse("malformed_jwk", `${name} must be a non-empty string`);
  return value;
}

// A JWK's problems are only ever shown by importJwk: importJwks and
// jwksKeys skip the entry and count it.
function refuse(code: KeyProblem, detail: string): KeyError {
  return new KeyError("importJwk", code, detail);
}
