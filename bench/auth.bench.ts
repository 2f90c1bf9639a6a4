/**
 * `npm run bench:auth`: what verifying a bearer token costs per request on
 * Node, for a token seen for the first time and for one the verified-token
 * cache already holds, for HS256, RS256, ES256 and EdDSA. Not a test.
 *
 * Writes `bench/results/<YYYY-MM-DD>-auth.json` and `bench/AUTH.md`.
 * Environment: `BENCH_ROUNDS` (default 7), `BENCH_FRESH` (distinct tokens per
 * fresh round, default 1000), `BENCH_CACHED` (calls per cached round,
 * default 50000).
 *
 * @module
 */
import { createVerifier, jwksKeys, type KeySet, secretKeys, type Verifier } from "../lib/auth/mod.ts";
import { envNumber, log, resultDate, writeOutput } from "./_harness/context.ts";
import { loadAverage, machine } from "./_harness/machine.ts";
import { median } from "./_harness/stats.ts";
import { nsPerCall } from "./_harness/timing.ts";
import { hs256Signer, type Signer, signJwt } from "./_harness/tokens.ts";
import { type AuthAlgorithmResult, type AuthBenchResults, renderAuthReport } from "./auth-report.ts";

const ROUNDS = envNumber("BENCH_ROUNDS", 7);
const FRESH = envNumber("BENCH_FRESH", 1000);
const CACHED = envNumber("BENCH_CACHED", 50_000);
const SECRET = "bench-secret-bench-secret-bench-secret-0123456789";
const ISSUER = "https://id.example.com/";

type Alg = "HS256" | "RS256" | "ES256" | "EdDSA";
const KEY_PAIRS: Record<Exclude<Alg, "HS256">, { generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: AlgorithmIdentifier | EcdsaParams }> = {
  RS256: {
    generate: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: { generate: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  EdDSA: { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } },
};

/** A key set with the one key of `alg`, and a signer for it, as an identity provider would have. */
async function setup(alg: Alg): Promise<{ keys: KeySet; sign: Signer }> {
  if (alg === "HS256") return { keys: await secretKeys(SECRET, { algorithms: ["HS256"] }), sign: await hs256Signer(SECRET) };
  const spec = KEY_PAIRS[alg];
  const pair = (await crypto.subtle.generateKey(spec.generate, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), alg, kid: `${alg}-1`, key_ops: undefined, ext: undefined };
  return { keys: await jwksKeys({ keys: [jwk] }), sign: (input) => crypto.subtle.sign(spec.sign, pair.privateKey, input) };
}

/** `count` realistic access tokens (issuer, audience, scope, ids), all distinct. */
async function tokens(alg: Alg, count: number, sign: Signer): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const header = alg === "HS256" ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid: `${alg}-1` };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = `user-${i.toString(36).padStart(8, "0")}`;
    out.push(await signJwt(header, { iss: ISSUER, sub, aud: "lobby", iat: now, exp: now + 3600, scope: "openid workspaces:read", jti: crypto.randomUUID() }, sign));
  }
  return out;
}

/** Microseconds per `verify` of each token of `list` in turn, `repeat` times over. */
async function time(verify: Verifier, list: readonly string[], repeat = 1): Promise<number> {
  const now = Date.now();
  return (await nsPerCall(list.length * repeat, (i) => verify(list[i % list.length]!, now))) / 1000;
}

/** Verifies each token once, throwing on a refused one: the tokens must be valid for the timings to mean anything. */
async function check(verify: Verifier, list: readonly string[]): Promise<void> {
  for (const token of list) {
    const result = await verify(token, Date.now());
    if (!result.ok) throw new Error(`bench token refused: ${result.reason}`);
  }
}

async function measure(alg: Alg): Promise<AuthAlgorithmResult> {
  const { keys, sign } = await setup(alg);
  const fresh = await tokens(alg, FRESH, sign);
  const options = { keys, issuer: ISSUER, audience: "lobby" };
  // Warm-up: JIT and Web Crypto's first calls, on throwaway verifiers.
  await check(createVerifier(options), fresh);
  await check(createVerifier({ ...options, cacheSize: 0 }), fresh.slice(0, 200));
  const freshUs: number[] = [];
  const cachedUs: number[] = [];
  const uncachedUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Fresh and cached back to back in each round, so their ratio shares the machine's mood.
    freshUs.push(await time(createVerifier(options), fresh));
    const verify = createVerifier(options);
    const one = [fresh[round % fresh.length]!];
    await time(verify, one);
    cachedUs.push(await time(verify, one, CACHED));
    uncachedUs.push(await time(createVerifier({ ...options, cacheSize: 0 }), fresh));
  }
  return { alg, freshUs, cachedUs, uncachedUs, tokenLength: fresh[0]!.length };
}

const startedAt = new Date();
const { nproc, cpu, loadAverage: loadAtStart } = machine();
const algorithms: AuthAlgorithmResult[] = [];
for (const alg of ["HS256", "RS256", "ES256", "EdDSA"] as const) {
  const result = await measure(alg);
  algorithms.push(result);
  const us = (values: readonly number[], width: number) => median(values).toFixed(2).padStart(width);
  log(`${alg.padEnd(6)} fresh ${us(result.freshUs, 8)} µs   cached ${us(result.cachedUs, 6)} µs   cache off ${us(result.uncachedUs, 8)} µs`);
}
const date = resultDate(startedAt);
const results: AuthBenchResults = {
  date,
  startedAt: startedAt.toISOString().slice(11, 19),
  finishedAt: new Date().toISOString().slice(11, 19),
  runtime: `node ${process.version.replace(/^v/, "")}`,
  machine: { nproc, cpu, loadAverage: loadAtStart, loadAverageAtEnd: loadAverage() },
  rounds: ROUNDS,
  freshPerRound: FRESH,
  cachedPerRound: CACHED,
  algorithms,
};
log(`wrote ${writeOutput(`bench/results/${date}-auth.json`, `${JSON.stringify(results, null, 2)}\n`)} and ${writeOutput("bench/AUTH.md", renderAuthReport(results, 1))}`);
