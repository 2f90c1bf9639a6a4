/**
 * lobby's data model as an idempotent migration: an ordered list of
 * statements, each safe to run again, applied in one transaction under an
 * advisory lock so that instances starting together do not race.
 *
 * Three tables are shared with the other systems of the product, which
 * write them: `institutions`, `workspaces` (soft-deleted by `deleted_at`)
 * and `workspace_members` (a user's role in a workspace). Besides them the
 * migration keeps lobby's own read model, `lobby_listing`: one row per
 * listed membership (workspace not soft-deleted) with the workspace's
 * listing columns copied in, kept exact by triggers on `workspaces` and
 * `workspace_members`, and backfilled from the rows already there. The
 * listing then reads one covering index instead of joining two tables
 * (`bench/REPORT.md` compares the two).
 *
 * Beside it, `lobby_listing_versions (user_id, version)`: a counter per user
 * that lobby_listing's own triggers bump in the same transaction as every
 * change to that user's rows, so that reading one row tells whether a
 * listing changed (a user without a row is at version 0). Never truncate
 * or rewrite it by hand: a version that goes back would let a cache serve
 * an old listing (recreating the table is safe: its identity is part of
 * the version).
 *
 * @module
 */

/**
 * Runs one SQL text, which may hold several statements, as a single
 * simple-protocol message: postgres.js `(text) => sql.unsafe(text)` or PGlite
 * `(text) => db.exec(text)`. Postgres runs such a message as one transaction.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applySchema, SCHEMA_SQL, type SqlRunner } from "./schema.ts";
 * const sent: string[] = [];
 * const dryRun: SqlRunner = (text) => Promise.resolve(sent.push(text));
 * await applySchema(dryRun);
 * assert.deepEqual(sent, [SCHEMA_SQL]);
 * ```
 */
export type SqlRunner = (sqlText: string) => Promise<unknown>;

/**
 * Rows whose text columns together exceed this many bytes stay out of the
 * covering index (a B-tree entry holds at most 2704 bytes) and are listed
 * through `lobby_listing_oversized` instead, so no write of another system
 * can fail on lobby's index.
 */
const OVERSIZED_BYTES = 2000;

/**
 * The read model's row for each membership selected by a WHERE clause that
 * follows, from the tables as other systems made them: the casts normalize
 * their column types (as the listing once did at read time).
 */
const COPY = `INSERT INTO lobby_listing (user_id, workspace_id, biz_id, institution_biz_id, entity_biz_id, name,
      timezone, status, kind, extra_data, created_at, updated_at, role)
    SELECT m.user_id::text, m.workspace_id, w.biz_id::text, w.institution_biz_id::text, w.entity_biz_id::text,
      w.name::text, w.timezone::text, w.status::int8, w.kind::int8, w.extra_data::text, w.created_at::timestamptz,
      w.updated_at::timestamptz, m.role::text
    FROM workspace_members AS m
    JOIN workspaces AS w ON w.id = m.workspace_id`;

/** The workspace columns the read model depends on, of the trigger record `row`. */
function copied(row: "NEW" | "OLD"): string {
  return ["biz_id", "institution_biz_id", "entity_biz_id", "name", "timezone", "status", "kind", "extra_data",
    "created_at", "updated_at"].map((column) => `${row}.${column}::text`).join(", ") + `, ${row}.deleted_at IS NULL`;
}

/**
 * A timestamptz as the system dialect writes it (see `formatSystemTime`), in
 * any session time zone: ISO 8601 at UTC to the second, with a sign and six
 * digits for years outside 0000–9999, and JavaScript's limits for times
 * beyond its range. NULL stays NULL.
 */
