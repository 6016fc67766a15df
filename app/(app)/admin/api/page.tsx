import type { Metadata } from "next";
import { ApiAccess } from "@/components/admin/api-access";

export const metadata: Metadata = { title: "API · Operations" };

/** The admin layout has checked the role before this renders. */
export default function AdminApiPage() {
  return <ApiAccess />;
}
