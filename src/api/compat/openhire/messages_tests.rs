//! The parser on the document's messages, on every documented error, and on many random and
//! mutated frames (a fuzz without proptest: a seeded generator, so a failure repeats).

use serde_json::{Value, json};

use super::*;

fn error_of(text: &str) -> Value {
    let error = parse(text).expect_err(text);
    serde_json::from_str(&error.to_json()).unwrap()
}

#[test]
fn the_documents_messages_parse() {
    let start = json!({"type": "start_interview", "data": {
        "job_id": "ff7f1e59-3014-4cc8-8f2e-4b3ca694ceb3",
        "candidate_id": "candidate-uuid-here",
        "resume_text": "Optional: candidate resume text",
        "preferences": {"max_duration": 30, "difficulty_level": "medium",
                        "focus_areas": ["javascript", "react", "node.js"]}}});
    let Incoming::StartInterview(start) = parse(&start.to_string()).unwrap() else {
        panic!("a start");
    };
    assert_eq!(start.candidate_id, "candidate-uuid-here");
    assert_eq!(start.preferences.max_duration, Some(30));
    assert_eq!(start.preferences.difficulty_level, Some(Difficulty::Medium));
    assert_eq!(start.preferences.focus_areas.len(), 3);
    assert_eq!(
        parse(r#"{"type": "candidate_response", "data": {"response": "Yes"}}"#).unwrap(),
        Incoming::CandidateResponse {
            response: "Yes".into()
        }
    );
    assert_eq!(
        parse(
            r#"{"type": "live_transcript", "data": {"transcript": "I think", "is_final": false}}"#
        )
        .unwrap(),
        Incoming::LiveTranscript {
            transcript: "I think".into(),
            is_final: false
        }
    );
    assert_eq!(
        parse(r#"{"type": "end_interview", "data": {}}"#).unwrap(),
        Incoming::EndInterview
    );
    assert_eq!(
        parse(r#"{"type": "get_status"}"#).unwrap(),
        Incoming::GetStatus
    );
}

#[test]
fn errors_have_the_documents_shape_and_texts() {
    let e = error_of(r#"{"type": "start_interview", "data": {"job_id": "x"}}"#);
    assert_eq!(e["type"], "error");
    assert_eq!(e["message"], "job_id and candidate_id are required");
    assert_eq!(e["status_code"], 400);
    assert_eq!(e["exception_type"], "HTTPException");
    assert!(e["details"].is_string());
    assert_eq!(error_of("not json")["exception_type"], "JSONDecodeError");
    assert_eq!(error_of("[1]")["status_code"], 400);
    assert_eq!(
        error_of(r#"{"data": {}}"#)["message"],
        "Message type is required"
    );
    assert_eq!(
        error_of(r#"{"type": "dance"}"#)["message"],
        "Unknown message type: dance"
    );
    let wrong =
        error_of(r#"{"type": "start_interview", "data": {"job_id": 5, "candidate_id": "c"}}"#);
    assert_eq!(
        (wrong["status_code"].as_u64(), wrong["message"].as_str()),
        (Some(422), Some("Invalid field: job_id"))
    );
    let level = r#"{"type": "start_interview", "data": {"job_id": "j", "candidate_id": "c", "preferences": {"difficulty_level": "extreme"}}}"#;
    assert_eq!(error_of(level)["exception_type"], "ValidationError");
    assert_eq!(
        error_of(r#"{"type": "candidate_response", "data": {}}"#)["message"],
        "response is required"
    );
    assert_eq!(
        error_of(r#"{"type": "live_transcript", "data": {"transcript": "a", "is_final": "yes"}}"#)
            ["message"],
        "Invalid field: is_final"
    );
    assert_eq!(
        error_of(r#"{"type": "get_status", "data": []}"#)["message"],
        "Invalid field: data"
    );
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: [&str; 6] = [
    r#"{"type": "start_interview", "data": {"job_id": "j", "candidate_id": "c", "resume_text": "r", "preferences": {"max_duration": 30, "difficulty_level": "hard", "focus_areas": ["a"]}}}"#,
    r#"{"type": "candidate_response", "data": {"response": "Yes, three years"}}"#,
    r#"{"type": "live_transcript", "data": {"transcript": "I think", "is_final": true}}"#,
    r#"{"type": "end_interview", "data": {}}"#,
    r#"{"type": "get_status", "data": {}}"#,
    r#"{"type": "x", "data": null}"#,
];

const PIECES: [&str; 14] = [
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "true",
    "-1e999",
    "\\u0000",
    "\u{1F600}",
    "data",
    "type",
];

#[test]
fn random_and_mutated_frames_never_panic_and_errors_are_well_formed() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..20_000 {
        let mut bytes: Vec<u8> = if round % 4 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            SEEDS[rng.below(SEEDS.len())].as_bytes().to_vec()
        };
        for _ in 0..rng.below(6) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => {
                    let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                    bytes.splice(at..at, piece.iter().copied());
                }
                _ if at < bytes.len() => bytes[at] = rng.next() as u8,
                _ => {}
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Err(error) = parse(&text) {
            let json: Value = serde_json::from_str(&error.to_json()).unwrap();
            assert_eq!(json["type"], "error");
            assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
            assert!(json["details"].is_string());
            assert!((400..=599).contains(&json["status_code"].as_u64().unwrap()));
            assert!(json["exception_type"].is_string());
        }
    }
}
