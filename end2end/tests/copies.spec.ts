import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Browser, expect, Page, test, TestInfo } from "@playwright/test";
import { jsEnabled, logIn, open, islandsHydrated } from "./helpers";

// What a holder does with a copy after it is made: sees who checked it
// (查验记录, checked by a second browser), withdraws it (撤回加注), and is
// told when one is about to end (即将到期, 再次申请). 孙八's certificates are
// used by these journeys only: his 执业药师 gets a copy per project, his
// 一级造价工程师 has a seeded copy ending in 3 days.
const SUNBA = "sunba";
const FOR_CHECKS = "0401202502180063";
const ENDING_SOON = "0601202404160051";

/** Today in Asia/Shanghai, plus `days`, as YYYY-MM-DD. */
function shanghaiDay(days = 0): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date(Date.now() + days * 86_400_000));
}

async function openDownloadPage(page: Page, info: TestInfo, number: string) {
  await open(page, info, "/certificates");
  await page.locator(`[data-testid=certificate-row][data-certificate-number="${number}"]`).getByTestId("certificate-download").click();
  await expect(page).toHaveURL(/\/certificates\/\d+\/download$/);
  await islandsHydrated(page, info);
}

/** Waits until the row is no longer generating: by the page's polling, or by reloading without JavaScript. */
async function untilMade(page: Page, info: TestInfo, row: ReturnType<Page["locator"]>) {
  if (jsEnabled(info)) {
    await expect(row).toHaveAttribute("data-phase", "valid", { timeout: 10_000 });
    return;
  }
  for (let i = 0; i < 40 && (await row.getAttribute("data-phase")) !== "valid"; i++) {
    await page.waitForTimeout(250);
    await page.reload();
  }
  await expect(row).toHaveAttribute("data-phase", "valid");
}

/**
 * What Digital Bazaar's verifier (end2end/vc/verify.mjs, offline) says of a
 * credential, given the seal's DID document and our context as files.
 */
function independentVerifier(credential: string, did: string, context: string): { verified: boolean; output: string } {
  try {
    const output = execFileSync("node", [join(__dirname, "..", "vc", "verify.mjs"), credential, did, context], { encoding: "utf8" });
    return { verified: true, output };
  } catch (e) {
    return { verified: false, output: String((e as { stdout?: string }).stdout ?? e) };
  }
}

/** A verifier with no account, in a browser of their own. */
/**
 * scripts/tools/check_ofd.py on a downloaded OFD copy: gmssl verifies its
 * SM2 seal against this server's SM2 root, easyofd renders it and finds
 * `expected`, zbarimg reads `url` from the render.
 */
