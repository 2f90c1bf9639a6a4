/**
 * Message catalogues by language, and the lookup with its fallback chain.
 *
 * @module
 */
import type { FailureName, SystemCode } from "../envelope/failures.ts";
import type { WorkspaceKindCode, WorkspaceStatusCode } from "../repository/workspace.ts";
import { en } from "./messages/en.ts";
import { ja } from "./messages/ja.ts";
import { vi } from "./messages/vi.ts";
import { zh } from "./messages/zh.ts";
import { zhHant } from "./messages/zh_hant.ts";

/** Every text lobby can put in a response body, in one language. */
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
 * The languages lobby answers in, as BCP 47 tags (also sent as
 * `Content-Language`). The first is the default.
 *
 * @example
 * ```ts
 * import { LOCALES } from "./catalogue.ts";
 * LOCALES[0]; // "en"
 * ```
 */
export const LOCALES: readonly ["en", "zh", "zh-Hant", "ja", "vi"] = ["en", "zh", "zh-Hant", "ja", "vi"] as const;

/** A language lobby answers in. */
export type Locale = (typeof LOCALES)[number];

/**
 * Every catalogue by locale.
 *
 * @example
 * ```ts
 * import { CATALOGUES } from "./catalogue.ts";
 * CATALOGUES.en.system["2000"]; // "SUCCESS"
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
 * so the fallback to English only guards a locale outside {@link LOCALES}.
 *
 * @example
 * ```ts
 * import { catalogue } from "./catalogue.ts";
 * catalogue("ja").system["4010"];
 * ```
 */
export function catalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale] ?? en;
}
