import { writeFileSync } from "node:fs";
import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, logIn, logOut, open } from "./helpers";

// The issuers' portal, with and without JavaScript: a holder finds no
// portal; the administrator imports a file with a bad row, fixes it, loads
// it; the holder sees the new certificate; the administrator revokes it and
// both the holder and a verifier see 已撤销.

const ADMIN_PASSWORD = "Portal#2026pw"; // made by playwright.config.ts's server command

/** 王五's new certificate; each project its own number. */
function numbers(info: TestInfo) {
  const n = jsEnabled(info) ? "1" : "2";
  return { certificate: `07012026112500${n}1`, management: `CH202611250${n}01`, other: `07012026112500${n}2` };
}

function csv(info: TestInfo, badRow: boolean): string {
  const { certificate, management, other } = numbers(info);
  const header = "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on";
  const second = badRow
    ? `${other},CH2026112500${jsEnabled(info) ? "1" : "2"}2,孙八,resident_id,110105198503150018,0701,,2026-11-20`
    : `${other},CH2026112500${jsEnabled(info) ? "1" : "2"}2,孙八,resident_id,${jsEnabled(info) ? "110105199001010010" : "110105199001010029"},0701,,2026-11-20`;
  return `${header}\n${certificate},${management},王五,护照,E98765432,0701,,2026-11-20\n${second}\n`;
}

async function adminLogIn(page: Page, info: TestInfo) {
  await open(page, info, "/admin/login");
  await expect(page.getByRole("heading", { name: "管理登录" })).toBeVisible();
  await page.getByTestId("input-username").fill("admin");
  await page.getByTestId("input-password").fill(ADMIN_PASSWORD);
  await page.getByTestId("staff-login-submit").click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByTestId("admin-nav")).toBeVisible();
  await expect(page.getByTestId("count-certificates")).toHaveText(/^\d+$/);
}

async function uploadFile(page: Page, info: TestInfo, name: string, content: string) {
  await open(page, info, "/admin/import");
  const path = info.outputPath(name);
  writeFileSync(path, content);
  await page.getByTestId("import-file").setInputFiles(path);
  await page.getByTestId("import-upload").click();
  await expect(page).toHaveURL(/\/admin\/import\/[0-9a-f]{32}$/);
}

test("a file of 3,000 bad rows: the first 1,000 problems in pages of 100, the rest counted", async ({ page }, info) => {
  await adminLogIn(page, info);
  const header = "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on";
  // Each row: a bad ID number (check digit) and an unknown qualification.
  const rows = Array.from({ length: 3000 }, (_, i) => `B${i},MB${i},王五,resident_id,110105198503150018,9999,,2026-11-20`);
  await uploadFile(page, info, "many-bad.csv", `${header}\n${rows.join("\n")}\n`);
  await expect(page.getByTestId("import-problem-count")).toContainText("共发现 6000 个问题");
  const errors = page.getByTestId("import-error");
  await expect(errors).toHaveCount(100);
  await expect(errors.first()).toHaveAttribute("data-line", "2");
  await expect(page.getByTestId("import-unlisted-title")).toContainText("以下 5000 个问题未逐条列出");
  await expect(page.getByTestId("import-unlisted-row")).toHaveCount(2);
  await expect(page.getByTestId("import-unlisted")).toContainText("2500");
  await expect(page.getByTestId("import-pager")).toContainText("第 1 / 10 页");
  await expect(page.getByTestId("import-commit")).toHaveCount(0);
  await page.getByTestId("import-next").click();
  await expect(page).toHaveURL(/\/admin\/import\/[0-9a-f]{32}\?page=2$/);
  await expect(page.getByTestId("import-pager")).toContainText("第 2 / 10 页");
  await expect(errors).toHaveCount(100);
  await expect(errors.first()).toHaveAttribute("data-line", "52");
  await page.getByTestId("import-prev").click();
  await expect(page.getByTestId("import-pager")).toContainText("第 1 / 10 页");
  await expect(errors.first()).toHaveAttribute("data-line", "2");
});

test("a holder opening /admin gets the site's not-found page", async ({ page }, info) => {
  await logIn(page, info, "wangwu");
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page.getByTestId("admin-nav")).toHaveCount(0);
});

test("import with a bad row, fix, load; the holder sees it; revoke; holder and verifier see 已撤销", async ({ page }, info) => {
  const { certificate } = numbers(info);
  await adminLogIn(page, info);

  await uploadFile(page, info, "results-bad.csv", csv(info, true));
  const error = page.getByTestId("import-error");
  await expect(error).toHaveCount(1);
  await expect(error).toHaveAttribute("data-line", "3");
  await expect(error).toContainText("id_number");
  await expect(error).toContainText("校验位");
  await expect(page.getByTestId("import-commit")).toHaveCount(0);

  await uploadFile(page, info, "results.csv", csv(info, false));
  await expect(page.getByTestId("import-counts")).toContainText("共 2 行：新增 2 条");
  await expect(page.getByTestId("import-preview").locator("tbody tr")).toHaveCount(2);
  await page.getByTestId("import-commit").click();
  await expect(page.getByTestId("import-loaded")).toContainText("已导入");

  // The holder, registered long before, sees it at once.
  await page.context().clearCookies();
  await logIn(page, info, "wangwu");
  const row = page.locator(`[data-testid=certificate-row][data-certificate-number="${certificate}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("certificate-status")).toHaveText("有效");
  await logOut(page);

  // Revoked with a reason.
  await adminLogIn(page, info);
  await open(page, info, `/admin/certificates?number=${certificate}`);
  await expect(page.getByTestId("verdict-certificate-status")).toHaveText("有效");
  await page.getByTestId("input-reason").fill("证书信息有误，由签发机构撤销");
  await page.getByTestId("revocation-submit").click();
  await expect(page.getByTestId("verdict-certificate-status")).toHaveText("已撤销");
  await expect(page.getByTestId("manage-reason")).toHaveText("证书信息有误，由签发机构撤销");

  await page.context().clearCookies();
  await logIn(page, info, "wangwu");
  await expect(row.getByTestId("certificate-status")).toHaveText("已撤销");

  await open(page, info, "/verify");
  await page.getByTestId("input-certificate_number").fill(certificate);
  await page.getByTestId("input-holder_name").fill("王五");
  await page.getByTestId("certificate-submit").click();
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "revoked");
});
