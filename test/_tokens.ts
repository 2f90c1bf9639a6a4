/**
 * Test tokens, made with Web Crypto independently of lib/: the one place
 * tests build JWTs.
 *
 * @module
 */
import { encodeBase64, encodeBase64urlNoPadding } from "@oslojs/encoding";

/** An HMAC JWS algorithm a test can sign with. */
export type TestHmacAlgorithm = "HS256" | "HS384" | "HS512";

/** A public-key JWS algorithm a test can sign with. */
export type TestPublicAlgorithm =
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

/** Any JWS algorithm a test can sign with. */
export type TestAlgorithm = TestHmacAlgorithm | TestPublicAlgorithm;

/** Every algorithm, HMAC first. */
export const TEST_ALGORITHMS: readonly TestAlgorithm[] = [
  "HS256",
  "HS384",
  "HS512",
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
];

/** Options of {@link signToken}. */
export interface SignTokenOptions {
  /** The shared secret (a string is used as its UTF-8 bytes), for HS algorithms. */
  readonly secret?: string | Uint8Array;
  /** The private key, for the other algorithms (then `alg` defaults to the key's). */
  readonly key?: TestKey;
  /** The algorithm that makes the signature, and the header's default `alg`; default HS256 or the key's. */
  readonly alg?: TestAlgorithm;
  /**
   * An object merged over `{ alg, typ: "JWT" }` (a field set to `undefined`
   * is left out), or raw JSON text used as the header as is.
   */
  readonly header?: Readonly<Record<string, unknown>> | string;
  /** The claims, or raw JSON text such as `'{"exp":1e400}'`. */
  readonly payload: Readonly<Record<string, unknown>> | string;
}

const HASHES: Readonly<Record<TestHmacAlgorithm, string>> = {
  HS256: "SHA-256",
  HS384: "SHA-384",
  HS512: "SHA-512",
};

// How each public-key algorithm generates/imports a key, and signs.
const PUBLIC: Readonly<Record<TestPublicAlgorithm, { key: Record<string, unknown>; sign: Record<string, unknown> }>> = {
  RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  RS384: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  RS512: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, sign: { name: "RSASSA-PKCS1-v1_5" } },
  PS256: { key: { name: "RSA-PSS", hash: "SHA-256" }, sign: { name: "RSA-PSS", saltLength: 32 } },
  PS384: { key: { name: "RSA-PSS", hash: "SHA-384" }, sign: { name: "RSA-PSS", saltLength: 48 } },
  PS512: { key: { name: "RSA-PSS", hash: "SHA-512" }, sign: { name: "RSA-PSS", saltLength: 64 } },
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  ES384: { key: { name: "ECDSA", namedCurve: "P-384" }, sign: { name: "ECDSA", hash: "SHA-384" } },
  ES512: { key: { name: "ECDSA", namedCurve: "P-521" }, sign: { name: "ECDSA", hash: "SHA-512" } },
  EdDSA: { key: { name: "Ed25519" }, sign: { name: "Ed25519" } },
};

/** A key pair made at test time, with its public half in the forms lobby reads. */
export interface TestKey {
  /** The algorithm it signs for. */
  readonly alg: TestPublicAlgorithm;
  /** The key id its JWK carries, if any. */
  readonly kid: string | undefined;
  /** The private key (sign). */
  readonly privateKey: CryptoKey;
  /** The public key as a JWK, with `kid` (if any) and `alg`. */
  readonly jwk: Record<string, unknown>;
  /** The public key as SPKI PEM text. */
  readonly pem: string;
  /** The public key's SPKI DER bytes. */
  readonly spki: Uint8Array;
}

let rsaShared: Promise<{ pkcs8: ArrayBuffer; spki: ArrayBuffer }> | undefined;

/**
 * A key pair for one algorithm. RSA keys (2048 bits) share one modulus per
 * process unless `fresh`, since generating them is slow; EC and Ed25519
 * keys are always new.
 *
 * @example
 * ```ts
 * const key = await generateTestKey("ES256", { kid: "es-1" });
 * const token = await signToken({ key, payload: { sub: "u", exp: 4102444800 } });
 * ```
 */
