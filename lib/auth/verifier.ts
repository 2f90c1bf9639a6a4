/**
 * Verifying a bearer token as a JWT (RFC 7519, RFC 8725) into the principal
 * the handler serves.
 *
 * Verification follows oslo's order: cap the size, parse strictly
 * (`_jws.ts`), pin the algorithm from the configured keys, check the
 * signature with the candidate key's own `verify` (Web Crypto, or for HS256
 * keys made by `secretKeys` a synchronous HMAC), then validate the claims
 * (valibot) against the clock passed in. Expected failures are returned as
 * data with a stable reason; nothing here throws for a bad token, and no
 * result carries token text, key material or claim values except the
 * principal itself.
 *
 * A bounded cache of verified tokens (`_token_cache.ts`) lets a token seen
 * again skip parsing and the signature, never the checks that can change:
 * the clock, the key still being in the key set, the claim hook.
 *
 * @module
 */
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { parseCompactJws } from "./_jws.ts";
import { aFunction, integer } from "./_schemas.ts";
import { TokenCache, tokenCacheKey } from "./_token_cache.ts";
import { type JwtAlgorithm, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
import type { KeySet, VerificationKey } from "./keys.ts";

/**
 * Every reason {@link createVerifier} can reject a token for, as stable
 * codes (see {@link TokenFailureReason} for each meaning).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TOKEN_FAILURE_REASONS } from "./verifier.ts";
 * assert.ok(TOKEN_FAILURE_REASONS.includes("expired"));
 * ```
 */
export const TOKEN_FAILURE_REASONS = [
  "token_too_large",
  "malformed_token",
  "unsupported_algorithm",
  "critical_header",
  "wrong_type",
  "unknown_key",
  "bad_signature",
  "invalid_claims",
  "invalid_subject",
  "expired",
  "not_yet_valid",
  "too_old",
  "wrong_issuer",
  "wrong_audience",
  "claim_check_failed",
] as const;

/**
 * Why a token was rejected, checked in this order (the first that applies
 * is the reason):
 *
 * - `token_too_large`: longer than `maxTokenBytes`; nothing was parsed.
 * - `malformed_token`: not three strict base64url segments (no padding, no
 *   whitespace, canonical), not UTF-8 JSON, a header or payload that is not
 *   an object, or a `kid` that is not a string.
 * - `unsupported_algorithm`: the header's `alg` is missing, not a string, or
 *   not one the key set allows (`none` included).
 * - `critical_header`: the header has `crit`; lobby understands no extension.
 * - `wrong_type`: a `type` is pinned and the header's `typ` is not it.
 * - `unknown_key`: the key set has no key for this `alg` and `kid`.
 * - `bad_signature`: no candidate key verifies the signature.
 * - `invalid_claims`: `exp` missing or not a NumericDate (a finite number
 *   from 0 to year 9999); `nbf` or `iat` present but not one; `iat` missing
 *   while `maxAgeSeconds` is set; `iss` not a string; `aud` not a string or
 *   list of strings; the client-hash claim present but not a non-empty string.
 * - `invalid_subject`: the subject claim is not a string of 1 to 256
 *   characters without control characters, or not well-formed UTF-16 (a
 *   lone surrogate, which a database would store as U+FFFD and so confuse
 *   with another user).
 * - `expired`: now ≥ `exp` + skew.
 * - `not_yet_valid`: now + skew < `nbf`, or `iat` > now + skew.
 * - `too_old`: `maxAgeSeconds` is set and now ≥ `iat` + `maxAgeSeconds` + skew.
 * - `wrong_issuer`: issuers are configured and `iss` is none of them.
 * - `wrong_audience`: audiences are configured and `aud` names none of them.
 * - `claim_check_failed`: the `check` hook refused the claims (its code is
 *   in the result's `code`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVerifier, secretKeys, type TokenFailureReason } from "./mod.ts";
 * const verify = createVerifier({ keys: await secretKeys("a-long-random-secret-of-32-bytes!") });
 * const result = await verify("not.a.jwt", Date.now());
 * const reason: TokenFailureReason | null = result.ok ? null : result.reason;
 * assert.equal(reason, "malformed_token");
 * ```
 */
export type TokenFailureReason = (typeof TOKEN_FAILURE_REASONS)[number];

/**
 * Who a verified token speaks for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Principal } from "./verifier.ts";
 * const principal: Principal = { userId: "user-1", clientHash: null, expiresAt: 1_767_229_200, claims: { sub: "user-1" } };
 * assert.equal(principal.claims.sub, principal.userId);
 * ```
 */
export interface Principal {
  /** The subject claim: the user id. */
  readonly userId: string;
  /** The client-hash claim, or `null` when the token has none. */
  readonly clientHash: string | null;
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
  /** The whole verified payload. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/**
 * The result of a {@link Verifier}, shaped like valibot's `safeParse`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { VerifyResult } from "./verifier.ts";
 * const describe = (result: VerifyResult) => (result.ok ? `user ${result.principal.userId}` : result.reason);
 * assert.equal(describe({ ok: false, reason: "expired" }), "expired");
 * ```
 */
export type VerifyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: TokenFailureReason; code?: string };

/**
 * Verifies one token at one instant (`nowMs`, milliseconds since the epoch).
 * Resolves for every token; rejects only if the key set fails (a custom
 * key source that throws), the `check` hook throws, or `nowMs` is not a
 * finite number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVerifier, secretKeys, type Verifier } from "./mod.ts";
 * const verify: Verifier = createVerifier({ keys: await secretKeys("a-long-random-secret-of-32-bytes!") });
 * await assert.rejects(verify("a.b.c", Number.NaN), TypeError);
 * ```
 */
export type Verifier = (token: string, nowMs: number) => Promise<VerifyResult>;

/**
 * What a {@link ClaimCheck} answers: accept, or refuse with a stable code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ClaimCheckResult } from "./verifier.ts";
 * const refused: ClaimCheckResult = { ok: false, code: "missing_scope" };
 * assert.equal(refused.ok, false);
 * ```
 */
export type ClaimCheckResult = { ok: true } | { ok: false; code: string };

/**
 * A custom check of a token that passed every other check, such as a
 * required scope. It returns data: `{ ok: false, code }` refuses the token
 * with the reason `claim_check_failed` and the code (1–64 of
 * `A-Za-z0-9_.:-`, else `"rejected"`) for the log. It runs again on every
 * verified-token cache hit, so it may depend on the time or on a list that
 * changes (revocations).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ClaimCheck } from "./verifier.ts";
 * const needsScope: ClaimCheck = (claims) =>
 *   String(claims.scope ?? "").split(" ").includes("workspaces:read") ? { ok: true } : { ok: false, code: "missing_scope" };
 * assert.deepEqual(await needsScope({ scope: "openid" }, { header: {}, nowMs: 0 }), { ok: false, code: "missing_scope" });
 * ```
 */
export type ClaimCheck = (
  claims: Readonly<Record<string, unknown>>,
  context: { readonly header: Readonly<Record<string, unknown>>; readonly nowMs: number },
) => ClaimCheckResult | Promise<ClaimCheckResult>;

/**
 * Options of {@link createVerifier}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVerifier, secretKeys, type VerifierOptions } from "./mod.ts";
 * const options: VerifierOptions = {
 *   keys: await secretKeys("a-long-random-secret-of-32-bytes!"),
 *   issuer: "https://id.example.com",
 *   audience: ["lobby", "lobby-web"],
 *   type: "at+jwt",
 * };
 * assert.equal(typeof createVerifier(options), "function");
 * assert.throws(() => createVerifier({ ...options, clockSkewSeconds: -1 }), {
 *   message: "createVerifier: options.clockSkewSeconds must be an integer from 0 to 3600",
 * });
 * ```
 */
export interface VerifierOptions {
  /** Where the verification keys come from, such as `secretKeys(secret)`. */
  keys: KeySet;
  /** The accepted `iss` value or values; unset, `iss` is not required. */
  issuer?: string | readonly string[];
  /** Accepted audiences; unset, `aud` is not required. A token matches if its `aud` names any. */
  audience?: string | readonly string[];
  /** Leeway for `exp`, `nbf`, `iat` and `maxAgeSeconds`, in whole seconds from 0 to 3600; default 30. */
  clockSkewSeconds?: number;
  /** The claim holding the user id; default `"sub"`. */
  subjectClaim?: string;
  /** The claim holding the client hash; default `"chash"`. */
  clientHashClaim?: string;
  /** Longest token accepted, in bytes (a JWT is ASCII); default 8192. */
  maxTokenBytes?: number;
  /**
   * The header's required `typ`, such as `"at+jwt"` (RFC 9068); unset, `typ`
   * is not checked. Compared case-insensitively, with or without `application/`.
   */
  type?: string;
  /** The oldest token accepted, in seconds since its `iat` (then required); unset, no limit. */
  maxAgeSeconds?: number;
  /** A custom claim check, run last; see {@link ClaimCheck}. */
  check?: ClaimCheck;
  /** How many verified tokens to remember (0 to 1000000; default 10000; 0 turns the cache off). */
  cacheSize?: number;
  /**
   * Called on each lookup in the verified-token cache with whether the
   * token was found (and still verified by a key of the set): for metrics.
   * Not called with the cache off. Must not throw.
   */
  onCacheLookup?: (hit: boolean) => void;
}

const NAME_RULE = "must be a non-empty string";
const NAMES_RULE = "must be a non-empty string or a non-empty list of them";
const NAME = v.pipe(v.string(NAME_RULE), v.minLength(1, NAME_RULE));
// Judged as a whole, so the message names the option rather than an item of it.
const NAMES = v.custom<string | readonly string[]>(
  (input) => v.is(NAME, input) || (Array.isArray(input) && input.length > 0 && input.every((item) => v.is(NAME, item))),
  NAMES_RULE,
);
const TYPE_RULE = "must be 1-128 visible ASCII characters, such as at+jwt";
const OPTIONS = v.pipe(
  v.strictObject({
    keys: v.custom<KeySet>(isKeySet, "must be a KeySet, such as secretKeys() returns"),
    issuer: v.optional(NAMES),
    audience: v.optional(NAMES),
    clockSkewSeconds: v.optional(integer(0, 3600), 30),
    subjectClaim: v.optional(NAME, "sub"),
    clientHashClaim: v.optional(NAME, "chash"),
    maxTokenBytes: v.optional(integer(1, 1_048_576), 8192),
    type: v.optional(v.pipe(v.string(TYPE_RULE), v.regex(/^[\x21-\x7e]{1,128}$/, TYPE_RULE))),
    maxAgeSeconds: v.optional(integer(1, 31_536_000)),
    check: v.optional(aFunction<ClaimCheck>()),
    cacheSize: v.optional(integer(0, 1_000_000), 10_000),
    onCacheLookup: v.optional(aFunction<(hit: boolean) => void>()),
  }),
  v.forward(
    v.partialCheck(
      [["subjectClaim"], ["clientHashClaim"]],
      (input) => input.subjectClaim !== input.clientHashClaim,
      "must differ from options.subjectClaim",
    ),
    ["clientHashClaim"],
  ),
);

// RFC 7519 §2 NumericDate: seconds, possibly fractional. The bound (the end
// of year 9999) keeps arithmetic exact and refuses 1e400 (Infinity).
const NUMERIC_DATE = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(253_402_300_799));
const AUDIENCE = v.union([v.string(), v.array(v.string())]);
// Control characters in a user id only ever mean trouble downstream
// (Postgres refuses NUL in text; newlines forge log lines), and so do lone
// surrogates (written as U+FFFD, they name another user).
const SUBJECT = v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.check(hasNoControl));
const CHECK_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const encoder = new TextEncoder();

