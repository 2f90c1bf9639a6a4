/**
 * The benchmark data set, generated deterministically (a seeded PRNG): the
 * same rows on every run and machine, as COPY text for `bench/seed.ts`.
 *
 * 1,000 institutions; 200,000 workspaces (ids in creation order, realistic
 * statuses, kinds, time zones, some `entity_biz_id` and `extra_data`, 3%
 * soft-deleted); 100,000 users with 1–38 memberships each (most 1–18),
 * about 1,000,000 memberships, written in workspace order, as they arrive
 * over time; and five benchmark users with exactly 1, 10, 100, 500 and 5,000
 * listed memberships (`SEED_PROFILE` scales the first three).
 *
 * @module
 */
import { BENCH_USERS, type MembershipCount, SEARCH_USER, SEED_PROFILE } from "./_harness/dataset.ts";

/** mulberry32: a small, fast, seeded PRNG with a uniform [0, 1) output. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = Date.parse("2019-01-01T00:00:00Z");
const END = Date.parse("2026-03-31T00:00:00Z");
const DAY = 86_400_000;

const ADJECTIVES = [
  "Northern", "Blue", "Quiet", "Rapid", "Golden", "Open", "Central", "Bright", "Silver", "Green",
  "Coastal", "Urban", "Prime", "Core", "Global", "Local", "Swift", "Clear", "Summit", "River",
] as const;
const NOUNS = [
  "Operations", "Research", "Analytics", "Platform", "Support", "Marketing", "Finance", "Design",
  "Engineering", "Sales", "Monitoring", "Infrastructure", "Payments", "Growth", "Security", "Data",
] as const;
const SUFFIXES = ["", "", "", " Team", " Lab", " Hub", " EU", " US", " APAC", " Staging"] as const;
const INSTITUTION_KINDS = ["University", "Hospital", "Bank", "Group", "Labs", "College", "Institute", "Systems"] as const;
/** Time zones with rough weights (repeated entries). */
const ZONES = [
  "UTC", "UTC", "UTC", "UTC", "America/New_York", "America/New_York", "America/Chicago",
  "America/Los_Angeles", "America/Los_Angeles", "America/Sao_Paulo", "Europe/London", "Europe/London",
  "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Tokyo", "Asia/Shanghai", "Asia/Shanghai",
  "Asia/Ho_Chi_Minh", "Asia/Singapore", "Asia/Kolkata", "Australia/Sydney",
] as const;
const PLANS = ["free", "trial", "team", "business", "enterprise"] as const;
const REGIONS = ["us-east-1", "eu-west-1", "ap-northeast-1", "ap-southeast-1"] as const;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** COPY text format: escape the four characters that have a meaning. */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  return /[\\\t\n\r]/.test(value)
    ? value.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n").replaceAll("\r", "\\r")
    : value;
}

/** A unique, random-looking workspace business id (a bijection of `id`). */
function workspaceBizId(id: number): string {
  return `ws_${(Math.imul(id, 0x9e3779b1) >>> 0).toString(16).padStart(8, "0")}`;
}

/** The generated data, in columns, ready to stream. */
export interface DataSet {
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
export function generateDataSet(): DataSet {
  const random = prng(SEED_PROFILE.seed);
  const { workspaces, users, firstUserId, deletedShare } = SEED_PROFILE;

  // Workspaces in creation order, a few sharing a timestamp with the previous
  // one (ties are broken by biz_id).
  const workspaceCreated = new Float64Array(workspaces);
  const workspaceDeleted = new Uint8Array(workspaces);
  const step = (END - 30 * DAY - START) / workspaces;
  for (let i = 0; i < workspaces; i++) {
    const previous = i === 0 ? START : (workspaceCreated[i - 1] as number);
    workspaceCreated[i] = random() < 0.01 ? previous : Math.max(previous, Math.round(START + i * step + random() * step));
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
  userIds.push(SEARCH_USER.id);
  counts.push(SEARCH_USER.memberships);
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
      created[n] = Math.min(END, Math.round(start + random() * 90 * DAY));
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
function* chunks(rows: number, line: (i: number) => string, onRows: (n: number) => void): Generator<string> {
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

export function institutionLines(onRows: (n: number) => void): Generator<string> {
  const random = prng(SEED_PROFILE.seed + 1);
  return chunks(SEED_PROFILE.institutions, (i) => {
    const name = `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)} ${pick(random, INSTITUTION_KINDS)} ${i + 1}`;
    return `${institutionBizId(i)}\t${copyText(name)}\n`;
  }, onRows);
}

function institutionBizId(index: number): string {
  return `INST_${String(index + 1).padStart(4, "0")}`;
}

export function workspaceLines(data: DataSet, onRows: (n: number) => void): Generator<string> {
  const random = prng(SEED_PROFILE.seed + 2);
  const { institutions } = SEED_PROFILE;
  return chunks(SEED_PROFILE.workspaces, (i) => {
    const id = i + 1;
    // Institutions of very different sizes: the square skews towards the first.
    const institution = institutionBizId(Math.floor(random() * random() * institutions));
    const entity = random() < 0.4 ? `ENT_${String(Math.floor(random() * 50_000)).padStart(5, "0")}` : null;
    const name = `${pick(random, ADJECTIVES)} ${pick(random, NOUNS)}${pick(random, SUFFIXES)}`;
    const r = random();
    const status = r < 0.85 ? 10010701 : r < 0.95 ? 10010702 : 10010703;
    const kind = random() < 0.8 ? 10010801 : 10010802;
    const extra = random() < 0.25
      ? JSON.stringify({
        plan: pick(random, PLANS),
        seats: 1 + Math.floor(random() * 200),
        region: pick(random, REGIONS),
      })
      : null;
    const created = data.workspaceCreated[i] as number;
    const updated = Math.min(END, created + Math.floor(random() * 400 * DAY));
    const deleted = data.workspaceDeleted[i] === 1 ? new Date(updated).toISOString() : null;
    return `${id}\t${workspaceBizId(id)}\t${institution}\t${copyText(entity)}\t${copyText(name)}\t` +
      `${pick(random, ZONES)}\t${status}\t${kind}\t${copyText(extra)}\t${new Date(created).toISOString()}\t` +
      `${new Date(updated).toISOString()}\t${copyText(deleted)}\n`;
  }, onRows);
}

export function membershipLines(data: DataSet, onRows: (n: number) => void): Generator<string> {
  return chunks(data.memberUser.length, (i) =>
    `${data.userIds[data.memberUser[i] as number]}\t${data.memberWorkspace[i]}\t` +
    `${data.memberOwner[i] === 1 ? "owner" : "member"}\t${new Date(data.memberCreated[i] as number).toISOString()}\n`, onRows);
}
