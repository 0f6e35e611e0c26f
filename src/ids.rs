//! Random identifiers in the shapes clients know from OpenAI (`sess_…`, `item_…`, `event_…`).

use rand::Rng;
use rand::distr::Alphanumeric;

/// A new identifier: `prefix` followed by 20 random alphanumeric characters.
pub fn new_id(prefix: &str) -> String {
    let suffix: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    format!("{prefix}{suffix}")
}

/// `n` random bytes, for keys.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    bytes
}
