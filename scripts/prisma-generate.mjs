#!/usr/bin/env node
// Runs `prisma generate` offline. Prisma's CLI insists on locating its native
// schema engine before generating, even though generate never runs it, and that
// binary cannot be downloaded here; any executable file satisfies the check. The
// stand-in exits with an error if anything ever does run it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const standIn = path.join(root, "node_modules", ".cache", "calsync", "schema-engine-unavailable");
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  fs.mkdirSync(path.dirname(standIn), { recursive: true });
  fs.writeFileSync(standIn, '#!/bin/sh\necho "The native Prisma schema engine is not installed: use npm run db:migrate / db:migration." >&2\nexit 1\n', {
    mode: 0o755,
  });
}
const result = spawnSync(process.execPath, [path.join(root, "node_modules", "prisma", "build", "index.js"), "generate", "--schema", "prisma/schema.prisma"], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? standIn,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
if (result.status !== 0) {
  process.stderr.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exit(result.status ?? 1);
}
console.log("prisma: client generated in lib/db/generated");
