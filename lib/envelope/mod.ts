/**
 * The bodies of both API dialects, success and failure, and the closed set
 * of failures with what each one is in HTTP and in each dialect. Pure: the
 * clock and the language are parameters.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { FAILURES, systemFailure, uptimerFailure } from "./mod.ts";
 * assert.equal(FAILURES.invalid_token.status, 401);
 * assert.equal(systemFailure("invalid_token", "zh", 0).message, "令牌无效或已过期");
 * assert.equal(uptimerFailure("invalid_token", "en").error?.code, 1003);
 * ```
 *
 * @module
 */
export {
  FAILURES,
  type FailureName,
  type FailureSpec,
  LISTING_PARAMETERS,
  type ListingParameter,
  type ParameterFault,
  type SystemCode,
} from "./failures.ts";
export { formatSystemTime } from "./format_system_time.ts";
export {
  SYSTEM_API_VERSION,
  type SystemBody,
  type SystemEnum,
  systemFailure,
  systemSuccess,
  type SystemWorkspace,
} from "./system.ts";
export {
  type UptimerBody,
  type UptimerError,
  uptimerFailure,
  type UptimerMeta,
  uptimerSuccess,
  type UptimerWorkspace,
} from "./uptimer.ts";
// For lobby's handler: the success bodies as JSON text, without the objects.
export {
  formatListingItem,
  listingItemFormat,
  SYSTEM_SUCCESS_TAIL,
  systemSuccessJson,
  systemSuccessHead,
  systemSuccessJsonOfItems,
  uptimerSuccessJson,
  uptimerSuccessJsonOfItems,
  UPTIMER_SUCCESS_HEAD,
  uptimerSuccessTail,
} from "./_json.ts";
