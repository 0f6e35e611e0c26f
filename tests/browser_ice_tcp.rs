//! The candidate page in headless Chromium on a network that blocks UDP, as far as ICE can
//! tell (`?ice=tcp`: the page drops every UDP candidate from its offer and from the server's
//! answer): with the embedded defaults the call still comes up, by ICE-TCP (RFC 6544, RFC 4571
//! framing) straight to the server's passive TCP host candidate on its media port, no TURN.
//! getStats() must show a TCP pair ending at the server's host candidate.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_without_udp_holds_a_call_over_ice_tcp() {
    let server = start_server(test_config()).await;
    let summary = run_browser_call_env(
        server.addr,
        "I have run the on-call rotation for a team of six for two years.",
        &[("VIVA_ICE", "tcp")],
    )
    .await;
    assert_eq!(summary["ice"], "tcp", "{summary}");
    assert_eq!(summary["iceTransportPolicy"], "all", "{summary}");
    assert_eq!(summary["localProtocol"], "tcp", "{summary}");
    assert_eq!(summary["remoteProtocol"], "tcp", "{summary}");
    // The server's end is its passive TCP host candidate: straight to the media port, no relay.
    assert_eq!(summary["remoteCandidateType"], "host", "{summary}");
    // The browser's end is its active TCP host candidate, which announces the discard port 9,
    // so Chromium reports the connection's real source address (learned from the server's
    // binding response) as peer-reflexive.
    assert!(
        ["host", "prflx"].contains(&summary["localCandidateType"].as_str().unwrap_or_default()),
        "{summary}"
    );
    assert!(summary["packetsReceived"].as_u64() > Some(50), "{summary}");
    assert!(
        summary["totalAudioEnergy"].as_f64() > Some(0.0),
        "{summary}"
    );
    assert!(summary["speechStarted"].as_u64() >= Some(1), "{summary}");
    assert!(summary["speechStopped"].as_u64() >= Some(1), "{summary}");
    assert_eq!(summary["state"], "ended");

    // The server saw the same call, with the candidate's speech, end by hangup.
    let record = ended_call_record(server.addr, summary["callId"].as_str().unwrap()).await;
    assert_eq!(record["end_reason"], "hangup", "{record:#}");
    assert!(
        record["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["role"] == "user" && i["audio_ms"].as_u64() > Some(1_000)),
        "{record:#}"
    );
}
