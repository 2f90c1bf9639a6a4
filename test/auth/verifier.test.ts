import t from "tap";
import { clientHashMatches, createVerifier, TOKEN_FAILURE_REASONS } from "../../lib/auth/verifier.ts";
import type { TokenFailureReason, Verifier, VerifierOptions, VerifyResult } from "../../lib/auth/verifier.ts";
import { combineKeySets, secretKeys, staticKeys } from "../../lib/auth/keys.ts";
import { KeyError } from "../../lib/auth/key_error.ts";
import { TokenCache, tokenCacheKey } from "../../lib/auth/_token_cache.ts";
import type { ImportedKey, KeySet, VerificationKey } from "../../lib/auth/keys.ts";
import { base64url, signSegments, signToken } from "../_tokens.ts";

const SECRET = "lobby-test-secret-with-at-least-64-bytes-for-hs512-0123456789abc";
const OTHER_SECRET = "another-secret-entirely-another-secret-entirely-another-secret!!";
const NOW_S = 1_767_225_600; // 2026-01-01T00:00:00Z
const NOW = NOW_S * 1000;
const CLAIMS = { sub: "user-1", exp: NOW_S + 3600 } as const;

const keys = await secretKeys(SECRET);

// Every failure any verifier in this file returns, to prove each reason is reachable.
const produced = new Set<TokenFailureReason>();
function verifier(options: Partial<VerifierOptions> = {}): Verifier {
  const verify = createVerifier({ keys, ...options });
  return async (token, nowMs) => {
    const result = await verify(token, nowMs);
    if (!result.ok) produced.add(result.reason);
    return result;
  };
}
const verify = verifier();

function fail(reason: TokenFailureReason): VerifyResult {
  return { ok: false, reason };
}
function sign(payload: Record<string, unknown> | string, header?: Record<string, unknown> | string): Promise<string> {
  return signToken({ secret: SECRET, payload, ...(header === undefined ? {} : { header }) });
}
async function reasonOf(token: string, v: Verifier = verify, now: number = NOW): Promise<TokenFailureReason | "ok"> {
  const result = await v(token, now);
  return result.ok ? "ok" : result.reason;
}
// base64url length of n bytes without padding.
function segmentLength(n: number): number {
  return 4 * Math.floor(n / 3) + [0, 2, 3][n % 3]!;
}
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

t.test("createVerifier accepts valid HS256, HS384 and HS512 tokens", async (t) => {
  for (const alg of ["HS256", "HS384", "HS512"] as const) {
    const token = await signToken({ secret: SECRET, alg, payload: { ...CLAIMS, role: "x" } });
    t.strictSame(
      await verify(token, NOW),
      {
        ok: true,
        principal: { userId: "user-1", clientHash: null, expiresAt: NOW_S + 3600, claims: { ...CLAIMS, role: "x" } },
      },
      alg,
    );
  }
});

t.test("createVerifier accepts a Uint8Array secret", async (t) => {
  const bytes = new Uint8Array(32).map((_, i) => i * 7);
  const v = verifier({ keys: await secretKeys(bytes) });
  t.equal(await reasonOf(await signToken({ secret: bytes, payload: CLAIMS }), v), "ok");
});

t.test("createVerifier rejects alg none, None and NONE with an empty signature", async (t) => {
  for (const alg of ["none", "None", "NONE"]) {
    const token = `${base64url(JSON.stringify({ alg, typ: "JWT" }))}.${base64url(JSON.stringify(CLAIMS))}.`;
    t.equal(await reasonOf(token), "unsupported_algorithm", alg);
  }
});

t.test("createVerifier rejects algorithms the key set does not allow", async (t) => {
  const cases: [string, Record<string, unknown>][] = [
    ["missing alg", { alg: undefined }],
    ["numeric alg", { alg: 256 }],
    ["array alg", { alg: ["HS256"] }],
    ["lower-case alg", { alg: "hs256" }],
    ["alg with a space", { alg: "HS256 " }],
    ["RS256 against a secret", { alg: "RS256" }],
    ["ES256 against a secret", { alg: "ES256" }],
  ];
  for (const [name, header] of cases) {
    t.equal(await reasonOf(await sign(CLAIMS, header)), "unsupported_algorithm", name);
  }
  const only256 = verifier({ keys: await secretKeys(SECRET, { algorithms: ["HS256"] }) });
  t.equal(await reasonOf(await signToken({ secret: SECRET, alg: "HS512", payload: CLAIMS }), only256), "unsupported_algorithm", "HS512 when only HS256 is allowed");
  t.equal(await reasonOf(await signToken({ secret: SECRET, alg: "HS256", payload: CLAIMS }), only256), "ok", "HS256 when only HS256 is allowed");
});

t.test("createVerifier rejects bad signatures", async (t) => {
  t.equal(await reasonOf(await signToken({ secret: OTHER_SECRET, payload: CLAIMS })), "bad_signature", "another secret");
  t.equal(
    await reasonOf(await signToken({ secret: SECRET, alg: "HS512", header: { alg: "HS256" }, payload: CLAIMS })),
    "bad_signature",
    "HS256 header with an HS512 signature",
  );
  const good = await sign(CLAIMS);
  const [h, , s] = good.split(".");
  const forged = `${h}.${base64url(JSON.stringify({ ...CLAIMS, sub: "admin" }))}.${s}`;
  t.equal(await reasonOf(forged), "bad_signature", "payload swapped under a valid signature");
  t.equal(await reasonOf(good.slice(0, good.lastIndexOf(".") + 1)), "bad_signature", "HS256 with an empty signature");
  const truncated = good.slice(0, -3);
  t.equal(await reasonOf(truncated), "bad_signature", "truncated signature");
});

t.test("createVerifier validates exp", async (t) => {
  const cases: [string, string][] = [
    ["missing", JSON.stringify({ sub: "u" })],
    ["a numeric string", JSON.stringify({ sub: "u", exp: "9999999999" })],
    ["the string NaN", JSON.stringify({ sub: "u", exp: "NaN" })],
    ["null", JSON.stringify({ sub: "u", exp: null })],
    ["1e400 (Infinity)", `{"sub":"u","exp":1e400}`],
    ["-1e400 (-Infinity)", `{"sub":"u","exp":-1e400}`],
    ["negative", JSON.stringify({ sub: "u", exp: -1 })],
    ["true", JSON.stringify({ sub: "u", exp: true })],
    ["false", JSON.stringify({ sub: "u", exp: false })],
    ["an array", JSON.stringify({ sub: "u", exp: [NOW_S + 60] })],
    ["an object", JSON.stringify({ sub: "u", exp: { at: NOW_S + 60 } })],
    ["past year 9999", JSON.stringify({ sub: "u", exp: 253_402_300_800 })],
  ];
  for (const [name, payload] of cases) {
    t.equal(await reasonOf(await sign(payload)), "invalid_claims", name);
  }
  t.equal(await reasonOf(await sign(`{"sub":"u","exp":NaN}`)), "malformed_token", "bare NaN is not JSON");
});

