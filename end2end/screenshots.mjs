// Regenerates docs/screenshots/*.png from a running server (default
// http://127.0.0.1:3000 with fresh demo data and the demo administrator,
// as scripts/serve.sh makes them): node end2end/screenshots.mjs
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { chromium } from "@playwright/test";
import { launchOptions } from "./chromium.mjs";

const base = process.env.ECERT_URL ?? "http://127.0.0.1:3000";
const out = new URL("../docs/screenshots/", import.meta.url).pathname;
const browser = await chromium.launch(launchOptions);
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const shot = (name) => page.screenshot({ path: `${out}${name}.png`, fullPage: true });
// A page is ready when every island on it runs (each marks itself
// data-hydrated); pages without an island are ready when loaded.
const islandsRun = (p) => p.waitForFunction(() => document.querySelector("leptos-island:not([data-hydrated])") === null);
const hydrated = () => islandsRun(page);

await page.goto(`${base}/login`); await hydrated();
await shot("login");
await page.goto(`${base}/register`); await hydrated();
await page.getByTestId("input-username").fill("zhangsan");
await page.getByTestId("input-password").fill("short");
await page.getByTestId("input-password_confirm").fill("short");
await page.getByTestId("input-real_name").fill("张三");
await page.getByTestId("input-id_number").fill("110105198503150011");
await page.getByTestId("register-submit").click();
await page.getByTestId("form-error").waitFor();
await shot("register-errors");
await page.goto(`${base}/login`); await hydrated();
await page.getByTestId("input-username").fill("zhangsan");
await page.getByTestId("input-password").fill("Ecert@2026");
await page.getByTestId("login-submit").click();
await page.waitForURL(/\/(terms|certificates)$/);
if (page.url().endsWith("/terms")) {
  await shot("terms");
  await page.getByTestId("terms-agree").click();
}
await page.waitForURL(/\/certificates$/);
await page.getByTestId("certificate-row").first().waitFor();
await shot("certificates");
await page.getByTestId("certificate-info").first().click();
await page.getByTestId("certificate-record").waitFor();
await shot("certificate-info");
await page.goto(`${base}/locale/en?back=/certificates`);
await page.getByTestId("certificate-row").first().waitFor();
await shot("certificates-en");
await page.goto(`${base}/locale/zh-CN?back=/certificates`);
await page.setViewportSize({ width: 390, height: 844 });
await page.getByTestId("certificate-row").first().waitFor();
await shot("certificates-mobile");

// 申请证书加注: the answer shows 证书生成中… at once, the page polls to 有效.
await page.setViewportSize({ width: 1280, height: 860 });
await page.locator('[data-certificate-number="0301202203150001"]').getByTestId("certificate-download").click();
await hydrated();
await page.getByTestId("apply-submit").click();
await page.locator('[data-testid=endorsement-row][data-phase=generating]').waitFor();
await shot("download-generating");
await page.locator('[data-testid=endorsement-row][data-phase=valid]').waitFor();
await shot("download-ready");
// The signed copy as a PDF reader shows it.
const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("endorsement-download").first().click()]);
const pdf = `${out}endorsed-copy.pdf`;
await download.saveAs(pdf);
execFileSync("pdftoppm", ["-png", "-r", "60", "-singlefile", pdf, `${out}endorsed-copy`]);

// 证书查验, as a third party: the page, an uploaded copy, a tampered one.
const verifier = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const vshot = (name) => verifier.screenshot({ path: `${out}${name}.png`, fullPage: true });
await verifier.goto(`${base}/verify`); await islandsRun(verifier);
await vshot("verify");
await verifier.getByTestId("input-file").setInputFiles(pdf);
await verifier.waitForURL(/\/verify\/result\//);
await verifier.getByTestId("verdict").waitFor();
await vshot("verify-upload-valid");
const tampered = `${out}tampered.pdf`;
const bytes = readFileSync(pdf);
bytes[Math.floor(bytes.length / 3)] ^= 1;
writeFileSync(tampered, bytes);
await verifier.goto(`${base}/verify`); await islandsRun(verifier);
await verifier.getByTestId("input-file").setInputFiles(tampered);
await verifier.waitForURL(/\/verify\/result\//);
await verifier.getByTestId("verdict").waitFor();
await vshot("verify-upload-tampered");
execFileSync("rm", [pdf, tampered]);

// The issuers' portal, as scripts/serve.sh's demo administrator.
const staff = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const sshot = (name) => staff.screenshot({ path: `${out}${name}.png`, fullPage: true });
await staff.goto(`${base}/admin/login`);
await staff.getByTestId("input-username").fill("admin");
await staff.getByTestId("input-password").fill("Ecert@2026");
await staff.getByTestId("staff-login-submit").click();
await staff.waitForURL(/\/admin$/);
const csv = `${out}import.csv`;
writeFileSync(csv, [
  "certificate_number,management_number,holder_name,id_type,id_number,qualification_code,specialty,issued_on",
  "0701202611250001,CH2026112500001,王五,护照,E98765432,0701,,2026-11-20",
  "0701202611250002,CH2026112500002,孙八,resident_id,110105198503150018,0701,,2026-11-20",
  "0701202611250003,CH2026112500003,周九,resident_id,110105199001010010,0799,,2026-11-20",
].join("\n") + "\n");
await staff.goto(`${base}/admin/import`);
await staff.getByTestId("import-file").setInputFiles(csv);
await staff.getByTestId("import-upload").click();
await staff.getByTestId("import-errors").waitFor();
await sshot("admin-import-errors");
execFileSync("rm", [csv]);
await staff.goto(`${base}/admin/certificates?number=0601202306300042`);
await staff.getByTestId("revocation-form").waitFor();
await sshot("admin-certificate");
await staff.goto(`${base}/admin/audit`);
await staff.getByTestId("audit-table").waitFor();
await sshot("admin-audit");
await staff.goto(`${base}/admin/keys`);
await staff.getByTestId("keys-table").waitFor();
await sshot("admin-keys");
await browser.close();
