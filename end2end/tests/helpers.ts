import { expect, Page, TestInfo } from "@playwright/test";

export const DEMO_PASSWORD = "Ecert@2026";

/**
 * Which set of journeys' data a project uses: "js" or "nojs", by whether it
 * runs JavaScript. The PostgreSQL project runs the "js" journeys on a server
 * of its own, so it takes the "js" data.
 */
export const side = (info: TestInfo): "js" | "nojs" => (info.project.use.javaScriptEnabled === false ? "nojs" : "js");

export const jsEnabled = (info: TestInfo) => side(info) === "js";

/**
 * With JavaScript on, waits until every island on the page runs (each marks
 * its <leptos-island> data-hydrated; a lazy island's code comes as a chunk,
 * after the rest). Pages without an island are plain HTML.
 */
export async function islandsHydrated(page: Page, info: TestInfo) {
  if (!jsEnabled(info)) return;
  await expect(page.locator("leptos-island:not([data-hydrated])")).toHaveCount(0);
}

/** Opens a page and waits until its islands run. */
export async function open(page: Page, info: TestInfo, path: string) {
  await page.goto(path);
  await islandsHydrated(page, info);
}

/** Logs in; accepts the terms if this is the account's first login. */
export async function logIn(page: Page, info: TestInfo, username: string, password = DEMO_PASSWORD) {
  await open(page, info, "/login");
  await page.getByTestId("input-username").fill(username);
  await page.getByTestId("input-password").fill(password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/(terms|certificates)$/);
  if (page.url().endsWith("/terms")) {
    await page.getByTestId("terms-agree").click();
  }
  await expect(page).toHaveURL(/\/certificates$/);
}

export async function logOut(page: Page) {
  await page.getByTestId("logout").click();
  await expect(page).toHaveURL(/\/login$/);
}
