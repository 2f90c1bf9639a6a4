/**
 * What the handler benchmarks send and answer, shared by the load, the
 * servers under test and the stage costs. Web APIs only: Deno and Bun run
 * the files that import it.
 *
 * @module
 */
import type { WorkspaceMembership } from "../../lib/repository/mod.ts";

/** The request every load sends: `GET` this path with this `Accept-Language`. */
export const REQUEST: { readonly path: string; readonly acceptLanguage: string } = {
  path: "/web/v1/system/workspaces/mine",
  acceptLanguage: "en-US,en;q=0.9",
};

/** The headers lobby sends with a 200, which the bare servers send too. */
export const ANSWER_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "private, no-cache",
  "vary": "Authorization, Accept-Language",
  "content-language": "en",
};

/**
 * What the in-process repository returns for every user: 10 workspaces in
 * listing order, shaped like the seeded data (some entity ids and extra
 * data, a suspended and a sandbox workspace).
 */
export const TEN_WORKSPACES: readonly WorkspaceMembership[] = Array.from({ length: 10 }, (_, i) => ({
  bizId: `ws_${(0x5eed0000 + i * 7919).toString(16)}`,
  institutionBizId: `INST_${String(1 + (i % 3)).padStart(4, "0")}`,
  entityBizId: i % 2 === 0 ? `ENT_${String(i * 37).padStart(5, "0")}` : null,
  name: `${["Northern", "Blue", "Quiet", "Rapid", "Golden"][i % 5]} ${["Operations", "Research"][i % 2]} ${i + 1}`,
  timezone: ["UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York"][i % 4]!,
  status: i === 7 ? 10010702 : 10010701,
  kind: i % 4 === 3 ? 10010802 : 10010801,
  extraData: i % 4 === 0 ? `{"plan":"team","seats":${10 + i},"region":"eu-west-1"}` : null,
  createdAt: new Date(Date.UTC(2024, i, 3, 9, 30, 0)),
  updatedAt: new Date(Date.UTC(2025, i, 5, 17, 45, 12)),
  role: i % 3 === 0 ? "owner" : "member",
}));
