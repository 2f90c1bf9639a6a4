/**
 * `npm run bench:seed`: fills a Postgres database with a deterministic data
 * set at scale for the benchmarks, written into lobby's tables.
 *
 * The data: 1,000 institutions; 200,000 workspaces (ids in creation order,
 * realistic statuses, kinds, time zones, some `entity_biz_id` and
 * `extra_data`, 3% soft-deleted); 100,000 users with 1–38 memberships each
 * (most 1–18), about 1,000,000 memberships, written in workspace order, as
 * they arrive over time; and five benchmark users with exactly 1, 10, 100,
 * 500 and 5,000 listed memberships ({@link BENCH_USERS}). The same seed gives
 * the same rows on every run and machine.
 *
 * The load: the tables are dropped and recreated by lobby's own migration
 * (`applySchema`), so the schema is exactly the one lobby runs; then every
 * primary key, unique constraint, foreign key and index the migration made
 * is read from the catalog and dropped, the rows are streamed with
 * `COPY … FROM STDIN (FREEZE)`, two tables at once, and the constraints and
 * indexes are recreated from their catalog definitions, followed by
 * `VACUUM (ANALYZE)`. Loading first and indexing after spares maintaining
 * every index row by row.
 *
 * Run: `npm run bench:seed` (`DATABASE_URL`, default the benchmark database,
 * which is created when missing; `BENCH_SEED_SCALE` below 1 makes a smaller
 * set for a quick check). It refuses a database whose tables hold rows it
 * did not write, unless given `--force`.
 *
 * @module
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { applySchema } from "../lib/repository/mod.ts";
import { isMain, log, redact, resultDate, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, databaseUrl, type MembershipCount, SEED_PROFILE } from "./_harness/dataset.ts";

/** What a seed run did, as printed and written to `bench/results/`. */
export interface SeedSummary {
  /** The database, without password. */
  readonly database: string;
  /** When the run finished, ISO 8601. */
  readonly finishedAt: string;
  /** Wall time of the whole run, in seconds. */
  readonly seconds: number;
  /** Wall time of each phase, in seconds. */
  readonly phases: Readonly<Record<string, number>>;
  /** Rows written per table. */
  readonly rows: {
    readonly institutions: number;
    readonly workspaces: number;
    readonly memberships: number;
    /** Rows of lobby's read model: memberships of workspaces not soft-deleted. */
    readonly listed: number;
  };
  /** Users with memberships (regular and benchmark users). */
  readonly users: number;
  /** The benchmark users by listed membership count. */
  readonly benchUsers: Readonly<Record<MembershipCount, string>>;
  /** The command that produced it. */
  readonly command: string;
}

// ---------------------------------------------------------------------------
// Deterministic generation.

/** mulberry32: a small, fast, seeded PRNG with a uniform [0, 1) output. */
function _prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const _START = Date.parse("2019-01-01T00:00:00Z");
const _END = Date.parse("2026-03-31T00:00:00Z");
const _DAY = 86_400_000;

const _ADJECTIVES = [
  "Northern", "Blue", "Quiet", "Rapid", "Golden", "Open", "Central", "Bright", "Silver", "Green",
  "Coastal", "Urban", "Prime", "Core", "Global", "Local", "Swift", "Clear", "Summit", "River",
] as const;
const _NOUNS = [
  "Operations", "Research", "Analytics", "Platform", "Support", "Marketing", "Finance", "Design",
  "Engineering", "Sales", "Monitoring", "Infrastructure", "Payments", "Growth", "Security", "Data",
] as const;
const _SUFFIXES = ["", "", "", " Team", " Lab", " Hub", " EU", " US", " APAC", " Staging"] as const;
const _INSTITUTION_KINDS = ["University", "Hospital", "Bank", "Group", "Labs", "College", "Institute", "Systems"] as const;
/** Time zones with rough weights (repeated entries). */
const _ZONES = [
  "UTC", "UTC", "UTC", "UTC", "America/New_York", "America/New_York", "America/Chicago",
  "America/Los_Angeles", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London", "Europe/London",
  "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Tokyo", "Asia/Shanghai", "Asia/Shanghai",
  "Asia/Ho_Chi_Minh", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney",
] as const;
const _PLANS = ["free", "trial", "team", "business", "enterprise"] as const;
const _REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1", "ap-southeast-1"] as const;

