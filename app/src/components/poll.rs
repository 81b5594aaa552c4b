//! Polling while a copy is being generated: about once a second, only in
//! the browser, only while something is generating, and stopped when the
//! page is left.

use leptos::prelude::*;

/// Bumps `tick` one second after each time `active` becomes or stays true.
/// Make the polled resource depend on `tick`: each answer re-arms the timer
/// if still needed, so requests never overlap.
pub fn poll_while(active: impl Fn() -> bool + Send + Sync + 'static, tick: RwSignal<u32>) {
    // Effects never run during server rendering, so the timer exists only in the browser.
    Effect::new(move |_| {
        if !active() {
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            use send_wrapper::SendWrapper;
            let timeout = gloo_timers::callback::Timeout::new(1_000, move || tick.update(|n| *n = n.wrapping_add(1)));
            // Re-run or page left: the pending timer is cancelled with its owner.
            let timeout = SendWrapper::new(timeout);
            on_cleanup(move || drop(timeout.take().cancel()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = tick;
    });
}