t.test("createVerifier accepts exp past 2038, at year 9999 and fractional", async (t) => {
  const result = await verify(await sign({ sub: "u", exp: 4_102_444_800 }), NOW);
  t.ok(result.ok);
  t.equal(result.ok && result.principal.expiresAt, 4_102_444_800);
  t.equal(await reasonOf(await sign({ sub: "u", exp: 253_402_300_799 })), "ok", "last second of 9999");
  const fractional = await verify(await sign({ sub: "u", exp: NOW_S + 10.5 }), NOW);
  t.equal(fractional.ok && fractional.principal.expiresAt, NOW_S + 10.5);
});

t.test("createVerifier expires tokens at exp + clock skew", async (t) => {
  const token = await sign({ sub: "u", exp: NOW_S });
  // Default skew 30 s: valid while now < exp + 30.
  t.equal(await reasonOf(token, verify, NOW + 29_000), "ok", "29 s after exp");
  t.equal(await reasonOf(token, verify, NOW + 29_999), "ok", "1 ms before exp + skew");
  t.equal(await reasonOf(token, verify, NOW + 30_000), "expired", "exactly exp + skew");
  t.equal(await reasonOf(token, verify, NOW + 31_000), "expired", "1 s beyond skew");
  const strict = verifier({ clockSkewSeconds: 0 });
  t.equal(await reasonOf(token, strict, NOW - 1), "ok", "skew 0, 1 ms before exp");
  t.equal(await reasonOf(token, strict, NOW), "expired", "skew 0, at exp");
  const lenient = verifier({ clockSkewSeconds: 3600 });
  t.equal(await reasonOf(token, lenient, NOW + 3_599_000), "ok", "skew 3600");
  t.equal(await reasonOf(await sign({ sub: "u", exp: 0 })), "expired", "exp 0");
});

t.test("createVerifier honours nbf", async (t) => {
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: NOW_S + 86_400 })), "not_yet_valid", "far-future nbf");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: NOW_S + 31 })), "not_yet_valid", "nbf 1 s beyond skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: NOW_S + 30 })), "ok", "nbf exactly at now + skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: NOW_S - 60 })), "ok", "past nbf");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: String(NOW_S - 60) })), "invalid_claims", "string nbf");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: null })), "invalid_claims", "null nbf");
  t.equal(await reasonOf(await sign({ ...CLAIMS, nbf: true })), "invalid_claims", "boolean nbf");
  t.equal(await reasonOf(await sign(`{"sub":"u","exp":${NOW_S + 60},"nbf":-1e400}`)), "invalid_claims", "-Infinity nbf");
});

t.test("createVerifier rejects iat in the future", async (t) => {
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S + 3600 })), "not_yet_valid", "an hour ahead");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S + 31 })), "not_yet_valid", "1 s beyond skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S + 30 })), "ok", "exactly at skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 10 })), "ok", "in the past");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: "yesterday" })), "invalid_claims", "string iat");
});

t.test("createVerifier validates the subject", async (t) => {
  const cases: [string, unknown][] = [
    ["empty", ""],
    ["a number", 42],
    ["an object", { id: "u" }],
    ["an array", ["u"]],
    ["null", null],
    ["300 characters", "u".repeat(300)],
    ["257 characters", "u".repeat(257)],
    ["a NUL character", "a\u0000b"],
    ["a newline", "a\nb"],
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "a\udc00b"],
    ["a high surrogate at the end", "ab\ud83d"],
    ["two high surrogates", "\ud83d\ud83d"],
  ];
  for (const [name, sub] of cases) {
    t.equal(await reasonOf(await sign({ exp: CLAIMS.exp, sub })), "invalid_subject", name);
  }
  t.equal(await reasonOf(await sign({ exp: CLAIMS.exp })), "invalid_subject", "missing");
  t.equal(await reasonOf(await sign({ exp: CLAIMS.exp, sub: "u".repeat(256) })), "ok", "256 characters");
  t.equal(await reasonOf(await sign({ exp: CLAIMS.exp, sub: "user-\ud83d\ude00" })), "ok", "a surrogate pair is well-formed");
  const unicode = await verify(await sign({ exp: CLAIMS.exp, sub: "ユーザー 1" }), NOW);
  t.equal(unicode.ok && unicode.principal.userId, "ユーザー 1");
});

t.test("createVerifier reads a custom subject claim", async (t) => {
  const v = verifier({ subjectClaim: "uid" });
  const result = await v(await sign({ exp: CLAIMS.exp, sub: "not-me", uid: "u-9" }), NOW);
  t.equal(result.ok && result.principal.userId, "u-9");
  t.equal(await reasonOf(await sign(CLAIMS), v), "invalid_subject", "sub alone is not enough");
  // Only the payload's own members count, never Object.prototype's.
  const inherited = verifier({ subjectClaim: "constructor" });
  t.equal(await reasonOf(await sign(CLAIMS), inherited), "invalid_subject", "inherited property");
  const hash = await verifier({ clientHashClaim: "toString" })(await sign(CLAIMS), NOW);
  t.equal(hash.ok && hash.principal.clientHash, null, "an inherited client-hash claim is absent");
});

t.test("createVerifier checks the issuer when configured", async (t) => {
  const single = verifier({ issuer: "https://id.example" });
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "https://id.example" }), single), "ok");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "https://evil.example" }), single), "wrong_issuer");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "https://id.example/" }), single), "wrong_issuer", "exact match only");
  t.equal(await reasonOf(await sign(CLAIMS), single), "wrong_issuer", "missing iss");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: 42 }), single), "invalid_claims", "numeric iss");
  const list = verifier({ issuer: ["https://a.example", "https://b.example"] });
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "https://b.example" }), list), "ok");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "https://c.example" }), list), "wrong_issuer");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: "anyone" })), "ok", "not configured");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iss: ["https://id.example"] })), "invalid_claims", "array iss");
});

t.test("createVerifier checks the audience when configured", async (t) => {
  const single = verifier({ audience: "lobby" });
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: "lobby" }), single), "ok", "string");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: ["other", "lobby"] }), single), "ok", "array");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: "other" }), single), "wrong_audience", "wrong string");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: ["a", "b"] }), single), "wrong_audience", "wrong array");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: [] }), single), "wrong_audience", "empty array");
  t.equal(await reasonOf(await sign(CLAIMS), single), "wrong_audience", "missing");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: ["lobby", 1] }), single), "invalid_claims", "non-string entry");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: 1 }), single), "invalid_claims", "number");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: { lobby: true } }), single), "invalid_claims", "object");
  const list = verifier({ audience: ["lobby", "admin"] });
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: "admin" }), list), "ok", "configured list");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: ["x", null] })), "invalid_claims", "type checked even when not configured");
  t.equal(await reasonOf(await sign({ ...CLAIMS, aud: "anything" })), "ok", "not configured");
});

