/**
 * What every key source builds its key set from: a CryptoKey checked
 * against its algorithm and wrapped as a {@link VerificationKey}, and the
 * lookup by algorithm and `kid` over a list of such keys.
 *
 * @module
 */
import { isJwtAlgorithm, type JwtAlgorithm, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
import { KeyError } from "./key_error.ts";
import type { ImportedKey, KeySet, VerificationKey } from "./keys.ts";

// The smallest RSA modulus accepted, in bits (RFC 7518 §3.3 and §3.5).
const MIN_RSA_BITS = 2048;

/**
 * The empty candidate list, shared so that a lookup that finds nothing
 * allocates nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_KEYS } from "./_key_set.ts";
 * assert.ok(Object.isFrozen(NO_KEYS) && NO_KEYS.length === 0);
 * ```
 */
export const NO_KEYS: readonly VerificationKey[] = Object.freeze([]);

/**
 * Checks that a CryptoKey fits its algorithm and makes it a verification
 * key that asks `crypto.subtle.verify`, answering `false` where Web Crypto
 * throws or rejects (runtimes differ on a malformed signature).
 *
 * @param entry The key, its algorithm and optional kid.
 * @param where The public function to name in an error, such as `"pemKeys"`.
 * @returns A frozen verification key.
 * @throws {KeyError} `unsupported_alg`, `invalid_kid`, `alg_mismatch`,
 *   `private_key`, `not_for_verifying` or `rsa_too_small`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { webCryptoKey } from "./_key_set.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]) as CryptoKeyPair;
 * const key = webCryptoKey({ alg: "ES256", key: publicKey }, "staticKeys");
 * assert.equal(await key.verify(new Uint8Array(64), new Uint8Array(3)), false);
 * assert.throws(() => webCryptoKey({ alg: "ES384", key: publicKey }, "staticKeys"), { code: "alg_mismatch" });
 * ```
 */
export function webCryptoKey(entry: ImportedKey, where: string): VerificationKey {
  checkFits(entry, where);
  const { alg, kid, key } = entry;
  const params = SIGNATURE_ALGORITHMS[alg];
  const verify = (signature: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<boolean> | boolean => {
    try {
      return crypto.subtle.verify(params, key, signature, data).catch(() => false);
    } catch {
      return false;
    }
  };
  return Object.freeze(kid === undefined ? { alg, key, verify } : { alg, kid, key, verify });
}

/**
 * A key set over verification keys already built, keeping each key object
 * as it is (a verified-token cache entry stays valid while its key is in
 * the set). The `kid` rule is the one `staticKeys` documents.
 *
 * @param keys The keys, in order of preference.
 * @returns A key set allowing exactly the keys' algorithms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keySetOf, webCryptoKey } from "./_key_set.ts";
 * const key = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
 * const named = webCryptoKey({ alg: "HS256", kid: "k", key }, "staticKeys");
 * const unnamed = webCryptoKey({ alg: "HS256", key }, "staticKeys");
 * const set = keySetOf([unnamed, named]);
 * assert.deepEqual(set.candidates({ alg: "HS256", kid: "k" }), [named, unnamed]);
 * ```
 */
export function keySetOf(keys: readonly VerificationKey[]): KeySet {
  const groups = new Map<JwtAlgorithm, { unnamed: VerificationKey[]; named: Map<string, VerificationKey[]> }>();
  for (const entry of keys) {
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
      if (group === undefined) return NO_KEYS;
      if (kid === undefined) return group.unnamed;
      return group.named.get(kid) ?? group.unnamed;
    },
  };
}

function checkFits(entry: ImportedKey, where: string): void {
  if (!isJwtAlgorithm(entry.alg)) {
    throw new KeyError(where, "unsupported_alg", `unsupported algorithm ${String(entry.alg)}`);
  }
  if (entry.kid !== undefined && (typeof entry.kid !== "string" || entry.kid === "")) {
    throw new KeyError(where, "invalid_kid", "kid must be a non-empty string");
  }
  const params = SIGNATURE_ALGORITHMS[entry.alg];
  const algorithm = entry.key.algorithm as KeyAlgorithm & {
    readonly hash?: KeyAlgorithm;
    readonly namedCurve?: string;
    readonly modulusLength?: number;
  };
  const unfit = `the key for ${entry.alg} is not a ${params.name} verification key`;
  if (
    algorithm.name !== params.name ||
    (algorithm.hash !== undefined && algorithm.hash.name !== params.hash) ||
    (params.namedCurve !== undefined && algorithm.namedCurve !== params.namedCurve)
  ) {
    throw new KeyError(where, "alg_mismatch", unfit);
  }
  if (entry.key.type === "private") throw new KeyError(where, "private_key", unfit);
  if (!entry.key.usages.includes("verify")) throw new KeyError(where, "not_for_verifying", unfit);
  if (algorithm.modulusLength !== undefined && algorithm.modulusLength < MIN_RSA_BITS) {
    throw new KeyError(where, "rsa_too_small", `the key for ${entry.alg} has fewer than ${MIN_RSA_BITS} bits`);
  }
}
