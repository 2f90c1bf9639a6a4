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
import { type KeySet, PUBLIC_KEY_ALGORITHMS, type PublicKeyAlgorithm, SIGNATURE_ALGORITHMS, staticKeys, type VerificationKey } from "./keys.ts";

/** The key types lobby reads from an SPKI. */
export type PublicKeyType = "RSA" | "EC P-256" | "EC P-384" | "EC P-521" | "Ed25519";

/** One public key found in PEM text, not imported yet. */
export interface PemPublicKey {
  /** What kind of key the SPKI holds. */
  readonly type: PublicKeyType;
  /** The algorithm it will verify: derived from the type, or the one given. */
  readonly alg: PublicKeyAlgorithm;
  /** The DER bytes of the SPKI. */
  readonly spki: Uint8Array<ArrayBuffer>;
}

/** Options of {@link pemKeys} and {@link parsePublicKeyPem}. */
export interface PemKeysOptions {
  /** The algorithm: required for RSA keys, optional (and checked) for EC and Ed25519 keys. */
  readonly alg?: PublicKeyAlgorithm;
  /** A key id: when set, only tokens with this `kid` match (with several keys, all share it). */
  readonly kid?: string;
}

const _OID_RSA = "2a864886f70d010101";
const _OID_RSA_PSS = "2a864886f70d01010a";
const _OID_EC = "2a8648ce3d0201";
const _OID_ED25519 = "2b6570";
const _CURVES: Readonly<Record<string, PublicKeyType>> = {
  "2a8648ce3d030107": "EC P-256",
  "2b81040022": "EC P-384",
  "2b81040023": "EC P-521",
};
// The one algorithm each key type other than RSA verifies.
const _FIXED: Readonly<Record<Exclude<PublicKeyType, "RSA">, PublicKeyAlgorithm>> = {
  "EC P-256": "ES256",
  "EC P-384": "ES384",
  "EC P-521": "ES512",
  "Ed25519": "EdDSA",
};
const _BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----([^-]*)-----END ([A-Z0-9 ]{1,40})-----/g;

/**
 * Finds the public keys in PEM text and decides each one's algorithm,
 * without importing them: synchronous, so configuration can be checked
 * before anything starts. Literal `\n` sequences count as line breaks, as
 * environment variables often carry them.
 *
 * @param pem One or more `PUBLIC KEY` blocks.
 * @param alg The algorithm: required for RSA keys, checked against EC and Ed25519 keys.
 * @returns The keys, in order.
 * @throws {TypeError} Saying what is wrong without repeating the text: no
 *   block, a private key, a certificate, a PKCS#1 `RSA PUBLIC KEY`, broken
 *   base64 or DER, an unsupported key type, an RSA key without `alg`, or an
 *   `alg` that does not fit the key.
 *
 * @example
 * ```ts
 * import { parsePublicKeyPem } from "./pem.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const der = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
 * const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PUBLIC KEY-----`;
 * parsePublicKeyPem(pem)[0]?.alg; // "EdDSA"
 * ```
 */
export function parsePublicKeyPem(pem: string, alg?: PublicKeyAlgorithm): readonly PemPublicKey[] {
  if (typeof pem !== "string") throw new TypeError("the PEM text must be a string");
  if (alg !== undefined && !PUBLIC_KEY_ALGORITHMS.includes(alg)) {
    throw new TypeError("the algorithm must be one of " + PUBLIC_KEY_ALGORITHMS.join(", "));
  }
  const text = pem.replaceAll("\\n", "\n");
  const keys: PemPublicKey[] = [];
  for (const [, label, body, end] of text.matchAll(_BLOCK)) {
    if (label !== end) throw new TypeError("a PEM block ends with another label than it begins");
    if (label!.includes("PRIVATE")) throw new TypeError("holds a private key: configure the public key only");
    if (label === "CERTIFICATE") {
      throw new TypeError("is a certificate: extract its key with `openssl x509 -pubkey -noout`");
    }
    if (label === "RSA PUBLIC KEY") {
      throw new TypeError("is PKCS#1 (RSA PUBLIC KEY): convert it with `openssl rsa -RSAPublicKey_in -pubout`");
    }
    if (label !== "PUBLIC KEY") throw new TypeError("must hold PUBLIC KEY blocks only");
    let der: Uint8Array;
    try {
      der = decodeBase64(body!.replace(/\s+/g, ""));
    } catch {
      throw new TypeError("has a PUBLIC KEY block that is not valid base64");
    }
    const type = _keyType(der);
    keys.push({ type, alg: _algorithm(type, alg), spki: der as Uint8Array<ArrayBuffer> });
  }
  if (keys.length === 0) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw new TypeError("holds a private key: configure the public key only");
    }
    throw new TypeError("must contain a -----BEGIN PUBLIC KEY----- block");
  }
  return keys;
}

