// Many instances on one database: three standalone servers (Node, the
// esbuild bundle, each its own process and port) started together on a
// fresh database. They share nothing but the database: their first
// requests at the same moment each apply the schema (under one advisory
// lock), they answer identically, see each other's writers at once, and
// one going away changes nothing for the others.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { testDatabase } from "../_postgres.ts";
import { bundle, freePort, killAll, ROOT, RUNTIMES, type SpawnedProcess, spawnProcess } from "../_runtimes.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "instances-test-secret-0123456789abcdef";
const INSTANCES = 3;

const db = await testDatabase(t);
mkdirSync(join(ROOT, ".lobby"), { recursive: true });
const outDir = mkdtempSync(join(ROOT, ".lobby", "instances-"));
t.teardown(() => rmSync(outDir, { recursive: true, force: true }));
const main = join(outDir, "main.js");

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | null>;
}

async function ask(port: number, path: string, user: string | undefined, language = "en"): Promise<Answer> {
  const headers: Record<string, string> = { "accept-language": language };
  if (user !== undefined) {
    headers.authorization = `Bearer ${await signToken({ secret: SECRET, payload: { sub: user, exp: Math.floor(Date.now() / 1000) + 600 } })}`;
  }
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const body = await response.json() as Record<string, unknown>;
  if ("timestamp" in body) body.timestamp = "(ignored)";
  const picked: Record<string, string | null> = {};
  for (const name of ["content-type", "content-language", "cache-control", "vary", "www-authenticate"]) picked[name] = response.headers.get(name);
  return { status: response.status, body, headers: picked };
}

if (db !== undefined) {
  t.test(`${INSTANCES} instances started together migrate safely and answer identically`, async (t) => {
    const built = bundle(main);
    t.equal(built.status, 0, `esbuild: ${built.stderr}`);
    const node = RUNTIMES.find((runtime) => runtime.name === "node")!;
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    const servers: SpawnedProcess[] = ports.map((port) =>
      spawnProcess(node.command(port, main), { PORT: String(port), HOST: "127.0.0.1", DATABASE_URL: db.url, JWT_SECRET: SECRET, LOG_FORMAT: "text" })
    );
    t.teardown(() => killAll(servers));
    await Promise.all(servers.map((server) => server.waitFor(/listening on http/)));

    // Their first listings at the same moment: each applies the schema first.
    const first = await Promise.all(ports.flatMap((port) => [ask(port, "/api/v1/workspaces", "alice"), ask(port, "/api/v1/workspaces", "bob")]));
    t.same(first.map((answer) => answer.status), Array(INSTANCES * 2).fill(200), "every first request answered");
    const [tables] = await db.sql<[{ n: number }]>`SELECT count(*)::int4 AS n FROM pg_class
      WHERE relname IN ('institutions', 'workspaces', 'workspace_members', 'lobby_listing') AND relkind = 'r'`;
    t.equal(tables.n, 4, "the schema is there, once");

    // Rows written by another system, with plain SQL.
    await db.sql`INSERT INTO institutions (biz_id, name) VALUES ('INST_I', 'Instances')`;
    await db.sql`INSERT INTO workspaces (biz_id, institution_biz_id, name, timezone, status, kind, created_at, updated_at)
      VALUES ('WS_2', 'INST_I', 'Two', 'Asia/Tokyo', 10010702, 10010802, '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'),
             ('WS_1', 'INST_I', 'One', 'UTC', 10010701, 10010801, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`;
    await db.sql`INSERT INTO workspace_members (user_id, workspace_id, role)
      SELECT 'alice', id, CASE WHEN biz_id = 'WS_1' THEN 'owner' ELSE 'member' END FROM workspaces`;

    const requests: Array<[string, string | undefined, string]> = [];
    for (const path of ["/web/v1/system/workspaces/mine", "/api/v1/workspaces"]) {
      for (const user of ["alice", "bob", undefined]) for (const language of ["en", "ja", "zh-TW"]) requests.push([path, user, language]);
    }
    const answers = await Promise.all(ports.map((port) => Promise.all(requests.map(([path, user, language]) => ask(port, path, user, language)))));
    t.same((answers[0]![requests.findIndex(([path, user]) => path === "/api/v1/workspaces" && user === "alice")]!.body as { result: unknown }).result, [
      { id: "WS_1", name: "One", role: "owner", kind: "workspace" },
      { id: "WS_2", name: "Two", role: "member", kind: "workspace" },
    ], "a writer's rows, at once");
    for (let i = 1; i < INSTANCES; i++) t.same(answers[i], answers[0], `instance ${i + 1} answers as instance 1 does, ${requests.length} requests`);

    // One goes away; the others go on, and see the next write at once.
    servers[0]!.child.kill("SIGTERM");
    t.equal((await servers[0]!.exited).code, 0, "stops cleanly");
    await db.sql`UPDATE workspaces SET deleted_at = now() WHERE biz_id = 'WS_2'`;
    for (const port of ports.slice(1)) {
      const answer = await ask(port, "/api/v1/workspaces", "alice");
      t.same((answer.body as { result: Array<{ id: string }> }).result.map((row) => row.id), ["WS_1"], `port ${port}: the soft delete, at once`);
    }
    for (const server of servers) {
      t.notMatch(server.output(), /\b(ERROR|error)\b.*(database|schema|migrat)/, "no database error in any log");
    }
  });
}
