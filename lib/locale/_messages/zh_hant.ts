/**
 * Traditional Chinese messages (`zh-Hant`), worded as in Taiwan.
 *
 * @module
 */
import type { Catalogue } from "../catalogue.ts";

/**
 * The Traditional Chinese catalogue, also served to Hong Kong and Macau.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zhHant } from "./zh_hant.ts";
 * assert.equal(zhHant.system["4010"], "權杖無效或已過期");
 * ```
 */
export const zhHant: Catalogue = {
  system: {
    "2000": "成功",
    "4000": "無效的要求：標頭或查詢參數的格式錯誤",
    "4010": "權杖無效或已過期",
    "4040": "找不到資源",
    "4050": "不允許使用此方法",
    "5000": "伺服器內部錯誤",
    "5030": "服務暫時無法使用，請稍後再試",
  },
  uptimer: {
    malformed_request: {
      message: "無效的要求",
      details: "要求標頭或查詢參數的格式錯誤",
    },
    missing_authorization: {
      message: "缺少 Authorization 標頭",
      details: "必須提供 Authorization 標頭",
    },
    malformed_authorization: {
      message: "Authorization 標頭無效",
      details: "Authorization 標頭的格式必須為：Bearer <token>",
    },
    invalid_token: {
      message: "權杖無效",
      details: "提供的 JWT 權杖無效或已過期",
    },
    not_found: {
      message: "找不到資源",
      details: "您要求的資源不存在",
    },
    method_not_allowed: {
      message: "不允許使用此方法",
      details: "此端點僅支援 GET、HEAD 和 OPTIONS",
    },
    internal_error: {
      message: "內部錯誤",
      details: "發生未預期的錯誤",
    },
    service_unavailable: {
      message: "服務無法使用",
      details: "服務暫時無法使用，請稍後再試",
    },
  },
  status: {
    ACTIVE: "啟用中",
    SUSPENDED: "已暫停",
    ARCHIVED: "已封存",
    UNKNOWN: "未知",
  },
  kind: {
    LIVE: "正式環境",
    SANDBOX: "沙箱環境",
    UNKNOWN: "未知",
  },
  parameters: {
    message: "查詢參數無效：{parameter}",
    invalid: "查詢參數 {parameter} 必須是{accepts}",
    repeated: "查詢參數 {parameter} 只能出現一次",
    systemInvalid: "無效的要求：查詢參數 {parameter} 必須是{accepts}",
    systemRepeated: "無效的要求：查詢參數 {parameter} 只能出現一次",
    accepts: {
      limit: "1 到 500 之間的整數",
      cursor: "本清單 Link 回應標頭中提供的游標，且篩選條件相同",
      role: "owner 或 member，多個值以逗號分隔",
      status: "ACTIVE、SUSPENDED、ARCHIVED 或 UNKNOWN，多個值以逗號分隔",
      kind: "LIVE、SANDBOX 或 UNKNOWN，多個值以逗號分隔",
      q: "1 到 100 個字元，且不含控制字元",
      count: "true 或 false",
    },
  },
};
