import { closeDb } from "@/lib/db/client";
import { closeRawPool } from "@/lib/db/raw";
import { EXIT, type Command, type Io } from "./command";

// The command list and `calsync --help`. Commands are imported only when run, so
// `--help` does not load Prisma, the providers or the engine.

interface Entry {
  name: string;
  summary: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Entry[] = [
  { name: "test-webhook", summary: "send a genuine or forged notification for a subscription to a webhook URL", load: () => import("./test-webhook") },
  { name: "refresh-subscriptions", summary: "renew push subscriptions that expire soon (--dry-run prints the plan)", load: () => import("./refresh-subscriptions") },
  { name: "health-check", summary: "report subscription, sync and webhook health; the exit code says ok/degraded/unhealthy", load: () => import("./health-check") },
  { name: "cleanup-events", summary: "delete webhook events older than a given age, in batches", load: () => import("./cleanup-events") },
  { name: "doctor", summary: "check a deployment's settings and print what to register with Google and Microsoft", load: () => import("./doctor") },
  { name: "resync", summary: "sync a calendar or a connection's calendars now, in this process", load: () => import("./resync") },
  { name: "reseal", summary: "re-encrypt sealed values with the current key, so a retired key can be dropped (--dry-run counts)", load: () => import("./reseal") },
];

export function overview(): string {
  const width = Math.max(...COMMANDS.map((entry) => entry.name.length));
  return `Usage: npm run calsync -- <command> [options]

Operators' commands for calsync. They use the database in DATABASE_URL, or the
embedded one under .data/ when it is unset (stop \`npm run dev\` first: the
embedded database belongs to one process at a time).

Commands:
${COMMANDS.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`).join("\n")}

Run \`npm run calsync -- <command> --help\` for a command's options.
Durations are written 30d, 24h or 90m. Progress goes to stderr, results to stdout.
Exit codes: 0 success, 1 failure, 64 wrong arguments; health-check and doctor also 2 (degraded, warnings).`;
}

/** `calsync <command> [options]` in-process; resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const wanted = name === "help" ? rest[0] : undefined;
    if (wanted === undefined) {
      (name === undefined ? io.stderr : io.stdout).write(`${overview()}\n`);
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    return main([wanted, "--help"], io);
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (!entry) {
    io.stderr.write(`error: unknown command "${name}"\n\n${overview()}\n`);
    return EXIT.usage;
  }
  const { command } = await entry.load();
  // Commands that start work (a re-registration asks for a sync) hand it to the
  // driver the environment names, wired as in the app.
  const { installJobs } = await import("@/inngest");
  installJobs();
  try {
    return await command.run(rest, io);
  } finally {
    // The embedded database writes its files on close, and open pools would keep
    // the process alive.
    await closeRawPool().catch(() => {});
    await closeDb().catch(() => {});
  }
}
