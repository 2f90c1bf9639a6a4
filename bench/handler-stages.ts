/**
 * The in-process cost per call of each stage of a request, on whichever
 * runtime runs this file: token verification (a fresh token, and one seen
 * before), Accept-Language negotiation, the envelope, JSON serialization,
 * and the whole handler call over an in-process repository of 10
 * workspaces, with and without the `Request`/`Response` objects around it.
 *
 * Each stage runs in rounds of a fixed number of calls after a warm-up; the
 * result is the median and the range of the rounds' nanoseconds per call.
 * Prints one JSON object (see {@link StageResult}) on the last line.
 *
 * Run: `node .bench/handler-stages.js`, `deno run -A bench/handler-stages.ts`,
 * `bun run bench/handler-stages.ts` (`bench/run.ts` does all three).
 *
 * @module
 */
import { createVerifier, extractBearer } from "../lib/auth/verifier.ts";
import { systemSuccess, uptimerSuccess } from "../lib/envelope/envelope.ts";
import { _ANSWER, type _Answer, type _RequestView, createWorkspacesHandler } from "../lib/handler/handler.ts";
import { secretKeys } from "../lib/auth/keys.ts";
import { negotiateLocale } from "../lib/locale/negotiate.ts";
import { TEN_WORKSPACES } from "./handler-fixtures.ts";
import { signHs256 } from "./handler-tokens.ts";

/** One stage's cost: nanoseconds per call. */
export interface StageCost {
  readonly stage: string;
  /** What one call does. */
  readonly note: string;
  readonly medianNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  readonly rounds: number;
  readonly callsPerRound: number;
}

/** What this file prints. */
export interface StageResult {
  readonly runtime: string;
  readonly version: string;
  readonly stages: readonly StageCost[];
}

const ROUNDS = 7;
const SYSTEM_URL = "http://127.0.0.1:8080/web/v1/system/workspaces/mine";

async function measure(
  stage: string,
  note: string,
  calls: number,
  run: (i: number) => unknown,
): Promise<StageCost> {
  const warm = Math.min(calls, 2000);
  for (let i = 0; i < warm; i++) await run(i);
  const perCall: number[] = [];
  let offset = warm;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) await run(offset + i);
    perCall.push(((performance.now() - start) * 1e6) / calls);
    offset += calls;
  }
  perCall.sort((a, b) => a - b);
  return {
    stage,
    note,
    medianNs: Math.round(perCall[Math.floor(ROUNDS / 2)]!),
    minNs: Math.round(perCall[0]!),
    maxNs: Math.round(perCall[ROUNDS - 1]!),
    rounds: ROUNDS,
    callsPerRound: calls,
  };
}

function runtime(): { name: string; version: string } {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } }; process?: { version: string } };
  if (g.Bun !== undefined) return { name: "bun", version: g.Bun.version };
  if (g.Deno !== undefined) return { name: "deno", version: g.Deno.version.deno };
  return { name: "node", version: g.process?.version.replace(/^v/, "") ?? "?" };
}

/**
 * Measures every stage on this runtime.
 *
 * @param scale Multiplies the calls per round (1 by default; lower it for a quick look).
 */
export async function runStages(scale = 1): Promise<StageResult> {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const keys = await secretKeys(secret);
  const verify = createVerifier({ keys });
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 3600;
  const n = (calls: number) => Math.max(50, Math.round(calls * scale));

  // Distinct tokens for "fresh": one per call of the warm-up and all rounds.
  const freshCalls = n(2000);
  const fresh = await Promise.all(
    Array.from({ length: Math.min(freshCalls, 2000) + ROUNDS * freshCalls }, (_, i) =>
      signHs256(secret, { sub: `bench_${i % 1000}`, exp, jti: i })),
  );
  const one = fresh[0]!;
  const header = `Bearer ${one}`;

  const handler = createWorkspacesHandler({
    repository: { listForUser: () => Promise.resolve(TEN_WORKSPACES) },
    auth: { keys },
  });
  const answer = (handler as unknown as { [_ANSWER]: (view: _RequestView) => Promise<_Answer> })[_ANSWER];
  const requestHeaders = { authorization: header, "accept-language": "en-US,en;q=0.9", "user-agent": "wrk", host: "127.0.0.1:8080" };
  const view: _RequestView = {
    method: "GET",
    url: SYSTEM_URL,
    headers: { get: (name: string) => (requestHeaders as Record<string, string>)[name] ?? null },
  };
  const languages = Array.from({ length: 1000 }, (_, i) => `x${i};q=0.5, ja-JP, en;q=0.8`);
  const body = systemSuccess(TEN_WORKSPACES, "en", now);
  const text = JSON.stringify(body);
  const responseHeaders = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "private, no-cache",
    "vary": "Authorization, Accept-Language",
    "content-language": "en",
  };

  const stages: StageCost[] = [];
  const add = async (cost: Promise<StageCost>) => stages.push(await cost);
  await add(measure("extractBearer", "take the token out of the Authorization header", n(200_000), () => extractBearer(header)));
  await add(measure("verify, same token", "a token seen before, with few tokens in the verifier's cache", n(20_000), () => verify(one, now)));
  await add(measure("verify, fresh token", "HS256 JWT never seen by this verifier: parse, HMAC (lib/hmac.ts, no Web Crypto), claims", freshCalls, (i) => verify(fresh[i]!, now)));
  await add(measure("verify, same token, full cache", "a token seen before, after the fresh tokens filled the cache (10,000 by default)", n(20_000), () => verify(one, now)));
  await add(measure("negotiateLocale, cached", "a browser's header, seen before", n(200_000), () => negotiateLocale("en-US,en;q=0.9")));
  await add(measure("negotiateLocale, uncached", "1,000 distinct headers in turn (more than the cache holds)", n(50_000), (i) => negotiateLocale(languages[i % 1000]!)));
  await add(measure("systemSuccess (10 rows)", "build the system dialect's envelope", n(50_000), () => systemSuccess(TEN_WORKSPACES, "en", now)));
  await add(measure("uptimerSuccess (10 rows)", "build the uptimer dialect's envelope", n(100_000), () => uptimerSuccess(TEN_WORKSPACES)));
  await add(measure("JSON.stringify (system, 10 rows)", `serialize the envelope (${text.length} bytes)`, n(50_000), () => JSON.stringify(body)));
  await add(measure("answer (no Request/Response)", "the handler's work as the Node adapter calls it: route, auth, locale, repository, envelope, JSON", n(20_000), () => answer(view)));
  await add(measure("new Request", "what an adapter builds per request: URL, 4 headers, an abort signal", n(20_000), () =>
    new Request(SYSTEM_URL, { headers: requestHeaders, signal: new AbortController().signal })));
  await add(measure("new Response + text()", "a Response with the JSON body and 4 headers, read back", n(20_000), () =>
    new Response(text, { status: 200, headers: responseHeaders }).text()));
  await add(measure("handler(Request) → text()", "the whole fetch handler with its Request and Response", n(20_000), async () => {
    const response = await handler(new Request(SYSTEM_URL, { headers: requestHeaders }));
    return response.text();
  }));
  const { name, version } = runtime();
  return { runtime: name, version, stages };
}

if ((import.meta as { main?: boolean }).main || /handler-stages\.(js|ts)$/.test((globalThis as { process?: { argv: string[] } }).process?.argv[1] ?? "")) {
  const scaleArg = (globalThis as { process?: { argv: string[] } }).process?.argv.find((a) => a.startsWith("--scale="));
  const result = await runStages(scaleArg ? Number(scaleArg.slice(8)) : 1);
  console.log(JSON.stringify(result));
}
