/**
 * A remote JWK Set (`JWT_JWKS_URL`): fetched with a timeout and a size cap,
 * cached for its HTTP max-age within bounds, refreshed at most once per
 * cooldown, with one fetch shared by every request that waits for it.
 *
 * How it behaves, request by request:
 *
 * - Before the first successful fetch, a request waits for the fetch in
 *   flight, or starts one if the cooldown allows; otherwise it gets no keys
 *   (the token is `unknown_key`, a 401), never an error.
 * - Once the set is older than its max-age, the next request starts a
 *   refresh in the background and is answered with the cached keys: a slow
 *   or unreachable issuer never delays a token whose key is known.
 * - A token whose `kid` is in no key of the set waits for a refresh: the one
 *   in flight, or a new one if the last fetch started a cooldown ago or
 *   more. A flood of made-up `kid`s costs the issuer one fetch per cooldown.
 * - A failed refresh keeps the cached keys and reports why to the watchers.
 *   A successful one replaces them: a key gone from the set stops verifying.
 *
 * Only public signature keys are used (see `jwk.ts`); the `jku`, `x5u`,
 * `jwk` and `x5c` headers of a token are never read.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { keySetOf, NO_KEYS } from "./_key_set.ts";
import { aFunction, integer, JWK_OPTION_ENTRIES } from "./_schemas.ts";
import type { JwtAlgorithm } from "./algorithms.ts";
import { importJwks, type JwkOptions } from "./jwk.ts";
import { KeyError } from "./key_error.ts";
import type { KeySet, KeySetEvent, KeySetEventReason, VerificationKey } from "./keys.ts";

/**
 * Options of {@link remoteJwksKeys}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remoteJwksKeys, type RemoteJwksOptions } from "./remote_jwks.ts";
 * const options: RemoteJwksOptions = { cooldownSeconds: 10, algorithms: ["ES256"] };
 * assert.deepEqual([...remoteJwksKeys("https://id.example.com/jwks.json", options).algorithms], ["ES256"]);
 * ```
 */
