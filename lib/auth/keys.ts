/**
 * Verification keys for JWTs: which key may check which token, and how.
 *
 * The verifier knows only {@link KeySet}: it asks a set which algorithms it
 * allows and which keys are candidates for a token's header, and asks each
 * candidate, a {@link VerificationKey}, to verify the signature. Each kind of
 * key source is a function that returns a `KeySet`: a secret and keys
 * imported elsewhere here, PEM public keys in `pem.ts`, an inline JWK Set in
 * `jwk.ts`, a remote one in `remote_jwks.ts`; the verifier and the handler
 * do not change for a new one.
 *
 * Every key carries its algorithm, and a token's `alg` selects only keys of
 * exactly that algorithm (RFC 8725 §3.1), so `none`, an unknown algorithm or
 * an RS token against an HMAC secret can never verify.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { keySetOf, NO_KEYS, webCryptoKey } from "./_key_set.ts";
import { KID, listOf } from "./_schemas.ts";
import { hmacSha256Verifier } from "./_sha256.ts";
import { HMAC_ALGORITHMS, type HmacAlgorithm, type JwtAlgorithm, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
import { KeyError } from "./key_error.ts";

/**
 * The header fields a key set selects keys by.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type KeyQuery, secretKeys } from "./keys.ts";
 * const keys = await secretKeys("a-long-random-secret-of-32-bytes!", { kid: "2026-01" });
 * const query: KeyQuery = { alg: "HS256", kid: "2026-01" };
 * assert.equal((await keys.candidates(query)).length, 1);
 * ```
 */
export interface KeyQuery {
  /** The token's `alg`, already known to be one the set allows. */
  readonly alg: JwtAlgorithm;
  /** The token's `kid`, if it has one. */
  readonly kid?: string;
}

/**
 * A Web Crypto key imported elsewhere, bound to exactly one algorithm: what
 * {@link staticKeys} takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ImportedKey, staticKeys } from "./keys.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]) as CryptoKeyPair;
 * const imported: ImportedKey = { alg: "EdDSA", kid: "ed-1", key: publicKey };
 * assert.deepEqual([...staticKeys([imported]).algorithms], ["EdDSA"]);
 * ```
 */
export interface ImportedKey {
  /** The only algorithm this key verifies. */
  readonly alg: JwtAlgorithm;
  /** The key id; see {@link staticKeys} for how it is matched. */
  readonly kid?: string;
  /** A Web Crypto key with the `verify` usage. */
  readonly key: CryptoKey;
}

/**
 * A key that knows how to verify: an {@link ImportedKey} with its
 * signature check. Keys made by {@link secretKeys} check HS256 in
 * JavaScript and answer at once; every other key asks
 * `crypto.subtle.verify`. A key set returns these; the verifier calls
 * `verify` only for a key whose `alg` is the token's and a signature of the
 * algorithm's length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secretKeys, type VerificationKey } from "./keys.ts";
 * const encoder = new TextEncoder();
 * const keys = await secretKeys("a-long-random-secret-of-32-bytes!", { algorithms: ["HS256"] });
 * const [key] = (await keys.candidates({ alg: "HS256" })) as readonly VerificationKey[];
 * const signer = await crypto.subtle.importKey("raw", encoder.encode("a-long-random-secret-of-32-bytes!"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
 * const data = encoder.encode("header.payload");
 * const signature = new Uint8Array(await crypto.subtle.sign("HMAC", signer, data));
 * assert.equal(await key!.verify(signature, data), true);
 * ```
 */
