// npm run db:migrate [-- --rolled-back <name> | --applied <name>]
// Applies pending migrations to DATABASE_URL (or the embedded database).
import { parseArgs } from "node:util";
import { applyMigrations, resolveMigration } from "@/lib/db/migrations";
import { describeTarget, resolveDatabaseTarget } from "@/lib/db/target";
import { runCli } from "./cli-support";

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      "rolled-back": { type: "string" },
      applied: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(`Usage: npm run db:migrate [-- --rolled-back <migration> | --applied <migration>]

Applies every pending migration in prisma/migrations to the database in DATABASE_URL
(the embedded PGlite database under .data/ when it is unset). Keeps Prisma's
_prisma_migrations bookkeeping, so \`prisma migrate deploy\` and this command agree.

  --rolled-back <name>  mark a failed migration as rolled back; it is applied again
  --applied <name>      mark a failed migration as applied (you finished it by hand)`);
    return;
  }
  const target = resolveDatabaseTarget();
  const resolveName = values["rolled-back"] ?? values.applied;
  if (resolveName) {
    await resolveMigration(target, resolveName, values["rolled-back"] ? "rolled-back" : "applied");
    console.log(`Marked ${resolveName} as ${values["rolled-back"] ? "rolled back" : "applied"} on ${describeTarget(target)}.`);
    if (!values["rolled-back"]) return;
  }
  const applied = await applyMigrations(target);
  console.log(
    applied.length === 0
      ? `${describeTarget(target)} is up to date.`
      : `Applied ${applied.length} migration(s) to ${describeTarget(target)}:\n${applied.map((name) => `  ${name}`).join("\n")}`,
  );
});
