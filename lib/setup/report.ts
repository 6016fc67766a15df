import type { Env } from "@/lib/config";
import { overallStatus, type CheckStatus, type SetupCheck } from "./check";
import { checkDatabase, checkInngestReachable, checkRedis } from "./probes";
import { providerRegistrations, type ProviderRegistration } from "./registration";
import { checkEncryptionKeys, checkInngestKeys, checkMail, checkOAuthClients, checkPublicUrls, checkSessionSecret } from "./settings";

export type { CheckStatus, SetupCheck } from "./check";
export type { ProviderRegistration } from "./registration";

/** What `calsync doctor` prints and /admin/setup shows. No secret values, by construction. */
export interface SetupReport {
  status: CheckStatus;
  checks: SetupCheck[];
  registration: ProviderRegistration[];
  checkedAt: string;
}

/** Every setting of a deployment, checked against `env` (process.env in the app). */
export async function setupReport(env: Env = process.env): Promise<SetupReport> {
  // The probes run side by side: the slowest timeout bounds the whole report.
  const [database, inngest, redis] = await Promise.all([checkDatabase(env), checkInngestReachable(env), checkRedis(env)]);
  const checks: SetupCheck[] = [
    database,
    ...checkEncryptionKeys(env),
    ...checkSessionSecret(env),
    ...checkPublicUrls(env),
    ...checkOAuthClients(env),
    ...checkInngestKeys(env),
    ...checkMail(env),
    ...(inngest ? [inngest] : []),
    ...(redis ? [redis] : []),
  ];
  return { status: overallStatus(checks), checks, registration: providerRegistrations(env), checkedAt: new Date().toISOString() };
}
