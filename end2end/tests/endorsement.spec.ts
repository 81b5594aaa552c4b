import { execFileSync } from "node:child_process";
import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, side, logIn, open, islandsHydrated } from "./helpers";

// Each project endorses its own certificate (the quota is per certificate,
// and both projects share one server): with JavaScript 张三's 注册安全工程师
// (ministry seal), without it 李四's 银行业 certificate (association seal).
const mine = {
  js: { username: "zhangsan", certificate: "0301202203150001", name: "张三", qualification: "注册安全工程师" },
  nojs: { username: "lisi", certificate: "1101202208080025", name: "李四", qualification: "银行业专业人员职业资格" },
};

/** From the list, the download page of the certificate with this number. */
async function openDownloadPage(page: Page, info: TestInfo, number: string) {
  await page.locator(`[data-testid=certificate-row][data-certificate-number="${number}"]`).getByTestId("certificate-download").click();
  await expect(page).toHaveURL(/\/certificates\/\d+\/download$/);
  await islandsHydrated(page, info);
  await expect(page.getByRole("heading", { name: "证书下载" })).toBeVisible();
}

/** What poppler says of a PDF file (pdfsig exits 0 even when a digest does not match). */
function pdfsig(path: string): string {
  return execFileSync("pdfsig", [path], { encoding: "utf8" });
}

