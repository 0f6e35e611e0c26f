//! TURN REST credentials (draft-uberti-behave-turn-rest-00, as coturn implements them):
//! username `"<expiry unix s>:<opaque id>"`, password `base64(HMAC-SHA1(secret, username))`.
//!
//! Any TURN server holding the same shared secret checks them without asking Viva: the embedded
//! one ([`crate::turn_server`]) or coturn with `use-auth-secret`. Two secrets are accepted at a
//! time (current and previous) so the secret can be rotated without breaking issued credentials.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

/// The shared secrets TURN credentials are signed with.
#[derive(Clone)]
pub struct TurnSecrets {
    /// Signs new credentials; accepted.
    pub current: String,
    /// The secret before the last rotation; still accepted, never used to sign.
    pub previous: Option<String>,
}

impl std::fmt::Debug for TurnSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TurnSecrets(current: …, previous: {})",
            if self.previous.is_some() {
                "…"
            } else {
                "none"
            }
        )
    }
}

/// Where clients reach the TURN server, and over what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnUrls {
    /// Host name or IP address clients use; `None` advertises nothing.
    pub host: Option<String>,
    /// TURN/STUN port (UDP and TCP).
    pub port: u16,
    /// TURN over TLS port.
    pub tls_port: u16,
    /// Offer `turn:…?transport=tcp`.
    pub tcp: bool,
    /// Offer `turns:…?transport=tcp`.
    pub tls: bool,
}

impl TurnUrls {
    /// The ICE server URLs, most preferred first: UDP, TCP, TLS, then plain STUN.
    pub fn urls(&self) -> Vec<String> {
        let Some(host) = &self.host else {
            return Vec::new();
        };
        // An IPv6 literal needs brackets in a URI.
        let host = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let mut urls = vec![format!("turn:{host}:{}?transport=udp", self.port)];
        if self.tcp {
            urls.push(format!("turn:{host}:{}?transport=tcp", self.port));
        }
        if self.tls {
            urls.push(format!("turns:{host}:{}?transport=tcp", self.tls_port));
        }
        urls.push(format!("stun:{host}:{}", self.port));
        urls
    }
}

/// Credentials for one client, in the TURN REST API response's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnCredentials {
    /// `"<expiration>:<opaque id>"`.
    pub username: String,
    /// `base64(HMAC-SHA1(secret, username))`; the `credential` of an `RTCIceServer`.
    pub password: String,
    /// Lifetime in seconds.
    pub ttl: u64,
    /// Expiry, Unix seconds (the username's timestamp).
    pub expiration: u64,
    /// TURN and STUN URLs.
    pub urls: Vec<String>,
}

/// Why a TURN username was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TurnAuthError {
    /// No expiry timestamp could be read from it.
    #[error("malformed TURN REST username")]
    Malformed,
    /// Its timestamp has passed.
    #[error("expired TURN REST username")]
    Expired,
}

/// `base64(HMAC-SHA1(secret, username))`.
pub fn rest_password(secret: &str, username: &str) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(username.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The expiry of a TURN REST username, parsed as coturn does (separator `:`):
/// `expiry:user` when the part before the first `:` is all digits, else `user:expiry` (the
/// part after the last `:`), and a bare `expiry` without a separator.
pub fn username_expiry(username: &str) -> Result<u64, TurnAuthError> {
    fn timestamp(s: &str) -> Result<u64, TurnAuthError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TurnAuthError::Malformed);
        }
        s.parse().map_err(|_| TurnAuthError::Malformed)
    }
    match username.split_once(':') {
        None => timestamp(username),
        Some((before, _)) if !before.is_empty() && before.bytes().all(|b| b.is_ascii_digit()) => {
            timestamp(before)
        }
        Some(_) => {
            let (_, after) = username.rsplit_once(':').expect("has a separator");
            timestamp(after)
        }
    }
}

impl TurnSecrets {
    /// Secrets from their configured values.
    pub fn new(current: impl Into<String>, previous: Option<String>) -> Self {
        Self {
            current: current.into(),
            previous: previous.filter(|p| !p.is_empty()),
        }
    }

    /// Credentials for `opaque_id` (never a name or an e-mail: it is visible to the TURN
    /// server and on the wire), valid `ttl` seconds from `now` (Unix seconds), for `urls`.
    pub fn mint(&self, opaque_id: &str, ttl: u64, now: u64, urls: &TurnUrls) -> TurnCredentials {
        let expiration = now.saturating_add(ttl);
        let username = format!("{expiration}:{opaque_id}");
        let password = rest_password(&self.current, &username);
        TurnCredentials {
            username,
            password,
            ttl,
            expiration,
            urls: urls.urls(),
        }
    }

