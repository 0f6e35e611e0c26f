//! The embedded TURN server (UDP), on by default so that a candidate behind a restrictive NAT
//! can still reach the media server: webrtc-rs's `turn` crate with an [`AuthHandler`] for TURN
//! REST credentials (`expiry:user`, coturn's other orders too) and secret rotation.
//!
//! The crate's `AuthHandler` returns one long-term key per request and never sees the message,
//! so on its own it cannot accept two secrets. [`IntegrityConn`] closes that gap: it wraps the
//! UDP socket, and for each authenticated STUN request it reads (the server handles requests one
//! at a time, in the order they are read) it finds which secret's key makes the
//! MESSAGE-INTEGRITY check, and tells the handler. Production deployments that need TCP or TLS
//! run coturn instead (`--turn-listen off`, see `turn/turnserver.conf`).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sha1::Sha1;
use tokio::net::UdpSocket;
use turn::auth::{AuthHandler, generate_auth_key};
use turn::relay::relay_static::RelayAddressGeneratorStatic;
use turn::server::Server;
use turn::server::config::{ConnConfig, ServerConfig};
use webrtc_util::Conn;
use webrtc_util::vnet::net::Net;

use crate::clock::unix_secs;
use crate::credentials::TurnSecrets;

/// The realm of the embedded server (and of `turn/turnserver.conf`).
pub const REALM: &str = "viva";

const MAGIC_COOKIE: u32 = 0x2112_A442;
const ATTR_USERNAME: u16 = 0x0006;
const ATTR_MESSAGE_INTEGRITY: u16 = 0x0008;
const ATTR_REALM: u16 = 0x0014;

/// A running embedded TURN server.
pub struct EmbeddedTurn {
    server: Server,
    addr: SocketAddr,
}

impl std::fmt::Debug for EmbeddedTurn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmbeddedTurn({})", self.addr)
    }
}

impl EmbeddedTurn {
    /// Binds `bind` (UDP) and serves TURN there; relays are opened on the bind IP and
    /// announced as `relay_ip`.
    pub async fn start(
        bind: SocketAddr,
        relay_ip: IpAddr,
        secrets: TurnSecrets,
    ) -> std::io::Result<Self> {
        let socket = UdpSocket::bind(bind).await?;
        let addr = socket.local_addr()?;
        let hint = Arc::new(Mutex::new(None));
        let conn = IntegrityConn {
            socket,
            secrets: secrets.clone(),
            hint: hint.clone(),
        };
        let server = Server::new(ServerConfig {
            conn_configs: vec![ConnConfig {
                conn: Arc::new(conn),
                relay_addr_generator: Box::new(RelayAddressGeneratorStatic {
                    relay_address: relay_ip,
                    address: bind.ip().to_string(),
                    net: Arc::new(Net::new(None)),
                }),
            }],
            realm: REALM.to_owned(),
            auth_handler: Arc::new(RestAuthHandler { secrets, hint }),
            channel_bind_timeout: std::time::Duration::ZERO,
            alloc_close_notify: None,
        })
        .await
        .map_err(std::io::Error::other)?;
        tracing::info!(%addr, %relay_ip, "embedded TURN server listening (UDP)");
        Ok(Self { server, addr })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it: closes its socket and every allocation.
    pub async fn close(&self) {
        if let Err(e) = self.server.close().await {
            tracing::warn!(error = %e, "closing the embedded TURN server");
        }
    }
}

/// Which secret made the last authenticated request's integrity check, for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hint {
    from: SocketAddr,
    username: String,
    password: String,
}

/// Checks TURN REST usernames: reads the expiry, refuses expired ones, and returns the
/// long-term key of the secret that signed it (current, else previous).
struct RestAuthHandler {
    secrets: TurnSecrets,
    hint: Arc<Mutex<Option<Hint>>>,
}

impl AuthHandler for RestAuthHandler {
    fn auth_handle(
        &self,
        username: &str,
        realm: &str,
        src_addr: SocketAddr,
    ) -> Result<Vec<u8>, turn::Error> {
        let passwords = self.secrets.passwords(username, unix_secs()).map_err(|e| {
            tracing::debug!(%username, %src_addr, error = %e, "TURN request refused");
            turn::Error::Other(format!("{e}: {username}"))
        })?;
        let hinted = self
            .hint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .filter(|h| h.from == src_addr && h.username == username)
            .map(|h| h.password)
            .filter(|p| passwords.contains(p));
        let password = hinted.unwrap_or_else(|| passwords[0].clone());
        Ok(generate_auth_key(username, realm, &password))
    }
}

/// The UDP socket of the TURN server, noting for each authenticated STUN request which of
/// the accepted secrets it was signed with.
struct IntegrityConn {
    socket: UdpSocket,
    secrets: TurnSecrets,
    hint: Arc<Mutex<Option<Hint>>>,
}

impl IntegrityConn {
    fn note(&self, packet: &[u8], from: SocketAddr) {
        if self.secrets.previous.is_none() {
            return;
        }
        let Some(request) = SignedRequest::parse(packet) else {
            return;
        };
        let Ok(passwords) = self.secrets.passwords(&request.username, unix_secs()) else {
            return;
        };
        let matching = passwords.into_iter().find(|password| {
            let key = generate_auth_key(&request.username, &request.realm, password);
            request.integrity_matches(packet, &key)
        });
        *self.hint.lock().unwrap_or_else(|p| p.into_inner()) = matching.map(|password| Hint {
            from,
            username: request.username.clone(),
            password,
        });
    }
}