t.test("createVerifier reads the client-hash claim", async (t) => {
  const present = await verify(await sign({ ...CLAIMS, chash: "h-123" }), NOW);
  t.equal(present.ok && present.principal.clientHash, "h-123");
  const absent = await verify(await sign(CLAIMS), NOW);
  t.equal(absent.ok && absent.principal.clientHash, null);
  for (const chash of [42, "", null, ["h"], true]) {
    t.equal(await reasonOf(await sign({ ...CLAIMS, chash })), "invalid_claims", JSON.stringify(chash));
  }
  const custom = verifier({ clientHashClaim: "ch" });
  const result = await custom(await sign({ ...CLAIMS, ch: "h-9", chash: 1 }), NOW);
  t.equal(result.ok && result.principal.clientHash, "h-9", "custom claim; chash is then an ordinary claim");
});

t.test("createVerifier caps the token size before parsing", async (t) => {
  // A validly signed token of exactly `length` characters.
  async function tokenOfLength(length: number): Promise<string> {
    const header = JSON.stringify({ alg: "HS256", typ: "JWT", pad: "" }).length;
    const payload = JSON.stringify({ ...CLAIMS, pad: "" }).length;
    for (let h = 0; h < 3; h++) {
      for (let p = 0; p < length; p++) {
        if (segmentLength(header + h) + segmentLength(payload + p) + 2 + 43 === length) {
          return sign({ ...CLAIMS, pad: "p".repeat(p) }, { pad: "h".repeat(h) });
        }
      }
    }
    throw new Error(`no token of length ${length}`);
  }
  const atLimit = await tokenOfLength(8192);
  const overLimit = await tokenOfLength(8193);
  t.equal(atLimit.length, 8192);
  t.equal(overLimit.length, 8193);
  t.equal(await reasonOf(atLimit), "ok", "8 KiB");

  const parse = JSON.parse;
  let parsed = 0;
  JSON.parse = (...args: Parameters<typeof JSON.parse>) => {
    parsed++;
    return parse(...args);
  };
  try {
    t.equal(await reasonOf(overLimit), "token_too_large", "8 KiB + 1, validly signed");
    t.equal(await reasonOf("x".repeat(100_000)), "token_too_large", "100 kB of junk");
  } finally {
    JSON.parse = parse;
  }
  t.equal(parsed, 0, "nothing was decoded");
  t.equal(await reasonOf(await sign(CLAIMS), verifier({ maxTokenBytes: 64 })), "token_too_large", "maxTokenBytes option");
});

t.test("createVerifier rejects the wrong number of segments", async (t) => {
  const good = await sign(CLAIMS);
  const [h, p, s] = good.split(".");
  t.equal(await reasonOf(`${h}.${p}`), "malformed_token", "2 segments");
  t.equal(await reasonOf(`${good}.${s}`), "malformed_token", "4 segments");
  t.equal(await reasonOf(`${good}.`), "malformed_token", "trailing dot");
  t.equal(await reasonOf(`.${p}.${s}`), "malformed_token", "empty header");
  t.equal(await reasonOf(`${h}..${s}`), "malformed_token", "empty payload");
  for (const junk of ["", ".", "..", "...", "a", "a.b.c", "\u0000", "😀.😀.😀", "null", "{}.{}.{}"]) {
    t.equal(await reasonOf(junk), "malformed_token", JSON.stringify(junk));
  }
});

t.test("createVerifier rejects padding, whitespace and foreign characters", async (t) => {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  // A payload whose encoding is not a multiple of 4, so `=` padding is plausible.
  let json = JSON.stringify(CLAIMS);
  while (json.length % 3 === 0) json += " ";
  const payload = base64url(json);
  const padding = "=".repeat((4 - (payload.length % 4)) % 4);
  t.ok(padding.length > 0);
  t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload })), "ok", "control: unpadded verifies");
  t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload: payload + padding })), "malformed_token", "padding =");
  const middle = Math.floor(payload.length / 2);
  for (const [name, blank] of [["space", " "], ["tab", "\t"], ["newline", "\n"]]) {
    const spaced = payload.slice(0, middle) + blank + payload.slice(middle);
    t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload: spaced })), "malformed_token", `${name} inside`);
  }
  const good = await signSegments({ secret: SECRET, header, payload });
  t.equal(await reasonOf(` ${good}`), "malformed_token", "leading space");
  t.equal(await reasonOf(`${good}\n`), "malformed_token", "trailing newline");
  const plus = await signSegments({ secret: SECRET, header, payload: payload.replace(/.$/, "+") });
  t.equal(await reasonOf(plus), "malformed_token", "base64 '+' instead of base64url");
  t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload: `${payload}é` })), "malformed_token", "non-ASCII");
});

t.test("createVerifier rejects non-canonical base64url", async (t) => {
  const header = base64url(JSON.stringify({ alg: "HS256" }));
  for (const extra of [1, 2]) {
    // JSON of 3n+1 bytes leaves 4 unused bits in the last character; 3n+2 leaves 2.
    let json = JSON.stringify(CLAIMS);
    while (json.length % 3 !== extra) json += " ";
    const payload = base64url(json);
    const last = ALPHABET.indexOf(payload.at(-1)!);
    t.equal(last & 1, 0, "canonical encoding has zero unused bits");
    const tampered = payload.slice(0, -1) + ALPHABET[last + 1];
    t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload })), "ok", `control ${extra}`);
    t.equal(await reasonOf(await signSegments({ secret: SECRET, header, payload: tampered })), "malformed_token", `non-zero unused bits ${extra}`);
  }
  const fiveChars = "eyJhb"; // 4n+1 characters cannot be base64url
  t.equal(await reasonOf(await signSegments({ secret: SECRET, header: fiveChars, payload: base64url("{}") })), "malformed_token", "4n+1 length");
});

