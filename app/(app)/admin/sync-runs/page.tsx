import type { Metadata } from "next";
import { Suspense } from "react";
import { SyncRuns } from "@/components/admin/sync-runs";

export const metadata: Metadata = { title: "Sync runs · Operations" };

export default function AdminSyncRunsPage() {
  // The filters are read from the query string (useSearchParams).
  return (
    <Suspense>
      <SyncRuns />
    </Suspense>
  );
}
