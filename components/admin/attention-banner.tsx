"use client";

import { fallbackInterval, useLiveUpdates } from "@/components/realtime/use-live-updates";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";
import { ADMIN_REFRESH_MS, adminHealthQueryKey, fetchAdminHealth } from "./queries";

const SHOWN = 3;

/** Above every admin page while something needs a person: what, and where to look. */
export function AttentionBanner() {
  const { live } = useLiveUpdates();
  const pathname = usePathname();
  const health = useQuery({ queryKey: adminHealthQueryKey, queryFn: fetchAdminHealth, refetchInterval: fallbackInterval(live, ADMIN_REFRESH_MS) });
  const report = health.data;
  if (!report?.attention) return null;
  const unhealthy = report.status === "unhealthy";
  // The overview lists every problem; elsewhere the first few and a way there.
  const onOverview = pathname === "/admin";
  const shown = onOverview ? report.problems : report.problems.slice(0, SHOWN);
  const more = report.problems.length - shown.length;
  return (
    <div
      role="status"
      data-testid="admin-attention-banner"
      data-status={report.status}
      className={cn(
        "mb-6 rounded-xl border px-4 py-3 text-sm sm:px-5",
        unhealthy ? "border-red-200 bg-red-50 text-red-900" : "border-amber-300 bg-amber-50 text-amber-900",
      )}
    >
      <p className="font-semibold">{unhealthy ? "Push or sync is not working for part of your organization." : "Something will need attention soon."}</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        {shown.map((problem) => (
          <li key={problem}>{/[.!?]$/.test(problem) ? problem : `${problem}.`}</li>
        ))}
      </ul>
      {!onOverview ? (
        <p className="mt-1.5">
          {more > 0 ? `${more} more. ` : ""}
          <Link href="/admin" className="font-medium underline underline-offset-2">
            See the overview
          </Link>
        </p>
      ) : null}
    </div>
  );
}
