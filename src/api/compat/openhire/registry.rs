//! The live sessions of one server, shared by their sockets: loaded from the store on first
//! use, forgotten when the last socket leaves.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Mutex;

use super::messages::WsError;
use super::session::Session;
use crate::api::AppState;
use crate::interview::Interview;

pub(super) type Shared = Arc<Mutex<Session>>;

/// The live sessions, by interview id, shared by their sockets.
#[derive(Default)]
pub(super) struct Registry {
    live: Mutex<HashMap<String, Shared>>,
}

impl Registry {
    /// Attaches a socket to `interview`'s session (loaded on first use); the message to send
    /// it on resuming, if any.
    pub(super) async fn attach(
        &self,
        state: &AppState,
        interview: Interview,
    ) -> Result<(Shared, Option<String>), WsError> {
        let mut live = self.live.lock().await;
        let shared = match live.get(&interview.id) {
            Some(shared) => shared.clone(),
            None => {
                let id = interview.id.clone();
                let shared = Arc::new(Mutex::new(Session::load(state, interview).await?));
                live.insert(id, shared.clone());
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
                if session.sockets == 0 {
                    live.remove(session.interview_id());
                }
                Err(error)
            }
        }
    }

    /// Detaches a socket; the last one out ends the call and forgets the session.
    pub(super) async fn detach(&self, state: &AppState, shared: &Shared) {
        let mut live = self.live.lock().await;
        let mut session = shared.lock().await;
        session.detach(state).await;
        if session.sockets == 0 {
            live.remove(session.interview_id());
        }
    }
}
