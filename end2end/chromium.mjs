// How every Playwright run here starts Debian's Chromium: the test
// journeys (playwright.config.ts), the paint timings of the benchmark
// (perf/paint.mjs) and the README screenshots (screenshots.mjs).
export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
