//! Background work of a server process: due reminders of contributions and payments to reconcile every few
//! seconds, reminders of «Сроки» hourly (remembered in the database), old live events hourly.
//! Safe with several processes: each reminder is claimed in a transaction before it is sent.

use std::time::Duration;
use store::Store;
use tokio::sync::watch;

pub async fn run(
    store: Store,
    acquirer: store::payments::Acquirer,
    tick: Duration,
    mut stop: watch::Receiver<bool>,
) {
    // Payments a previous run left half-done are settled at once, not a tick later.
    crate::payments::reconcile(&store, &*acquirer).await;
    let mut ticks: u64 = 0;
    let prune_every = (3600 / tick.as_secs().max(1)).max(1);
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {}
            _ = stop.changed() => return,
        }
        match store.run_due_reminders().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sent = n, "reminders sent"),
            Err(e) => tracing::error!(error = %e, "reminders"),
        }
        match store.run_deadline_reminders().await {
            Ok(None | Some(0)) => {}
            Ok(Some(n)) => tracing::info!(sent = n, "deadline reminders sent"),
            Err(e) => tracing::error!(error = %e, "deadline reminders"),
        }
        crate::payments::reconcile(&store, &*acquirer).await;
        ticks += 1;
        if ticks.is_multiple_of(prune_every)
            && let Err(e) = store.prune_events().await
        {
            tracing::warn!(error = %e, "pruning events");
        }
        if ticks.is_multiple_of(prune_every)
            && let Err(e) = store.purge_unlinked_attachments().await
        {
            tracing::warn!(error = %e, "purging unlinked attachments");
        }
    }
}
