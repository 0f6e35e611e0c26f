//! The SQLite store against a real file.

use super::*;
use crate::call::EndReason;
use crate::ids::new_id;
use crate::interview::{EventKind, InterviewEvent, builtin_templates};
use crate::store::{
    CallChanges, CallStore, EventsOf, IntegratorStore, InterviewFilter, Role, TranscriptItem,
};
use crate::store::{DEFAULT_ORG_ID as D, NewCall, OrgStore, StoreError};

fn call<'a>(call_id: &'a str, interview_id: Option<&'a str>) -> NewCall<'a> {
    NewCall {
        call_id,
        secret_id: "cs_1",
        org_id: D,
        interview_id,
        at_ms: 1,
    }
}

async fn store() -> (SqliteStore, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("viva-store-{}.db", new_id("")));
    (SqliteStore::open(&path).await.unwrap(), path)
}

#[tokio::test]
async fn keys_are_found_by_secret_until_revoked() {
    let (store, _) = store().await;
    let (info, secret) = store.create_api_key(D, "ci", false, 1).await.unwrap();
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
        store.templates(D).await.unwrap().len(),
        builtin_templates().len()
    );
    let user = store.user_for_email(D, "Ada@Example.com", 1).await.unwrap();
    assert_eq!(
        store.user_for_email(D, "ada@example.com", 2).await.unwrap(),
        user
    );
    let template = &builtin_templates()[0];
    let interview = interview_of(D, &user.id, template);
    let created = InterviewEvent::of_interview(D, &interview.id, 5, EventKind::Created);
    store.create_interview(&interview, &created).await.unwrap();
    store.close().await;
    let reopened = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        reopened.interview(D, &interview.id).await.unwrap(),
        Some(interview.clone())
    );
    let filter = InterviewFilter {
        user_id: Some(user.id.clone()),
        statuses: vec![Status::InProgress],
        skip: 0,
        limit: 10,
    };
    assert_eq!(reopened.interviews(D, &filter).await.unwrap().len(), 1);
    let filter = InterviewFilter {
        statuses: vec![Status::Completed, Status::Cancelled],
        limit: 10,
        ..Default::default()
    };
    assert!(reopened.interviews(D, &filter).await.unwrap().is_empty());
    let deleted = InterviewEvent::of_interview(D, &interview.id, 9, EventKind::Deleted);
    assert!(
        reopened
            .delete_interview(D, &interview.id, &deleted)
            .await
            .unwrap()
    );
    assert!(
        !reopened
            .delete_interview(D, &interview.id, &deleted)
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
    store.call_started(&call("rtc_1", None)).await.unwrap();
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
    let call = store.call(D, "rtc_1").await.unwrap().unwrap();
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
        .call_started(&call("rtc_1", Some("iv_1")))
        .await
        .unwrap();
    let event = |at_ms, kind| InterviewEvent {
        call_id: Some("rtc_1".into()),
        interview_id: Some("iv_1".into()),
        org_id: Some(D.into()),
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
    let call = store.call(D, "rtc_1").await.unwrap().unwrap();
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
    store.create_template(None, template, 1).await.unwrap();
    assert!(matches!(
        store.create_template(None, template, 2).await,
        Err(StoreError::Conflict(_))
    ));
}

fn interview_of(org_id: &str, user_id: &str, template: &crate::interview::Template) -> Interview {
    Interview {
        id: uuid::Uuid::new_v4().to_string(),
        org_id: org_id.into(),
        user_id: user_id.into(),
        template_id: template.id.clone(),
        status: Status::InProgress,
        started_at_ms: 5,
        completed_at_ms: None,
        progress_data: Interview::initial_progress(),
        questions: template.plan(),
        context: None,
    }
}

#[tokio::test]
async fn one_organization_never_reaches_anothers_data() {
    let (store, _) = store().await;
    store.seed_templates(&builtin_templates(), 1).await.unwrap();
    let a = store.ensure_org("acme", None, 1).await.unwrap();
    let b = store.ensure_org("globex", None, 1).await.unwrap();
    assert_eq!(
        store.ensure_org("acme", Some(5), 2).await.unwrap(),
        a,
        "found, not re-made"
    );
    // The same email is two users, one per organization.
    let ua = store
        .user_for_email(&a.id, "sam@example.com", 1)
        .await
        .unwrap();
    let ub = store
        .user_for_email(&b.id, "sam@example.com", 1)
        .await
        .unwrap();
    assert_ne!(ua.id, ub.id);
    let builtin = &builtin_templates()[0];
    let own = crate::interview::Template {
        id: "tpl_a".into(),
        builtin: false,
        ..builtin.clone()
    };
    store.create_template(Some(&a.id), &own, 1).await.unwrap();
    assert!(store.template(&b.id, "tpl_a").await.unwrap().is_none());
    assert!(
        store.template(&b.id, &builtin.id).await.unwrap().is_some(),
        "built-ins are everyone's"
    );
    assert_eq!(
        store.templates(&a.id).await.unwrap().len(),
        store.templates(&b.id).await.unwrap().len() + 1
    );
    let interview = interview_of(&a.id, &ua.id, builtin);
    let created = InterviewEvent::of_interview(D, &interview.id, 5, EventKind::Created);
    store.create_interview(&interview, &created).await.unwrap();
    assert!(
        store
            .interview(&b.id, &interview.id)
            .await
            .unwrap()
            .is_none()
    );
    let all = InterviewFilter {
        limit: 100,
        ..Default::default()
    };
    assert!(store.interviews(&b.id, &all).await.unwrap().is_empty());
    assert_eq!(store.interviews(&a.id, &all).await.unwrap().len(), 1);
    let stolen = Interview {
        org_id: b.id.clone(),
        ..interview.clone()
    };
    let updated = InterviewEvent::of_interview(D, &interview.id, 6, EventKind::Deleted);
    assert!(matches!(
        store.update_interview(&stolen, &updated).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        !store
            .delete_interview(&b.id, &interview.id, &updated)
            .await
            .unwrap()
    );
    assert!(
        store
            .interview(&a.id, &interview.id)
            .await
            .unwrap()
            .is_some()
    );
    store
        .call_started(&NewCall {
            org_id: &a.id,
            ..call("rtc_a", Some(&interview.id))
        })
        .await
        .unwrap();
    assert!(store.call(&b.id, "rtc_a").await.unwrap().is_none());
    assert!(store.call(&a.id, "rtc_a").await.unwrap().is_some());
    let said = TranscriptItem {
        item_id: "item_1".into(),
        role: Role::Assistant,
        text: Some("Hello".into()),
        audio_ms: None,
        truncated_at_ms: None,
        at_ms: 2,
    };
    let changes = CallChanges {
        items: vec![said.clone()],
        ..Default::default()
    };
    store.record_call("rtc_a", &changes).await.unwrap();
    assert_eq!(
        store.interview_items(&a.id, &interview.id).await.unwrap(),
        [said]
    );
    assert!(
        store
            .interview_items(&b.id, &interview.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Deleting the interview takes its messages with it.
    assert!(
        store
            .delete_interview(&a.id, &interview.id, &updated)
            .await
            .unwrap()
    );
    assert!(
        store
            .interview_items(&a.id, &interview.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn credits_are_exact_under_concurrent_creates() {
    let (store, _) = store().await;
    store.seed_templates(&builtin_templates(), 1).await.unwrap();
    let org = store.ensure_org("pool", Some(7), 1).await.unwrap();
    let user = store
        .user_for_email(&org.id, "c@example.com", 1)
        .await
        .unwrap();
    let store = std::sync::Arc::new(store);
    let creates = (0..20).map(|_| {
        let (store, org, user) = (store.clone(), org.id.clone(), user.id.clone());
        tokio::spawn(async move {
            let interview = interview_of(&org, &user, &builtin_templates()[0]);
            let event = InterviewEvent::of_interview(D, &interview.id, 5, EventKind::Created);
            store.create_interview(&interview, &event).await
        })
    });
    let results = futures_util::future::join_all(creates).await;
    let made = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(StoreError::NoCredits))))
        .count();
    assert_eq!((made, refused), (7, 13), "{results:?}");
    assert_eq!(store.org(&org.id).await.unwrap().unwrap().credits, Some(0));
    let all = InterviewFilter {
        limit: 100,
        ..Default::default()
    };
    assert_eq!(store.interviews(&org.id, &all).await.unwrap().len(), 7);
    // No pool: unlimited.
    let interview = interview_of(D, &user.id, &builtin_templates()[0]);
    let event = InterviewEvent::of_interview(D, &interview.id, 5, EventKind::Created);
    store.create_interview(&interview, &event).await.unwrap();
    store.set_credits("pool", Some(1)).await.unwrap();
    assert_eq!(store.org(&org.id).await.unwrap().unwrap().credits, Some(1));
    assert!(matches!(
        store.set_credits("nobody", None).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn data_from_before_organizations_moves_into_the_default_one() {
    // A database made by the build before organizations: only the first two migrations.
    let dir = std::env::temp_dir().join(new_id("viva-migrations-"));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["0001_init.sql", "0002_interview_events.sql"] {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(name);
        std::fs::copy(from, dir.join(name)).unwrap();
    }
    let path = std::env::temp_dir().join(format!("viva-old-{}.db", new_id("")));
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(dir.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for sql in [
        "INSERT INTO users (id, email, created_at) VALUES ('u1', 'old@example.com', 1)",
        "INSERT INTO templates (id, title, focus_area, question_kinds, questions, question_count, duration_minutes, instructions, builtin, created_at) VALUES ('t1', 'Old', 'x', '[]', '[\"Q?\"]', 1, 5, '', 0, 1)",
        "INSERT INTO interviews (id, user_id, template_id, status, started_at, progress_data, questions) VALUES ('i1', 'u1', 't1', 'in-progress', 1, '{}', '[\"Q?\"]')",
        "INSERT INTO api_keys (id, name, prefix, hash, admin, created_at) VALUES ('key_1', 'old', 'sk_x', 'h', 0, 1)",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let store = SqliteStore::open(&path).await.unwrap();
    let user = store.user("u1").await.unwrap().unwrap();
    assert_eq!(
        (user.org_id.as_str(), user.email.as_str()),
        (D, "old@example.com")
    );
    assert_eq!(
        store.interview(D, "i1").await.unwrap().unwrap().user_id,
        "u1"
    );
    assert!(store.template(D, "t1").await.unwrap().is_some());
    assert!(
        store.template("org_other", "t1").await.unwrap().is_none(),
        "a custom template is its organization's"
    );
    assert_eq!(store.api_keys().await.unwrap()[0].org_id, D);
    assert_eq!(
        store.orgs().await.unwrap()[0].credits,
        None,
        "the default organization is unlimited"
    );
}
