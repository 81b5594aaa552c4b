import { expect, test } from "@playwright/test";
import { jsEnabled, side, logIn, logOut, open, islandsHydrated } from "./helpers";

// Each project registers its own demo person: certificates loaded for an ID
// document before its holder registered must show up after registration.
const people = {
  js: {
    username: "zhaoliu",
    name: "赵六",
    id: "420106198802140020",
    certificates: ["0301202405200031", "0501202011210044"],
  },
  nojs: {
    username: "qianqi",
    name: "钱七",
    id: "510107199506230040",
    certificates: ["0401202312090012", "0601202209170007"],
  },
};

test("register, first login shows the terms, agree, list, info, log out", async ({ page }, info) => {
  const p = people[side(info)];
  const password = "Journey#2026";

  await open(page, info, "/register");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(page.getByRole("heading", { name: "用户注册" })).toBeVisible();
  await page.getByTestId("input-username").fill(p.username);
  await page.getByTestId("input-password").fill(password);
  await page.getByTestId("input-password_confirm").fill(password);
  await page.getByTestId("input-real_name").fill(p.name);
  await page.getByTestId("input-id_type").selectOption("resident_id");
  await page.getByTestId("input-id_number").fill(p.id);
  await page.getByTestId("register-submit").click();

  await expect(page).toHaveURL(/\/login\?registered=1$/);
  await expect(page.getByTestId("registered-notice")).toContainText("注册成功");
  await page.getByTestId("input-username").fill(p.username);
  await page.getByTestId("input-password").fill(password);
  await page.getByTestId("login-submit").click();

  // First login: the terms, and nothing else until agreed.
  await expect(page).toHaveURL(/\/terms$/);
  await expect(page.getByRole("heading", { name: "服务须知" })).toBeVisible();
  await expect(page.getByTestId("terms-text")).toContainText("证件类型和证件号码");
  for (const path of ["/certificates", "/certificates/1", "/"]) {
    await open(page, info, path);
    await expect(page).toHaveURL(/\/terms$/);
  }
  await page.getByTestId("terms-agree").click();

  await expect(page).toHaveURL(/\/certificates$/);
  await expect(page.getByRole("heading", { name: "证书下载" })).toBeVisible();
  await expect(page.getByTestId("user-name")).toContainText(p.name);
  const rows = page.getByTestId("certificate-row");
  await expect(rows).toHaveCount(p.certificates.length);
  const numbers = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-certificate-number")));
  expect(numbers.sort()).toEqual([...p.certificates].sort());
  await expect(rows.first().getByTestId("certificate-status")).toHaveText("有效");

  await rows.first().getByTestId("certificate-info").click();
  await expect(page).toHaveURL(/\/certificates\/\d+$/);
  await expect(page.getByRole("heading", { name: "证书信息" })).toBeVisible();
  await expect(page.getByTestId("record-holder-name")).toHaveText(p.name);
  await expect(page.getByTestId("record-id-number")).toHaveText(p.id.slice(0, 4) + "*".repeat(10) + p.id.slice(14));
  await expect(page.getByTestId("certificate-record")).not.toContainText(p.id);

  await page.getByTestId("back-to-list").click();
  await expect(page).toHaveURL(/\/certificates$/);
  await logOut(page);
  await open(page, info, "/certificates");
  await expect(page).toHaveURL(/\/login$/);

  // The second login goes straight to the list.
  await page.getByTestId("input-username").fill(p.username);
  await page.getByTestId("input-password").fill(password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/certificates$/);
  await islandsHydrated(page, info);
});

test("wrong password: one message, username kept, not logged in", async ({ page }, info) => {
  await open(page, info, "/login");
  // Fields are reached by their visible labels, as assistive technology does.
  await page.getByLabel("用户名").fill("zhangsan");
  await page.getByLabel("密码").fill("Wrong#Password1");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toHaveText("用户名或密码错误。");
  await expect(page.getByTestId("input-username")).toHaveValue("zhangsan");
  await expect(page.getByTestId("input-password")).toHaveValue("");

  await page.getByTestId("input-username").fill("no-such-user");
  await page.getByTestId("input-password").fill("Wrong#Password1");
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("form-error")).toHaveText("用户名或密码错误。");
  await open(page, info, "/certificates");
  await expect(page).toHaveURL(/\/login$/);
});

test("duplicate and invalid registrations are refused at their fields, values kept", async ({ page }, info) => {
  await open(page, info, "/register");
  await page.getByTestId("input-username").fill("zhangsan");
  await page.getByTestId("input-password").fill("Another#2026");
  await page.getByTestId("input-password_confirm").fill("Another#2026");
  await page.getByTestId("input-real_name").fill("张三");
  await page.getByTestId("input-id_type").selectOption("resident_id");
  await page.getByTestId("input-id_number").fill("110105198503150019");
  await page.getByTestId("register-submit").click();
  await expect(page.getByTestId("error-username")).toHaveText("该用户名已被注册，请换一个。");
  await expect(page.getByTestId("error-id_number")).toContainText("该证件已注册账号");
  await expect(page.getByTestId("input-username")).toHaveValue("zhangsan");
  await expect(page.getByTestId("input-id_number")).toHaveValue("110105198503150019");
  await expect(page.getByTestId("input-username")).toHaveAttribute("aria-invalid", "true");

  await page.getByTestId("input-username").fill("newperson");
  await page.getByTestId("input-password").fill("Another#2026");
  await page.getByTestId("input-password_confirm").fill("Another#2026");
  await page.getByTestId("input-id_number").fill("110105198503150011");
  await page.getByTestId("register-submit").click();
  await expect(page.getByTestId("error-id_number")).toHaveText("证件号码校验位不正确，请核对。");
  await expect(page.getByTestId("error-username")).toHaveCount(0);
  await expect(page.getByTestId("input-real_name")).toHaveValue("张三");
  await expect(page).toHaveURL(/\/register$/);

  await page.getByTestId("input-password").fill("weakweak");
  await page.getByTestId("input-password_confirm").fill("weakweak");
  await page.getByTestId("input-id_number").fill("110105198503150019");
  await page.getByTestId("register-submit").click();
  await expect(page.getByTestId("error-password")).toContainText("至少包含");
});

test("another holder's certificate is not found", async ({ page }, info) => {
  await logIn(page, info, "lisi");
  // evaluateAll does not wait: the list must be there first.
  await expect(page.getByTestId("certificate-row")).toHaveCount(2);
  const hrefs = await page.getByTestId("certificate-info").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  expect(hrefs.length).toBe(2);
  await logOut(page);

  await logIn(page, info, "zhangsan");
  await expect(page.getByTestId("certificate-row")).toHaveCount(3);
  await expect(page.getByTestId("revoked-note")).toHaveCount(1);
  for (const href of [...hrefs, `${hrefs[0]}/download`, "/certificates/999999"]) {
    const response = await page.goto(href!);
    expect(response?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await expect(page.locator("main")).not.toContainText("李四");
  }
});

test("language switch to English persists and switches back", async ({ page }, info) => {
  await open(page, info, "/login");
  await expect(page.getByRole("heading", { name: "用户登录" })).toBeVisible();
  await page.getByTestId("lang-switch").click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await open(page, info, "/register");
  await expect(page.getByRole("heading", { name: "Register" })).toBeVisible();
  await expect(page.getByText("Mobile phone (optional)")).toBeVisible();
  await page.getByTestId("lang-switch").click();
  await expect(page.getByRole("heading", { name: "用户注册" })).toBeVisible();
});
