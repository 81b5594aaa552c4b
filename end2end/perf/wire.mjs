// What a first visitor's browser receives, in Debian Chromium through the
// DevTools protocol: every response's bytes on the wire (headers and body
// as sent, with the compression the server really chose), cold and warm,
// paint times under "slow 4G" (1.6 Mb/s down, 750 kb/s up, 150 ms RTT), and
// the single-page app's navigations (bytes, click to painted page).
// Used by the benchmark runner (bench/src/scenarios/wire.rs):
//   node perf/wire.mjs <base URL> <ecert_session cookie value> <QR page path>
// The cookie is a holder's who has accepted the terms. Prints one JSON object.
import { chromium } from "@playwright/test";
import { launchOptions } from "../chromium.mjs";

const [base, session, qrPath] = process.argv.slice(2);
const SLOW_4G = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1000 * 1000) / 8,
  uploadThroughput: (750 * 1000) / 8,
};

const browser = await chromium.launch(launchOptions);

/** A fresh browser context (an empty cache), signed in when `signedIn`. */
async function freshContext(signedIn) {
  const context = await browser.newContext();
  if (signedIn) await context.addCookies([{ name: "ecert_session", value: session, url: base }]);
  // Paint and hydration moments, relative to the navigation's start.
  await context.addInitScript(() => {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__lcpAt = entry.startTime;
    }).observe({ type: "largest-contentful-paint", buffered: true });
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute("data-hydrated")) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  return context;
}

/** A page whose every response is recorded: url, type, encoding, bytes on the wire. */
async function recordedPage(context, network) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  if (network) await cdp.send("Network.emulateNetworkConditions", network);
  const responses = new Map();
  cdp.on("Network.responseReceived", ({ requestId, type, response }) => {
    responses.set(requestId, {
      url: response.url.replace(base, ""),
      type,
      encoding: response.headers["content-encoding"] ?? response.headers["Content-Encoding"] ?? "",
      cache: response.fromDiskCache || response.fromPrefetchCache ? "cache" : "",
      bytes: 0,
    });
  });
  cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => {
    const r = responses.get(requestId);
    if (r) r.bytes = encodedDataLength;
  });
  const take = () => {
    const list = [...responses.values()];
    responses.clear();
    return {
      total: list.reduce((sum, r) => sum + r.bytes, 0),
      document: list.filter((r) => r.type === "Document").reduce((sum, r) => sum + r.bytes, 0),
      wasm: list.some((r) => r.url.includes(".wasm")),
      module: list.some((r) => r.url.endsWith(".js")),
      responses: list,
    };
  };
  return { page, take };
}

async function settle(page, hydrates) {
  await page.waitForLoadState("networkidle");
  if (hydrates) await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 20_000 });
}

async function cold(path, signedIn, hydrates) {
  const context = await freshContext(signedIn);
  const { page, take } = await recordedPage(context);
  const response = await page.goto(base + path);
  if (!response.ok()) throw new Error(`${path}: ${response.status()}`);
  await settle(page, hydrates);
  const result = take();
  return { context, page, take, result };
}

/** The holder's clicks through the single-page app, in order: name, link. */
const SPA_CLICKS = [
  ["证书信息", "[data-testid=certificate-info]"],
  ["证书下载", "nav a[href='/certificates']"],
  ["下载", "[data-testid=certificate-download]"],
  ["账户安全", "nav a[href='/account']"],
  ["证书查验", "nav a[href='/verify']"],
];

/** Clicks `link` and waits until a new page's <h1> has been painted; milliseconds. */
async function clickToPaint(page, link) {
  const documents = [];
  const onRequest = (r) => r.resourceType() === "document" && documents.push(r.url());
  page.on("request", onRequest);
  const ms = await page.evaluate(async (selector) => {
    const before = document.querySelector("main h1");
    const started = performance.now();
    document.querySelector(selector).click();
    await new Promise((arrived, failed) => {
      const check = () => {
        const heading = document.querySelector("main h1");
        if (heading && heading !== before && document.activeElement === heading) arrived();
        else if (performance.now() - started > 10_000) failed(new Error(`${selector}: no new page within 10 s`));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
    await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
    return performance.now() - started;
  }, link);
  await page.waitForLoadState("networkidle");
  page.off("request", onRequest);
  if (documents.length > 0) throw new Error(`${link}: a document request (${documents.join(", ")})`);
  return ms;
}

/**
 * A page load of `url`, timed in the page: from the navigation's start to
 * its heading painted (not to the load event; the WASM is compiled after
 * that, when the browser is idle).
 */
async function pageLoadToPaint(page, url) {
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(() => document.querySelector("main h1") !== null);
  return page.evaluate(() => new Promise((painted) => requestAnimationFrame(() => setTimeout(() => painted(performance.now()), 0))));
}

const out = {};
// A certificate's download page, as the single-page app reached it.
let downloadPath;
{
  const { context, result } = await cold(qrPath, false, false);
  out.qr_cold = result;
  await context.close();
}
{
  const { context, result } = await cold("/login", false, false);
  out.login_cold = result;
  await context.close();
}
{
  const { context, page, take, result } = await cold("/certificates", true, true);
  out.list_cold = result;
  // A reload with the cache warm: the document is fetched again; every
  // asset should come from the cache without a request.
  await page.reload();
  await settle(page, true);
  out.list_warm = take();
  // Through the single-page app, as a holder clicks: each navigation's
  // bytes (no document, no new client code), and the time from the click
  // to the new page's heading painted.
  out.spa = [];
  for (const [name, link] of SPA_CLICKS) {
    const ms = await clickToPaint(page, link);
    out.spa.push({ name, ms, ...take() });
    if (name === "下载") downloadPath = new URL(page.url()).pathname;
  }
  // The same page as a page load, warm cache: from the request to its heading painted.
  const infoPath = new URL(page.url()).pathname.replace(/\/download$/, "");
  out.page_load_warm_ms = await pageLoadToPaint(page, base + infoPath);
  take();
  await context.close();
}
{
  // The download page opened directly: the client and its lazy island's chunk.
  const { context, result } = await cold(downloadPath, true, true);
  out.download_cold = result;
  await context.close();
}
{
  // One navigation under slow 4G, against the page load it replaces.
  const context = await freshContext(true);
  const { page, take } = await recordedPage(context, SLOW_4G);
  await page.goto(base + "/certificates");
  await settle(page, true);
  out.spa_slow4g_ms = await clickToPaint(page, SPA_CLICKS[0][1]);
  const infoPath = new URL(page.url()).pathname;
  await page.goto(base + "/certificates");
  await settle(page, true);
  out.page_load_slow4g_ms = await pageLoadToPaint(page, base + infoPath);
  take();
  await context.close();
}
{
  const context = await freshContext(false);
  const { page } = await recordedPage(context, SLOW_4G);
  await page.goto(base + qrPath);
  await page.waitForLoadState("networkidle");
  // LCP is final once the page has been idle; give it a frame to report.
  await page.waitForTimeout(200);
  out.qr_lcp_slow4g_ms = await page.evaluate(() => window.__lcpAt);
  await context.close();
}
{
  const context = await freshContext(true);
  const { page } = await recordedPage(context, SLOW_4G);
  await page.goto(base + "/certificates");
  await settle(page, true);
  out.list_hydrated_slow4g_ms = await page.evaluate(() => window.__hydratedAt);
  await context.close();
}
await browser.close();
console.log(JSON.stringify(out));
