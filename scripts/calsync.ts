// npm run calsync -- <command> [options]   (npm run calsync -- --help lists them)
// Operators' commands: test-webhook, refresh-subscriptions, health-check,
// cleanup-events, resync. The commands live in scripts/cli/; this file only wires
// them to the process.
import { runCli } from "./cli-support";
import { main } from "./cli/main";

// The library logs JSON lines, info ones on stdout; here stdout is the command's
// result (a table, or JSON a monitor parses), so only warnings and errors are
// logged unless asked for.
process.env.LOG_LEVEL ??= "warn";

await runCli(async () => {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
});
