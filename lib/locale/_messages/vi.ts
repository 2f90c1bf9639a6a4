/**
 * Vietnamese messages (`vi`).
 *
 * @module
 */
import type { Catalogue } from "../catalogue.ts";

/**
 * The Vietnamese catalogue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vi } from "./vi.ts";
 * assert.equal(vi.system["4010"], "Mã thông báo không hợp lệ hoặc đã hết hạn");
 * ```
 */
export const vi: Catalogue = {
  system: {
    "2000": "THÀNH CÔNG",
    "4000": "Yêu cầu không hợp lệ: tiêu đề hoặc tham số truy vấn sai định dạng",
    "4010": "Mã thông báo không hợp lệ hoặc đã hết hạn",
    "4040": "Không tìm thấy tài nguyên",
    "4050": "Phương thức không được phép",
    "5000": "Lỗi máy chủ nội bộ",
    "5030": "Dịch vụ tạm thời không khả dụng, vui lòng thử lại sau",
  },
  uptimer: {
    malformed_request: {
      message: "Yêu cầu không hợp lệ",
      details: "Tiêu đề yêu cầu hoặc tham số truy vấn sai định dạng",
    },
    missing_authorization: {
      message: "Thiếu tiêu đề Authorization",
      details: "Bắt buộc phải có tiêu đề Authorization",
    },
    malformed_authorization: {
      message: "Tiêu đề Authorization không hợp lệ",
      details: "Tiêu đề Authorization phải có định dạng: Bearer <token>",
    },
    invalid_token: {
      message: "Mã thông báo không hợp lệ",
      details: "Mã thông báo JWT được cung cấp không hợp lệ hoặc đã hết hạn",
    },
    not_found: {
      message: "Không tìm thấy",
      details: "Tài nguyên được yêu cầu không tồn tại",
    },
    method_not_allowed: {
      message: "Phương thức không được phép",
      details: "Điểm cuối này chỉ hỗ trợ GET, HEAD và OPTIONS",
    },
    internal_error: {
      message: "Lỗi nội bộ",
      details: "Đã xảy ra lỗi không mong muốn",
    },
    service_unavailable: {
      message: "Dịch vụ không khả dụng",
      details: "Dịch vụ tạm thời không khả dụng, vui lòng thử lại sau",
    },
  },
  status: {
    ACTIVE: "Đang hoạt động",
    SUSPENDED: "Tạm ngưng",
    ARCHIVED: "Đã lưu trữ",
    UNKNOWN: "Không xác định",
  },
  kind: {
    LIVE: "Môi trường thực tế",
    SANDBOX: "Môi trường thử nghiệm",
    UNKNOWN: "Không xác định",
  },
  parameters: {
    message: "Tham số truy vấn không hợp lệ: {parameter}",
    invalid: "Tham số truy vấn {parameter} phải là {accepts}",
    repeated: "Tham số truy vấn {parameter} chỉ được truyền một lần",
    systemInvalid: "Yêu cầu không hợp lệ: tham số truy vấn {parameter} phải là {accepts}",
    systemRepeated: "Yêu cầu không hợp lệ: tham số truy vấn {parameter} chỉ được truyền một lần",
    accepts: {
      limit: "một số nguyên từ 1 đến 500",
      cursor: "một con trỏ lấy từ tiêu đề Link của danh sách này, với cùng bộ lọc",
      role: "owner hoặc member, phân tách bằng dấu phẩy",
      status: "ACTIVE, SUSPENDED, ARCHIVED hoặc UNKNOWN, phân tách bằng dấu phẩy",
      kind: "LIVE, SANDBOX hoặc UNKNOWN, phân tách bằng dấu phẩy",
      q: "từ 1 đến 100 ký tự, không chứa ký tự điều khiển",
      count: "true hoặc false",
    },
  },
};
