//! Polling while a copy is being generated: soon after the application
//! (a copy is usually ready within a few hundred milliseconds), then less
//! often, at most once a second; only in the browser, only while something
//! is generating, and stopped when the page is left: by a page load (the
//! timer goes with the document) or by the islands router, which takes the
//! island's elements out of the page but cannot end the island's code (an
//! island's owner lives as long as the document), so each poll first checks
//! that its island is still on the page.

use leptos::prelude::*;

use super::island::Anchor;

/// Delay before the `n`-th poll of one wait: 150, 300, 600 ms, then 1 s.
pub fn poll_delay_ms(n: u32) -> u32 {
    150u32.saturating_mul(1 << n.min(3)).min(1_000)
}

/// Bumps `tick` after each time `active` becomes or stays true, sooner at
/// first ([`poll_delay_ms`]). Make the polled resource depend on `tick`:
/// each answer re-arms the timer if still needed, so requests never overlap.
pub fn poll_while(anchor: Anchor, active: impl Fn() -> bool + Send + Sync + 'static, tick: RwSignal<u32>) {
    // Polls made in the current wait; a wait ends when nothing is generating.
    let polls = StoredValue::new(0u32);
    // Effects never run during server rendering, so the timer exists only in the browser.
    Effect::new(move |_| {
        if !active() {
            polls.set_value(0);
            return;
        }
        let delay = poll_delay_ms(polls.get_value());
        polls.update_value(|n| *n = n.saturating_add(1));
        #[cfg(feature = "hydrate")]
        {
            use send_wrapper::SendWrapper;
            let timeout = gloo_timers::callback::Timeout::new(delay, move || {
                if on_the_page(anchor) {
                    tick.update(|n| *n = n.wrapping_add(1));
                }
            });
            // Re-run or page left: the pending timer is cancelled with its owner.
            let timeout = SendWrapper::new(timeout);
            on_cleanup(move || drop(timeout.take().cancel()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (anchor, tick, delay);
    });
}

/// Whether the island is still on the page (the islands router has not
/// replaced it); not yet mounted counts as on the page.
#[cfg(feature = "hydrate")]
fn on_the_page(anchor: Anchor) -> bool {
    anchor.get_untracked().is_none_or(|element| element.is_connected())
}

#[cfg(test)]
mod tests {
    #[test]
    fn polls_soon_then_once_a_second() {
        let delays: Vec<u32> = (0..6).map(super::poll_delay_ms).collect();
        assert_eq!(delays, [150, 300, 600, 1_000, 1_000, 1_000]);
        assert_eq!(super::poll_delay_ms(u32::MAX), 1_000);
    }
}

/// An island's list that refreshes itself: while `active()` holds, `fetch`
/// is called on [`poll_while`]'s schedule and its answer handed to `apply`.
/// Requests never overlap on the schedule, and an answer to a request older
/// than the newest one is dropped, so a slow poll never undoes a newer list.
/// A session that ended sends the browser to sign in (the page would
/// otherwise show 证书生成中… for ever); any other failure is retried at the
/// next poll. `anchor` is an element of the island: once the islands router
/// has taken it off the page, nothing polls any more. Returns a function that refreshes at once (e.g. after 重新生成).
pub fn poll_list<T, Fut>(
    anchor: Anchor,
    active: impl Fn() -> bool + Send + Sync + 'static,
    fetch: impl Fn() -> Fut + Copy + 'static,
    apply: impl Fn(T) + Copy + 'static,
) -> impl Fn() + Copy + 'static
where
    T: 'static,
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>> + 'static,
{
    use crate::error::AppError;

    let tick = RwSignal::new(0u32);
    let failures = RwSignal::new(0u32);
    let newest = StoredValue::new(0u64);
    poll_while(
        anchor,
        move || {
            failures.track();
            active()
        },
        tick,
    );
    let refresh = move || {
        let request = newest.get_value().wrapping_add(1);
        newest.set_value(request);
        leptos::task::spawn_local(async move {
            let answer = fetch().await;
            if newest.get_value() != request {
                return;
            }
            match answer {
                Ok(value) => apply(value),
                Err(AppError::Unauthenticated) => go_to("/login"),
                Err(AppError::TermsNotAccepted) => go_to("/terms"),
                Err(_) => failures.update(|n| *n = n.wrapping_add(1)),
            }
        });
    };
    Effect::new(move |polled: Option<()>| {
        tick.track();
        if polled.is_some() {
            refresh();
        }
    });
    refresh
}

/// A full page load of `path` (islands have no router).
fn go_to(path: &str) {
    let _ = window().location().set_href(path);
}
