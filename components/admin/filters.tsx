"use client";

import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useId, useState, type ReactNode } from "react";
import { cn } from "@/components/ui/cn";

// Filter controls shared by the console's lists: a labelled select, a debounced
// search box, and toggle chips for statuses.

const CONTROL =
  "h-9 rounded-md border border-slate-300 bg-white px-2.5 text-sm text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-brand-600";

export function SelectFilter<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  className,
}: {
  label: string;
  value: T;
  options: ReadonlyArray<{ value: T; label: string }>;
  onChange: (value: T) => void;
  testId: string;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={cn("flex flex-col gap-1", className)}>
      <label htmlFor={id} className="text-xs font-medium text-slate-600">
        {label}
      </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as T)} data-testid={testId} className={cn(CONTROL, "min-w-36")}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Calls `onSearch` once typing pauses, so each keystroke is not a request. */
export function SearchBox({
  label,
  placeholder,
  value,
  onSearch,
  testId,
}: {
  label: string;
  placeholder: string;
  value: string;
  onSearch: (value: string) => void;
  testId: string;
}) {
  const id = useId();
  const [text, setText] = useState(value);
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = window.setTimeout(() => onSearch(text.trim()), 300);
    return () => window.clearTimeout(timer);
  }, [text, value, onSearch]);
  return (
    <div className="flex min-w-0 flex-1 flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-slate-600">
        {label}
      </label>
      <input
        id={id}
        type="search"
        value={text}
        placeholder={placeholder}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter") onSearch(text.trim());
        }}
        data-testid={testId}
        className={cn(CONTROL, "w-full min-w-48")}
        autoComplete="off"
        spellCheck={false}
      />
    </div>
  );
}

/** Toggle buttons for one choice out of several, "All" first; pressing the chosen one again clears it. */
export function Chips<T extends string>({
  label,
  value,
  options,
  onChange,
  testIdPrefix,
}: {
  label: string;
  value: T | null;
  options: ReadonlyArray<{ value: T; label: ReactNode }>;
  onChange: (value: T | null) => void;
  testIdPrefix: string;
}) {
  const chip = (selected: boolean) =>
    cn(
      "inline-flex h-8 items-center gap-1.5 rounded-full border px-3 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600",
      selected ? "border-brand-600 bg-brand-600 text-white" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
    );
  return (
    <div role="group" aria-label={label} className="flex flex-wrap gap-2">
      <button type="button" aria-pressed={value === null} onClick={() => onChange(null)} className={chip(value === null)} data-testid={`${testIdPrefix}-all`}>
        All
      </button>
      {options.map((option) => (
        <button
          key={option.value}
          type="button"
          aria-pressed={value === option.value}
          onClick={() => onChange(value === option.value ? null : option.value)}
          className={chip(value === option.value)}
          data-testid={`${testIdPrefix}-${option.value}`}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

/**
 * A page's filters live in its URL (shareable, kept on reload). Sets or, for null
 * or "", removes one query parameter without scrolling or a history entry.
 */
export function useUrlParam(): (name: string, value: string | null) => void {
  const router = useRouter();
  const pathname = usePathname();
  return useCallback(
    (name: string, value: string | null) => {
      const next = new URLSearchParams(window.location.search);
      if (value) next.set(name, value);
      else next.delete(name);
      router.replace(`${pathname}${next.size > 0 ? `?${next}` : ""}`, { scroll: false });
    },
    [pathname, router],
  );
}
