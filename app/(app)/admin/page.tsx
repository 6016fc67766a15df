import type { Metadata } from "next";
import { HealthOverview } from "@/components/admin/health-overview";

export const metadata: Metadata = { title: "Operations" };

export default function AdminOverviewPage() {
  return <HealthOverview />;
}
