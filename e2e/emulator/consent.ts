// The authorization step both identity providers share: the consent page
// (account choice, a checkbox per scope, Deny), automatic answers set through
// the control API, prompt=none, and the redirect back to the client.

import { escapeHtml, type RequestContext, type RouteDefinition } from "./http";
import type { AuthorizationRequest, OAuthServer } from "./oauth";
import type { Account } from "./state";
import type { Provider } from "./types";

/** What differs between Google and Microsoft at the authorization step. */
export interface AuthorizationProfile {
  provider: Provider;
  label: string;
  /** Scopes granted without a checkbox (openid and friends). */
  fixedScopes: string[];
  /** Accounts the user may pick (Microsoft filters by tenant). */
  accountsFor(request: AuthorizationRequest): Account[];
  successParams(request: AuthorizationRequest, code: string, grantedScopes: string[]): Record<string, string | undefined>;
  errorParams(request: AuthorizationRequest, error: "access_denied" | "interaction_required"): Record<string, string | undefined>;
}

/**
 * Continues a validated authorization request: an automatic answer if the
 * control API set one, prompt=none handling, else the consent page.
 */
export function continueAuthorization(
  ctx: RequestContext,
  oauth: OAuthServer,
  profile: AuthorizationProfile,
  request: AuthorizationRequest,
  prompt: string | undefined,
): void {
  const accounts = profile.accountsFor(request);
  const auto = oauth.takeAutoConsent(profile.provider);
  if (auto) {
    const account = accounts.find((candidate) => candidate.email === auto.email.toLowerCase());
    if (auto.deny || !account) {
      oauth.deny(request);
      returnToClient(ctx, request, profile.errorParams(request, "access_denied"));
      return;
    }
    const withheld = new Set(auto.withholdScopes ?? []);
    const granted = request.scopes.filter((scope) => profile.fixedScopes.includes(scope) || !withheld.has(scope));
    finishApproval(ctx, oauth, profile, request, account, granted);
    return;
  }
  if (prompt === "none") {
    const hinted = request.loginHint ? accounts.filter((account) => account.email === request.loginHint?.toLowerCase()) : accounts;
    const withGrant = hinted.filter((account) => {
      const grant = oauth.liveGrant(profile.provider, account.id, request.clientId);
      return grant && request.scopes.every((scope) => grant.scopes.includes(scope));
    });
    if (withGrant.length === 1 && withGrant[0]) {
      finishApproval(ctx, oauth, profile, request, withGrant[0], request.scopes);
    } else {
      oauth.deny(request);
      returnToClient(ctx, request, profile.errorParams(request, "interaction_required"));
    }
    return;
  }
  ctx.sendHtml(
    200,
    renderConsentPage({
      request,
      providerLabel: profile.label,
      accounts: request.loginHint ? sortHintedFirst(accounts, request.loginHint) : accounts,
      clientLabel: request.clientId,
      fixedScopes: profile.fixedScopes,
      withheldByDefault: oauth.withheldByDefault(profile.provider),
    }),
  );
}

function sortHintedFirst(accounts: Account[], hint: string): Account[] {
  const wanted = hint.toLowerCase();
  return [...accounts].sort((a, b) => Number(b.email === wanted) - Number(a.email === wanted));
}

function finishApproval(
  ctx: RequestContext,
  oauth: OAuthServer,
  profile: AuthorizationProfile,
  request: AuthorizationRequest,
  account: Account,
  granted: string[],
): void {
  const code = oauth.approve(request, account, granted);
  returnToClient(ctx, request, profile.successParams(request, code, granted));
}

