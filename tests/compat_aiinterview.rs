//! Seed 004 (AI Interview) over a real socket against a running server: the React component's
//! flow on the demo data (start on open, answers, a clarification, the `pause` command,
//! pause/resume messages, ping, status, the `end` command, `final_assessment`) with every
//! field, the interview it leaves in the core; the whole plan with a fake OpenAI model whose
//! assessment fills `final_assessment`; a reconnect mid-interview. Who may connect:
//! `compat_aiinterview_tenancy.rs`; error paths: `compat_aiinterview_limits.rs`.

#[path = "common/aiinterview.rs"]
mod aiinterview;
mod common;
#[path = "common/fake_openai.rs"]
mod fake_openai;
#[path = "common/ws_client.rs"]
mod ws_client;

use aiinterview::*;
use common::*;
use fake_openai::{FakeOpenAi, Reply};
use serde_json::{Value, json};
use viva::interview::{EventKind, Status};
use viva::store::{EventsOf, Role};
use ws_client::*;

const IT_APP: &str = "550e8400-e29b-41d4-a716-446655440000";
const BFSI_APP: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const IT_COMPETENCIES: [&str; 5] = [
    "technical_proficiency",
    "system_thinking",
    "analytical_skills",
    "project_understanding",
    "learning_ability",
];
const UNIVERSAL: [&str; 6] = [
    "communication_score",
    "problem_solving_score",
    "leadership_potential_score",
    "adaptability_score",
    "teamwork_score",
    "cultural_fit_score",
];

