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

// 孙八's 执业药师: copies.spec.ts gives it a copy per project, this journey a third.
const SUNBA = "sunba";
const CERTIFICATE = "0401202502180063";

test("list → 证书信息 → back → 下载 → apply → 证书生成中… → ready → 加注件详情 → 账户安全 → back/forward: no page load", async ({
  page,
}, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only: without it every link is a page load, as the other journeys show");
  await logIn(page, info, SUNBA);
  await islandsHydrated(page, info);
  await expect(page).toHaveTitle(/^证书下载 · /);
  const loads = documentLoads(page);
  const row = page.locator(`[data-testid=certificate-row][data-certificate-number='${CERTIFICATE}']`);

  await row.getByTestId("certificate-info").click();
  await arrivedAt(page, /\/certificates\/\d+$/, "证书信息");
  await page.goBack();
  await arrivedAt(page, /\/certificates$/, "证书下载");
  await expect(page.locator("nav a[href='/certificates']")).toHaveAttribute("aria-current", "page");

  await row.getByTestId("certificate-download").click();
  await arrivedAt(page, /\/certificates\/\d+\/download$/, "证书下载");
  await islandsHydrated(page, info); // the island's code is a chunk, fetched now
  const download = page.url();

  // Apply. The polls are answered "still being made" for as long as the
  // test wants, so it can leave while the copy is generating.
  let polls = 0;
  let generating = true;
  await page.route("**/api/endorsements", async (route) => {
    polls += 1;
    const answer = await route.fetch();
    const body = await answer.text();
    await route.fulfill({ response: answer, body: generating ? body.replaceAll(/"phase":"\w+"/g, '"phase":"generating"') : body });
  });
  await page.getByTestId("apply-submit").click();
  const applied = page.getByTestId("endorsement-row").first();
  await expect(applied).toHaveAttribute("data-phase", "generating");
  await expect(applied.getByTestId("endorsement-phase")).toHaveText("证书生成中…");
  await expect.poll(() => polls, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);

  // Leaving the page while it generates: its polling stops.
  await page.locator("nav a[href='/account']").click();
  await arrivedAt(page, /\/account$/, "账户安全");
  await expect(page.locator("nav [aria-current]")).toHaveCount(1);
  await expect(page.locator("nav a[href='/account']")).toHaveAttribute("aria-current", "page");
  const left = polls;
  await page.waitForTimeout(3_000);
  expect(polls - left, "at most the poll already on its way").toBeLessThanOrEqual(1);
  const settled = polls;
  await page.waitForTimeout(2_500);
  expect(polls, "no poll after leaving").toBe(settled);

  // Back on the download page, the copy is ready (the answers are the server's again).
  generating = false;
  await page.goBack();
  await arrivedAt(page, /\/certificates\/\d+\/download$/, "证书下载");
  expect(page.url()).toBe(download);
  await islandsHydrated(page, info);
  await expect(applied).toHaveAttribute("data-phase", "valid");

  await applied.getByTestId("endorsement-details").click();
  await arrivedAt(page, /\/certificates\/\d+\/endorsements\/\d+$/, "加注件详情");
  await expect(page.getByTestId("endorsement-record")).toHaveAttribute("data-phase", "valid");
  await expect(page.getByTestId("checks-none")).toBeVisible(); // 查验记录
  const detail = page.url();

  await page.locator("nav a[href='/account']").click();
  await arrivedAt(page, /\/account$/, "账户安全");
  await page.goBack();
  await arrivedAt(page, /\/endorsements\/\d+$/, "加注件详情");
  await page.goForward();
  await arrivedAt(page, /\/account$/, "账户安全");
  await page.locator("nav a[href='/verify']").click();
  await arrivedAt(page, /\/verify$/, "证书查验");
  expect(loads, "no document request after the first load").toEqual([]);

  // A reload gives the same page, as a page load.
  await page.goto(detail);
  await expect(page.locator("main h1")).toHaveText("加注件详情");
  await expect(page).toHaveTitle(/^加注件详情 · /);
  expect(loads).toEqual([detail]);
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

test("the language switch, links outside the area and forms stay page loads", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only");
  await logIn(page, info, "zhangsan");
  await islandsHydrated(page, info);
  const loads = documentLoads(page);
  /** Runs `step` and checks that it loaded a document (a redirect may add one). */
  const pageLoad = async (step: () => Promise<void>) => {
    const before = loads.length;
    await step();
    expect(loads.length).toBeGreaterThan(before);
  };
  // rel=external: a page load, which sets the language cookie.
  await pageLoad(async () => {
    await page.getByTestId("lang-switch").click();
    await expect(page.locator("main h1")).toHaveText("My certificates");
  });
  await pageLoad(async () => {
    await page.getByTestId("lang-switch").click();
    await expect(page.locator("main h1")).toHaveText("证书下载");
  });
  // "/" is outside the area (it redirects to the list).
  await pageLoad(async () => {
    await page.locator("a.brand").click();
    await expect(page).toHaveURL(/\/certificates$/);
  });
  // A form posts as a page load: signing out.
  await pageLoad(async () => {
    await page.getByTestId("logout").click();
    await expect(page).toHaveURL(/\/login$/);
  });
  await open(page, info, "/certificates");
  await expect(page).toHaveURL(/\/login$/);
});

test("a navigation after the session has ended lands on the sign-in page, as a page", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only");
  await logIn(page, info, "zhangsan");
  await islandsHydrated(page, info);
  // The session ends (here: its cookie is gone) while the list is on screen.
  await page.context().clearCookies({ name: "ecert_session" });
  const loads = documentLoads(page);
  await page.locator("[data-testid=certificate-info]").first().click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.locator("main h1")).toHaveText("用户登录");
  await expect(page.getByTestId("input-username")).toBeVisible();
  expect(loads.length, "the sign-in page is loaded as a page").toBeGreaterThan(0);
});

test("the skip link jumps within the page, and back returns without a navigation", async ({ page }, info) => {
  test.skip(!jsEnabled(info), "with JavaScript only");
  await logIn(page, info, "zhangsan");
  await islandsHydrated(page, info);
  const loads = documentLoads(page);
  const fetches: string[] = [];
  page.on("request", (r) => r.headers()["islands-router"] && fetches.push(r.url()));
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/certificates#main$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/certificates$/);
  await page.waitForTimeout(500);
  expect(fetches, "no page fetched by the router").toEqual([]);
  expect(loads).toEqual([]);
});
