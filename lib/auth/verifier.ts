/**
 * Bearer tokens: taking one out of an `Authorization` header (RFC 6750) and
 * verifying it as a JWT (RFC 7519, RFC 8725) into the principal the handler
 * serves.
 *
 * Verification follows oslo's order: cap the size, parse strictly, pin the
 * algorithm from the configured keys, check the signature with
 * `crypto.subtle.verify` (or, for HS256 keys made by `secretKeys`, the
 * synchronous HMAC of `hmac.ts`), then validate the claims (valibot) against the
 * clock passed in. Expected failures are returned as data with a stable
 * reason; nothing here throws for a bad token, and no result carries token
 * text, key material or claim values except the principal itself.
 *
 * A bounded cache of verified tokens (see `token_cache.ts`) lets a token
 * seen again skip parsing and the signature, never the checks that can
 * change: the clock, the key still being in the key set, the claim hook.
 *
 * @module
 */
import * as v from "valibot";
import { decodeBase64url } from "./_base64url.ts";
import { _hs256Verifier, SIGNATURE_ALGORITHMS } from "./keys.ts";
import type { JwtAlgorithm, KeySet, VerificationKey } from "./keys.ts";
import { TokenCache, tokenCacheKey } from "./_token_cache.ts";

/** Why an `Authorization` header yielded no token. */
export type BearerFailureReason = "missing_authorization" | "malformed_authorization";

/** The result of {@link extractBearer}. */
export type BearerResult = { ok: true; token: string } | { ok: false; reason: BearerFailureReason };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, b64token being
// token68. Optional blanks around the value are tolerated because a raw
// header string may carry them (Headers.get already strips them). No `u`
// flag, so `i` cannot fold a non-ASCII letter into "bearer".
const _BEARER = /^[ \t]*bearer +([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const _BLANK = /^[ \t]*$/;

/**
 * Takes the token out of an `Authorization` header value (RFC 6750 §2.1).
 * The scheme is case-insensitive and followed by one or more spaces and one
 * token68. An absent, empty or blank header is `missing_authorization`;
 * anything else that is not exactly that (another scheme, no token, two
 * tokens, the comma of a duplicated header, control characters) is
 * `malformed_authorization`.
 *
 * @param authorization The header value, as `Headers.get` returns it.
 * @returns The token, or why there is none.
 *
 * @example
 * ```ts
 * import { extractBearer } from "./verifier.ts";
 * extractBearer("Bearer abc.def.ghi"); // { ok: true, token: "abc.def.ghi" }
 * extractBearer("Basic dXNlcjpwYXNz"); // { ok: false, reason: "malformed_authorization" }
 * ```
 */
export function extractBearer(authorization: string | null): BearerResult {
  if (authorization === null || _BLANK.test(authorization)) return { ok: false, reason: "missing_authorization" };
  const match = _BEARER.exec(authorization);
  if (match === null) return { ok: false, reason: "malformed_authorization" };
  return { ok: true, token: match[1]! };
}

/**
 * Every reason {@link createVerifier} can reject a token for, as stable
 * codes (see {@link TokenFailureReason} for each meaning).
 *
 * @example
 * ```ts
 * import { TOKEN_FAILURE_REASONS } from "./verifier.ts";
 * TOKEN_FAILURE_REASONS.includes("expired"); // true
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
 *   characters without control characters.
 * - `expired`: now ≥ `exp` + skew.
 * - `not_yet_valid`: now + skew < `nbf`, or `iat` > now + skew.
 * - `too_old`: `maxAgeSeconds` is set and now ≥ `iat` + `maxAgeSeconds` + skew.
 * - `wrong_issuer`: issuers are configured and `iss` is none of them.
 * - `wrong_audience`: audiences are configured and `aud` names none of them.
 * - `claim_check_failed`: the `check` hook refused the claims (its code is
 *   in the result's `code`).
 */
export type TokenFailureReason = (typeof TOKEN_FAILURE_REASONS)[number];

/** Who a verified token speaks for. */
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

/** The result of a {@link Verifier}, shaped like valibot's `safeParse`. */
export type VerifyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: TokenFailureReason; code?: string };

/**
 * Verifies one token at one instant (`nowMs`, milliseconds since the epoch).
 * Resolves for every token; rejects only if the key set fails (a custom
 * key source that throws), the `check` hook throws, or `nowMs` is not a
 * finite number.
 */
export type Verifier = (token: string, nowMs: number) => Promise<VerifyResult>;

/** What a {@link ClaimCheck} answers: accept, or refuse with a stable code. */
export type ClaimCheckResult = { ok: true } | { ok: false; code: string };

/**
 * A custom check of a token that passed every other check, such as a
 * required scope. It returns data: `{ ok: false, code }` refuses the token
 * with the reason `claim_check_failed` and the code (1–64 of
 * `A-Za-z0-9_.:-`, else `"rejected"`) for the log. It runs again on every
 * verified-token cache hit, so it may depend on the time or on a list that
 * changes (revocations).
 */
export type ClaimCheck = (
  claims: Readonly<Record<string, unknown>>,
  context: { readonly header: Readonly<Record<string, unknown>>; readonly nowMs: number },
) => ClaimCheckResult | Promise<ClaimCheckResult>;

/** Options of {@link createVerifier}. */
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
}

