// The hostile-token corpus (test/fixtures/hostile_tokens.json): every case
// through createVerifier, asserting its exact reason, and through the
// handler in both dialects, asserting a 401 (never a 5xx), the logged
// reason, and that no token text comes back in a body, a header or a log.
import { readFileSync } from "node:fs";
import t from "tap";
import { createVerifier, type TokenFailureReason, type Verifier, type VerifierOptions } from "../../lib/auth/verifier.ts";
import { createWorkspacesHandler, type HandlerEvent } from "../../lib/handler/handler.ts";
import { jwksKeys } from "../../lib/auth/jwk.ts";
import { combineKeySets, secretKeys } from "../../lib/auth/keys.ts";
import { base64url, generateTestKey, jwks, signBytes, type TestAlgorithm, type TestKey } from "../_tokens.ts";

interface Case {
  readonly name: string;
  readonly expect: TokenFailureReason | "ok";
  readonly viaHandler?: TokenFailureReason | "ok" | "malformed_authorization" | "not_transmissible";
  readonly verifier?: "default" | "public" | "typed";
  readonly sign?: string;
  readonly header?: Record<string, unknown>;
  readonly headerText?: string;
  readonly claims?: Record<string, unknown>;
  readonly payloadText?: string;
  readonly payloadBytes?: string;
  readonly signature?: string;
  readonly segment?: readonly string[];
  readonly token?: readonly string[];
  readonly pad?: { readonly where: "header" | "payload"; readonly bytes: number };
  readonly raw?: string;
}

const corpus = JSON.parse(readFileSync(new URL("../fixtures/hostile_tokens.json", import.meta.url), "utf8")) as {
  cases: Case[];
};

const SECRET = "hostile-corpus-secret-of-at-least-sixty-four-bytes-0123456789abcdef";
const NOW_S = 1_767_225_600;
const NOW = NOW_S * 1000;
const ISS = "https://issuer.example";
const AUD = "lobby-api";

const rs = await generateTestKey("RS256", { kid: "rs-1" });
const es = await generateTestKey("ES256", { kid: "es-1" });
const ed = await generateTestKey("EdDSA", { kid: "ed-1" });
const attackerRs = await generateTestKey("RS256", { fresh: true });
const attackerEs = await generateTestKey("ES256");

const PLACEHOLDERS: Record<string, unknown> = {
  "@ISS@": ISS,
  "@AUD@": AUD,
  "@NOW@": NOW_S,
  "@EXP@": NOW_S + 3600,
  "@PAST@": NOW_S - 3600,
  "@FAR@": NOW_S + 10 * 365 * 86_400,
  "@HOURS_AGO_2@": NOW_S - 7200,
  "@LONG_SUB@": "u".repeat(257),
  "@ATTACKER_ES_JWK@": attackerEs.jwk,
  "@JUNK_1MB@": "A".repeat(1_000_000),
};

// Signers: a configured key, an attacker's, or a public key used as an HMAC secret.
const SIGNERS: Record<string, { alg: TestAlgorithm; kid?: string; secret?: string | Uint8Array; key?: TestKey }> = {
  hs: { alg: "HS256", kid: "hs-1", secret: SECRET },
  rs: { alg: "RS256", kid: "rs-1", key: rs },
  es: { alg: "ES256", kid: "es-1", key: es },
  ed: { alg: "EdDSA", kid: "ed-1", key: ed },
  "attacker-hs": { alg: "HS256", secret: "attacker-secret" },
  "attacker-rs": { alg: "RS256", key: attackerRs },
  "attacker-es": { alg: "ES256", key: attackerEs },
  "rs-pem-as-hmac": { alg: "HS256", secret: rs.pem },
  "rs-der-as-hmac": { alg: "HS256", secret: rs.spki },
};

function substitute(value: unknown): unknown {
  if (typeof value === "string") return Object.hasOwn(PLACEHOLDERS, value) ? PLACEHOLDERS[value] : value;
  if (Array.isArray(value)) return value.map(substitute);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item)]));
  }
  return value;
}

function substituteText(text: string): string {
  return text.replace(/@[A-Z_0-9]+@/g, (name) => String(PLACEHOLDERS[name]));
}

function merge(base: Record<string, unknown>, changes: Record<string, unknown> | undefined): Record<string, unknown> {
  const result = { ...base };
  for (const [key, value] of Object.entries(changes ?? {})) {
    if (value === "@DELETE@") delete result[key];
    else result[key] = substitute(value);
  }
  return result;
}

// base64url without the last character's unused bits cleared.
function nonCanonical(json: string): string {
  let text = json;
  while (new TextEncoder().encode(text).length % 3 !== 1) text += " ";
  const encoded = base64url(text);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return encoded.slice(0, -1) + alphabet[alphabet.indexOf(encoded.at(-1)!) + 1];
}

