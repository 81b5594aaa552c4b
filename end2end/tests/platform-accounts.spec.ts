import { writeFileSync } from "node:fs";
import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, logIn, logOut, open } from "./helpers";

// Holders with an exam-registration platform account (docs/accounts.md),
// with and without JavaScript: the administrator imports accounts with
// their platform hashes on 账户导入 (a bad file first: every problem listed,
// nothing written), and an imported holder signs in with the platform
// password, sees 服务须知, then the certificates of their ID document.

const ADMIN_PASSWORD = "Portal#2026pw"; // made by playwright.config.ts's server command
const HEADER = "username,real_name,id_type,id_number,phone,email,password_hash";
// Python bcrypt's hash of the demo password, as PHP writes it ($2y$).
const BCRYPT = "$2y$10$B/lTMme7qTzJi5.NDB/3fewLZuRBsWA5nCJzewEFNoa7jO.zXHOG2";

/** A new platform account per project, with an ID no one has used. */
function account(info: TestInfo) {
  return jsEnabled(info)
    ? { username: "13900139001", id: "110105199202020012" }
    : { username: "13900139002", id: "110105199202020020" };
}

async function adminLogIn(page: Page, info: TestInfo) {
  await open(page, info, "/admin/login");
  await page.getByTestId("input-username").fill("admin");
  await page.getByTestId("input-password").fill(ADMIN_PASSWORD);
  await page.getByTestId("staff-login-submit").click();
  await expect(page).toHaveURL(/\/admin$/);
}

async function upload(page: Page, info: TestInfo, name: string, content: string) {
  await open(page, info, "/admin/accounts/import");
  await expect(page.getByRole("heading", { name: "账户导入" })).toBeVisible();
  const path = info.outputPath(name);
  writeFileSync(path, content);
  await page.getByTestId("import-file").setInputFiles(path);
  await page.getByTestId("import-upload").click();
  await expect(page).toHaveURL(/\/admin\/accounts\/import\/[0-9a-f]{32}$/);
}

test("账户导入: a bad file lists every problem, the fixed one loads, and the holder signs in with the platform password", async ({ page }, info) => {
  const { username, id } = account(info);
  await adminLogIn(page, info);

  // zhangsan is taken; 李四's ID has an account; a plaintext "hash" is never taken.
  const bad =
    `${HEADER}\nzhangsan,冯一,resident_id,${id},,,${BCRYPT}\n` +
    `${username}x,冯一,resident_id,310104199005120023,,,${BCRYPT}\n` +
    `${username}y,冯一,passport,G12345678,,,Ecert@2026\n`;
  await upload(page, info, "accounts-bad.csv", bad);
  const errors = page.getByTestId("import-error");
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(0)).toHaveAttribute("data-line", "2");
  await expect(errors.nth(0)).toContainText("该用户名已被其他账户使用");
  await expect(page.getByTestId("import-errors")).toContainText("该证件已关联到用户名不同的账户");
  await expect(page.getByTestId("import-errors")).toContainText("不是支持的密码散列格式");
  await expect(page.getByTestId("import-commit")).toHaveCount(0);

  await upload(page, info, "accounts.csv", `${HEADER}\n${username},冯一,resident_id,${id},${username},,${BCRYPT}\n`);
  await expect(page.getByTestId("import-preview")).toContainText("bcrypt");
  await expect(page.getByTestId("import-preview")).toContainText(username);
  await page.getByTestId("import-commit").click();
  await expect(page.getByTestId("import-loaded")).toContainText("已导入");

  // The holder: the platform's username (a phone number) and password.
  await page.context().clearCookies();
  await open(page, info, "/login");
  await page.getByTestId("input-username").fill(username);
  await page.getByTestId("input-password").fill("Ecert@2026");
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/terms$/);
  await page.getByTestId("terms-agree").click();
  await expect(page).toHaveURL(/\/certificates$/);
  await logOut(page);
  // Ecert's own hash now, the same password.
  await logIn(page, info, username);
});

test("README's platform accounts sign in with their platform password", async ({ page }, info) => {
  // One per project, so that each run meets an imported hash the first time.
  const username = jsEnabled(info) ? "kaosheng03" : "kaosheng04";
  await logIn(page, info, username);
  await expect(page.locator("[data-testid=certificate-row]")).toHaveCount(1);
});
