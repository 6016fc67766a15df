import type { OutputStream } from "./command";

// Progress on stderr, so stdout stays the result (a table, or JSON for a script).
// On a terminal one line is redrawn in place; anywhere else (CI logs, pipes) a
// redraw would be a wall of text, so a plain line is printed now and then.

export interface Progress {
  /** `done` so far; `note` names the item being worked on. */
  update(done: number, note?: string): void;
  /** Clears the bar (terminal) or prints the last count (otherwise). */
  finish(): void;
}

export interface ProgressOptions {
  total?: number;
  /** Smallest gap between two printed lines when not on a terminal. */
  lineIntervalMs?: number;
  clock?: () => number;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 80;

/** `[#########---------------]  37%  370/1000` */
export function renderProgress(done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return `${done}`;
  const share = Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * BAR_WIDTH);
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${done}/${total}`;
}

export function progress(stream: OutputStream, label: string, options: ProgressOptions = {}): Progress {
  const clock = options.clock ?? Date.now;
  const tty = stream.isTTY === true;
  const interval = tty ? REDRAW_MS : (options.lineIntervalMs ?? 2_000);
  let last = Number.NEGATIVE_INFINITY;
  let current = 0;
  let currentNote: string | undefined;
  let printed = -1;
  const text = () => `${label} ${renderProgress(current, options.total)}${currentNote ? `  ${currentNote}` : ""}`;
  const print = () => {
    printed = current;
    last = clock();
    stream.write(tty ? `\r\x1b[2K${text()}` : `${text()}\n`);
  };
  return {
    update(done, note) {
      current = done;
      currentNote = note;
      if (clock() - last >= interval) print();
    },
    finish() {
      if (tty) {
        if (printed >= 0) stream.write("\r\x1b[2K");
      } else if (printed !== current) {
        currentNote = undefined;
        print();
      }
    },
  };
}
