/**
 * The one way lobby checks an options object: a valibot schema whose
 * messages say what each option must be, and a `TypeError` that names the
 * function and the option, built from valibot's issue (its path and
 * message), never from text parsed back.
 *
 * @module
 */
import * as v from "valibot";

/**
 * Checks `input` against `schema` and returns the parsed output (defaults
 * filled in), or throws a `TypeError` such as
 * `createVerifier: options.clockSkewSeconds must be an integer from 0 to 3600`.
 *
 * @param where The public function whose options these are.
 * @param schema A valibot schema; give each check a message that reads after the option's name.
 * @param input What the caller passed.
 * @returns The schema's output.
 * @throws {TypeError} Naming the first bad option; an unknown key of a
 *   strict object is "is not an option", a missing one "is required".
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { parseOptions } from "./_options.ts";
 * const schema = v.strictObject({ size: v.optional(v.pipe(v.number(), v.integer("must be an integer")), 10) });
 * parseOptions("makeThing", schema, {}).size; // 10
 * try {
 *   parseOptions("makeThing", schema, { size: 1.5 });
 * } catch (error) {
 *   (error as TypeError).message; // "makeThing: options.size must be an integer"
 * }
 * ```
 */
export function parseOptions<const S extends v.GenericSchema>(where: string, schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new TypeError(`${where}: ${describeIssue(result.issues[0], "options")}`);
}

/**
 * One valibot issue as "`<root>.<path>` <what it must be>", the form every
 * lobby option message takes.
 *
 * @param issue A valibot issue.
 * @param root What the path starts from, such as `"options"`.
 * @returns The sentence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
 * import { describeIssue } from "./_options.ts";
 * const result = v.safeParse(v.object({ port: v.number("must be a number") }), { port: "x" });
 * if (!result.success) assert.equal(describeIssue(result.issues[0], "options"), "options.port must be a number");
 * ```
 */
export function describeIssue(issue: v.BaseIssue<unknown>, root: string): string {
  const path = v.getDotPath(issue);
  return `${path === null ? root : `${root}.${path}`} ${issueProblem(issue)}`;
}

/**
 * What a valibot issue says is wrong, as a phrase that reads after the
 * name of what was checked: its message, except for the two cases whose
 * valibot wording does not read that way (an unknown key of a strict
 * object, a missing value).
 *
 * @param issue A valibot issue.
 * @returns The phrase, such as `"must be a number"` or `"is required"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
 * import { issueProblem } from "./_options.ts";
 * const result = v.safeParse(v.strictObject({ a: v.string() }), { b: 1 });
 * if (!result.success) assert.equal(issueProblem(result.issues[0]), "is required");
 * ```
 */
export function issueProblem(issue: v.BaseIssue<unknown>): string {
  const nested = v.getDotPath(issue) !== null;
  if (issue.type === "strict_object" && issue.expected === "never") return "is not an option";
  if (nested && issue.input === undefined && issue.kind === "schema") return "is required";
  if (!nested && (issue.type === "object" || issue.type === "strict_object")) return "must be an object";
  return issue.message;
}
