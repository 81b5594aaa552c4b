import { expect, Page, test, TestInfo } from "@playwright/test";
import { DEMO_PASSWORD, jsEnabled, open } from "./helpers";

// 使用报名服务平台账号登录, with and without JavaScript, against a real
// OpenID Provider (oidc-provider, end2end/oidc/provider.mjs, started by
// playwright.config.ts): the button → the platform's sign-in page → back,
// signed in → 服务须知 → the certificate list. A holder with an account
// here links it once with its password. A callback nobody started is
// refused, and the sign-in page says why. (The refusals one by one:
// server/tests/platform_login.rs.)

/** At the platform: its development sign-in page, then its consent page. */
async function atPlatform(page: Page, login: string) {
  await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill("platform password");
  await page.locator("button[type=submit]").click();
  await expect(page.locator("button", { hasText: "Continue" })).toBeVisible();
  await page.locator("button", { hasText: "Continue" }).click();
}

async function startAtLogin(page: Page, info: TestInfo) {
  await open(page, info, "/login");
  const button = page.getByTestId("platform-login");
  await expect(button).toHaveText("使用报名服务平台账号登录");
  await button.click();
}

test("a first visit through the platform: signed in, 服务须知, the certificate list", async ({ page }, info) => {
  await startAtLogin(page, info);
  // One platform person per project: each run is a first visit.
  await atPlatform(page, jsEnabled(info) ? "platform-js" : "platform-nojs");
  await expect(page).toHaveURL(/\/terms$/);
  await page.getByTestId("terms-agree").click();
  await expect(page).toHaveURL(/\/certificates$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByTestId("user-name")).toContainText(jsEnabled(info) ? "冯一" : "褚二");

  // Signed out and back: the same account, straight to the list.
  await page.getByTestId("logout").click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByTestId("platform-login").click();
  // The platform remembers its own sign-in; it may still ask consent.
  await page.waitForURL(/\/(certificates|interaction\/.*)$/);
  if (page.url().includes("/interaction/")) {
    await atPlatform(page, jsEnabled(info) ? "platform-js" : "platform-nojs");
  }
  await expect(page).toHaveURL(/\/certificates$/);
});

test("a holder registered here links the platform account once, with the password", async ({ page }, info) => {
  await startAtLogin(page, info);
  // 王五 in one project, 孙八 in the other: each is linked the first time.
  await atPlatform(page, jsEnabled(info) ? "platform-wangwu" : "platform-sunba");
  await expect(page).toHaveURL(/\/login\/platform\/link$/);
  await expect(page.getByTestId("link-username")).toHaveText(jsEnabled(info) ? "wangwu" : "sunba");
  await page.getByTestId("input-password").fill("not the password");
  await page.getByTestId("link-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("用户名或密码错误");
  await page.getByTestId("input-password").fill(DEMO_PASSWORD);
  await page.getByTestId("link-submit").click();
  await expect(page).toHaveURL(/\/(terms|certificates)$/);
  if (page.url().endsWith("/terms")) {
    await page.getByTestId("terms-agree").click();
  }
  await expect(page).toHaveURL(/\/certificates$/);
  await expect(page.locator("[data-testid=certificate-row]").first()).toBeVisible();
});

test("a callback this browser did not start is refused, and the sign-in page says why", async ({ page }, info) => {
  await open(page, info, "/api/platform_callback?code=forged&state=forged");
  await expect(page).toHaveURL(/\/login\?platform=expired$/);
  await expect(page.getByTestId("platform-error")).toContainText("登录已过期或已使用");
});
