/**
 * The languages lobby answers in: `Accept-Language` negotiation and the
 * message catalogues, with the locale passed per call, never kept in a
 * global.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { catalogue, negotiateLocale } from "./mod.ts";
 * const locale = negotiateLocale("ja-JP,ja;q=0.9,en;q=0.8");
 * assert.equal(locale, "ja");
 * assert.equal(catalogue(locale).status.ACTIVE, "有効");
 * ```
 *
 * @module
 */
export { type Catalogue, catalogue, CATALOGUES, type ParameterTexts } from "./catalogue.ts";
export { type Locale, LOCALES } from "./locales.ts";
export { negotiateLocale } from "./negotiate_locale.ts";
