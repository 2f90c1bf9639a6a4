// The real standalone server on Node (the esbuild bundle), Deno and Bun,
// against one real Postgres with rows written into the DESIGN.md tables by
// plain SQL, as another system would. All three must give the same answers,
// and the right ones.
import { spawnSync } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";
import t, { type Test } from "tap";
import { signToken } from "../_tokens.ts";
import { testDatabase } from "../_postgres.ts";
import { freePort, ROOT, RUNTIMES, start, stop } from "../_runtimes.ts";

const SECRET = "runtimes-test-secret-0123456789abcdef";

function build(t: Test): void {
  const result = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, encoding: "utf8" });
  t.equal(result.status, 0, `npm run build: ${result.stderr}`);
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

async function ask(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const text = await response.text();
  const body = JSON.parse(text);
  if (body && typeof body === "object" && "timestamp" in body) body.timestamp = "(ignored)";
  const picked: Record<string, string | null> = {};
  for (const name of ["content-type", "content-language", "cache-control", "vary", "www-authenticate"]) {
    picked[name] = response.headers.get(name);
  }
  return { status: response.status, headers: picked, body };
}

t.test("the standalone server answers the same on Node, Deno and Bun", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  build(t);

  const now = Math.floor(Date.now() / 1000);
  const alice = await signToken({ secret: SECRET, payload: { sub: "alice", exp: now + 3600 } });
  const nobody = await signToken({ secret: SECRET, payload: { sub: "nobody", exp: now + 3600 } });
  const requests: Array<[string, string, Record<string, string>]> = [
    ["system success", "/web/v1/system/workspaces/mine", { authorization: `Bearer ${alice}` }],
    ["uptimer success", "/api/v1/workspaces", { authorization: `Bearer ${alice}` }],
    ["system empty", "/web/v1/system/workspaces/mine", { authorization: `Bearer ${nobody}` }],
    ["uptimer empty", "/api/v1/workspaces", { authorization: `Bearer ${nobody}` }],
    ["system 401", "/web/v1/system/workspaces/mine", {}],
    ["uptimer 401", "/api/v1/workspaces", { authorization: "Bearer not.a.token" }],
    ["localized", "/web/v1/system/workspaces/mine", { authorization: `Bearer ${alice}`, "accept-language": "ja-JP" }],
    ["localized 401", "/api/v1/workspaces", { "accept-language": "zh-TW" }],
  ];

  const answers = new Map<string, Map<string, Answer>>();
  let first = true;
  for (const runtime of RUNTIMES) {
    const port = await freePort();
    const server = await start(runtime, port, {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: db.url,
      JWT_SECRET: SECRET,
    });
    if (first) {
      // The server applied the schema on start; rows arrive the way other
      // systems write them, with plain INSERTs.
      await ask(port, "/api/v1/workspaces", { authorization: `Bearer ${nobody}` });
      await db.sql`INSERT INTO institutions (biz_id, name) VALUES ('INST_9', 'Nine')`;
      await db.sql`INSERT INTO workspaces (biz_id, institution_biz_id, name, timezone, status, kind, created_at, updated_at)
        VALUES ('WS_B', 'INST_9', 'Beta', 'Asia/Tokyo', 10010702, 10010802, '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'),
               ('WS_A', 'INST_9', 'Alpha', 'UTC', 10010701, 10010801, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
               ('WS_GONE', 'INST_9', 'Gone', 'UTC', 10010701, 10010801, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')`;
      await db.sql`UPDATE workspaces SET deleted_at = now() WHERE biz_id = 'WS_GONE'`;
      await db.sql`INSERT INTO workspace_members (user_id, workspace_id, role)
        SELECT 'alice', id, CASE WHEN biz_id = 'WS_A' THEN 'owner' ELSE 'member' END FROM workspaces`;
      first = false;
    }
    const byRequest = new Map<string, Answer>();
    try {
      for (const [name, path, headers] of requests) byRequest.set(name, await ask(port, path, headers));
    } finally {
      t.equal(await stop(server.child), 0, `${runtime.name} stops cleanly on SIGTERM`);
    }
    answers.set(runtime.name, byRequest);
  }

  const node = answers.get("node")!;
  const uptimer = node.get("uptimer success")!;
  t.same(uptimer.body, {
    result: [
      { id: "WS_A", name: "Alpha", role: "owner", kind: "workspace" },
      { id: "WS_B", name: "Beta", role: "member", kind: "workspace" },
    ],
    error: null,
    meta: null,
  });
  const system = node.get("system success")!.body as { data: Array<Record<string, unknown>> };
  t.same(system.data[1], {
    bizId: "WS_B",
    institutionBizId: "INST_9",
    entityBizId: null,
    workspaceName: "Beta",
    workspaceTimezone: "Asia/Tokyo",
    workspaceStatus: { value: 10010702, name: "SUSPENDED", code: "SUSPENDED" },
    workspaceKind: { value: 10010802, name: "SANDBOX", code: "SANDBOX" },
    extraData: null,
    createdAt: "2026-01-02T00:00:00Z",
    updatedAt: "2026-01-03T00:00:00Z",
  });
  t.same((node.get("system empty")!.body as { data: unknown }).data, []);
  t.equal(node.get("system 401")!.status, 401);
  t.equal((node.get("uptimer 401")!.body as { error: { code: number } }).error.code, 1003);
  t.equal(node.get("localized")!.headers["content-language"], "ja");
  t.equal(node.get("localized 401")!.headers["content-language"], "zh-Hant");

  for (const runtime of ["deno run", "deno serve", "bun"]) {
    for (const [name] of requests) {
      t.same(answers.get(runtime)!.get(name), node.get(name), `${runtime} answers "${name}" as Node does`);
    }
  }
});

