//! Interview results in SQLite: a row per interview, its per-answer judgements as rows keyed by
//! the candidate's item id.

use async_trait::async_trait;
use sqlx::{Row, query};

use super::{SqliteStore, db_error, to_i64, to_u64};
use crate::assess::{AnswerAssessment, Assessment};
use crate::interview::{EventKind, InterviewEvent};
use crate::store::{InterviewResult, ResultState, ResultStore, StoreError};

#[async_trait]
impl ResultStore for SqliteStore {
    async fn save_result(&self, result: &InterviewResult) -> Result<bool, StoreError> {
        let assessment = result
            .assessment
            .as_ref()
            .map(|a| {
                let without_answers = Assessment {
                    answers: Vec::new(),
                    ..a.clone()
                };
                serde_json::to_string(&without_answers)
            })
            .transpose()
            .map_err(db_error)?;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // A write first, so the transaction holds the write lock from here: the interview
        // cannot be deleted between the check and the rows below.
        let stored = query(
            "INSERT INTO interview_results
               (interview_id, org_id, state, reason, error, attempts, model, transcript_digest, assessment, updated_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10
             WHERE EXISTS (SELECT 1 FROM interviews WHERE id = ?1 AND org_id = ?2)
             ON CONFLICT(interview_id) DO UPDATE SET
               state = excluded.state, reason = excluded.reason, error = excluded.error,
               attempts = excluded.attempts, model = excluded.model,
               transcript_digest = excluded.transcript_digest, assessment = excluded.assessment,
               updated_at = excluded.updated_at
             WHERE interview_results.org_id = excluded.org_id",
        )
        .bind(&result.interview_id)
        .bind(&result.org_id)
        .bind(result.state.as_str())
        .bind(&result.reason)
        .bind(&result.error)
        .bind(i64::from(result.attempts))
        .bind(&result.model)
        .bind(&result.transcript_digest)
        .bind(&assessment)
        .bind(to_i64(result.updated_at_ms))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if stored.rows_affected() == 0 {
            return Ok(false);
        }
        query("DELETE FROM interview_result_answers WHERE interview_id = ?")
            .bind(&result.interview_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let answers = result.assessment.iter().flat_map(|a| &a.answers);
        for (position, answer) in answers.enumerate() {
            query(
                "INSERT INTO interview_result_answers (interview_id, item_id, position, score, analysis, ideal_answer)
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(interview_id, item_id) DO NOTHING",
            )
            .bind(&result.interview_id)
            .bind(&answer.item_id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(answer.score)
            .bind(&answer.analysis)
            .bind(&answer.ideal_answer)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        if result.state != ResultState::Pending {
            let event = InterviewEvent::of_interview(
                &result.org_id,
                &result.interview_id,
                result.updated_at_ms,
                EventKind::ResultsAvailable {
                    state: result.state.as_str().to_owned(),
                },
            );
            super::calls::append_event(&mut tx, &event).await?;
        }
        tx.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn result(
        &self,
        org_id: &str,
        interview_id: &str,
    ) -> Result<Option<InterviewResult>, StoreError> {
        let Some(row) =
            query("SELECT * FROM interview_results WHERE interview_id = ? AND org_id = ?")
                .bind(interview_id)
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db_error)?
        else {
            return Ok(None);
        };
        let state: String = row.try_get("state").map_err(db_error)?;
        let json: Option<String> = row.try_get("assessment").map_err(db_error)?;
        let mut assessment: Option<Assessment> = json
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(db_error)?;
        if let Some(assessment) = &mut assessment {
            let rows = query(
                "SELECT a.* FROM interview_result_answers a
                 JOIN interview_results r ON r.interview_id = a.interview_id
                 WHERE a.interview_id = ? AND r.org_id = ? ORDER BY a.position",
            )
            .bind(interview_id)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
            assessment.answers = rows
                .iter()
                .map(|r| AnswerAssessment {
                    item_id: r.get("item_id"),
                    score: r.get("score"),
                    analysis: r.get("analysis"),
                    ideal_answer: r.get("ideal_answer"),
                })
                .collect();
        }
        Ok(Some(InterviewResult {
            org_id: row.try_get("org_id").map_err(db_error)?,
            interview_id: row.try_get("interview_id").map_err(db_error)?,
            state: ResultState::parse(&state)
                .ok_or_else(|| StoreError::Backend(format!("unknown result state {state}")))?,
            reason: row.try_get("reason").map_err(db_error)?,
            error: row.try_get("error").map_err(db_error)?,
            attempts: u32::try_from(row.try_get::<i64, _>("attempts").map_err(db_error)?)
                .unwrap_or(0),
            model: row.try_get("model").map_err(db_error)?,
            transcript_digest: row.try_get("transcript_digest").map_err(db_error)?,
            assessment,
            updated_at_ms: to_u64(row.try_get("updated_at").map_err(db_error)?),
        }))
    }

    async fn unfinished_results(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = query(
            "SELECT i.org_id, i.id FROM interviews i
             LEFT JOIN interview_results r ON r.interview_id = i.id AND r.org_id = i.org_id
             WHERE i.status IN ('completed', 'incomplete', 'cancelled')
               AND (r.interview_id IS NULL OR r.state IN ('pending', 'failed'))
             ORDER BY i.started_at",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| (r.get("org_id"), r.get("id")))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::Measured;
    use crate::ids::new_id;
    use crate::interview::{EventKind, Interview, InterviewEvent, Status, builtin_templates};
    use crate::store::{DEFAULT_ORG_ID as D, IntegratorStore, OrgStore};

    async fn store_with_interview(status: Status) -> (SqliteStore, Interview) {
        let path = std::env::temp_dir().join(format!("viva-results-{}.db", new_id("")));
        let store = SqliteStore::open(&path).await.unwrap();
        store.seed_templates(&builtin_templates(), 1).await.unwrap();
        let user = store.user_for_email(D, "ada@example.com", 1).await.unwrap();
        let template = &builtin_templates()[0];
        let interview = Interview {
            id: new_id("iv_"),
            org_id: D.into(),
            user_id: user.id,
            template_id: template.id.clone(),
            status,
            started_at_ms: 1,
            completed_at_ms: None,
            progress_data: Interview::initial_progress(),
            questions: template.plan(),
            context: None,
        };
        let event = InterviewEvent::of_interview(D, &interview.id, 1, EventKind::Created);
        store.create_interview(&interview, &event).await.unwrap();
        (store, interview)
    }

    fn result(interview: &Interview, state: ResultState) -> InterviewResult {
        let answer = |id: &str, score| AnswerAssessment {
            item_id: id.into(),
            score,
            analysis: score.map(|_| "ok".into()),
            ideal_answer: None,
        };
        InterviewResult {
            org_id: interview.org_id.clone(),
            interview_id: interview.id.clone(),
            state,
            reason: None,
            error: None,
            attempts: 1,
            model: Some("gpt-test".into()),
            transcript_digest: "d1".into(),
            assessment: Some(Assessment {
                overall_score: Some(70.5),
                answers: vec![answer("item_b", Some(80.0)), answer("item_a", None)],
                feedback: Some("Good.".into()),
                measured: Measured {
                    talk_time_ms: 1_234,
                    ..Measured::default()
                },
                ..Assessment::default()
            }),
            updated_at_ms: 9,
        }
    }

    #[tokio::test]
    async fn results_round_trip_within_their_organization_only() {
        let (store, interview) = store_with_interview(Status::Completed).await;
        assert_eq!(
            store.unfinished_results().await.unwrap(),
            [(D.to_owned(), interview.id.clone())],
            "completed without a result"
        );
        let done = result(&interview, ResultState::Done);
        assert!(store.save_result(&done).await.unwrap());
        assert_eq!(
            store.result(D, &interview.id).await.unwrap(),
            Some(done.clone()),
            "answers keep their order"
        );
        assert!(store.unfinished_results().await.unwrap().is_empty());
        let other = store.ensure_org("globex", None, 1).await.unwrap();
        assert_eq!(store.result(&other.id, &interview.id).await.unwrap(), None);
        let mut foreign = done.clone();
        foreign.org_id = other.id.clone();
        assert!(
            !store.save_result(&foreign).await.unwrap(),
            "not another organization's interview"
        );
        assert_eq!(
            store.result(D, &interview.id).await.unwrap(),
            Some(done.clone())
        );

        // Replaced as a whole; a failure is unfinished again.
        let mut failed = result(&interview, ResultState::Failed);
        failed.assessment = None;
        failed.reason = Some("model_timeout".into());
        failed.attempts = 3;
        assert!(store.save_result(&failed).await.unwrap());
        assert_eq!(store.result(D, &interview.id).await.unwrap(), Some(failed));
        assert_eq!(store.unfinished_results().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_deleted_interview_takes_its_result_and_refuses_new_ones() {
        let (store, interview) = store_with_interview(Status::Incomplete).await;
        let done = result(&interview, ResultState::Done);
        assert!(store.save_result(&done).await.unwrap());
        let event = InterviewEvent::of_interview(D, &interview.id, 2, EventKind::Deleted);
        assert!(
            store
                .delete_interview(D, &interview.id, &event)
                .await
                .unwrap()
        );
        assert_eq!(store.result(D, &interview.id).await.unwrap(), None);
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM interview_result_answers")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "its answers went with it");
        assert!(!store.save_result(&done).await.unwrap());
        assert!(store.unfinished_results().await.unwrap().is_empty());
    }
}
