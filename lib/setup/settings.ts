import { envFlag, isProduction, publicBaseUrl, type Env } from "@/lib/config";
import { EncryptionConfigError, parseKey } from "@/lib/db/encryption";
import { jobDriverName } from "@/lib/jobs/driver";
import { mailSettings } from "@/lib/mail/mailer";
import { providerSettings } from "@/lib/providers/config";
import { PROVIDER_LABELS } from "@/lib/providers/port";
import { describeSecret, failure, isSet, ok, warning, type SetupCheck } from "./check";

// Checks that read the environment alone (no network): the same rules the app
// applies when it starts or signs someone in, said in advance and in one line each.

const GENERATE = "openssl rand -base64 32";

/** ENCRYPTION_KEY and ENCRYPTION_KEYS_PREVIOUS, parsed exactly as loadKeyRing does. */
export function checkEncryptionKeys(env: Env): SetupCheck[] {
  const checks: SetupCheck[] = [];
  const id = "encryption-key";
  const label = "ENCRYPTION_KEY";
  if (!isSet(env.ENCRYPTION_KEY)) {
    checks.push(
      isProduction(env)
        ? failure(id, label, "missing (required in production: OAuth tokens are sealed with it)", `set ENCRYPTION_KEY to the output of \`${GENERATE}\``)
        : warning(
            id,
            label,
            "missing: a key generated into the data directory is used (development only)",
            `set ENCRYPTION_KEY to the output of \`${GENERATE}\` before deploying`,
          ),
    );
  } else {
    checks.push(keyCheck(id, label, env.ENCRYPTION_KEY, `set ENCRYPTION_KEY to the output of \`${GENERATE}\``));
  }
  const previous = (env.ENCRYPTION_KEYS_PREVIOUS ?? "").split(",").filter((text) => text.trim() !== "");
  if (previous.length > 0) {
    const bad = previous.map((text, index) => ({ index, check: keyCheck("", "", text, "") })).filter(({ check }) => check.status !== "ok");
    checks.push(
      bad.length === 0
        ? ok("encryption-keys-previous", "ENCRYPTION_KEYS_PREVIOUS", `${previous.length} retired ${previous.length === 1 ? "key" : "keys"}, 32 bytes each`)
        : failure(
            "encryption-keys-previous",
            "ENCRYPTION_KEYS_PREVIOUS",
            `malformed: expected base64 of 32 bytes (entry ${bad.map(({ index }) => index + 1).join(", ")} of ${previous.length})`,
            "list the retired keys exactly as they were in ENCRYPTION_KEY, separated by commas",
          ),
    );
  }
  return checks;
}

function keyCheck(id: string, label: string, text: string, fix: string): SetupCheck {
  try {
    return ok(id, label, describeSecret(parseKey(text, label).key.length));
  } catch (err) {
    if (!(err instanceof EncryptionConfigError)) throw err;
    return failure(id, label, "malformed: expected base64 of 32 bytes", fix);
  }
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Bytes of randomness a secret carries: decoded when it is base64, else its own length. */
function secretBytes(text: string): number {
  const trimmed = text.trim();
  if (BASE64.test(trimmed) && trimmed.length % 4 !== 1) return Buffer.from(trimmed, "base64").length;
  return Buffer.byteLength(trimmed, "utf8");
}

/** The session-signing secret, with authSecret's precedence (NEXTAUTH_SECRET, then AUTH_SECRET). */
export function checkSessionSecret(env: Env): SetupCheck[] {
  const id = "session-secret";
  const fix = `set NEXTAUTH_SECRET to the output of \`${GENERATE}\``;
  const source = isSet(env.NEXTAUTH_SECRET) ? "NEXTAUTH_SECRET" : isSet(env.AUTH_SECRET) ? "AUTH_SECRET" : null;
  if (source === null) {
    return [
      isProduction(env)
        ? failure(id, "NEXTAUTH_SECRET", "missing (required in production: it signs session cookies)", fix)
        : warning(id, "NEXTAUTH_SECRET", "missing: a secret generated into the data directory is used (development only)", `${fix} before deploying`),
    ];
  }
  const bytes = secretBytes(env[source]!);
  const checks = [bytes >= 32 ? ok(id, source, describeSecret(bytes)) : failure(id, source, `too short: ${bytes} bytes, expected at least 32`, fix)];
  if (source === "NEXTAUTH_SECRET" && isSet(env.AUTH_SECRET) && env.AUTH_SECRET.trim() !== env.NEXTAUTH_SECRET!.trim()) {
    checks.push(warning("auth-secret", "AUTH_SECRET", "set and different from NEXTAUTH_SECRET, which wins: AUTH_SECRET is ignored", "unset AUTH_SECRET"));
  }
  return checks;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]);

/**
 * The public origin: CALSYNC_PUBLIC_URL (webhooks, connect callbacks) and NEXTAUTH_URL
 * (sign-in callbacks). Providers redirect and deliver only to public https in production.
 */