export interface RemoteJwksOptions extends JwkOptions {
  /** Least time between two fetches, in seconds (default 30, 0–3600). */
  readonly cooldownSeconds?: number;
  /** Shortest time a fetched set is used before a refresh, in seconds (default 60). */
  readonly minCacheSeconds?: number;
  /** Longest time a fetched set is used before a refresh, in seconds (default 86400). */
  readonly maxCacheSeconds?: number;
  /** How long a set is used when the response has no `max-age`, in seconds (default 600, within the bounds). */
  readonly defaultCacheSeconds?: number;
  /** How long one fetch may take, headers and body, in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  /** The largest response accepted, in bytes (default 262144). */
  readonly maxBytes?: number;
  /** Allow `http:` for hosts other than localhost (default false: `https:` only). */
  readonly allowInsecureHttp?: boolean;
  /** The clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** The `fetch` to use (default the global one). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/**
 * A {@link KeySet} backed by a remote JWK Set, with a way to refresh it by hand.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remoteJwksKeys, type RemoteKeySet } from "./remote_jwks.ts";
 * const keys: RemoteKeySet = remoteJwksKeys("https://id.example.com/jwks.json", {
 *   fetch: async () => new Response("unavailable", { status: 503 }),
 * });
 * assert.equal(await keys.refresh(), false);
 * assert.equal(keys.fetches, 1);
 * ```
 */
export interface RemoteKeySet extends KeySet {
  /**
   * Fetches the set now, unless a fetch is in flight (then waits for it) or
   * the cooldown has not passed (then does nothing). Never rejects.
   * @returns `true` if the keys were (or already are being) replaced by a fresh set.
   */
  refresh(): Promise<boolean>;
  /** How many fetches were started: for tests and metrics. */
  readonly fetches: number;
  /** How many fetches replaced the keys: the others failed, and their reasons went to the watchers. */
  readonly loads: number;
  /** How many keys the last good fetch gave; 0 until one succeeds (for readiness). */
  readonly keyCount: number;
}

const REMOTE_JWKS_OPTIONS = v.pipe(
  v.strictObject({
    cooldownSeconds: v.optional(integer(0, 3600), 30),
    minCacheSeconds: v.optional(integer(0, 604_800), 60),
    maxCacheSeconds: v.optional(integer(0, 604_800), 86_400),
    defaultCacheSeconds: v.optional(integer(0, 604_800), 600),
    timeoutMs: v.optional(integer(1, 60_000), 5000),
    maxBytes: v.optional(integer(1, 16_777_216), 262_144),
    allowInsecureHttp: v.optional(v.boolean("must be true or false"), false),
    now: v.optional(aFunction<() => number>(), () => Date.now),
    fetch: v.optional(aFunction<NonNullable<RemoteJwksOptions["fetch"]>>()),
    ...JWK_OPTION_ENTRIES,
  }),
  v.forward(
    v.partialCheck(
      [["minCacheSeconds"], ["maxCacheSeconds"]],
      (input) => input.maxCacheSeconds >= input.minCacheSeconds,
      "must not be below options.minCacheSeconds",
    ),
    ["maxCacheSeconds"],
  ),
);

/**
 * A key set over a remote JWK Set, such as an identity provider's
 * `/.well-known/jwks.json`. Nothing is fetched until the first token needs
 * a key, or {@link RemoteKeySet.refresh} is called.
 *
 * @param url The JWKS URL: `https:`, or `http:` on localhost (loopback) only
 *   unless `allowInsecureHttp`. Redirects are not followed.
 * @param options Cache bounds, cooldown, timeout, size cap, algorithms, clock, `fetch`.
 * @returns A key set allowing the public-key algorithms in `options.algorithms`.
 * @throws {KeyError} `jwks_url_not_allowed` if the URL is not allowed.
 * @throws {TypeError} Naming the option, if an option is not valid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { remoteJwksKeys } from "./remote_jwks.ts";
 * const { publicKey } = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as CryptoKeyPair;
 * const jwk = { ...(await crypto.subtle.exportKey("jwk", publicKey)), kid: "ed-1" };
 * const keys = remoteJwksKeys("https://id.example.com/.well-known/jwks.json", {
 *   // An issuer's answer, without a network; by default the global fetch.
 *   fetch: async () => Response.json({ keys: [jwk] }, { headers: { "cache-control": "max-age=300" } }),
 * });
 * keys.watch?.((event) => console.warn("JWKS problem:", event.reason));
 * const [key] = await keys.candidates({ alg: "EdDSA", kid: "ed-1" });
 * assert.equal(key?.kid, "ed-1");
 * ```
 */
export function remoteJwksKeys(url: string | URL, options: RemoteJwksOptions = {}): RemoteKeySet {
  const parsed = parseOptions("remoteJwksKeys", REMOTE_JWKS_OPTIONS, options);
  if (!isJwksUrlAllowed(url, parsed.allowInsecureHttp)) {
    throw new KeyError(
      "remoteJwksKeys",
      "jwks_url_not_allowed",
      "the JWKS URL must be an absolute https: URL (http: only for localhost)",
    );
  }
  const target = new URL(url);
  const cooldownMs = parsed.cooldownSeconds * 1000;
  const minCacheMs = parsed.minCacheSeconds * 1000;
  const maxCacheMs = parsed.maxCacheSeconds * 1000;
  const defaultCacheMs = parsed.defaultCacheSeconds * 1000;
  const { timeoutMs, maxBytes, now, algorithms } = parsed;
  const fetcher = parsed.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const jwkOptions = { algorithms, rsaAlgorithm: parsed.rsaAlgorithm };
  // The URL without credentials or query, for events.
  const source = `${target.origin}${target.pathname}`;

  const listeners: Array<(event: KeySetEvent) => void> = [];
  const imported = new Map<string, VerificationKey>();
  let current: KeySet | null = null;
  let kids: ReadonlySet<string> = new Set();
  let expiresAt = 0;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | null = null;
  let fetches = 0;
  let loads = 0;
  let keyCount = 0;

  function report(reason: KeySetEventReason, detail?: number): void {
    const event: KeySetEvent = detail === undefined ? { reason, source } : { reason, source, detail };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A broken logger must not break verification.
      }
    }
  }

  function coolingDown(): boolean {
    return now() - lastFetchAt < cooldownMs;
  }

  function refresh(): Promise<boolean> {
    if (inFlight !== null) return inFlight;
    if (coolingDown()) return Promise.resolve(false);
    lastFetchAt = now();
    fetches++;
    inFlight = load()
      /* c8 ignore start: load reports its own failures; this only keeps a bug from becoming an unhandled rejection. */
      .catch(() => {
        report("jwks_invalid");
        return false;
      })
      /* c8 ignore stop */
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  async function load(): Promise<boolean> {
    const fetched = await fetchJson(fetcher, target.href, timeoutMs, maxBytes);
    if (!fetched.ok) {
      report(fetched.reason, fetched.status);
      return false;
    }
    let keys: readonly VerificationKey[];
    try {
      const result = await importJwks(fetched.json, jwkOptions, imported);
      keys = result.keys;
      if (result.skipped > 0) report("jwks_key_skipped", result.skipped);
    } catch {
      report("jwks_invalid");
      return false;
    }
    current = keySetOf(keys);
    loads++;
    keyCount = keys.length;
    kids = new Set(keys.flatMap((key) => (key.kid === undefined ? [] : [key.kid])));
    const ageMs = fetched.maxAgeSeconds === undefined ? defaultCacheMs : fetched.maxAgeSeconds * 1000;
    expiresAt = now() + Math.min(maxCacheMs, Math.max(minCacheMs, ageMs));
    return true;
  }

  return {
    algorithms: new Set<JwtAlgorithm>(algorithms),
    get fetches() {
      return fetches;
    },
    get loads() {
      return loads;
    },
    get keyCount() {
      return keyCount;
    },
    refresh,
    watch(listener) {
      listeners.push(listener);
    },
    async candidates(query) {
      if (current === null) {
        await refresh();
      } else if (query.kid !== undefined && !kids.has(query.kid)) {
        // Possibly a key published since the last fetch.
        await refresh();
      } else if (now() >= expiresAt) {
        // Stale: refresh in the background (if the cooldown allows), answer from the cache now.
        void refresh();
      }
      return current?.candidates(query) ?? NO_KEYS;
    },
  };
}

