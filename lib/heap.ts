import v8 from "node:v8";
import { heapGrowingPercent, type Env } from "@/lib/config";

// A sync allocates fast and holds little: each page of up to 2,500 provider items is
// parsed, mapped and written in chunks, then dropped. V8 reads that as "collection is
// cheap" and lets the old generation grow to about four times what survives before it
// collects again, so a process's peak memory is mostly garbage it has not collected
// yet. A fixed growing factor keeps the peak near the live heap for a few percent of
// CPU (README.md, "Performance"). The flag is read at each full collection, so setting
// it after start-up takes effect from the next one.

let applied: number | undefined;

/** Applies HEAP_GROWING_PERCENT to this process once; returns the value in force (0: V8's default). */
export function applyHeapGrowth(env: Env = process.env): number {
  if (applied !== undefined) return applied;
  applied = heapGrowingPercent(env);
  if (applied > 0) v8.setFlagsFromString(`--heap-growing-percent=${applied}`);
  return applied;
}
