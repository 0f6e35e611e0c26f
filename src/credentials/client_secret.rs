//! Realtime client secrets: short-lived `ek_…` tokens bound to a session configuration,
//! signed with HMAC-SHA256 so that any node holding the signing key can verify them without a
//! database, and expiring on their own.
//!
//! Format: `ek_` + base64url(JSON claims) + `.` + base64url(HMAC-SHA256(key, "ek_" + claims)).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::ids::new_id;
use crate::realtime::SessionConfig;

/// Shortest and longest lifetime a secret may be given (OpenAI's `expires_after.seconds`).
pub const TTL_RANGE: std::ops::RangeInclusive<u64> = 10..=7_200;
/// Lifetime when none is asked for.
pub const DEFAULT_TTL: u64 = 600;

const PREFIX: &str = "ek_";

/// The key that signs and verifies client secrets.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// What a client secret carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSecret {
    /// Unique id of this secret.
    pub id: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expires at, Unix seconds.
    pub exp: u64,
    /// The organization whose key minted it (secrets from before organizations: the default).
    #[serde(default = "default_org")]
    pub org_id: String,
    /// The session configuration a call opened with this secret starts with.
    pub session: SessionConfig,
    /// The interview (and question) the secret is bound to, for secrets minted by the
    /// integrator API; `None` for plain realtime client secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<SecretScope>,
}

fn default_org() -> String {
    crate::store::DEFAULT_ORG_ID.to_owned()
}

/// What an interview-bound secret may be used for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretScope {
    /// The interview.
    pub interview_id: String,
    /// The candidate it belongs to.
    pub user_id: String,
    /// The question (1-based) for question tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<u32>,
}

/// Why a presented secret was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Not a client secret at all, or its signature does not match (forged or altered).
    #[error("invalid client secret")]
    Invalid,
    /// A genuine secret past its expiry.
    #[error("client secret expired")]
    Expired,
}

impl SecretKey {
    /// A key from raw bytes (at least 16).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// Mints a secret of `org_id` for `session` (bound to `scope` if given), valid `ttl`
    /// seconds from `now` (Unix seconds). The TTL is clamped to [`TTL_RANGE`] by the caller's
    /// validation.
    pub fn mint(
        &self,
        org_id: &str,
        session: SessionConfig,
        scope: Option<SecretScope>,
        ttl: u64,
        now: u64,
    ) -> (String, ClientSecret) {
        let claims = ClientSecret {
            id: new_id("cs_"),
            iat: now,
            exp: now + ttl,
            org_id: org_id.to_owned(),
            session,
            scope,
        };
        let json = serde_json::to_vec(&claims).expect("claims serialise");
        let body = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        (format!("{body}.{signature}"), claims)
    }

    /// Checks a presented secret's signature and expiry at `now` (Unix seconds).
    pub fn verify(&self, token: &str, now: u64) -> Result<ClientSecret, SecretError> {
        let (body, signature) = token.rsplit_once('.').ok_or(SecretError::Invalid)?;
        let payload = body.strip_prefix(PREFIX).ok_or(SecretError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| SecretError::Invalid)?;
        let mut mac = self.mac();
        mac.update(body.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| SecretError::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| SecretError::Invalid)?;
        let claims: ClientSecret =
            serde_json::from_slice(&json).map_err(|_| SecretError::Invalid)?;
        if claims.exp < now {
            return Err(SecretError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session() -> SessionConfig {
        SessionConfig::from_value(json!({"instructions": "Ask about Rust"}), "session").unwrap()
    }

    #[test]
    fn a_minted_secret_verifies_until_it_expires() {
        let key = SecretKey::new(b"0123456789abcdef".to_vec());
        let (token, claims) = key.mint("org_a", session(), None, 600, 1_000);
        assert!(token.starts_with("ek_"));
        assert_eq!(key.verify(&token, 1_000).unwrap(), claims);
        assert_eq!(
            key.verify(&token, 1_600).unwrap().session.instructions(),
            Some("Ask about Rust")
        );
        assert_eq!(key.verify(&token, 1_601), Err(SecretError::Expired));
        let scope = SecretScope {
            interview_id: "i1".into(),
            user_id: "u1".into(),
            question: Some(2),
        };
        let (token, _) = key.mint("org_a", session(), Some(scope.clone()), 60, 1_000);
        assert_eq!(key.verify(&token, 1_000).unwrap().scope, Some(scope));
    }

    #[test]
    fn forged_altered_or_foreign_secrets_are_invalid() {
        let key = SecretKey::new(b"0123456789abcdef".to_vec());
        let other = SecretKey::new(b"fedcba9876543210".to_vec());
        let (token, _) = key.mint("org_a", session(), None, 600, 1_000);
        assert_eq!(other.verify(&token, 1_000), Err(SecretError::Invalid));
        // Extend the expiry inside the claims, keep the signature.
        let (body, sig) = token.rsplit_once('.').unwrap();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&body[3..]).unwrap()).unwrap();
        claims["exp"] = json!(9_999_999_999u64);
        let forged = format!(
            "ek_{}.{sig}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
        );
        assert_eq!(key.verify(&forged, 1_000), Err(SecretError::Invalid));
        for junk in ["", "ek_", "ek_abc", "sk_x.y", "ek_!!.??", "ek_e30.AAAA"] {
            assert_eq!(
                key.verify(junk, 1_000),
                Err(SecretError::Invalid),
                "{junk:?}"
            );
        }
    }
}
