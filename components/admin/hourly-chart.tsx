"use client";

import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { formatClock } from "@/components/format/time";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { band, labelledIndexes, linePath, niceAxis, plotArea, ticks, yScale, type Frame } from "./chart-scale";

export interface HourlyValue {
  /** Start of the hour, ISO. */
  start: string;
  value: number | null;
}

const HEIGHT = 220;
const MARGIN: Frame["margin"] = { top: 14, right: 14, bottom: 30, left: 56 };
const MIN_WIDTH = 280;
const HOUR_MS = 3_600_000;

const TONES = {
  brand: { mark: "fill-brand-500 hover:fill-brand-700", line: "stroke-brand-500" },
  success: { mark: "fill-emerald-500 hover:fill-emerald-700", line: "stroke-emerald-500" },
  warning: { mark: "fill-amber-500 hover:fill-amber-700", line: "stroke-amber-500" },
} as const;

function hourSpan(start: string): string {
  return `${formatClock(start)}–${formatClock(Date.parse(start) + HOUR_MS)}`;
}

/**
 * Twenty-four hours of one figure as bars (counts) or a line (rates, latencies),
 * drawn as plain SVG. The chart as a whole is an image with a title and a summary.
 * Each hour can be read three ways: hovering its mark, from the keyboard (the plot
 * takes focus; arrows, Home and End move between hours and the reading is announced),
 * and in the table under it ("Show table"; screen readers always have it).
 */
