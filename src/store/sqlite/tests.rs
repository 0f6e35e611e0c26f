//! The SQLite store against a real file.

use super::*;
use crate::call::EndReason;
use crate::ids::new_id;
use crate::interview::{EventKind, InterviewEvent, builtin_templates};
use crate::store::{
    CallChanges, CallStore, EventsOf, IntegratorStore, InterviewFilter, Role, TranscriptItem,
};

async fn store() -> (SqliteStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("viva-store-{}.db", new_id("")));
    (SqliteStore::open(&path).await.unwrap(), path)
}

#[tokio::test]
async fn keys_are_found_by_secret_until_revoked() {
    let (store, _) = store().await;
    let (info, secret) = store.create_api_key("ci", false, 1).await.unwrap();
    assert!(secret.starts_with("sk_"));
    assert_eq!(
        store.api_key_for_secret(&secret).await.unwrap(),
        Some(info.clone())
    );
    assert_eq!(store.api_key_for_secret("sk_other").await.unwrap(), None);
    assert!(store.revoke_api_key(&info.prefix, 2).await.unwrap());
    assert_eq!(store.api_key_for_secret(&secret).await.unwrap(), None);
    assert!(
        !store.revoke_api_key(&info.id, 3).await.unwrap(),
        "already revoked"
    );
}

#[tokio::test]
async fn interviews_persist_across_reopening() {
    let (store, path) = store().await;
    store.seed_templates(&builtin_templates(), 1).await.unwrap();
    store.seed_templates(&builtin_templates(), 2).await.unwrap();
    assert_eq!(
        store.templates().await.unwrap().len(),
        builtin_templates().len()
    );
    let user = store.user_for_email("Ada@Example.com", 1).await.unwrap();
    assert_eq!(
        store.user_for_email("ada@example.com", 2).await.unwrap(),
        user
    );
    let template = &builtin_templates()[0];
    let interview = Interview {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.id.clone(),
        template_id: template.id.clone(),
        status: Status::InProgress,
        started_at_ms: 5,
        completed_at_ms: None,
        progress_data: Interview::initial_progress(),
        questions: template.plan(),
        context: None,
    };
    let created = InterviewEvent::of_interview(&interview.id, 5, EventKind::Created);
    store.create_interview(&interview, &created).await.unwrap();
    store.close().await;
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        reopened.interview(&interview.id).await.unwrap(),
        Some(interview.clone())
    );
    let filter = InterviewFilter {
        user_id: Some(user.id.clone()),
        status: Some(Status::InProgress),
        skip: 0,
        limit: 10,
    };
    assert_eq!(reopened.interviews(&filter).await.unwrap().len(), 1);
    let filter = InterviewFilter {
        status: Some(Status::Completed),
        limit: 10,
        ..Default::default()
    };
    assert!(reopened.interviews(&filter).await.unwrap().is_empty());
    let deleted = InterviewEvent::of_interview(&interview.id, 9, EventKind::Deleted);
    assert!(
        reopened
            .delete_interview(&interview.id, &deleted)
            .await
            .unwrap()
    );
    assert!(
        !reopened
            .delete_interview(&interview.id, &deleted)
            .await
            .unwrap()
    );
    assert_eq!(
        reopened
            .events(EventsOf::Interview(&interview.id))
            .await
            .unwrap(),
        [created, deleted],
        "one event per change, the second delete changed nothing"
    );
}

#[tokio::test]
async fn call_items_keep_their_order_and_merge_updates() {
    let (store, _) = store().await;
    store.call_started("rtc_1", "cs_1", None, 1).await.unwrap();
    let item = |id: &str, text: Option<&str>, audio| TranscriptItem {
        item_id: id.into(),
        role: Role::User,
        text: text.map(str::to_owned),
        audio_ms: audio,
        truncated_at_ms: None,
        at_ms: 2,
    };
    let write = |items: Vec<TranscriptItem>| CallChanges {
        items,
        ..Default::default()
    };
    let first = write(vec![
        item("a", None, Some(900)),
        item("b", Some("hi"), None),
    ]);
    store.record_call("rtc_1", &first).await.unwrap();
    let later = write(vec![item("a", Some("hello"), None)]);
    store.record_call("rtc_1", &later).await.unwrap();
    let call = store.call("rtc_1").await.unwrap().unwrap();
    let texts: Vec<_> = call
        .items
        .iter()
        .map(|i| (i.item_id.as_str(), i.text.as_deref(), i.audio_ms))
        .collect();
    assert_eq!(
        texts,
        vec![("a", Some("hello"), Some(900)), ("b", Some("hi"), None)]
    );
}

#[tokio::test]
async fn a_calls_end_and_its_events_are_one_transaction() {
    let (store, _) = store().await;
    store
        .call_started("rtc_1", "cs_1", Some("iv_1"), 1)
        .await
        .unwrap();
    let event = |at_ms, kind| InterviewEvent {
        call_id: Some("rtc_1".into()),
        interview_id: Some("iv_1".into()),
        at_ms,
        kind,
    };
    let joined = CallChanges {
        events: vec![event(2, EventKind::Joined)],
        ..Default::default()
    };
    store.record_call("rtc_1", &joined).await.unwrap();
    let ended = event(
        3,
        EventKind::Ended {
            reason: EndReason::PeerFailed,
        },
    );
    let end = CallChanges {
        events: vec![ended.clone()],
        ended: Some((EndReason::PeerFailed, 3)),
        ..Default::default()
    };
    store.record_call("rtc_1", &end).await.unwrap();
    let call = store.call("rtc_1").await.unwrap().unwrap();
    assert_eq!(
        (call.ended_at_ms, call.end_reason),
        (Some(3), Some(EndReason::PeerFailed))
    );
    let stored = store.events(EventsOf::Call("rtc_1")).await.unwrap();
    assert_eq!(stored, [event(2, EventKind::Joined), ended.clone()]);
    assert_eq!(
        store.events(EventsOf::Interview("iv_1")).await.unwrap(),
        stored
    );
    // The end of a call that does not exist fails, and its event is not written either.
    let ghost = CallChanges {
        events: vec![InterviewEvent {
            call_id: Some("rtc_ghost".into()),
            ..ended
        }],
        ended: Some((EndReason::Hangup, 4)),
        ..Default::default()
    };
    assert!(matches!(
        store.record_call("rtc_ghost", &ghost).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .events(EventsOf::Call("rtc_ghost"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_duplicate_key_is_a_conflict() {
    let (store, _) = store().await;
    let template = &builtin_templates()[0];
    store.create_template(template, 1).await.unwrap();
    assert!(matches!(
        store.create_template(template, 2).await,
        Err(StoreError::Conflict(_))
    ));
}
