//! What the shared facade code needs of a protocol's error: each facade's `WsError` words
//! these cases its own way.

use crate::store::StoreError;

/// A protocol's error, as the shared code makes it.
pub(super) trait Failure: From<StoreError> + Send {
    /// The protocol's "no such session".
    fn no_session() -> Self;
    /// A failure of the server's own (the cause is logged, never sent).
    fn internal(cause: impl std::fmt::Display) -> Self;
    /// The organization has no interview credits left.
    fn no_credits() -> Self;
}

/// A store error as protocol error `E`: no credits in its words, anything else internal.
pub(super) fn from_store<E: Failure>(error: StoreError) -> E {
    match error {
        StoreError::NoCredits => E::no_credits(),
        other => E::internal(other),
    }
}
