/**
 * PEM public keys (SPKI, `-----BEGIN PUBLIC KEY-----`, RFC 7468 §13) as
 * verification keys, such as the `JWT_PUBLIC_KEY` variable.
 *
 * The key type is read from the SPKI's algorithm identifier, and fixes the
 * algorithm where it can: EC P-256 → ES256, P-384 → ES384, P-521 → ES512,
 * Ed25519 → EdDSA. An RSA key serves RS256…PS512 alike, so for RSA the
 * algorithm must be given: guessing would let a token choose between PKCS#1
 * v1.5 and PSS.
 *
 * @module
 */
import { decodeBase64 } from "@oslojs/encoding";
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { keySetOf, webCryptoKey } from "./_key_set.ts";
import { KID, oneOf } from "./_schemas.ts";
import { PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
import { KeyError, type KeyProblem } from "./key_error.ts";
import type { KeySet, VerificationKey } from "./keys.ts";

/**
 * Options of {@link pemKeys}.
 *
 * @example
 * ```ts
 * import type { PemKeysOptions } from "./pem.ts";
 * const options: PemKeysOptions = { alg: "PS256", kid: "2026-01" };
 * ```
 */
export interface PemKeysOptions {
  /** The algorithm: required for RSA keys, optional (and checked) for EC and Ed25519 keys. */
  readonly alg?: PublicKeyAlgorithm;
  /** A key id: when set, only tokens with this `kid` match (with several keys, all share it). */
  readonly kid?: string;
}

const PEM_KEYS_OPTIONS = v.strictObject({
  alg: v.optional(oneOf(PUBLIC_KEY_ALGORITHMS)),
  kid: v.optional(KID),
});

// The key types lobby reads from an SPKI.
type PublicKeyType = "RSA" | "EC P-256" | "EC P-384" | "EC P-521" | "Ed25519";

const OID_RSA = "2a864886f70d010101";
const OID_RSA_PSS = "2a864886f70d01010a";
const OID_EC = "2a8648ce3d0201";
const OID_ED25519 = "2b6570";
const CURVES: Readonly<Record<string, PublicKeyType>> = {
  "2a8648ce3d030107": "EC P-256",
  "2b81040022": "EC P-384",
  "2b81040023": "EC P-521",
};
// The one algorithm each key type other than RSA verifies.
const FIXED: Readonly<Record<Exclude<PublicKeyType, "RSA">, PublicKeyAlgorithm>> = {
  "EC P-256": "ES256",
  "EC P-384": "ES384",
  "EC P-521": "ES512",
  "Ed25519": "EdDSA",
};
const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([^-]*)-----END ([A-Z0-9 ]{1,40})-----/g;

/**
 * A key set over the public keys in PEM text, each parsed and imported
 * once. Literal `\n` sequences count as line breaks, as environment
 * variables often carry them; text around the blocks is ignored.
 *
 * @param pem One or more `PUBLIC KEY` (SPKI) blocks.
 * @param options The algorithm (required for RSA) and an optional key id.
 * @returns A key set allowing exactly the keys' algorithms.
 * @throws {KeyError} Saying what is wrong without repeating the text:
 *   `no_public_key`, `unexpected_pem_label`, `private_key`, `certificate`,
 *   `pkcs1`, `not_base64`, `not_spki`, `unsupported_key_type`,
 *   `unsupported_curve`, `rsa_without_alg`, `alg_mismatch`,
 *   `web_crypto_refused` or `rsa_too_small`.
 * @throws {TypeError} Naming the option, if `alg` is not a public-key
 *   algorithm or `kid` not a non-empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pemKeys } from "./pem.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const der = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
 * const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PUBLIC KEY-----`;
 * const keys = await pemKeys(pem); // an EC key fixes its algorithm; RSA needs { alg }
 * assert.deepEqual([...keys.algorithms], ["ES384"]);
 * await assert.rejects(pemKeys(pem, { alg: "ES256" }), { code: "alg_mismatch" });
 * ```
 */
export async function pemKeys(pem: string, options: PemKeysOptions = {}): Promise<KeySet> {
  const { alg, kid } = parseOptions("pemKeys", PEM_KEYS_OPTIONS, options);
  const parsed = parse(pem, alg);
  const keys = await Promise.all(
    parsed.map(async ({ alg, spki }): Promise<VerificationKey> => {
      let key: CryptoKey;
      try {
        key = await crypto.subtle.importKey("spki", spki, SIGNATURE_ALGORITHMS[alg], false, ["verify"]);
      } catch {
        throw new KeyError("pemKeys", "web_crypto_refused", `Web Crypto refused the ${alg} key`);
      }
      return webCryptoKey(kid === undefined ? { alg, key } : { alg, kid, key }, "pemKeys");
    }),
  );
  return keySetOf(keys);
}

// Finds the public keys in PEM text and decides each one's algorithm.
function parse(pem: string, alg: PublicKeyAlgorithm | undefined): { alg: PublicKeyAlgorithm; spki: Uint8Array<ArrayBuffer> }[] {
  if (typeof pem !== "string") throw refuse("no_public_key", "must be a string");
  const text = pem.replaceAll("\\n", "\n");
  const keys: { alg: PublicKeyAlgorithm; spki: Uint8Array<ArrayBuffer> }[] = [];
  for (const [, label, body, end] of text.matchAll(BLOCK)) {
    if (label !== end) throw refuse("unexpected_pem_label", "has a PEM block that ends with another label than it begins");
    if (label!.includes("PRIVATE")) throw refuse("private_key", "holds a private key: configure the public key only");
    if (label === "CERTIFICATE") {
      throw refuse("certificate", "is a certificate: extract its key with `openssl x509 -pubkey -noout`");
    }
    if (label === "RSA PUBLIC KEY") {
      throw refuse("pkcs1", "is PKCS#1 (RSA PUBLIC KEY): convert it with `openssl rsa -RSAPublicKey_in -pubout`");
    }
    if (label !== "PUBLIC KEY") throw refuse("unexpected_pem_label", "must hold PUBLIC KEY blocks only");
    let der: Uint8Array;
    try {
      der = decodeBase64(body!.replace(/\s+/g, ""));
    } catch {
      throw refuse("not_base64", "has a PUBLIC KEY block that is not valid base64");
    }
    keys.push({ alg: algorithmOf(keyType(der), alg), spki: der as Uint8Array<ArrayBuffer> });
  }
  if (keys.length === 0) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw refuse("private_key", "holds a private key: configure the public key only");
    }
    throw refuse("no_public_key", "must contain a -----BEGIN PUBLIC KEY----- block");
  }
  return keys;
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
function keyType(der: Uint8Array): PublicKeyType {
  const outer = tlv(der, 0, 0x30);
  const algorithm = outer === null ? null : tlv(der, outer.start, 0x30);
  const oid = algorithm === null ? null : tlv(der, algorithm.start, 0x06);
  const bits = algorithm === null ? null : tlv(der, algorithm.end, 0x03);
  if (outer === null || outer.end !== der.length || oid === null || bits === null || bits.end !== outer.end) {
    throw refuse("not_spki", "has a PUBLIC KEY block that is not an SPKI structure");
  }
  const id = hex(der.subarray(oid.start, oid.end));
  if (id === OID_RSA) return "RSA";
  if (id === OID_ED25519) return "Ed25519";
  if (id === OID_EC) {
    const curve = tlv(der, oid.end, 0x06);
    const curveId = curve === null ? "" : hex(der.subarray(curve.start, curve.end));
    if (!Object.hasOwn(CURVES, curveId)) throw refuse("unsupported_curve", "holds an EC key on a curve other than P-256, P-384 or P-521");
    return CURVES[curveId]!;
  }
  if (id === OID_RSA_PSS) {
    throw refuse("unsupported_key_type", "holds an RSASSA-PSS-only key, which Web Crypto cannot import: export it as rsaEncryption");
  }
  throw refuse("unsupported_key_type", "holds a key type other than RSA, EC or Ed25519");
}

function algorithmOf(type: PublicKeyType, alg: PublicKeyAlgorithm | undefined): PublicKeyAlgorithm {
  if (type === "RSA") {
    if (alg === undefined) throw refuse("rsa_without_alg", "holds an RSA key: its algorithm must be given (RS256…PS512)");
    if (!alg.startsWith("RS") && !alg.startsWith("PS")) throw refuse("alg_mismatch", `holds an RSA key, which cannot verify ${alg}`);
    return alg;
  }
  const fixed = FIXED[type];
  if (alg !== undefined && alg !== fixed) throw refuse("alg_mismatch", `holds an ${type} key, which verifies ${fixed}, not ${alg}`);
  return fixed;
}

// Every problem pemKeys finds is about the PEM text it was given.
function refuse(code: KeyProblem, detail: string): KeyError {
  return new KeyError("pemKeys", code, `the PEM text ${detail}`);
}

// One DER tag-length-value at `offset` with the expected tag: its content's
// bounds, or null when the bytes do not hold one.
function tlv(der: Uint8Array, offset: number, tag: number): { start: number; end: number } | null {
  if (offset + 2 > der.length || der[offset] !== tag) return null;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 3 || start + count > der.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > der.length ? null : { start, end };
}

function hex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}
