//! A real TURN client (webrtc-rs `turn` crate) for the TURN tests: allocates a relay and
//! proves it relays, both ways, to a UDP peer on loopback. Every wait is bounded.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use turn::client::{Client, ClientConfig};
use webrtc_util::Conn;

const STEP: Duration = Duration::from_secs(5);

async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(STEP, f)
        .await
        .map_err(|_| format!("timed out: {what}"))
}

/// Allocates a relay on the TURN server at `server` with these credentials, sends a datagram
/// through it to a local peer and one back. Returns the relayed address, or why it failed.
pub async fn allocate_and_relay(
    server: SocketAddr,
    username: &str,
    password: &str,
) -> Result<SocketAddr, String> {
    let socket = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let client = Client::new(ClientConfig {
        stun_serv_addr: server.to_string(),
        turn_serv_addr: server.to_string(),
        username: username.to_owned(),
        password: password.to_owned(),
        realm: String::new(),
        software: String::new(),
        rto_in_ms: 0,
        conn: Arc::new(socket),
        vnet: None,
    })
    .await
    .map_err(|e| format!("client: {e}"))?;
    client.listen().await.map_err(|e| format!("listen: {e}"))?;
    let result = relay(&client).await;
    let _ = bounded("closing the client", client.close()).await;
    result
}

async fn relay(client: &Client) -> Result<SocketAddr, String> {
    let relay = bounded("allocate", client.allocate())
        .await?
        .map_err(|e| format!("allocate refused: {e}"))?;
    let relayed = relay.local_addr().map_err(|e| e.to_string())?;

    let peer = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let peer_addr = peer.local_addr().map_err(|e| e.to_string())?;
    bounded(
        "send through the relay",
        relay.send_to(b"viva-out", peer_addr),
    )
    .await?
    .map_err(|e| format!("send through the relay: {e}"))?;
    let mut buf = [0u8; 64];
    let (n, from) = bounded("the peer receiving", peer.recv_from(&mut buf))
        .await?
        .map_err(|e| e.to_string())?;
    if &buf[..n] != b"viva-out" || from.port() != relayed.port() {
        return Err(format!("the peer got {:?} from {from}", &buf[..n]));
    }
    peer.send_to(b"viva-back", from)
        .await
        .map_err(|e| e.to_string())?;
    let (n, _) = bounded("the relay receiving", relay.recv_from(&mut buf))
        .await?
        .map_err(|e| format!("receive through the relay: {e}"))?;
    if &buf[..n] != b"viva-back" {
        return Err(format!("the relay got {:?}", &buf[..n]));
    }
    let _ = bounded("closing the relay", relay.close()).await;
    Ok(relayed)
}
