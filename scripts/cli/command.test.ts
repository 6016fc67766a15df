import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { notFound } from "@/lib/http/errors";
import { ProviderError } from "@/lib/providers/errors";
import { CliError, defineCommand, EXIT, parseOptions, UsageError } from "./command";
import { COMMANDS, main, overview } from "./main";
import { captureIo } from "@/scripts/test/cli";

const usage = "Usage: npm run calsync -- demo --name <x>";

function demo(body: (values: { name?: string; loud: boolean }) => Promise<number>) {
  return defineCommand({ name: "demo", summary: "a demo", usage }, async (argv) => {
    const values = parseOptions(argv, { name: { type: "string" }, loud: { type: "boolean", default: false } });
    return body(values);
  });
}

describe("defineCommand", () => {
  it("parses options strictly and hands them over", async () => {
    let seen: unknown;
    const code = await demo(async (values) => {
      seen = values;
      return EXIT.ok;
    }).run(["--name", "x", "--loud"], captureIo());
    expect(code).toBe(0);
    expect(seen).toEqual({ name: "x", loud: true });
  });

  it("prints its usage for --help and -h, even when required options are missing", async () => {
    for (const flag of ["--help", "-h"]) {
      const io = captureIo();
      expect(await demo(async () => EXIT.failed).run([flag], io)).toBe(EXIT.ok);
      expect(io.stdout.text).toBe(`${usage}\n`);
      expect(io.stderr.text).toBe("");
    }
  });

  it("fails an unknown option, a stray argument or a missing value with the usage and exit 64", async () => {
    for (const [argv, message] of [
      [["--nmae", "x"], "error: Unknown option '--nmae'"],
      [["stray"], "error: Unexpected argument 'stray'. This command does not take positional arguments"],
      [["--name"], "error: Option '--name <value>' argument missing"],
    ] as const) {
      const io = captureIo();
      expect(await demo(async () => EXIT.ok).run([...argv], io)).toBe(EXIT.usage);
      expect(io.stderr.text.split("\n")[0]).toBe(message);
      expect(io.stderr.text).toContain(usage);
      expect(io.stdout.text).toBe("");
    }
  });

  it("turns known failures into one line and their exit code", async () => {
    const cases: Array<[unknown, string, number]> = [
      [new CliError("no calendar has the id x"), "error: no calendar has the id x\n", 1],
      [new CliError("custom", 3), "error: custom\n", 3],
      [new UsageError("give either --calendar or --connection"), `error: give either --calendar or --connection\n\n${usage}\n`, 64],
      [
        new DatabaseUnavailableError("Cannot reach PostgreSQL at db:5432/app: connection refused"),
        "error: Cannot reach PostgreSQL at db:5432/app: connection refused\n",
        1,
      ],
      [notFound("no subscription has the id or external id x"), "error: no subscription has the id or external id x\n", 1],
      [
        new ProviderError("reauthorization_required", "invalid_grant:\nToken has been revoked"),
        "error: the calendar provider answered: invalid_grant: Token has been revoked\n",
        1,
      ],
    ];
    for (const [thrown, expected, code] of cases) {
      const io = captureIo();
      expect(
        await demo(async () => {
          throw thrown;
        }).run([], io),
      ).toBe(code);
      expect(io.stderr.text).toBe(expected);
    }
  });

  it("keeps the stack of anything unexpected: that is a bug to report", async () => {
    const io = captureIo();
    const code = await demo(async () => {
      throw new TypeError("cannot read properties of undefined");
    }).run([], io);
    expect(code).toBe(EXIT.failed);
    expect(io.stderr.text).toMatch(/^TypeError: cannot read properties of undefined\n\s+at /);
  });
});

describe("main", () => {
  it("lists every command for --help, and each command's module agrees with the list", async () => {
    const io = captureIo();
    expect(await main(["--help"], io)).toBe(EXIT.ok);
    expect(io.stdout.text).toBe(`${overview()}\n`);
    for (const entry of COMMANDS) {
      expect(io.stdout.text).toContain(`  ${entry.name}`);
      const { command } = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
      expect(command.usage).toMatch(new RegExp(`^Usage: npm run calsync -- ${entry.name}\\b`));
    }
  });

  it("shows a command's usage for `help <command>` and `<command> --help`", async () => {
    const { command } = await COMMANDS.find((entry) => entry.name === "cleanup-events")!.load();
    for (const argv of [
      ["help", "cleanup-events"],
      ["cleanup-events", "--help"],
    ]) {
      const io = captureIo();
      expect(await main(argv, io)).toBe(EXIT.ok);
      expect(io.stdout.text).toBe(`${command.usage}\n`);
    }
  });

  it("fails without a command or with an unknown one, with the overview on stderr", async () => {
    const none = captureIo();
    expect(await main([], none)).toBe(EXIT.usage);
    expect(none.stderr.text).toBe(`${overview()}\n`);
    const unknown = captureIo();
    expect(await main(["refresh"], unknown)).toBe(EXIT.usage);
    expect(unknown.stderr.text.split("\n")[0]).toBe('error: unknown command "refresh"');
    expect(unknown.stdout.text).toBe("");
  });
});
