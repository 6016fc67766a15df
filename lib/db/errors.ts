import { describeTarget, type DatabaseTarget } from "@/lib/db/target";

/** A database problem explained in one line, for people rather than stack traces. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  /** The cause alone ("database does not exist"), without where: safe to show anyone. */
  readonly reason: string;
  constructor(
    message: string,
    override readonly cause?: unknown,
    /** False when no connection-level cause was recognised (the message is the driver's own). */
    readonly isConnectionProblem = true,
    reason?: string,
  ) {
    super(message);
    this.reason = reason ?? message;
  }
}

// Keys: Node socket error codes, PostgreSQL SQLSTATEs, and Prisma driver-adapter
// error kinds, whichever the failing layer reported.
const causes: Record<string, string> = {
  ECONNREFUSED: "no server accepts connections there (is it running?)",
  DatabaseNotReachable: "no server accepts connections there (is it running?)",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  ECONNRESET: "connection reset by the server",
  EHOSTUNREACH: "host unreachable",
  "28P01": "password authentication failed",
  AuthenticationFailed: "password authentication failed",
  "28000": "authentication rejected",
  "3D000": "database does not exist",
  DatabaseDoesNotExist: "database does not exist",
  "57P01": "the server was shut down",
  "57P03": "the server is starting up or shutting down",
  "53300": "too many connections",
  TooManyConnections: "too many connections",
  SocketTimeout: "connection timed out",
};

function findCode(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 6) return undefined;
  const e = err as Record<string, unknown>;
  for (const key of ["originalCode", "kind", "code"]) {
    const value = e[key];
    if (typeof value === "string" && causes[value]) return value;
  }
  const nested = [e.cause, (e.meta as Record<string, unknown> | undefined)?.driverAdapterError, ...(Array.isArray(e.errors) ? e.errors : [])];
  for (const inner of nested) {
    const code = findCode(inner, depth + 1);
    if (code) return code;
  }
  return undefined;
}

/** Turns a driver or engine error into "Cannot reach <where>: <cause>". */
export function explainDatabaseError(err: unknown, target: DatabaseTarget): DatabaseUnavailableError {
  if (err instanceof DatabaseUnavailableError) return err;
  const code = findCode(err);
  const fallback = err instanceof Error ? (err.message.trim().split("\n").pop() ?? err.message) : String(err);
  const cause = code ? causes[code]! : fallback;
  return new DatabaseUnavailableError(`Cannot reach ${describeTarget(target)}: ${cause}`, err, code !== undefined, cause);
}

/** True for errors that mean "the database is not there right now" (retry later, answer 503). */
// Messages of drivers that report a lost connection without a code: node-postgres
// when the server goes away mid-query, PGlite once its instance is closed.
const LOST_CONNECTION = /Connection terminated (unexpectedly|due to connection timeout)|Client has encountered a connection error|PGlite is closed/i;

function lostConnection(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 6) return false;
  const e = err as { message?: unknown; cause?: unknown };
  if (typeof e.message === "string" && LOST_CONNECTION.test(e.message)) return true;
  return lostConnection(e.cause, depth + 1);
}

export function isDatabaseUnavailable(err: unknown): boolean {
  return err instanceof DatabaseUnavailableError || findCode(err) !== undefined || lostConnection(err);
}

/** A write refused by a unique constraint (Prisma P2002), whichever index it was. */
export function isUniqueViolation(err: unknown): boolean {
  return Boolean(err && typeof err === "object" && (err as { code?: unknown }).code === "P2002");
}
