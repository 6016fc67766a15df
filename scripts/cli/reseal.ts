import { loadKeyRing } from "@/lib/db/encryption";
import { countRetiredKeyValues, DEFAULT_RESEAL_BATCH_SIZE, resealRetiredValues } from "@/lib/db/reseal";
import { parsePositiveInt } from "./args";
import { CliError, defineCommand, EXIT, parseOptions } from "./command";
import { commandSpec } from "./commands";
import { plural } from "./format";
import { progress } from "./progress";

const MAX_BATCH = 10_000;

export const usage = `Usage: npm run calsync -- reseal [--batch-size ${DEFAULT_RESEAL_BATCH_SIZE}] [--dry-run]

Re-encrypts every sealed value (connection tokens, push secrets) still sealed
with a key from ENCRYPTION_KEYS_PREVIOUS with the current ENCRYPTION_KEY, in
batches of rows, with progress on stderr. Each row commits on its own: an
interrupted run loses nothing, and running it again finishes the rest. Once it
reports nothing left under a retired key, that key can be dropped from
ENCRYPTION_KEYS_PREVIOUS (health-check shows the same count).

  --batch-size <N>  rows per batch (default ${DEFAULT_RESEAL_BATCH_SIZE}, at most ${MAX_BATCH})
  --dry-run         count what would be re-sealed; change nothing

Exit code: 0 when nothing is left under a retired key, 1 when values could not be
opened (their key is in neither variable) or on error, 64 on wrong arguments.`;

export const command = defineCommand(commandSpec("reseal", usage), async (argv, io) => {
  const values = parseOptions(argv, { "batch-size": { type: "string" }, "dry-run": { type: "boolean", default: false } });
  const batchSize = values["batch-size"] === undefined ? DEFAULT_RESEAL_BATCH_SIZE : parsePositiveInt(values["batch-size"], "--batch-size", MAX_BATCH);
  const ring = loadKeyRing();
  const before = await countRetiredKeyValues(ring);
  const key = `the current key ${ring.current.id}`;
  const unknownNote = (count: number) =>
    count > 0
      ? ` ${plural(count, "value")} ${count === 1 ? "is" : "are"} sealed with a key in neither ENCRYPTION_KEY nor ENCRYPTION_KEYS_PREVIOUS and cannot be re-sealed.`
      : "";

  if (values["dry-run"]) {
    io.stdout.write(
      `Dry run: ${plural(before.retired, "sealed value")} under a retired key would be re-sealed with ${key}; nothing was changed.${unknownNote(before.unknownKey)}\n`,
    );
    return EXIT.ok;
  }
  if (before.retired === 0) {
    io.stdout.write(`Nothing to re-seal: every sealed value uses ${key}.\n`);
    return EXIT.ok;
  }

  const started = Date.now();
  const bar = progress(io.stderr, "re-sealing", { total: before.retired - before.unknownKey });
  let result: Awaited<ReturnType<typeof resealRetiredValues>>;
  try {
    result = await resealRetiredValues({ ring, batchSize, onBatch: (done) => bar.update(done.resealed) });
  } finally {
    bar.finish();
  }
  const after = await countRetiredKeyValues(ring);
  const seconds = (Date.now() - started) / 1000;
  io.stdout.write(
    `Re-sealed ${plural(result.resealed, "value")} with ${key} in ${plural(result.batches, "batch", "batches")} (${seconds.toFixed(1)} s). ` +
      `${after.retired === 0 ? "None is left under a retired key: ENCRYPTION_KEYS_PREVIOUS can be emptied." : `${plural(after.retired, "value")} still under a retired key.`}\n`,
  );
  if (after.unknownKey > 0) throw new CliError(unknownNote(after.unknownKey).trim());
  // Written meanwhile under a retired key (another process still on the old configuration): run again.
  if (after.retired > 0) throw new CliError(`${plural(after.retired, "value")} still under a retired key; run reseal again once every process uses ${key}`);
  return EXIT.ok;
});

export const run = command.run;
