//! Viva's TURN REST credentials against a real coturn (Debian's `turnserver`, started here on
//! loopback with `--use-auth-secret`): a relay is allocated and relays both ways with credentials
//! minted by `TurnSecrets::mint`, including one signed with the previous secret of a rotation
//! (coturn given both secrets); expired, wrong and foreign credentials are refused.

mod turn_support;

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use turn_support::allocate_and_relay;
use viva::credentials::{TurnSecrets, TurnUrls};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn urls() -> TurnUrls {
    TurnUrls {
        host: None,
        port: 3478,
        tls_port: 443,
        tcp: true,
        tls: true,
    }
}

/// A port free for both UDP and TCP on loopback right now.
fn free_port() -> u16 {
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// coturn as a child process, killed on drop.
struct Coturn {
    child: tokio::process::Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Coturn {
    async fn start(secrets: &[&str]) -> Self {
        let turnserver = ["/usr/bin/turnserver", "/usr/sbin/turnserver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("coturn is installed (scripts/install-deps --test: apt-get install coturn)");
        let dir = std::env::temp_dir().join(format!("viva-coturn-{}", viva::ids::new_id("")));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("turnserver.log");
        let port = free_port();
        let relay_low = 40_000 + (port % 20_000);
        let mut command = tokio::process::Command::new(turnserver);
        command
            .args([
                "-n",
                "--use-auth-secret",
                "--realm=viva",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                &format!("--listening-port={port}"),
                &format!("--min-port={relay_low}"),
                &format!("--max-port={}", relay_low + 200),
                "--no-tls",
                "--no-dtls",
                "--no-cli",
                "--allow-loopback-peers",
                "--simple-log",
                &format!("--log-file={}", log.display()),
                &format!("--pidfile={}", dir.join("turnserver.pid").display()),
                &format!("--userdb={}", dir.join("turndb").display()),
            ])
            .args(secrets.iter().map(|s| format!("--static-auth-secret={s}")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let child = command.spawn().expect("turnserver starts");
        let coturn = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        coturn.wait_ready().await;
        coturn
    }

    /// Waits (at most 10 s) until coturn answers a STUN binding request.
    async fn wait_ready(&self) {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        // Binding request, magic cookie, a transaction id.
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42];
        request.extend([9u8; 12]);
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            let _ = socket.send_to(&request, self.addr).await;
            if let Ok(Ok((n, _))) =
                tokio::time::timeout(Duration::from_millis(200), socket.recv_from(&mut buf)).await
                && n >= 20
                && buf[0..2] == [0x01, 0x01]
            {
                return;
            }
        }
        panic!(
            "coturn did not come up on {}:\n{}",
            self.addr,
            self.log_text()
        );
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coturn_accepts_vivas_credentials_and_refuses_bad_ones() {
    let secrets = TurnSecrets::new("shared-with-coturn", None);
    let coturn = Coturn::start(&["shared-with-coturn"]).await;

    let good = secrets.mint("cs_coturn", 600, now(), &urls());
    let relayed = allocate_and_relay(coturn.addr, &good.username, &good.password).await;
    assert!(
        relayed.is_ok(),
        "coturn refused valid credentials: {relayed:?}\n{}",
        coturn.log_text()
    );

    let expired = secrets.mint("cs_coturn", 60, now() - 120, &urls());
    let refused = allocate_and_relay(coturn.addr, &expired.username, &expired.password).await;
    assert!(refused.is_err(), "expired: {refused:?}");

    let refused = allocate_and_relay(coturn.addr, &good.username, "d3JvbmcgcGFzc3dvcmQ=").await;
    assert!(refused.is_err(), "wrong password: {refused:?}");

    let foreign =
        TurnSecrets::new("not-coturns-secret", None).mint("cs_coturn", 600, now(), &urls());
    let refused = allocate_and_relay(coturn.addr, &foreign.username, &foreign.password).await;
    assert!(refused.is_err(), "foreign secret: {refused:?}");

    coturn.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coturn_with_both_secrets_accepts_credentials_from_before_a_rotation() {
    let coturn = Coturn::start(&["after-rotation", "before-rotation"]).await;
    let rotated = TurnSecrets::new("after-rotation", Some("before-rotation".into()));
    let old = TurnSecrets::new("before-rotation", None);

    for creds in [
        old.mint("cs_old", 600, now(), &urls()),
        rotated.mint("cs_new", 600, now(), &urls()),
    ] {
        let relayed = allocate_and_relay(coturn.addr, &creds.username, &creds.password).await;
        assert!(
            relayed.is_ok(),
            "{}: {relayed:?}\n{}",
            creds.username,
            coturn.log_text()
        );
    }
    coturn.stop().await;
}
