//! Outgoing HTTPS (the assessor's model, webhooks, the load tester): reqwest over rustls with
//! the *ring* provider that the WebSocket client already links, installed once per process
//! before any client is built (reqwest refuses to guess one).

use std::sync::Once;

/// Makes *ring* the process's rustls provider, once; later calls do nothing.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err: another provider was installed first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A reqwest client builder, with the TLS provider in place.
pub fn builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// A default reqwest client, with the TLS provider in place.
pub fn client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clients_build_with_tls() {
        let client = super::builder().https_only(true).build();
        assert!(client.is_ok());
        let _ = super::client();
    }
}