function apiTime(column: string): string {
  const utc = `(${column} AT TIME ZONE 'UTC')`;
  // ISO 8601 years: 1 BC is 0000, 2 BC is -000001; outside 0000-9999, a sign and six digits.
  const year = `(CASE WHEN extract(year FROM ${utc}) < 0 THEN extract(year FROM ${utc}) + 1 ELSE extract(year FROM ${utc}) END)::int4`;
  return `CASE
    WHEN ${column} >= '0001-01-01 00:00:00+00' AND ${column} < '10000-01-01 00:00:00+00'
      THEN to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    WHEN ${column} >= '275760-09-13 00:00:00+00' THEN '+275760-09-13T00:00:00Z'
    WHEN ${column} = '-infinity' THEN '-271821-04-20T00:00:00Z'
    ELSE CASE WHEN ${year} < 0 THEN '-' || lpad((-${year})::text, 6, '0')
      WHEN ${year} > 9999 THEN '+' || lpad(${year}::text, 6, '0')
      ELSE lpad(${year}::text, 4, '0') END || to_char(${utc}, '-MM-DD"T"HH24:MI:SS"Z"')
  END`;
}

/** A text column of the new row as JSON text: a JSON string, or `null`. */
const json = (column: string): string => `coalesce(to_json(NEW.${column})::text, 'null')`;

/** The uptimer dialect's item, JSON text. */
const UPTIMER_ITEM = `'{"id":' || ${json("biz_id")} || ',"name":' || ${json("name")} || ',"role":' || ${json("role")} ||
      ',"kind":"workspace"}'`;

/** The system dialect's item up to its enum objects: `{"bizId":…,"workspaceTimezone":…`. */
const SYSTEM_HEAD = `'{"bizId":' || ${json("biz_id")} || ',"institutionBizId":' || ${json("institution_biz_id")} ||
      ',"entityBizId":' || ${json("entity_biz_id")} || ',"workspaceName":' || ${json("name")} ||
      ',"workspaceTimezone":' || ${json("timezone")}`;

/** The system dialect's item after its enum objects: `,"extraData":…}`. */
const SYSTEM_TAIL = `',"extraData":' || ${json("extra_data")} ||
      ',"createdAt":' || coalesce('"' || ${apiTime("NEW.created_at")} || '"', 'null') ||
      ',"updatedAt":' || coalesce('"' || ${apiTime("NEW.updated_at")} || '"', 'null') || '}'`;

/**
 * The migration steps, in order. Each must be idempotent (`IF NOT EXISTS`,
 * `ON CONFLICT`, …) because every start runs them all; append new steps at
 * the end, never edit a released one. Other systems write these tables, so
 * their names and columns are a contract.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SCHEMA_STEPS } from "./schema.ts";
 * assert.equal(SCHEMA_STEPS.length, 17);
 * assert.ok(SCHEMA_STEPS[0]?.startsWith("CREATE TABLE IF NOT EXISTS institutions"));
 * ```
 */
