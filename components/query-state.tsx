"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { ApiError, messageOf } from "@/components/api-client";
import { Button, buttonClasses } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { formatRelative } from "@/components/format/time";
import { useNow } from "@/components/ui/use-now";
import { useLiveUpdates } from "@/components/realtime/use-live-updates";

/** A query that failed with nothing to show: says why and offers the fix (retry, or sign in again). */
export function QueryErrorPanel({
  error,
  what,
  onRetry,
  retrying = false,
  className,
}: {
  error: unknown;
  what: string;
  onRetry: () => void;
  retrying?: boolean;
  className?: string;
}) {
  const signedOut = error instanceof ApiError && error.signedOut;
  const pathname = usePathname();
  return (
    <div role="alert" className={cn("rounded-xl border border-red-200 bg-red-50 p-5 text-sm", className)}>
      <p className="font-semibold text-red-900">Could not load {what}</p>
      <p className="mt-1 text-red-800">{messageOf(error)}</p>
      <div className="mt-4">
        {signedOut ? (
          <Link href={`/signin?callbackUrl=${encodeURIComponent(pathname)}`} className={buttonClasses({ size: "sm" })}>
            Sign in again
          </Link>
        ) : (
          <Button size="sm" variant="secondary" onClick={onRetry} loading={retrying} loadingText="Retrying…">
            Try again
          </Button>
        )}
      </div>
    </div>
  );
}

/**
 * "Live" with the age of the data, or a warning when background refreshes fail
 * while older data stays on screen. Only the state is announced, not the ticking age.
 */
/** The page's freshness: "Live" while changes are pushed (it opens the page's stream), else how often it polls. */
export function LiveIndicator({ updatedAt, failing, pollingMs, className }: { updatedAt: number; failing: boolean; pollingMs: number; className?: string }) {
  const now = useNow(5_000);
  const { live } = useLiveUpdates();
  const age = updatedAt > 0 ? formatRelative(updatedAt, now) : null;
  return (
    <p className={cn("inline-flex items-center gap-2 text-xs", failing ? "text-amber-800" : "text-slate-500", className)}>
      <span aria-hidden="true" className="relative flex h-2 w-2">
        {!failing ? <span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:hidden" /> : null}
        <span className={cn("relative inline-flex h-2 w-2 rounded-full", failing ? "bg-amber-500" : "bg-emerald-500")} />
      </span>
      <span aria-live="polite">{failing ? "Cannot refresh; retrying" : live ? "Live" : `Updating every ${Math.round(pollingMs / 1000)} s`}</span>
      {age ? <span suppressHydrationWarning>· updated {age}</span> : null}
    </p>
  );
}