test("apply, 证书生成中… turns ready by itself, view and download a copy pdfsig accepts, 4th is refused", async ({ page }, info) => {
  const me = mine[side(info)];
  await logIn(page, info, me.username);
  await openDownloadPage(page, info, me.certificate);

  // The certificate info first, then the form with its defaults.
  await expect(page.getByTestId("record-certificate-number")).toHaveText(me.certificate);
  await expect(page.getByRole("heading", { name: "申请证书加注" })).toBeVisible();
  await expect(page.getByTestId("quota-left")).toContainText("还可申请 3 次");
  await expect(page.getByTestId("input-scenario")).toHaveValue("own_use");
  await expect(page.getByTestId("input-scenario").locator("option:checked")).toHaveText("本人调用");
  await expect(page.getByTestId("input-days")).toHaveValue("90");
  await expect(page.getByText("建议选择最长的 90 天")).toBeVisible();
  await expect(page.getByTestId("no-endorsements")).toBeVisible();

  // A marker on the window survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByTestId("input-days").fill("30");
  // The copy is often ready before the first poll (150 ms); the list's polls
  // are held until the generating state has been seen, then let through.
  let releasePolls = () => {};
  const pollsHeld = new Promise<void>((resolve) => (releasePolls = resolve));
  const listPolls = "**/api/endorsements";
  if (jsEnabled(info)) await page.route(listPolls, async (route) => pollsHeld.then(() => route.continue()));
  await page.getByTestId("apply-submit").click();

  const row = page.getByTestId("endorsement-row").first();
  if (jsEnabled(info)) {
    // The answer is shown at once as generating, then the page polls until ready.
    await expect(row).toHaveAttribute("data-phase", "generating");
    await expect(row.getByTestId("endorsement-phase")).toHaveText("证书生成中…");
    await expect(row.getByTestId("generating-hint")).toBeVisible();
    releasePolls();
    await page.unroute(listPolls);
    await expect(row).toHaveAttribute("data-phase", "valid", { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  } else {
    // Without JavaScript the form posts and comes back here; while the copy
    // is being made the page reloads itself (页面会自动更新), no reload by hand.
    await expect(page).toHaveURL(/\/certificates\/\d+\/download$/);
    await expect(row.getByTestId("endorsement-phase")).toHaveText(/证书生成中…|有效/);
    await expect(row).toHaveAttribute("data-phase", "valid", { timeout: 10_000 });
  }
  await expect(row.getByTestId("endorsement-phase")).toHaveText("有效");
  const number = await row.getAttribute("data-endorsement-number");
  expect(number).toMatch(/^JZ\d{8}[0-9A-Z]{12}$/);
  await expect(page.getByTestId("quota-left")).toContainText("还可申请 2 次");

  // 查看 opens the PDF inline in a new tab.
  const viewHref = await row.getByTestId("endorsement-view").getAttribute("href");
  await expect(row.getByTestId("endorsement-view")).toHaveAttribute("target", "_blank");
  const inline = await page.request.get(viewHref!);
  expect(inline.status()).toBe(200);
  expect(inline.headers()["content-type"]).toBe("application/pdf");
  expect(inline.headers()["content-disposition"]).toMatch(/^inline/);

  // 下载 saves <certificate no>-<endorsement no>.pdf, which poppler verifies.
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("endorsement-download").click()]);
  expect(download.suggestedFilename()).toBe(`${me.certificate}-${number}.pdf`);
  const path = info.outputPath("copy.pdf");
  await download.saveAs(path);
  const sig = pdfsig(path);
  expect(sig).toContain("Signature is Valid.");
  expect(sig).toContain("Total document signed");
  const text = execFileSync("pdftotext", [path, "-"], { encoding: "utf8" });
  for (const expected of [me.name, me.qualification, me.certificate, number!, "本人调用"]) {
    expect(text).toContain(expected);
  }

  // The list shows the copy as valid.
  await open(page, info, "/certificates");
  const listRow = page.locator(`[data-testid=certificate-row][data-certificate-number="${me.certificate}"]`);
  await expect(listRow.getByTestId("endorsement-state")).toHaveText(/^有效期至 \d{4}-\d{2}-\d{2}$/);

  // Two more use up the quota; the 4th is refused with the day a slot frees.
  await openDownloadPage(page, info, me.certificate);
  for (const left of [1, 0]) {
    await page.getByTestId("apply-submit").click();
    if (left > 0) {
      await expect(page.getByTestId("quota-left")).toContainText(`还可申请 ${left} 次`);
    } else {
      await expect(page.getByTestId("quota-none")).toContainText("3 次加注已用完");
    }
  }
  await expect(page.getByTestId("endorsement-row")).toHaveCount(3);
  await page.getByTestId("apply-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("已达上限");
  await expect(page.getByTestId("form-error")).toContainText(/\d{4}-\d{2}-\d{2} 起可再次申请/);
  await expect(page.getByTestId("endorsement-row")).toHaveCount(3);
});

test("a bad validity is refused at its field and the value is kept", async ({ page }, info) => {
  // The validity is checked before the quota, so this works whatever is left of it.
  const me = mine[side(info)];
  await logIn(page, info, me.username);
  await openDownloadPage(page, info, me.certificate);
  const rows = await page.getByTestId("endorsement-row").count();
  for (const days of ["91", "0", "abc"]) {
    // The browser's own number check would stop the form first; the server must hold without it.
    await page.getByTestId("input-days").evaluate((el, v) => {
      (el as HTMLInputElement).type = "text";
      (el as HTMLInputElement).removeAttribute("min");
      (el as HTMLInputElement).removeAttribute("max");
      (el as HTMLInputElement).value = v;
    }, days);
    await page.getByTestId("apply-submit").click();
    await expect(page.getByTestId("error-days")).toContainText("1");
    await expect(page.getByTestId("error-days")).toContainText("90");
    if (jsEnabled(info)) {
      await expect(page.getByTestId("input-days")).toHaveValue(days);
    } else {
      // The page comes back with the typed value (a number input shows "abc" as empty).
      await expect(page.getByTestId("input-days")).toHaveAttribute("value", days);
    }
  }
  await expect(page.getByTestId("endorsement-row")).toHaveCount(rows);
});

test("an expired copy shows 加注件已过期 and offers no file", async ({ page }, info) => {
  await logIn(page, info, "lisi");
  const listRow = page.locator('[data-testid=certificate-row][data-certificate-number="0401202401100008"]');
  await expect(listRow.getByTestId("endorsement-state")).toHaveText("加注件已过期");
  await openDownloadPage(page, info, "0401202401100008");
  const row = page.getByTestId("endorsement-row");
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-phase", "expired");
  await expect(row.getByTestId("endorsement-phase")).toHaveText("加注件已过期");
  await expect(row.getByTestId("expired-hint")).toHaveText("请重新申请加注。");
  await expect(row.getByTestId("endorsement-view")).toHaveCount(0);
  await expect(row.getByTestId("endorsement-download")).toHaveCount(0);
  await expect(page.getByTestId("apply-form")).toBeVisible();
  // Asking for the file anyway: back to the page with the reason, never the file.
  const id = await row.getAttribute("data-endorsement-id");
  const response = await page.goto(`/api/endorsement_file?id=${id}&download=true`);
  expect(response?.headers()["content-type"] ?? "").not.toContain("application/pdf");
  await expect(page).toHaveURL(/\/certificates\/\d+\/download$/);
  await expect(page.getByTestId("file-refusal")).toContainText("加注件已过期");
});

test("a certificate from before 2021-12-17 downloads directly, signed", async ({ page }, info) => {
  await logIn(page, info, "zhangsan");
  const listRow = page.locator('[data-testid=certificate-row][data-certificate-number="0501201911200017"]');
  await expect(listRow.getByTestId("endorsement-state")).toHaveText("无需加注");
  await openDownloadPage(page, info, "0501201911200017");
  await expect(page.getByTestId("apply-form")).toHaveCount(0);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("certificate-file-download").click(),
  ]);
  expect(download.suggestedFilename()).toBe("0501201911200017.pdf");
  const path = info.outputPath("legacy.pdf");
  await download.saveAs(path);
  const sig = pdfsig(path);
  expect(sig).toContain("Signature is Valid.");
  expect(sig).toContain("Total document signed");
  const text = execFileSync("pdftotext", [path, "-"], { encoding: "utf8" });
  expect(text).toContain("经济专业技术资格");
  expect(text).not.toContain("加注编号");
});

