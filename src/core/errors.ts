/**
 * The one error family of madmix. Every failure a user can cause is a
 * `MadmixError` with a stable code, an HTTP status and one sentence that names
 * the field, the value and the fix. The Worker turns it into
 * `{ error: { code, message, details } }`; the CLI prints the message.
 */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_stats'
  | 'invalid_safetensors'
  | 'invalid_parameter'
  | 'unknown_method'
  | 'unknown_parameter'
  | 'unknown_domain'
  | 'unknown_modality'
  | 'duplicate_domain'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'payload_too_large'
  | 'problem_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'method_not_allowed'
  | 'incomplete_body'
  | 'storage_unavailable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_stats: 422,
  invalid_safetensors: 422,
  invalid_parameter: 422,
  unknown_method: 422,
  unknown_parameter: 422,
  unknown_domain: 422,
  unknown_modality: 422,
  duplicate_domain: 422,
  not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  payload_too_large: 413,
  problem_too_large: 422,
  unsupported_media_type: 415,
  rate_limited: 429,
  method_not_allowed: 405,
  incomplete_body: 400,
  storage_unavailable: 503,
  internal: 500,
};

export class MadmixError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'MadmixError';
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Formats a value for an error message, short enough to read in one line. */
export function show(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 60 ? text.slice(0, 57) + '...' : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
