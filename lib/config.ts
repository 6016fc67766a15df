import path from "node:path";

/** Environment variables as calsync reads them (process.env, or a plain object in tests). */
export type Env = Record<string, string | undefined>;

/**
 * Where calsync keeps local state when it runs on embedded defaults: the PGlite
 * database, the generated encryption key, the emulator's certificate. Never committed.
 */
export function dataDir(env: Env = process.env): string {
  return path.resolve(env.CALSYNC_DATA_DIR ?? path.join(process.cwd(), ".data"));
}

export function isProduction(env: Env = process.env): boolean {
  return env.NODE_ENV === "production";
}
