import { expect, test } from "@playwright/test";
import { jsEnabled, side, logIn, open } from "./helpers";
import { idNumber } from "./reliability/fixture";

// 账户安全: a wrong current password is refused and nothing is kept; a
// change ends the sign-in on the holder's other browser and keeps this one;
// the old password stops working. With JavaScript, no script is blocked by
// the content security policy (the hydration script carries its nonce).
test("change password: the other browser is signed out, this one stays", async ({ page, browser }, info) => {
  const username = `acct_${side(info)}`;
  const [oldPassword, newPassword] = ["Account#2026", "Renewed#2027"];
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (msg.text().includes("Content Security Policy")) violations.push(msg.text());
  });

  await open(page, info, "/register");
  await page.getByTestId("input-username").fill(username);
  await page.getByTestId("input-password").fill(oldPassword);
  await page.getByTestId("input-password_confirm").fill(oldPassword);
  await page.getByTestId("input-real_name").fill("周九");
  await page.getByTestId("input-id_type").selectOption("resident_id");
  await page.getByTestId("input-id_number").fill(idNumber(jsEnabled(info) ? 9001 : 9002));
  await page.getByTestId("register-submit").click();
  await expect(page).toHaveURL(/\/login\?registered=1$/);
  await logIn(page, info, username, oldPassword);

  // The same holder on another browser.
  const other = await browser.newContext({ javaScriptEnabled: jsEnabled(info) });
  const otherPage = await other.newPage();
  await logIn(otherPage, info, username, oldPassword);

  await page.getByRole("link", { name: "账户安全" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId("account-username")).toHaveText(username);
  // 账户安全 is plain HTML (no island): its forms post as forms, JavaScript or not.
  await expect(page.locator("leptos-island")).toHaveCount(0);

  await page.getByTestId("input-current_password").fill("Wrong#2026x");
  await page.getByTestId("input-new_password").fill(newPassword);
  await page.getByTestId("input-new_password_confirm").fill(newPassword);
  await page.getByTestId("change-password-submit").click();
  await expect(page.getByTestId("error-current_password")).toHaveText("当前密码不正确。");
  await expect(page.getByTestId("input-new_password")).toHaveValue("");
  await open(otherPage, info, "/certificates");
  await expect(otherPage).toHaveURL(/\/certificates$/);

  await page.getByTestId("input-current_password").fill(oldPassword);
  await page.getByTestId("input-new_password").fill(newPassword);
  await page.getByTestId("input-new_password_confirm").fill(newPassword);
  await page.getByTestId("change-password-submit").click();
  await expect(page).toHaveURL(/\/account\?changed=1$/);
  await expect(page.getByTestId("password-changed")).toContainText("密码已修改");
  // 最近登录记录: the change, the wrong current password, both sign-ins.
  const kinds = await page.getByTestId("sign-in").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  expect(kinds).toEqual(["PasswordChanged", "Failed", "SignedIn", "SignedIn"]);
  await expect(page.getByTestId("sign-ins")).toContainText("密码错误");

  await open(otherPage, info, "/certificates");
  await expect(otherPage).toHaveURL(/\/login$/);
  await open(page, info, "/certificates");
  await expect(page).toHaveURL(/\/certificates$/);

  await page.getByTestId("logout").click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByTestId("input-username").fill(username);
  await page.getByTestId("input-password").fill(oldPassword);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toBeVisible();
  await logIn(otherPage, info, username, newPassword);
  await other.close();
  expect(violations).toEqual([]);
});
