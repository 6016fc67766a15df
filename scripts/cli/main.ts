import { closeDb } from "@/lib/db/client";
import { closeRawPool } from "@/lib/db/raw";
import { EXIT, type Command, type Io } from "./command";
import { COMMAND_SUMMARIES, type CommandName } from "./commands";

// The command list and `calsync --help`. Commands are imported only when run, so
// `--help` does not load Prisma, the providers or the engine.

interface Entry {
  name: CommandName;
  summary: string;
  load: () => Promise<{ command: Command }>;
}

const LOADERS: Record<CommandName, Entry["load"]> = {
  "test-webhook": () => import("./test-webhook"),
  "refresh-subscriptions": () => import("./refresh-subscriptions"),
  "health-check": () => import("./health-check"),
  "cleanup-events": () => import("./cleanup-events"),
  doctor: () => import("./doctor"),
  resync: () => import("./resync"),
  reseal: () => import("./reseal"),
  "api-keys": () => import("./api-keys"),
  endpoints: () => import("./endpoints"),
  changes: () => import("./changes"),
};

export const COMMANDS: Entry[] = (Object.keys(COMMAND_SUMMARIES) as CommandName[]).map((name) => ({
  name,
  summary: COMMAND_SUMMARIES[name],
  load: LOADERS[name],
}));

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