#[tokio::test]
async fn the_react_flow_on_the_demo_data_is_an_interview_of_the_core() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let url = ws_url(server.addr, &format!("/interview/{IT_APP}"));
    let mut ws = WsClient::connect(&url).await;
    let started = start(&mut ws).await;
    let session_id = started["session_id"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&session_id).is_ok(), "{started}");
    assert_eq!(started["candidate_name"], "Priya Nair");
    assert_eq!(started["job_title"], "Python Developer");
    assert_eq!(started["duration"], 20);
    assert_eq!(started["status"], "initialized");
    let q1 = next(&mut ws, "new_question").await;
    assert_question(&q1, 1, "icebreaker", 1200);
    assert!(
        q1["question"]
            .as_str()
            .unwrap()
            .contains("Python Developer role at Acme Software")
    );

    let pong = ask(&mut ws, message("ping", json!({})), "pong").await;
    let stamp = pong["timestamp"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok()
    );
    assert!(stamp.ends_with('Z') && stamp.len() == 24, "{stamp}");
    let status = ask(&mut ws, message("get_status", json!({})), "status_update").await;
    assert_eq!(status["status"], "in_progress", "{status}");
    assert_eq!(status["question_number"], 1);
    assert_eq!(status["session_id"], session_id.as_str());

    // A very short answer is the one measurable cue for a clarification of the same question.
    let clarify = answered(&mut ws, "ok").await;
    assert_question(&clarify, 1, "clarification", 1200);
    assert!(
        clarify["question"]
            .as_str()
            .unwrap()
            .contains(q1["question"].as_str().unwrap())
    );

    let q2 = answered(
        &mut ws,
        "I build Django services and I like clean data models.",
    )
    .await;
    assert_question(&q2, 2, "icebreaker", 1200);

    // The `pause` command, then a regular answer resumes and is taken as the answer.
    let paused = ask(&mut ws, answer("pause"), "interview_paused").await;
    assert_eq!(paused["session_id"], session_id.as_str());
    assert_eq!(paused["message"], "Interview has been paused");
    let frozen = paused["time_remaining"].as_u64().unwrap();
    assert!(frozen <= 1200 && frozen > 1100, "{paused}");
    let status = ask(&mut ws, message("get_status", json!({})), "status_update").await;
    assert_eq!(status["status"], "paused");
    ws.send(answer("Lately a reporting service on PostgreSQL views."))
        .await;
    let resumed = next(&mut ws, "interview_resumed").await;
    assert_eq!(
        resumed,
        json!({"type": "interview_resumed", "message": "Interview has been resumed", "session_id": session_id})
    );
    processing(&mut ws).await;
    let q3 = next(&mut ws, "new_question").await;
    assert_question(&q3, 3, "resume", 1200);
    assert!(
        q3["question"]
            .as_str()
            .unwrap()
            .contains("Backend developer, 4 years of Python")
    );

    // The messages, and their errors when repeated.
    ask(
        &mut ws,
        message("pause_interview", json!({})),
        "interview_paused",
    )
    .await;
    let again = ask(&mut ws, message("pause_interview", json!({})), "error").await;
    assert_eq!(
        (again["error_code"].as_str(), again["recoverable"].as_bool()),
        (Some("ALREADY_PAUSED"), Some(true))
    );
    ask(
        &mut ws,
        message("resume_interview", json!({})),
        "interview_resumed",
    )
    .await;
    let again = ask(&mut ws, message("resume_interview", json!({})), "error").await;
    assert_eq!(again["error_code"], "NOT_PAUSED");

    // `end` completes at once; without a model nothing is scored and the reason says why.
    ws.send(answer("END")).await;
    processing(&mut ws).await;
    let done = next(&mut ws, "interview_completed").await;
    assert_eq!(done["session_id"], session_id.as_str());
    assert_eq!(done["message"], "Interview completed successfully");
    let a = &done["final_assessment"];
    for field in [
        "overall_score",
        "technical_score",
        "final_recommendation",
        "confidence_level",
        "interview_quality_score",
    ] {
        assert_eq!(a[field], Value::Null, "{field}: {a}");
    }
    assert_eq!(a["industry_type"], "IT", "from the application");
    let names: Vec<&String> = a["industry_competency_scores"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(names.len(), 5);
    for name in IT_COMPETENCIES {
        assert_eq!(a["industry_competency_scores"][name], Value::Null, "{a}");
    }
    for name in UNIVERSAL {
        assert_eq!(a["universal_scores"][name], Value::Null, "{a}");
    }
    assert_eq!(
        a["feedback"]["universal_feedback_for_candidate"],
        Value::Null
    );
    assert_eq!(
        a["feedback"]["industry_specific_feedback"]["domain_strengths"],
        Value::Null
    );
    assert_eq!(
        a["feedback"]["overall_feedback_for_recruiters"],
        Value::Null
    );
    assert_eq!(a["reason"]["code"], "assessment_unavailable", "{a}");
    assert!(
        a["reason"]["message"]
            .as_str()
            .unwrap()
            .contains("OPENAI_API_KEY")
    );
    let metrics = &a["interview_metrics"];
    assert_eq!(
        metrics["questions_answered"], 2,
        "Q1 and Q2; Q3 was not answered: {a}"
    );
    assert_eq!(metrics["completion_status"], "ended_by_candidate");
    assert_eq!(metrics["engagement_level"], Value::Null, "not measured");
    let duration = metrics["duration"].as_str().unwrap();
    assert!(
        duration.len() == 5 && duration.as_bytes()[2] == b':',
        "{duration}"
    );
    let after = ask(&mut ws, answer("hello?"), "error").await;
    assert_eq!(after["error_code"], "INTERVIEW_COMPLETED");

    // In the core: its messages (commands are not answers), its lifecycle, its results.
    let org_id = demo_org(&server).await;
    let store = &server.state.store;
    let stored = store
        .interview(&org_id, &session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Status::Completed);
    let items = store.interview_items(&org_id, &session_id).await.unwrap();
    let answers: Vec<_> = items
        .iter()
        .filter(|i| i.role == Role::User)
        .filter_map(|i| i.text.as_deref())
        .collect();
    assert_eq!(
        answers,
        [
            "ok",
            "I build Django services and I like clean data models.",
            "Lately a reporting service on PostgreSQL views."
        ]
    );
    assert_eq!(items[0].text.as_deref(), q1["question"].as_str());
    use Status::*;
    assert_eq!(
        statuses(&server, &session_id).await,
        [
            InProgress, Paused, InProgress, Paused, InProgress, Completed
        ]
    );
    let events = store
        .events(EventsOf::Interview(&session_id))
        .await
        .unwrap();
    assert!(events.iter().any(
        |e| matches!(&e.kind, EventKind::ResultsAvailable { state } if state == "unavailable")
    ));

    // The seed's client starts on every open: after the end, that is a new interview.
    let again = start(&mut ws).await;
    assert_ne!(again["session_id"], session_id.as_str());
    assert_eq!(again["status"], "initialized");
    assert_question(&next(&mut ws, "new_question").await, 1, "icebreaker", 1200);
}