export interface VerificationKey extends ImportedKey {
  /**
   * Whether `signature` is this key's signature of `data`, under
   * {@link ImportedKey.alg}. Never throws and never rejects: a signature
   * Web Crypto refuses to check is not a valid one.
   */
  verify(signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): boolean | Promise<boolean>;
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
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { KeySetEventReason } from "./keys.ts";
 * const reasons: KeySetEventReason[] = ["jwks_timeout", "jwks_http_error"];
 * assert.equal(reasons.length, 2);
 * ```
 */
export type KeySetEventReason =
  | "jwks_unreachable"
  | "jwks_timeout"
  | "jwks_http_error"
  | "jwks_too_large"
  | "jwks_invalid"
  | "jwks_key_skipped";

/**
 * Something a key source wants an operator to know, such as a failed JWKS refresh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { KeySetEvent } from "./keys.ts";
 * const event: KeySetEvent = { reason: "jwks_http_error", source: "https://id.example/jwks", detail: 503 };
 * assert.equal(event.detail, 503);
 * ```
 */
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
 * import assert from "node:assert/strict";
 * import type { KeySet } from "./keys.ts";
 * const nothing: KeySet = { algorithms: new Set(), candidates: () => [] };
 * assert.equal(nothing.algorithms.size, 0);
 * ```
 */
export interface KeySet {
  /** Every algorithm this set may ever return keys for. */
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  /**
   * The keys to try for a token, most specific first; empty when none fits.
   * May be asynchronous (a remote JWKS). The verifier calls it again on a
   * verified-token cache hit and accepts the cached token only if the key
   * that verified it is still among the candidates (the same object), so a
   * key removed from the set (rotation) stops its tokens at once.
   */
  candidates(query: KeyQuery): Promise<readonly VerificationKey[]> | readonly VerificationKey[];
  /**
   * Optional: registers a listener for the set's problems (a remote JWKS
   * that cannot be refreshed). The handler passes them to its `log`.
   */
  watch?(listener: (event: KeySetEvent) => void): void;
}

/**
 * Options of {@link secretKeys}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secretKeys, type SecretKeysOptions } from "./keys.ts";
 * const options: SecretKeysOptions = { algorithms: ["HS256"], kid: "2026-01" };
 * assert.deepEqual([...(await secretKeys("a-long-random-secret-of-32-bytes!", options)).algorithms], ["HS256"]);
 * ```
 */
export interface SecretKeysOptions {
  /** The HMAC algorithms the secret may verify; default all three. */
  readonly algorithms?: readonly HmacAlgorithm[];
  /** A key id: when set, only tokens with this `kid` match. */
  readonly kid?: string;
}

const SECRET_KEYS_OPTIONS = v.strictObject({
  algorithms: v.optional(listOf(HMAC_ALGORITHMS, "must be a non-empty list of HS256, HS384, HS512"), HMAC_ALGORITHMS),
  kid: v.optional(KID),
});

// RFC 7518 section 3.2: at least the size of the hash, and HS256's is 32 bytes.
const MIN_SECRET_BYTES = 32;

/**
 * A key set over one shared secret, imported once per HMAC algorithm. The
 * three share a key type, so allowing all of them opens no confusion; pass
 * `algorithms` to allow fewer. A string secret is used as its UTF-8 bytes.
 * RFC 7518 §3.2 asks for a secret at least as long as the hash (32, 48 or
 * 64 bytes); that is the caller's to choose, only an empty one is refused.
 * Its HS256 key verifies in JavaScript, synchronously; HS384 and HS512 with
 * Web Crypto.
 *
 * @param secret The shared secret; never copied into any message.
 * @param options Allowed algorithms and an optional key id.
 * @returns A key set for `createVerifier`.
 * @throws {KeyError} `empty_secret` if the secret is empty or not a string or Uint8Array;
 *   `short_secret` if it has fewer than 32 bytes.
 * @throws {TypeError} Naming the option, if an algorithm is not HS256,
 *   HS384 or HS512, or `kid` is not a non-empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secretKeys } from "./keys.ts";
 * const keys = await secretKeys("a-long-random-secret-of-32-bytes!", { algorithms: ["HS256"] });
 * assert.ok(keys.algorithms.has("HS256"));
 * assert.ok(!keys.algorithms.has("HS512"));
 * ```
 */
export async function secretKeys(secret: string | Uint8Array, options: SecretKeysOptions = {}): Promise<KeySet> {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new KeyError("secretKeys", "empty_secret", "the secret must be a non-empty string or Uint8Array");
  }
  // A short secret can be guessed offline from any one token it signed.
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new KeyError("secretKeys", "short_secret", `the secret must be at least ${MIN_SECRET_BYTES} bytes (RFC 7518 section 3.2)`);
  }
  const { algorithms, kid } = parseOptions("secretKeys", SECRET_KEYS_OPTIONS, options);
  const keys = await Promise.all(
    [...new Set(algorithms)].map(async (alg): Promise<VerificationKey> => {
      const key = await crypto.subtle.importKey(
        "raw",
        // BufferSource wants an ArrayBuffer-backed view (TS 5.7+); importKey copies it.
        bytes as Uint8Array<ArrayBuffer>,
        { name: "HMAC", hash: SIGNATURE_ALGORITHMS[alg].hash },
        false,
        ["verify"],
      );
      const entry = kid === undefined ? { alg, key } : { alg, kid, key };
      if (alg !== "HS256") return webCryptoKey(entry, "secretKeys");
      return Object.freeze({ ...entry, verify: hmacSha256Verifier(bytes) });
    }),
  );
  return keySetOf(keys);
}

/**
 * A key set over keys imported elsewhere, each checked against its
 * algorithm and verified with Web Crypto.
 *
 * The `kid` rule: a key with a kid matches only tokens carrying that exact
 * kid; a key without a kid matches tokens with any kid or none. Candidates
 * with a matching kid come first. Lookups allocate nothing per token.
 *
 * @param keys Keys with their algorithm and optional kid.
 * @returns A key set allowing exactly the keys' algorithms.
 * @throws {KeyError} If a key's algorithm is unknown (`unsupported_alg`),
 *   its kid is not a non-empty string (`invalid_kid`), its CryptoKey does
 *   not fit the algorithm (`alg_mismatch`), is private (`private_key`),
 *   cannot verify (`not_for_verifying`) or is RSA under 2048 bits (`rsa_too_small`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { staticKeys } from "./keys.ts";
 * const key = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
 * const keys = staticKeys([{ alg: "HS256", kid: "2026-01", key }]);
 * const found = keys.candidates({ alg: "HS256", kid: "2026-01" });
 * assert.ok(Array.isArray(found) && found.length === 1);
 * ```
 */
export function staticKeys(keys: readonly ImportedKey[]): KeySet {
  return keySetOf(keys.map((entry) => webCryptoKey(entry, "staticKeys")));
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
 * import assert from "node:assert/strict";
 * import { combineKeySets, secretKeys } from "./keys.ts";
 * const keys = combineKeySets(
 *   await secretKeys("old-secret-old-secret-old-secret", { kid: "old" }),
 *   await secretKeys("new-secret-new-secret-new-secret", { kid: "new" }),
 * );
 * assert.equal((await keys.candidates({ alg: "HS256", kid: "new" })).length, 1);
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
        else if (!Array.isArray(keys)) pending = [found ?? NO_KEYS, keys];
        else if (keys.length === 0) continue;
        else found = found === undefined ? keys : [...found, ...keys];
      }
      if (pending === undefined) return found ?? NO_KEYS;
      return Promise.all(pending).then((lists) => lists.flat());
    },
    watch(listener) {
      for (const set of sets) set.watch?.(listener);
    },
  };
}
