//! Standard Webhooks v1 signatures: `webhook-signature: v1,<base64(HMAC-SHA256(key,
//! "{webhook-id}.{webhook-timestamp}.{body}"))>`, where the key is the base64-decoded part of
//! the endpoint's `whsec_<base64>` secret.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::random_bytes;

/// The prefix of a secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 32 random bytes, base64.
pub fn generate_secret() -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random_bytes(32)))
}

/// The shortest and longest key a secret may hold, bytes.
pub const KEY_BYTES: std::ops::RangeInclusive<usize> = 16..=512;

/// The key bytes of a `whsec_<base64>` secret (16 to 512 bytes), if it is one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    KEY_BYTES.contains(&key.len()).then_some(key)
}

/// The secret of an integrator's own secret text: a `whsec_<base64>` secret as it is, any
/// other text as its UTF-8 bytes for the key (what a receiver's `Webhook(secret.encode())`
/// checks with). `None` if the key would be shorter or longer than [`KEY_BYTES`].
pub fn secret_from_text(text: &str) -> Option<String> {
    if secret_key(text).is_some() {
        return Some(text.to_owned());
    }
    KEY_BYTES
        .contains(&text.len())
        .then(|| format!("{SECRET_PREFIX}{}", STANDARD.encode(text.as_bytes())))
}

/// The `webhook-signature` header value of message `id` sent at `timestamp` (Unix seconds)
/// with `body`; `None` if `secret` is no valid secret.
pub fn sign(secret: &str, id: &str, timestamp: u64, body: &str) -> Option<String> {
    let key = secret_key(secret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether `header` (space-separated `v1,<sig>` entries) holds a valid signature.
pub fn verify(secret: &str, id: &str, timestamp: u64, body: &str, header: &str) -> bool {
    let Some(expected) = sign(secret, id, timestamp, body) else {
        return false;
    };
    header
        .split(' ')
        .any(|candidate| crate::api::same_secret(candidate, &expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries' tests.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: u64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_reference_example() {
        assert_eq!(
            sign(SECRET, ID, TIMESTAMP, BODY).as_deref(),
            Some(SIGNATURE)
        );
        assert!(verify(
            SECRET,
            ID,
            TIMESTAMP,
            BODY,
            &format!("v1,bad {SIGNATURE}")
        ));
        assert!(!verify(SECRET, ID, TIMESTAMP + 1, BODY, SIGNATURE));
        assert!(!verify(SECRET, ID, TIMESTAMP, "{}", SIGNATURE));
    }

    #[test]
    fn secrets_are_whsec_base64() {
        let secret = generate_secret();
        assert_eq!(secret_key(&secret).map(|k| k.len()), Some(32));
        assert!(secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_none());
        assert!(secret_key("whsec_c2hvcnQ=").is_none());
        assert!(secret_key("whsec_not base64!").is_none());
        assert!(sign("nope", ID, TIMESTAMP, BODY).is_none());
    }

    #[test]
    fn plain_text_secrets_sign_with_their_bytes() {
        let text = "a-plain-shared-secret";
        let secret = secret_from_text(text).unwrap();
        assert_eq!(secret_key(&secret).unwrap(), text.as_bytes());
        assert_eq!(secret_from_text(SECRET).as_deref(), Some(SECRET));
        assert!(secret_from_text("short").is_none());
    }
}