/** `POST /_emulator/oauth/consent`: the consent page's forms land here. */
export function consentRoute(oauth: OAuthServer, profiles: Record<Provider, AuthorizationProfile>): RouteDefinition {
  return {
    method: "POST",
    path: "/_emulator/oauth/consent",
    family: "emulator",
    handler: async (ctx) => {
      const form = await ctx.form();
      const request = oauth.pendingRequest(form.get("request") ?? "");
      if (!request) {
        ctx.sendHtml(400, "<!doctype html><p>This sign-in request has expired or was already answered. Start again from the app.</p>");
        return;
      }
      const profile = profiles[request.provider];
      if (form.get("decision") !== "allow") {
        oauth.deny(request);
        returnToClient(ctx, request, profile.errorParams(request, "access_denied"));
        return;
      }
      const account = profile.accountsFor(request).find((candidate) => candidate.id === form.get("account"));
      if (!account) {
        ctx.sendHtml(400, "<!doctype html><p>Unknown account.</p>");
        return;
      }
      const ticked = new Set(form.getAll("scope"));
      const granted = request.scopes.filter((scope) => profile.fixedScopes.includes(scope) || ticked.has(scope));
      finishApproval(ctx, oauth, profile, request, account, granted);
    },
  };
}

interface ConsentPageModel {
  request: AuthorizationRequest;
  providerLabel: string;
  accounts: Account[];
  clientLabel: string;
  /** Scopes that are always granted (no checkbox), e.g. openid. */
  fixedScopes: string[];
  withheldByDefault: Set<string>;
}

/**
 * The consent page. Stable hooks for browser tests: a form per account with
 * `data-testid="consent-form-<email>"`, buttons `Allow as <email>`
 * (`data-testid="allow-<email>"`) and `Deny` (`data-testid="deny"`), and a
 * checkbox per scope named `scope` (`data-testid="scope-<scope>"`).
 */
function renderConsentPage(model: ConsentPageModel): string {
  const { request } = model;
  const scopeBoxes = request.scopes
    .map((scope) => {
      const fixed = model.fixedScopes.includes(scope);
      const checked = fixed || !model.withheldByDefault.has(scope);
      return `<label><input type="checkbox" name="scope" value="${escapeHtml(scope)}" data-testid="scope-${escapeHtml(scope)}"${checked ? " checked" : ""}${fixed ? " disabled" : ""}> ${escapeHtml(scope)}</label><br>`;
    })
    .join("\n");
  const fixedInputs = model.fixedScopes
    .filter((scope) => request.scopes.includes(scope))
    .map((scope) => `<input type="hidden" name="scope" value="${escapeHtml(scope)}">`)
    .join("");
  const accountForms = model.accounts.length
    ? model.accounts
        .map(
          (account) => `<form method="post" action="/_emulator/oauth/consent" data-testid="consent-form-${escapeHtml(account.email)}">
  <input type="hidden" name="request" value="${escapeHtml(request.id)}">
  <input type="hidden" name="account" value="${escapeHtml(account.id)}">
  <fieldset><legend>${escapeHtml(account.name)} &lt;${escapeHtml(account.email)}&gt;</legend>
  ${scopeBoxes}
  ${fixedInputs}
  <button type="submit" name="decision" value="allow" data-testid="allow-${escapeHtml(account.email)}">Allow as ${escapeHtml(account.email)}</button>
  </fieldset>
</form>`,
        )
        .join("\n")
    : "<p>No accounts are seeded for this provider and tenant.</p>";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(model.providerLabel)} sign-in (emulator)</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto}fieldset{margin:1rem 0}</style></head>
<body>
<h1>${escapeHtml(model.providerLabel)}: choose an account</h1>
<p><strong>${escapeHtml(model.clientLabel)}</strong> wants access to:</p>
${accountForms}
<form method="post" action="/_emulator/oauth/consent">
  <input type="hidden" name="request" value="${escapeHtml(request.id)}">
  <button type="submit" name="decision" value="deny" data-testid="deny">Deny</button>
</form>
</body></html>`;
}

/** Sends the browser back to the client: query redirect or an auto-submitting form_post page. */
export function returnToClient(ctx: RequestContext, request: AuthorizationRequest, params: Record<string, string | undefined>): void {
  const clean = Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  if (request.responseMode === "form_post") {
    const inputs = Object.entries(clean)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join("");
    ctx.sendHtml(
      200,
      `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(request.redirectUri)}">${inputs}<noscript><button>Continue</button></noscript></form></body></html>`,
    );
    return;
  }
  const target = new URL(request.redirectUri);
  for (const [name, value] of Object.entries(clean)) target.searchParams.set(name, value);
  ctx.redirect(target.toString(), 302);
}
