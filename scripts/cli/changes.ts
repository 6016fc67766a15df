import { readChanges } from "@/lib/changes/log";
import { parsePositiveInt } from "./args";
import { defineCommand, EXIT, parseOptions, UsageError } from "./command";
import { commandSpec } from "./commands";
import { organizationOf } from "./organization";

export const usage = `Usage: npm run calsync -- changes --org <id|slug> [--after <cursor>] [--limit 100] [--follow]

Prints an organization's change log after a cursor, one JSON change per line (the
same JSON as GET /api/v1/changes), oldest first. --follow keeps waiting for new
changes (long polls of 30 s) until interrupted. The last cursor goes to stderr.

Exit code: 0 done, 1 on error (a cursor behind retention: re-read the state), 64 on wrong arguments.`;

const FOLLOW_WAIT_SECONDS = 30;

export const command = defineCommand(commandSpec("changes", usage), async (argv, io) => {
  const values = parseOptions(argv, {
    org: { type: "string" },
    after: { type: "string", default: "0" },
    limit: { type: "string", default: "100" },
    follow: { type: "boolean", default: false },
  });
  if (!/^\d{1,18}$/.test(values.after)) throw new UsageError(`--after: expected a cursor (digits), got "${values.after}"`);
  const limit = parsePositiveInt(values.limit, "--limit", 1000);
  const organization = await organizationOf(values.org);
  let after = BigInt(values.after);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  try {
    for (;;) {
      const page = await readChanges(organization.id, { after, limit, waitSeconds: values.follow ? FOLLOW_WAIT_SECONDS : 0, signal: stop.signal });
      for (const change of page.changes) io.stdout.write(`${JSON.stringify(change)}\n`);
      after = BigInt(page.nextCursor);
      if (stop.signal.aborted || (!page.hasMore && !values.follow)) break;
    }
  } finally {
    process.off("SIGINT", interrupt);
  }
  io.stderr.write(`cursor ${after}\n`);
  return EXIT.ok;
});

export const run = command.run;
