//! How many outgoing transfers run at once: a bound in total and one per client address. A
//! transfer over the bound waits (up to [`WAIT`]) for another to finish rather than being
//! refused, so a fleet of secondaries refreshing together all get the zone; TCP's own caps
//! (connections in total and per client, timeouts) still apply to the connections holding them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Transfers sent at once, all clients together.
pub const MAX_TOTAL: usize = 32;
/// Transfers sent at once to one client address.
pub const MAX_PER_CLIENT: usize = 8;
/// Longest wait for a slot before the transfer is refused.
pub const WAIT: Duration = Duration::from_secs(30);

/// The slots.
pub struct Limits {
    total: Arc<Semaphore>,
    per_client: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            total: Arc::new(Semaphore::new(MAX_TOTAL)),
            per_client: Mutex::new(HashMap::new()),
        }
    }
}

/// A transfer's slots, released when dropped.
pub struct Slot {
    _client: OwnedSemaphorePermit,
    _total: OwnedSemaphorePermit,
}

impl Limits {
    /// Waits for a slot for a transfer to `client`; `None` after [`WAIT`].
    pub async fn acquire(&self, client: IpAddr) -> Option<Slot> {
        let mine = {
            let mut map = self.per_client.lock().unwrap_or_else(|e| e.into_inner());
            // Forget clients with no transfer running (nobody else holds their semaphore).
            map.retain(|_, s| Arc::strong_count(s) > 1 || s.available_permits() < MAX_PER_CLIENT);
            map.entry(client)
                .or_insert_with(|| Arc::new(Semaphore::new(MAX_PER_CLIENT)))
                .clone()
        };
        tokio::time::timeout(WAIT, async {
            let client = mine.acquire_owned().await.ok()?;
            let total = self.total.clone().acquire_owned().await.ok()?;
            Some(Slot {
                _client: client,
                _total: total,
            })
        })
        .await
        .ok()
        .flatten()
    }

    /// Transfers running now.
    pub fn running(&self) -> usize {
        MAX_TOTAL - self.total.available_permits()
    }
}