const SEGMENT_MUTATIONS: Record<string, (segments: { header: string; payload: string; payloadJson: string }) => void> = {
  "pad-header": (s) => void (s.header += "="),
  "pad-payload": (s) => void (s.payload += "="),
  "truncate-payload": (s) => void (s.payload = s.payload.slice(0, s.payload.length - ((s.payload.length - 1) % 4))),
  "noncanonical-payload": (s) => void (s.payload = nonCanonical(s.payloadJson)),
  "standard-base64-payload": (s) => void (s.payload = "+" + s.payload.slice(1)),
  "space-in-payload": (s) => void (s.payload = s.payload.slice(0, 8) + " " + s.payload.slice(8)),
  "tab-in-payload": (s) => void (s.payload = s.payload.slice(0, 8) + "\t" + s.payload.slice(8)),
  "nul-in-payload": (s) => void (s.payload = s.payload.slice(0, 8) + "\u0000" + s.payload.slice(8)),
  "del-in-payload": (s) => void (s.payload = s.payload.slice(0, 8) + "\u007f" + s.payload.slice(8)),
};

const TOKEN_MUTATIONS: Record<string, (token: string) => string> = {
  // Drops the signature's first 4 characters: still canonical base64url, 3 bytes short.
  "truncate-signature": (token) => {
    const dot = token.lastIndexOf(".");
    return token.slice(0, dot + 1) + token.slice(dot + 5);
  },
  "leading-space": (token) => ` ${token}`,
  "trailing-newline": (token) => `${token}\n`,
  "crlf-injection": (token) => `${token}\r\nX-Evil: 1`,
  "extra-segment": (token) => `${token}.${token.split(".")[2]}`,
  "two-extra-segments": (token) => `${token}.AAAA.BBBB`,
  "trailing-dot": (token) => `${token}.`,
  "drop-signature-segment": (token) => token.slice(0, token.lastIndexOf(".")),
  "empty-header": (token) => token.slice(token.indexOf(".")),
};

async function build(c: Case): Promise<string> {
  if (c.raw !== undefined) return substituteText(c.raw);
  const signer = SIGNERS[c.sign ?? "hs"];
  if (signer === undefined) throw new Error(`${c.name}: unknown signer ${c.sign}`);
  const defaultHeader: Record<string, unknown> = { alg: signer.alg, typ: "JWT" };
  if (signer.kid !== undefined) defaultHeader.kid = signer.kid;
  const headerJson = c.headerText ?? JSON.stringify(merge(defaultHeader, c.header));
  const defaultClaims = { sub: "user-1", iss: ISS, aud: AUD, iat: NOW_S, exp: NOW_S + 3600 };
  let payloadJson = c.payloadText === undefined ? JSON.stringify(merge(defaultClaims, c.claims)) : substituteText(c.payloadText);
  let header = headerJson;
  if (c.pad?.where === "header") header = JSON.stringify({ ...JSON.parse(headerJson), pad: "h".repeat(c.pad.bytes) });
  if (c.pad?.where === "payload") payloadJson = JSON.stringify({ ...JSON.parse(payloadJson), pad: "p".repeat(c.pad.bytes) });
  const segments = {
    header: base64url(header),
    payload: c.payloadBytes === undefined
      ? base64url(payloadJson)
      : base64url(Uint8Array.from(c.payloadBytes.match(/../g)!, (byte) => parseInt(byte, 16))),
    payloadJson,
  };
  for (const name of c.segment ?? []) {
    const mutate = SEGMENT_MUTATIONS[name];
    if (mutate === undefined) throw new Error(`${c.name}: unknown segment mutation ${name}`);
    mutate(segments);
  }
  const input = `${segments.header}.${segments.payload}`;
  let signature: Uint8Array;
  const kind = c.signature ?? "signed";
  if (kind === "empty") signature = new Uint8Array(0);
  else if (kind.startsWith("zeros:")) signature = new Uint8Array(Number(kind.slice(6)));
  else if (kind === "garbage") signature = crypto.getRandomValues(new Uint8Array(256));
  else {
    signature = await signBytes(signer, new TextEncoder().encode(input));
    if (kind === "der") {
      signature = new Uint8Array([0x30, 68, 0x02, 32, ...signature.slice(0, 32), 0x02, 32, ...signature.slice(32)]);
    } else if (kind !== "signed") throw new Error(`${c.name}: unknown signature ${kind}`);
  }
  let token = `${input}.${base64url(signature)}`;
  for (const name of c.token ?? []) {
    const mutate = TOKEN_MUTATIONS[name];
    if (mutate === undefined) throw new Error(`${c.name}: unknown token mutation ${name}`);
    token = mutate(token);
  }
  return token;
}

