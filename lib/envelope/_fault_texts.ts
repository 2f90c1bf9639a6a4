/**
 * The texts of a refused query parameter, from the catalogue's templates:
 * the parameter's name and what it accepts put in their places. The name
 * always comes from lobby's own list, never from the request, so a body
 * never repeats what a client sent.
 *
 * @module
 */
import type { ParameterTexts } from "../locale/mod.ts";
import type { ParameterFault } from "./failures.ts";

/**
 * The three texts of a {@link ParameterFault}: the system dialect's
 * `message`, and the uptimer dialect's `error.message` and `error.details`.
 *
 * @param texts The catalogue's parameter texts, in the answer's language.
 * @param fault The parameter and what is wrong with it.
 * @returns The texts, templates filled in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CATALOGUES } from "../locale/mod.ts";
 * import { faultTexts } from "./_fault_texts.ts";
 * const texts = faultTexts(CATALOGUES.en.parameters, { parameter: "count", problem: "invalid" });
 * assert.equal(texts.details, "The query parameter count must be true or false");
 * assert.equal(texts.message, "Invalid query parameter: count");
 * ```
 */
export function faultTexts(texts: ParameterTexts, fault: ParameterFault): { system: string; message: string; details: string } {
  const repeated = fault.problem === "repeated";
  const fill = (template: string) =>
    template.replace(/\{(parameter|accepts)\}/g, (_, slot: string) => (slot === "parameter" ? fault.parameter : texts.accepts[fault.parameter]));
  return {
    system: fill(repeated ? texts.systemRepeated : texts.systemInvalid),
    message: fill(texts.message),
    details: fill(repeated ? texts.repeated : texts.invalid),
  };
}
