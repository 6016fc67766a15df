import type { CheckStatus, SetupReport } from "@/lib/setup/report";
import { PageHeader } from "@/components/page-header";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card, Section } from "@/components/ui/card";

// The setup doctor's report, as `calsync doctor` prints it: one row per check with
// what to do, then what to register with each provider. The report holds no secret
// values (lib/setup describes them by size), so it can be rendered as is.

const STATUS: Record<CheckStatus, { label: string; tone: BadgeTone }> = {
  ok: { label: "OK", tone: "success" },
  warning: { label: "Warning", tone: "warning" },
  failure: { label: "Failure", tone: "danger" },
};

function UrlList({ label, values }: { label: string; values: string[] }) {
  return (
    <div>
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-1 space-y-1">
        {values.map((value) => (
          <code key={value} className="block break-all rounded bg-slate-50 px-2 py-1 font-mono text-xs text-slate-800 select-all">
            {value}
          </code>
        ))}
      </dd>
    </div>
  );
}

export function SetupReportView({ report }: { report: SetupReport }) {
  return (
    <div data-testid="setup-report" data-status={report.status}>
      <PageHeader
        title="Setup"
        description="Every setting this deployment needs, checked where the app runs; the same report as `npm run calsync -- doctor`. Secret values are never shown."
        actions={<Badge tone={STATUS[report.status].tone}>{STATUS[report.status].label}</Badge>}
      />
      <Section id="setup-checks" title="Checks">
        <Card className="relative overflow-x-auto" tabIndex={0} role="region" aria-label="Table of checks">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 text-xs text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Status
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Setting
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Found
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {report.checks.map((check) => (
                <tr key={check.id} data-testid={`setup-check-${check.id}`} data-status={check.status} className="align-top">
                  <td className="px-4 py-2.5">
                    <Badge tone={STATUS[check.status].tone}>{STATUS[check.status].label}</Badge>
                  </td>
                  <td className="px-4 py-2.5 font-medium whitespace-nowrap text-slate-900">{check.label}</td>
                  <td className="px-4 py-2.5 text-slate-700">
                    <p>{check.detail}</p>
                    {check.fix ? <p className="mt-1 text-slate-900">→ {check.fix}</p> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </Section>
      <Section id="setup-registration" title="Register with the providers" className="mt-8">
        <div className="grid gap-4 lg:grid-cols-2">
          {report.registration.map((provider) => (
            <Card key={provider.provider} className="p-4" data-testid={`setup-registration-${provider.provider}`}>
              <div className="flex items-start justify-between gap-3">
                <h3 className="text-sm font-semibold text-slate-900">{provider.name}</h3>
                {provider.configured ? null : <Badge tone="neutral">not configured</Badge>}
              </div>
              <p className="mt-0.5 text-xs text-slate-500">{provider.console}</p>
              <dl className="mt-3 space-y-3">
                <UrlList label="Redirect URIs" values={provider.redirectUris} />
                <UrlList label="Webhook URLs (public HTTPS; calsync registers them itself)" values={provider.webhookUrls} />
                <UrlList label="Scopes" values={[provider.scopes.join(" ")]} />
              </dl>
            </Card>
          ))}
        </div>
      </Section>
    </div>
  );
}
