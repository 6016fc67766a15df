export const REDACTED = "[redacted]";

// Header and field names whose values are credentials: Google's channel token,
// Graph's clientState, and anything a proxy or a forger might add.
const SECRET_NAME = /token|secret|password|authorization|cookie|client_?state|signature|api[-_]?key/i;

/**
 * Request headers as stored with a webhook event: every header the sender sent,
 * credentials replaced. Stored so a support question ("did Google call us?") can
 * be answered from the database without ever holding a usable secret.
 */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = SECRET_NAME.test(name) ? REDACTED : value;
  });
  return out;
}

/** A JSON value with every secret-named field replaced, at any depth. */
export function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 16) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactJson(item, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = SECRET_NAME.test(key) ? REDACTED : redactJson(inner, depth + 1);
    return out;
  }
  return value;
}
