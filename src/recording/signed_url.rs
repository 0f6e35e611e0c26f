//! Time-limited recording (and other download) URLs, like presigned object URLs: `path?expires=<unix s>&sig=<hex>`,
//! the signature an HMAC-SHA256 over the path and the expiry. Whoever holds the URL may fetch
//! the file until it expires; nothing else is needed (an `<audio>` element sends no headers).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The path recordings are served under: `/v1/recordings/{id}.ogg`.
pub const PATH_PREFIX: &str = "/v1/recordings/";

/// Why a signed URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not match the path and expiry.
    #[error("the signature does not match")]
    Forged,
    /// The URL has expired.
    #[error("the link has expired")]
    Expired,
}

/// Signs and checks recording URLs.
#[derive(Clone)]
pub struct UrlSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

impl UrlSigner {
    /// A signer with `key` (derive it from the server's signing key; never share it).
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, path: &str, expires: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The path and query of recording `id`, valid until `expires` (Unix seconds).
    pub fn sign(&self, id: &str, expires: u64) -> String {
        self.sign_path(&format!("{PATH_PREFIX}{id}.ogg"), expires)
    }

    /// `path` with the query that makes it a link valid until `expires` (Unix seconds).
    pub fn sign_path(&self, path: &str, expires: u64) -> String {
        let sig = hex(&self.mac(path, expires).finalize().into_bytes());
        format!("{path}?expires={expires}&sig={sig}")
    }

    /// Checks a request for `path` with `expires` and `sig` at `now` (Unix seconds), in
    /// constant time.
    pub fn verify(
        &self,
        path: &str,
        expires: u64,
        sig: &str,
        now: u64,
    ) -> Result<(), SignatureError> {
        let sig = unhex(sig).ok_or(SignatureError::Forged)?;
        self.mac(path, expires)
            .verify_slice(&sig)
            .map_err(|_| SignatureError::Forged)?;
        if now >= expires {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(url: &str) -> (String, u64, String) {
        let (path, query) = url.split_once('?').unwrap();
        let mut expires = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("expires", v) => expires = v.parse().unwrap(),
                ("sig", v) => sig = v.to_owned(),
                _ => {}
            }
        }
        (path.to_owned(), expires, sig)
    }

    #[test]
    fn a_signed_url_verifies_until_it_expires() {
        let signer = UrlSigner::new(b"key");
        let url = signer.sign("rec_1", 1_000);
        let (path, expires, sig) = parts(&url);
        assert_eq!(path, "/v1/recordings/rec_1.ogg");
        assert_eq!(signer.verify(&path, expires, &sig, 999), Ok(()));
        assert_eq!(
            signer.verify(&path, expires, &sig, 1_000),
            Err(SignatureError::Expired)
        );
    }

    #[test]
    fn changing_anything_breaks_it() {
        let signer = UrlSigner::new(b"key");
        let (path, expires, sig) = parts(&signer.sign("rec_1", 1_000));
        let forged = Err(SignatureError::Forged);
        assert_eq!(
            signer.verify("/v1/recordings/rec_2.ogg", expires, &sig, 0),
            forged
        );
        assert_eq!(
            signer.verify(&path, expires + 1, &sig, 0),
            forged,
            "a later expiry"
        );
        assert_eq!(signer.verify(&path, expires, "zz", 0), forged);
        assert_eq!(signer.verify(&path, expires, "", 0), forged);
        assert_eq!(
            UrlSigner::new(b"other").verify(&path, expires, &sig, 0),
            forged
        );
    }
}
