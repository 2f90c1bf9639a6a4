// A browser calling the system dialect from another origin: a page served
// on one loopback origin fetches lobby's listing on another, in headless
// Chromium (Debian's chromium package), and writes what it read (status,
// body, X-Request-Id) into the page, which Chromium dumps. The same page on
// an origin lobby does not allow is refused by the browser. Under CI the
// test fails when Chromium cannot be had; elsewhere, as root, it installs
// it with apt-get, and skips only when that fails too.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { signToken } from "../_tokens.ts";
import { testDatabase } from "../_postgres.ts";
import { freePort, RUNTIMES, serveFor, testBundle } from "../_runtimes.ts";

const SECRET = "browser-test-secret-of-at-least-32-bytes!";

function chromium(): string | undefined {
  const found = () => {
    const which = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
    return which.status === 0 ? which.stdout.trim().split("\n")[0] : undefined;
  };
  let path = found();
  if (path === undefined && process.getuid?.() === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    spawnSync("sh", ["-c", "apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)"], { env, stdio: "ignore", timeout: 600_000 });
    path = found();
  }
  return path;
}

// The page: one fetch to lobby with a request id of its own, one without;
// what the browser let the script read goes into <pre id="out">.
function page(api: string, token: string): string {
  return `<!doctype html><meta charset="utf-8"><pre id="out">pending</pre><script>
const url = ${JSON.stringify(`${api}/web/v1/system/workspaces/mine`)};
const auth = { authorization: ${JSON.stringify(`Bearer ${token}`)}, "accept-language": "ja" };
async function read(headers) {
  const response = await fetch(url, { headers });
  return { status: response.status, requestId: response.headers.get("x-request-id"), language: response.headers.get("content-language"), body: await response.json() };
}
Promise.all([read({ ...auth, "x-request-id": "from-the-browser-1" }), read(auth)])
  .then((results) => { document.getElementById("out").textContent = JSON.stringify(results); })
  .catch((error) => { document.getElementById("out").textContent = JSON.stringify({ refused: String(error) }); });
</script>`;
}

// What the page showed once its fetches settled. Chromium runs beside this
// process's event loop, which serves the page.
async function dump(browser: string, url: string): Promise<unknown> {
  const profile = mkdtempSync(join(tmpdir(), "lobby-chromium-"));
  try {
    const child = spawn(browser, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      // The DOM is dumped once the page is idle: after its fetches, within this much virtual time.
      "--virtual-time-budget=15000",
      "--dump-dom",
      url,
    ], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    await new Promise((resolve) => child.once("close", resolve));
    clearTimeout(timer);
    const match = /<pre id="out">([\s\S]*?)<\/pre>/.exec(stdout);
    if (match === null) return { noPage: stdout.slice(0, 500), stderr: stderr.slice(-500) };
    const text = match[1]!.replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
    try {
      return JSON.parse(text);
    } catch {
      return { unparsed: text };
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

t.test("headless Chromium reads the system dialect and X-Request-Id across origins, and only from an allowed one", async (t) => {
  const browser = chromium();
  if (browser === undefined) {
    const reason = "Chromium is not installed (apt-get install -y chromium)";
    if (process.env.CI) t.fail(`${reason}; CI is set, so this fails instead of skipping`);
    else t.skip(reason, () => {});
    return;
  }
  const db = await testDatabase(t);
  if (db === undefined) return;

  const main = testBundle(t, "browser");

  // The page's server: 127.0.0.1 is the allowed origin, localhost (the same server) is not.
  const pagePort = await freePort();
  let html = "";
  const pages: Server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(html);
  });
  await new Promise<void>((resolve) => pages.listen(pagePort, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => pages.close(() => resolve())));

  const now = Math.floor(Date.now() / 1000);
  const token = await signToken({ secret: SECRET, payload: { sub: "browser-user", exp: now + 3600 } });
  let seeded = false;
  for (const runtime of RUNTIMES) {
    const { server, port } = await serveFor(t, runtime, main, {
      DATABASE_URL: db.url,
      JWT_SECRET: SECRET,
      CORS_ORIGINS: `http://127.0.0.1:${pagePort}`,
      LOG_FORMAT: "json",
    });
    try {
      if (!seeded) {
        // The first listing applies the schema; then one workspace for the user.
        await (await fetch(`http://127.0.0.1:${port}/api/v1/workspaces`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
        await db.sql`INSERT INTO institutions (biz_id, name) VALUES ('INST_B', 'Browser')`;
        await db.sql`INSERT INTO workspaces (biz_id, institution_biz_id, name, timezone, status, kind, created_at, updated_at)
          VALUES ('WS_BROWSER', 'INST_B', 'Seen from a page', 'UTC', 10010701, 10010801, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`;
        await db.sql`INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'browser-user', id, 'owner' FROM workspaces`;
        seeded = true;
      }
      html = page(`http://127.0.0.1:${port}`, token);
      const read = await dump(browser, `http://127.0.0.1:${pagePort}/`) as Array<{ status: number; requestId: string; language: string; body: { code: string; data: Array<{ bizId: string }> } }>;
      t.ok(Array.isArray(read), `${runtime.name}: the page read both answers: ${JSON.stringify(read).slice(0, 300)}`);
      if (!Array.isArray(read)) continue;
      const [own, made] = read;
      t.equal(own?.status, 200, `${runtime.name}: status`);
      t.equal(own?.body.code, "2000");
      t.same(own?.body.data.map((item) => item.bizId), ["WS_BROWSER"], `${runtime.name}: the body`);
      t.equal(own?.requestId, "from-the-browser-1", `${runtime.name}: the page's own X-Request-Id, read back`);
      t.match(made?.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-7/, `${runtime.name}: a request id lobby made, readable by the page`);
      t.equal(own?.language, "ja", `${runtime.name}: Content-Language is exposed`);

      const refused = await dump(browser, `http://localhost:${pagePort}/`) as { refused?: string };
      t.match(refused, { refused: /TypeError/ }, `${runtime.name}: the same page on an origin lobby does not allow cannot read the answer`);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
    const lines = server.output().split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
    t.ok(lines.some((line) => line.event === "request" && line.request_id === "from-the-browser-1" && line.status === 200), `${runtime.name}: logged with the page's request id`);
    t.ok(lines.some((line) => line.event === "request" && line.method === "OPTIONS" && line.status === 204), `${runtime.name}: the preflight is logged`);
  }
});
