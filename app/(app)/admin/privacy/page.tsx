import type { Metadata } from "next";
import { PrivacySettings } from "@/components/admin/privacy-settings";
import { PageHeader } from "@/components/page-header";

export const metadata: Metadata = { title: "Privacy · Operations" };

export default function AdminPrivacyPage() {
  return (
    <>
      <PageHeader title="Privacy" description="What calsync keeps of private and declined events, for every calendar of the organization." />
      <PrivacySettings />
    </>
  );
}
