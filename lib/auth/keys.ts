/**
 * Verification keys for JWTs: which key may check which token.
 *
 * The verifier in `auth.ts` knows only {@link KeySet}: it asks a set which
 * algorithms it allows and which keys are candidates for a token's header,
 * and looks up the Web Crypto parameters of an algorithm in
 * {@link SIGNATURE_ALGORITHMS}. Each kind of key source is a function that
 * returns a `KeySet`: a secret and imported keys here, PEM public keys in
 * `pem.ts`, an inline JWKS in `jwk.ts`, a remote JWKS in `jwks.ts`; the
 * verifier and the handler do not change for a new one.
 *
 * Every key carries its algorithm, and a token's `alg` selects only keys of
 * exactly that algorithm (RFC 8725 §3.1), so `none`, an unknown algorithm or
 * an RS token against an HMAC secret can never verify.
 *
 * @module
 */
import { type Hs256Verifier, hs256Verifier } from "./_hmac.ts";

/**
 * A JWS algorithm lobby can verify (RFC 7518 §3.1, RFC 8037 §3.1). Widening
 * this union means adding its row to {@link SIGNATURE_ALGORITHMS}, which the
 * compiler then demands. ES512 (P-521) is included because Web Crypto on
 * Node.js 20, Deno 2.9 and Bun 1.4 all verify it; EdDSA means Ed25519 only.
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

/** An HMAC algorithm: the ones a shared secret can serve. */
export type HmacAlgorithm = "HS256" | "HS384" | "HS512";

/** An asymmetric algorithm: the ones a public key (PEM or JWK) can serve. */
export type PublicKeyAlgorithm = Exclude<JwtAlgorithm, HmacAlgorithm>;

/**
 * The Web Crypto parameters of one JWS algorithm. The same object is given
 * to `crypto.subtle.importKey` and `crypto.subtle.verify`; Web Crypto reads
 * the members each operation needs and ignores the others.
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
 * import { SIGNATURE_ALGORITHMS } from "./keys.ts";
 * SIGNATURE_ALGORITHMS.HS384; // { name: "HMAC", hash: "SHA-384", signatureBytes: 48 }
 * SIGNATURE_ALGORITHMS.ES256.namedCurve; // "P-256"
 * ```
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<JwtAlgorithm, SignatureParams>> = _freezeRows({
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
 * Every public-key algorithm, in {@link SIGNATURE_ALGORITHMS} order: the
 * default allow-list of a JWKS.
 *
 * @example
 * ```ts
 * import { PUBLIC_KEY_ALGORITHMS } from "./keys.ts";
 * PUBLIC_KEY_ALGORITHMS.includes("EdDSA"); // true
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

// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3 and §3.5).
const _MIN_RSA_BITS = 2048;

/**
 * Whether a value names a {@link JwtAlgorithm}; `"none"`, `"hs256"` and
 * anything else lobby cannot verify are not.
 *
 * @example
 * ```ts
 * import { isJwtAlgorithm } from "./keys.ts";
 * isJwtAlgorithm("ES512"); // true
 * isJwtAlgorithm("none"); // false
 * ```
 */
export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === "string" && Object.hasOwn(SIGNATURE_ALGORITHMS, value);
}

/** The header fields a key set selects keys by. */
export interface KeyQuery {
  /** The token's `alg`, already known to be one the set allows. */
  readonly alg: JwtAlgorithm;
  /** The token's `kid`, if it has one. */
  readonly kid?: string;
}

/** One imported key, bound to exactly one algorithm. */
export interface VerificationKey {
  /** The only algorithm this key verifies. */
  readonly alg: JwtAlgorithm;
  /** The key id; see {@link staticKeys} for how it is matched. */
  readonly kid?: string;
  /** A Web Crypto key with the `verify` usage. */
  readonly key: CryptoKey;
}

