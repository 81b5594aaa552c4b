import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, side, logIn, open, islandsHydrated } from "./helpers";

// 证书查验 as a third party does it, with and without JavaScript: the QR
// code of a downloaded copy, uploading the copy (and a tampered one), the
// number + name pair, a revoked certificate and an expired copy.

const holder = {
  js: { username: "zhangsan", certificate: "0301202203150001" },
  nojs: { username: "lisi", certificate: "1101202208080025" },
};

/** A valid endorsed copy of the holder's certificate, saved to disk (applied for if there is none yet). */
async function downloadCopy(page: Page, info: TestInfo): Promise<{ path: string; number: string }> {
  const me = holder[side(info)];
  await logIn(page, info, me.username);
  await page.locator(`[data-testid=certificate-row][data-certificate-number="${me.certificate}"]`).getByTestId("certificate-download").click();
  await expect(page).toHaveURL(/\/certificates\/\d+\/download$/);
  await islandsHydrated(page, info);
  const valid = page.locator("[data-testid=endorsement-row][data-phase=valid]");
  if ((await valid.count()) === 0) {
    await page.getByTestId("apply-submit").click();
    for (let i = 0; i < 40 && (await valid.count()) === 0; i++) {
      await page.waitForTimeout(250);
      if (!jsEnabled(info)) {
        await page.reload();
      }
    }
  }
  const row = valid.first();
  const number = (await row.getAttribute("data-endorsement-number"))!;
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("endorsement-download").click()]);
  const path = info.outputPath("copy.pdf");
  await download.saveAs(path);
  return { path, number };
}

/** Uploads a file on 证书查验 and waits for the result page. */
async function upload(page: Page, info: TestInfo, path: string) {
  await open(page, info, "/verify");
  await page.getByTestId("input-file").setInputFiles(path);
  if (!jsEnabled(info)) {
    // With JavaScript choosing the file submits the form.
    await page.getByTestId("upload-submit").click();
  }
  await expect(page).toHaveURL(/\/verify\/result\/[0-9a-f]{32}$/);
}

test("a copy's QR code opens its verdict; the copy uploads as valid, a tampered copy does not", async ({ page }, info) => {
  const { path, number } = await downloadCopy(page, info);

  // The QR code, read from the rendered page as a phone would.
  const png = info.outputPath("page");
  execFileSync("pdftoppm", ["-r", "150", "-png", "-singlefile", path, png]);
  const url = execFileSync("zbarimg", ["-q", "--raw", `${png}.png`], { encoding: "utf8" }).trim();
  expect(url).toMatch(new RegExp(`/v/${number}$`));
  await page.goto(url);
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "valid");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("证书有效");
  await expect(page.getByTestId("verdict-detail")).toContainText("该加注件真实有效");
  await expect(page.getByTestId("verdict-endorsement-number")).toHaveText(number);
  await expect(page.getByTestId("verdict-id-number")).toHaveText(/^\S{4}\*+\S{4}$/);

  await upload(page, info, path);
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "valid");
  await expect(page.getByTestId("file-signature-valid")).toHaveAttribute("data-value", "true");
  await expect(page.getByTestId("file-covers")).toHaveAttribute("data-value", "true");
  await expect(page.getByTestId("file-trusted")).toHaveAttribute("data-value", "true");
  await expect(page.getByTestId("file-matches-record")).toHaveAttribute("data-value", "true");
  await expect(page.getByTestId("file-signer")).toContainText("专用章");
  await expect(page.getByTestId("verdict-endorsement-number")).toHaveText(number);

  // One byte changed inside the signed content.
  const bytes = readFileSync(path);
  bytes[Math.floor(bytes.length / 3)] ^= 0x01;
  const tampered = info.outputPath("tampered.pdf");
  writeFileSync(tampered, bytes);
  await upload(page, info, tampered);
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "invalid");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("文件验证未通过");
  await expect(page.getByTestId("file-problem")).toHaveText("文件内容在签名后被改动。");
  await expect(page.getByTestId("verdict-certificate")).toHaveCount(0);

  // Not a PDF at all.
  const text = info.outputPath("note.pdf");
  writeFileSync(text, "这不是证书");
  await upload(page, info, text);
  await expect(page.getByTestId("file-problem")).toHaveText("这不是 PDF 或 OFD 文件。");
});

test("number + name: a wrong pair is no match, a revoked certificate says revoked", async ({ page }, info) => {
  await open(page, info, "/verify");
  await expect(page.getByRole("heading", { name: "证书查验", exact: true })).toBeVisible();
  const check = async (number: string, name: string) => {
    await page.getByTestId("input-certificate_number").fill(number);
    await page.getByTestId("input-holder_name").fill(name);
    await page.getByTestId("certificate-submit").click();
  };

  await check("0301202203150001", "李四");
  if (!jsEnabled(info)) {
    await expect(page).toHaveURL(/\/verify\/result\/[0-9a-f]{32}$/);
  }
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "no_match");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("未查到相符的记录");
  await expect(page.getByTestId("verdict-certificate")).toHaveCount(0);

  await open(page, info, "/verify");
  await check("0601202306300042", "张三");
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "revoked");
  await expect(page.getByTestId("verdict-certificate-status")).toHaveText("已撤销");
  await expect(page.getByTestId("verdict-revoked-on")).toHaveText("2024-02-01");

  // A name of spaces passes the browser's check but not the server's; the number stays.
  await open(page, info, "/verify");
  await check("0301202203150001", "   ");
  await expect(page.getByTestId("error-holder_name")).toHaveText("此项为必填项。");
  await expect(page.getByTestId("input-certificate_number")).toHaveValue("0301202203150001");
});

test("an expired copy, checked by its endorsement number, says expired", async ({ page }, info) => {
  await logIn(page, info, "lisi");
  await page.locator('[data-testid=certificate-row][data-certificate-number="0401202401100008"]').getByTestId("certificate-download").click();
  const number = (await page.locator("[data-testid=endorsement-row][data-phase=expired]").first().getAttribute("data-endorsement-number"))!;

  await open(page, info, "/verify");
  await page.getByTestId("input-number").fill(` ${number.toLowerCase()} `);
  await page.getByTestId("endorsement-submit").click();
  await expect(page).toHaveURL(new RegExp(`/v/${number}$`));
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-outcome", "expired");
  await expect(page.getByTestId("verdict-outcome")).toHaveText("加注件已过期");
  await expect(page.getByTestId("verdict-standing")).toHaveText("已过期");
});
