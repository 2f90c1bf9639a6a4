/**
 * Verification keys for JWTs: which key may check which token.
 *
 * The verifier in `auth.ts` knows only {@link KeySet}: it asks a set which
 * algorithms it allows and which keys are candidates for a token's header,
 * and looks up the Web Crypto parameters of an algorithm in
 * {@link SIGNATURE_ALGORITHMS}. New kinds of key (PEM or JWK public keys, a
 * remote JWKS with a cache) are new functions here that return a `KeySet`;
 * the verifier and the handler do not change.
 *
 * Every key carries its algorithm, and a token's `alg` selects only keys of
 * exactly that algorithm (RFC 8725 §3.1), so `none`, an unknown algorithm or
 * an RS token against an HMAC secret can never verify.
 *
 * @module
 */

/**
 * A JWS algorithm lobby can verify (RFC 7518 §3.1). Widening this union
 * means adding its row to {@link SIGNATURE_ALGORITHMS}, which the compiler
 * then demands.
 */
export type JwtAlgorithm = "HS256" | "HS384" | "HS512";

/** An HMAC algorithm: the ones a shared secret can serve. */
export type HmacAlgorithm = "HS256" | "HS384" | "HS512";

/** The Web Crypto parameters that verify one JWS algorithm. */
export interface SignatureParams {
  /** The Web Crypto algorithm name, equal to the imported key's `algorithm.name`. */
  readonly name: string;
  /** The digest; an imported key that names a hash must name this one. */
  readonly hash?: string;
  /** RSA-PSS salt length in bytes (unused by HMAC). */
  readonly saltLength?: number;
}

/**
 * How each {@link JwtAlgorithm} is verified with `crypto.subtle.verify`.
 *
 * @example
 * ```ts
 * import { SIGNATURE_ALGORITHMS } from "./keys.ts";
 * SIGNATURE_ALGORITHMS.HS384; // { name: "HMAC", hash: "SHA-384" }
 * ```
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<JwtAlgorithm, SignatureParams>> = {
  HS256: { name: "HMAC", hash: "SHA-256" },
  HS384: { name: "HMAC", hash: "SHA-384" },
  HS512: { name: "HMAC", hash: "SHA-512" },
};

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
   * May be asynchronous (a remote JWKS); rejects only when the source fails.
   */
  candidates(query: KeyQuery): Promise<readonly VerificationKey[]> | readonly VerificationKey[];
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
      return kid === undefined ? { alg, key } : { alg, kid, key };
    }),
  );
  return staticKeys(keys);
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
    async candidates(query) {
      const found = await Promise.all(sets.map((set) => (set.algorithms.has(query.alg) ? set.candidates(query) : _NO_KEYS)));
      return found.flat();
    },
  };
}

function _assertFits(entry: VerificationKey): void {
  const params: SignatureParams | undefined = Object.hasOwn(SIGNATURE_ALGORITHMS, entry.alg)
    ? SIGNATURE_ALGORITHMS[entry.alg]
    : undefined;
  if (params === undefined) {
    throw new TypeError(`staticKeys: unsupported algorithm ${String(entry.alg)}`);
  }
  if (entry.kid !== undefined && (typeof entry.kid !== "string" || entry.kid === "")) {
    throw new TypeError("staticKeys: kid must be a non-empty string");
  }
  const algorithm = entry.key.algorithm as KeyAlgorithm & { readonly hash?: KeyAlgorithm };
  if (
    algorithm.name !== params.name ||
    (algorithm.hash !== undefined && algorithm.hash.name !== params.hash) ||
    !entry.key.usages.includes("verify")
  ) {
    throw new TypeError(`staticKeys: the key for ${entry.alg} is not a ${params.name} verification key`);
  }
}