// A verified token as the cache keeps it: what the checks that can change
// need, and the answer.
interface Verified {
  readonly deadlineMs: number;
  readonly key: VerificationKey;
  readonly query: { readonly alg: JwtAlgorithm; readonly kid?: string };
  readonly exp: number;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
  readonly header: Readonly<Record<string, unknown>>;
  readonly principal: Principal;
  readonly success: VerifyResult;
}

/**
 * Makes a verifier for one configuration. Options are checked once, here;
 * the keys are already imported, so each call only parses and verifies.
 *
 * Duplicate JSON member names: the last one wins (JSON.parse), which
 * RFC 7519 §4 and RFC 7515 §4 allow. Header fields other than `alg`, `kid`,
 * `crit` and (when pinned) `typ` are ignored: keys come only from the key
 * set, so `jku`, `jwk`, `x5u` and `x5c` are never fetched nor trusted.
 *
 * Verified tokens are remembered (`cacheSize`, default 10000) by the
 * SHA-256 of their text. A token seen again skips parsing and the
 * signature, but is still checked against the clock (`exp`, `nbf`, `iat`,
 * `maxAgeSeconds`), against the key set (the key that verified it must
 * still be a candidate, so a key rotated out stops its tokens at once) and
 * by the `check` hook. Binding a token to a request (the client hash) is
 * the caller's, after verification, so the cache cannot bypass it.
 *
 * @param options The key set and the claim rules.
 * @returns A {@link Verifier}.
 * @throws {TypeError} Naming the first bad option, such as
 *   "createVerifier: options.clockSkewSeconds must be an integer from 0 to 3600".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createVerifier } from "./verifier.ts";
 * import { secretKeys } from "./keys.ts";
 * const secret = "a-long-random-secret-of-32-bytes!";
 * const verify = createVerifier({ keys: await secretKeys(secret), issuer: "https://id.example" });
 *
 * // A token as an identity provider would sign it (here with Web Crypto).
 * const encode = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
 * const json = (value: object) => encode(new TextEncoder().encode(JSON.stringify(value)));
 * const input = `${json({ alg: "HS256", typ: "JWT" })}.${json({ sub: "user-1", iss: "https://id.example", exp: 1_767_229_200 })}`;
 * const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
 * const token = `${input}.${encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(input))))}`;
 *
 * const result = await verify(token, Date.UTC(2026, 0, 1));
 * assert.equal(result.ok && result.principal.userId, "user-1");
 * assert.deepEqual(await verify(token, Date.UTC(2026, 0, 2)), { ok: false, reason: "expired" });
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const parsed = parseOptions("createVerifier", OPTIONS, options);
  const { keys, clockSkewSeconds: skew, subjectClaim, clientHashClaim, maxTokenBytes, maxAgeSeconds, check } = parsed;
  const issuers = setOf(parsed.issuer);
  const audiences = setOf(parsed.audience);
  const type = parsed.type === undefined ? undefined : mediaType(parsed.type);
  const cache = parsed.cacheSize === 0 ? null : new TokenCache<Verified>(parsed.cacheSize);
  const counted = parsed.onCacheLookup;

  // The checks that depend on the clock, for a fresh token and a cached one alike.
  function timing(exp: number, nbf: number | undefined, iat: number | undefined, nowMs: number): TokenFailureReason | null {
    const now = nowMs / 1000;
    if (now >= exp + skew) return "expired";
    if (nbf !== undefined && now + skew < nbf) return "not_yet_valid";
    if (iat !== undefined && iat > now + skew) return "not_yet_valid";
    if (maxAgeSeconds !== undefined && now >= iat! + maxAgeSeconds + skew) return "too_old";
    return null;
  }

  // The claim check's refusal, or null when it accepts (or there is none).
  async function refusal(verified: Verified, nowMs: number): Promise<VerifyResult | null> {
    if (check === undefined) return null;
    // Anything but { ok: true } refuses: a hook that returns nothing fails closed.
    const answer: Partial<{ ok: boolean; code: unknown }> | undefined = await check(verified.principal.claims, {
      header: verified.header,
      nowMs,
    });
    if (answer?.ok === true) return null;
    const code = typeof answer?.code === "string" && CHECK_CODE.test(answer.code) ? answer.code : "rejected";
    return { ok: false, reason: "claim_check_failed", code };
  }

  return async (token, nowMs) => {
    if (typeof nowMs !== "number" || !Number.isFinite(nowMs)) {
      throw new TypeError("verify: nowMs must be a finite number of milliseconds");
    }
    if (token.length > maxTokenBytes) return fail("token_too_large");
    const cacheKey = cache === null ? null : tokenCacheKey(token);
    if (cacheKey !== null) {
      const hit = cache!.get(cacheKey, nowMs);
      if (hit !== undefined) {
        // Checked again: the key that verified it must still be in the set,
        // then the clock, then the claim check. No await unless the key set
        // or the check is asynchronous: this path is the common request.
        const found = keys.candidates(hit.query);
        const current = Array.isArray(found) ? (found as readonly VerificationKey[]) : await found;
        if (current.includes(hit.key)) {
          counted?.(true);
          const late = timing(hit.exp, hit.nbf, hit.iat, nowMs);
          if (late !== null) return fail(late);
          return check === undefined ? hit.success : (await refusal(hit, nowMs)) ?? hit.success;
        }
        cache!.delete(cacheKey);
      }
      counted?.(false);
    }

    const jws = parseCompactJws(token);
    if (jws === null) return fail("malformed_token");
    const header = jws.header;

    const alg = own(header, "alg");
    if (typeof alg !== "string" || !allows(keys, alg)) return fail("unsupported_algorithm");
    if (own(header, "crit") !== undefined) return fail("critical_header");
    if (type !== undefined) {
      const typ = own(header, "typ");
      if (typeof typ !== "string" || mediaType(typ) !== type) return fail("wrong_type");
    }
    const kid = own(header, "kid");
    if (kid !== undefined && typeof kid !== "string") return fail("malformed_token");

    const query = kid === undefined ? { alg } : { alg, kid };
    // Awaited only when asynchronous: a static key set and an HS256 check
    // answer at once, and every await is a trip through the task queue.
    const found = keys.candidates(query);
    const candidates = Array.isArray(found) ? (found as readonly VerificationKey[]) : await found;
    // Runtimes differ on a signature of the wrong length (false or a throw);
    // it is simply not a signature, for any key.
    const signatureBytes = SIGNATURE_ALGORITHMS[alg].signatureBytes;
    const signatureFits = signatureBytes === undefined || jws.signature.length === signatureBytes;
    let tried = false;
    let verifiedBy: VerificationKey | undefined;
    for (const candidate of candidates) {
      // A key set must not offer another algorithm's key; never trust that it didn't.
      if (candidate.alg !== alg) continue;
      tried = true;
      const valid = signatureFits && verifies(candidate, jws.signature, jws.signingInput);
      if (valid === true || (valid !== false && (await valid))) {
        verifiedBy = candidate;
        break;
      }
    }
    if (!tried) return fail("unknown_key");
    if (verifiedBy === undefined) return fail("bad_signature");

    const claims = jws.payload;
    const exp = own(claims, "exp");
    const nbf = own(claims, "nbf");
    const iat = own(claims, "iat");
    const iss = own(claims, "iss");
    const aud = own(claims, "aud");
    const clientHash = own(claims, clientHashClaim);
    if (
      !v.is(NUMERIC_DATE, exp) ||
      (nbf !== undefined && !v.is(NUMERIC_DATE, nbf)) ||
      (iat !== undefined && !v.is(NUMERIC_DATE, iat)) ||
      (iat === undefined && maxAgeSeconds !== undefined) ||
      (iss !== undefined && typeof iss !== "string") ||
      (aud !== undefined && !v.is(AUDIENCE, aud)) ||
      (clientHash !== undefined && !v.is(NAME, clientHash))
    ) {
      return fail("invalid_claims");
    }
    const subject = own(claims, subjectClaim);
    if (!v.is(SUBJECT, subject)) return fail("invalid_subject");

    const late = timing(exp, nbf as number | undefined, iat as number | undefined, nowMs);
    if (late !== null) return fail(late);
    if (issuers !== null && (typeof iss !== "string" || !issuers.has(iss))) return fail("wrong_issuer");
    if (audiences !== null && !intersects(audiences, aud)) return fail("wrong_audience");

    // Frozen: a cached answer is shared by every later request with this token.
    const principal: Principal = Object.freeze({
      userId: subject,
      clientHash: (clientHash as string | undefined) ?? null,
      expiresAt: exp,
      claims: deepFreeze(claims),
    });
    const verified: Verified = {
      deadlineMs: deadlineMs(exp, iat as number | undefined, maxAgeSeconds, skew),
      key: verifiedBy,
      query,
      exp,
      nbf: nbf as number | undefined,
      iat: iat as number | undefined,
      header: deepFreeze(header),
      principal,
      success: Object.freeze({ ok: true, principal }),
    };
    const refused = check === undefined ? null : await refusal(verified, nowMs);
    if (refused !== null) return refused;
    if (cacheKey !== null) cache!.set(cacheKey, verified, nowMs);
    return verified.success;
  };
}

/**
 * Compares a token's client hash with the one a request presents, in time
 * that depends only on the lengths: their UTF-8 bytes, with no early exit
 * once the lengths agree.
 *
 * @param expected The client-hash claim of the verified token.
 * @param presented The `X-Client-Hash` header, or `null` when absent.
 * @returns `true` only if `presented` is exactly `expected`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientHashMatches } from "./verifier.ts";
 * assert.equal(clientHashMatches("h-123", "h-123"), true);
 * assert.equal(clientHashMatches("h-123", null), false);
 * ```
 */