export const SCHEMA_STEPS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS institutions (
    biz_id text PRIMARY KEY,
    name text NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS workspaces (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    biz_id text NOT NULL UNIQUE,
    institution_biz_id text NOT NULL REFERENCES institutions (biz_id),
    entity_biz_id text NULL,
    name text NOT NULL,
    timezone text NOT NULL DEFAULT 'UTC',
    status integer NOT NULL DEFAULT 10010701,
    kind integer NOT NULL DEFAULT 10010801,
    extra_data text NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz NULL
  )`,
  `CREATE TABLE IF NOT EXISTS workspace_members (
    user_id text NOT NULL,
    workspace_id bigint NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, workspace_id)
  )`,
  // 4. The members of one workspace, for the read model's triggers (and for
  // ON DELETE CASCADE), unless the table already has an index led by
  // workspace_id. Created only when missing: CREATE INDEX IF NOT EXISTS would
  // take a SHARE lock on the table at every start.
  `DO $do$
  BEGIN
    IF NOT EXISTS (
      SELECT FROM pg_index AS i
      JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = 'workspace_members'::regclass AND a.attname = 'workspace_id'
    ) THEN
      CREATE INDEX workspace_members_workspace_id_idx ON workspace_members (workspace_id);
    END IF;
  END
  $do$`,
  // 5–7. The read model's maintenance: recompute the rows of one workspace,
  // of one membership, or of all. SECURITY DEFINER, so that other systems'
  // roles need no rights on lobby_listing.
  `CREATE OR REPLACE FUNCTION lobby_listing_refresh_workspace(p_workspace_id bigint) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    DELETE FROM lobby_listing WHERE workspace_id = p_workspace_id;
    ${COPY} WHERE m.workspace_id = p_workspace_id AND w.deleted_at IS NULL AND m.user_id IS NOT NULL;
  END
  $fn$`,
  `CREATE OR REPLACE FUNCTION lobby_listing_refresh_member(p_user_id text, p_workspace_id bigint) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    DELETE FROM lobby_listing WHERE user_id = p_user_id AND workspace_id = p_workspace_id;
    -- A concurrent update of the workspace then either commits first, and
    -- is copied here, or waits for this transaction and copies this row.
    PERFORM FROM workspaces WHERE id = p_workspace_id FOR SHARE;
    ${COPY} WHERE m.user_id = p_user_id AND m.workspace_id = p_workspace_id AND w.deleted_at IS NULL;
  END
  $fn$`,
  `CREATE OR REPLACE FUNCTION lobby_listing_rebuild() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    TRUNCATE lobby_listing;
    ${COPY} WHERE w.deleted_at IS NULL AND m.user_id IS NOT NULL;
  END
  $fn$`,
  // 8–10. The triggers' functions: recompute the rows of what changed.
  `CREATE OR REPLACE FUNCTION lobby_listing_on_workspace() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM lobby_listing_refresh_workspace(NEW.id::bigint);
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM lobby_listing_refresh_workspace(OLD.id::bigint);
    ELSIF NEW.id::bigint IS DISTINCT FROM OLD.id::bigint THEN
      PERFORM lobby_listing_refresh_workspace(OLD.id::bigint);
      PERFORM lobby_listing_refresh_workspace(NEW.id::bigint);
    ELSIF (${copied("NEW")}) IS DISTINCT FROM (${copied("OLD")}) THEN
      PERFORM lobby_listing_refresh_workspace(NEW.id::bigint);
    END IF;
    RETURN NULL;
  END
  $fn$`,
  `CREATE OR REPLACE FUNCTION lobby_listing_on_member() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM lobby_listing_refresh_member(NEW.user_id::text, NEW.workspace_id::bigint);
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM lobby_listing_refresh_member(OLD.user_id::text, OLD.workspace_id::bigint);
    ELSIF (NEW.user_id::text, NEW.workspace_id::bigint) IS DISTINCT FROM (OLD.user_id::text, OLD.workspace_id::bigint) THEN
      PERFORM lobby_listing_refresh_member(OLD.user_id::text, OLD.workspace_id::bigint);
      PERFORM lobby_listing_refresh_member(NEW.user_id::text, NEW.workspace_id::bigint);
    ELSIF NEW.role::text IS DISTINCT FROM OLD.role::text THEN
      PERFORM lobby_listing_refresh_member(NEW.user_id::text, NEW.workspace_id::bigint);
    END IF;
    RETURN NULL;
  END
  $fn$`,
  `CREATE OR REPLACE FUNCTION lobby_listing_on_truncate() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    TRUNCATE lobby_listing;
    RETURN NULL;
  END
  $fn$`,
  // 11. The read model, its triggers and its indexes, each created when
  // missing. A new table, or a trigger missing or disabled (the tables were
  // recreated by another system, say), means rows may have been written
  // unseen: the read model is rebuilt from the tables, in this transaction,
  // after the triggers exist, so no write is lost in between (CREATE TRIGGER
  // waits for writers and holds them off until commit). A new table is
  // indexed after its backfill, so each index is built once from all the
  // rows rather than updated for every row inserted. No unique
  // key: like the join it mirrors, it keeps a membership written twice into
  // tables made without keys twice.
  `DO $do$
  DECLARE
    stale boolean := false;
  BEGIN
    IF to_regclass('lobby_listing') IS NULL THEN
      CREATE TABLE lobby_listing (
        user_id text NOT NULL,
        workspace_id bigint NOT NULL,
        biz_id text,
        institution_biz_id text,
        entity_biz_id text,
        name text,
        timezone text,
        status bigint,
        kind bigint,
        extra_data text,
        created_at timestamptz,
        updated_at timestamptz,
        role text,
        oversized boolean NOT NULL GENERATED ALWAYS AS (
          octet_length(user_id) + coalesce(octet_length(biz_id), 0) + coalesce(octet_length(institution_biz_id), 0)
          + coalesce(octet_length(entity_biz_id), 0) + coalesce(octet_length(name), 0)
          + coalesce(octet_length(timezone), 0) + coalesce(octet_length(extra_data), 0)
          + coalesce(octet_length(role), 0) > ${OVERSIZED_BYTES}
        ) STORED
      );
      stale := true;
    END IF;
    IF (
      SELECT count(*) FROM pg_trigger
      WHERE tgrelid IN ('workspaces'::regclass, 'workspace_members'::regclass)
        AND tgname IN ('lobby_listing_sync', 'lobby_listing_truncate') AND tgenabled <> 'D'
    ) <> 4 THEN
      DROP TRIGGER IF EXISTS lobby_listing_sync ON workspaces;
      DROP TRIGGER IF EXISTS lobby_listing_truncate ON workspaces;
      DROP TRIGGER IF EXISTS lobby_listing_sync ON workspace_members;
      DROP TRIGGER IF EXISTS lobby_listing_truncate ON workspace_members;
      CREATE TRIGGER lobby_listing_sync AFTER INSERT OR UPDATE OR DELETE ON workspaces
        FOR EACH ROW EXECUTE FUNCTION lobby_listing_on_workspace();
      CREATE TRIGGER lobby_listing_truncate AFTER TRUNCATE ON workspaces
        FOR EACH STATEMENT EXECUTE FUNCTION lobby_listing_on_truncate();
      CREATE TRIGGER lobby_listing_sync AFTER INSERT OR UPDATE OR DELETE ON workspace_members
        FOR EACH ROW EXECUTE FUNCTION lobby_listing_on_member();
      CREATE TRIGGER lobby_listing_truncate AFTER TRUNCATE ON workspace_members
        FOR EACH STATEMENT EXECUTE FUNCTION lobby_listing_on_truncate();
      stale := true;
    END IF;
    IF stale THEN
      PERFORM lobby_listing_rebuild();
    END IF;
    IF to_regclass('lobby_listing_cover') IS NULL THEN
      CREATE INDEX lobby_listing_cover ON lobby_listing (user_id)
        INCLUDE (biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, extra_data, created_at,
          updated_at, role)
        WHERE NOT oversized;
    END IF;
    IF to_regclass('lobby_listing_oversized') IS NULL THEN
      CREATE INDEX lobby_listing_oversized ON lobby_listing (user_id) WHERE oversized;
    END IF;
    IF to_regclass('lobby_listing_keys') IS NULL THEN
      CREATE INDEX lobby_listing_keys ON lobby_listing (workspace_id, user_id);
    END IF;
  END
  $do$`,
  // 12. Each user's listing version: bumped, in the writing transaction,
  // for every user whose rows of lobby_listing a statement inserts, deletes
  // or updates, and for every user with rows when it is truncated. Every
  // change to what a listing shows goes through lobby_listing (steps 5–11),
  // so an unchanged version means an unchanged listing. Users are bumped in
  // one order, so that writers touching the same users never deadlock here.
  `CREATE OR REPLACE FUNCTION lobby_listing_versions_bump() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      INSERT INTO lobby_listing_versions AS v (user_id, version)
        SELECT DISTINCT l.user_id, 1 FROM lobby_listing AS l ORDER BY 1
        ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO lobby_listing_versions AS v (user_id, version)
        SELECT u.user_id, 1 FROM (SELECT user_id FROM changed UNION SELECT user_id FROM changed_new) AS u ORDER BY 1
        ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
    ELSE
      INSERT INTO lobby_listing_versions AS v (user_id, version)
        SELECT DISTINCT c.user_id, 1 FROM changed AS c ORDER BY 1
        ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
    END IF;
    RETURN NULL;
  END
  $fn$`,
  // 13. The versions table and lobby_listing's triggers that bump it, each
  // created when missing. A user without a row is at version 0. Triggers
  // missing or disabled on a versions table that was already there mean
  // lobby_listing changed unseen (it was recreated and backfilled by step
  // 11, say): every user's version is bumped, in this transaction.
  `DO $do$
  DECLARE
    fresh boolean := false;
  BEGIN
    IF to_regclass('lobby_listing_versions') IS NULL THEN
      CREATE TABLE lobby_listing_versions (
        user_id text PRIMARY KEY,
        version bigint NOT NULL
      );
      fresh := true;
    END IF;
    IF (
      SELECT count(*) FROM pg_trigger
      WHERE tgrelid = 'lobby_listing'::regclass AND tgenabled <> 'D' AND tgname IN
        ('lobby_listing_versions_insert', 'lobby_listing_versions_update', 'lobby_listing_versions_delete',
          'lobby_listing_versions_truncate')
    ) <> 4 THEN
      DROP TRIGGER IF EXISTS lobby_listing_versions_insert ON lobby_listing;
      DROP TRIGGER IF EXISTS lobby_listing_versions_update ON lobby_listing;
      DROP TRIGGER IF EXISTS lobby_listing_versions_delete ON lobby_listing;
      DROP TRIGGER IF EXISTS lobby_listing_versions_truncate ON lobby_listing;
      CREATE TRIGGER lobby_listing_versions_insert AFTER INSERT ON lobby_listing
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lobby_listing_versions_bump();
      CREATE TRIGGER lobby_listing_versions_update AFTER UPDATE ON lobby_listing
        REFERENCING OLD TABLE AS changed NEW TABLE AS changed_new FOR EACH STATEMENT
        EXECUTE FUNCTION lobby_listing_versions_bump();
      CREATE TRIGGER lobby_listing_versions_delete AFTER DELETE ON lobby_listing
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION lobby_listing_versions_bump();
      CREATE TRIGGER lobby_listing_versions_truncate BEFORE TRUNCATE ON lobby_listing
        FOR EACH STATEMENT EXECUTE FUNCTION lobby_listing_versions_bump();
      IF NOT fresh THEN
        INSERT INTO lobby_listing_versions AS v (user_id, version)
          SELECT u.user_id, 1 FROM (SELECT user_id FROM lobby_listing UNION SELECT user_id FROM lobby_listing_versions) AS u
          ORDER BY 1
          ON CONFLICT (user_id) DO UPDATE SET version = v.version + 1;
      END IF;
    END IF;
  END
  $do$`,
  // 14–15. What the items' JSON and pages need, kept in lobby_listing so
  // that it is computed once per write instead of once per read:
  // `listing_key`, one text whose byte order ("C") is the listing order
  // (created time, with infinities and NULL where Postgres sorts them, then
  // business id, NULL last), a stored generated column; each item's uptimer
  // JSON and the system item's JSON around its two enum objects (which
  // depend on the answer's language), written by a BEFORE trigger, so every
  // row inserted or updated by any path (the refresh functions, a rebuild,
  // a hand-made fix) gets them. Indexed for pages (user, key, workspace),
  // covering what a page reads, so that a listing is one index range
  // rather than a heap page per item; rows too wide for a B-tree entry
  // (`items_oversized`) through a second index, as in step 11. Also for
  // name prefixes (user, lower(name) in byte order). Adding them rebuilds
  // lobby_listing once, under this migration's lock.
  `CREATE OR REPLACE FUNCTION lobby_listing_key(p_created timestamptz, p_biz text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE
        WHEN p_created IS NULL THEN '3'
        WHEN p_created = '-infinity' THEN '0'
        WHEN p_created = 'infinity' THEN '2'
        -- Microseconds since 4714-11-24 BC, the earliest time Postgres
        -- keeps, in 20 digits: whole days as a date difference and the time
        -- of day, both exact on every version.
        ELSE '1' || lpad((((p_created AT TIME ZONE 'UTC')::date - DATE '4714-11-24 BC')::numeric * 86400000000
          + round(extract(epoch FROM (p_created AT TIME ZONE 'UTC')::time)::numeric * 1000000))::text, 20, '0')
      END || CASE WHEN p_biz IS NULL THEN '1' ELSE '0' || p_biz END
  $fn$;
  -- The least text above every text that starts with p, in byte order
  -- (UTF-8's bytes sort as its code points): p's last character that can
  -- grow, grown by one, surrogates skipped. NULL when none can.
  CREATE OR REPLACE FUNCTION lobby_prefix_end(p text) RETURNS text
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
  DECLARE
    i int := length(p);
    c int;
  BEGIN
    WHILE i > 0 LOOP
      c := ascii(substr(p, i, 1));
      IF c < 1114111 THEN
        c := CASE WHEN c + 1 BETWEEN 55296 AND 57343 THEN 57344 ELSE c + 1 END;
        RETURN substr(p, 1, i - 1) || chr(c);
      END IF;
      i := i - 1;
    END LOOP;
    RETURN NULL;
  END
  $fn$;
  CREATE OR REPLACE FUNCTION lobby_listing_format() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    NEW.uptimer_item := ${UPTIMER_ITEM};
    NEW.system_head := ${SYSTEM_HEAD};
    NEW.system_tail := ${SYSTEM_TAIL};
    RETURN NEW;
  END
  $fn$`,
  `DO $do$
  DECLARE
    stale boolean := false;
  BEGIN
    IF NOT EXISTS (
      SELECT FROM pg_attribute WHERE attrelid = 'lobby_listing'::regclass AND attname = 'listing_key' AND NOT attisdropped
    ) THEN
      ALTER TABLE lobby_listing
        ADD COLUMN listing_key text COLLATE "C" GENERATED ALWAYS AS (lobby_listing_key(created_at, biz_id)) STORED,
        ADD COLUMN uptimer_item text,
        ADD COLUMN system_head text,
        ADD COLUMN system_tail text,
        ADD COLUMN items_oversized boolean NOT NULL GENERATED ALWAYS AS (
          octet_length(user_id) + 2 * coalesce(octet_length(biz_id), 0) + coalesce(octet_length(role), 0)
          + coalesce(octet_length(uptimer_item), 0) + coalesce(octet_length(system_head), 0)
          + coalesce(octet_length(system_tail), 0) > ${OVERSIZED_BYTES}
        ) STORED;
      stale := true;
    END IF;
    IF NOT EXISTS (
      SELECT FROM pg_trigger WHERE tgrelid = 'lobby_listing'::regclass AND tgname = 'lobby_listing_format' AND tgenabled <> 'D'
    ) THEN
      DROP TRIGGER IF EXISTS lobby_listing_format ON lobby_listing;
      CREATE TRIGGER lobby_listing_format BEFORE INSERT OR UPDATE ON lobby_listing
        FOR EACH ROW EXECUTE FUNCTION lobby_listing_format();
      stale := true;
    END IF;
    IF stale THEN
      PERFORM lobby_listing_rebuild();
    END IF;
    IF to_regclass('lobby_listing_page') IS NULL THEN
      CREATE INDEX lobby_listing_page ON lobby_listing (user_id, listing_key, workspace_id)
        INCLUDE (role, status, kind, uptimer_item, system_head, system_tail)
        WHERE NOT items_oversized;
    END IF;
    IF to_regclass('lobby_listing_page_oversized') IS NULL THEN
      CREATE INDEX lobby_listing_page_oversized ON lobby_listing (user_id, listing_key, workspace_id) WHERE items_oversized;
    END IF;
    IF to_regclass('lobby_listing_names') IS NULL THEN
      CREATE INDEX lobby_listing_names ON lobby_listing (user_id, lower(name) COLLATE "C");
    END IF;
  END
  $do$`,
  // 16–17. Listing versions that take no lock a writer waits for. The
  // counters of steps 12–13 were rows that every writer of a user's listing
  // updated, and kept locked until it committed, in the order the rows of
  // its statements came: two transactions changing listings of the same
  // users in two orders (a batch of workspaces against one of them
  // renamed) deadlocked, where without lobby they would not have met.
  // Instead, each statement that changes users' rows of lobby_listing adds
  // a row per user to lobby_listing_changes, numbered by an identity, which
  // no other writer waits for, and removes the user's older rows that no
  // other writer holds (SKIP LOCKED: it never waits either). A user's
  // version is the set of their rows' numbers: every commit that changes a
  // listing adds a number no snapshot saw before, and only a later commit,
  // which adds its own, removes it, so no two listings share a version and
  // no version comes back. This function replaces step 12's.
  `CREATE OR REPLACE FUNCTION lobby_listing_versions_bump() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  DECLARE
    users text[];
  BEGIN
    IF TG_OP = 'TRUNCATE' THEN
      users := ARRAY(SELECT DISTINCT l.user_id FROM lobby_listing AS l);
    ELSIF TG_OP = 'UPDATE' THEN
      users := ARRAY(SELECT user_id FROM changed UNION SELECT user_id FROM changed_new);
    ELSE
      users := ARRAY(SELECT DISTINCT c.user_id FROM changed AS c);
    END IF;
    WITH added AS (
      INSERT INTO lobby_listing_changes (user_id) SELECT unnest(users) RETURNING user_id, change
    )
    DELETE FROM lobby_listing_changes AS c WHERE c.ctid IN (
      SELECT o.ctid FROM lobby_listing_changes AS o JOIN added AS a ON o.user_id = a.user_id AND o.change < a.change
      FOR UPDATE OF o SKIP LOCKED
    );
    RETURN NULL;
  END
  $fn$`,
  // The changes table, created when missing: its identity (OID) is part
  // of every version, so versions of a table made anew never equal earlier
  // ones. Step 13 found lobby_listing's version triggers missing or
  // disabled and made them again in this transaction (their catalog rows
  // are this transaction's): lobby_listing changed unseen, so every user
  // with a row or a version gets a change.
  `DO $do$
  BEGIN
    IF to_regclass('lobby_listing_changes') IS NULL THEN
      CREATE TABLE lobby_listing_changes (
        user_id text NOT NULL,
        change bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (user_id, change)
      );
    ELSIF EXISTS (
      SELECT FROM pg_trigger
      WHERE tgrelid = 'lobby_listing'::regclass AND tgname = 'lobby_listing_versions_insert'
        AND xmin::text = (pg_current_xact_id_if_assigned()::text::bigint % 4294967296)::text
    ) THEN
      INSERT INTO lobby_listing_changes (user_id)
        SELECT u.user_id FROM (SELECT user_id FROM lobby_listing UNION SELECT user_id FROM lobby_listing_changes) AS u;
    END IF;
  END
  $do$`,
];

/**
 * The whole migration as one SQL text: a transaction-scoped advisory lock
 * (key 4210947631529118003, chosen at random for lobby's schema), then every
 * step. Sent as one message it is one transaction, so the lock is held until
 * all steps commit, and a second instance waits, then finds every table
 * there. Joined from the constants above only; it takes no input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SCHEMA_SQL } from "./schema.ts";
 * assert.ok(SCHEMA_SQL.startsWith("SELECT pg_advisory_xact_lock"));
 * ```
 */
export const SCHEMA_SQL: string = ["SELECT pg_advisory_xact_lock(4210947631529118003)", ...SCHEMA_STEPS, ""].join(";\n");

/**
 * Creates lobby's tables, its read model and the read model's triggers
 * where they are missing, leaving existing tables and rows alone. Safe to
 * call on every start, from many instances at once.
 *
 * @param run Runs one SQL text as one message (see {@link SqlRunner}).
 * @returns Resolves once the schema is in place.
 * @throws Whatever `run` throws, such as the driver's connection error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PGlite } from "@electric-sql/pglite";
 * import { applySchema } from "./schema.ts";
 * const db = await PGlite.create();
 * try {
 *   await applySchema((text) => db.exec(text));
 *   await applySchema((text) => db.exec(text));
 *   const { rows } = await db.query("SELECT to_regclass('lobby_listing')::text AS model");
 *   assert.deepEqual(rows, [{ model: "lobby_listing" }]);
 * } finally {
 *   await db.close();
 * }
 * ```
 */
export async function applySchema(run: SqlRunner): Promise<void> {
  await run(SCHEMA_SQL);
}