// A TCP proxy in front of Postgres that the test can cut and restore, so the
// server sees a real outage: refused connections and dropped sockets.
async function proxy(target: URL): Promise<{ port: number; up(): Promise<void>; down(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  return {
    port,
    up: () =>
      new Promise((resolve) => {
        server = createServer((client) => {
          const upstream = connect(Number(target.port || 5432), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on("close", () => sockets.delete(socket));
            socket.on("error", () => {});
          }
          client.pipe(upstream).pipe(client);
        });
        server.listen(port, "127.0.0.1", () => resolve());
      }),
    down: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server?.close(() => resolve());
      }),
  };
}

t.test("the standalone server answers 503 while Postgres is down and recovers by itself", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  build(t);
  const target = new URL(db.url);
  const gate = await proxy(target);
  const url = new URL(db.url);
  url.host = `127.0.0.1:${gate.port}`;
  const port = await freePort();
  const now = Math.floor(Date.now() / 1000);
  const token = await signToken({ secret: SECRET, payload: { sub: "carol", exp: now + 3600 } });
  const auth = { authorization: `Bearer ${token}`, "accept-language": "vi" };

  // Down from the start: the server must still start, and answer 503.
  const server = await start(RUNTIMES[0]!, port, {
    PORT: String(port),
    HOST: "127.0.0.1",
    DATABASE_URL: url.toString(),
    JWT_SECRET: SECRET,
  });
  t.teardown(async () => {
    await stop(server.child);
    await gate.down();
  });
  const before = await ask(port, "/web/v1/system/workspaces/mine", auth);
  t.equal(before.status, 503);
  t.equal((before.body as { code: string }).code, "5030");
  t.equal(before.headers["content-language"], "vi");
  const beforeText = JSON.stringify(before.body);
  for (const secret of [String(gate.port), "ECONNREFUSED", "postgres", "lobby_test"]) {
    t.notOk(beforeText.includes(secret), `the 503 does not mention ${secret}`);
  }

  await gate.up();
  const up = await ask(port, "/api/v1/workspaces", auth);
  t.equal(up.status, 200, "answers once the database is reachable, schema applied on the way");
  t.same(up.body, { result: [], error: null, meta: null });

  await gate.down();
  const down = await ask(port, "/api/v1/workspaces", auth);
  t.equal(down.status, 503, "an outage after start is a 503 too");
  t.equal((down.body as { error: { code: number } }).error.code, 1503);

  await gate.up();
  const again = await ask(port, "/api/v1/workspaces", auth);
  t.equal(again.status, 200, "and it recovers without a restart");
  t.equal(await stop(server.child), 0, "stops cleanly on SIGTERM");
});
