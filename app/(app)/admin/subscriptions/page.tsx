import type { Metadata } from "next";
import { SubscriptionsTable } from "@/components/admin/subscriptions-table";

export const metadata: Metadata = { title: "Subscriptions · Operations" };

export default function AdminSubscriptionsPage() {
  return <SubscriptionsTable />;
}