t.test("createVerifier requires JSON objects in UTF-8", async (t) => {
  for (const header of ['"abc"', "[]", "null", "42", "{", '{"alg":"HS256"} x']) {
    t.equal(await reasonOf(await sign(CLAIMS, header)), "malformed_token", `header ${header}`);
  }
  for (const payload of ['"abc"', "[]", "null", "true", "1", ""]) {
    t.equal(await reasonOf(await sign(payload)), "malformed_token", `payload ${JSON.stringify(payload)}`);
  }
  const invalidUtf8 = base64url(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
  t.equal(
    await reasonOf(await signSegments({ secret: SECRET, header: base64url('{"alg":"HS256"}'), payload: invalidUtf8 })),
    "malformed_token",
    "invalid UTF-8",
  );
  t.equal(await reasonOf(await sign(`\uFEFF${JSON.stringify(CLAIMS)}`)), "malformed_token", "byte order mark");
});

t.test("createVerifier takes the last of duplicate JSON members (RFC 7519 §4)", async (t) => {
  const result = await verify(await sign(`{"sub":"a","exp":${NOW_S + 60},"sub":"b"}`), NOW);
  t.equal(result.ok && result.principal.userId, "b");
  t.equal(await reasonOf(await sign(CLAIMS, '{"alg":"none","alg":"HS256"}')), "ok", "alg none then HS256");
  t.equal(await reasonOf(await sign(CLAIMS, '{"alg":"HS256","alg":"none"}')), "unsupported_algorithm", "alg HS256 then none");
});

t.test("createVerifier rejects a crit header", async (t) => {
  t.equal(await reasonOf(await sign(CLAIMS, { crit: ["exp"] })), "critical_header");
  t.equal(await reasonOf(await sign(CLAIMS, { crit: [] })), "critical_header", "empty list");
  t.equal(await reasonOf(await sign(CLAIMS, { crit: ["b64"], b64: false })), "critical_header", "RFC 7797");
});

t.test("createVerifier ignores typ and key-location headers", async (t) => {
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "at+jwt" })), "ok", "typ at+jwt");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: undefined })), "ok", "no typ");
  t.equal(await reasonOf(await sign(CLAIMS, { jku: "https://evil.example/jwks" })), "ok", "jku is never fetched");
  const withJwk = await signToken({
    secret: OTHER_SECRET,
    header: { jwk: { kty: "oct", k: base64url(OTHER_SECRET) } },
    payload: CLAIMS,
  });
  t.equal(await reasonOf(withJwk), "bad_signature", "an embedded jwk is not trusted");
});

t.test("createVerifier applies the kid rule", async (t) => {
  const named = verifier({ keys: await secretKeys(SECRET, { kid: "k1" }) });
  t.equal(await reasonOf(await sign(CLAIMS, { kid: "k1" }), named), "ok", "same kid");
  t.equal(await reasonOf(await sign(CLAIMS, { kid: "k2" }), named), "unknown_key", "other kid");
  t.equal(await reasonOf(await sign(CLAIMS), named), "unknown_key", "no kid");
  t.equal(await reasonOf(await sign(CLAIMS, { kid: "K1" }), named), "unknown_key", "kid is case-sensitive");
  t.equal(await reasonOf(await sign(CLAIMS, { kid: "anything" })), "ok", "unnamed key, any kid");
  t.equal(await reasonOf(await sign(CLAIMS)), "ok", "unnamed key, no kid");
  t.equal(await reasonOf(await sign(CLAIMS, { kid: 1 })), "malformed_token", "numeric kid");
  t.equal(await reasonOf(await sign(CLAIMS, { kid: null })), "malformed_token", "null kid");

  const rotated = verifier({
    keys: combineKeySets(await secretKeys(SECRET, { kid: "a" }), await secretKeys(OTHER_SECRET, { kid: "b" })),
  });
  t.equal(await reasonOf(await signToken({ secret: OTHER_SECRET, header: { kid: "b" }, payload: CLAIMS }), rotated), "ok");
  t.equal(await reasonOf(await signToken({ secret: SECRET, header: { kid: "a" }, payload: CLAIMS }), rotated), "ok");
  t.equal(
    await reasonOf(await signToken({ secret: OTHER_SECRET, header: { kid: "a" }, payload: CLAIMS }), rotated),
    "bad_signature",
    "kid of the other key",
  );
  t.equal(await reasonOf(await signToken({ secret: SECRET, payload: CLAIMS }), rotated), "unknown_key", "no kid");

  const mixed = verifier({
    keys: combineKeySets(
      await secretKeys(SECRET, { algorithms: ["HS256"] }),
      await secretKeys(OTHER_SECRET, { algorithms: ["HS512"] }),
    ),
  });
  t.equal(await reasonOf(await signToken({ secret: OTHER_SECRET, alg: "HS512", payload: CLAIMS }), mixed), "ok", "HS512 from the second set");
  t.equal(await reasonOf(await signToken({ secret: SECRET, alg: "HS512", payload: CLAIMS }), mixed), "bad_signature", "HS512 with the first set's secret");
  t.equal(await reasonOf(await signToken({ secret: SECRET, alg: "HS384", payload: CLAIMS }), mixed), "unsupported_algorithm", "HS384 in neither");
});

t.test("staticKeys puts kid matches first and keeps unnamed keys as fallback", async (t) => {
  const key = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const unnamed: ImportedKey = { alg: "HS256", key };
  const named: ImportedKey = { alg: "HS256", kid: "k", key };
  const set = staticKeys([unnamed, named]);
  // Each entry becomes a verification key: the same alg, kid and CryptoKey, plus verify.
  const entries = (list: readonly VerificationKey[] | Promise<readonly VerificationKey[]>) =>
    (list as readonly VerificationKey[]).map(({ alg, kid, key }) => (kid === undefined ? { alg, key } : { alg, kid, key }));
  t.strictSame([...set.algorithms], ["HS256"]);
  t.strictSame(entries(set.candidates({ alg: "HS256", kid: "k" })), [named, unnamed]);
  t.strictSame(entries(set.candidates({ alg: "HS256", kid: "other" })), [unnamed]);
  t.strictSame(entries(set.candidates({ alg: "HS256" })), [unnamed]);
  t.strictSame(set.candidates({ alg: "HS512" }), []);
  const [first] = set.candidates({ alg: "HS256" }) as readonly VerificationKey[];
  t.equal(typeof first!.verify, "function", "a key that knows how to verify");
  t.ok(Object.isFrozen(first), "and cannot be changed into one that does not");
});

t.test("staticKeys refuses keys that do not fit their algorithm", async (t) => {
  const sha512 = await crypto.subtle.importKey("raw", new Uint8Array(64), { name: "HMAC", hash: "SHA-512" }, false, ["verify"]);
  const signOnly = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const ok = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const cases: Array<[string, ImportedKey, KeyError["code"], string]> = [
    ["wrong hash", { alg: "HS256", key: sha512 }, "alg_mismatch", "staticKeys: the key for HS256 is not a HMAC verification key"],
    ["no verify usage", { alg: "HS256", key: signOnly }, "not_for_verifying", "staticKeys: the key for HS256 is not a HMAC verification key"],
    ["unknown algorithm", { alg: "none" as "HS256", key: ok }, "unsupported_alg", "staticKeys: unsupported algorithm none"],
    ["empty kid", { alg: "HS256", kid: "", key: ok }, "invalid_kid", "staticKeys: kid must be a non-empty string"],
  ];
  for (const [name, entry, code, message] of cases) {
    const error = t.throws(() => staticKeys([entry])) as Error & { code?: string };
    t.type(error, KeyError, name);
    t.equal(error.code, code, name);
    t.equal(error.message, message, name);
  }
});

