import { db } from "@/lib/db/client";
import { isUuid } from "./args";
import { CliError, UsageError } from "./command";

/** `--org <id or slug>` as an organization id: every command of an organization's data names it. */
export async function organizationOf(value: string | undefined): Promise<{ id: string; name: string }> {
  if (!value) throw new UsageError("--org <id or slug> is required");
  const database = await db();
  const organization = await database.organization.findFirst({
    where: isUuid(value) ? { id: value.toLowerCase() } : { slug: value },
    select: { id: true, name: true },
  });
  if (!organization) throw new CliError(`no organization has the id or slug "${value}"`);
  return organization;
}

/** The first argument as a subcommand of `allowed`. */
export function subcommand<const T extends string>(argv: string[], allowed: readonly T[]): [T, string[]] {
  const [first, ...rest] = argv;
  if (!first || !(allowed as readonly string[]).includes(first)) throw new UsageError(`expected one of: ${allowed.join(", ")}`);
  return [first as T, rest];
}

/** "a,b" as a list of allowed values. */
export function listOf<const T extends string>(text: string | undefined, option: string, allowed: readonly T[]): T[] {
  if (text === undefined || text.trim() === "") return [];
  const values = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  const wrong = values.filter((value) => !(allowed as readonly string[]).includes(value));
  if (wrong.length > 0) throw new UsageError(`${option}: unknown ${wrong.join(", ")} (expected some of ${allowed.join(", ")})`);
  return values as T[];
}
