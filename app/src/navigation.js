// ecert's side of Leptos' islands router (leptos/src/hydration/islands_routing.js,
// which runs right after this script). The islands router fetches the next page,
// swaps what changed and hydrates the new page's islands. It takes every
// same-origin link and every form, and it leaves the rest to the app. This script
// decides which links it takes and says what a new page tells its reader. It runs
// first, so its listeners on window come before the router's.
(() => {
  // The signed-in holder's area (app::in_holder_area): the single-page app.
  const AREA = /^\/(certificates(\/[^/]*(\/download|\/endorsements\/[^/]+)?)?|account|help|verify)\/*$/;
  const inArea = (url) => url.origin === location.origin && AREA.test(url.pathname);

  // Every other link is a page load, as without JavaScript: pages outside the
  // area, a copy's PDF, the language switch (rel=external), a new tab, a
  // download, and a jump within the page (the skip link).
  window.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.altKey || ev.ctrlKey || ev.shiftKey) return;
    const a = ev.composedPath().find((el) => el instanceof HTMLAnchorElement);
    if (!a || !a.href) return;
    const url = new URL(a.href, location.href);
    const inPage = url.pathname === location.pathname && url.search === location.search && url.hash !== "";
    const external = (a.getAttribute("rel") || "").split(/\s+/).includes("external");
    if (a.target || a.hasAttribute("download") || external || inPage || !inArea(url)) {
      ev.stopImmediatePropagation();
      return;
    }
    leaving();
  });

  // The router fetches the next page with `fetch`. Asked as HTML, so a page
  // that redirects (a session that ended: to the sign-in page) answers with
  // a redirect, which the fetch follows; and a page that cannot come (the
  // network is down, the server failed) is loaded as a page instead, so the
  // browser shows what went wrong and the URL and the page never disagree.
  const fetchWithoutRouter = window.fetch.bind(window);
  window.fetch = (input, init) => {
    if (!(input instanceof Request) || !input.headers.has("Islands-Router")) return fetchWithoutRouter(input, init);
    input.headers.set("Accept", "text/html");
    const asPageLoad = () => {
      location.assign(input.url);
      return new Promise(() => {});
    };
    return fetchWithoutRouter(input, init).then((page) => (page.ok || page.status === 404 ? page : asPageLoad()), asPageLoad);
  };

  // Forms post as page loads, as without JavaScript; an island's own form
  // (申请, 重新生成, the upload) has been handled before the event gets here.
  window.addEventListener("submit", (ev) => ev.stopImmediatePropagation());

  // The router updates history before a view transition has swapped the page:
  // without one, the page has changed when history has.
  document.startViewTransition = undefined;

  // Scroll: top on a new page, where it was on back and forward. Each history
  // entry gets a key; scroll positions are kept by key.
  history.scrollRestoration = "manual";
  const positions = new Map();
  const newKey = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const push = history.pushState.bind(history);
  const replace = history.replaceState.bind(history);
  let key = history.state?.key ?? newKey();
  replace({ ...history.state, key }, "");
  let back = false; // a back or forward is on its way
  addEventListener("scroll", () => positions.set(key, scrollY), { passive: true });
  // The page shown, without its fragment: back and forward between two
  // fragments of it (the skip link's #main) stay within the page.
  let shown = location.pathname + location.search;
  window.addEventListener("popstate", (ev) => {
    if (location.pathname + location.search === shown) {
      ev.stopImmediatePropagation();
      key = ev.state?.key ?? newKey();
      if (!ev.state?.key) replace({ ...ev.state, key }, "");
      return;
    }
    key = ev.state?.key ?? newKey();
    back = true;
    leaving();
  });

  // The router ends each navigation by updating history: the new page is in.
  history.pushState = (_state, title, url) => {
    key = newKey();
    push({ key }, title, url);
    arrived(0);
  };
  history.replaceState = (state, title, url) => {
    if (!back) return replace(state, title, url);
    back = false;
    replace({ key }, title, url);
    arrived(positions.get(key) ?? 0);
  };

  function leaving() {
    // The router sets the new page's attributes but never removes one: the
    // new page's navigation marks its own current link.
    for (const link of document.querySelectorAll("nav [aria-current]")) link.removeAttribute("aria-current");
    document.getElementById("page-announcer")?.replaceChildren();
  }

  function arrived(scroll) {
    // A page outside the area (the session ended: the sign-in page) loads as itself.
    if (!inArea(new URL(location.href))) {
      location.reload();
      return;
    }
    shown = location.pathname + location.search;
    const heading = document.querySelector("main h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    scrollTo(0, scroll);
    const announcer = document.getElementById("page-announcer");
    if (announcer) announcer.textContent = document.title;
  }
})();
