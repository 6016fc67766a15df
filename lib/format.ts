// Two conversions every layer needs when it turns values into JSON or log lines;
// declared once so an API answer, a log and a CLI line say the same thing.

/** A timestamp as JSON carries it (ISO 8601, UTC), or null. */
export function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}

/** What a failure says in one line of a log or an answer: its message, never its stack or cause. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
