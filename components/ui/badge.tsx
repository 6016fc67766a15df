import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "./cn";

export type BadgeTone = "neutral" | "success" | "warning" | "danger" | "info" | "brand";

const tones: Record<BadgeTone, { badge: string; dot: string }> = {
  neutral: { badge: "bg-slate-100 text-slate-700 ring-slate-500/20", dot: "bg-slate-400" },
  success: { badge: "bg-emerald-50 text-emerald-800 ring-emerald-600/20", dot: "bg-emerald-500" },
  warning: { badge: "bg-amber-50 text-amber-800 ring-amber-600/25", dot: "bg-amber-500" },
  danger: { badge: "bg-red-50 text-red-800 ring-red-600/20", dot: "bg-red-500" },
  info: { badge: "bg-sky-50 text-sky-800 ring-sky-600/20", dot: "bg-sky-500" },
  brand: { badge: "bg-brand-50 text-brand-700 ring-brand-600/20", dot: "bg-brand-500" },
};

export interface BadgeProps extends HTMLAttributes<HTMLSpanElement> {
  tone?: BadgeTone;
  /** A leading dot; `pulse` animates it for "in progress". */
  dot?: boolean | "pulse";
  icon?: ReactNode;
}

export function Badge({ tone = "neutral", dot = false, icon, className, children, ...props }: BadgeProps) {
  const style = tones[tone];
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        style.badge,
        className,
      )}
      {...props}
    >
      {dot ? (
        <span aria-hidden="true" className="relative flex h-1.5 w-1.5">
          {dot === "pulse" ? (
            <span className={cn("absolute inline-flex h-full w-full animate-ping rounded-full opacity-75 motion-reduce:hidden", style.dot)} />
          ) : null}
          <span className={cn("relative inline-flex h-1.5 w-1.5 rounded-full", style.dot)} />
        </span>
      ) : null}
      {icon}
      {children}
    </span>
  );
}
