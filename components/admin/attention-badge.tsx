"use client";

import { useQuery } from "@tanstack/react-query";
import { adminHealthQueryKey, fetchAdminHealth } from "./queries";

/**
 * The mark on the "Admin" link when push or sync needs a person. Rendered only in
 * an admin's navigation, so nobody else ever asks for the health report.
 */
export function AdminAttentionBadge({ testId }: { testId: string }) {
  const health = useQuery({ queryKey: adminHealthQueryKey, queryFn: fetchAdminHealth, refetchInterval: 60_000, retry: false });
  if (!health.data?.attention) return null;
  const unhealthy = health.data.status === "unhealthy";
  const count = health.data.problems.length;
  return (
    <span
      data-testid={testId}
      data-status={health.data.status}
      className={`ml-1.5 inline-flex min-w-5 items-center justify-center rounded-full px-1.5 text-[11px] leading-5 font-semibold text-white ${unhealthy ? "bg-red-600" : "bg-amber-500"}`}
    >
      <span aria-hidden="true">{count > 9 ? "9+" : count}</span>
      <span className="sr-only">{`(${count === 1 ? "1 problem needs" : `${count} problems need`} attention)`}</span>
    </span>
  );
}