const _NAME = v.pipe(v.string(), v.minLength(1));
const _NAMES = v.union([_NAME, v.pipe(v.array(_NAME), v.minLength(1))]);
const _OPTIONS = v.strictObject({
  keys: v.custom<KeySet>(_isKeySet),
  issuer: v.optional(_NAMES),
  audience: v.optional(_NAMES),
  clockSkewSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3600)), 30),
  subjectClaim: v.optional(_NAME, "sub"),
  clientHashClaim: v.optional(_NAME, "chash"),
  maxTokenBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_048_576)), 8192),
  type: v.optional(v.pipe(v.string(), v.regex(/^[\x21-\x7e]{1,128}$/))),
  maxAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(31_536_000))),
  check: v.optional(v.custom<ClaimCheck>((value) => typeof value === "function")),
  cacheSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), 10_000),
});
const _OPTION_RULES: Readonly<Record<keyof VerifierOptions, string>> = {
  keys: "keys must be a KeySet, such as secretKeys() returns",
  issuer: "issuer must be a non-empty string or a non-empty list of them",
  audience: "audience must be a non-empty string or a non-empty list of them",
  clockSkewSeconds: "clockSkewSeconds must be an integer from 0 to 3600",
  subjectClaim: "subjectClaim must be a non-empty string",
  clientHashClaim: "clientHashClaim must be a non-empty string",
  maxTokenBytes: "maxTokenBytes must be an integer from 1 to 1048576",
  type: "type must be 1-128 visible ASCII characters, such as at+jwt",
  maxAgeSeconds: "maxAgeSeconds must be an integer from 1 to 31536000",
  check: "check must be a function",
  cacheSize: "cacheSize must be an integer from 0 to 1000000",
};

// RFC 7519 §2 NumericDate: seconds, possibly fractional. The bound (the end
// of year 9999) keeps arithmetic exact and refuses 1e400 (Infinity).
const _NUMERIC_DATE = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(253_402_300_799));
const _AUDIENCE = v.union([v.string(), v.array(v.string())]);
const _CLIENT_HASH = _NAME;
// Control characters in a user id only ever mean trouble downstream
// (Postgres refuses NUL in text; newlines forge log lines).
const _SUBJECT = v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.check(_hasNoControl));
const _CHECK_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;

