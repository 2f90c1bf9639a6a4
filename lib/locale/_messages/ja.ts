/**
 * Japanese messages (`ja`), in the polite です/ます style of Japanese SaaS
 * error messages.
 *
 * @module
 */
import type { Catalogue } from "../catalogue.ts";

/**
 * The Japanese catalogue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ja } from "./ja.ts";
 * assert.equal(ja.system["4010"], "トークンが無効か、有効期限が切れています。");
 * ```
 */
export const ja: Catalogue = {
  system: {
    "2000": "成功",
    "4000": "無効なリクエストです。ヘッダーまたはクエリパラメーターの形式が正しくありません。",
    "4010": "トークンが無効か、有効期限が切れています。",
    "4040": "リソースが見つかりません。",
    "4050": "許可されていないメソッドです。",
    "5000": "サーバー内部でエラーが発生しました。",
    "5030": "サービスが一時的に利用できません。しばらくしてから再度お試しください。",
  },
  uptimer: {
    malformed_request: {
      message: "無効なリクエストです。",
      details: "リクエストヘッダーまたはクエリパラメーターの形式が正しくありません。",
    },
    missing_authorization: {
      message: "Authorization ヘッダーがありません。",
      details: "Authorization ヘッダーは必須です。",
    },
    malformed_authorization: {
      message: "Authorization ヘッダーが無効です。",
      details: "Authorization ヘッダーは「Bearer <token>」の形式で指定してください。",
    },
    invalid_token: {
      message: "トークンが無効です。",
      details: "指定された JWT トークンは無効か、有効期限が切れています。",
    },
    not_found: {
      message: "見つかりません。",
      details: "リクエストされたリソースは存在しません。",
    },
    method_not_allowed: {
      message: "許可されていないメソッドです。",
      details: "このエンドポイントは GET、HEAD、OPTIONS のみに対応しています。",
    },
    internal_error: {
      message: "内部エラーが発生しました。",
      details: "予期しないエラーが発生しました。",
    },
    service_unavailable: {
      message: "サービスを利用できません。",
      details: "サービスが一時的に利用できません。しばらくしてから再度お試しください。",
    },
  },
  status: {
    ACTIVE: "有効",
    SUSPENDED: "一時停止中",
    ARCHIVED: "アーカイブ済み",
    UNKNOWN: "不明",
  },
  kind: {
    LIVE: "本番環境",
    SANDBOX: "サンドボックス環境",
    UNKNOWN: "不明",
  },
  parameters: {
    message: "クエリパラメーター {parameter} が無効です。",
    invalid: "クエリパラメーター {parameter} には{accepts}を指定してください。",
    repeated: "クエリパラメーター {parameter} は一度だけ指定できます。",
    systemInvalid: "無効なリクエストです。クエリパラメーター {parameter} には{accepts}を指定してください。",
    systemRepeated: "無効なリクエストです。クエリパラメーター {parameter} は一度だけ指定できます。",
    accepts: {
      limit: "1から500までの整数",
      cursor: "この一覧の Link ヘッダーにあるカーソル（同じ絞り込み条件のもの）",
      role: "owner または member（カンマ区切り）",
      status: "ACTIVE、SUSPENDED、ARCHIVED または UNKNOWN（カンマ区切り）",
      kind: "LIVE、SANDBOX または UNKNOWN（カンマ区切り）",
      q: "制御文字を含まない1～100文字の文字列",
      count: "true または false",
    },
  },
};
