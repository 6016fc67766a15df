import { useId, type ReactNode } from "react";
import { cn } from "./cn";

/**
 * A hint shown on hover and on keyboard focus. The trigger is focusable and described
 * by the hint, so it is read out rather than only seen.
 */
export function Tooltip({
  content,
  children,
  className,
  side = "bottom",
  align = "center",
}: {
  content: ReactNode;
  children: ReactNode;
  className?: string;
  side?: "bottom" | "top";
  /** Which edge of the trigger the hint lines up with; "end" keeps hints near the right edge on screen. */
  align?: "center" | "start" | "end";
}) {
  const id = useId();
  return (
    <span
      tabIndex={0}
      aria-describedby={id}
      className={cn(
        "group relative inline-flex rounded-full focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
        className,
      )}
    >
      {children}
      <span
        role="tooltip"
        id={id}
        className={cn(
          // Out of the layout while hidden (not just invisible): an invisible box still
          // widens the page when its trigger sits near the right edge of a phone.
          "pointer-events-none absolute z-50 hidden w-64 max-w-[calc(100vw-2rem)] rounded-md bg-slate-900 px-3 py-2 text-xs leading-5 font-normal text-white shadow-lg",
          "group-hover:block group-focus:block",
          align === "center" ? "left-1/2 -translate-x-1/2" : align === "start" ? "left-0" : "right-0",
          side === "bottom" ? "top-full mt-2" : "bottom-full mb-2",
        )}
      >
        {content}
      </span>
    </span>
  );
}