/// What the fake model "writes": the document's numbers, as key areas named by the context.
fn scripted_assessment() -> Value {
    let area = |name: &str, score: u32, text: &str| json!({"area": name, "score": score, "assessment": text});
    json!({
        "overall_score": 85,
        "answers": [],
        "strengths": [{"area": "Risk models", "detail": "Explained PD models."}],
        "weak_areas": [{"area": "Stakeholder management", "detail": "Few examples."}],
        "key_areas": [
            area("Communication", 88, "Clear."), area("problem_solving", 82, "Structured."),
            area("leadership_potential", 75, "Some."), area("adaptability", 90, "Good."),
            area("teamwork", 85, "Good."), area("cultural_fit", 87, "Good."),
            area("technical", 78, "Solid SQL."), area("risk_assessment", 80, "Good."),
            area("financial_acumen", 70, "Fair."), area("interview_quality", 92, "Full answers."),
            area("confidence", 80, "Enough material."),
            area("feedback_for_candidate", 85, "Great job; add leadership examples."),
        ],
        "feedback": "Recommended for hire - strong technical foundation.",
        "recommendation": "hire",
    })
}

#[tokio::test]
async fn the_whole_plan_with_a_model_ends_in_the_models_assessment() {
    let fake = FakeOpenAi::start().await;
    fake.script([Reply::Assessment(scripted_assessment())]);
    let mut config = test_config();
    config.openai_api_key = Some("sk-fake".into());
    config.openai_api_base = fake.base.clone();
    config.assess_model = "gpt-assess-test".into();
    config.upstream = Some(viva::config::UpstreamKind::Local);
    let (config, _dir) = cleaned(config);
    let server = start_server(config).await;
    let mut ws = WsClient::connect(&ws_url(server.addr, &format!("/interview/{BFSI_APP}"))).await;
    let started = ask(
        &mut ws,
        message("start_interview", json!({"duration": 30})),
        "interview_started",
    )
    .await;
    assert_eq!(started["duration"], 30);
    assert_eq!(started["candidate_name"], "Daniel Okafor");
    let mut kinds = Vec::new();
    let mut last_progress = 0;
    let mut question = next(&mut ws, "new_question").await;
    let done = loop {
        let number = kinds.len() as u64 + 1;
        let kind = question["question_type"].as_str().unwrap().to_owned();
        assert_question(&question, number, &kind, 1800);
        let progress = question["progress"].as_u64().unwrap();
        assert!(progress > last_progress, "{question}");
        last_progress = progress;
        kinds.push(kind);
        ws.send(answer(&format!(
            "My answer to question {number} is about credit risk work."
        )))
        .await;
        processing(&mut ws).await;
        let reply = ws.recv().await;
        match reply["type"].as_str() {
            Some("new_question") => question = reply,
            Some("status_update") => break next(&mut ws, "interview_completed").await,
            _ => panic!("{reply}"),
        }
    };
    let expected: Vec<&str> = ["icebreaker"; 2]
        .into_iter()
        .chain(["resume"; 3])
        .chain(["scenario"; 4])
        .chain(["bonus"; 4])
        .collect();
    assert_eq!(
        kinds, expected,
        "30 minutes: 2 + 3 + 4 main, then 4 bonus while time remains"
    );
    let a = &done["final_assessment"];
    assert_eq!(a["overall_score"], 85);
    assert_eq!(a["technical_score"], 78);
    assert_eq!(a["universal_scores"]["communication_score"], 88, "{a}");
    assert_eq!(a["universal_scores"]["cultural_fit_score"], 87);
    assert_eq!(a["industry_type"], "BFSI");
    assert_eq!(a["industry_competency_scores"]["risk_assessment"], 80);
    assert_eq!(a["industry_competency_scores"]["financial_acumen"], 70);
    assert_eq!(
        a["industry_competency_scores"]["regulatory_knowledge"],
        Value::Null,
        "not named by the model"
    );
    assert_eq!(a["final_recommendation"], "hire");
    assert_eq!(a["confidence_level"], "high");
    assert_eq!(a["interview_quality_score"], 92);
    let f = &a["feedback"];
    assert_eq!(
        f["universal_feedback_for_candidate"],
        "Great job; add leadership examples."
    );
    assert_eq!(
        f["overall_feedback_for_recruiters"],
        "Recommended for hire - strong technical foundation."
    );
    assert!(
        f["universal_feedback_for_recruiters"]
            .as_str()
            .unwrap()
            .contains("communication: Clear.")
    );
    assert_eq!(
        f["industry_specific_feedback"]["technical_feedback_for_recruiters"],
        "Solid SQL."
    );
    assert_eq!(
        f["industry_specific_feedback"]["technical_feedback_for_candidate"],
        Value::Null
    );
    assert_eq!(
        f["industry_specific_feedback"]["domain_strengths"],
        json!(["Risk models"])
    );
    assert_eq!(
        f["areas_of_improvement_for_candidate"],
        json!(["Stakeholder management"])
    );
    assert_eq!(a["interview_metrics"]["questions_answered"], 13);
    assert_eq!(a["interview_metrics"]["completion_status"], "completed");
    assert_eq!(a["reason"], Value::Null);

    // What the model was sent: the answers and the industry's competencies to name.
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].0, "Bearer sk-fake");
    let sent = requests[0].1["messages"][1]["content"].as_str().unwrap();
    assert!(sent.contains("My answer to question 13 is about credit risk work."));
    assert!(
        sent.contains("Industry: BFSI") && sent.contains("risk_assessment"),
        "{sent}"
    );
    let org_id = demo_org(&server).await;
    let id = done["session_id"].as_str().unwrap();
    wait_status(&server, &org_id, id, Status::Completed).await;
}