function _pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** COPY text format: escape the four characters that have a meaning. */
function _copyText(value: string | null): string {
  if (value === null) return "\\N";
  return /[\\\t\n\r]/.test(value)
    ? value.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n").replaceAll("\r", "\\r")
    : value;
}

/** A unique, random-looking workspace business id (a bijection of `id`). */
function _workspaceBizId(id: number): string {
  return `ws_${(Math.imul(id, 0x9e3779b1) >>> 0).toString(16).padStart(8, "0")}`;
}

/** The generated data, in columns, ready to stream. */
interface _DataSet {
  /** Workspace creation times, by `id - 1`. */
  readonly workspaceCreated: Float64Array;
  /** 1 when the workspace is soft-deleted. */
  readonly workspaceDeleted: Uint8Array;
  /** Memberships in write order (by workspace): user index, workspace id, role, created. */
  readonly memberUser: Int32Array;
  readonly memberWorkspace: Int32Array;
  readonly memberOwner: Uint8Array;
  readonly memberCreated: Float64Array;
  /** User ids by user index. */
  readonly userIds: readonly string[];
}

/** Generates workspaces' times and every membership, deterministically. */
function _generate(): _DataSet {
  const random = _prng(SEED_PROFILE.seed);
  const { workspaces, users, firstUserId, deletedShare } = SEED_PROFILE;

  // Workspaces in creation order, a few sharing a timestamp with the previous
  // one (ties are broken by biz_id).
  const workspaceCreated = new Float64Array(workspaces);
  const workspaceDeleted = new Uint8Array(workspaces);
  const step = (_END - 30 * _DAY - _START) / workspaces;
  for (let i = 0; i < workspaces; i++) {
    const previous = i === 0 ? _START : (workspaceCreated[i - 1] as number);
    workspaceCreated[i] = random() < 0.01 ? previous : Math.max(previous, Math.round(_START + i * step + random() * step));
    workspaceDeleted[i] = random() < deletedShare ? 1 : 0;
  }

  // Membership counts: most users 1–18, one in 25 has 19–38; then the
  // benchmark users with exactly their count.
  const userIds: string[] = [];
  const counts: number[] = [];
  for (let u = 0; u < users; u++) {
    userIds.push(String(firstUserId + u));
    counts.push(random() < 0.96 ? 1 + Math.floor(random() * 18) : 19 + Math.floor(random() * 20));
  }
  const benchFirst = userIds.length;
  for (const count of Object.keys(BENCH_USERS).map(Number) as MembershipCount[]) {
    userIds.push(BENCH_USERS[count]);
    counts.push(count);
  }
  const total = counts.reduce((sum, count) => sum + count, 0);

  const user = new Int32Array(total);
  const workspace = new Int32Array(total);
  const owner = new Uint8Array(total);
  const created = new Float64Array(total);
  let n = 0;
  const chosen = new Set<number>();
  for (let u = 0; u < userIds.length; u++) {
    const bench = u >= benchFirst;
    chosen.clear();
    while (chosen.size < (counts[u] as number)) {
      const id = 1 + Math.floor(random() * workspaces);
      // Benchmark users list every membership: none in deleted workspaces.
      if (bench && workspaceDeleted[id - 1] === 1) continue;
      if (chosen.has(id)) continue;
      chosen.add(id);
      user[n] = u;
      workspace[n] = id;
      owner[n] = random() < 0.15 ? 1 : 0;
      const start = workspaceCreated[id - 1] as number;
      created[n] = Math.min(_END, Math.round(start + random() * 90 * _DAY));
      n++;
    }
  }

  // Write order: by workspace, as memberships arrive over time (a counting
  // sort), so one user's rows are spread over the table as in production.
  const starts = new Int32Array(workspaces + 2);
  for (let i = 0; i < total; i++) {
    const next = (workspace[i] as number) + 1;
    starts[next] = (starts[next] as number) + 1;
  }
  for (let w = 1; w < starts.length; w++) starts[w] = (starts[w] as number) + (starts[w - 1] as number);
  const order = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    const w = workspace[i] as number;
    const slot = starts[w] as number;
    order[slot] = i;
    starts[w] = slot + 1;
  }
  const reorder = <T extends Int32Array | Uint8Array | Float64Array>(column: T, into: T): T => {
    for (let i = 0; i < total; i++) into[i] = column[order[i] as number] as number;
    return into;
  };
  return {
    workspaceCreated,
    workspaceDeleted,
    memberUser: reorder(user, new Int32Array(total)),
    memberWorkspace: reorder(workspace, new Int32Array(total)),
    memberOwner: reorder(owner, new Uint8Array(total)),
    memberCreated: reorder(created, new Float64Array(total)),
    userIds,
  };
}

