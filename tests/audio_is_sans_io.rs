//! `src/audio/` stays pure: no async runtime, no sockets, no files, no clock reads, no
//! threads. Time and I/O belong to the callers; this keeps the hot path testable and
//! measurable on its own.

use std::path::Path;

/// Paths and calls that would bring I/O or wall-clock time into the audio path.
const FORBIDDEN: &[&str] = &[
    "tokio",
    "webrtc",
    "std::net",
    "std::fs",
    "std::io::stdin",
    "std::thread",
    "std::process",
    "Instant::now",
    "SystemTime",
    "UNIX_EPOCH",
    "async fn",
    ".await",
    "reqwest",
    "axum",
];

#[test]
fn the_audio_module_does_no_io_and_reads_no_clock() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/audio");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for (number, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                assert!(
                    !code.contains(word),
                    "{}:{}: `{word}` in the audio path: {line}",
                    path.display(),
                    number + 1
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 5,
        "expected the audio module's files, found {checked}"
    );
}
