//! User JWTs (HS256): a short-lived access token and a long-lived refresh token per user,
//! for candidates' own sessions with the interview API.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::ids::new_id;

/// Lifetime of an access token.
pub const ACCESS_TTL: u64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TTL: u64 = 30 * 24 * 3600;

/// Which of the pair a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Used on every request.
    Access,
    /// Only exchanged for a new pair.
    Refresh,
    /// An interview link's: only exchanged for that one interview's credentials (the
    /// candidate page's join), and long-lived, since links are opened hours or days after
    /// they are sent.
    Join,
}

/// What a user token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The user's email.
    pub email: String,
    /// Access or refresh.
    pub typ: TokenKind,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Unique token id.
    pub jti: String,
    /// For a join token: the interview it opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iid: Option<String>,
}

/// An access and a refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// Bearer token for API calls.
    pub access: String,
    /// Token for `POST /api/v1/auth/refresh`.
    pub refresh: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Seconds the access token is valid.
    pub expires_in: u64,
    /// The user the tokens are for.
    pub user_id: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Malformed, forged, or of the other kind.
    #[error("invalid token")]
    Invalid,
    /// Genuine but expired.
    #[error("token expired")]
    Expired,
}

/// The HS256 key pair derived from the server's signing key.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(…)")
    }
}

impl JwtKeys {
    /// Keys from a secret.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    fn token(&self, user_id: &str, email: &str, typ: TokenKind, ttl: u64, now: u64) -> String {
        let claims = Claims {
            sub: user_id.into(),
            email: email.into(),
            typ,
            iat: now,
            exp: now + ttl,
            jti: new_id(""),
            iid: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding cannot fail")
    }

    /// A fresh pair for a user.
    pub fn issue(&self, user_id: &str, email: &str, now: u64) -> TokenPair {
        TokenPair {
            access: self.token(user_id, email, TokenKind::Access, ACCESS_TTL, now),
            refresh: self.token(user_id, email, TokenKind::Refresh, REFRESH_TTL, now),
            token_type: "bearer".into(),
            expires_in: ACCESS_TTL,
            user_id: user_id.into(),
        }
    }

    /// A join token of `user_id` for interview `interview_id`, valid `ttl` seconds. It goes
    /// into links, so it carries no email.
    pub fn join(&self, user_id: &str, interview_id: &str, ttl: u64, now: u64) -> String {
        let claims = Claims {
            sub: user_id.into(),
            email: String::new(),
            typ: TokenKind::Join,
            iat: now,
            exp: now + ttl,
            jti: new_id(""),
            iid: Some(interview_id.into()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 encoding cannot fail")
    }

    /// Checks a token of kind `typ` at `now` (Unix seconds).
    pub fn verify(&self, token: &str, typ: TokenKind, now: u64) -> Result<Claims, JwtError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked below against the caller's clock, without leeway.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| JwtError::Invalid)?;
        if data.claims.typ != typ {
            return Err(JwtError::Invalid);
        }
        if data.claims.exp < now {
            return Err(JwtError::Expired);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_token_names_its_interview_and_is_no_access_token() {
        let keys = JwtKeys::new(b"secret");
        let join = keys.join("u1", "iv1", 3_600, 1_000);
        let claims = keys.verify(&join, TokenKind::Join, 4_599).unwrap();
        assert_eq!(claims.iid.as_deref(), Some("iv1"));
        assert_eq!(
            keys.verify(&join, TokenKind::Access, 1_000),
            Err(JwtError::Invalid)
        );
        assert_eq!(
            keys.verify(&join, TokenKind::Join, 4_601),
            Err(JwtError::Expired)
        );
        let pair = keys.issue("u1", "a@b.co", 1_000);
        assert_eq!(
            keys.verify(&pair.access, TokenKind::Join, 1_000),
            Err(JwtError::Invalid)
        );
    }

    #[test]
    fn pairs_verify_by_kind_and_expire() {
        let keys = JwtKeys::new(b"secret-one");
        let pair = keys.issue("u1", "a@b.c", 1_000);
        assert_eq!(
            keys.verify(&pair.access, TokenKind::Access, 1_000)
                .unwrap()
                .sub,
            "u1"
        );
        assert_eq!(
            keys.verify(&pair.access, TokenKind::Refresh, 1_000),
            Err(JwtError::Invalid)
        );
        assert_eq!(
            keys.verify(&pair.refresh, TokenKind::Refresh, 1_000 + REFRESH_TTL)
                .unwrap()
                .email,
            "a@b.c"
        );
        assert_eq!(
            keys.verify(&pair.access, TokenKind::Access, 1_001 + ACCESS_TTL),
            Err(JwtError::Expired)
        );
        assert_eq!(
            JwtKeys::new(b"other").verify(&pair.access, TokenKind::Access, 1_000),
            Err(JwtError::Invalid)
        );
        assert_eq!(
            keys.verify("not.a.jwt", TokenKind::Access, 1_000),
            Err(JwtError::Invalid)
        );
    }
}