type Fetched =
  | { ok: true; json: unknown; maxAgeSeconds: number | undefined }
  | { ok: false; reason: KeySetEventReason; status?: number };

async function fetchJson(
  fetcher: NonNullable<RemoteJwksOptions["fetch"]>,
  url: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<Fetched> {
  const signal = AbortSignal.timeout(timeoutMs);
  let text: string;
  let maxAgeSeconds: number | undefined;
  try {
    const response = await fetcher(url, {
      signal,
      redirect: "error",
      headers: { accept: "application/jwk-set+json, application/json" },
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, reason: "jwks_http_error", status: response.status };
    }
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > maxBytes) {
      await response.body?.cancel().catch(() => {});
      return { ok: false, reason: "jwks_too_large" };
    }
    const body = await readCapped(response, maxBytes);
    if (body === null) return { ok: false, reason: "jwks_too_large" };
    text = body;
    maxAgeSeconds = maxAge(response.headers.get("cache-control"));
  } catch {
    return { ok: false, reason: signal.aborted ? "jwks_timeout" : "jwks_unreachable" };
  }
  try {
    return { ok: true, json: JSON.parse(text), maxAgeSeconds };
  } catch {
    return { ok: false, reason: "jwks_invalid" };
  }
}

// The body as UTF-8 text, or null as soon as it exceeds the cap.
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

// `no-store`/`no-cache` mean "as short as allowed"; otherwise `max-age`.
function maxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const directives = cacheControl.toLowerCase().split(",").map((part) => part.trim());
  if (directives.includes("no-store") || directives.includes("no-cache")) return 0;
  for (const directive of directives) {
    const match = /^max-age=(\d{1,10})$/.exec(directive);
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}

/**
 * Whether keys may be fetched from a URL: an absolute `https:` URL, or
 * `http:` on a loopback host (`localhost`, `127.x.x.x`, `[::1]`), where no
 * network can tamper with the keys; any `http:` host with `allowInsecureHttp`.
 *
 * @param url The JWKS URL.
 * @param allowInsecureHttp Accept `http:` on any host.
 * @returns `true` if {@link remoteJwksKeys} accepts the URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isJwksUrlAllowed } from "./remote_jwks.ts";
 * assert.equal(isJwksUrlAllowed("https://id.example.com/.well-known/jwks.json"), true);
 * assert.equal(isJwksUrlAllowed("http://id.example.com/jwks.json"), false);
 * assert.equal(isJwksUrlAllowed("http://127.0.0.1:8081/jwks.json"), true);
 * ```
 */
export function isJwksUrlAllowed(url: string | URL, allowInsecureHttp = false): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === "https:") return true;
  if (parsed.protocol !== "http:") return false;
  const host = parsed.hostname;
  return allowInsecureHttp || host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