/** Yields COPY text in chunks of about 256 KiB, counting rows. */
function* _chunks(rows: number, line: (i: number) => string, onRows: (n: number) => void): Generator<string> {
  let chunk = "";
  let pending = 0;
  for (let i = 0; i < rows; i++) {
    chunk += line(i);
    pending++;
    if (chunk.length >= 262_144) {
      yield chunk;
      onRows(pending);
      chunk = "";
      pending = 0;
    }
  }
  if (chunk !== "") {
    yield chunk;
    onRows(pending);
  }
}

function _institutionLines(onRows: (n: number) => void): Generator<string> {
  const random = _prng(SEED_PROFILE.seed + 1);
  return _chunks(SEED_PROFILE.institutions, (i) => {
    const name = `${_pick(random, _ADJECTIVES)} ${_pick(random, _NOUNS)} ${_pick(random, _INSTITUTION_KINDS)} ${i + 1}`;
    return `${_institutionBizId(i)}\t${_copyText(name)}\n`;
  }, onRows);
}

function _institutionBizId(index: number): string {
  return `INST_${String(index + 1).padStart(4, "0")}`;
}

function _workspaceLines(data: _DataSet, onRows: (n: number) => void): Generator<string> {
  const random = _prng(SEED_PROFILE.seed + 2);
  const { institutions } = SEED_PROFILE;
  return _chunks(SEED_PROFILE.workspaces, (i) => {
    const id = i + 1;
    // Institutions of very different sizes: the square skews towards the first.
    const institution = _institutionBizId(Math.floor(random() * random() * institutions));
    const entity = random() < 0.4 ? `ENT_${String(Math.floor(random() * 50_000)).padStart(5, "0")}` : null;
    const name = `${_pick(random, _ADJECTIVES)} ${_pick(random, _NOUNS)}${_pick(random, _SUFFIXES)}`;
    const r = random();
    const status = r < 0.85 ? 10010701 : r < 0.95 ? 10010702 : 10010703;
    const kind = random() < 0.8 ? 10010801 : 10010802;
    const extra = random() < 0.25
      ? JSON.stringify({
        plan: _pick(random, _PLANS),
        seats: 1 + Math.floor(random() * 200),
        region: _pick(random, _REGIONS),
      })
      : null;
    const created = data.workspaceCreated[i] as number;
    const updated = Math.min(_END, created + Math.floor(random() * 400 * _DAY));
    const deleted = data.workspaceDeleted[i] === 1 ? new Date(updated).toISOString() : null;
    return `${id}\t${_workspaceBizId(id)}\t${institution}\t${_copyText(entity)}\t${_copyText(name)}\t` +
      `${_pick(random, _ZONES)}\t${status}\t${kind}\t${_copyText(extra)}\t${new Date(created).toISOString()}\t` +
      `${new Date(updated).toISOString()}\t${_copyText(deleted)}\n`;
  }, onRows);
}

function _membershipLines(data: _DataSet, onRows: (n: number) => void): Generator<string> {
  return _chunks(data.memberUser.length, (i) =>
    `${data.userIds[data.memberUser[i] as number]}\t${data.memberWorkspace[i]}\t` +
    `${data.memberOwner[i] === 1 ? "owner" : "member"}\t${new Date(data.memberCreated[i] as number).toISOString()}\n`, onRows);
}

