import { DatabaseUnavailableError } from "@/lib/db/errors";
import { MigrationError } from "@/lib/db/migrations";

/**
 * Runs a command-line entry point: known failures become one clear message and
 * exit code 1, never a stack trace. Anything unexpected still shows its stack.
 */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof DatabaseUnavailableError || err instanceof MigrationError) {
      console.error(`error: ${err.message}`);
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  }
  // Pools and the embedded database keep the event loop alive; a CLI is done here.
  process.exit();
}