export function HourlyChart({
  testId,
  title,
  description,
  summary,
  kind,
  points,
  formatValue,
  axisMax,
  integer = false,
  emptyMessage,
  tone = "brand",
}: {
  testId: string;
  title: string;
  description: string;
  /** One sentence for assistive technology: the total, the peak, the trend. */
  summary: string;
  kind: "bar" | "line";
  points: HourlyValue[];
  formatValue: (value: number) => string;
  /** A fixed top of the y-axis (1 for a rate); otherwise a round number above the largest value. */
  axisMax?: number;
  /** Whole-number ticks (counts). */
  integer?: boolean;
  emptyMessage: string;
  tone?: keyof typeof TONES;
}) {
  const id = useId();
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  // Drawn at its real width (one unit, one pixel), so text keeps its size whether
  // the chart spans the page or half of it.
  const boxRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(MIN_WIDTH, Math.round(entry.contentRect.width)));
    });
    observer.observe(box);
    return () => observer.disconnect();
  }, []);
  const frame: Frame = { width, height: HEIGHT, margin: MARGIN };
  const area = plotArea(frame);
  const values = points.map((point) => point.value).filter((value): value is number => value !== null);
  const empty = values.length === 0 || (kind === "bar" && values.every((value) => value === 0));
  const axis = axisMax !== undefined ? { max: axisMax, ticks: ticks(axisMax, 4) } : niceAxis(Math.max(0, ...values), { integer });
  const y = yScale(axis.max, area);
  const labelled = new Set(labelledIndexes(points.length, width < 480 ? 8 : 6));
  const colors = TONES[tone];
  const [active, setActive] = useState<number | null>(null);
  const [showTable, setShowTable] = useState(false);
  const tableId = `${id}-table`;
  const readingOf = (index: number) => {
    const point = points[index];
    return point ? `${hourSpan(point.start)}: ${point.value === null ? "no data" : formatValue(point.value)}` : "";
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (points.length === 0) return;
    const last = points.length - 1;
    const current = active ?? last;
    const next = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    setActive(Math.min(last, Math.max(0, next)));
  };

  return (
    <Card className="p-4 sm:p-5">
      <figure data-testid={testId} data-empty={empty ? "true" : "false"} data-points={values.length}>
        <figcaption className="flex items-start justify-between gap-3">
          <div>
            <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
            <p className="mt-0.5 text-xs text-slate-500">{description}</p>
          </div>
          <button
            type="button"
            className="shrink-0 rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
            aria-expanded={showTable}
            aria-controls={tableId}
            onClick={() => setShowTable((shown) => !shown)}
          >
            {showTable ? "Hide table" : "Show table"}
          </button>
        </figcaption>
        <p className="mt-2 min-h-4 text-xs text-slate-700 tabular-nums" aria-live="polite" data-testid={`${testId}-reading`}>
          {active === null ? "" : readingOf(active)}
        </p>
        <div
          ref={boxRef}
          className="relative mt-1 rounded-md focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
          tabIndex={empty ? -1 : 0}
          role="group"
          aria-label={`${title}: left and right arrows read each hour`}
          data-testid={`${testId}-plot`}
          onKeyDown={onKeyDown}
          onFocus={() => setActive((current) => current ?? (points.length > 0 ? points.length - 1 : null))}
          onBlur={() => setActive(null)}
          onMouseLeave={() => setActive(null)}
        >
          <svg
            viewBox={`0 0 ${width} ${HEIGHT}`}
            width={width}
            height={HEIGHT}
            className="block max-w-full overflow-visible"
            role="img"
            aria-labelledby={titleId}
            aria-describedby={descId}
          >
            <title id={titleId}>{title}</title>
            <desc id={descId}>{empty ? emptyMessage : summary}</desc>

            {axis.ticks.map((tick) => (
              <g key={tick}>
                <line
                  x1={area.left}
                  x2={area.right}
                  y1={y(tick)}
                  y2={y(tick)}
                  className={tick === 0 ? "stroke-slate-300" : "stroke-slate-100"}
                  strokeWidth={1}
                />
                <text x={area.left - 8} y={y(tick)} textAnchor="end" dominantBaseline="middle" className="fill-slate-500 text-[11px] tabular-nums">
                  {formatValue(tick)}
                </text>
              </g>
            ))}

            {points.map((point, index) =>
              labelled.has(index) ? (
                <text
                  key={point.start}
                  x={band(index, points.length, area).center}
                  y={area.bottom + 18}
                  textAnchor="middle"
                  className="fill-slate-500 text-[11px] tabular-nums"
                >
                  {formatClock(point.start)}
                </text>
              ) : null,
            )}

            {!empty && kind === "bar"
              ? points.map((point, index) => {
                  const slot = band(index, points.length, area);
                  const value = point.value ?? 0;
                  // A zero still gets a sliver, so every hour has something to hover.
                  const top = Math.min(y(value), area.bottom - 1);
                  return (
                    <rect
                      key={point.start}
                      x={slot.x}
                      y={top}
                      width={slot.width}
                      height={area.bottom - top}
                      rx={2}
                      className={cn("transition-colors", value === 0 ? "fill-slate-200" : colors.mark, active === index && "stroke-slate-900")}
                      strokeWidth={active === index ? 2 : 0}
                      onMouseEnter={() => setActive(index)}
                    >
                      <title>{`${hourSpan(point.start)}: ${formatValue(value)}`}</title>
                    </rect>
                  );
                })
              : null}

            {!empty && kind === "line" ? (
              <>
                <path
                  d={linePath(points.map((point, index) => (point.value === null ? null : { x: band(index, points.length, area).center, y: y(point.value) })))}
                  fill="none"
                  strokeWidth={2}
                  strokeLinejoin="round"
                  strokeLinecap="round"
                  className={colors.line}
                />
                {points.map((point, index) =>
                  point.value === null ? null : (
                    <circle
                      key={point.start}
                      cx={band(index, points.length, area).center}
                      cy={y(point.value)}
                      r={active === index ? 6 : 4}
                      className={cn(active === index ? "stroke-slate-900" : "stroke-white", colors.mark)}
                      strokeWidth={1.5}
                      onMouseEnter={() => setActive(index)}
                    >
                      <title>{`${hourSpan(point.start)}: ${formatValue(point.value)}`}</title>
                    </circle>
                  ),
                )}
              </>
            ) : null}
          </svg>
          {empty ? (
            <p
              className="pointer-events-none absolute inset-0 flex items-center justify-center pb-6 pl-12 text-sm text-slate-500"
              data-testid={`${testId}-empty`}
            >
              {emptyMessage}
            </p>
          ) : null}
        </div>
        <table id={tableId} className={showTable ? "mt-3 w-full text-left text-xs tabular-nums text-slate-700" : "sr-only"} data-testid={`${testId}-table`}>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col" className="py-1 pr-4 font-semibold">
                Hour
              </th>
              <th scope="col" className="py-1 font-semibold">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.start}>
                <th scope="row" className="py-0.5 pr-4 font-normal">
                  {hourSpan(point.start)}
                </th>
                <td className="py-0.5">{point.value === null ? "no data" : formatValue(point.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
    </Card>
  );
}
