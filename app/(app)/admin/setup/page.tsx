import type { Metadata } from "next";
import { SetupReportView } from "@/components/admin/setup-report";
import { setupReport } from "@/lib/setup/report";

export const metadata: Metadata = { title: "Setup · Operations" };
// The environment and the services it names are checked on every visit, never at build time.
export const dynamic = "force-dynamic";

/** The admin layout has checked the role before this renders. */
export default async function AdminSetupPage() {
  return <SetupReportView report={await setupReport()} />;
}
