// The two ways to a single-page app that issue 18 weighed, measured alike
// (docs/architecture.md, docs/performance.md "The single-page app"):
//   node perf/hydration-compare.mjs <base URL> <ecert_session cookie value>
// against the release server as built (the islands router), then against a
// build of whole-app hydration made in a throw-away worktree:
//   app/Cargo.toml: leptos and leptos_axum without "islands"/"islands-router";
//   frontend/src/lib.rs: leptos::mount::hydrate_body(app::App);
//   app/src/app.rs shell: <HydrationScripts options/> on every page;
//   #[island] / #[island(lazy)] → #[component]; server/src/router.rs: no
//   plain_pages layer (hydration needs the data after </html>).
// Per run: the list cold (bytes, WASM bytes, hydrated at), then a click to
// 证书信息 until its heading is painted; three runs on loopback, two under
// slow 4G. Prints one JSON object.
import { chromium } from "@playwright/test";
import { launchOptions } from "../chromium.mjs";
const [base, session] = process.argv.slice(2);
const SLOW_4G = { offline: false, latency: 150, downloadThroughput: (1.6e6) / 8, uploadThroughput: (750e3) / 8 };
const browser = await chromium.launch(launchOptions);
async function run(network) {
  const context = await browser.newContext();
  await context.addCookies([{ name: "ecert_session", value: session, url: base }]);
  await context.addInitScript(() => {
    new MutationObserver((_, o) => { if (document.body?.hasAttribute("data-hydrated")) { window.__hydratedAt = performance.now(); o.disconnect(); } })
      .observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  if (network) await cdp.send("Network.emulateNetworkConditions", network);
  const bytes = new Map(); const urls = new Map();
  cdp.on("Network.responseReceived", ({ requestId, response }) => urls.set(requestId, response.url));
  cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => bytes.set(requestId, encodedDataLength));
  await page.goto(base + "/certificates");
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 30000 });
  const hydrated = await page.evaluate(() => window.__hydratedAt);
  let total = 0, wasm = 0;
  for (const [id, b] of bytes) { total += b; if ((urls.get(id) || "").includes(".wasm")) wasm += b; }
  const docs = [];
  page.on("request", (r) => r.resourceType() === "document" && docs.push(r.url()));
  const ms = await page.evaluate(async () => {
    const started = performance.now();
    document.querySelector("[data-testid=certificate-info]").click();
    await new Promise((ok) => { const c = () => { const h = document.querySelector("main h1"); if (h && h.textContent.includes("证书信息")) ok(); else requestAnimationFrame(c); }; requestAnimationFrame(c); });
    await new Promise((p) => requestAnimationFrame(() => setTimeout(p, 0)));
    return performance.now() - started;
  });
  await context.close();
  return { total_kb: +(total / 1024).toFixed(1), wasm_kb: +(wasm / 1024).toFixed(1), hydrated_ms: Math.round(hydrated), click_ms: Math.round(ms), documents: docs.length };
}
const out = { loopback: [], slow4g: [] };
for (let i = 0; i < 3; i++) out.loopback.push(await run());
for (let i = 0; i < 2; i++) out.slow4g.push(await run(SLOW_4G));
await browser.close();
console.log(JSON.stringify(out));