export function checkPublicUrls(env: Env): SetupCheck[] {
  const production = isProduction(env);
  // Real providers reject http redirect URIs (but localhost) and never deliver push to http.
  const realProviders = !providerSettings(env).sandbox;
  const checks: SetupCheck[] = [];
  const urlCheck = (id: string, name: string, value: string | undefined, usedFor: string): SetupCheck => {
    if (!isSet(value)) {
      return production
        ? failure(
            id,
            name,
            `missing: ${usedFor} would go to http://localhost:3000`,
            `set ${name} to this deployment's public https origin, e.g. https://calsync.example.com`,
          )
        : ok(id, name, "unset: http://localhost:3000 (fine outside production)");
    }
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      return failure(id, name, `malformed: "${value.trim()}" is not a URL`, `set ${name} to an origin such as https://calsync.example.com`);
    }
    const shown = url.origin;
    if (url.protocol !== "https:" && url.protocol !== "http:")
      return failure(id, name, `${shown}: expected an http(s) origin`, `set ${name} to an https origin`);
    if (url.pathname.replace(/\/+$/, "") !== "" || url.search || url.hash) {
      return failure(
        id,
        name,
        `${value.trim()}: has a path, query or fragment; calsync serves from the origin's root`,
        `set ${name} to the origin only (${shown})`,
      );
    }
    if (production && url.protocol !== "https:")
      return failure(
        id,
        name,
        `${shown} is http: providers redirect and deliver webhooks only to https`,
        `set ${name} to the https origin this deployment is served at`,
      );
    if (production && LOCAL_HOSTS.has(url.hostname))
      return failure(id, name, `${shown} is not reachable from the internet`, `set ${name} to this deployment's public https origin`);
    if (!production && realProviders && url.protocol !== "https:") {
      return warning(
        id,
        name,
        `${shown} is http: Google and Microsoft will not deliver webhooks to it (calendars sync by polling only)`,
        `use an https origin (a tunnel works for development) for push`,
      );
    }
    return ok(id, name, shown);
  };
  if (isSet(env.CALSYNC_PUBLIC_URL)) {
    checks.push(urlCheck("public-url", "CALSYNC_PUBLIC_URL", env.CALSYNC_PUBLIC_URL, "webhooks and connect callbacks"));
    checks.push(urlCheck("nextauth-url", "NEXTAUTH_URL", env.NEXTAUTH_URL, "sign-in callbacks"));
  } else {
    checks.push(urlCheck("public-url", "NEXTAUTH_URL", env.NEXTAUTH_URL, "sign-in callbacks, connect callbacks and webhooks"));
  }
  return checks;
}

/** Sign-in callbacks are next-auth's, built from NEXTAUTH_URL (falling back like publicBaseUrl). */
export function signInBaseUrl(env: Env): string {
  return isSet(env.NEXTAUTH_URL) ? env.NEXTAUTH_URL.trim().replace(/\/+$/, "") : publicBaseUrl(env);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_ALIASES = new Set(["common", "organizations", "consumers"]);

/** GOOGLE_* and MICROSOFT_*: both halves of each client, or neither. */
export function checkOAuthClients(env: Env): SetupCheck[] {
  const production = isProduction(env);
  const settings = providerSettings(env);
  const checks: SetupCheck[] = [];
  if (settings.sandbox) {
    checks.push(
      production
        ? failure("sandbox", "CALSYNC_SANDBOX", "set in production: sign-in and calendars go to the provider emulator", "unset CALSYNC_SANDBOX")
        : ok("sandbox", "Sandbox", "on: both providers are the emulator (no OAuth clients needed outside production)"),
    );
  }
  const client = (
    id: string,
    name: string,
    idVar: string,
    secretVar: string,
    looksRight: (clientId: string) => boolean,
    expected: string,
    extra: () => SetupCheck | null,
  ): SetupCheck | null => {
    const label = `${name} OAuth client`;
    const hasId = isSet(env[idVar]);
    const hasSecret = isSet(env[secretVar]);
    if (!hasId && !hasSecret) return settings.sandbox ? null : ok(id, label, `not configured: ${name} sign-in and calendars are off`);
    if (!hasId || !hasSecret) {
      const missing = hasId ? secretVar : idVar;
      return failure(id, label, `${missing} missing (${hasId ? idVar : secretVar} is set): ${name} stays off`, `set ${missing} from the same OAuth client`);
    }
    const clientId = env[idVar]!.trim();
    const secret = describeSecret(Buffer.byteLength(env[secretVar]!.trim(), "utf8"));
    if (!looksRight(clientId))
      return warning(id, label, `${idVar} "${clientId}" does not look like ${expected}; secret ${secret}`, `copy ${idVar} from the client's overview page`);
    return extra() ?? ok(id, label, `${idVar} ${clientId}, ${secretVar} ${secret}${settings.sandbox ? " (ignored: sandbox is forced)" : ""}`);
  };
  const google = client(
    "google-client",
    PROVIDER_LABELS.google.shortName,
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    (value) => value.endsWith(".apps.googleusercontent.com"),
    "a Google client id (…apps.googleusercontent.com)",
    () => null,
  );
  const microsoft = client(
    "microsoft-client",
    PROVIDER_LABELS.microsoft.shortName,
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET",
    (value) => GUID.test(value),
    "an application (client) id (a GUID)",
    () => {
      const tenant = env.MICROSOFT_TENANT_ID?.trim();
      if (!tenant || TENANT_ALIASES.has(tenant) || GUID.test(tenant) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenant)) return null;
      return warning(
        "microsoft-client",
        "Microsoft OAuth client",
        `MICROSOFT_TENANT_ID "${tenant}" is neither common, organizations, a tenant id nor a domain`,
        "set MICROSOFT_TENANT_ID to the directory (tenant) id, or unset it for common",
      );
    },
  );
  for (const check of [google, microsoft]) if (check) checks.push(check);
  if (!settings.sandbox && settings.google === null && settings.microsoft === null) {
    checks.push(
      failure(
        "providers",
        "Providers",
        "neither Google nor Microsoft is configured: nobody can sign in",
        "set GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET or MICROSOFT_CLIENT_ID/MICROSOFT_CLIENT_SECRET",
      ),
    );
  }
  return checks;
}

