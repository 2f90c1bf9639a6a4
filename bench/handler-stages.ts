/**
 * The in-process cost per call of each stage of a request, on whichever
 * runtime runs this file: token verification (a fresh token, and one seen
 * before), Accept-Language negotiation, the envelope, JSON serialization
 * (`JSON.stringify`, and the handler's own JSON writer), and the whole
 * handler call over an in-process repository of 10 workspaces, with and
 * without the `Request`/`Response` objects around it.
 *
 * Each stage runs in rounds of a fixed number of calls after a warm-up; the
 * result is the median and the range of the rounds' nanoseconds per call.
 * Prints one JSON object (see {@link StageResult}) on the last line.
 *
 * Run: `node .bench/handler-stages.js`, `deno run -A bench/handler-stages.ts`,
 * `bun run bench/handler-stages.ts` (`bench/run.ts` does all three);
 * `BENCH_SCALE` (default 1) multiplies the calls per round.
 *
 * @module
 */
import { createVerifier, extractBearer, secretKeys } from "../lib/auth/mod.ts";
import { systemSuccess, systemSuccessJson, uptimerSuccess } from "../lib/envelope/mod.ts";
import { createWorkspacesHandler, type PlainRequest } from "../lib/handler/mod.ts";
import { negotiateLocale } from "../lib/locale/mod.ts";
import { currentRuntime } from "../lib/runtime/mod.ts";
import { envNumber, isMain } from "./_harness/context.ts";
import { ANSWER_HEADERS, REQUEST, TEN_WORKSPACES } from "./_harness/fixtures.ts";
import { summary } from "./_harness/stats.ts";
import { nsPerCall } from "./_harness/timing.ts";
import { hs256Signer, randomSecret, signMany } from "./_harness/tokens.ts";

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
const URL = `http://127.0.0.1:8080${REQUEST.path}`;

async function measure(stage: string, note: string, calls: number, run: (i: number) => unknown): Promise<StageCost> {
  const warm = Math.min(calls, 2000);
  await nsPerCall(warm, run);
  const perCall: number[] = [];
  for (let round = 0; round < ROUNDS; round++) perCall.push(await nsPerCall(calls, run, warm + round * calls));
  const { median, min, max } = summary(perCall);
  return { stage, note, medianNs: Math.round(median), minNs: Math.round(min), maxNs: Math.round(max), rounds: ROUNDS, callsPerRound: calls };
}

/**
 * Measures every stage on this runtime.
 *
 * @param scale Multiplies the calls per round (lower it for a quick look).
 */
export async function runStages(scale = 1): Promise<StageResult> {
  const secret = randomSecret();
  const keys = await secretKeys(secret);
  const verify = createVerifier({ keys });
  const now = Date.now();
  const n = (calls: number) => Math.max(50, Math.round(calls * scale));

  // Distinct tokens for "fresh": one per call of the warm-up and all rounds.
  const freshCalls = n(2000);
  const fresh = await signMany(await hs256Signer(secret), Math.min(freshCalls, 2000) + ROUNDS * freshCalls, (i) => `bench_${i % 1000}`, 0, 3600);
  const one = fresh[0]!;
  const header = `Bearer ${one}`;

  const handler = createWorkspacesHandler({ repository: { listForUser: () => Promise.resolve(TEN_WORKSPACES) }, auth: { keys } });
  const requestHeaders: Record<string, string> = { authorization: header, "accept-language": REQUEST.acceptLanguage, "user-agent": "wrk", host: "127.0.0.1:8080" };
  const plain: PlainRequest = { method: "GET", url: URL, headers: { get: (name) => requestHeaders[name] ?? null } };
  const languages = Array.from({ length: 1000 }, (_, i) => `x${i};q=0.5, ja-JP, en;q=0.8`);
  const body = systemSuccess(TEN_WORKSPACES, "en", now);
  const text = JSON.stringify(body);

  const stages: StageCost[] = [];
  const add = async (cost: Promise<StageCost>) => stages.push(await cost);
  await add(measure("extractBearer", "take the token out of the Authorization header", n(200_000), () => extractBearer(header)));
  await add(measure("verify, same token", "a token seen before, with few tokens in the verifier's cache", n(20_000), () => verify(one, now)));
  await add(measure("verify, fresh token", "HS256 JWT never seen by this verifier: parse, HMAC in JavaScript (no Web Crypto), claims", freshCalls, (i) => verify(fresh[i]!, now)));
  await add(measure("verify, same token, full cache", "a token seen before, after the fresh tokens filled the cache (10,000 by default)", n(20_000), () => verify(one, now)));
  await add(measure("negotiateLocale, cached", "a browser's header, seen before", n(200_000), () => negotiateLocale(REQUEST.acceptLanguage)));
  await add(measure("negotiateLocale, uncached", "1,000 distinct headers in turn (more than the cache holds)", n(50_000), (i) => negotiateLocale(languages[i % 1000]!)));
  await add(measure("systemSuccess (10 rows)", "build the system dialect's envelope", n(50_000), () => systemSuccess(TEN_WORKSPACES, "en", now)));
  await add(measure("uptimerSuccess (10 rows)", "build the uptimer dialect's envelope", n(100_000), () => uptimerSuccess(TEN_WORKSPACES)));
  await add(measure("JSON.stringify (system, 10 rows)", `serialize the envelope (${text.length} bytes)`, n(50_000), () => JSON.stringify(body)));
  await add(measure("systemSuccessJson (10 rows)", "the same text written straight from the rows, as the handler does", n(50_000), () => systemSuccessJson(TEN_WORKSPACES, "en", now)));
  await add(measure("answer (no Request/Response)", "the handler's work as the Node adapter calls it: route, auth, locale, repository, envelope, JSON", n(20_000), () => handler.answer(plain)));
  await add(measure("new Request", "what an adapter builds per request: URL, 4 headers, an abort signal", n(20_000), () =>
    new Request(URL, { headers: requestHeaders, signal: new AbortController().signal })));
  await add(measure("new Response + text()", "a Response with the JSON body and 4 headers, read back", n(20_000), () =>
    new Response(text, { status: 200, headers: ANSWER_HEADERS }).text()));
  await add(measure("handler(Request) → text()", "the whole fetch handler with its Request and Response", n(20_000), async () => {
    const response = await handler(new Request(URL, { headers: requestHeaders }));
    return response.text();
  }));
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  return { runtime: currentRuntime(), version: g.Bun?.version ?? g.Deno?.version.deno ?? process.version.replace(/^v/, ""), stages };
}

if (isMain(import.meta, "handler-stages")) console.log(JSON.stringify(await runStages(envNumber("BENCH_SCALE", 1))));