t.test("createVerifier ignores keys of another algorithm from a custom key set", async (t) => {
  const [hs512] = await (await secretKeys(SECRET, { algorithms: ["HS512"] })).candidates({ alg: "HS512" });
  const sloppy: KeySet = { algorithms: new Set(["HS256"] as const), candidates: async () => [hs512!] };
  t.equal(await reasonOf(await sign(CLAIMS), verifier({ keys: sloppy })), "unknown_key");
  const signOnly = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  // A custom key whose Web Crypto call rejects (a key without the verify usage), throws, or answers oddly.
  const custom = (verify: VerificationKey["verify"]): KeySet => ({
    algorithms: new Set(["HS256"] as const),
    candidates: () => [{ alg: "HS256", key: signOnly, verify }],
  });
  const rejecting = custom((signature, data) => crypto.subtle.verify("HMAC", signOnly, signature, data));
  t.equal(await reasonOf(await sign(CLAIMS), verifier({ keys: rejecting })), "bad_signature", "a key that cannot verify fails closed");
  const throwing = custom(() => {
    throw new Error("Web Crypto threw");
  });
  t.equal(await reasonOf(await sign(CLAIMS), verifier({ keys: throwing })), "bad_signature", "a key that throws fails closed");
  const truthy = custom(() => Promise.resolve(1 as unknown as boolean));
  t.equal(await reasonOf(await sign(CLAIMS), verifier({ keys: truthy })), "bad_signature", "only true is a yes");
  const failing: KeySet = {
    algorithms: new Set(["HS256"] as const),
    candidates: () => Promise.reject(new Error("JWKS unreachable")),
  };
  await t.rejects(verifier({ keys: failing })(await sign(CLAIMS), NOW), /JWKS unreachable/, "a key source failure is not a token failure");
});

t.test("createVerifier throws for a clock that is not a finite number", async (t) => {
  const token = await sign(CLAIMS);
  for (const now of [Number.NaN, Number.POSITIVE_INFINITY, "1767225600000" as unknown as number]) {
    await t.rejects(verify(token, now), TypeError, String(now));
  }
});

t.test("createVerifier returns nothing but the reason on failure", async (t) => {
  const token = await sign({ ...CLAIMS, exp: NOW_S - 3600, secret: "claim-value" });
  t.strictSame(await verify(token, NOW), { ok: false, reason: "expired" });
});

t.test("secretKeys rejects empty secrets without echoing a secret", async (t) => {
  await t.rejects(secretKeys(""), TypeError);
  await t.rejects(secretKeys(new Uint8Array(0)), TypeError);
  await t.rejects(secretKeys(123456 as unknown as string), TypeError);
  const secret = "super-secret-value-1234";
  for (const options of [{ kid: "" }, { algorithms: [] }, { algorithms: ["RS256" as "HS256"] }]) {
    const error = await secretKeys(secret, options).then(
      () => null,
      (caught: unknown) => caught,
    );
    t.type(error, TypeError, JSON.stringify(options));
    t.notMatch(String((error as Error).message), secret);
    t.notMatch(String((error as Error).message), "1234");
  }
  const numeric = await secretKeys(123456 as unknown as string).catch((caught: unknown) => caught);
  t.notMatch(String((numeric as Error).message), "123456");
});

t.test("secretKeys imports one key per allowed algorithm", async (t) => {
  t.strictSame([...(await secretKeys(SECRET)).algorithms].sort(), ["HS256", "HS384", "HS512"]);
  const two = await secretKeys(SECRET, { algorithms: ["HS512", "HS256", "HS512"] });
  t.strictSame([...two.algorithms].sort(), ["HS256", "HS512"]);
  const [key] = await two.candidates({ alg: "HS512", kid: "x" });
  t.equal(key?.alg, "HS512");
  t.equal(key?.key.extractable, false, "the secret cannot be exported again");
  t.strictSame(key?.key.usages, ["verify"]);
});

t.test("clientHashMatches compares exactly", async (t) => {
  const cases: [string, string | null, boolean][] = [
    ["h-123", "h-123", true],
    ["", "", true],
    ["é", "é", true],
    ["h-123", "h-124", false],
    ["h-123", "H-123", false],
    ["h-123", "h-12", false],
    ["h-12", "h-123", false],
    ["h-123", "", false],
    ["", "a", false],
    ["h-123", null, false],
    ["é", "e\u0301", false],
    ["a\u0000", "a", false],
  ];
  for (const [expected, presented, matches] of cases) {
    t.equal(clientHashMatches(expected, presented), matches, `${JSON.stringify(expected)} vs ${JSON.stringify(presented)}`);
  }
});

t.test("createVerifier validates its options", async (t) => {
  const skew = "createVerifier: options.clockSkewSeconds must be an integer from 0 to 3600";
  const issuer = "createVerifier: options.issuer must be a non-empty string or a non-empty list of them";
  const cases: [string, unknown, string][] = [
    ["keys missing", {}, "createVerifier: options.keys is required"],
    ["keys not a set", { keys: { candidates: "no" } }, "createVerifier: options.keys must be a KeySet, such as secretKeys() returns"],
    ["skew negative", { keys, clockSkewSeconds: -1 }, skew],
    ["skew too large", { keys, clockSkewSeconds: 3601 }, skew],
    ["skew fractional", { keys, clockSkewSeconds: 1.5 }, skew],
    ["skew string", { keys, clockSkewSeconds: "30" }, skew],
    ["skew NaN", { keys, clockSkewSeconds: Number.NaN }, skew],
    ["issuer empty", { keys, issuer: "" }, issuer],
    ["issuer empty list", { keys, issuer: [] }, issuer],
    ["issuer list with empty", { keys, issuer: ["a", ""] }, issuer],
    ["issuer number", { keys, issuer: 1 }, issuer],
    ["audience list with number", { keys, audience: ["a", 1] }, "createVerifier: options.audience must be a non-empty string or a non-empty list of them"],
    ["subjectClaim empty", { keys, subjectClaim: "" }, "createVerifier: options.subjectClaim must be a non-empty string"],
    ["clientHashClaim number", { keys, clientHashClaim: 1 }, "createVerifier: options.clientHashClaim must be a non-empty string"],
    ["maxTokenBytes zero", { keys, maxTokenBytes: 0 }, "createVerifier: options.maxTokenBytes must be an integer from 1 to 1048576"],
    ["maxTokenBytes huge", { keys, maxTokenBytes: 2_000_000 }, "createVerifier: options.maxTokenBytes must be an integer from 1 to 1048576"],
    ["type with a space", { keys, type: "at jwt" }, "createVerifier: options.type must be 1-128 visible ASCII characters, such as at+jwt"],
    ["maxAgeSeconds zero", { keys, maxAgeSeconds: 0 }, "createVerifier: options.maxAgeSeconds must be an integer from 1 to 31536000"],
    ["check not a function", { keys, check: "scope" }, "createVerifier: options.check must be a function"],
    ["cacheSize negative", { keys, cacheSize: -1 }, "createVerifier: options.cacheSize must be an integer from 0 to 1000000"],
    ["a typo", { keys, audiences: "lobby" }, "createVerifier: options.audiences is not an option"],
    ["same claim twice", { keys, subjectClaim: "id", clientHashClaim: "id" }, "createVerifier: options.clientHashClaim must differ from options.subjectClaim"],
    ["the default claim twice", { keys, subjectClaim: "chash" }, "createVerifier: options.clientHashClaim must differ from options.subjectClaim"],
    ["not an object", null, "createVerifier: options must be an object"],
  ];
  for (const [name, options, message] of cases) {
    const error = t.throws(() => createVerifier(options as VerifierOptions)) as Error & { code?: string };
    t.equal(error.name, "TypeError", name);
    t.equal(error.message, message, name);
  }
  t.doesNotThrow(() => createVerifier({ keys, clockSkewSeconds: 0, maxTokenBytes: 1 }), "lower bounds");
  t.doesNotThrow(() => createVerifier({ keys, clockSkewSeconds: 3600, maxTokenBytes: 1_048_576 }), "upper bounds");
  t.doesNotThrow(() => createVerifier({ keys, issuer: undefined, audience: undefined }), "undefined means unset");
});

