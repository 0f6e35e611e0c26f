//! Checks on an SDP offer before webrtc-rs sees it, and the answer's candidate rewrite for NAT
//! 1:1 (webrtc-rs 0.21 stores `nat_1to1_ips` but never applies it).

use super::PeerError;

/// The largest offer accepted; browsers send 3–8 KB.
pub const MAX_OFFER_BYTES: usize = 64 * 1024;

/// Accepts an offer with an audio section that offers Opus; explains what is wrong otherwise.
pub fn check_offer(sdp: &str) -> Result<(), PeerError> {
    if !sdp.starts_with("v=0") {
        return Err(PeerError::NotSdp);
    }
    let mut in_audio = false;
    let mut audio = false;
    let mut opus = false;
    for line in sdp.lines() {
        if let Some(media) = line.strip_prefix("m=") {
            let mut fields = media.split_whitespace();
            in_audio =
                fields.next() == Some("audio") && fields.next().is_some_and(|port| port != "0");
            audio |= in_audio;
        } else if in_audio
            && line.starts_with("a=rtpmap:")
            && line.to_ascii_lowercase().contains(" opus/48000")
        {
            opus = true;
        }
    }
    match (audio, opus) {
        (false, _) => Err(PeerError::NoAudio),
        (true, false) => Err(PeerError::NoOpus),
        (true, true) => Ok(()),
    }
}

/// Whether `sdp` has a UDP host candidate, and a TCP one (ICE-TCP, RFC 6544).
pub(crate) fn host_candidate_protocols(sdp: &str) -> (bool, bool) {
    let (mut udp, mut tcp) = (false, false);
    for line in sdp.lines() {
        let Some(candidate) = line.strip_prefix("a=candidate:") else {
            continue;
        };
        // foundation component transport priority address port "typ" type …
        let fields: Vec<&str> = candidate.split(' ').collect();
        if fields.len() > 7 && fields[7] == "host" {
            udp |= fields[2].eq_ignore_ascii_case("udp");
            tcp |= fields[2].eq_ignore_ascii_case("tcp");
        }
    }
    (udp, tcp)
}

/// Replaces the address of every host candidate in `sdp` with `public_ip` (UDP and TCP alike:
/// an ICE-TCP candidate's line has the same leading fields, `tcptype` comes after the type).
pub(crate) fn rewrite_candidates(sdp: &str, public_ip: &str) -> String {
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let (body, ending) = match line.strip_suffix("\r\n") {
            Some(body) => (body, "\r\n"),
            None => line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n")),
        };
        if body.starts_with("a=candidate:") {
            let mut fields: Vec<&str> = body.split(' ').collect();
            if fields.len() > 7 && fields[7] == "host" {
                fields[4] = public_ip;
            }
            out.push_str(&fields.join(" "));
        } else {
            out.push_str(body);
        }
        out.push_str(ending);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIO: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\n";

    #[test]
    fn offers_need_audio_with_opus() {
        assert!(check_offer(AUDIO).is_ok());
        assert!(matches!(check_offer("hello"), Err(PeerError::NotSdp)));
        let video = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
        assert!(matches!(check_offer(video), Err(PeerError::NoAudio)));
        let pcmu = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n";
        assert!(matches!(check_offer(pcmu), Err(PeerError::NoOpus)));
        let opus_in_video =
            "v=0\r\nm=audio 0 RTP/AVP 0\r\nm=video 9 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n";
        assert!(matches!(
            check_offer(opus_in_video),
            Err(PeerError::NoAudio)
        ));
    }

    #[test]
    fn host_candidates_get_the_public_address() {
        let sdp = "a=mid:0\r\na=candidate:1 1 udp 2130706431 10.0.0.5 50000 typ host\r\na=candidate:2 1 udp 1694498815 1.2.3.4 50000 typ srflx raddr 10.0.0.5 rport 50000\r\n";
        let out = rewrite_candidates(sdp, "203.0.113.7");
        assert!(out.contains("a=candidate:1 1 udp 2130706431 203.0.113.7 50000 typ host\r\n"));
        assert!(
            out.contains("1.2.3.4 50000 typ srflx"),
            "only host candidates change"
        );
        assert!(out.starts_with("a=mid:0\r\n"));
    }

    const ICE_TCP: &str = "a=candidate:1 1 udp 2130706431 10.0.0.5 50000 typ host\r\na=candidate:2 1 tcp 1671430143 10.0.0.5 50000 typ host tcptype passive\r\na=candidate:3 1 tcp 1671430143 10.0.0.5 9 typ host tcptype active\r\n";

    #[test]
    fn ice_tcp_host_candidates_get_the_public_address_too() {
        let out = rewrite_candidates(ICE_TCP, "203.0.113.7");
        assert!(out.contains(
            "a=candidate:2 1 tcp 1671430143 203.0.113.7 50000 typ host tcptype passive\r\n"
        ));
        assert!(
            out.contains(
                "a=candidate:3 1 tcp 1671430143 203.0.113.7 9 typ host tcptype active\r\n"
            )
        );
    }

    #[test]
    fn host_candidates_are_told_apart_by_transport() {
        assert_eq!(host_candidate_protocols(ICE_TCP), (true, true));
        let udp_only = ICE_TCP.lines().next().unwrap();
        assert_eq!(host_candidate_protocols(udp_only), (true, false));
        let tcp_only: String = ICE_TCP.lines().skip(1).collect::<Vec<_>>().join("\r\n");
        assert_eq!(host_candidate_protocols(&tcp_only), (false, true));
        let srflx =
            "a=candidate:4 1 udp 1694498815 1.2.3.4 50000 typ srflx raddr 10.0.0.5 rport 50000\r\n";
        assert_eq!(host_candidate_protocols(srflx), (false, false));
        assert_eq!(host_candidate_protocols("v=0\r\n"), (false, false));
    }
}
