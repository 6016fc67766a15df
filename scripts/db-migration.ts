// npm run db:migration -- <name>
// Writes a new migration from the difference between prisma/migrations and schema.prisma.
import path from "node:path";
import { diffMigrationsToSchema, writeMigration } from "@/lib/db/migrations";
import { runCli } from "./cli-support";

await runCli(async () => {
  const name = process.argv[2];
  if (!name || name === "--help" || name === "-h") {
    console.log(`Usage: npm run db:migration -- <name>

Compares the migrations in prisma/migrations with prisma/schema.prisma and writes the
SQL that closes the gap to prisma/migrations/<timestamp>_<name>/migration.sql.
Needs no database: the migrations are replayed in a throwaway embedded one.
Review the SQL, then apply it with npm run db:migrate.`);
    if (!name) process.exitCode = 2;
    return;
  }
  const sql = await diffMigrationsToSchema();
  if (!sql) {
    console.log("schema.prisma and the migrations agree: nothing to write.");
    return;
  }
  const folder = await writeMigration(name, sql);
  console.log(`Wrote ${path.relative(process.cwd(), folder)}/migration.sql (${sql.split("\n").length} lines). Review it, then run npm run db:migrate.`);
});