t.test("createVerifier pins typ when configured (RFC 9068 at+jwt)", async (t) => {
  const typed = verifier({ type: "at+jwt" });
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "at+jwt" }), typed), "ok", "exact");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "AT+JWT" }), typed), "ok", "media types compare case-insensitively");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "application/at+jwt" }), typed), "ok", "with application/");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "JWT" }), typed), "wrong_type", "JWT");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: undefined }), typed), "wrong_type", "missing typ");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: ["at+jwt"] }), typed), "wrong_type", "typ not a string");
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "at+jwt " }), typed), "wrong_type", "no trimming");
  const pinnedWithPrefix = verifier({ type: "application/AT+JWT" });
  t.equal(await reasonOf(await sign(CLAIMS, { typ: "at+jwt" }), pinnedWithPrefix), "ok", "the option is normalized too");
  t.equal(
    await reasonOf(await signToken({ secret: OTHER_SECRET, header: { typ: "JWT" }, payload: CLAIMS }), typed),
    "wrong_type",
    "the header is judged before the signature",
  );
});

t.test("createVerifier limits the age of a token with maxAgeSeconds", async (t) => {
  const young = verifier({ maxAgeSeconds: 600 });
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 10 }), young), "ok");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 629 }), young), "ok", "within max age + skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 630 }), young), "too_old", "exactly max age + skew");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 86_400 }), young), "too_old", "a day old");
  t.equal(await reasonOf(await sign(CLAIMS), young), "invalid_claims", "iat is required");
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: "now" }), young), "invalid_claims", "iat must be a number");
  t.equal(
    await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 86_400, exp: NOW_S - 3600 }), young),
    "expired",
    "expired comes first",
  );
  t.equal(await reasonOf(await sign({ ...CLAIMS, iat: NOW_S - 86_400 })), "ok", "no limit unless configured");
});

t.test("createVerifier runs a claim check hook that returns data", async (t) => {
  const seen: Array<{ claims: unknown; header: unknown; nowMs: number }> = [];
  const scoped = verifier({
    check: (claims, context) => {
      seen.push({ claims, header: context.header, nowMs: context.nowMs });
      const scope = typeof claims.scope === "string" ? claims.scope.split(" ") : [];
      return scope.includes("workspaces:read") ? { ok: true } : { ok: false, code: "missing_scope" };
    },
  });
  t.equal(await reasonOf(await sign({ ...CLAIMS, scope: "openid workspaces:read" }), scoped), "ok");
  t.strictSame(await scoped(await sign({ ...CLAIMS, scope: "openid" }), NOW), {
    ok: false,
    reason: "claim_check_failed",
    code: "missing_scope",
  });
  t.equal(seen[0]?.nowMs, NOW, "the hook gets the clock");
  t.equal((seen[0]?.header as { alg?: string }).alg, "HS256", "and the header");
  t.equal(await reasonOf(await sign({ ...CLAIMS, exp: NOW_S - 3600 }), scoped), "expired", "the hook runs last");
  t.equal(seen.length, 2, "not for a token that failed before");

  const odd = [
    ["an async refusal", async () => ({ ok: false as const, code: "revoked" }), "revoked"],
    ["a code with spaces", () => ({ ok: false as const, code: "no such scope" }), "rejected"],
    ["a code that is not a string", () => ({ ok: false, code: 42 }) as unknown as { ok: false; code: string }, "rejected"],
    ["nothing at all", () => undefined as unknown as { ok: true }, "rejected"],
    ["ok as a string", () => ({ ok: "true" }) as unknown as { ok: true }, "rejected"],
  ] as const;
  for (const [name, check, code] of odd) {
    const result = await verifier({ check })(await sign(CLAIMS), NOW);
    t.strictSame(result, { ok: false, reason: "claim_check_failed", code }, name);
  }
  const asyncOk = verifier({ check: async () => ({ ok: true }) });
  t.equal(await reasonOf(await sign(CLAIMS), asyncOk), "ok", "an async acceptance");
  const throwing = createVerifier({ keys, check: () => { throw new Error("bug in the hook"); } });
  await t.rejects(throwing(await sign(CLAIMS), NOW), /bug in the hook/, "a throwing hook is a bug, not a token failure");
});

// Counts crypto.subtle.verify calls while `run` runs.
// Keys imported here rather than by secretKeys, whose HS256 keys are checked
// in JavaScript (_sha256.ts): every signature check of these is a Web Crypto
// call that countVerifies sees.
async function webCryptoKey(secret: string, kid?: string): Promise<VerificationKey> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const set = staticKeys([kid === undefined ? { alg: "HS256", key } : { alg: "HS256", kid, key }]);
  return (set.candidates({ alg: "HS256", kid }) as readonly VerificationKey[])[0]!;
}
const webCryptoKeys = staticKeys([{ alg: "HS256", key: (await webCryptoKey(SECRET)).key }]);

async function countVerifies(run: () => Promise<void>): Promise<number> {
  const subtle = crypto.subtle as SubtleCrypto & { verify: SubtleCrypto["verify"] };
  const original = subtle.verify;
  let calls = 0;
  subtle.verify = ((...args: Parameters<SubtleCrypto["verify"]>) => {
    calls++;
    return original.apply(subtle, args);
  }) as SubtleCrypto["verify"];
  try {
    await run();
  } finally {
    subtle.verify = original;
  }
  return calls;
}

