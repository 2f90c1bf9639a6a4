/**
 * The valibot pieces the key sources and the verifier share for their
 * options, each with the message that says what the option must be (read
 * after `options.<name>`, see `lib/_options.ts`).
 *
 * @module
 */
import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";

/**
 * A key id: a non-empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * import { KID } from "./_schemas.ts";
 * assert.equal(v.is(KID, "2026-01"), true);
 * assert.equal(v.is(KID, ""), false);
 * ```
 */
export const KID = v.pipe(v.string("must be a non-empty string"), v.minLength(1, "must be a non-empty string"));

/**
 * A whole number from `min` to `max`.
 *
 * @param min The least value.
 * @param max The greatest value.
 * @returns The schema; every failure reads "must be an integer from min to max".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * import { integer } from "./_schemas.ts";
 * assert.equal(v.is(integer(0, 10), 10), true);
 * assert.equal(v.is(integer(0, 10), 1.5), false);
 * ```
 */
export function integer(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/**
 * One of `values`.
 *
 * @param values The accepted values.
 * @returns The schema; a failure reads "must be one of A, B, C".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * import { oneOf } from "./_schemas.ts";
 * assert.equal(v.is(oneOf(["RS256", "PS256"] as const), "PS256"), true);
 * ```
 */
export function oneOf<const T extends string>(values: readonly T[]) {
  return v.picklist(values, `must be one of ${values.join(", ")}`);
}

/**
 * A non-empty list of `values`, judged as a whole so the message names the
 * option rather than an item of it.
 *
 * @param values The accepted items.
 * @param message What the option must be.
 * @returns The schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * import { listOf } from "./_schemas.ts";
 * const schema = listOf(["HS256", "HS384"] as const, "must be a non-empty list of HS256, HS384");
 * assert.equal(v.is(schema, ["HS384"]), true);
 * assert.equal(v.is(schema, []), false);
 * ```
 */
export function listOf<const T extends string>(values: readonly T[], message: string) {
  return v.custom<readonly T[]>(
    (input) => Array.isArray(input) && input.length > 0 && input.every((item) => values.includes(item)),
    message,
  );
}

/**
 * A function, such as a clock or a `fetch`.
 *
 * @returns The schema; a failure reads "must be a function".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
import { PUBLIC_KEY_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./algorithms.ts";
 * import { aFunction } from "./_schemas.ts";
 * assert.equal(v.is(aFunction<() => number>(), Date.now), true);
 * ```
 */
export function aFunction<F>() {
  return v.custom<F>((input) => typeof input === "function", "must be a function");
}

/**
 * The entries of `JwkOptions`, shared by the functions that import JWKs and
 * by the remote JWKS, which passes them on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as v from "valibot";
 * import { JWK_OPTION_ENTRIES } from "./_schemas.ts";
 * const parsed = v.parse(v.strictObject(JWK_OPTION_ENTRIES), {});
 * assert.equal(parsed.rsaAlgorithm, "RS256");
 * ```
 */
export const JWK_OPTION_ENTRIES = {
  rsaAlgorithm: v.optional(
    oneOf(PUBLIC_KEY_ALGORITHMS.filter((alg) => SIGNATURE_ALGORITHMS[alg].name.startsWith("RSA"))),
    "RS256",
  ),
  algorithms: v.optional(
    listOf(PUBLIC_KEY_ALGORITHMS, "must be a non-empty list of public-key algorithms (RS256…EdDSA)"),
    PUBLIC_KEY_ALGORITHMS,
  ),
};