/**
 * Why a key source reported a problem, as stable codes (never key material
 * or token text):
 *
 * - `jwks_unreachable`: the JWKS could not be fetched (refused, DNS, TLS, a redirect).
 * - `jwks_timeout`: the issuer took longer than the fetch timeout.
 * - `jwks_http_error`: the issuer answered with a status other than 200.
 * - `jwks_too_large`: the response was larger than the size cap.
 * - `jwks_invalid`: the response was not a JSON object with a `keys` array.
 * - `jwks_key_skipped`: an entry of the set could not be used (private,
 *   symmetric, unsupported, too weak or malformed); the others were.
 */
export type KeySetEventReason =
  | "jwks_unreachable"
  | "jwks_timeout"
  | "jwks_http_error"
  | "jwks_too_large"
  | "jwks_invalid"
  | "jwks_key_skipped";

/** Something a key source wants an operator to know, such as a failed JWKS refresh. */
export interface KeySetEvent {
  /** The stable code. */
  readonly reason: KeySetEventReason;
  /** Where: a JWKS URL without query or credentials, or `"inline"`. */
  readonly source: string;
  /** For `jwks_http_error`, the status; for `jwks_key_skipped`, how many entries. */
  readonly detail?: number;
}

/**
 * Where the verifier gets its keys. `algorithms` is the allow-list: the set
 * never returns a key of another algorithm, and the verifier rejects a token
 * whose `alg` is not in it before asking for candidates.
 *
 * @example
 * ```ts
 * import type { KeySet } from "./keys.ts";
 * const nothing: KeySet = { algorithms: new Set(), candidates: () => [] };
 * ```
 */
export interface KeySet {
  /** Every algorithm this set may ever return keys for. */
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  /**
   * The keys to try for a token, most specific first; empty when none fits.
   * May be asynchronous (a remote JWKS). The verifier calls it again on a
   * verified-token cache hit and accepts the cached token only if the key
   * that verified it is still among the candidates, so a key removed from
   * the set (rotation) stops its tokens at once.
   */
  candidates(query: KeyQuery): Promise<readonly VerificationKey[]> | readonly VerificationKey[];
  /**
   * Optional: registers a listener for the set's problems (a remote JWKS
   * that cannot be refreshed). The handler passes them to its `log`.
   */
  watch?(listener: (event: KeySetEvent) => void): void;
}

/** Options of {@link secretKeys}. */
export interface SecretKeysOptions {
  /** The HMAC algorithms the secret may verify; default all three. */
  readonly algorithms?: readonly HmacAlgorithm[];
  /** A key id: when set, only tokens with this `kid` match. */
  readonly kid?: string;
}

const _HMAC_ALGORITHMS: readonly HmacAlgorithm[] = ["HS256", "HS384", "HS512"];
const _NO_KEYS: readonly VerificationKey[] = Object.freeze([]);

/**
 * A key set over one shared secret, imported once per HMAC algorithm. The
 * three share a key type, so allowing all of them opens no confusion; pass
 * `algorithms` to allow fewer. A string secret is used as its UTF-8 bytes.
 * RFC 7518 §3.2 asks for a secret at least as long as the hash (32, 48 or
 * 64 bytes); that is the caller's to choose, only an empty one is refused.
 *
 * @param secret The shared secret; never copied into any message.
 * @param options Allowed algorithms and an optional key id.
 * @returns A key set for {@link createVerifier} in `auth.ts`.
 * @throws {TypeError} If the secret is empty or not a string or Uint8Array,
 *   an algorithm is not HS256/HS384/HS512, or `kid` is not a non-empty string.
 *
 * @example
 * ```ts
 * import { secretKeys } from "./keys.ts";
 * const keys = await secretKeys("a-long-random-secret-of-32-bytes!", { algorithms: ["HS256"] });
 * keys.algorithms.has("HS256"); // true
 * ```
 */