const publicKeys = await jwksKeys(jwks(rs, es, ed));
const allKeys = combineKeySets(await secretKeys(SECRET, { kid: "hs-1" }), publicKeys);
const OPTIONS: Record<NonNullable<Case["verifier"]>, VerifierOptions> = {
  default: { keys: allKeys, issuer: ISS, audience: AUD },
  public: { keys: publicKeys, issuer: ISS, audience: AUD },
  typed: { keys: allKeys, issuer: ISS, audience: AUD, type: "at+jwt", maxAgeSeconds: 3600 },
};
const verifiers = Object.fromEntries(
  Object.entries(OPTIONS).map(([name, options]) => [name, createVerifier(options)]),
) as Record<keyof typeof OPTIONS, Verifier>;

const built = new Map<string, string>();
for (const c of corpus.cases) built.set(c.name, await build(c));

t.test("the corpus has at least 50 hostile cases, all distinct", async (t) => {
  const rejections = corpus.cases.filter((c) => c.expect !== "ok");
  t.ok(rejections.length >= 50, `${rejections.length} cases expect a rejection`);
  t.equal(new Set(corpus.cases.map((c) => c.name)).size, corpus.cases.length, "names are unique");
  t.equal(new Set(built.values()).size, corpus.cases.length, "and so are the tokens");
});

t.test("createVerifier rejects every hostile token with its expected reason", async (t) => {
  for (const c of corpus.cases) {
    const result = await verifiers[c.verifier ?? "default"](built.get(c.name)!, NOW);
    t.equal(result.ok ? "ok" : result.reason, c.expect, c.name);
    if (!result.ok) t.strictSame(Object.keys(result), ["ok", "reason"], `${c.name}: nothing but the reason`);
  }
});

t.test("the handler answers every hostile token with a 401 that leaks nothing", async (t) => {
  const events: HandlerEvent[] = [];
  const handlers = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, auth]) => [
      name,
      createWorkspacesHandler({
        repository: { listForUser: async () => [] },
        auth,
        now: () => NOW,
        log: (event) => events.push(event),
      }),
    ]),
  );
  let sent = 0;
  for (const c of corpus.cases) {
    const token = built.get(c.name)!;
    const expected = c.viaHandler ?? c.expect;
    for (const url of ["http://lobby.test/api/v1/workspaces", "http://lobby.test/web/v1/system/workspaces/mine"]) {
      let request: Request;
      try {
        request = new Request(url, { headers: { authorization: `Bearer ${token}`, "x-client-hash": "h" } });
      } catch {
        // Fetch refuses to put NUL, CR or LF in a header: such a token cannot reach a server.
        t.equal(expected, "not_transmissible", `${c.name}: only expected-untransmissible tokens fail to build a request`);
        continue;
      }
      t.not(expected, "not_transmissible", `${c.name}: a request could be built`);
      sent++;
      events.length = 0;
      const response = await handlers[c.verifier ?? "default"]!(request);
      const body = await response.text();
      if (expected === "ok") {
        t.equal(response.status, 200, `${c.name}: ${url}`);
        continue;
      }
      t.equal(response.status, 401, `${c.name}: 401 on ${url}`);
      t.strictSame(events.map((e) => [e.event, e.reason]), [["auth_rejected", expected]], `${c.name}: logged reason`);
      const challenge = response.headers.get("www-authenticate") ?? "";
      t.match(challenge, /^Bearer realm="lobby", error="(invalid_token|invalid_request)", error_description="[A-Za-z <>]+"$/);
      const everything = `${body}\n${challenge}\n${[...response.headers].join("\n")}\n${JSON.stringify(events)}`;
      for (const piece of token.split(".").filter((part) => part.length >= 12)) {
        if (everything.includes(piece.slice(0, 12))) t.fail(`${c.name}: token text in the answer or log`);
      }
    }
  }
  t.ok(sent > 200, `${sent} requests sent`);
});

t.test("an expired token is described as expired, every other one as invalid", async (t) => {
  const handlers = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, auth]) => [
      name,
      createWorkspacesHandler({ repository: { listForUser: async () => [] }, auth, now: () => NOW, log: () => {} }),
    ]),
  );
  for (const c of corpus.cases.filter((c) => c.viaHandler === undefined && c.expect !== "ok")) {
    const request = new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${built.get(c.name)!}` } });
    const response = await handlers[c.verifier ?? "default"]!(request);
    const description = c.expect === "expired" || c.expect === "too_old" ? "The access token expired" : "The access token is invalid";
    t.equal(
      response.headers.get("www-authenticate"),
      `Bearer realm="lobby", error="invalid_token", error_description="${description}"`,
      `${c.name}: ${description}`,
    );
  }
});