// ---------------------------------------------------------------------------
// Progress: a bar on a terminal, plain lines otherwise.

/** Reports progress of the phases and of the rows loaded. */
class _Progress {
  readonly #tty: boolean;
  readonly #started = performance.now();
  #total = 0;
  #done = 0;
  #lastDraw = 0;
  #lastQuarter = 0;

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  /** Starts counting `total` rows. */
  rows(total: number): void {
    this.#total = total;
    this.#done = 0;
    this.#lastQuarter = 0;
  }

  /** Adds loaded rows. */
  add(n: number): void {
    this.#done += n;
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#lastDraw > 80 || this.#done === this.#total) {
        this.#lastDraw = now;
        const share = this.#total === 0 ? 1 : this.#done / this.#total;
        const width = 30;
        const filled = Math.round(share * width);
        process.stdout.write(
          `\r  loading [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ` +
            `${this.#done.toLocaleString("en-US")}/${this.#total.toLocaleString("en-US")} rows  ${this.#elapsed()}`,
        );
        if (this.#done === this.#total) process.stdout.write("\n");
      }
    } else {
      const quarter = Math.floor((this.#done / this.#total) * 4);
      if (quarter > this.#lastQuarter) {
        this.#lastQuarter = quarter;
        this.line(`  loaded ${this.#done.toLocaleString("en-US")}/${this.#total.toLocaleString("en-US")} rows (${quarter * 25}%)`);
      }
    }
  }

  /** Prints one line with the elapsed time. */
  line(text: string): void {
    process.stdout.write(`${text}  ${this.#elapsed()}\n`);
  }

  #elapsed(): string {
    return `[${((performance.now() - this.#started) / 1000).toFixed(1)} s]`;
  }
}

// ---------------------------------------------------------------------------
// The load.

const _TABLES = ["institutions", "workspaces", "workspace_members"] as const;

/** A constraint or index as the catalog defines it, to drop and recreate. */
interface _Definition {
  readonly table: string;
  readonly name: string;
  /** `p`rimary key, `u`nique, `f`oreign key, or `i`ndex. */
  readonly type: "p" | "u" | "f" | "i";
  /** `pg_get_constraintdef` or `pg_get_indexdef`. */
  readonly definition: string;
}

/** Options of {@link seedDatabase}. */
export interface SeedOptions {
  /** Replace rows the seed did not write. Default `false`. */
  readonly force?: boolean;
  /** Draw a progress bar (a terminal) or print plain lines. */
  readonly tty?: boolean;
}

/**
 * Fills the database at `url` with the benchmark data set, replacing what is
 * there (see the module documentation).
 *
 * @param url A Postgres URL; its database is created when missing.
 * @param options See {@link SeedOptions}.
 * @returns What was written and how long it took.
 * @throws When the database holds rows the seed did not write (without
 *   `force`), or the server's error.
 */
