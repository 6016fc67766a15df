import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** What a member sees at /admin: why not, and who can help. No data is loaded for them. */
export function AdminForbidden() {
  return (
    <Card role="alert" className="mx-auto max-w-lg p-8 text-center" data-testid="admin-forbidden">
      <p className="text-sm font-semibold tracking-wide text-slate-500 uppercase">403</p>
      <h1 className="mt-1 text-lg font-semibold text-slate-900">Administrators only</h1>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        The operations console shows push subscriptions, webhook logs and sync runs for the whole organization. Ask an owner or administrator of your
        organization for access.
      </p>
      <div className="mt-6 flex justify-center">
        <Link href="/dashboard" className={buttonClasses({ variant: "secondary" })}>
          Go to dashboard
        </Link>
      </div>
    </Card>
  );
}