t.test("HS256 keys made by secretKeys are checked without Web Crypto; others with it", async (t) => {
  const token = await sign(CLAIMS);
  t.equal(await countVerifies(async () => void t.equal(await reasonOf(token, verifier({ cacheSize: 0 })), "ok")), 0, "secretKeys, HS256");
  t.equal(await countVerifies(async () => void t.equal(await reasonOf(token, verifier({ keys: webCryptoKeys })), "ok")), 1, "an imported HS256 key");
  const hs384 = await signToken({ secret: SECRET, alg: "HS384", payload: CLAIMS });
  t.equal(await countVerifies(async () => void t.equal(await reasonOf(hs384, verifier({ cacheSize: 0 })), "ok")), 1, "secretKeys, HS384");
  const forged = token.slice(0, token.lastIndexOf(".") + 1) + base64url(new Uint8Array(32));
  t.equal(await reasonOf(forged, verifier({ cacheSize: 0 })), "bad_signature", "and a wrong HS256 signature is refused");
});

t.test("a verification key verifies: synchronously for secretKeys HS256, failing closed with Web Crypto", async (t) => {
  const data = new TextEncoder().encode("header.payload");
  const hs = (await secretKeys(SECRET, { algorithms: ["HS256"] })).candidates({ alg: "HS256" }) as readonly VerificationKey[];
  const good = (await signToken({ secret: SECRET, payload: "{}" })).split(".");
  const input = new TextEncoder().encode(`${good[0]}.${good[1]}`);
  const signature = Uint8Array.from(Buffer.from(good[2]!, "base64url"));
  t.equal(hs[0]!.verify(signature, input), true, "a boolean, not a promise");
  t.equal(hs[0]!.verify(signature.subarray(0, 31), input), false, "a short signature");
  t.equal(hs[0]!.verify(signature, data), false, "another message");

  const imported = await webCryptoKey(SECRET);
  const pending = imported.verify(signature, input);
  t.ok(pending instanceof Promise, "Web Crypto answers later");
  t.equal(await pending, true);
  const subtle = crypto.subtle as SubtleCrypto & { verify: SubtleCrypto["verify"] };
  const original = subtle.verify;
  try {
    subtle.verify = (() => {
      throw new Error("synchronous throw");
    }) as SubtleCrypto["verify"];
    t.equal(await imported.verify(signature, input), false, "a throw is a no");
    subtle.verify = (() => Promise.reject(new Error("rejected"))) as SubtleCrypto["verify"];
    t.equal(await imported.verify(signature, input), false, "a rejection is a no");
    t.equal(await reasonOf(await sign(CLAIMS), verifier({ keys: webCryptoKeys, cacheSize: 0 })), "bad_signature", "and the token is refused");
  } finally {
    subtle.verify = original;
  }
});

t.test("createVerifier asks no key about a signature of the wrong length or another algorithm", async (t) => {
  let asked = 0;
  const [hs256] = (await secretKeys(SECRET, { algorithms: ["HS256"] })).candidates({ alg: "HS256" }) as readonly VerificationKey[];
  const [hs512] = (await secretKeys(SECRET, { algorithms: ["HS512"] })).candidates({ alg: "HS512" }) as readonly VerificationKey[];
  const counting = (key: VerificationKey): VerificationKey => ({ ...key, verify: (...args) => (asked++, key.verify(...args)) });
  const keys: KeySet = { algorithms: new Set(["HS256"] as const), candidates: () => [counting(hs512!), counting(hs256!)] };
  const v = verifier({ keys, cacheSize: 0 });
  const token = await sign(CLAIMS);
  const cut = token.slice(0, token.lastIndexOf(".") + 1);
  t.equal(await reasonOf(cut + base64url(new Uint8Array(31)), v), "bad_signature", "31 bytes");
  t.equal(await reasonOf(cut + base64url(new Uint8Array(33)), v), "bad_signature", "33 bytes");
  t.equal(await reasonOf(cut, v), "bad_signature", "none");
  t.equal(asked, 0, "no key was asked");
  t.equal(await reasonOf(token, v), "ok");
  t.equal(asked, 1, "only the HS256 key, once");
});

t.test("the verified-token cache skips the signature for a token seen again", async (t) => {
  const v = verifier({ keys: webCryptoKeys });
  const token = await sign({ ...CLAIMS, sub: "cached-user", chash: "h-1", nested: { roles: ["a"] } });
  const first = await v(token, NOW);
  let again: VerifyResult | undefined;
  const calls = await countVerifies(async () => {
    for (let i = 0; i < 50; i++) again = await v(token, NOW + i * 1000);
  });
  t.equal(calls, 0, "no Web Crypto call on a hit");
  t.strictSame(again, first, "the same answer");
  t.ok(again?.ok && Object.isFrozen(again.principal) && Object.isFrozen(again.principal.claims), "the shared principal is frozen");
  t.ok(again?.ok && Object.isFrozen((again.principal.claims.nested as { roles: unknown[] }).roles), "deeply");
  const off = verifier({ keys: webCryptoKeys, cacheSize: 0 });
  await off(token, NOW);
  t.equal(await countVerifies(async () => void (await off(token, NOW))), 1, "cacheSize 0 verifies every time");
  const tampered = token.slice(0, -2) + (token.endsWith("A") ? "BA" : "AA");
  t.equal(await reasonOf(tampered, v), "bad_signature", "a near copy of a cached token is not a hit");
});

t.test("the verified-token cache never lets an expired token through", async (t) => {
  const v = verifier();
  const token = await sign({ sub: "u", exp: NOW_S + 60 });
  t.equal(await reasonOf(token, v, NOW), "ok");
  t.equal(await reasonOf(token, v, NOW + 89_999), "ok", "cached, 1 ms before exp + skew");
  t.equal(await reasonOf(token, v, NOW + 90_000), "expired", "at exp + skew");
  t.equal(await reasonOf(token, v, NOW + 10_000), "ok", "verified again when the clock goes back");
  const aged = verifier({ maxAgeSeconds: 60 });
  const old = await sign({ ...CLAIMS, iat: NOW_S });
  t.equal(await reasonOf(old, aged, NOW), "ok");
  t.equal(await reasonOf(old, aged, NOW + 89_999), "ok", "cached, just within max age + skew");
  t.equal(await reasonOf(old, aged, NOW + 90_000), "too_old", "max age is checked on a hit");
  const early = await sign({ ...CLAIMS, nbf: NOW_S, iat: NOW_S });
  t.equal(await reasonOf(early, v, NOW), "ok");
  t.equal(await reasonOf(early, v, NOW - 31_000), "not_yet_valid", "nbf is checked on a hit (a clock set back)");
});

