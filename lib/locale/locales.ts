/**
 * The languages lobby answers in.
 *
 * @module
 */

/**
 * The languages lobby answers in, as BCP 47 tags (also sent as
 * `Content-Language`). The first is the default, and the order is the one
 * a `*` range of `Accept-Language` takes them in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOCALES } from "./locales.ts";
 * assert.equal(LOCALES[0], "en");
 * assert.ok(LOCALES.includes("zh-Hant"));
 * ```
 */
export const LOCALES: readonly ["en", "zh", "zh-Hant", "ja", "vi"] = ["en", "zh", "zh-Hant", "ja", "vi"] as const;

/**
 * A language lobby answers in: one of {@link LOCALES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Locale, LOCALES } from "./locales.ts";
 * const traditional: Locale = "zh-Hant";
 * assert.ok(LOCALES.includes(traditional));
 * ```
 */
export type Locale = (typeof LOCALES)[number];
