// Key sources: every algorithm end to end through createVerifier, PEM and
// JWK import rules, and the key-set building blocks. Keys are generated
// here with Web Crypto; tokens are signed by test/_tokens.ts, independently
// of lib/.
import t from "tap";
import { createVerifier, type TokenFailureReason, type Verifier } from "../../lib/auth/verifier.ts";
import { importJwk, importJwks, jwksKeys } from "../../lib/auth/jwk.ts";
import { isJwtAlgorithm, PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "../../lib/auth/algorithms.ts";
import { combineKeySets, type KeySet, type KeySetEvent, secretKeys, staticKeys, type VerificationKey } from "../../lib/auth/keys.ts";
import { KEY_PROBLEMS, KeyError, type KeyProblem } from "../../lib/auth/key_error.ts";
import { pemKeys } from "../../lib/auth/pem.ts";
import {
  base64url,
  generateTestKey,
  jwks,
  signBytes,
  signToken,
  TEST_ALGORITHMS,
  type TestKey,
  type TestPublicAlgorithm,
  toPem,
} from "../_tokens.ts";

const SECRET = "keys-test-secret-with-at-least-64-bytes-for-hs512-0123456789abcdef";
const NOW_S = 1_767_225_600;
const NOW = NOW_S * 1000;
const CLAIMS = { sub: "user-1", exp: NOW_S + 3600 } as const;
const PUBLIC = TEST_ALGORITHMS.filter((alg) => !alg.startsWith("HS")) as TestPublicAlgorithm[];

async function reasonOf(verify: Verifier, token: string): Promise<TokenFailureReason | "ok"> {
  const result = await verify(token, NOW);
  return result.ok ? "ok" : result.reason;
}

// The same token with its claims changed (sub → admin) under the original
// signature, or with one bit of the signature flipped; either stays
// well-formed, so only the signature can catch it.
function tamper(token: string, segment: 1 | 2): string {
  const parts = token.split(".");
  const bytes = Uint8Array.from(atob(parts[segment]!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  if (segment === 1) {
    parts[1] = base64url(new TextDecoder().decode(bytes).replace('"user-1"', '"admin"'));
  } else {
    bytes[bytes.length >> 1]! ^= 0x01;
    parts[2] = base64url(bytes);
  }
  return parts.join(".");
}

// Every KeyProblem a test below met, to prove each code is reachable.
const problems = new Set<KeyProblem>();
// The KeyError `run` throws or rejects with (null when it succeeds), its code recorded.
async function keyError(run: () => unknown): Promise<KeyError | null> {
  try {
    await run();
    return null;
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    problems.add(error.code);
    return error;
  }
}
// The TypeError `run` throws or rejects with, for options.
async function optionError(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return error instanceof TypeError && !(error instanceof KeyError) ? error.message : `not an option error: ${String(error)}`;
  }
}

const keys = new Map<TestPublicAlgorithm, TestKey>();
const strangers = new Map<TestPublicAlgorithm, TestKey>();
for (const alg of PUBLIC) {
  keys.set(alg, await generateTestKey(alg, { kid: `${alg.toLowerCase()}-1` }));
}
// Another key per algorithm (RSA: another modulus) to sign "wrong key" tokens.
for (const alg of PUBLIC) {
  strangers.set(alg, await generateTestKey(alg, { kid: `${alg.toLowerCase()}-1`, fresh: true }));
}

t.test("every algorithm verifies a valid token and rejects tampered ones", async (t) => {
  const all = combineKeySets(
    await secretKeys(SECRET),
    await jwksKeys(jwks(...keys.values())),
  );
  const verify = createVerifier({ keys: all, cacheSize: 0 });
  t.strictSame([...all.algorithms].sort(), [...TEST_ALGORITHMS].sort(), "one key set allows all thirteen");
  for (const alg of TEST_ALGORITHMS) {
    const key = keys.get(alg as TestPublicAlgorithm);
    const header = key === undefined ? {} : { kid: key.kid };
    const token = await signToken({ secret: SECRET, key, alg, header, payload: CLAIMS });
    t.equal(await reasonOf(verify, token), "ok", `${alg} valid`);
    t.equal(await reasonOf(verify, tamper(token, 1)), "bad_signature", `${alg} payload tampered`);
    t.equal(await reasonOf(verify, tamper(token, 2)), "bad_signature", `${alg} signature tampered`);
    const [h, p] = token.split(".");
    t.equal(await reasonOf(verify, `${h}.${p}.`), "bad_signature", `${alg} signature removed`);
    const stranger = key === undefined
      ? await signToken({ secret: `${SECRET}!`, alg, payload: CLAIMS })
      : await signToken({ key: strangers.get(alg as TestPublicAlgorithm), header, payload: CLAIMS });
    t.equal(await reasonOf(verify, stranger), "bad_signature", `${alg} signed by another key`);
  }
});

t.test("each key verifies its own algorithm only", async (t) => {
  // RS256 and PS256 keys over one modulus, both in the set: a PS256
  // signature under an RS256 header, and the reverse, must fail.
  const both = createVerifier({ keys: await jwksKeys(jwks(keys.get("RS256")!, keys.get("PS256")!)), cacheSize: 0 });
  const rs = keys.get("RS256")!;
  const ps = keys.get("PS256")!;
  t.equal(await reasonOf(both, await signToken({ key: ps, alg: "PS256", header: { alg: "RS256", kid: rs.kid }, payload: CLAIMS })), "bad_signature");
  t.equal(await reasonOf(both, await signToken({ key: rs, alg: "RS256", header: { alg: "PS256", kid: ps.kid }, payload: CLAIMS })), "bad_signature");
  t.equal(await reasonOf(both, await signToken({ key: rs, alg: "RS256", header: { alg: "RS384", kid: rs.kid }, payload: CLAIMS })), "unsupported_algorithm", "RS384 is not in the set");

  // An ES256 key set refuses ES384 and EdDSA headers before any key work.
  const es = createVerifier({ keys: await pemKeys(keys.get("ES256")!.pem), cacheSize: 0 });
  for (const alg of ["ES384", "ES512", "EdDSA", "RS256", "HS256", "none"]) {
    const token = await signToken({ key: keys.get("ES256"), header: { alg }, payload: CLAIMS });
    t.equal(await reasonOf(es, token), "unsupported_algorithm", `ES256 key, ${alg} header`);
  }
  // An ECDSA signature in DER form (what OpenSSL makes) is not a JWS signature.
  const raw = await signToken({ key: keys.get("ES256"), payload: CLAIMS });
  const [h, p, s] = raw.split(".");
  const rs64 = Uint8Array.from(atob(s!.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const der = new Uint8Array([0x30, 68, 0x02, 32, ...rs64.slice(0, 32), 0x02, 32, ...rs64.slice(32)]);
  t.equal(await reasonOf(es, `${h}.${p}.${base64url(der)}`), "bad_signature", "DER-encoded ECDSA signature");
  t.equal(await reasonOf(es, `${h}.${p}.${base64url(new Uint8Array(64))}`), "bad_signature", "r = s = 0 (CVE-2022-21449)");
});

t.test("a public key can never serve as an HMAC secret", async (t) => {
  const rsa = keys.get("RS256")!;
  const pemSet = await pemKeys(rsa.pem, { alg: "RS256" });
  const verify = createVerifier({ keys: pemSet, cacheSize: 0 });
  for (const secret of [rsa.pem, rsa.spki, JSON.stringify(rsa.jwk), String(rsa.jwk.n)]) {
    const token = await signToken({ secret, alg: "HS256", payload: CLAIMS });
    t.equal(await reasonOf(verify, token), "unsupported_algorithm", "HS256 against a public-key set");
  }
  // With a real secret configured beside the public key, the public key still is no secret.
  const mixed = createVerifier({ keys: combineKeySets(await secretKeys(SECRET), pemSet), cacheSize: 0 });
  t.equal(await reasonOf(mixed, await signToken({ secret: rsa.pem, alg: "HS256", payload: CLAIMS })), "bad_signature");
  t.equal(await reasonOf(mixed, await signToken({ secret: SECRET, alg: "HS256", payload: CLAIMS })), "ok", "control");
  t.equal(
    await optionError(() => pemKeys(rsa.pem, { alg: "HS256" as "RS256" })),
    "pemKeys: options.alg must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA",
  );
  const hs = await keyError(() => importJwk({ ...rsa.jwk, alg: "HS256" }));
  t.equal(hs?.message, "importJwk: alg must be a supported public-key algorithm");
  t.equal(hs?.code, "unsupported_alg");
});

t.test("pemKeys derives the algorithm from EC and Ed25519 keys and needs it for RSA", async (t) => {
  for (const alg of ["ES256", "ES384", "ES512", "EdDSA"] as const) {
    const set = await pemKeys(keys.get(alg)!.pem);
    t.strictSame([...set.algorithms], [alg], `${alg} derived`);
    t.strictSame([...(await pemKeys(keys.get(alg)!.pem, { alg })).algorithms], [alg], `${alg} given`);
  }
  for (const alg of ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] as const) {
    t.strictSame([...(await pemKeys(keys.get(alg)!.pem, { alg })).algorithms], [alg], `RSA as ${alg}`);
  }
  const refusals: Array<[string, Promise<unknown>, KeyProblem, string]> = [
    ["RSA without alg", pemKeys(keys.get("RS256")!.pem), "rsa_without_alg", "pemKeys: the PEM text holds an RSA key: its algorithm must be given (RS256…PS512)"],
    ["RSA as ES256", pemKeys(keys.get("RS256")!.pem, { alg: "ES256" }), "alg_mismatch", "pemKeys: the PEM text holds an RSA key, which cannot verify ES256"],
    ["P-256 as ES384", pemKeys(keys.get("ES256")!.pem, { alg: "ES384" }), "alg_mismatch", "pemKeys: the PEM text holds an EC P-256 key, which verifies ES256, not ES384"],
    ["Ed25519 as ES256", pemKeys(keys.get("EdDSA")!.pem, { alg: "ES256" }), "alg_mismatch", "pemKeys: the PEM text holds an Ed25519 key, which verifies EdDSA, not ES256"],
  ];
  for (const [name, pending, code, message] of refusals) {
    const error = await keyError(() => pending);
    t.equal(error?.code, code, name);
    t.equal(error?.message, message, name);
  }
  const named = await pemKeys(keys.get("ES256")!.pem, { kid: "pem-1" });
  t.equal((await named.candidates({ alg: "ES256", kid: "pem-1" })).length, 1);
  t.equal((await named.candidates({ alg: "ES256" })).length, 0, "a kid-bound key does not serve tokens without kid");
  t.equal(await optionError(() => pemKeys(keys.get("ES256")!.pem, { kid: "" })), "pemKeys: options.kid must be a non-empty string");
  t.equal(await optionError(() => pemKeys(keys.get("ES256")!.pem, { algorithm: "ES256" } as object)), "pemKeys: options.algorithm is not an option");
});

t.test("pemKeys reads several blocks, escaped newlines and surrounding text", async (t) => {
  const two = `# issuer keys\n${keys.get("ES256")!.pem}\n${keys.get("EdDSA")!.pem}`;
  t.strictSame([...(await pemKeys(two)).algorithms], ["ES256", "EdDSA"], "in order");
  const escaped = keys.get("ES384")!.pem.replace(/\n/g, "\\n");
  t.notOk(escaped.includes("\n"));
  t.strictSame([...(await pemKeys(escaped)).algorithms], ["ES384"], "literal \\n as in an environment variable");
  const crlf = keys.get("ES512")!.pem.replace(/\n/g, "\r\n");
  t.strictSame([...(await pemKeys(crlf)).algorithms], ["ES512"], "CRLF line ends");
});

t.test("pemKeys refuses what is not an SPKI public key, without echoing it", async (t) => {
  const es = keys.get("ES256")!;
  const body = es.pem.split("\n")[1]!;
  const ed = keys.get("EdDSA")!.spki;
  // The same SPKI with its algorithm OID changed: X25519 (1.3.101.110).
  const x25519 = Uint8Array.from(ed);
  x25519[8] = 0x6e;
  // An EC key on secp256k1 (1.3.132.0.10) instead of P-256.
  const k1 = Uint8Array.from(es.spki);
  const curveAt = k1.findIndex((_, i) => k1[i] === 0x06 && k1[i + 1] === 0x08 && k1[i + 9] === 0x07);
  const secp256k1 = new Uint8Array([...k1.slice(0, curveAt), 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, ...k1.slice(curveAt + 10)]);
  secp256k1[1]! -= 3;
  secp256k1[3]! -= 3;
  // An RSASSA-PSS-only key: rsaEncryption's last OID byte 0x01 → 0x0a.
  const pss = Uint8Array.from(keys.get("PS256")!.spki);
  const oidAt = pss.findIndex((_, i) => pss[i] === 0x2a && pss[i + 1] === 0x86 && pss[i + 8] === 0x01);
  pss[oidAt + 8] = 0x0a;
  // The EC key with its curve parameter replaced by NULL (05 00): 8 bytes shorter.
  const spki = es.spki;
  const noCurve = new Uint8Array([spki[0]!, spki[1]! - 8, spki[2]!, spki[3]! - 8, ...spki.slice(4, 13), 0x05, 0x00, ...spki.slice(23)]);
  const cases: Array<[string, string, KeyProblem, RegExp]> = [
    ["empty", "", "no_public_key", /must contain a -----BEGIN PUBLIC KEY----- block/],
    ["EC without a curve", toPem(noCurve), "unsupported_curve", /curve other than P-256, P-384 or P-521/],
    ["DER with an indefinite length", toPem(new Uint8Array([0x30, 0x80, 0x30, 0x00, 0x00, 0x00])), "not_spki", /not an SPKI structure/],
    ["DER with a 4-byte length", toPem(new Uint8Array([0x30, 0x84, 0, 0, 0, 4, 0x30, 0x00, 0x03, 0x00])), "not_spki", /not an SPKI structure/],
    ["DER with a length past the end", toPem(new Uint8Array([0x30, 0x82, 0x01])), "not_spki", /not an SPKI structure/],
    ["only a BEGIN line", "-----BEGIN PUBLIC KEY-----", "no_public_key", /must contain a -----BEGIN PUBLIC KEY----- block/],
    ["a private key", `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`, "private_key", /private key/],
    ["a broken private key", `-----BEGIN EC PRIVATE KEY-----\n${body}`, "private_key", /private key/],
    ["a certificate", `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`, "certificate", /is a certificate/],
    ["PKCS#1", `-----BEGIN RSA PUBLIC KEY-----\n${body}\n-----END RSA PUBLIC KEY-----`, "pkcs1", /PKCS#1/],
    ["another label", `-----BEGIN SSH KEY-----\n${body}\n-----END SSH KEY-----`, "unexpected_pem_label", /PUBLIC KEY blocks only/],
    ["mismatched END", `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PRIVATE KEY-----`, "unexpected_pem_label", /ends with another label/],
    ["bad base64", `-----BEGIN PUBLIC KEY-----\n${body.slice(0, -3)}!!!\n-----END PUBLIC KEY-----`, "not_base64", /not valid base64/],
    ["not DER", toPem(new TextEncoder().encode("not der at all")), "not_spki", /not an SPKI structure/],
    ["truncated DER", toPem(es.spki.slice(0, -1)), "not_spki", /not an SPKI structure/],
    ["DER with trailing bytes", toPem(new Uint8Array([...es.spki, 0])), "not_spki", /not an SPKI structure/],
    ["X25519", toPem(x25519), "unsupported_key_type", /key type other than RSA, EC or Ed25519/],
    ["secp256k1", toPem(secp256k1), "unsupported_curve", /curve other than P-256, P-384 or P-521/],
    ["RSASSA-PSS OID", toPem(pss), "unsupported_key_type", /RSASSA-PSS-only key/],
  ];
  for (const [name, pem, code, message] of cases) {
    const error = await keyError(() => pemKeys(pem, { alg: "PS256" }));
    t.type(error, KeyError, name);
    t.equal(error?.code, code, name);
    t.match(error?.message, message, name);
    t.match(error?.message, /^pemKeys: the PEM text /, `${name}: one prefix, built where the problem is found`);
    t.notOk(error?.message.includes(body.slice(0, 16)), `${name}: no key text in the message`);
  }
  t.equal((await keyError(() => pemKeys(42 as unknown as string)))?.message, "pemKeys: the PEM text must be a string");
  await t.rejects(pemKeys(toPem(x25519)), /^pemKeys: the PEM text holds a key type other/);
});

t.test("pemKeys refuses RSA keys under 2048 bits and keys Web Crypto refuses", async (t) => {
  const small = await generateTestKey("RS256", { bits: 1024 });
  const small1 = await keyError(() => pemKeys(small.pem, { alg: "RS256" }));
  t.equal(small1?.message, "pemKeys: the key for RS256 has fewer than 2048 bits");
  t.equal(small1?.code, "rsa_too_small");
  const small2 = await keyError(() => importJwk(small.jwk));
  t.equal(small2?.message, "importJwk: the key for RS256 has fewer than 2048 bits");
  t.equal(small2?.code, "rsa_too_small");
  // A well-formed SPKI whose EC point is not on the curve.
  const broken = Uint8Array.from(keys.get("ES256")!.spki);
  broken[broken.length - 1]! ^= 0xff;
  const refused = await keyError(() => pemKeys(toPem(broken)));
  t.equal(refused?.message, "pemKeys: Web Crypto refused the ES256 key");
  t.equal(refused?.code, "web_crypto_refused");
});

t.test("importJwk binds each JWK to one algorithm", async (t) => {
  const rsa = keys.get("RS256")!.jwk;
  const cases: Array<[string, Record<string, unknown>, object, string]> = [
    ["RSA without alg", { kty: "RSA", n: rsa.n, e: rsa.e }, {}, "RS256"],
    ["RSA without alg, rsaAlgorithm PS384", { kty: "RSA", n: rsa.n, e: rsa.e }, { rsaAlgorithm: "PS384" }, "PS384"],
    ["RSA with alg PS512", { ...rsa, alg: "PS512" }, {}, "PS512"],
    ["EC P-384 without alg", { ...keys.get("ES384")!.jwk, alg: undefined }, {}, "ES384"],
    ["EC P-521", keys.get("ES512")!.jwk, {}, "ES512"],
    ["Ed25519 without alg", { ...keys.get("EdDSA")!.jwk, alg: undefined }, {}, "EdDSA"],
    ["key_ops with verify", { ...keys.get("ES256")!.jwk, key_ops: ["verify"] }, {}, "ES256"],
  ];
  for (const [name, jwk, options, alg] of cases) {
    const clean = JSON.parse(JSON.stringify(jwk));
    t.equal((await importJwk(clean, options)).alg, alg, name);
  }
  const withKid = await importJwk(keys.get("EdDSA")!.jwk);
  t.equal(withKid.kid, "eddsa-1");
  t.equal(withKid.key.extractable, false);
  t.equal(withKid.key.type, "public");
});

t.test("importJwk refuses private, symmetric and unsupported JWKs, saying why without the key", async (t) => {
  const es = keys.get("ES256")!.jwk;
  const rsa = keys.get("RS256")!.jwk;
  const cases: Array<[string, unknown, RegExp, KeyProblem | null]> = [
    ["not an object", "RSA", /must be an object/, "malformed_jwk"],
    ["an array", [es], /must be an object/, "malformed_jwk"],
    ["null", null, /must be an object/, "malformed_jwk"],
    ["symmetric", { kty: "oct", k: base64url(SECRET) }, /symmetric keys are not accepted/, "symmetric_key"],
    ["private", { ...es, d: "AAAA" }, /private key/, "private_key"],
    ["use enc", { ...es, use: "enc" }, /use must be sig/, "not_for_verifying"],
    ["key_ops sign only", { ...es, key_ops: ["sign"] }, /key_ops must include verify/, "not_for_verifying"],
    ["key_ops not a list", { ...es, key_ops: "verify" }, /key_ops must include verify/, "not_for_verifying"],
    ["kid a number", { ...es, kid: 7 }, /kid must be a non-empty string/, "invalid_kid"],
    ["kid empty", { ...es, kid: "" }, /kid must be a non-empty string/, "invalid_kid"],
    ["kty missing", { n: rsa.n, e: rsa.e }, /kty must be RSA, EC or OKP/, "unsupported_key_type"],
    ["kty unknown", { ...es, kty: "EC2" }, /kty must be RSA, EC or OKP/, "unsupported_key_type"],
    ["EC secp256k1", { ...es, crv: "secp256k1" }, /P-256, P-384 or P-521/, "unsupported_curve"],
    ["EC crv missing", { ...es, crv: undefined }, /P-256, P-384 or P-521/, "unsupported_curve"],
    ["EC alg of another curve", { ...es, alg: "ES384" }, /alg ES384 does not fit a P-256 key/, "alg_mismatch"],
    ["EC alg RS256", { ...es, alg: "RS256" }, /alg RS256 does not fit a P-256 key/, "alg_mismatch"],
    ["EC y missing", { ...es, y: undefined }, /y must be a non-empty string/, "malformed_jwk"],
    ["OKP Ed448", { kty: "OKP", crv: "Ed448", x: "AAAA" }, /OKP keys must be Ed25519/, "unsupported_key_type"],
    ["OKP alg Ed25519 (RFC 9864 name)", { ...keys.get("EdDSA")!.jwk, alg: "Ed25519" }, /supported public-key algorithm/, "unsupported_alg"],
    ["OKP alg ES256", { ...keys.get("EdDSA")!.jwk, alg: "ES256" }, /does not fit an Ed25519 key/, "alg_mismatch"],
    ["RSA alg ES256", { ...rsa, alg: "ES256" }, /alg ES256 does not fit an RSA key/, "alg_mismatch"],
    ["RSA alg none", { ...rsa, alg: "none" }, /supported public-key algorithm/, "unsupported_alg"],
    ["RSA n empty", { ...rsa, n: "" }, /n must be a non-empty string/, "malformed_jwk"],
    ["RSA e a number", { ...rsa, e: 65537 }, /e must be a non-empty string/, "malformed_jwk"],
    // Runtimes differ here: some refuse the text, some decode what they can into a tiny modulus.
    ["RSA n garbage", { ...rsa, n: "!!!!" }, /Web Crypto refused the RS256 key|fewer than 2048 bits/, null],
    ["EC point not on the curve", { ...es, y: es.x }, /Web Crypto refused the ES256 key/, "web_crypto_refused"],
  ];
  for (const [name, jwk, message, code] of cases) {
    const error = await keyError(() => importJwk(jwk));
    t.type(error, KeyError, name);
    t.match(error?.message, message, name);
    t.match(error?.message, /^importJwk: /, name);
    // Runtimes differ on the RSA garbage: refused, or a tiny modulus.
    if (code !== null) t.equal(error?.code, code, name);
    t.notOk(error?.message.includes(String(rsa.n).slice(0, 12)) || error?.message.includes(String(es.x)), `${name}: no key material`);
  }
  const notAllowed = await keyError(() => importJwk(es, { algorithms: ["RS256"] }));
  t.equal(notAllowed?.message, "importJwk: alg ES256 is not allowed", "algorithms allow-list");
  t.equal(notAllowed?.code, "alg_not_allowed");
  const bare = { kty: "RSA", n: rsa.n, e: rsa.e };
  const rsaOnly = "importJwk: options.rsaAlgorithm must be one of RS256, RS384, RS512, PS256, PS384, PS512";
  t.equal(await optionError(() => importJwk(bare, { rsaAlgorithm: "ES256" as "RS256" })), rsaOnly, "rsaAlgorithm not RSA");
  t.equal(await optionError(() => importJwk(bare, { rsaAlgorithm: "nope" as "RS256" })), rsaOnly, "rsaAlgorithm unknown");
  t.equal(
    await optionError(() => importJwk(bare, { algorithms: ["HS256" as "RS256"] })),
    "importJwk: options.algorithms must be a non-empty list of public-key algorithms (RS256…EdDSA)",
  );
});

t.test("importJwks skips unusable entries, collapses duplicates and reuses imported keys", async (t) => {
  const es = keys.get("ES256")!;
  const ed = keys.get("EdDSA")!;
  const set = {
    keys: [
      es.jwk,
      { kty: "oct", k: "c2VjcmV0" },
      { ...es.jwk, use: "enc", kid: "enc-1" },
      "garbage",
      es.jwk,
      ed.jwk,
      { kty: "RSA", alg: "RSA-OAEP", n: "AQAB", e: "AQAB" },
    ],
  };
  const previous = new Map<string, VerificationKey>();
  const first = await importJwks(set, {}, previous);
  t.equal(first.keys.length, 2, "ES256 and EdDSA");
  t.equal(first.skipped, 4, "oct, enc, garbage, RSA-OAEP");
  t.equal(previous.size, 2);
  const second = await importJwks({ keys: [ed.jwk] }, {}, previous);
  t.equal(second.keys[0], first.keys[1], "an unchanged entry keeps its key object");
  t.equal(previous.size, 1, "a key gone from the set is forgotten");
  const renamed = await importJwks({ keys: [{ ...ed.jwk, kid: "other" }] }, {}, previous);
  t.not(renamed.keys[0], first.keys[1], "another kid is another key");
  for (const set of [{ nokeys: [] }, null]) {
    const error = await keyError(() => importJwks(set));
    t.equal(error?.message, "importJwks: a JWK Set must be a JSON object with a keys array");
    t.equal(error?.code, "no_keys_array");
  }
  const many = await importJwks({ keys: Array.from({ length: 105 }, (_, i) => ({ ...ed.jwk, kid: `k${i}` })) });
  t.equal(many.keys.length, 100, "at most 100 keys per set");
  t.equal(many.skipped, 5);
  const reused = new Map<string, VerificationKey>();
  const [original] = (await importJwks({ keys: [es.jwk] }, {}, reused)).keys;
  const [same] = (await importJwks({ keys: [{ ...es.jwk, use: "sig", ext: true, key_ops: ["verify"] }] }, {}, reused)).keys;
  t.equal(same, original, "members that do not define the key do not make another key");
  const [kid] = (await importJwks({ keys: [{ ...es.jwk, kid: "x" }] }, {}, reused)).keys;
  t.not(kid, original, "but another kid does");
  const [rsAsPs] = (await importJwks({ keys: [{ ...keys.get("RS256")!.jwk, alg: undefined }] }, {}, reused)).keys;
  const [psAlg] = (await importJwks({ keys: [{ ...keys.get("RS256")!.jwk, alg: undefined }] }, { rsaAlgorithm: "PS256" }, reused)).keys;
  t.equal(rsAsPs?.alg, "RS256");
  t.equal(psAlg?.alg, "PS256", "and so does another algorithm for the same RSA key");
});

t.test("jwksKeys takes JSON text or an object and refuses a set with no usable key", async (t) => {
  const set = jwks(keys.get("ES256")!, keys.get("RS256")!);
  const fromText = await jwksKeys(JSON.stringify(set));
  t.strictSame([...fromText.algorithms].sort(), ["ES256", "RS256"]);
  t.strictSame([...(await jwksKeys(set, { algorithms: ["ES256"] })).algorithms], ["ES256"], "allow-list");
  const cases: Array<[string | object, KeyProblem, string]> = [
    ["{", "not_json", "jwksKeys: the JWK Set is not valid JSON"],
    ["[]", "no_keys_array", "jwksKeys: a JWK Set must be a JSON object with a keys array"],
    [{ keys: [{ kty: "oct", k: "c2VjcmV0" }] }, "no_usable_key", "jwksKeys: the JWK Set has no usable public signature key"],
  ];
  for (const [set, code, message] of cases) {
    const error = await keyError(() => jwksKeys(set));
    t.equal(error?.code, code, message);
    t.equal(error?.message, message);
  }
});

t.test("staticKeys refuses keys on the wrong curve, private keys and short RSA keys", async (t) => {
  const p384 = await crypto.subtle.importKey("jwk", { ...keys.get("ES384")!.jwk, alg: undefined, use: undefined } as JsonWebKey, { name: "ECDSA", namedCurve: "P-384" }, false, ["verify"]);
  const p384Error = await keyError(() => staticKeys([{ alg: "ES256", key: p384 }]));
  t.equal(p384Error?.message, "staticKeys: the key for ES256 is not a ECDSA verification key", "P-384 key for ES256");
  t.equal(p384Error?.code, "alg_mismatch");
  t.doesNotThrow(() => staticKeys([{ alg: "ES384", key: p384 }]));
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const privateError = await keyError(() => staticKeys([{ alg: "EdDSA", key: pair.privateKey }]));
  t.equal(privateError?.message, "staticKeys: the key for EdDSA is not a Ed25519 verification key", "a private key");
  t.equal(privateError?.code, "private_key");
  const rs = await crypto.subtle.importKey("spki", keys.get("RS256")!.spki as Uint8Array<ArrayBuffer>, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  t.match((await keyError(() => staticKeys([{ alg: "PS256", key: rs }])))?.message, /not a RSA-PSS verification key/, "PKCS#1 key for PSS");
  t.match((await keyError(() => staticKeys([{ alg: "RS384", key: rs }])))?.message, /not a RSASSA-PKCS1-v1_5 verification key/, "SHA-256 key for RS384");
});

t.test("SIGNATURE_ALGORITHMS and isJwtAlgorithm cover exactly the thirteen algorithms", async (t) => {
  t.strictSame(Object.keys(SIGNATURE_ALGORITHMS).sort(), [...TEST_ALGORITHMS].sort());
  t.strictSame([...PUBLIC_KEY_ALGORITHMS].sort(), [...PUBLIC].sort());
  for (const alg of TEST_ALGORITHMS) t.ok(isJwtAlgorithm(alg), alg);
  for (const alg of ["none", "hs256", "ES256K", "Ed25519", "EdDSA ", "toString", "__proto__", 1, null]) {
    t.notOk(isJwtAlgorithm(alg), String(alg));
  }
  // The lengths the verifier enforces before calling Web Crypto are the real ones.
  for (const alg of ["ES256", "ES384", "ES512", "EdDSA"] as const) {
    const signature = await signBytes({ key: keys.get(alg) }, new Uint8Array([1, 2, 3]));
    t.equal(signature.length, SIGNATURE_ALGORITHMS[alg].signatureBytes, `${alg} signature length`);
  }
});

t.test("combineKeySets answers synchronously when it can and forwards watch", async (t) => {
  const es = await pemKeys(keys.get("ES256")!.pem);
  const ed = await pemKeys(keys.get("EdDSA")!.pem);
  const hs = await secretKeys(SECRET, { algorithms: ["HS256"] });
  const combined = combineKeySets(es, ed, hs);
  const sync = combined.candidates({ alg: "ES256" });
  t.ok(Array.isArray(sync), "all sets synchronous: an array, not a promise");
  t.equal(sync, es.candidates({ alg: "ES256" }), "one contributing set: its own list, not a copy");
  t.strictSame(combined.candidates({ alg: "ES384" }), [], "no set has ES384");
  const twoHs = combineKeySets(hs, await secretKeys("another-secret-another-secret-12", { algorithms: ["HS256"] }));
  t.equal((twoHs.candidates({ alg: "HS256" }) as readonly VerificationKey[]).length, 2, "two synchronous lists joined");

  const events: KeySetEvent[] = [];
  const listeners: Array<(event: KeySetEvent) => void> = [];
  const asyncSet: KeySet = {
    algorithms: new Set(["ES256"] as const),
    candidates: async () => es.candidates({ alg: "ES256" }),
    watch: (listener) => void listeners.push(listener),
  };
  const mixed = combineKeySets(hs, es, asyncSet);
  const pending = mixed.candidates({ alg: "ES256" });
  t.ok(pending instanceof Promise, "one asynchronous set: a promise");
  t.equal((await pending).length, 2, "both ES256 lists");
  const asyncFirst = combineKeySets(asyncSet, es);
  t.equal((await asyncFirst.candidates({ alg: "ES256" })).length, 2, "asynchronous set first");
  mixed.watch!((event) => events.push(event));
  t.equal(listeners.length, 1, "watch reaches the sets that can be watched");
  listeners[0]!({ reason: "jwks_timeout", source: "https://id.example/jwks" });
  t.strictSame(events, [{ reason: "jwks_timeout", source: "https://id.example/jwks" }]);
});

t.test("secretKeys refuses an empty secret and bad options, as data and with fixed messages", async (t) => {
  for (const secret of ["", new Uint8Array(0), 7 as unknown as string]) {
    const error = await keyError(() => secretKeys(secret));
    t.equal(error?.code, "empty_secret");
    t.equal(error?.message, "secretKeys: the secret must be a non-empty string or Uint8Array");
  }
  for (const secret of ["x".repeat(31), new Uint8Array(31), "é".repeat(15)]) {
    const error = await keyError(() => secretKeys(secret));
    t.equal(error?.code, "short_secret");
    t.equal(error?.message, "secretKeys: the secret must be at least 32 bytes (RFC 7518 section 3.2)");
  }
  t.ok((await secretKeys(new Uint8Array(32))).algorithms.has("HS256"), "32 bytes is enough");
  const algorithms = "secretKeys: options.algorithms must be a non-empty list of HS256, HS384, HS512";
  t.equal(await optionError(() => secretKeys(SECRET, { algorithms: [] })), algorithms);
  t.equal(await optionError(() => secretKeys(SECRET, { algorithms: ["RS256" as "HS256"] })), algorithms);
  t.equal(await optionError(() => secretKeys(SECRET, { kid: "" })), "secretKeys: options.kid must be a non-empty string");
  t.equal(await optionError(() => secretKeys(SECRET, { kids: "a" } as object)), "secretKeys: options.kids is not an option");
});

t.test("remoteJwksKeys refuses a URL it may not fetch keys from, as data", async (t) => {
  const { remoteJwksKeys } = await import("../../lib/auth/remote_jwks.ts");
  const error = await keyError(() => remoteJwksKeys("http://id.example/jwks"));
  t.equal(error?.code, "jwks_url_not_allowed");
});

t.test("every KeyProblem is produced by some case above, and a KeyError is a TypeError", async (t) => {
  t.strictSame(KEY_PROBLEMS.filter((code) => !problems.has(code)), []);
  const error = new KeyError("pemKeys", "pkcs1", "the PEM text is PKCS#1");
  t.ok(error instanceof TypeError);
  t.equal(error.name, "TypeError", "by name too, as Node's argument errors are");
  t.equal(error.message, "pemKeys: the PEM text is PKCS#1");
});
