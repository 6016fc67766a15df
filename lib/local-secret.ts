import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir, type Env } from "@/lib/config";

/**
 * A random secret generated once and kept in `<data dir>/<file>` (mode 0600), so the
 * embedded default needs no set-up. Production passes real secrets through the
 * environment instead; callers refuse to get here in production.
 */
export function localSecret(file: string, env: Env = process.env, bytes = 32): string {
  const location = path.join(dataDir(env), file);
  try {
    // Read at run time only: the ignore keeps the build's file tracing from copying
    // the developer's own .data/ secrets into the server functions.
    return fs.readFileSync(/*turbopackIgnore: true*/ location, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(path.dirname(location), { recursive: true });
  const generated = randomBytes(bytes).toString("base64");
  // "wx": if another process generated one first, keep theirs.
  try {
    fs.writeFileSync(/*turbopackIgnore: true*/ location, generated, { mode: 0o600, flag: "wx" });
    return generated;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(/*turbopackIgnore: true*/ location, "utf8").trim();
    throw err;
  }
}
