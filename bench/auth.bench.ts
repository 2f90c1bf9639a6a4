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
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { createVerifier, type Verifier } from "../lib/auth/verifier.ts";
import { jwksKeys } from "../lib/auth/jwk.ts";
import { type KeySet, secretKeys } from "../lib/auth/keys.ts";
import { type AuthAlgorithmResult, type AuthBenchResults, median, renderAuthReport } from "./auth-report.ts";

const ROOT = new URL("../", new URL(import.meta.url.includes("/.bench/") ? "../bench/" : "./", import.meta.url)).pathname;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const FRESH = Number(process.env.BENCH_FRESH ?? 1000);
const CACHED = Number(process.env.BENCH_CACHED ?? 50_000);
const SECRET = "bench-secret-bench-secret-bench-secret-0123456789";

type Alg = "HS256" | "RS256" | "ES256" | "EdDSA";
const SIGN: Record<Exclude<Alg, "HS256">, { generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm; sign: AlgorithmIdentifier | EcdsaParams }> = {
  RS256: {
    generate: { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    sign: { name: "RSASSA-PKCS1-v1_5" },
  },
  ES256: { generate: { name: "ECDSA", namedCurve: "P-256" }, sign: { name: "ECDSA", hash: "SHA-256" } },
  EdDSA: { generate: { name: "Ed25519" }, sign: { name: "Ed25519" } },
};

const text = (value: unknown) => encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(value)));

// A key set with the one key of `alg`, and a signer for it, as an identity provider would have.
async function setup(alg: Alg): Promise<{ keys: KeySet; sign: (input: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer> }> {
  if (alg === "HS256") {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return { keys: await secretKeys(SECRET, { algorithms: ["HS256"] }), sign: (input) => crypto.subtle.sign("HMAC", key, input) };
  }
  const spec = SIGN[alg];
  const pair = (await crypto.subtle.generateKey(spec.generate, true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey("jwk", pair.publicKey)), alg, kid: `${alg}-1`, key_ops: undefined, ext: undefined };
  return { keys: await jwksKeys({ keys: [jwk] }), sign: (input) => crypto.subtle.sign(spec.sign, pair.privateKey, input) };
}

async function tokens(alg: Alg, count: number, sign: (input: Uint8Array<ArrayBuffer>) => Promise<ArrayBuffer>): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const header = text(alg === "HS256" ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid: `${alg}-1` });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // A realistic access token: issuer, audience, scope, ids.
    const payload = text({
      iss: "https://id.example.com/",
      sub: `user-${i.toString(36).padStart(8, "0")}`,
      aud: "lobby",
      iat: now,
      exp: now + 3600,
      scope: "openid workspaces:read",
      jti: crypto.randomUUID(),
    });
    const input = `${header}.${payload}`;
    const signature = new Uint8Array(await sign(new TextEncoder().encode(input)));
    out.push(`${input}.${encodeBase64urlNoPadding(signature)}`);
  }
  return out;
}

// Microseconds per call of `verify` over `list`, sequentially.
async function time(verify: Verifier, list: readonly string[], repeat = 1): Promise<number> {
  const now = Date.now();
  const started = performance.now();
  for (let r = 0; r < repeat; r++) {
    for (const token of list) {
      const result = await verify(token, now);
      if (!result.ok) throw new Error(`bench token refused: ${result.reason}`);
    }
  }
  return ((performance.now() - started) * 1000) / (list.length * repeat);
}

async function measure(alg: Alg): Promise<AuthAlgorithmResult> {
  const { keys, sign } = await setup(alg);
  const fresh = await tokens(alg, FRESH, sign);
  const options = { keys, issuer: "https://id.example.com/", audience: "lobby" };
  // Warm-up: JIT and Web Crypto's first calls, on throwaway verifiers.
  await time(createVerifier(options), fresh.slice(0, 200));
  await time(createVerifier({ ...options, cacheSize: 0 }), fresh.slice(0, 200));
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
const loadAtStart = loadavg().map((value) => Math.round(value * 100) / 100);
const algorithms: AuthAlgorithmResult[] = [];
for (const alg of ["HS256", "RS256", "ES256", "EdDSA"] as const) {
  const result = await measure(alg);
  algorithms.push(result);
  process.stdout.write(
    `${alg.padEnd(6)} fresh ${median(result.freshUs).toFixed(2).padStart(8)} µs   cached ${median(result.cachedUs).toFixed(2).padStart(6)} µs   cache off ${median(result.uncachedUs).toFixed(2).padStart(8)} µs\n`,
  );
}
const finishedAt = new Date();
const date = startedAt.toISOString().slice(0, 10);
const results: AuthBenchResults = {
  date,
  startedAt: startedAt.toISOString().slice(11, 19),
  finishedAt: finishedAt.toISOString().slice(11, 19),
  runtime: `node ${process.version.replace(/^v/, "")}`,
  machine: {
    nproc: cpus().length,
    cpu: (cpus()[0]?.model ?? "unknown").replace(/\s+/g, " ").trim(),
    loadAverage: loadAtStart,
    loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
  },
  rounds: ROUNDS,
  freshPerRound: FRESH,
  cachedPerRound: CACHED,
  algorithms,
};
mkdirSync(`${ROOT}bench/results`, { recursive: true });
writeFileSync(`${ROOT}bench/results/${date}-auth.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${ROOT}bench/AUTH.md`, renderAuthReport(results, 1));
process.stdout.write(`wrote bench/results/${date}-auth.json and bench/AUTH.md\n`);