const SIGNING_KEY = /^signkey-[a-z0-9]+-([0-9a-f]+)$/i;
const truthy = (value: string | undefined) => envFlag({ value }, "value");

/** Inngest's keys, read only when Inngest drives the jobs (jobDriverName decides, as the app does). */
export function checkInngestKeys(env: Env): SetupCheck[] {
  const label = "Inngest";
  if (jobDriverName(env) === "inline") {
    if (isSet(env.INNGEST_EVENT_KEY)) {
      return [
        warning(
          "inngest",
          label,
          "INNGEST_EVENT_KEY is set but jobs run inline: without INNGEST_SIGNING_KEY (or INNGEST_BASE_URL) Inngest is not used",
          "set INNGEST_SIGNING_KEY too, or unset INNGEST_EVENT_KEY",
        ),
      ];
    }
    // A Vercel function is frozen once it has answered, so inline jobs would stall there.
    if (isSet(env.VERCEL)) {
      return [
        failure(
          "inngest",
          label,
          "not configured on Vercel: a serverless function cannot run background jobs inline",
          "set INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY from Inngest Cloud",
        ),
      ];
    }
    return [ok("inngest", label, "not configured: background jobs run inline, in the app process")];
  }
  if (truthy(env.INNGEST_DEV)) {
    return [
      isProduction(env)
        ? failure(
            "inngest",
            label,
            "INNGEST_DEV is set in production: jobs go to a local dev server, unsigned",
            "unset INNGEST_DEV and set INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY",
          )
        : ok("inngest", label, "dev server mode (INNGEST_DEV)"),
    ];
  }
  const checks: SetupCheck[] = [];
  const signing = env.INNGEST_SIGNING_KEY?.trim();
  if (!signing) {
    checks.push(
      failure(
        "inngest-signing-key",
        "INNGEST_SIGNING_KEY",
        "missing: Inngest's calls to /api/inngest cannot be verified",
        "set INNGEST_SIGNING_KEY from the Inngest dashboard (Manage → Signing key)",
      ),
    );
  } else {
    const hex = SIGNING_KEY.exec(signing)?.[1];
    checks.push(
      hex && hex.length % 2 === 0
        ? ok("inngest-signing-key", "INNGEST_SIGNING_KEY", describeSecret(hex.length / 2))
        : failure(
            "inngest-signing-key",
            "INNGEST_SIGNING_KEY",
            "malformed: expected signkey-<environment>-<hex>",
            "copy INNGEST_SIGNING_KEY from the Inngest dashboard (Manage → Signing key)",
          ),
    );
  }
  checks.push(
    isSet(env.INNGEST_EVENT_KEY)
      ? ok("inngest-event-key", "INNGEST_EVENT_KEY", describeSecret(Buffer.byteLength(env.INNGEST_EVENT_KEY.trim(), "utf8")))
      : failure(
          "inngest-event-key",
          "INNGEST_EVENT_KEY",
          "missing: calsync cannot send jobs to Inngest",
          "create an event key in the Inngest dashboard (Manage → Event keys) and set INNGEST_EVENT_KEY",
        ),
  );
  return checks;
}

/** SMTP_URL (invitations): optional; when set it must be an smtp:// or smtps:// URL. Credentials are never echoed. */
export function checkMail(env: Env): SetupCheck[] {
  const id = "smtp";
  const settings = mailSettings(env);
  if (!settings) return [ok(id, "SMTP_URL", "not set: invitations are not mailed; the inviter is shown the link to pass on")];
  const fix = "set SMTP_URL to smtp://user:password@host:587 (or smtps://...:465)";
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    return [failure(id, "SMTP_URL", "not a URL", fix)];
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") return [failure(id, "SMTP_URL", `unsupported scheme ${url.protocol}`, fix)];
  return [ok(id, "SMTP_URL", `${url.protocol}//${url.host}${url.username ? ", with credentials" : ""}; mail from ${settings.from}`)];
}
