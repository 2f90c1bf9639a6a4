/**
 * Simplified Chinese messages (`zh`), as used in mainland China and Singapore.
 *
 * @module
 */
import type { Catalogue } from "../catalogue.ts";

/**
 * The Simplified Chinese catalogue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zh } from "./zh.ts";
 * assert.equal(zh.system["4010"], "令牌无效或已过期");
 * ```
 */
export const zh: Catalogue = {
  system: {
    "2000": "成功",
    "4000": "请求无效：请求头或查询参数格式错误",
    "4010": "令牌无效或已过期",
    "4040": "资源不存在",
    "4050": "不支持该请求方法",
    "5000": "服务器内部错误",
    "5030": "服务暂时不可用，请稍后重试",
  },
  uptimer: {
    malformed_request: {
      message: "请求无效",
      details: "请求头或查询参数格式错误",
    },
    missing_authorization: {
      message: "缺少 Authorization 请求头",
      details: "必须提供 Authorization 请求头",
    },
    malformed_authorization: {
      message: "Authorization 请求头无效",
      details: "Authorization 请求头的格式必须为：Bearer <token>",
    },
    invalid_token: {
      message: "令牌无效",
      details: "提供的 JWT 令牌无效或已过期",
    },
    not_found: {
      message: "未找到",
      details: "请求的资源不存在",
    },
    method_not_allowed: {
      message: "不支持该请求方法",
      details: "该接口仅支持 GET、HEAD 和 OPTIONS 方法",
    },
    internal_error: {
      message: "内部错误",
      details: "发生了意外错误",
    },
    service_unavailable: {
      message: "服务不可用",
      details: "服务暂时不可用，请稍后重试",
    },
  },
  status: {
    ACTIVE: "正常",
    SUSPENDED: "已暂停",
    ARCHIVED: "已归档",
    UNKNOWN: "未知",
  },
  kind: {
    LIVE: "生产环境",
    SANDBOX: "沙箱环境",
    UNKNOWN: "未知",
  },
  parameters: {
    message: "查询参数无效：{parameter}",
    invalid: "查询参数 {parameter} 必须是{accepts}",
    repeated: "查询参数 {parameter} 只能出现一次",
    systemInvalid: "请求无效：查询参数 {parameter} 必须是{accepts}",
    systemRepeated: "请求无效：查询参数 {parameter} 只能出现一次",
    accepts: {
      limit: "1 到 500 之间的整数",
      cursor: "本列表 Link 响应头中给出的游标，且筛选条件相同",
      role: "owner 或 member，多个值以逗号分隔",
      status: "ACTIVE、SUSPENDED、ARCHIVED 或 UNKNOWN，多个值以逗号分隔",
      kind: "LIVE、SANDBOX 或 UNKNOWN，多个值以逗号分隔",
      q: "1 到 100 个字符，且不含控制字符",
      count: "true 或 false",
    },
  },
};