#[tokio::test]
async fn reconnecting_resumes_at_the_current_question() {
    let (config, _dir) = cleaned(test_config());
    let server = start_server(config).await;
    let url = ws_url(server.addr, &format!("/interview/{IT_APP}"));
    let mut ws = WsClient::connect(&url).await;
    let started = start(&mut ws).await;
    let id = started["session_id"].as_str().unwrap().to_owned();
    next(&mut ws, "new_question").await;
    let q2 = answered(&mut ws, "I enjoy building backend services in Python.").await;
    drop(ws);
    let org_id = demo_org(&server).await;
    wait_status(&server, &org_id, &id, Status::Incomplete).await;

    let mut ws = WsClient::connect(&url).await;
    let resumed = next(&mut ws, "new_question").await;
    assert_eq!(resumed["question"], q2["question"]);
    assert_eq!(resumed["question_number"], 2);
    wait_status(&server, &org_id, &id, Status::InProgress).await;
    // The seed's client starts again on open: the same interview, at the same question.
    let again = start(&mut ws).await;
    assert_eq!(again["session_id"], id.as_str());
    assert_eq!(again["status"], "in_progress");
    assert_eq!(
        next(&mut ws, "new_question").await["question"],
        q2["question"]
    );
    // A second socket alongside shares the session.
    let mut other = WsClient::connect(&url).await;
    assert_eq!(next(&mut other, "new_question").await["question_number"], 2);
    other
        .send(answer("A reporting service with PostgreSQL views."))
        .await;
    processing(&mut other).await;
    assert_eq!(next(&mut other, "new_question").await["question_number"], 3);
    let status = ask(&mut ws, message("get_status", json!({})), "status_update").await;
    assert_eq!(status["question_number"], 3, "{status}");
}
