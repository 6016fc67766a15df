import { API_KEY_SCOPES } from "@/lib/api/v1/schemas";
import { createApiKey, listApiKeys, revokeApiKey } from "@/lib/api-keys/keys";
import { parseUuid, required } from "./args";
import { defineCommand, EXIT, parseOptions, UsageError } from "./command";
import { commandSpec } from "./commands";
import { formatWhen, table } from "./format";
import { listOf, organizationOf, subcommand } from "./organization";

export const usage = `Usage: npm run calsync -- api-keys create --org <id|slug> --name <name> --scopes <list>
       npm run calsync -- api-keys list --org <id|slug>
       npm run calsync -- api-keys revoke --org <id|slug> --id <key id>

API keys for /api/v1 (Authorization: Bearer csk_...). A key is printed once, by
create, and stored only as its hash.

  --scopes   comma-separated: ${API_KEY_SCOPES.join(", ")}

Exit code: 0 done, 1 on error (unknown organization or key), 64 on wrong arguments.`;

export const command = defineCommand(commandSpec("api-keys", usage), async (argv, io) => {
  const [action, rest] = subcommand(argv, ["create", "list", "revoke"] as const);
  const values = parseOptions(rest, { org: { type: "string" }, name: { type: "string" }, scopes: { type: "string" }, id: { type: "string" } });
  const organization = await organizationOf(values.org);
  if (action === "create") {
    const scopes = listOf(required(values.scopes, "--scopes"), "--scopes", API_KEY_SCOPES);
    if (scopes.length === 0) throw new UsageError("--scopes: name at least one scope");
    const { key, apiKey } = await createApiKey(organization.id, { name: required(values.name, "--name"), scopes });
    io.stderr.write(`Created API key ${apiKey.prefix}… (${apiKey.id}) for ${organization.name}. It is shown once; store it now:\n`);
    io.stdout.write(`${key}\n`);
    return EXIT.ok;
  }
  if (action === "revoke") {
    const apiKey = await revokeApiKey(organization.id, parseUuid(required(values.id, "--id"), "--id"));
    io.stdout.write(`Revoked ${apiKey.name} (${apiKey.prefix}…); requests with it now get 401.\n`);
    return EXIT.ok;
  }
  const now = new Date();
  const keys = await listApiKeys(organization.id);
  io.stdout.write(
    `${table(
      [{ header: "ID" }, { header: "NAME" }, { header: "PREFIX" }, { header: "SCOPES" }, { header: "CREATED" }, { header: "LAST USED" }, { header: "STATE" }],
      keys.map((key) => [
        key.id,
        key.name,
        `${key.prefix}…`,
        key.scopes.join(","),
        formatWhen(new Date(key.createdAt), now),
        key.lastUsedAt ? formatWhen(new Date(key.lastUsedAt), now) : "never",
        key.revokedAt ? "revoked" : "active",
      ]),
    )}\n`,
  );
  return EXIT.ok;
});

export const run = command.run;