t.test("the verified-token cache drops a token whose key left the key set", async (t) => {
  const [first] = await (await secretKeys(SECRET, { algorithms: ["HS256"], kid: "k1" })).candidates({ alg: "HS256", kid: "k1" });
  const [second] = await (await secretKeys(OTHER_SECRET, { algorithms: ["HS256"], kid: "k2" })).candidates({ alg: "HS256", kid: "k2" });
  let current: VerificationKey[] = [first!, second!];
  const rotating: KeySet = {
    algorithms: new Set(["HS256"] as const),
    candidates: ({ kid }) => current.filter((key) => key.kid === kid),
  };
  const v = verifier({ keys: rotating });
  const token = await signToken({ secret: SECRET, header: { kid: "k1" }, payload: CLAIMS });
  t.equal(await reasonOf(token, v), "ok");
  t.equal(await reasonOf(token, v), "ok", "cached");
  current = [second!];
  t.equal(await reasonOf(token, v), "unknown_key", "k1 is gone: the cached token is refused");
  current = [first!, second!];
  t.equal(await reasonOf(token, v), "ok", "and verified afresh when k1 returns");
  // A new key under the same kid is another key: the cached entry does not carry over.
  const replacement = await webCryptoKey(SECRET, "k1");
  current = [replacement];
  t.equal(await countVerifies(async () => void t.equal(await reasonOf(token, v), "ok", "same secret, new key object")), 1, "verified again");
});

t.test("the verified-token cache re-runs the claim check on every hit", async (t) => {
  const revoked = new Set<string>();
  const v = verifier({
    check: (claims) => (revoked.has(String(claims.jti)) ? { ok: false, code: "revoked" } : { ok: true }),
  });
  const token = await sign({ ...CLAIMS, jti: "t-1" });
  t.equal(await reasonOf(token, v), "ok");
  t.equal(await reasonOf(token, v), "ok", "a hit the check accepts");
  revoked.add("t-1");
  t.strictSame(await v(token, NOW), { ok: false, reason: "claim_check_failed", code: "revoked" });
});

t.test("the verified-token cache is bounded", async (t) => {
  const v = verifier({ keys: webCryptoKeys, cacheSize: 2 });
  const tokens = await Promise.all([1, 2, 3].map((i) => sign({ ...CLAIMS, n: i })));
  for (const token of tokens) await v(token, NOW);
  const [a, b, c] = tokens as [string, string, string];
  t.equal(await countVerifies(async () => void (await v(c, NOW), await v(b, NOW))), 0, "the two most recent are held");
  t.equal(await countVerifies(async () => void (await v(a, NOW))), 1, "the oldest was evicted");
});

t.test("TokenCache keeps entries until their deadline, least recently used first out", async (t) => {
  const cache = new TokenCache<{ deadlineMs: number; n: number }>(3);
  cache.set("a", { deadlineMs: 100, n: 1 }, 0);
  cache.set("b", { deadlineMs: 200, n: 2 }, 0);
  cache.set("c", { deadlineMs: 300, n: 3 }, 0);
  t.equal(cache.get("a", 50)?.n, 1, "a is now the most recent");
  cache.set("d", { deadlineMs: 400, n: 4 }, 0);
  t.equal(cache.get("b", 50), undefined, "b, least recently used, was evicted");
  t.equal(cache.size, 3);
  t.equal(cache.get("a", 100), undefined, "at its deadline an entry is gone");
  t.equal(cache.size, 2, "and dropped");
  cache.set("e", { deadlineMs: 10, n: 5 }, 10);
  t.equal(cache.get("e", 0), undefined, "an entry already past its deadline is not stored");
  cache.sweep(350);
  t.equal(cache.size, 1, "sweep drops every entry past its deadline");
  t.equal(cache.get("d", 350)?.n, 4);
  cache.delete("d");
  t.equal(cache.size, 0);
  const none = new TokenCache<{ deadlineMs: number }>(0);
  none.set("a", { deadlineMs: 100 }, 0);
  t.equal(none.size, 0, "capacity 0 holds nothing");
  t.throws(() => new TokenCache(-1), TypeError);
  t.throws(() => new TokenCache(1.5), TypeError);

  // Every max(64, capacity / 4) insertions, expired entries are swept.
  const swept = new TokenCache<{ deadlineMs: number }>(200);
  for (let i = 0; i < 63; i++) swept.set(`k${i}`, { deadlineMs: 10 }, 0);
  t.equal(swept.size, 63);
  swept.set("fresh", { deadlineMs: 1000 }, 20);
  t.equal(swept.size, 1, "the 64th insertion swept the 63 expired entries");
});

t.test("TokenCache keeps a token used on every request, moving it only when it ages", async (t) => {
  // Capacity 4: a hit moves an entry to the back only once it is not among
  // the 2 most recent moves; a token hit after every insertion must survive.
  const cache = new TokenCache<{ deadlineMs: number; n: number }>(4);
  cache.set("hot", { deadlineMs: 1000, n: 0 }, 0);
  for (let i = 1; i <= 50; i++) {
    cache.set(`k${i}`, { deadlineMs: 1000, n: i }, 0);
    t.equal(cache.get("hot", 0)?.n, 0, `held after ${i} insertions`);
  }
  t.equal(cache.size, 4);
  t.equal(cache.get("k46", 0), undefined, "the others went out oldest first");
  t.equal(cache.get("k50", 0)?.n, 50);
});

t.test("tokenCacheKey is the SHA-256 of the token, and refuses non-ASCII", async (t) => {
  const { createHash } = await import("node:crypto");
  // Two digest bytes per code unit.
  const expected = (text: string | Buffer) => {
    const digest = createHash("sha256").update(text).digest();
    return String.fromCharCode(...Array.from({ length: 16 }, (_, i) => digest.readUInt16BE(i * 2)));
  };
  const lengths = [0, 1, 3, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 500, 1024, 1025, 8192];
  for (const length of lengths) {
    let text = "";
    for (let i = 0; i < length; i++) text += ALPHABET[(i * 7 + length) % ALPHABET.length];
    t.equal(tokenCacheKey(text), expected(text), `length ${length}`);
  }
  t.equal(tokenCacheKey("abc")!.charCodeAt(0), 0xba78, "FIPS 180-4 example: ba7816bf...");
  t.equal(tokenCacheKey("abc")!.length, 16);
  t.equal(tokenCacheKey("\u0000\u007f"), expected(Buffer.from([0, 0x7f])), "all of ASCII");
  for (const text of ["é", "a".repeat(64) + "é", "a".repeat(70) + "\u0100", "\u0161bc", "\ud800", "é" + "a".repeat(2000), "a".repeat(3000) + "\u{1f600}"]) {
    t.equal(tokenCacheKey(text), null, `non-ASCII ${JSON.stringify(text.slice(-3))}`);
  }
  // A code unit above 0x7f must never alias its low byte ("š" is U+0161, 0x61 is "a").
  t.not(tokenCacheKey("abc"), tokenCacheKey("\u0161bc"));
  t.equal(tokenCacheKey("abc"), expected("abc"), "still right after the non-ASCII ones");
});

t.test("every TokenFailureReason is produced by some case above", async (t) => {
  t.strictSame([...TOKEN_FAILURE_REASONS].filter((reason) => !produced.has(reason)), []);
  t.equal(produced.size, TOKEN_FAILURE_REASONS.length, "and no reason outside the list");
});
