// First contentful paint and hydration of 证书下载 (/certificates) for a
// signed-in holder, in Debian Chromium on loopback, each in a fresh
// browser context (cold cache). Used by the benchmark runner (bench/):
//   node perf/paint.mjs <base URL> <ecert_session cookie value> <runs>
// Prints {"fcp_ms_median":…, "fcp_ms_max":…, "hydrated_ms_median":…, "hydrated_ms_max":…}.
import { chromium } from "@playwright/test";
import { launchOptions } from "../chromium.mjs";

const [base, session, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const browser = await chromium.launch(launchOptions);

const fcp = [];
const hydrated = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  await context.addCookies([{ name: "ecert_session", value: session, url: base }]);
  // The first island to run sets data-hydrated on <body> (components/island.rs):
  // note the moment, relative to the navigation's start.
  // The first contentful paint may come after hydration (islands hydrate
  // at once): both are recorded as they happen.
  await context.addInitScript(() => {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntriesByName("first-contentful-paint")) window.__fcpAt = entry.startTime;
    }).observe({ type: "paint", buffered: true });
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute("data-hydrated")) {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
  const page = await context.newPage();
  const response = await page.goto(`${base}/certificates`);
  if (!response.ok() || !page.url().endsWith("/certificates")) {
    throw new Error(`/certificates: ${response.status()} at ${page.url()}`);
  }
  await page.waitForFunction(() => window.__hydratedAt !== undefined && window.__fcpAt !== undefined, null, {
    timeout: 10_000,
  });
  const times = await page.evaluate(() => ({ fcp: window.__fcpAt, hydrated: window.__hydratedAt }));
  fcp.push(times.fcp);
  hydrated.push(times.hydrated);
  await context.close();
}
await browser.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    fcp_ms_median: median(fcp),
    fcp_ms_max: Math.max(...fcp),
    hydrated_ms_median: median(hydrated),
    hydrated_ms_max: Math.max(...hydrated),
  }),
);
