//! Interviews by the ids other systems give them (a facade's session id).

use async_trait::async_trait;

use super::StoreError;

/// Where external ids are mapped to interviews.
#[async_trait]
pub trait ExternalIds: Send + Sync {
    /// Maps `external_id` of `system` in `org_id` to `interview_id`, unless it is mapped
    /// already; returns the interview it names (the given one, or the earlier one). Exact
    /// under concurrent claims.
    async fn claim_external_id(
        &self,
        org_id: &str,
        system: &str,
        external_id: &str,
        interview_id: &str,
        now_ms: u64,
    ) -> Result<String, StoreError>;
    /// The interview `external_id` of `system` names in `org_id`.
    async fn external_interview(
        &self,
        org_id: &str,
        system: &str,
        external_id: &str,
    ) -> Result<Option<String>, StoreError>;
}