test("a revoked certificate shows its status and offers nothing", async ({ page }, info) => {
  await logIn(page, info, "zhangsan");
  const listRow = page.locator('[data-testid=certificate-row][data-certificate-number="0601202306300042"]');
  await expect(listRow.getByTestId("certificate-status")).toHaveText("已撤销");
  await expect(listRow.getByTestId("certificate-download")).toHaveCount(0);
  await listRow.getByTestId("certificate-info").click();
  await expect(page).toHaveURL(/\/certificates\/(\d+)$/);
  const id = page.url().match(/\/certificates\/(\d+)$/)![1];
  await open(page, info, `/certificates/${id}/download`);
  await expect(page.getByTestId("revoked-notice")).toContainText("证书已撤销");
  await expect(page.getByTestId("apply-form")).toHaveCount(0);
  await expect(page.getByTestId("endorsement-download")).toHaveCount(0);
  // The direct file link is refused with the reason, not served.
  const response = await page.goto(`/api/certificate_file?id=${id}&download=true`);
  expect(response?.headers()["content-type"] ?? "").not.toContain("application/pdf");
  await expect(page.getByTestId("file-refusal")).toContainText("撤销");
});

test("the help page answers the common questions and gives the contact", async ({ page }, info) => {
  await logIn(page, info, "zhangsan");
  await openDownloadPage(page, info, "0301202203150001");
  await page.getByTestId("help-link").click();
  await expect(page).toHaveURL(/\/help$/);
  await expect(page.getByRole("heading", { name: "常见问题" })).toBeVisible();
  const faq = page.getByTestId("faq");
  for (const q of ["证书生成中…", "加注件已过期", "加注几次", "不需要加注", "查验"]) {
    await expect(faq).toContainText(q);
  }
  await expect(page.getByTestId("support-contact")).toContainText("400-000-0000");
});
