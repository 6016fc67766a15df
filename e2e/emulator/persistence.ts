// The emulator's state on disk, so stopping and starting `npm run dev` changes
// nothing a person can see: accounts (with their ids and subjects), calendars,
// events, OAuth clients, grants and tokens, Google channels, Graph subscriptions
// and delta baselines, and the secret opaque tokens (sync tokens, delta links) are
// signed with, so tokens the app holds keep working.
//
// Generic on purpose: each part names the fields of a live object to keep, and
// their values are written whole (every own property of every record, Maps, Sets
// and Buffers included). A field added to an event, an account or a channel is
// persisted without touching this file.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Bumped when a stored part changes meaning; another version is not loaded (the emulator starts fresh). */
export const STATE_VERSION = 1;

export interface PersistedPart {
  target: object;
  fields: readonly string[];
}

type Tagged = { $map: Array<[unknown, unknown]> } | { $set: unknown[] } | { $buffer: string } | { $undefined: true };

function encode(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value].map(([key, item]) => [encode(key), encode(item)]) } satisfies Tagged;
  if (value instanceof Set) return { $set: [...value].map(encode) } satisfies Tagged;
  if (Buffer.isBuffer(value)) return { $buffer: value.toString("base64") } satisfies Tagged;
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = encode(item);
    return out;
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.$map)) return new Map((record.$map as Array<[unknown, unknown]>).map(([key, item]) => [decode(key), decode(item)]));
    if (Array.isArray(record.$set)) return new Set((record.$set as unknown[]).map(decode));
    if (typeof record.$buffer === "string") return Buffer.from(record.$buffer, "base64");
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) out[key] = decode(item);
    return out;
  }
  return value;
}

/** The parts' fields as one JSON document. */
export function serializeState(parts: Record<string, PersistedPart>): string {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [name, part] of Object.entries(parts)) {
    const target = part.target as Record<string, unknown>;
    state[name] = {};
    for (const field of part.fields) {
      // A renamed field must fail loudly, not silently stop being persisted.
      if (!(field in target)) throw new Error(`emulator state: ${name}.${field} does not exist`);
      state[name]![field] = encode(target[field]);
    }
  }
  return JSON.stringify({ version: STATE_VERSION, state });
}

/** Puts a serialized document back into the parts' fields; false (nothing changed) when it is of another version or malformed. */
export function restoreState(parts: Record<string, PersistedPart>, text: string): boolean {
  let document: { version?: unknown; state?: Record<string, Record<string, unknown>> };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    return false;
  }
  if (document.version !== STATE_VERSION || !document.state) return false;
  for (const [name, part] of Object.entries(parts)) {
    const saved = document.state[name];
    if (!saved) return false;
    for (const field of part.fields) if (!(field in saved)) return false;
  }
  for (const [name, part] of Object.entries(parts)) {
    const target = part.target as Record<string, unknown>;
    for (const field of part.fields) target[field] = decode(document.state[name]![field]);
  }
  return true;
}

/**
 * Keeps `parts` in `file`: `load()` at start, `changed()` after anything that may
 * have changed state (saved within `delayMs`, once per burst), `flush()` at stop.
 * Writes go to a temporary file renamed over the old one, so a crash mid-write
 * leaves the previous state.
 */
export function stateFile(file: string, parts: () => Record<string, PersistedPart>, delayMs = 200) {
  let timer: NodeJS.Timeout | null = null;
  const save = () => {
    timer = null;
    mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, serializeState(parts()));
    renameSync(temporary, file);
  };
  return {
    file,
    load(): boolean {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch {
        return false;
      }
      return restoreState(parts(), text);
    },
    changed(): void {
      if (timer) return;
      timer = setTimeout(save, delayMs);
      timer.unref();
    },
    flush(): void {
      if (timer) clearTimeout(timer);
      save();
    },
    cancel(): void {
      if (timer) clearTimeout(timer);
      timer = null;
    },
    remove(): void {
      rmSync(file, { force: true });
    },
  };
}
