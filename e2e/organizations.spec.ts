import { expect, test, type Browser, type Page } from "@playwright/test";
import { emulator } from "./support/emulator";

// Organizations for more than one person, in Chromium against the production build:
// an owner invites a second person by email, the link (shown in the UI in sandbox
// mode) is accepted by that person after signing in with the invited address, roles
// are enforced on the page and by the API, the owner promotes and removes them, and
// a person in two organizations switches between them in the header.

const OWNER = { email: "olivia@example.com", name: "Olivia" };
const INVITEE = { email: "paul@example.com", name: "Paul" };

test.describe.configure({ mode: "serial" });

async function addAccounts() {
  for (const person of [OWNER, INVITEE]) {
    const { accounts } = await emulator().state();
    if (!accounts.some((account) => account.email === person.email))
      await emulator().addAccount({ provider: "google", email: person.email, name: person.name });
  }
}

async function signIn(page: Page, email: string, callbackUrl = "/dashboard") {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
  await page.getByRole("button", { name: /Sign in with Google/i }).click();
  await page.getByTestId(`allow-${email}`).click();
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  return context.newPage();
}

test("invite a second person, accept as them, roles enforced in the UI and the API, switch organizations, remove", async ({ page, browser }) => {
  await addAccounts();

  // The owner invites Paul as a member; in the sandbox the link is on the page.
  await signIn(page, OWNER.email);
  await page.waitForURL(/\/(dashboard|onboarding)/);
  await page.goto("/members");
  await expect(page.getByTestId("member-row").filter({ hasText: OWNER.email })).toContainText("(you)");
  await page.getByTestId("invite-email").fill(INVITEE.email);
  await page.getByTestId("invite-role").selectOption("member");
  await page.getByTestId("invite-submit").click();
  const link = await page.getByTestId("invitation-link").inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await expect(page.getByTestId("invitation-row").filter({ hasText: INVITEE.email })).toBeVisible();
  const invitePath = new URL(link).pathname;

  // Paul, in a browser of his own, opens the link signed out, signs in and accepts.
  const paul = await newPage(browser);
  await paul.goto(invitePath);
  await expect(paul.getByTestId("invitation-organization")).toBeVisible();
  const organizationName = (await paul.getByTestId("invitation-organization").textContent())!;
  await paul.getByTestId("invitation-sign-in").click();
  await paul.getByRole("button", { name: /Sign in with Google/i }).click();
  await paul.getByTestId(`allow-${INVITEE.email}`).click();
  await paul.waitForURL(new RegExp(invitePath));
  await paul.getByTestId("accept-invitation").click();
  await paul.waitForURL(/\/dashboard/);
  // Two organizations now: the switcher shows the one he joined.
  const switcher = paul.getByTestId("organization-switcher");
  await expect(switcher.locator("option:checked")).toHaveText(organizationName);

  // The link is single use.
  await paul.goto(invitePath);
  await expect(paul.getByTestId("invitation-state")).toContainText("already used");

  // As a member: no invite form, no role controls, only Leave; the API agrees.
  await paul.goto("/members");
  await expect(paul.getByTestId("member-row").filter({ hasText: OWNER.email })).toBeVisible();
  await expect(paul.getByTestId("invite-email")).toHaveCount(0);
  await expect(paul.getByTestId("member-role")).toHaveCount(0);
  await expect(paul.getByTestId("remove-member")).toHaveCount(0);
  await expect(paul.getByTestId("leave")).toHaveCount(1);
  await expect(paul.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const refused = await paul.request.post("/api/invitations", { data: { email: "friend@example.com", role: "member" } });
  expect(refused.status()).toBe(403);
  const members = (await (await paul.request.get("/api/members")).json()) as { members: Array<{ id: string; email: string }> };
  const ownerMembership = members.members.find((member) => member.email === OWNER.email)!.id;
  expect((await paul.request.patch(`/api/members/${ownerMembership}`, { data: { role: "member" } })).status()).toBe(403);
  expect((await paul.request.get("/api/admin/health")).status()).toBe(403);

  // The owner makes Paul an admin: his page and the API follow at once.
  await page.reload();
  await page.getByTestId("member-row").filter({ hasText: INVITEE.email }).getByTestId("member-role").selectOption("admin");
  await expect(page.getByText(/is now admin/)).toBeVisible();
  await paul.reload();
  await expect(paul.getByTestId("invite-email")).toBeVisible();
  // An admin manages members, never the owner.
  await expect(paul.getByTestId("member-row").filter({ hasText: OWNER.email }).getByTestId("member-role")).toHaveCount(0);
  await expect(paul.getByTestId("member-row").filter({ hasText: OWNER.email }).getByTestId("remove-member")).toHaveCount(0);
  expect((await paul.request.get("/api/admin/health")).status()).toBe(200);
  await paul.goto("/admin");
  await expect(paul.getByRole("link", { name: "Admin" }).first()).toBeVisible();

  // Switching: his own organization, where he is the only member and the owner.
  await paul.goto("/dashboard");
  const ownName = (await paul.getByTestId("organization-switcher").locator("option").filter({ hasNotText: organizationName }).first().textContent())!;
  await paul.getByTestId("organization-switcher").selectOption({ label: ownName });
  await expect(paul.getByTestId("organization-switcher").locator("option:checked")).toHaveText(ownName);
  await paul.goto("/members");
  await expect(paul.getByTestId("member-row")).toHaveCount(1);
  await expect(paul.getByTestId("member-row")).toContainText(INVITEE.email);
  // And back.
  await paul.getByTestId("organization-switcher").selectOption({ label: organizationName });
  await paul.waitForURL(/\/dashboard/);
  await paul.goto("/members");
  await expect(paul.getByTestId("member-row")).toHaveCount(2);

  // The owner removes Paul: his next request no longer reaches the organization.
  await page.reload();
  await page.getByTestId("member-row").filter({ hasText: INVITEE.email }).getByTestId("remove-member").click();
  await page.getByTestId("confirm-remove").click();
  await expect(page.getByTestId("member-row").filter({ hasText: INVITEE.email })).toHaveCount(0);
  await paul.reload();
  await expect(paul.getByTestId("member-row")).toHaveCount(1);
  await expect(paul.getByTestId("organization-switcher")).toHaveCount(0);
  await expect(paul.getByTestId("organization-name")).toHaveText(ownName);
  await paul.context().close();
});

test("an invitation is refused to a person signed in with another address", async ({ page, browser }) => {
  await addAccounts();
  await signIn(page, OWNER.email);
  await page.waitForURL(/\/(dashboard|onboarding)/);
  await page.goto("/members");
  await page.getByTestId("invite-email").fill("someone-else@example.com");
  await page.getByTestId("invite-submit").click();
  const invitePath = new URL(await page.getByTestId("invitation-link").inputValue()).pathname;

  const paul = await newPage(browser);
  await signIn(paul, INVITEE.email);
  await paul.waitForURL(/\/(dashboard|onboarding)/);
  await paul.goto(invitePath);
  await expect(paul.getByTestId("invitation-wrong-account")).toContainText("someone-else@example.com");
  await expect(paul.getByTestId("accept-invitation")).toHaveCount(0);
  const token = invitePath.split("/").pop();
  expect((await paul.request.post("/api/invitations/accept", { data: { token } })).status()).toBe(403);
  await paul.context().close();
});

test("reconnect with another account is refused and offers to connect it as a new one; both cards stay actionable", async ({ page }) => {
  await addAccounts();
  await signIn(page, OWNER.email, "/onboarding/connect-calendar");
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  const cards = page.getByTestId("provider-card-google");
  if ((await cards.first().getAttribute("data-state")) === "not_connected") {
    await page.getByTestId("connect-google").click();
    await page.getByTestId(`allow-${OWNER.email}`).click();
    await page.waitForURL(/\/onboarding\/connect-calendar/);
  }
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toHaveAttribute("data-state", "connected");
  await expect(cards.first().getByTestId("connected-by-google")).toContainText(OWNER.email);

  // Reconnect, but consent as Paul: refused, named, nothing added.
  await cards.first().getByTestId("reconnect-google").click();
  await page.getByTestId(`allow-${INVITEE.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText(`This is a different account (${INVITEE.email}): connect it as a new account?`)).toBeVisible();
  await expect(cards).toHaveCount(1);
  await expect(page.getByTestId("account-email-google")).toHaveText(OWNER.email);

  // The toast's action connects Paul's account as a second card.
  await page.getByRole("button", { name: "Connect as new account" }).click();
  await page.getByTestId(`allow-${INVITEE.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText("Calendar connected")).toBeVisible();
  await expect(cards).toHaveCount(2);
  await expect(cards.filter({ hasText: INVITEE.email })).toHaveAttribute("data-state", "connected");

  // Reconnecting Paul's card with Paul's account renews it, and still two cards.
  await cards.filter({ hasText: INVITEE.email }).getByTestId("reconnect-google").click();
  await page.getByTestId(`allow-${INVITEE.email}`).click();
  await page.waitForURL(/\/onboarding\/connect-calendar/);
  await expect(page.getByText(`Google Calendar reconnected: ${INVITEE.email}`)).toBeVisible();
  await expect(cards).toHaveCount(2);
});