export async function generateTestKey(
  alg: TestPublicAlgorithm,
  options: { readonly kid?: string; readonly fresh?: boolean; readonly bits?: number } = {},
): Promise<TestKey> {
  const spec = PUBLIC[alg];
  let privateKey: CryptoKey;
  let spki: ArrayBuffer;
  if (alg.startsWith("RS") || alg.startsWith("PS")) {
    const material = options.fresh || options.bits !== undefined ? rsaMaterial(options.bits ?? 2048) : (rsaShared ??= rsaMaterial(2048));
    const { pkcs8, spki: publicDer } = await material;
    privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, spec.key as unknown as RsaHashedImportParams, false, ["sign"]);
    spki = publicDer;
  } else {
    const pair = (await crypto.subtle.generateKey(spec.key as unknown as EcKeyGenParams, true, ["sign", "verify"])) as CryptoKeyPair;
    privateKey = pair.privateKey;
    spki = await crypto.subtle.exportKey("spki", pair.publicKey);
  }
  const publicKey = await crypto.subtle.importKey("spki", spki, spec.key as unknown as EcKeyImportParams, true, ["verify"]);
  const exported = await crypto.subtle.exportKey("jwk", publicKey);
  const jwk: Record<string, unknown> = { kty: exported.kty };
  for (const name of ["crv", "n", "e", "x", "y"] as const) if (exported[name] !== undefined) jwk[name] = exported[name];
  jwk.alg = alg;
  jwk.use = "sig";
  if (options.kid !== undefined) jwk.kid = options.kid;
  const der = new Uint8Array(spki);
  return { alg, kid: options.kid, privateKey, jwk, pem: toPem(der), spki: der };
}

async function rsaMaterial(bits: number): Promise<{ pkcs8: ArrayBuffer; spki: ArrayBuffer }> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return {
    pkcs8: await crypto.subtle.exportKey("pkcs8", pair.privateKey),
    spki: await crypto.subtle.exportKey("spki", pair.publicKey),
  };
}

/**
 * DER bytes as PEM text with 64-character lines.
 *
 * @example
 * ```ts
 * toPem(spki); // "-----BEGIN PUBLIC KEY-----\nMFkw...\n-----END PUBLIC KEY-----\n"
 * ```
 */
export function toPem(der: Uint8Array, label = "PUBLIC KEY"): string {
  const base64 = encodeBase64(der);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** A JWK Set of the keys' public halves. */
export function jwks(...keys: readonly TestKey[]): { keys: Record<string, unknown>[] } {
  return { keys: keys.map((key) => key.jwk) };
}

/**
 * base64url without padding, of bytes or of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * base64url('{"alg":"none"}'); // "eyJhbGciOiJub25lIn0"
 * ```
 */
export function base64url(input: string | Uint8Array): string {
  return encodeBase64urlNoPadding(typeof input === "string" ? new TextEncoder().encode(input) : input);
}

/**
 * A signed JWT. The signature is always made with `alg` (default HS256, or
 * the key's algorithm), whatever the header says, so a test can lie in the
 * header; with a `key`, its own algorithm signs.
 *
 * @example
 * ```ts
 * const token = await signToken({ secret: "s3cret", payload: { sub: "u1", exp: 4102444800 } });
 * const forged = await signToken({ secret: "s3cret", alg: "HS512", header: { alg: "HS256", typ: undefined }, payload: "{}" });
 * ```
 */
export async function signToken(options: SignTokenOptions): Promise<string> {
  const alg = options.alg ?? options.key?.alg ?? "HS256";
  const header =
    typeof options.header === "string" ? options.header : JSON.stringify({ alg, typ: "JWT", ...options.header });
  const payload = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  return signSegments({ secret: options.secret, key: options.key, alg, header: base64url(header), payload: base64url(payload) });
}

/**
 * `header.payload.signature` over exactly the given segment text, for
 * hostile encodings (padding, whitespace, non-canonical base64url) that
 * must fail in the parser, not at the signature.
 *
 * @example
 * ```ts
 * const padded = await signSegments({ secret: "s3cret", header: base64url('{"alg":"HS256"}') + "=", payload: "e30" });
 * ```
 */
export async function signSegments(options: {
  readonly secret?: string | Uint8Array;
  readonly key?: TestKey;
  readonly alg?: TestAlgorithm;
  readonly header: string;
  readonly payload: string;
}): Promise<string> {
  const input = `${options.header}.${options.payload}`;
  const signature = await signBytes(options, new TextEncoder().encode(input));
  return `${input}.${base64url(signature)}`;
}

/** The raw signature of some bytes, with a secret (HS) or a test key. */
export async function signBytes(
  options: { readonly secret?: string | Uint8Array; readonly key?: TestKey; readonly alg?: TestAlgorithm },
  data: Uint8Array,
): Promise<Uint8Array> {
  const alg = options.alg ?? options.key?.alg ?? "HS256";
  if (alg === "HS256" || alg === "HS384" || alg === "HS512") {
    if (options.secret === undefined) throw new Error(`signBytes: ${alg} needs a secret`);
    const secret = typeof options.secret === "string" ? new TextEncoder().encode(options.secret) : options.secret;
    const key = await crypto.subtle.importKey(
      "raw",
      secret as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: HASHES[alg] },
      false,
      ["sign"],
    );
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data as Uint8Array<ArrayBuffer>));
  }
  if (options.key === undefined) throw new Error(`signBytes: ${alg} needs a key`);
  // The key signs with its own algorithm's scheme; `alg` only names the header.
  const spec = PUBLIC[options.key.alg];
  return new Uint8Array(
    await crypto.subtle.sign(spec.sign as unknown as AlgorithmIdentifier, options.key.privateKey, data as Uint8Array<ArrayBuffer>),
  );
}