/// The parts of a STUN message with MESSAGE-INTEGRITY that decide its key.
#[derive(Debug)]
struct SignedRequest {
    username: String,
    realm: String,
    /// Offset of the MESSAGE-INTEGRITY attribute's header.
    integrity_at: usize,
    integrity: [u8; 20],
}

impl SignedRequest {
    fn parse(packet: &[u8]) -> Option<Self> {
        if packet.len() < 20 || packet[0] & 0xC0 != 0 {
            return None;
        }
        if u32::from_be_bytes(packet[4..8].try_into().ok()?) != MAGIC_COOKIE {
            return None;
        }
        let length = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
        let end = 20 + length;
        if end > packet.len() {
            return None;
        }
        let (mut username, mut realm) = (None, None);
        let mut at = 20;
        while at + 4 <= end {
            let kind = u16::from_be_bytes([packet[at], packet[at + 1]]);
            let len = usize::from(u16::from_be_bytes([packet[at + 2], packet[at + 3]]));
            let value = packet.get(at + 4..at + 4 + len)?;
            match kind {
                ATTR_USERNAME => username = Some(String::from_utf8(value.to_vec()).ok()?),
                ATTR_REALM => realm = Some(String::from_utf8(value.to_vec()).ok()?),
                ATTR_MESSAGE_INTEGRITY => {
                    return Some(Self {
                        username: username?,
                        realm: realm?,
                        integrity_at: at,
                        integrity: value.try_into().ok()?,
                    });
                }
                _ => {}
            }
            at += 4 + len.div_ceil(4) * 4;
        }
        None
    }

    /// RFC 5389 §15.4: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, with the header's
    /// length covering MESSAGE-INTEGRITY itself.
    fn integrity_matches(&self, packet: &[u8], key: &[u8]) -> bool {
        let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes keys of any length");
        let length = u16::try_from(self.integrity_at - 20 + 24).unwrap_or(u16::MAX);
        mac.update(&packet[..2]);
        mac.update(&length.to_be_bytes());
        mac.update(&packet[4..self.integrity_at]);
        mac.verify_slice(&self.integrity).is_ok()
    }
}

#[async_trait::async_trait]
impl Conn for IntegrityConn {
    async fn connect(&self, addr: SocketAddr) -> webrtc_util::Result<()> {
        Ok(self.socket.connect(addr).await?)
    }

    async fn recv(&self, buf: &mut [u8]) -> webrtc_util::Result<usize> {
        Ok(self.socket.recv(buf).await?)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> webrtc_util::Result<(usize, SocketAddr)> {
        let (n, from) = self.socket.recv_from(buf).await?;
        self.note(&buf[..n], from);
        Ok((n, from))
    }

    async fn send(&self, buf: &[u8]) -> webrtc_util::Result<usize> {
        Ok(self.socket.send(buf).await?)
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> webrtc_util::Result<usize> {
        Ok(self.socket.send_to(buf, target).await?)
    }

    fn local_addr(&self) -> webrtc_util::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        None
    }

    async fn close(&self) -> webrtc_util::Result<()> {
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A STUN request signed like a TURN client signs one, built by hand.
    fn signed(username: &str, realm: &str, key: &[u8]) -> Vec<u8> {
        fn attr(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
            out.extend(kind.to_be_bytes());
            out.extend(u16::try_from(value.len()).unwrap().to_be_bytes());
            out.extend(value);
            out.resize(out.len().div_ceil(4) * 4, 0);
        }
        let mut m = vec![0x00, 0x03, 0, 0];
        m.extend(MAGIC_COOKIE.to_be_bytes());
        m.extend([7u8; 12]);
        attr(&mut m, ATTR_USERNAME, username.as_bytes());
        attr(&mut m, ATTR_REALM, realm.as_bytes());
        let length = u16::try_from(m.len() - 20 + 24).unwrap();
        m[2..4].copy_from_slice(&length.to_be_bytes());
        let mut mac = Hmac::<Sha1>::new_from_slice(key).unwrap();
        mac.update(&m);
        let tag = mac.finalize().into_bytes();
        attr(&mut m, ATTR_MESSAGE_INTEGRITY, &tag);
        // A FINGERPRINT after it is not covered.
        let length = u16::try_from(m.len() - 20 + 8).unwrap();
        m[2..4].copy_from_slice(&length.to_be_bytes());
        attr(&mut m, 0x8028, &[1, 2, 3, 4]);
        m
    }

    #[test]
    fn message_integrity_is_checked_against_each_key() {
        let key = generate_auth_key("99:u", REALM, "pw");
        let packet = signed("99:u", REALM, &key);
        let request = SignedRequest::parse(&packet).unwrap();
        assert_eq!(request.username, "99:u");
        assert_eq!(request.realm, REALM);
        assert!(request.integrity_matches(&packet, &key));
        assert!(!request.integrity_matches(&packet, &generate_auth_key("99:u", REALM, "other")));
        assert!(SignedRequest::parse(&packet[..30]).is_none());
        assert!(SignedRequest::parse(&[0x40, 0, 0, 4, 1, 2, 3, 4]).is_none());
    }
}