const _SEGMENTS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;
const _encoder = new TextEncoder();
// fatal: invalid UTF-8 is malformed, not replaced; ignoreBOM: a BOM stays
// in the text, where JSON.parse refuses it.
const _decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// A verified token as the cache keeps it: what the checks that can change
// need, and the answer.
interface _Verified {
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
 *   "createVerifier: clockSkewSeconds must be an integer from 0 to 3600".
 *
 * @example
 * ```ts
 * import { createVerifier } from "./verifier.ts";
 * import { secretKeys } from "./keys.ts";
 * const verify = createVerifier({ keys: await secretKeys("a-long-random-secret-of-32-bytes!"), issuer: "https://id.example" });
 * const result = await verify("eyJ...", Date.now());
 * if (result.ok) console.log(result.principal.userId);
 * else console.log(result.reason); // e.g. "expired"
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const parsed = v.safeParse(_OPTIONS, options);
  if (!parsed.success) throw new TypeError(`createVerifier: ${_optionMessage(parsed.issues[0])}`);
  const { keys, clockSkewSeconds: skew, subjectClaim, clientHashClaim, maxTokenBytes, maxAgeSeconds, check } =
    parsed.output;
  if (subjectClaim === clientHashClaim) {
    throw new TypeError("createVerifier: subjectClaim and clientHashClaim must differ");
  }
  const issuers = _setOf(parsed.output.issuer);
  const audiences = _setOf(parsed.output.audience);
  const type = parsed.output.type === undefined ? undefined : _mediaType(parsed.output.type);
  const cache = parsed.output.cacheSize === 0 ? null : new TokenCache<_Verified>(parsed.output.cacheSize);

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
  async function refusal(verified: _Verified, nowMs: number): Promise<VerifyResult | null> {
    if (check === undefined) return null;
    // Anything but { ok: true } refuses: a hook that returns nothing fails closed.
    const answer: Partial<{ ok: boolean; code: unknown }> | undefined = await check(verified.principal.claims, {
      header: verified.header,
      nowMs,
    });
    if (answer?.ok === true) return null;
    const code = typeof answer?.code === "string" && _CHECK_CODE.test(answer.code) ? answer.code : "rejected";
    return { ok: false, reason: "claim_check_failed", code };
  }

  return async (token, nowMs) => {
    if (typeof nowMs !== "number" || !Number.isFinite(nowMs)) {
      throw new TypeError("verify: nowMs must be a finite number of milliseconds");
    }
    if (token.length > maxTokenBytes) return _fail("token_too_large");
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
          const late = timing(hit.exp, hit.nbf, hit.iat, nowMs);
          if (late !== null) return _fail(late);
          return check === undefined ? hit.success : (await refusal(hit, nowMs)) ?? hit.success;
        }
        cache!.delete(cacheKey);
      }
    }

    const jws = _parse(token);
    if (jws === null) return _fail("malformed_token");
    const header = jws.header;

    const alg = _own(header, "alg");
    if (typeof alg !== "string" || !_allows(keys, alg)) return _fail("unsupported_algorithm");
    if (_own(header, "crit") !== undefined) return _fail("critical_header");
    if (type !== undefined) {
      const typ = _own(header, "typ");
      if (typeof typ !== "string" || _mediaType(typ) !== type) return _fail("wrong_type");
    }
    const kid = _own(header, "kid");
    if (kid !== undefined && typeof kid !== "string") return _fail("malformed_token");

    const query = kid === undefined ? { alg } : { alg, kid };
    // Awaited only when asynchronous: a static key set and an HS256 check
    // answer at once, and every await is a trip through the task queue.
    const found = keys.candidates(query);
    const candidates = Array.isArray(found) ? (found as readonly VerificationKey[]) : await found;
    let tried = false;
    let verifiedBy: VerificationKey | undefined;
    for (const candidate of candidates) {
      // A key set must not offer another algorithm's key; never trust that it didn't.
      if (candidate.alg !== alg) continue;
      tried = true;
      const valid = _verifySignature(candidate, jws.signature, jws.signingInput);
      if (valid === true || (valid !== false && await valid)) {
        verifiedBy = candidate;
        break;
      }
    }
    if (!tried) return _fail("unknown_key");
    if (verifiedBy === undefined) return _fail("bad_signature");

    const claims = jws.payload;
    const exp = _own(claims, "exp");
    const nbf = _own(claims, "nbf");
    const iat = _own(claims, "iat");
    const iss = _own(claims, "iss");
    const aud = _own(claims, "aud");
    const clientHash = _own(claims, clientHashClaim);
    if (
      !v.is(_NUMERIC_DATE, exp) ||
      (nbf !== undefined && !v.is(_NUMERIC_DATE, nbf)) ||
      (iat !== undefined && !v.is(_NUMERIC_DATE, iat)) ||
      (iat === undefined && maxAgeSeconds !== undefined) ||
      (iss !== undefined && typeof iss !== "string") ||
      (aud !== undefined && !v.is(_AUDIENCE, aud)) ||
      (clientHash !== undefined && !v.is(_CLIENT_HASH, clientHash))
    ) {
      return _fail("invalid_claims");
    }
    const subject = _own(claims, subjectClaim);
    if (!v.is(_SUBJECT, subject)) return _fail("invalid_subject");

    const late = timing(exp, nbf as number | undefined, iat as number | undefined, nowMs);
    if (late !== null) return _fail(late);
    if (issuers !== null && (typeof iss !== "string" || !issuers.has(iss))) return _fail("wrong_issuer");
    if (audiences !== null && !_intersects(audiences, aud)) return _fail("wrong_audience");

    // Frozen: a cached answer is shared by every later request with this token.
    const principal: Principal = Object.freeze({
      userId: subject,
      clientHash: (clientHash as string | undefined) ?? null,
      expiresAt: exp,
      claims: _deepFreeze(claims),
    });
    const verified: _Verified = {
      deadlineMs: _deadlineMs(exp, iat as number | undefined, maxAgeSeconds, skew),
      key: verifiedBy,
      query,
      exp,
      nbf: nbf as number | undefined,
      iat: iat as number | undefined,
      header: _deepFreeze(header),
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
 * that depends only on the lengths: UTF-8 bytes over the longer length, no
 * early exit.
 *
 * @param expected The client-hash claim of the verified token.
 * @param presented The `X-Client-Hash` header, or `null` when absent.
 * @returns `true` only if `presented` is exactly `expected`.
 *
 * @example
 * ```ts
 * import { clientHashMatches } from "./verifier.ts";
 * clientHashMatches("h-123", "h-123"); // true
 * clientHashMatches("h-123", null); // false
 * ```
 */
export function clientHashMatches(expected: string, presented: string | null): boolean {
  if (presented === null) return false;
  const a = _encoder.encode(expected);
  const b = _encoder.encode(presented);
  const length = Math.max(a.length, b.length);
  let difference = a.length ^ b.length;
  for (let i = 0; i < length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

interface _Jws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signature: Uint8Array<ArrayBuffer>;
  readonly signingInput: Uint8Array<ArrayBuffer>;
}

// Not @oslojs/jwt's parseJWT: it accepts `=` padding (even between
// segments' 4-character groups) and replaces invalid UTF-8. The alphabet
// check here rules out padding and whitespace; the decoder then rejects a
// length of 4n+1 and non-zero unused bits, so only canonical text passes.
function _parse(token: string): _Jws | null {
  const segments = _SEGMENTS.exec(token);
  if (segments === null) return null;
  const [, header, payload, signature] = segments as unknown as [string, string, string, string];
  const headerBytes = decodeBase64url(header);
  const payloadBytes = decodeBase64url(payload);
  const signatureBytes = decodeBase64url(signature);
  if (headerBytes === null || payloadBytes === null || signatureBytes === null) return null;
  try {
    const headerJson: unknown = JSON.parse(_decoder.decode(headerBytes));
    const payloadJson: unknown = JSON.parse(_decoder.decode(payloadBytes));
    if (!_isRecord(headerJson) || !_isRecord(payloadJson)) return null;
    return {
      header: headerJson,
      payload: payloadJson,
      signature: signatureBytes,
      signingInput: _encoder.encode(token.slice(0, header.length + 1 + payload.length)),
    };
  } catch {
    return null;
  }
}

// A boolean at once for HS256 keys checked in JavaScript; a promise otherwise.
function _verifySignature(
  candidate: VerificationKey,
  signature: Uint8Array<ArrayBuffer>,
  signingInput: Uint8Array<ArrayBuffer>,
): boolean | Promise<boolean> {
  const params = SIGNATURE_ALGORITHMS[candidate.alg];
  // Runtimes differ on a signature of the wrong length (false or a throw);
  // it is simply not a signature.
  if (params.signatureBytes !== undefined && signature.length !== params.signatureBytes) return false;
  const hs256 = candidate.alg === "HS256" ? _hs256Verifier(candidate.key) : undefined;
  if (hs256 !== undefined) return hs256.verify(signature, signingInput);
  // A key that cannot do this operation fails closed rather than throwing per request.
  try {
    return crypto.subtle.verify(params, candidate.key, signature, signingInput).catch(() => false);
  } catch {
    return false;
  }
}

function _allows(keys: KeySet, alg: string): alg is JwtAlgorithm {
  return (keys.algorithms as ReadonlySet<string>).has(alg);
}

function _own(record: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function _isKeySet(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<KeySet>).candidates === "function" &&
    typeof (value as Partial<KeySet>).algorithms?.has === "function"
  );
}

function _hasNoControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

function _intersects(accepted: ReadonlySet<string>, aud: unknown): boolean {
  if (typeof aud === "string") return accepted.has(aud);
  return Array.isArray(aud) && aud.some((entry) => accepted.has(entry));
}

function _setOf(names: string | readonly string[] | undefined): ReadonlySet<string> | null {
  if (names === undefined) return null;
  return new Set(typeof names === "string" ? [names] : names);
}

function _optionMessage(issue: v.BaseIssue<unknown>): string {
  const item = issue.path?.[0];
  if (item === undefined) return "options must be an object";
  const name = String(item.key);
  if (issue.expected === "never") return `unknown option ${name}`;
  return _OPTION_RULES[name as keyof VerifierOptions];
}

// The instant a cached token is no longer worth keeping: it expired, or grew too old.
function _deadlineMs(exp: number, iat: number | undefined, maxAgeSeconds: number | undefined, skew: number): number {
  const end = maxAgeSeconds === undefined ? exp : Math.min(exp, iat! + maxAgeSeconds);
  return (end + skew) * 1000;
}

// RFC 7515 §4.1.9: `typ` is a media type, compared case-insensitively, and
// "application/" may be omitted.
function _mediaType(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith("application/") ? lower.slice(12) : lower;
}

function _deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) _deepFreeze(item);
  }
  return value;
}

function _fail(reason: TokenFailureReason): VerifyResult {
  return { ok: false, reason };
}