export async function secretKeys(secret: string | Uint8Array, options: SecretKeysOptions = {}): Promise<KeySet> {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new TypeError("secretKeys: the secret must be a non-empty string or Uint8Array");
  }
  const algorithms: readonly HmacAlgorithm[] = options.algorithms ?? _HMAC_ALGORITHMS;
  if (!Array.isArray(algorithms as unknown) || algorithms.length === 0) {
    throw new TypeError("secretKeys: algorithms must be a non-empty list of HS256, HS384, HS512");
  }
  for (const alg of algorithms) {
    if (!_HMAC_ALGORITHMS.includes(alg)) {
      throw new TypeError(`secretKeys: algorithms must be HS256, HS384 or HS512, not ${String(alg)}`);
    }
  }
  const kid = options.kid;
  if (kid !== undefined && (typeof kid !== "string" || kid === "")) {
    throw new TypeError("secretKeys: kid must be a non-empty string");
  }
  const keys = await Promise.all(
    [...new Set(algorithms)].map(async (alg): Promise<VerificationKey> => {
      const params = SIGNATURE_ALGORITHMS[alg];
      const key = await crypto.subtle.importKey(
        "raw",
        // BufferSource wants an ArrayBuffer-backed view (TS 5.7+); importKey copies it.
        bytes as Uint8Array<ArrayBuffer>,
        { name: "HMAC", hash: params.hash },
        false,
        ["verify"],
      );
      if (alg === "HS256") _hs256Verifiers.set(key, hs256Verifier(bytes));
      return kid === undefined ? { alg, key } : { alg, kid, key };
    }),
  );
  return staticKeys(keys);
}

// HS256 keys made by secretKeys, checked in JavaScript (see hmac.ts). Keyed
// by the CryptoKey, so a key removed from every set is forgotten here too.
const _hs256Verifiers = new WeakMap<CryptoKey, Hs256Verifier>();

/**
 * The synchronous HS256 check of a key made by {@link secretKeys}, if it is
 * one. Internal: `auth.ts` uses it instead of `crypto.subtle.verify`.
 *
 * @example
 * ```ts
 * import { _hs256Verifier, secretKeys } from "./keys.ts";
 * const keys = await secretKeys("a secret of at least thirty-two bytes!", { algorithms: ["HS256"] });
 * const [candidate] = await keys.candidates({ alg: "HS256" });
 * _hs256Verifier(candidate!.key) !== undefined; // true
 * ```
 */
export function _hs256Verifier(key: CryptoKey): Hs256Verifier | undefined {
  return _hs256Verifiers.get(key);
}

/**
 * A key set over keys imported elsewhere: the building block of every set.
 *
 * The `kid` rule: a key with a kid matches only tokens carrying that exact
 * kid; a key without a kid matches tokens with any kid or none. Candidates
 * with a matching kid come first. Lookups allocate nothing per token.
 *
 * @param keys Keys with their algorithm and optional kid.
 * @returns A key set allowing exactly the keys' algorithms.
 * @throws {TypeError} If a key's algorithm is unknown, its kid is not a
 *   non-empty string, or its CryptoKey does not fit the algorithm or cannot verify.
 *
 * @example
 * ```ts
 * import { staticKeys } from "./keys.ts";
 * const key = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
 * const keys = staticKeys([{ alg: "HS256", kid: "2026-01", key }]);
 * keys.candidates({ alg: "HS256", kid: "2026-01" }).length; // 1
 * ```
 */
