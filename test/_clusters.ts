/**
 * Throwaway Postgres clusters on loopback for the scale-out tests and the
 * scale-out benchmark: a primary, streaming replicas made with
 * `pg_basebackup -R`, and PgBouncer in transaction mode in front of the
 * primary, each on a free port of its own, all under one temporary
 * directory that {@link ScaleOutSet.stop} removes.
 *
 * The binaries are Debian's (`postgresql`, `pgbouncer`; `.ci/run`
 * installs them). As root, every server runs as the `postgres` user
 * (`initdb` and PgBouncer refuse root); otherwise as the current user.
 * Nothing here imports tap: the benchmark uses it too.
 *
 * @module
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { freePort } from "./_runtimes.ts";

/** One Postgres server of a set. */
export interface Cluster {
  /** `primary`, `replica1`, `replica2`… */
  readonly name: string;
  readonly port: number;
  readonly dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust authentication). */
  readonly url: string;
  /** Starts it (again after {@link stop}); resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl stop` with the mode given (default `fast`: sessions are told the server shuts down). */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** The same as {@link stop}, blocking: for teardown and the exit hook. */
  stopNow(mode?: "smart" | "fast" | "immediate"): void;
  /** Whether its postmaster runs. */
  running(): boolean;
}

/** PgBouncer in transaction mode in front of the primary. */
export interface Bouncer {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`, as a client of lobby would write it, without parameters. */
  readonly url: string;
  /** The ini file it runs with. */
  readonly ini: string;
}

/** A primary, its replicas and PgBouncer, under one temporary directory. */
export interface ScaleOutSet {
  readonly root: string;
  readonly database: string;
  readonly primary: Cluster;
  readonly replicas: readonly Cluster[];
  readonly bouncer: Bouncer | undefined;
  /** Waits until every running replica has replayed everything the primary wrote so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops every server and PgBouncer and removes the directory; safe to call twice. */
  stop(): void;
}

/** Options of {@link startScaleOutSet}. */
export interface ScaleOutOptions {
  /** How many streaming replicas (default 1). */
  readonly replicas?: number;
  /** Whether to run PgBouncer in front of the primary (default true). */
  readonly bouncer?: boolean;
  /** The database lobby uses, created on the primary before the replicas are made (default `lobby`). */
  readonly database?: string;
  /** Extra `postgresql.conf` lines for every server. */
  readonly settings?: readonly string[];
}

/** The newest Postgres binaries directory Debian installed, or undefined. */
export function postgresBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = `${base}/${version}/bin`;
    if (existsSync(`${bin}/initdb`) && existsSync(`${bin}/pg_basebackup`)) return bin;
  }
  return undefined;
}

/** PgBouncer's path, or undefined when it is not installed. */
export function pgbouncerPath(): string | undefined {
  for (const path of ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]) if (existsSync(path)) return path;
  const which = spawnSync("sh", ["-c", "command -v pgbouncer"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() !== "" ? which.stdout.trim() : undefined;
}

/** Why a set cannot be made here (a missing binary, a missing `postgres` user), or undefined when it can. */
export function scaleOutUnsupported(options: { bouncer?: boolean } = {}): string | undefined {
  if (postgresBin() === undefined) return "no Postgres server binaries in /usr/lib/postgresql (apt-get install postgresql)";
  if ((options.bouncer ?? true) && pgbouncerPath() === undefined) return "pgbouncer is not installed (apt-get install pgbouncer)";
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"]).status !== 0) return "running as root, and there is no postgres user to run the servers as";
  return undefined;
}

// As root, servers run as postgres; the uid and gid that own their files.
function owner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

// Runs a server binary, as postgres when root; throws with its output when it fails.
function run(file: string, args: readonly string[], timeoutMs = 60_000): string {
  const [command, ...rest] = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", file, ...args] : [file, ...args];
  const result = spawnSync(command!, rest, { encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    throw new Error(`${file.split("/").pop()} ${args.join(" ")} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

// The same without blocking: a test keeps sending requests meanwhile.
function runAsync(file: string, args: readonly string[], timeoutMs = 90_000): Promise<string> {
  const [command, ...rest] = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", file, ...args] : [file, ...args];
  return new Promise((resolve, reject) => {
    execFile(command!, rest, { encoding: "utf8", timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file.split("/").pop()} ${args.join(" ")} failed:\n${stdout}${stderr}`, { cause: error }));
      else resolve(stdout);
    });
  });
}

// Every directory and file below `path` to the servers' user.
function chownTree(path: string, ids: { uid: number; gid: number } | undefined): void {
  if (ids === undefined) return;
  chownSync(path, ids.uid, ids.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, ids);
    else chownSync(child, ids.uid, ids.gid);
  }
}

// Sets that are still running, for the exit and signal hooks: a test
// stopped by its timeout must not leave servers behind.
const live = new Set<ScaleOutSet>();
let hooked = false;

const PREFIX = "lobby-scale-out-";
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

// Stops the sets still running once the process is told to end, then
// raises the signal again without this listener: the process ends as it
// would have (or as another listener, such as tap's, decides).
function onSignal(signal: NodeJS.Signals): void {
  for (const open of live) open.stop();
  for (const each of SIGNALS) process.removeListener(each, onSignal);
  hooked = false;
  process.kill(process.pid, signal);
}

let exitHooked = false;

function hook(): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once("exit", () => {
      for (const open of live) open.stop();
    });
  }
  if (hooked) return;
  hooked = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

// Whether a process with this id runs (a zombie does not).
function alive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "")[0] !== "Z";
  } catch {
    // No /proc: ask the kernel.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/**
 * Stops and removes the sets of processes that ended without stopping them
 * (killed outright, so that neither hook ran): their servers by the ids in
 * their own pid files, nothing else.
 */
function reapOrphans(bin: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const root = join(tmpdir(), name);
    const ownerFile = join(root, "owner.pid");
    if (!existsSync(ownerFile) || alive(Number(readFileSync(ownerFile, "utf8")))) continue;
    const bouncerPid = join(root, "pgbouncer.pid");
    if (existsSync(bouncerPid)) {
      const pid = Number(readFileSync(bouncerPid, "utf8").trim());
      try {
        if (pid > 0) process.kill(pid, "SIGTERM");
      } catch {
        // Already gone.
      }
    }
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const dataDir = join(root, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dataDir, "postmaster.pid"))) continue;
      try {
        run(`${bin}/pg_ctl`, ["-D", dataDir, "-m", "immediate", "-w", "-t", "30", "stop"], 60_000);
      } catch {
        // Not running after all.
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Makes and starts a set: `initdb` for the primary (trust authentication on
 * loopback, `wal_level = replica`), the database, `pg_basebackup -R` for
 * each replica, PgBouncer with `pool_mode = transaction` and its defaults
 * otherwise (no `ignore_startup_parameters`). On any failure, what was
 * started is stopped and the directory removed before it throws.
 */
export async function startScaleOutSet(options: ScaleOutOptions = {}): Promise<ScaleOutSet> {
  const unsupported = scaleOutUnsupported(options);
  if (unsupported !== undefined) throw new Error(unsupported);
  const bin = postgresBin()!;
  const database = options.database ?? "lobby";
  const ids = owner();
  reapOrphans(bin);
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(root, "owner.pid"), String(process.pid));
  chownTree(root, ids);
  const clusters: Cluster[] = [];
  let bouncerPid: number | undefined;
  const set: ScaleOutSet = {
    root,
    database,
    get primary() {
      return clusters[0]!;
    },
    get replicas() {
      return clusters.slice(1);
    },
    bouncer: undefined,
    caughtUp: (timeoutMs = 15_000) => caughtUp(clusters, database, timeoutMs),
    stop() {
      live.delete(set);
      if (bouncerPid !== undefined) {
        try {
          process.kill(bouncerPid, "SIGTERM");
        } catch {
          // Already gone.
        }
        bouncerPid = undefined;
      }
      for (const cluster of [...clusters].reverse()) {
        try {
          if (cluster.running()) cluster.stopNow("immediate");
        } catch {
          // Keep stopping the others.
        }
      }
      if (process.env.LOBBY_KEEP_CLUSTERS === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
  live.add(set);
  hook();
  try {
    const settings = [
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${root}'`,
      "fsync = off",
      "full_page_writes = off",
      "shared_buffers = 32MB",
      "max_connections = 60",
      "wal_level = replica",
      "max_wal_senders = 10",
      "hot_standby = on",
      "logging_collector = off",
      ...(options.settings ?? []),
    ];
    const primaryDir = join(root, "primary");
    run(`${bin}/initdb`, ["-D", primaryDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
    const primary = cluster(bin, "primary", primaryDir, await freePort(), database);
    appendFileSync(join(primaryDir, "postgresql.conf"), `\n${settings.join("\n")}\nport = ${primary.port}\n`);
    clusters.push(primary);
    await primary.start();
    const admin = postgres({ host: "127.0.0.1", port: primary.port, user: "postgres", database: "postgres", max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    for (let i = 1; i <= (options.replicas ?? 1); i++) {
      const dir = join(root, `replica${i}`);
      run(`${bin}/pg_basebackup`, ["-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dir, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
      const replica = cluster(bin, `replica${i}`, dir, await freePort(), database);
      // The copied postgresql.conf names the primary's port; the last line wins.
      appendFileSync(join(dir, "postgresql.conf"), `\nport = ${replica.port}\n`);
      clusters.push(replica);
      await replica.start();
    }
    if (options.bouncer ?? true) {
      const port = await freePort();
      const ini = join(root, "pgbouncer.ini");
      writeFileSync(join(root, "userlist.txt"), '"postgres" ""\n');
      writeFileSync(ini, [
        "[databases]",
        `* = host=127.0.0.1 port=${primary.port}`,
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        `listen_port = ${port}`,
        "unix_socket_dir =",
        "auth_type = trust",
        `auth_file = ${join(root, "userlist.txt")}`,
        "pool_mode = transaction",
        "max_client_conn = 500",
        "default_pool_size = 20",
        `logfile = ${join(root, "pgbouncer.log")}`,
        `pidfile = ${join(root, "pgbouncer.pid")}`,
        "",
      ].join("\n"));
      chownTree(root, ids);
      run(pgbouncerPath()!, ["-d", ini]);
      bouncerPid = await waitFor(() => {
        const file = join(root, "pgbouncer.pid");
        return existsSync(file) ? Number(readFileSync(file, "utf8").trim()) || undefined : undefined;
      }, 10_000, "PgBouncer's pid file");
      await waitFor(async () => (await answers(port, database)) ? true : undefined, 10_000, "PgBouncer to answer");
      (set as { bouncer: Bouncer | undefined }).bouncer = { port, url: `postgres://postgres@127.0.0.1:${port}/${database}`, ini };
    }
    await set.caughtUp(30_000);
    return set;
  } catch (error) {
    set.stop();
    throw error;
  }
}

function cluster(bin: string, name: string, dataDir: string, port: number, database: string): Cluster {
  const log = `${dataDir}.log`;
  return {
    name,
    port,
    dataDir,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await runAsync(`${bin}/pg_ctl`, ["-D", dataDir, "-l", log, "-w", "-t", "60", "start"]);
    },
    async stop(mode = "fast") {
      await runAsync(`${bin}/pg_ctl`, ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
    },
    stopNow(mode = "fast") {
      run(`${bin}/pg_ctl`, ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"], 90_000);
    },
    running() {
      return existsSync(join(dataDir, "postmaster.pid"));
    },
  };
}

// Whether a server (or PgBouncer) on `port` runs a query.
async function answers(port: number, database: string): Promise<boolean> {
  const sql = postgres({ host: "127.0.0.1", port, user: "postgres", database, max: 1, connect_timeout: 2, prepare: false, fetch_types: false, onnotice: () => {} });
  try {
    await sql.unsafe("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function caughtUp(clusters: readonly Cluster[], database: string, timeoutMs: number): Promise<void> {
  const [primary, ...replicas] = clusters;
  if (primary === undefined || replicas.length === 0) return;
  const clients = [primary, ...replicas.filter((r) => r.running())].map((c) =>
    postgres({ host: "127.0.0.1", port: c.port, user: "postgres", database, max: 1, connect_timeout: 5, fetch_types: false, onnotice: () => {} })
  );
  try {
    const [{ lsn }] = await clients[0]!.unsafe<[{ lsn: string }]>("SELECT pg_current_wal_lsn()::text AS lsn");
    for (const replica of clients.slice(1)) {
      await waitFor(async () => {
        const [row] = await replica.unsafe<[{ done: boolean }]>(
          "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done", [lsn]);
        return row.done ? true : undefined;
      }, timeoutMs, "a replica to replay the primary's WAL");
    }
  } finally {
    await Promise.all(clients.map((c) => c.end({ timeout: 1 })));
  }
}

async function waitFor<T>(attempt: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