    /// The password `username` has under the current secret, if it is well-formed and not
    /// expired at `now`.
    pub fn verify(&self, username: &str, now: u64) -> Result<String, TurnAuthError> {
        Ok(self.passwords(username, now)?.remove(0))
    }

    /// The passwords `username` may have (current secret first, then the previous one), if it
    /// is well-formed and not expired at `now`. A TURN server accepts a request whose integrity
    /// checks with any of them.
    pub fn passwords(&self, username: &str, now: u64) -> Result<Vec<String>, TurnAuthError> {
        let expiry = username_expiry(username)?;
        // coturn: valid while expiry >= now.
        if expiry < now {
            return Err(TurnAuthError::Expired);
        }
        let mut out = vec![rest_password(&self.current, username)];
        if let Some(previous) = &self.previous {
            out.push(rest_password(previous, username));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> TurnUrls {
        TurnUrls {
            host: Some("turn.example.com".into()),
            port: 3478,
            tls_port: 443,
            tcp: true,
            tls: true,
        }
    }

    #[test]
    fn the_known_answer_vector_of_protocols_md() {
        assert_eq!(
            rest_password("mysecret", "1700000000:candidate-42"),
            "c0k+qBYFNF64K6+73cWqOQFHqZY="
        );
        let key = turn::auth::generate_auth_key(
            "1700000000:candidate-42",
            "example.org",
            "c0k+qBYFNF64K6+73cWqOQFHqZY=",
        );
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "1bf4df568d19b4b2dbfe2d66d6830267");
    }

    #[test]
    fn mint_makes_expiry_colon_id_and_the_seed_shape() {
        let secrets = TurnSecrets::new("mysecret", None);
        let creds = secrets.mint("candidate-42", 300, 1_699_999_700, &urls());
        assert_eq!(creds.username, "1700000000:candidate-42");
        assert_eq!(creds.password, "c0k+qBYFNF64K6+73cWqOQFHqZY=");
        assert_eq!(creds.expiration, 1_700_000_000);
        assert_eq!(creds.ttl, 300);
        let json = serde_json::to_value(&creds).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["expiration", "password", "ttl", "urls", "username"]);
        assert_eq!(
            json["urls"],
            serde_json::json!([
                "turn:turn.example.com:3478?transport=udp",
                "turn:turn.example.com:3478?transport=tcp",
                "turns:turn.example.com:443?transport=tcp",
                "stun:turn.example.com:3478"
            ])
        );
    }

    #[test]
    fn urls_follow_the_transports_offered() {
        let mut u = urls();
        u.tcp = false;
        u.tls = false;
        u.host = Some("::1".into());
        assert_eq!(
            u.urls(),
            ["turn:[::1]:3478?transport=udp", "stun:[::1]:3478"]
        );
        u.host = None;
        assert!(u.urls().is_empty());
    }

    #[test]
    fn verify_accepts_until_expiry_and_not_after() {
        let secrets = TurnSecrets::new("mysecret", None);
        let user = "1700000000:candidate-42";
        assert_eq!(
            secrets.verify(user, 1_700_000_000).unwrap(),
            "c0k+qBYFNF64K6+73cWqOQFHqZY="
        );
        assert_eq!(
            secrets.verify(user, 1_700_000_001),
            Err(TurnAuthError::Expired)
        );
    }

    #[test]
    fn verify_reads_every_order_coturn_reads() {
        let secrets = TurnSecrets::new("s", None);
        let now = 1_000;
        assert!(secrets.verify("2000:user", now).is_ok());
        assert!(secrets.verify("user:2000", now).is_ok());
        assert!(secrets.verify("2000", now).is_ok());
        assert!(secrets.verify("2000:us:er", now).is_ok());
        assert_eq!(secrets.verify("user:500", now), Err(TurnAuthError::Expired));
        for bad in [
            "",
            "user",
            ":user",
            "user:",
            "12a:user",
            "user:12a",
            "99999999999999999999999:x",
        ] {
            assert_eq!(
                secrets.verify(bad, now),
                Err(TurnAuthError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rotation_accepts_the_previous_secret_but_signs_with_the_current() {
        let old = TurnSecrets::new("old", None);
        let rotated = TurnSecrets::new("new", Some("old".into()));
        let issued = old.mint("cs_1", 600, 1_000, &urls());
        let passwords = rotated.passwords(&issued.username, 1_100).unwrap();
        assert_eq!(passwords.len(), 2);
        assert!(passwords.contains(&issued.password));
        assert_ne!(
            rotated.verify(&issued.username, 1_100).unwrap(),
            issued.password
        );
        let fresh = rotated.mint("cs_1", 600, 1_000, &urls());
        assert_eq!(passwords[0], fresh.password);
        // An empty previous secret means none.
        assert!(
            TurnSecrets::new("a", Some(String::new()))
                .previous
                .is_none()
        );
    }
}
