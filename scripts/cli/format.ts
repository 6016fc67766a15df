// Plain-text output for people: aligned tables, short ids, instants with how far
// away they are. No colours: the output ends up in CI logs and support tickets.

export interface Column {
  header: string;
  align?: "left" | "right";
}

/** Columns padded to their widest cell; a trailing column is never padded. */
export function table(columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, index) => Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length)));
  const line = (cells: string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const width = widths[index] ?? 0;
        if (column.align === "right") return cell.padStart(width);
        return index === columns.length - 1 ? cell : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...rows.map(line)].join("\n");
}

/** `label   value` lines, labels padded to the longest. */
export function keyValues(pairs: Array<[string, string]>): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd()).join("\n");
}

/** Enough of an id to recognise and grep for it, for a table cell. */
export function shortId(id: string, keep = 8): string {
  return id.length <= keep + 4 ? id : `${id.slice(0, keep)}…`;
}

/** `2026-11-21 10:05 UTC`: minutes are what renewal decisions turn on. */
export function formatInstant(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `in 5h`, `3d ago`, `in 12m`, `now`. */
export function relative(date: Date, now: Date): string {
  const diff = date.getTime() - now.getTime();
  const span = Math.abs(diff);
  if (span < 60_000) return "now";
  const minutes = Math.round(span / 60_000);
  const text = minutes < 120 ? `${minutes}m` : minutes < 48 * 60 ? `${Math.round(minutes / 60)}h` : `${Math.round(minutes / (24 * 60))}d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

export function formatWhen(date: Date | null | undefined, now: Date): string {
  if (!date) return "-";
  return `${formatInstant(date)} (${relative(date, now)})`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Cut to `max` characters on one line, saying how much was left out. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, " ");
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${flat.length - max} more characters)`;
}
