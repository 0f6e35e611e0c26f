//! Where webhooks may go: `https://` or `http://` URLs whose every address is public. Checked
//! at registration and again before each attempt, when the host is resolved here and the
//! connection pinned to the checked address (so DNS rebinding cannot reach an internal one).
//! `--webhook-allow-private` (`VIVA_WEBHOOK_ALLOW_PRIVATE=true`) turns the address check off,
//! for local development and tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL, or not http(s), or without a host.
    #[error("invalid webhook URL: {0}")]
    Invalid(String),
    /// The host did not resolve.
    #[error("the webhook host {0} does not resolve")]
    Unresolved(String),
    /// An address is not public.
    #[error("the webhook URL resolves to {0}, which is not a public address")]
    NotPublic(IpAddr),
}

/// A checked target: the URL, and the address to connect to (pinned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL.
    pub url: Url,
    /// The host name to pin (`None` for an IP literal).
    pub host: Option<String>,
    /// The checked address to connect to.
    pub addr: SocketAddr,
}

/// Whether `ip` is a public unicast address (not loopback, private, link-local, metadata,
/// unspecified, CGNAT, multicast, broadcast, documentation or reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1)
                || s[0..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated), ::/96
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, incl. 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // 0/8
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || a >= 240) // reserved 240/4
}

/// Parses `url` and checks its shape: http(s), a host, no credentials in it.
pub fn parse(url: &str) -> Result<Url, TargetError> {
    let parsed = Url::parse(url).map_err(|e| TargetError::Invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(TargetError::Invalid(
            "only https:// and http:// URLs".into(),
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(TargetError::Invalid("the URL has no host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(TargetError::Invalid(
            "the URL must not carry credentials".into(),
        ));
    }
    Ok(parsed)
}

/// Parses and resolves `url`, checks every address it resolves to (unless `allow_private`),
/// and picks the one to connect to.
pub async fn resolve(url: &str, allow_private: bool) -> Result<Target, TargetError> {
    let url = parse(url)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| TargetError::Invalid("no port".into()))?;
    let name = url.host_str().unwrap_or_default();
    let literal = name.trim_start_matches('[').trim_end_matches(']');
    let (host, addrs): (Option<String>, Vec<SocketAddr>) = match literal.parse::<IpAddr>() {
        Ok(ip) => (None, vec![SocketAddr::new(ip, port)]),
        Err(_) => {
            let found = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| TargetError::Unresolved(name.to_owned()))?
                .collect();
            (Some(name.to_owned()), found)
        }
    };
    if !allow_private && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(TargetError::NotPublic(bad.ip()));
    }
    let addr = *addrs
        .first()
        .ok_or_else(|| TargetError::Unresolved(url.host_str().unwrap_or_default().to_owned()))?;
    Ok(Target { url, host, addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn registration_refuses_private_targets_unless_allowed() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/hook",
            "https://10.0.0.1/",
        ] {
            assert!(
                matches!(resolve(url, false).await, Err(TargetError::NotPublic(_))),
                "{url}"
            );
        }
        let allowed = resolve("http://127.0.0.1:9/hook", true).await.unwrap();
        assert_eq!(allowed.addr, "127.0.0.1:9".parse::<SocketAddr>().unwrap());
        for url in [
            "ftp://example.com/",
            "not a url",
            "http://user:pw@example.com/",
            "file:///etc/passwd",
        ] {
            assert!(matches!(parse(url), Err(TargetError::Invalid(_))), "{url}");
        }
    }
}
