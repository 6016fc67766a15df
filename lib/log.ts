// Structured logs: one JSON line per entry on stdout/stderr, so a platform's log
// drain can index them. Fields named like secrets are replaced before writing;
// callers still never pass tokens, secrets or full URLs with query strings.

type Level = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const SECRET_FIELD = /token|secret|password|authorization|cookie|client_?state|code_?verifier|^code$/i;
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const configured = (process.env.LOG_LEVEL ?? "").toLowerCase() as Level;
  if (configured in order) return order[configured];
  return process.env.NODE_ENV === "test" || process.env.VITEST ? order.error : order.info;
}

/** Copies `fields` with secret-looking keys redacted and errors reduced to name and message. */
export function redact(fields: Fields, depth = 0): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(key)) out[key] = "[redacted]";
    else if (value instanceof Error) out[key] = { name: value.name, message: value.message };
    else if (value && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date) && depth < 3)
      out[key] = redact(value as Fields, depth + 1);
    else if (typeof value === "bigint") out[key] = value.toString();
    else out[key] = value;
  }
  return out;
}

function write(level: Level, message: string, fields: Fields = {}): void {
  if (order[level] < threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...redact(fields) });
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

export const logger = {
  debug: (message: string, fields?: Fields) => write("debug", message, fields),
  info: (message: string, fields?: Fields) => write("info", message, fields),
  warn: (message: string, fields?: Fields) => write("warn", message, fields),
  error: (message: string, fields?: Fields) => write("error", message, fields),
};