/**
 * A key set over the public keys in PEM text, imported once.
 *
 * @param pem One or more `PUBLIC KEY` (SPKI) blocks.
 * @param options The algorithm (required for RSA) and an optional key id.
 * @returns A key set allowing exactly the keys' algorithms.
 * @throws {TypeError} As {@link parsePublicKeyPem}, prefixed `pemKeys:`, or
 *   when Web Crypto refuses a key or an RSA key has fewer than 2048 bits.
 *
 * @example
 * ```ts
 * import { pemKeys } from "./pem.ts";
 * const pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...\n-----END PUBLIC KEY-----";
 * const keys = await pemKeys(pem, { alg: "RS256" }); // an RSA key needs its algorithm
 * keys.algorithms.has("RS256"); // true
 * ```
 */
export async function pemKeys(pem: string, options: PemKeysOptions = {}): Promise<KeySet> {
  const kid = options.kid;
  if (kid !== undefined && (typeof kid !== "string" || kid === "")) {
    throw new TypeError("pemKeys: kid must be a non-empty string");
  }
  let parsed: readonly PemPublicKey[];
  try {
    parsed = parsePublicKeyPem(pem, options.alg);
  } catch (error) {
    throw new TypeError(`pemKeys: the PEM text ${(error as Error).message}`);
  }
  const keys = await Promise.all(
    parsed.map(async ({ alg, spki }): Promise<VerificationKey> => {
      let key: CryptoKey;
      try {
        key = await crypto.subtle.importKey("spki", spki, SIGNATURE_ALGORITHMS[alg], false, ["verify"]);
      } catch {
        throw new TypeError(`pemKeys: Web Crypto refused the ${alg} key`);
      }
      return kid === undefined ? { alg, key } : { alg, kid, key };
    }),
  );
  try {
    return staticKeys(keys);
  } catch (error) {
    throw new TypeError((error as Error).message.replace(/^staticKeys: /, "pemKeys: "));
  }
}

// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
function _keyType(der: Uint8Array): PublicKeyType {
  const outer = _tlv(der, 0, 0x30);
  const algorithm = outer === null ? null : _tlv(der, outer.start, 0x30);
  const oid = algorithm === null ? null : _tlv(der, algorithm.start, 0x06);
  const bits = algorithm === null ? null : _tlv(der, algorithm.end, 0x03);
  if (outer === null || outer.end !== der.length || oid === null || bits === null || bits.end !== outer.end) {
    throw new TypeError("has a PUBLIC KEY block that is not an SPKI structure");
  }
  const id = _hex(der.subarray(oid.start, oid.end));
  if (id === _OID_RSA) return "RSA";
  if (id === _OID_ED25519) return "Ed25519";
  if (id === _OID_EC) {
    const curve = _tlv(der, oid.end, 0x06);
    const curveId = curve === null ? "" : _hex(der.subarray(curve.start, curve.end));
    if (!Object.hasOwn(_CURVES, curveId)) throw new TypeError("holds an EC key on a curve other than P-256, P-384 or P-521");
    return _CURVES[curveId]!;
  }
  if (id === _OID_RSA_PSS) {
    throw new TypeError("holds an RSASSA-PSS-only key, which Web Crypto cannot import: export it as rsaEncryption");
  }
  throw new TypeError("holds a key type other than RSA, EC or Ed25519");
}

function _algorithm(type: PublicKeyType, alg: PublicKeyAlgorithm | undefined): PublicKeyAlgorithm {
  if (type === "RSA") {
    if (alg === undefined) throw new TypeError("holds an RSA key: its algorithm must be given (RS256…PS512)");
    if (!alg.startsWith("RS") && !alg.startsWith("PS")) throw new TypeError(`holds an RSA key, which cannot verify ${alg}`);
    return alg;
  }
  const fixed = _FIXED[type];
  if (alg !== undefined && alg !== fixed) throw new TypeError(`holds an ${type} key, which verifies ${fixed}, not ${alg}`);
  return fixed;
}

// One DER tag-length-value at `offset` with the expected tag: its content's
// bounds, or null when the bytes do not hold one.
function _tlv(der: Uint8Array, offset: number, tag: number): { start: number; end: number } | null {
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

function _hex(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}
