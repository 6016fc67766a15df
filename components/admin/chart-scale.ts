// Geometry for the hand-drawn SVG charts: a y-axis that ends on a round number,
// evenly spaced ticks, hour bands along x, and line paths that break where an hour
// has no value instead of drawing through it.

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (at least `floor`). */
export function niceCeiling(value: number, floor = 1): number {
  const target = Math.max(value, floor);
  if (!Number.isFinite(target) || target <= 0) return floor;
  const magnitude = 10 ** Math.floor(Math.log10(target));
  for (const step of [1, 2, 2.5, 5, 10]) {
    const candidate = step * magnitude;
    // Rounding noise (0.1 + 0.2) must not push a value past an exact step.
    if (candidate >= target - magnitude * 1e-9) return Number(candidate.toPrecision(12));
  }
  return 10 * magnitude;
}

/**
 * A y-axis from zero for values up to `maxValue`: about `target` steps of a round
 * size (whole numbers for counts), ending on the first step at or above the data.
 */
export function niceAxis(maxValue: number, options: { integer?: boolean; target?: number } = {}): { max: number; ticks: number[] } {
  const target = options.target ?? 4;
  const value = Number.isFinite(maxValue) && maxValue > 0 ? maxValue : 0;
  let step = value === 0 ? 1 : niceCeiling(value / target, options.integer ? 1 : 0);
  // Counts have no half steps: 2.5 becomes 5.
  if (options.integer && !Number.isInteger(step)) step = niceCeiling(Math.ceil(step));
  const steps = Math.max(1, Math.ceil(value / step - 1e-9));
  const max = Number((step * steps).toPrecision(12));
  return { max, ticks: ticks(max, steps) };
}

/** `count` + 1 evenly spaced values from 0 to `max`, both included. */
export function ticks(max: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, index) => Number(((max * index) / count).toPrecision(12)));
}

export interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

export function plotArea(frame: Frame): { left: number; right: number; top: number; bottom: number; width: number; height: number } {
  const left = frame.margin.left;
  const right = frame.width - frame.margin.right;
  const top = frame.margin.top;
  const bottom = frame.height - frame.margin.bottom;
  return { left, right, top, bottom, width: right - left, height: bottom - top };
}

/** Maps [0, max] onto [bottom, top] (SVG y grows downwards); values outside are clamped. */
export function yScale(max: number, area: { top: number; bottom: number }): (value: number) => number {
  const span = max > 0 ? max : 1;
  return (value) => {
    const clamped = Math.min(Math.max(value, 0), span);
    return area.bottom - (clamped / span) * (area.bottom - area.top);
  };
}

/** The band of hour `index` of `count` across the plot: where a bar goes and where its centre is. */
export function band(index: number, count: number, area: { left: number; width: number }, gap = 0.2): { x: number; width: number; center: number } {
  const step = area.width / count;
  const width = step * (1 - gap);
  const x = area.left + index * step + (step - width) / 2;
  return { x, width, center: area.left + index * step + step / 2 };
}

/** An SVG path through the points, lifting the pen over missing ones (one "M" per run). */
export function linePath(points: ReadonlyArray<{ x: number; y: number } | null>): string {
  const parts: string[] = [];
  let drawing = false;
  for (const point of points) {
    if (!point) {
      drawing = false;
      continue;
    }
    parts.push(`${drawing ? "L" : "M"}${round(point.x)} ${round(point.y)}`);
    drawing = true;
  }
  return parts.join(" ");
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Which hour bands get an x-axis label: every `every`th, counted back from the last (the current hour). */
export function labelledIndexes(count: number, every: number): number[] {
  const indexes: number[] = [];
  for (let index = count - 1; index >= 0; index -= every) indexes.unshift(index);
  return indexes;
}
