//! A fixed media port range whose next UDP port is taken by someone else while its TCP twin is
//! free: webrtc-rs would still build a connection there (TCP only, for ICE-TCP), so the server
//! must skip that port and answer on the next one, where a UDP-only peer connects.

mod common;

use common::*;
use viva::config::PortRange;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_udp_port_is_skipped_even_when_its_tcp_twin_is_free() {
    // Two consecutive ports, both free; then take the first one's UDP side only.
    let (taken, low) = (1..50)
        .find_map(|_| {
            let udp = std::net::UdpSocket::bind("127.0.0.1:0").ok()?;
            let low = udp.local_addr().ok()?.port();
            let high = low.checked_add(1)?;
            std::net::UdpSocket::bind(("127.0.0.1", high)).ok()?;
            std::net::TcpListener::bind(("127.0.0.1", high)).ok()?;
            std::net::TcpListener::bind(("127.0.0.1", low)).ok()?;
            Some((udp, low))
        })
        .expect("two free consecutive ports");
    let mut config = test_config();
    config.udp_ports = Some(PortRange(low..=low + 1));
    let server = start_server(config).await;
    let secret = mint_secret(server.addr, serde_json::json!({})).await;
    // The round robin starts at the range's first port: the taken one.
    let peer = connected_call(server.addr, &secret).await;
    peer.close().await;
    drop(taken);
}
