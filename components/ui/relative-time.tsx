"use client";

import { formatAbsolute, formatRelative } from "@/components/format/time";
import { useNow } from "./use-now";

/**
 * "3 minutes ago", kept current, with the exact local date and time as the tooltip and
 * in `dateTime` for machines.
 */
export function RelativeTime({ date, className, prefix }: { date: string | Date; className?: string; prefix?: string }) {
  const now = useNow();
  const value = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(value.getTime())) return <span className={className}>unknown</span>;
  const absolute = formatAbsolute(value);
  return (
    <time dateTime={value.toISOString()} title={absolute} className={className} suppressHydrationWarning>
      {prefix}
      {formatRelative(value, now)}
    </time>
  );
}