export async function seedDatabase(url: string, options: SeedOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  const progress = new _Progress(options.tty ?? false);
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart) / 1000;
    phaseStart = now;
    progress.line(`${name}: ${phases[name]?.toFixed(2)} s`);
  };

  await _ensureDatabase(url);
  const sql = postgres(url, {
    max: 4,
    onnotice: () => {},
    connection: { application_name: "lobby-bench-seed", maintenance_work_mem: "256MB", synchronous_commit: "off" },
  });
  try {
    await _refuseForeignRows(sql, options.force ?? false);
    progress.line(`seeding ${redact(url)}`);

    // Generate while nothing else runs: all in memory.
    const data = _generate();
    phase("generate");

    // Fresh tables from lobby's own migration, then strip them for the load.
    await sql.unsafe(`DROP TABLE IF EXISTS ${_TABLES.join(", ")}, lobby_listing CASCADE`);
    await applySchema((text) => sql.unsafe(text));
    const definitions = await _definitions(sql);
    const drop = [
      ...definitions.filter((d) => d.type === "f").map((d) => `ALTER TABLE ${d.table} DROP CONSTRAINT ${_ident(d.name)}`),
      ...definitions.filter((d) => d.type === "p" || d.type === "u").map((d) =>
        `ALTER TABLE ${d.table} DROP CONSTRAINT ${_ident(d.name)}`
      ),
      ...definitions.filter((d) => d.type === "i").map((d) => `DROP INDEX ${_ident(d.name)}`),
      ..._TABLES.map((table) => `ALTER TABLE ${table} DISABLE TRIGGER USER`),
    ];
    await sql.unsafe(drop.join(";\n"));
    phase("schema");

    // COPY … (FREEZE) needs the table truncated in the same transaction; it
    // then writes rows frozen and all-visible, ready for index-only scans.
    const members = data.memberUser.length;
    progress.rows(SEED_PROFILE.institutions + SEED_PROFILE.workspaces + members);
    const add = (n: number): void => progress.add(n);
    await Promise.all([
      _copy(sql, "institutions", "(biz_id, name)", _institutionLines(add)).then(() =>
        _copy(sql, "workspaces", "(id, biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, " +
          "extra_data, created_at, updated_at, deleted_at)", _workspaceLines(data, add))
      ),
      _copy(sql, "workspace_members", "(user_id, workspace_id, role, created_at)", _membershipLines(data, add)),
    ]);
    phase("load");

    // Keys and indexes, two at a time (the two tables in parallel), then
    // the foreign keys, which check every row.
    const build = (table: string): Promise<void> =>
      definitions
        .filter((d) => d.table === table && d.type !== "f")
        .sort((a, b) => (a.type === "i" ? 1 : 0) - (b.type === "i" ? 1 : 0))
        .reduce(
          (previous, d) =>
            previous.then(() =>
              sql.unsafe(
                d.type === "i" ? d.definition : `ALTER TABLE ${d.table} ADD CONSTRAINT ${_ident(d.name)} ${d.definition}`,
              ).then(() => {})
            ),
          Promise.resolve(),
        );
    await Promise.all([build("workspace_members"), build("institutions").then(() => build("workspaces"))]);
    phase("keys and indexes");
    for (const d of definitions.filter((d) => d.type === "f")) {
      await sql.unsafe(`ALTER TABLE ${d.table} ADD CONSTRAINT ${_ident(d.name)} ${d.definition}`);
    }
    await sql.unsafe(
      `SELECT setval(pg_get_serial_sequence('workspaces', 'id'), (SELECT max(id) FROM workspaces));\n` +
        _TABLES.map((table) => `ALTER TABLE ${table} ENABLE TRIGGER USER`).join(";\n"),
    );
    phase("foreign keys");

    // lobby's read model, as its migration makes it on a database that
    // already holds rows: a new lobby_listing is backfilled from the
    // tables, then indexed.
    await sql.unsafe("DROP TABLE lobby_listing");
    await applySchema((text) => sql.unsafe(text));
    phase("read model");

    // Index-only scans need the visibility map that VACUUM sets. It cannot
    // mark pages all-visible while any transaction older than the load is
    // open (other sessions on the server): then wait and vacuum again.
    const tables = [..._TABLES, "lobby_listing"];
    await sql.unsafe(`VACUUM (ANALYZE) ${tables.join(", ")}`);
    for (let attempt = 1;; attempt++) {
      const [state] = await sql<{ share: number }[]>`
        SELECT min(relallvisible::float8 / greatest(relpages, 1)) AS share FROM pg_class
        WHERE oid IN (SELECT to_regclass(name) FROM unnest(${tables}::text[]) AS name)`;
      if ((state?.share ?? 0) >= 0.99) break;
      if (attempt === 20) {
        progress.line(`  warning: only ${((state?.share ?? 0) * 100).toFixed(0)}% of pages are all-visible (an old transaction is open?)`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sql.unsafe(`VACUUM ${tables.join(", ")}`);
    }
    phase("vacuum analyze");

    const [counts] = await sql<{ institutions: number; workspaces: number; memberships: number; listed: number }[]>`
      SELECT (SELECT count(*)::int4 FROM institutions) AS institutions,
        (SELECT count(*)::int4 FROM workspaces) AS workspaces,
        (SELECT count(*)::int4 FROM workspace_members) AS memberships,
        (SELECT count(*)::int4 FROM lobby_listing) AS listed`;
    if (counts === undefined) throw new Error("Cannot count the seeded rows");
    phase("count");
    return {
      database: redact(url),
      finishedAt: new Date().toISOString(),
      seconds: Math.round(performance.now() - started) / 1000,
      phases,
      rows: {
        institutions: counts.institutions,
        workspaces: counts.workspaces,
        memberships: counts.memberships,
        listed: counts.listed,
      },
      users: data.userIds.length,
      benchUsers: BENCH_USERS,
      command: "npm run bench:seed",
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Streams `lines` into `table` with COPY (FREEZE) in its own transaction. */
async function _copy(sql: postgres.Sql, table: string, columns: string, lines: Iterable<string>): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe(`TRUNCATE ${table}`);
    const writable = await tx.unsafe(`COPY ${table} ${columns} FROM STDIN (FREEZE)`).writable();
    await pipeline(Readable.from(lines), writable);
  });
}

/** The primary keys, unique constraints, foreign keys and other indexes of the tables. */
async function _definitions(sql: postgres.Sql): Promise<_Definition[]> {
  const constraints = await sql<_Definition[]>`
    SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype AS type,
      pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint AS c
    WHERE c.conrelid::regclass::text IN ${sql(_TABLES)} AND c.contype IN ('p', 'u', 'f')
    ORDER BY c.conname`;
  const indexes = await sql<_Definition[]>`
    SELECT i.indrelid::regclass::text AS table, i.indexrelid::regclass::text AS name, 'i' AS type,
      pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index AS i
    WHERE i.indrelid::regclass::text IN ${sql(_TABLES)}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
    ORDER BY 2`;
  return [...constraints, ...indexes];
}

function _ident(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll("\"", "\"\"")}"`;
}

