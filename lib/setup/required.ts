import type { Env } from "@/lib/config";
import { checkEncryptionKeys, checkSessionSecret } from "./settings";

// The settings without which calsync cannot serve anyone in production (no key to
// seal tokens with, no secret to sign sessions with). `next start` stops on them
// (instrumentation.ts) and every page says the same instead of a 500. Derived from
// the doctor's own checks, so the rule is stated once; names only, never values.

/** Names of the variables production requires and this environment lacks. */
export function missingRequiredSettings(env: Env): string[] {
  return [...checkEncryptionKeys(env), ...checkSessionSecret(env)]
    .filter((check) => check.status === "failure" && check.detail.startsWith("missing"))
    .map((check) => check.label);
}

/** One line for the log and the page: what is missing and how to make it. */
export function missingSettingsMessage(missing: readonly string[]): string {
  const names = missing.length === 1 ? missing[0]! : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)!}`;
  return `calsync cannot start in production: ${names} ${missing.length === 1 ? "is" : "are"} not set. Set ${missing.length === 1 ? "it" : "each"} to the output of \`openssl rand -base64 32\` (npm run calsync -- doctor checks every setting).`;
}
