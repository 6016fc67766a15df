import { UsageError } from "./command";

const UNIT_MS = { d: 24 * 60 * 60_000, h: 60 * 60_000, m: 60_000 } as const;
const DURATION = /^(?:\d+[dhm])+$/;

/**
 * `30d`, `24h`, `90m`, or a sum of them (`1d12h`), in milliseconds. A bare number
 * is refused: whether `30` meant days or minutes is exactly what a retention job
 * must not guess.
 */
export function parseDuration(text: string, option: string): number {
  const value = text.trim().toLowerCase();
  if (!DURATION.test(value)) throw new UsageError(`${option}: expected a duration like 30d, 24h or 90m, got "${text}"`);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)([dhm])/g)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  if (total <= 0) throw new UsageError(`${option}: must be longer than zero`);
  if (!Number.isSafeInteger(total) || total > 100 * 365 * UNIT_MS.d) throw new UsageError(`${option}: "${text}" is too long`);
  return total;
}

/** The shortest exact spelling of a duration (`36h` → `1d12h`), for messages. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / UNIT_MS.m));
  const parts: string[] = [];
  for (const [unit, size] of [
    ["d", 24 * 60],
    ["h", 60],
    ["m", 1],
  ] as const) {
    const amount = Math.floor(rest / size);
    rest -= amount * size;
    if (amount > 0) parts.push(`${amount}${unit}`);
  }
  return parts.join("") || "0m";
}

export function parsePositiveInt(text: string, option: string, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${option}: expected a whole number, got "${text}"`);
  const value = Number(text);
  if (value < 1 || value > max) throw new UsageError(`${option}: must be between 1 and ${max}`);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** Ids are database UUIDs; checked here so a typo is a usage error, not a driver error. */
export function parseUuid(text: string, option: string): string {
  const value = text.trim();
  if (!isUuid(value)) throw new UsageError(`${option}: expected an id like 0b6c2f1e-3d4a-4c5b-9e8f-1a2b3c4d5e6f, got "${text}"`);
  return value.toLowerCase();
}

export function required<T>(value: T | undefined, option: string): T {
  if (value === undefined) throw new UsageError(`${option} is required`);
  return value;
}

export function oneOf<const T extends string>(text: string, option: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${option}: expected one of ${allowed.join(", ")}, got "${text}"`);
}
