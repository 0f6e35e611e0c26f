//! The candidate page in headless Chromium holding a call relay-only (`?relay=1`,
//! `iceTransportPolicy: "relay"`): its ICE servers come from `GET /v1/realtime/ice_servers` and
//! every media packet goes through the embedded TURN server, as on a network that allows
//! nothing else. getStats() must show a relay candidate on the browser's side of the pair.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_holds_a_call_relayed_through_the_embedded_turn_server() {
    let server = start_server(test_config()).await;
    assert!(server.turn.is_some(), "the embedded TURN server runs");
    let summary = run_browser_call(
        server.addr,
        "I have led a team of four engineers building payment systems.",
        true,
    )
    .await;
    assert_eq!(summary["iceTransportPolicy"], "relay", "{summary}");
    assert!(summary["iceServers"].as_u64() >= Some(1), "{summary}");
    assert_eq!(summary["localCandidateType"], "relay", "{summary}");
    assert_eq!(summary["relayProtocol"], "udp", "{summary}");
    assert!(summary["packetsReceived"].as_u64() > Some(50), "{summary}");
    assert!(
        summary["totalAudioEnergy"].as_f64() > Some(0.0),
        "{summary}"
    );
    assert!(summary["speechStarted"].as_u64() >= Some(1), "{summary}");
    assert_eq!(summary["state"], "ended");
}