export function clientHashMatches(expected: string, presented: string | null): boolean {
  return presented !== null && constantTimeEqual(encoder.encode(expected), encoder.encode(presented));
}

// Whether the key verifies the signature: a boolean at once for keys that
// check in JavaScript, a promise otherwise. A key that throws or rejects
// (Web Crypto refusing the key or the signature) fails closed.
function verifies(
  key: VerificationKey,
  signature: Uint8Array<ArrayBuffer>,
  signingInput: Uint8Array<ArrayBuffer>,
): boolean | Promise<boolean> {
  try {
    const valid = key.verify(signature, signingInput);
    if (typeof valid === "boolean") return valid;
    return Promise.resolve(valid).then((answer) => answer === true, () => false);
  } catch {
    return false;
  }
}

function allows(keys: KeySet, alg: string): alg is JwtAlgorithm {
  return (keys.algorithms as ReadonlySet<string>).has(alg);
}

function own(record: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function isKeySet(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<KeySet>).candidates === "function" &&
    typeof (value as Partial<KeySet>).algorithms?.has === "function"
  );
}

function hasNoControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
    if (code >= 0xd800 && code <= 0xdfff) {
      // A high surrogate must be followed by a low one; a low one never stands first.
      const next = text.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

function intersects(accepted: ReadonlySet<string>, aud: unknown): boolean {
  if (typeof aud === "string") return accepted.has(aud);
  return Array.isArray(aud) && aud.some((entry) => accepted.has(entry));
}

function setOf(names: string | readonly string[] | undefined): ReadonlySet<string> | null {
  if (names === undefined) return null;
  return new Set(typeof names === "string" ? [names] : names);
}

// The instant a cached token is no longer worth keeping: it expired, or grew too old.
function deadlineMs(exp: number, iat: number | undefined, maxAgeSeconds: number | undefined, skew: number): number {
  const end = maxAgeSeconds === undefined ? exp : Math.min(exp, iat! + maxAgeSeconds);
  return (end + skew) * 1000;
}

// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and
// "application/" may be omitted.
function mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice(12) : lower;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

function fail(reason: TokenFailureReason): VerifyResult {
  return { ok: false, reason };
}
