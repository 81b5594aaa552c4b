import { expect, Page, test } from "@playwright/test";
import { jsEnabled, logIn, open, islandsHydrated } from "./helpers";

// The holder's area as a single-page app (docs/architecture.md, "Navigation"):
// with JavaScript, moving between its pages makes no document request; the
// title, focus, a live region and the scroll follow the page. Without
// JavaScript every link is a page load, and the other journeys show it.

/** Counts document requests (page loads) from now on. */
function documentLoads(page: Page): string[] {
  const loads: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "document") loads.push(r.url());
  });
  return loads;
}

/** After a navigation: the URL, the heading focused, the title and the announcement. */
async function arrivedAt(page: Page, url: RegExp, heading: string) {
  await expect(page).toHaveURL(url);
  const h1 = page.locator("main h1");
  await expect(h1).toHaveText(heading);
  await expect(h1).toBeFocused();
  await expect(page).toHaveTitle(new RegExp(`^${heading} · `));
  await expect(page.locator("#page-announcer")).toHaveText(new RegExp(`^${heading} · `));
}

test("the holder's pages change without a page load; back, forward and reload give the same page", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only: without it every link is a page load");
  await logIn(page, info, "zhangsan");
  await islandsHydrated(page, info);
  await expect(page).toHaveTitle(/^证书下载 · /);
  const loads = documentLoads(page);

  const row = page.locator("[data-testid=certificate-row][data-certificate-number='0301202203150001']");
  await row.getByTestId("certificate-info").click();
  await arrivedAt(page, /\/certificates\/\d+$/, "证书信息");
  const infoUrl = page.url();

  await page.goBack();
  await arrivedAt(page, /\/certificates$/, "证书下载");
  await expect(page.locator("nav a[href='/certificates']")).toHaveAttribute("aria-current", "page");
  await page.goForward();
  await arrivedAt(page, /\/certificates\/\d+$/, "证书信息");
  await page.goBack();

  // The download page's island runs: an application is made in the page.
  await row.getByTestId("certificate-download").click();
  await arrivedAt(page, /\/certificates\/\d+\/download$/, "证书下载");
  await expect(page.getByRole("heading", { name: "申请证书加注" })).toBeVisible();

  await page.locator("nav a[href='/account']").click();
  await arrivedAt(page, /\/account$/, "账户安全");
  // The navigation marks the new page's link only, as a page load would.
  await expect(page.locator("nav [aria-current]")).toHaveCount(1);
  await expect(page.locator("nav a[href='/account']")).toHaveAttribute("aria-current", "page");
  await page.locator("nav a[href='/verify']").click();
  await arrivedAt(page, /\/verify$/, "证书查验");
  expect(loads).toEqual([]);

  // A reload gives the same page, as a page load.
  await page.goto(infoUrl);
  await expect(page.locator("main h1")).toHaveText("证书信息");
  await expect(page).toHaveTitle(/^证书信息 · /);
  expect(loads).toEqual([infoUrl]);
});

test("scroll goes to the top on a new page and comes back on back", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only");
  await page.setViewportSize({ width: 390, height: 500 });
  await logIn(page, info, "zhangsan");
  await islandsHydrated(page, info);
  const loads = documentLoads(page);
  const row = page.locator("[data-testid=certificate-row]").last();
  await row.scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => scrollY);
  expect(scrolled).toBeGreaterThan(100);
  await row.getByTestId("certificate-info").click();
  await arrivedAt(page, /\/certificates\/\d+$/, "证书信息");
  expect(await page.evaluate(() => scrollY)).toBe(0);
  await page.goBack();
  await arrivedAt(page, /\/certificates$/, "证书下载");
  await expect.poll(() => page.evaluate(() => scrollY)).toBe(scrolled);
  expect(loads).toEqual([]);
});

test("leaving a page that polls stops its polling", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only: without JavaScript nothing polls");
  // 孙八's 执业药师 (copies.spec.ts gives it a copy per project; this is a third).
  await logIn(page, info, "sunba");
  await islandsHydrated(page, info);
  await page.locator("[data-testid=certificate-row][data-certificate-number='0401202502180063']").getByTestId("certificate-download").click();
  await arrivedAt(page, /\/download$/, "证书下载");
  // Every poll answers that the copy is still being made, so the page polls
  // (once a second) for as long as it is on screen.
  let polls = 0;
  await page.route("**/api/endorsements", async (route) => {
    polls += 1;
    const answer = await route.fetch();
    const body = (await answer.text()).replaceAll(/"phase":"\w+"/g, '"phase":"generating"');
    await route.fulfill({ response: answer, body });
  });
  await page.getByTestId("apply-submit").click();
  await expect(page.getByTestId("endorsement-row").first()).toHaveAttribute("data-phase", "generating");
  await expect.poll(() => polls, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);

  await page.locator("nav a[href='/account']").click();
  await arrivedAt(page, /\/account$/, "账户安全");
  const left = polls;
  await page.waitForTimeout(3_000);
  expect(polls - left).toBeLessThanOrEqual(1); // at most the one already on its way
  await page.waitForTimeout(1_500);
  const settled = polls;
  await page.waitForTimeout(2_500);
  expect(polls).toBe(settled);
});

test("pages outside the holder's area, PDFs and the language switch still load as pages", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only");
  await logIn(page, info, "zhangsan");
  const loads = documentLoads(page);
  await page.getByTestId("lang-switch").click();
  await expect(page.locator("main h1")).toHaveText("My certificates");
  expect(loads.length).toBeGreaterThan(0);
  await page.getByTestId("lang-switch").click();
  await expect(page.locator("main h1")).toHaveText("证书下载");
  await open(page, info, "/certificates");
});
