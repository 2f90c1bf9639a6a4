/**
 * Message catalogues by language, and the lookup with its fallback.
 *
 * @module
 */
import type { FailureName, ListingParameter, SystemCode } from "../envelope/mod.ts";
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
  /** The texts of a refused query parameter, each naming it. */
  readonly parameters: ParameterTexts;
}

/**
 * The texts of a refused query parameter (a `malformed_request` with a
 * `ParameterFault`), in one language. `{parameter}` stands for the
 * parameter's name, always one of `LISTING_PARAMETERS`, and `{accepts}`
 * for what it accepts: whole sentences per language, so that each keeps
 * its own word order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CATALOGUES, type ParameterTexts } from "./catalogue.ts";
 * const texts: ParameterTexts = CATALOGUES.en.parameters;
 * assert.equal(texts.message, "Invalid query parameter: {parameter}");
 * assert.equal(texts.accepts.limit, "an integer from 1 to 500");
 * ```
 */
export interface ParameterTexts {
  /** The uptimer dialect's `error.message`, with `{parameter}`. */
  readonly message: string;
  /** The uptimer dialect's `error.details` for a value it does not accept, with `{parameter}` and `{accepts}`. */
  readonly invalid: string;
  /** The uptimer dialect's `error.details` for a parameter given more than once, with `{parameter}`. */
  readonly repeated: string;
  /** The system dialect's `message` for a value it does not accept, with `{parameter}` and `{accepts}`. */
  readonly systemInvalid: string;
  /** The system dialect's `message` for a parameter given more than once, with `{parameter}`. */
  readonly systemRepeated: string;
  /** What each parameter accepts, as it reads in place of `{accepts}`. */
  readonly accepts: Readonly<Record<ListingParameter, string>>;
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
