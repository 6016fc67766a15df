import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Env } from "@/lib/config";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { MigrationError } from "@/lib/db/migrations";
import { AppError } from "@/lib/http/errors";
import { ProviderError } from "@/lib/providers/errors";

// The frame every `calsync` command runs in. A command is a function of its
// arguments and two output streams, so tests run it in-process against a real
// database and read what a person would have seen; only scripts/calsync.ts touches
// process.argv and process.exit.

export interface OutputStream {
  write(chunk: string): unknown;
  /** Progress redraws one line on a terminal and prints occasional lines otherwise. */
  isTTY?: boolean;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  /** The environment a command that checks configuration reads (tests pass their own); process.env otherwise. */
  env?: Env;
}

export const EXIT = {
  ok: 0,
  failed: 1,
  /** health-check only: working, with problems worth a look. */
  degraded: 2,
  // sysexits.h EX_USAGE: apart from 1 and 2, so a typo in a monitoring job is
  // never read as "unhealthy" or "degraded".
  usage: 64,
} as const;

/** A failure a person can act on: printed as one line, no stack. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** Wrong arguments: the message, then the command's usage. */
export class UsageError extends CliError {
  override readonly name = "UsageError";
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export interface Command {
  name: string;
  /** One line for `calsync --help`. */
  summary: string;
  /** The whole `--help` text. */
  usage: string;
  /** Runs the command and resolves to its exit code; never throws for a known failure. */
  run(argv: string[], io: Io): Promise<number>;
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs, strict, no positionals, its errors turned into usage errors
 * ("Unknown option '--foo'" rather than a TypeError with a code).
 */
export function parseOptions<const O extends OptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "") : String(err);
    throw new UsageError(message);
  }
}

export function defineCommand(spec: Omit<Command, "run">, body: (argv: string[], io: Io) => Promise<number>): Command {
  return {
    ...spec,
    run: async (argv, io) => {
      // Before parsing, so `--help` works next to a missing required option.
      if (argv.includes("--help") || argv.includes("-h")) {
        io.stdout.write(`${spec.usage}\n`);
        return EXIT.ok;
      }
      try {
        return await body(argv, io);
      } catch (err) {
        return reportFailure(err, io, spec.usage);
      }
    },
  };
}

/** Known failures as one line; anything else is a bug and keeps its stack (scripts/cli-support.ts does the same). */
export function reportFailure(err: unknown, io: Io, usage?: string): number {
  if (err instanceof UsageError) {
    io.stderr.write(`error: ${err.message}\n${usage ? `\n${usage}\n` : ""}`);
    return err.exitCode;
  }
  const line = knownFailure(err);
  if (line !== null) {
    io.stderr.write(`error: ${line}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.failed;
  }
  io.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.failed;
}

function knownFailure(err: unknown): string | null {
  if (err instanceof CliError || err instanceof DatabaseUnavailableError || err instanceof MigrationError || err instanceof AppError)
    return oneLine(err.message);
  if (err instanceof ProviderError) return oneLine(`the calendar provider answered: ${err.message}`);
  return null;
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
