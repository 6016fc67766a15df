// Pure arithmetic behind the health figures and charts. The database computes the
// real percentiles (percentile_cont); these mirror its definitions so tests have
// an independent oracle and the charts a fixed 24-hour frame.

export const HOUR_MS = 60 * 60_000;
export const HOURS_IN_WINDOW = 24;

/**
 * The continuous percentile PostgreSQL's percentile_cont computes: linear
 * interpolation between the two nearest ranks of the sorted values.
 */
export function percentileCont(values: readonly number[], fraction: number): number | null {
  if (fraction < 0 || fraction > 1 || Number.isNaN(fraction)) throw new RangeError(`fraction must be within [0, 1], got ${fraction}`);
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = fraction * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower]!;
  const high = sorted[upper]!;
  return low + (high - low) * (rank - lower);
}

/** processed / (processed + failed); null when nothing was decided either way. */
export function successRate(processed: number, failed: number): number | null {
  const decided = processed + failed;
  return decided === 0 ? null : processed / decided;
}

/**
 * The charts' window: 24 whole hours ending with the current, partial one. Bucket
 * `i` covers [start + i h, start + (i + 1) h). Hours are counted from the epoch, so
 * buckets line up with every zone whose offset is whole hours, and never depend on
 * the database session's zone.
 */
export function hourlyWindow(now: Date, hours = HOURS_IN_WINDOW): { start: Date; end: Date; hours: number } {
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(currentHour - (hours - 1) * HOUR_MS), end: new Date(currentHour + HOUR_MS), hours };
}

/** The bucket an instant falls in, or null outside the window. */
export function bucketIndex(at: Date, window: { start: Date; hours: number }): number | null {
  const index = Math.floor((at.getTime() - window.start.getTime()) / HOUR_MS);
  return index >= 0 && index < window.hours ? index : null;
}

/**
 * Every bucket of the window, those the database had no rows for filled with
 * `empty(start)`: charts need the quiet hours too, not only the busy ones.
 */
export function fillBuckets<T extends { bucket: number }, R>(
  rows: readonly T[],
  window: { start: Date; hours: number },
  present: (row: T, start: Date) => R,
  empty: (start: Date) => R,
): R[] {
  const byIndex = new Map(rows.map((row) => [row.bucket, row]));
  return Array.from({ length: window.hours }, (_, index) => {
    const start = new Date(window.start.getTime() + index * HOUR_MS);
    const row = byIndex.get(index);
    return row ? present(row, start) : empty(start);
  });
}

/** A numeric column from a raw query (counts may arrive as bigint or string). */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number = typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}
