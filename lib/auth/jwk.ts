/**
 * JSON Web Keys (RFC 7517) as verification keys: one public JWK, or a whole
 * JWK Set given inline. The remote JWKS in `jwks.ts` imports its entries
 * with {@link importJwks} too.
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
import {
  isJwtAlgorithm,
  PUBLIC_KEY_ALGORITHMS,
  type PublicKeyAlgorithm,
  SIGNATURE_ALGORITHMS,
  type KeySet,
  staticKeys,
  type VerificationKey,
} from "./keys.ts";

/** Options of {@link importJwk}, {@link importJwks} and {@link jwksKeys}. */
export interface JwkOptions {
  /** The algorithm of RSA keys without an `alg` member (default `"RS256"`). */
  readonly rsaAlgorithm?: PublicKeyAlgorithm;
  /** The algorithms accepted; keys of others are skipped (default: every public-key algorithm). */
  readonly algorithms?: readonly PublicKeyAlgorithm[];
}

/** The keys {@link importJwks} could use, and how many entries it had to skip. */
export interface ImportedJwks {
  /** One verification key per usable entry, in the set's order. */
  readonly keys: readonly VerificationKey[];
  /** Entries skipped: private, symmetric, encryption-only, unsupported, too weak or malformed. */
  readonly skipped: number;
}

const _CURVES: Readonly<Record<string, PublicKeyAlgorithm>> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };
// More keys than this in one set is not a rotation, it is an attack on start-up time.
const _MAX_KEYS = 100;

/**
 * Imports one public JWK for one algorithm.
 *
 * @param jwk The JWK, as parsed JSON.
 * @param options The RSA default algorithm and the accepted algorithms.
 * @returns The key, with the JWK's `kid` when it has one.
 * @throws {TypeError} Saying why the JWK cannot be used (never its contents):
 *   not an object, a private or symmetric key, `use` other than `sig`,
 *   `key_ops` without `verify`, an unsupported `kty`, curve or `alg`, an
 *   `alg` that does not fit the key, an RSA key under 2048 bits, or members
 *   Web Crypto refuses.
 *
 * @example
 * ```ts
 * import { importJwk } from "./jwk.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const key = await importJwk({ ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "ed-1" });
 * key.alg; // "EdDSA"
 * ```
 */
export async function importJwk(jwk: unknown, options: JwkOptions = {}): Promise<VerificationKey> {
  const { alg, members, kid } = _describe(jwk, options);
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", members, SIGNATURE_ALGORITHMS[alg], false, ["verify"]);
  } catch {
    throw new TypeError(`importJwk: Web Crypto refused the ${alg} key`);
  }
  const entry: VerificationKey = kid === undefined ? { alg, key } : { alg, kid, key };
  // staticKeys checks the key against its algorithm (curve, hash, RSA size).
  try {
    staticKeys([entry]);
  } catch (error) {
    throw new TypeError(`importJwk: ${(error as Error).message.replace(/^staticKeys: /, "")}`);
  }
  return entry;
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
 * @param previous Keys imported before, by {@link jwkFingerprint}; updated in place.
 * @returns The keys and the number of skipped entries.
 * @throws {TypeError} If `jwks` is not an object with a `keys` array.
 *
 * @example
 * ```ts
 * import { importJwks } from "./jwk.ts";
 * const { keys, skipped } = await importJwks({ keys: [{ kty: "oct", k: "c2VjcmV0" }] });
 * keys.length; // 0
 * skipped; // 1: symmetric keys do not belong in a JWKS
 * ```
 */
export async function importJwks(
  jwks: unknown,
  options: JwkOptions = {},
  previous?: Map<string, VerificationKey>,
): Promise<ImportedJwks> {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw new TypeError("importJwks: a JWK Set must be a JSON object with a keys array");
  }
  const entries = (jwks as { keys: unknown[] }).keys;
  const keys: VerificationKey[] = [];
  const seen = new Map<string, VerificationKey>();
  let skipped = 0;
  for (const entry of entries) {
    if (keys.length === _MAX_KEYS) {
      skipped++;
      continue;
    }
    let fingerprint: string;
    try {
      fingerprint = jwkFingerprint(entry, options);
    } catch {
      skipped++;
      continue;
    }
    if (seen.has(fingerprint)) continue; // the same key twice is one key
    let key = previous?.get(fingerprint);
    if (key === undefined) {
      try {
        key = await importJwk(entry, options);
      } catch {
        skipped++;
        continue;
      }
    }
    seen.set(fingerprint, key);
    keys.push(key);
  }
  if (previous !== undefined) {
    previous.clear();
    for (const [fingerprint, key] of seen) previous.set(fingerprint, key);
  }
  return { keys, skipped };
}

/**
 * A string that is equal for two JWKs exactly when they would import as the
 * same key with the same algorithm and `kid`.
 *
 * @param jwk The JWK, as parsed JSON.
 * @param options As for {@link importJwk}.
 * @returns The fingerprint (the public members, not a secret).
 * @throws {TypeError} As {@link importJwk} does for a JWK it cannot describe.
 *
 * @example
 * ```ts
 * import { jwkFingerprint } from "./jwk.ts";
 * jwkFingerprint({ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "a" });
 * ```
 */