export function staticKeys(keys: readonly VerificationKey[]): KeySet {
  const groups = new Map<JwtAlgorithm, { unnamed: VerificationKey[]; named: Map<string, VerificationKey[]> }>();
  for (const entry of keys) {
    _assertFits(entry);
    let group = groups.get(entry.alg);
    if (group === undefined) {
      group = { unnamed: [], named: new Map() };
      groups.set(entry.alg, group);
    }
    if (entry.kid === undefined) {
      group.unnamed.push(entry);
    } else {
      const list = group.named.get(entry.kid) ?? [];
      list.push(entry);
      group.named.set(entry.kid, list);
    }
  }
  // Keys without a kid also serve tokens with a kid: append them once, here.
  for (const group of groups.values()) {
    Object.freeze(group.unnamed);
    for (const list of group.named.values()) {
      list.push(...group.unnamed);
      Object.freeze(list);
    }
  }
  return {
    algorithms: new Set(groups.keys()),
    candidates({ alg, kid }) {
      const group = groups.get(alg);
      if (group === undefined) return _NO_KEYS;
      if (kid === undefined) return group.unnamed;
      return group.named.get(kid) ?? group.unnamed;
    },
  };
}

/**
 * Several key sets as one, such as a secret during a move to public keys.
 * Candidates come from each set in order.
 *
 * @param sets The key sets to combine.
 * @returns A key set allowing every algorithm any of them allows.
 *
 * @example
 * ```ts
 * import { combineKeySets, secretKeys } from "./keys.ts";
 * const keys = combineKeySets(
 *   await secretKeys("old-secret-old-secret-old-secret", { kid: "old" }),
 *   await secretKeys("new-secret-new-secret-new-secret", { kid: "new" }),
 * );
 * ```
 */
export function combineKeySets(...sets: readonly KeySet[]): KeySet {
  const algorithms = new Set<JwtAlgorithm>();
  for (const set of sets) for (const alg of set.algorithms) algorithms.add(alg);
  return {
    algorithms,
    candidates(query) {
      // Synchronous sets answer synchronously, and a single contributing set
      // answers without a copy: this runs on every verified-token cache hit.
      let found: readonly VerificationKey[] | undefined;
      let pending: Array<Promise<readonly VerificationKey[]> | readonly VerificationKey[]> | undefined;
      for (const set of sets) {
        if (!set.algorithms.has(query.alg)) continue;
        const keys = set.candidates(query);
        if (pending !== undefined) pending.push(keys);
        else if (!Array.isArray(keys)) pending = [found ?? _NO_KEYS, keys];
        else if (keys.length === 0) continue;
        else found = found === undefined ? keys : [...found, ...keys];
      }
      if (pending === undefined) return found ?? _NO_KEYS;
      return Promise.all(pending).then((lists) => lists.flat());
    },
    watch(listener) {
      for (const set of sets) set.watch?.(listener);
    },
  };
}

function _assertFits(entry: VerificationKey): void {
  if (!isJwtAlgorithm(entry.alg)) {
    throw new TypeError(`staticKeys: unsupported algorithm ${String(entry.alg)}`);
  }
  const params = SIGNATURE_ALGORITHMS[entry.alg];
  if (entry.kid !== undefined && (typeof entry.kid !== "string" || entry.kid === "")) {
    throw new TypeError("staticKeys: kid must be a non-empty string");
  }
  const algorithm = entry.key.algorithm as KeyAlgorithm & {
    readonly hash?: KeyAlgorithm;
    readonly namedCurve?: string;
    readonly modulusLength?: number;
  };
  if (
    algorithm.name !== params.name ||
    (algorithm.hash !== undefined && algorithm.hash.name !== params.hash) ||
    (params.namedCurve !== undefined && algorithm.namedCurve !== params.namedCurve) ||
    entry.key.type === "private" ||
    !entry.key.usages.includes("verify")
  ) {
    throw new TypeError(`staticKeys: the key for ${entry.alg} is not a ${params.name} verification key`);
  }
  if (algorithm.modulusLength !== undefined && algorithm.modulusLength < _MIN_RSA_BITS) {
    throw new TypeError(`staticKeys: the key for ${entry.alg} has fewer than ${_MIN_RSA_BITS} bits`);
  }
}

// The verifier trusts this table: nothing may change it at run time.
function _freezeRows<T extends Record<string, object>>(table: T): Readonly<T> {
  for (const row of Object.values(table)) Object.freeze(row);
  return Object.freeze(table);
}
