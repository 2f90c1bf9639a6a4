/**
 * Message catalogues by language, and the lookup with its fallback.
 *
 * @module
 */
import type { FailureName, SystemCode } from "../envelope/mod.ts";
import type { WorkspaceKindCode, WorkspaceStatusCode } from "../repository/mod.ts";
import { en } from "./_messages/en.ts";
import { ja } from "./_messages/ja.ts";
import { vi } from "./_messages/vi.ts";
import { zh } from "./_messages/zh.ts";
import { zhHant } from "./_messages/zh_hant.ts";
import type { Locale } from "./locales.ts";

/**
 * Every text lobby can put in a response body, in one language.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Catalogue, CATALOGUES } from "./catalogue.ts";
 * const english: Catalogue = CATALOGUES.en;
 * assert.equal(english.uptimer.invalid_token.message, "Invalid token");
 * assert.equal(english.status.SUSPENDED, "SUSPENDED");
 * ```
 */
export interface Catalogue {
  /** The system dialect's `message`, by code. */
  readonly system: Readonly<Record<SystemCode, string>>;
  /** The uptimer dialect's `error.message` and `error.details`, by failure. */
  readonly uptimer: Readonly<Record<FailureName, { readonly message: string; readonly details: string }>>;
  /** Display labels of workspace statuses (`workspaceStatus.name`). */
  readonly status: Readonly<Record<WorkspaceStatusCode | "UNKNOWN", string>>;
  /** Display labels of workspace kinds (`workspaceKind.name`). */
  readonly kind: Readonly<Record<WorkspaceKindCode | "UNKNOWN", string>>;
}

/**
 * Every catalogue by locale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CATALOGUES } from "./catalogue.ts";
 * assert.equal(CATALOGUES.en.system["2000"], "SUCCESS");
 * assert.equal(CATALOGUES.vi.kind.SANDBOX, "Môi trường thử nghiệm");
 * ```
 */
export const CATALOGUES: Readonly<Record<Locale, Catalogue>> = {
  en,
  zh,
  "zh-Hant": zhHant,
  ja,
  vi,
};

/**
 * The catalogue for a locale. Every catalogue is complete (a test says so),
 * so the fallback to English only guards a caller in plain JavaScript
 * passing a locale outside `LOCALES`.
 *
 * @param locale The language to answer in.
 * @returns Its catalogue, or the English one for an unknown locale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogue } from "./catalogue.ts";
 * assert.equal(catalogue("ja").system["4010"], "トークンが無効か、有効期限が切れています。");
 * assert.equal(catalogue("fr" as "en").system["4010"], "Invalid or expired token");
 * ```
 */
export function catalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale] ?? en;
}