export function jwkFingerprint(jwk: unknown, options: JwkOptions = {}): string {
  const { alg, members, kid } = _describe(jwk, options);
  return JSON.stringify([alg, kid ?? null, members.kty, members.crv ?? "", members.n ?? "", members.e ?? "", members.x ?? "", members.y ?? ""]);
}

/**
 * A key set over a JWK Set given inline, such as the `JWT_JWKS` variable.
 * Unusable entries are skipped as {@link importJwks} does; a set with no
 * usable key at all is refused.
 *
 * @param jwks The set: JSON text or the parsed object.
 * @param options The RSA default algorithm and the accepted algorithms.
 * @returns A key set allowing the algorithms of its keys.
 * @throws {TypeError} If the text is not JSON, the set has no `keys` array,
 *   or no entry is usable. Messages never contain the keys.
 *
 * @example
 * ```ts
 * import { jwksKeys } from "./jwk.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const keys = await jwksKeys({ keys: [{ ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "es-1" }] });
 * keys.algorithms.has("ES256"); // true
 * ```
 */
export async function jwksKeys(jwks: string | object, options: JwkOptions = {}): Promise<KeySet> {
  let parsed: unknown = jwks;
  if (typeof jwks === "string") {
    try {
      parsed = JSON.parse(jwks);
    } catch {
      throw new TypeError("jwksKeys: the JWK Set is not valid JSON");
    }
  }
  let imported: ImportedJwks;
  try {
    imported = await importJwks(parsed, options);
  } catch (error) {
    throw new TypeError((error as Error).message.replace(/^importJwks: /, "jwksKeys: "));
  }
  if (imported.keys.length === 0) {
    throw new TypeError("jwksKeys: the JWK Set has no usable public signature key");
  }
  return staticKeys(imported.keys);
}

interface _Described {
  readonly alg: PublicKeyAlgorithm;
  readonly kid: string | undefined;
  readonly members: JsonWebKey;
}

// Decides the algorithm and picks out the public members, or says why not.
function _describe(jwk: unknown, options: JwkOptions): _Described {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) throw _refuse("a JWK must be an object");
  const record = jwk as Record<string, unknown>;
  const member = (name: string): unknown => (Object.hasOwn(record, name) ? record[name] : undefined);
  const kty = member("kty");
  const kid = member("kid");
  const use = member("use");
  const keyOps = member("key_ops");
  const declared = member("alg");
  if (kid !== undefined && (typeof kid !== "string" || kid === "")) throw _refuse("kid must be a non-empty string");
  if (use !== undefined && use !== "sig") throw _refuse("use must be sig");
  if (keyOps !== undefined && (!Array.isArray(keyOps) || !keyOps.includes("verify"))) {
    throw _refuse("key_ops must include verify");
  }
  if (kty === "oct") throw _refuse("symmetric keys are not accepted from a JWK Set: configure a secret");
  if (member("d") !== undefined) throw _refuse("the JWK holds a private key");

  let alg: PublicKeyAlgorithm;
  let members: JsonWebKey;
  if (kty === "RSA") {
    members = { kty, n: _text(member("n"), "n"), e: _text(member("e"), "e") };
    alg = _declared(declared ?? options.rsaAlgorithm ?? "RS256");
    if (SIGNATURE_ALGORITHMS[alg].name !== "RSASSA-PKCS1-v1_5" && SIGNATURE_ALGORITHMS[alg].name !== "RSA-PSS") {
      throw _refuse(`alg ${alg} does not fit an RSA key`);
    }
  } else if (kty === "EC") {
    const crv = member("crv");
    const fixed = typeof crv === "string" && Object.hasOwn(_CURVES, crv) ? _CURVES[crv] : undefined;
    if (fixed === undefined) throw _refuse("EC keys must be on P-256, P-384 or P-521");
    members = { kty, crv: crv as string, x: _text(member("x"), "x"), y: _text(member("y"), "y") };
    alg = declared === undefined ? fixed : _declared(declared);
    if (alg !== fixed) throw _refuse(`alg ${alg} does not fit a ${String(crv)} key`);
  } else if (kty === "OKP") {
    if (member("crv") !== "Ed25519") throw _refuse("OKP keys must be Ed25519");
    members = { kty, crv: "Ed25519", x: _text(member("x"), "x") };
    alg = declared === undefined ? "EdDSA" : _declared(declared);
    if (alg !== "EdDSA") throw _refuse(`alg ${alg} does not fit an Ed25519 key`);
  } else {
    throw _refuse("kty must be RSA, EC or OKP");
  }
  const allowed = options.algorithms ?? PUBLIC_KEY_ALGORITHMS;
  if (!allowed.includes(alg)) throw _refuse(`alg ${alg} is not allowed`);
  return { alg, kid: kid as string | undefined, members };
}

function _declared(alg: unknown): PublicKeyAlgorithm {
  if (!isJwtAlgorithm(alg) || !PUBLIC_KEY_ALGORITHMS.includes(alg as PublicKeyAlgorithm)) {
    // An HS alg on a public key is the confusion RFC 8725 §2.1 warns of.
    throw _refuse("alg must be a supported public-key algorithm");
  }
  return alg as PublicKeyAlgorithm;
}

// Web Crypto checks the base64url itself; only the type is checked here.
function _text(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw _refuse(`${name} must be a non-empty string`);
  return value;
}

function _refuse(why: string): TypeError {
  return new TypeError(`importJwk: ${why}`);
}