function checkOfd(path: string, info: TestInfo, url: string, expected: string[]): { ok: boolean; output: string } {
  const dataDir = info.project.name === "postgres" ? ".data-postgres" : ".data";
  const root = join(__dirname, "..", dataDir, "keys", "sm2", "ca", "root.crt.pem");
  const tools = join(__dirname, "..", "..", "scripts", "tools");
  try {
    const output = execFileSync(join(tools, ".venv", "bin", "python"), [join(tools, "check_ofd.py"), path, root, url, ...expected], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { ok: true, output };
  } catch (e: any) {
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** 证书查验's upload of `path` (with JavaScript, choosing the file submits it). */
async function uploadFile(page: Page, info: TestInfo, path: string) {
  await open(page, info, "/verify");
  await page.getByTestId("input-file").setInputFiles(path);
  if (!jsEnabled(info)) await page.getByTestId("upload-submit").click();
  await expect(page).toHaveURL(/\/verify\/result\/[0-9a-f]{32}$/);
}

async function verifier(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({ baseURL: info.project.use.baseURL });
  return context.newPage();
}

test("a check from another browser appears in 查验记录; 撤回加注 after confirming, and the QR page says withdrawn", async ({ page, browser }, info) => {
  await logIn(page, info, SUNBA);
  await openDownloadPage(page, info, FOR_CHECKS);
  await page.getByTestId("input-days").fill("30");
  await page.getByTestId("apply-submit").click();
  const row = page.getByTestId("endorsement-row").first();
  await untilMade(page, info, row);
  const number = (await row.getAttribute("data-endorsement-number"))!;
  await expect(row.getByTestId("checks-count")).toHaveAttribute("data-count", "0");

  // The copy's 电子凭证: an independent verifier accepts it offline, and not once changed.
  const [download] = await Promise.all([page.waitForEvent("download"), row.getByTestId("endorsement-credential").click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`-${number}\\.vc\\.json$`));
  const credentialPath = info.outputPath("copy.vc.json");
  await download.saveAs(credentialPath);
  const credential = JSON.parse(readFileSync(credentialPath, "utf8"));
  expect(credential.credentialSubject.endorsementNumber).toBe(number);
  const seal = String(credential.issuer.id).split(":").pop();
  const didPath = info.outputPath("did.json");
  const contextPath = info.outputPath("context.json");
  writeFileSync(didPath, await (await page.request.get(`/seals/${seal}/did.json`)).text());
  writeFileSync(contextPath, await (await page.request.get("/ns/credentials/v1")).text());
  const accepted = independentVerifier(credentialPath, didPath, contextPath);
  expect(accepted.output).toMatch(/^verified$/m);
  expect(accepted.verified, accepted.output).toBe(true);
  const tamperedPath = info.outputPath("tampered.vc.json");
  writeFileSync(tamperedPath, JSON.stringify({ ...credential, validUntil: "2099-12-31T23:59:59+08:00" }));
  const refused = independentVerifier(tamperedPath, didPath, contextPath);
  expect(refused.verified, refused.output).toBe(false);
  expect(refused.output).toContain("NOT verified");

  // 下载 OFD: the national format, sealed with SM2; independent tools open, read and verify it.
  const [ofd] = await Promise.all([page.waitForEvent("download"), row.getByTestId("endorsement-ofd").click()]);
  expect(ofd.suggestedFilename()).toBe(`${FOR_CHECKS}-${number}.ofd`);
  const ofdPath = info.outputPath("copy.ofd");
  await ofd.saveAs(ofdPath);
  const checked = checkOfd(ofdPath, info, `${info.project.use.baseURL}/v/${number}`, ["孙八", FOR_CHECKS, number]);
  expect(checked.ok, checked.output).toBe(true);
  const flipped = readFileSync(ofdPath);
  flipped[Math.floor(flipped.length / 2)] ^= 0x01;
  const tamperedOfd = info.outputPath("tampered.ofd");
  writeFileSync(tamperedOfd, flipped);
  expect(checkOfd(tamperedOfd, info, `${info.project.use.baseURL}/v/${number}`, []).ok).toBe(false);

  // Someone pastes the credential on 证书查验, then checks the copy through its QR address.
  const other = await verifier(browser, info);
  // (The changed OFD first: 证书查验 refuses it.)
  await uploadFile(other, info, tamperedOfd);
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "invalid");
  await other.goto("/verify");
  await other.getByTestId("input-credential").fill(readFileSync(credentialPath, "utf8"));
  await other.getByTestId("credential-submit").click();
  await expect(other).toHaveURL(/\/verify\/result\/[0-9a-f]{32}$/);
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "valid");
  await expect(other.getByTestId("credential-proof-valid")).toHaveAttribute("data-value", "true");
  await other.goto(`/v/${number}`);
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "valid");

  // The holder sees both: on the list as a count, in the details newest first.
  await page.reload();
  await expect(row.getByTestId("checks-count")).toHaveText("被查验 2 次");
  const endorsementId = await row.getAttribute("data-endorsement-id");
  await row.getByTestId("endorsement-details").click();
  await expect(page).toHaveURL(/\/certificates\/\d+\/endorsements\/\d+$/);
  await expect(page.getByRole("heading", { name: "加注件详情" })).toBeVisible();
  await expect(page.getByTestId("detail-number")).toHaveText(number);
  // The same ways to take the copy as on its row.
  await expect(page.getByTestId("endorsement-download")).toHaveAttribute("href", `/api/endorsement_file?id=${endorsementId}&download=true`);
  await expect(page.getByTestId("endorsement-credential")).toHaveAttribute("href", `/api/endorsement_credential?id=${endorsementId}`);
  await expect(page.getByTestId("endorsement-ofd")).toHaveAttribute("href", `/api/endorsement_ofd?id=${endorsementId}`);
  const checks = page.getByTestId("check");
  await expect(checks).toHaveCount(2);
  await expect(checks.nth(0)).toHaveAttribute("data-method", "endorsement");
  await expect(checks.nth(0)).toContainText("加注编号或二维码");
  await expect(checks.nth(0)).toContainText("证书有效");
  await expect(checks.nth(1)).toHaveAttribute("data-method", "credential");
  await expect(checks.nth(1)).toContainText("电子凭证");
  // The verifier's network, never their address.
  await expect(checks.nth(0).getByTestId("check-origin")).toHaveText("127.0.0.0/24");

  // 撤回加注 says what it costs, and needs the box ticked.
  await expect(page.getByTestId("cancel-lead")).toContainText("撤回不退还加注次数");
  await page.getByTestId("cancel-submit").click();
  await expect(page.getByTestId("error-confirm")).toHaveText("请先勾选确认，再撤回加注。");
  await expect(page.getByTestId("endorsement-record")).toHaveAttribute("data-phase", "valid");
  await page.getByTestId("cancel-confirm").check();
  await page.getByTestId("cancel-submit").click();
  await expect(page.getByTestId("cancelled-notice")).toContainText("撤回");
  await expect(page.getByTestId("detail-phase")).toHaveText("已撤回");
  await expect(page.getByTestId("cancel-form")).toHaveCount(0);
  await expect(page.getByTestId("endorsement-credential")).toHaveCount(0);
  await expect(page.getByTestId("endorsement-ofd")).toHaveCount(0);
  // The log stays with the record.
  await expect(page.getByTestId("check")).toHaveCount(2);

  // At once, the same QR address says it was withdrawn, and when.
  await other.reload();
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "cancelled");
  await expect(other.getByTestId("verdict-outcome")).toHaveText("加注件已撤回");
  await expect(other.getByTestId("verdict-standing")).toHaveText("已由持证人撤回");
  await expect(other.getByTestId("verdict-cancelled-at")).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  // So does the credential, uploaded as a file: its signature still holds, the register says withdrawn.
  await other.goto("/verify");
  await other.getByTestId("input-credential-file").setInputFiles(credentialPath);
  await other.getByTestId("credential-submit").click();
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "cancelled");
  // And the OFD copy uploaded on 证书查验: its seal holds, the register says withdrawn.
  await uploadFile(other, info, ofdPath);
  await expect(other.getByTestId("verdict")).toHaveAttribute("data-outcome", "cancelled");
  await other.context().close();

  // Back on the list: withdrawn, no file, and the application still counts.
  await page.getByTestId("back-to-download").click();
  const withdrawn = page.locator(`[data-testid=endorsement-row][data-endorsement-number="${number}"]`);
  await expect(withdrawn).toHaveAttribute("data-phase", "cancelled");
  await expect(withdrawn.getByTestId("endorsement-phase")).toHaveText("已撤回");
  await expect(withdrawn.getByTestId("endorsement-download")).toHaveCount(0);
  await expect(withdrawn.getByTestId("checks-count")).toHaveText("被查验 5 次");
});

test("a copy ending in 3 days is marked 即将到期, and 再次申请 applies with the same scenario", async ({ page }, info) => {
  await logIn(page, info, SUNBA);
  await openDownloadPage(page, info, ENDING_SOON);
  const ending = page.locator("[data-testid=endorsement-row][data-phase=valid]").filter({ has: page.getByTestId("ends-soon") });
  await expect(ending).toHaveCount(1);
  await expect(ending.getByTestId("ends-soon")).toHaveText(`${shanghaiDay(2)} 到期`);
  const before = await page.getByTestId("endorsement-row").count();

  await ending.getByTestId("endorsement-reapply").click();
  const rows = page.getByTestId("endorsement-row");
  await expect(rows).toHaveCount(before + 1);
  const fresh = rows.first();
  await untilMade(page, info, fresh);
  await expect(fresh).toContainText("本人调用");
  // The default 90 days, from today.
  await expect(fresh).toContainText(`${shanghaiDay()} 至 ${shanghaiDay(89)}`);
  await expect(fresh.getByTestId("ends-soon")).toHaveCount(0);
});
