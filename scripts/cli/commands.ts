// Each command's name and one-line summary, stated once: `calsync --help` lists them
// without loading any command (they load Prisma, the providers, the engine), and
// each command's module takes its own line from here (`commandSpec`).

export const COMMAND_SUMMARIES = {
  "test-webhook": "send a genuine or forged notification for a subscription to a webhook URL",
  "refresh-subscriptions": "renew push subscriptions that expire soon (--dry-run prints the plan)",
  "health-check": "report subscription, sync and webhook health; the exit code says ok/degraded/unhealthy",
  "cleanup-events": "delete webhook events older than a given age, in batches",
  doctor: "check a deployment's settings and print what to register with Google and Microsoft",
  resync: "sync a calendar or a connection's calendars now, in this process",
  reseal: "re-encrypt sealed values with the current key, so a retired key can be dropped (--dry-run counts)",
  "api-keys": "create, list or revoke an organization's API keys for /api/v1 (create prints the key once)",
  endpoints: "list, add, test or replay an organization's outbound webhook endpoints",
  changes: "print an organization's change log after a cursor, one JSON line per change (--follow waits for more)",
} as const;

export type CommandName = keyof typeof COMMAND_SUMMARIES;

/** A command's name, summary and usage, for `defineCommand`. */
export function commandSpec(name: CommandName, usage: string): { name: CommandName; summary: string; usage: string } {
  return { name, summary: COMMAND_SUMMARIES[name], usage };
}
