import { envFlag, type Env } from "@/lib/config";

/**
 * Which job driver runs background work. Inngest when it is configured (a dev
 * server URL, a base URL or a signing key), otherwise the inline driver that runs
 * jobs in this process: the embedded default needs no Inngest server.
 */
export type JobDriverName = "inngest" | "inline";

export function jobDriverName(env: Env = process.env): JobDriverName {
  const configured = ["INNGEST_DEV", "INNGEST_BASE_URL", "INNGEST_SIGNING_KEY"].some((name) => envFlag(env, name));
  return configured ? "inngest" : "inline";
}