/** Creates the database of `url` when it does not exist, connecting to `postgres`. */
async function _ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "3D000") throw error;
  } finally {
    await probe.end({ timeout: 1 });
  }
  const adminUrl = new URL(url);
  adminUrl.pathname = "/postgres";
  const admin = postgres(adminUrl.href, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin`CREATE DATABASE ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Refuses to replace tables holding rows that a seed run did not write. */
async function _refuseForeignRows(sql: postgres.Sql, force: boolean): Promise<void> {
  if (force) return;
  const [row] = await sql<{ exists: boolean | null; ours: boolean | null }[]>`
    SELECT to_regclass('workspace_members') IS NOT NULL AS exists`;
  if (row?.exists !== true) return;
  const [state] = await sql<{ any: boolean; ours: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM workspace_members) AS any,
      EXISTS (SELECT 1 FROM workspace_members WHERE user_id = ${BENCH_USERS[5000]}) AS ours`;
  if (state?.any === true && state.ours !== true) {
    throw new Error(
      "Cannot seed: this database's workspace_members holds rows the benchmark seed did not write. " +
        "Point DATABASE_URL at a benchmark database, or pass --force to replace them.",
    );
  }
}

// ---------------------------------------------------------------------------
// Command line: `node .bench/seed.js [--force]` (see `npm run bench:seed`).

if (isMain(import.meta, "seed")) {
  try {
    const summary = await seedDatabase(databaseUrl(), { force: process.argv.includes("--force"), tty: process.stdout.isTTY === true });
    const users = Object.entries(summary.benchUsers).map(([count, id]) => `${id} (${count})`).join(", ");
    log(
      `seeded ${summary.rows.institutions.toLocaleString("en-US")} institutions, ` +
        `${summary.rows.workspaces.toLocaleString("en-US")} workspaces, ` +
        `${summary.rows.memberships.toLocaleString("en-US")} memberships of ${summary.users.toLocaleString("en-US")} users ` +
        `in ${summary.seconds.toFixed(1)} s\n` +
        `benchmark users (listed memberships): ${users}\n` +
        `random regular users: ${SEED_PROFILE.firstUserId}…${SEED_PROFILE.firstUserId + SEED_PROFILE.users - 1}`,
    );
    log(`wrote ${writeOutput(`bench/results/${resultDate()}-seed.json`, `${JSON.stringify(summary, null, 2)}\n`)}`);
  } catch (error) {
    process.stderr.write(`bench:seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
