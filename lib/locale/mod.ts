/**
 * The languages lobby answers in: `Accept-Language` negotiation and the
 * message catalogues.
 *
 * @module
 */
export { negotiateLocale } from "./negotiate.ts";
export { type Catalogue, catalogue, CATALOGUES, type Locale, LOCALES } from "./catalogue.ts";
