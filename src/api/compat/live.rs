//! The live sessions of a WebSocket facade, shared by their sockets: loaded from the store on
//! first use, forgotten when the last socket leaves. Generic over the facade's session type, so
//! each protocol keeps only its own state.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::api::AppState;
use crate::interview::Interview;

/// A facade's live session.
pub(super) trait LiveSession: Sized + Send + 'static {
    /// What a failure is to the protocol.
    type Error: Send;
    /// The session of `interview`, where its stored events left it.
    fn load(
        state: &AppState,
        interview: Interview,
    ) -> impl Future<Output = Result<Self, Self::Error>> + Send;
    /// A socket attaches; the message to send it on resuming, if any.
    fn attach(
        &mut self,
        state: &AppState,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;
    /// A socket detaches (after a successful or failed attach).
    fn detach(&mut self, state: &AppState) -> impl Future<Output = ()> + Send;
    /// Sockets attached now.
    fn sockets(&self) -> usize;
}

/// One session, shared by its sockets.
pub(super) type Shared<S> = Arc<Mutex<S>>;

/// The live sessions of one facade, by interview id.
pub(super) struct Registry<S> {
    live: Mutex<HashMap<String, Shared<S>>>,
}

impl<S> Default for Registry<S> {
    fn default() -> Self {
        Self {
            live: Mutex::new(HashMap::new()),
        }
    }
}

impl<S: LiveSession> Registry<S> {
    /// Attaches a socket to `interview`'s session (loaded on first use); the message to send
    /// it on resuming, if any.
    pub(super) async fn attach(
        &self,
        state: &AppState,
        interview: Interview,
    ) -> Result<(Shared<S>, Option<String>), S::Error> {
        let mut live = self.live.lock().await;
        let id = interview.id.clone();
        let shared = match live.get(&id) {
            Some(shared) => shared.clone(),
            None => {
                let shared = Arc::new(Mutex::new(S::load(state, interview).await?));
                live.insert(id.clone(), shared.clone());
                shared
            }
        };
        let mut session = shared.lock().await;
        match session.attach(state).await {
            Ok(resumed) => {
                drop(session);
                Ok((shared, resumed))
            }
            Err(error) => {
                session.detach(state).await;
                if session.sockets() == 0 {
                    live.remove(&id);
                }
                Err(error)
            }
        }
    }

    /// Detaches a socket from the session of interview `id`; the last one out forgets it
    /// (true then).
    pub(super) async fn detach(&self, state: &AppState, id: &str, shared: &Shared<S>) -> bool {
        let mut live = self.live.lock().await;
        let mut session = shared.lock().await;
        session.detach(state).await;
        let last = session.sockets() == 0;
        if last {
            live.remove(id);
        }
        last
    }
}
