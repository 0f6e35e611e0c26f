//! Jobs, candidates and applications in SQLite; every statement is scoped by `org_id`.

use async_trait::async_trait;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, query, query_scalar};

use super::{SqliteStore, db_error, json_list, to_i64, to_u64};
use crate::store::{Application, Candidate, HiringStore, Job, Listed, Page, StoreError};

fn list_text(items: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(items).map_err(db_error)
}

fn job_from(row: &SqliteRow) -> Result<Job, StoreError> {
    Ok(Job {
        id: row.try_get("id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
        title: row.try_get("title").map_err(db_error)?,
        company: row.try_get("company").map_err(db_error)?,
        description: row.try_get("description").map_err(db_error)?,
        requirements: row.try_get("requirements").map_err(db_error)?,
        location: row.try_get("location").map_err(db_error)?,
        salary_range: row.try_get("salary_range").map_err(db_error)?,
        experience_level: row.try_get("experience_level").map_err(db_error)?,
        skills_required: json_list(row.try_get("skills_required").map_err(db_error)?),
        industry: row.try_get("industry").map_err(db_error)?,
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        updated_at_ms: to_u64(row.try_get("updated_at").map_err(db_error)?),
    })
}

fn candidate_from(row: &SqliteRow) -> Result<Candidate, StoreError> {
    Ok(Candidate {
        id: row.try_get("id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
        name: row.try_get("name").map_err(db_error)?,
        email: row.try_get("email").map_err(db_error)?,
        resume_text: row.try_get("resume_text").map_err(db_error)?,
        resume_url: row.try_get("resume_url").map_err(db_error)?,
        skills: json_list(row.try_get("skills").map_err(db_error)?),
        experience: row.try_get("experience").map_err(db_error)?,
        education: row.try_get("education").map_err(db_error)?,
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        updated_at_ms: to_u64(row.try_get("updated_at").map_err(db_error)?),
    })
}

fn application_from(row: &SqliteRow) -> Result<Application, StoreError> {
    Ok(Application {
        id: row.try_get("id").map_err(db_error)?,
        org_id: row.try_get("org_id").map_err(db_error)?,
        job_id: row.try_get("job_id").map_err(db_error)?,
        candidate_id: row.try_get("candidate_id").map_err(db_error)?,
        industry: row.try_get("industry").map_err(db_error)?,
        status: row.try_get("status").map_err(db_error)?,
        created_at_ms: to_u64(row.try_get("created_at").map_err(db_error)?),
        updated_at_ms: to_u64(row.try_get("updated_at").map_err(db_error)?),
    })
}

/// The statements shared by the three tables, fixed at compile time.
struct Sql {
    page: &'static str,
    count: &'static str,
    one: &'static str,
    delete: &'static str,
}

macro_rules! sql {
    ($table:literal) => {
        Sql {
            page: concat!(
                "SELECT * FROM ",
                $table,
                " WHERE org_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?"
            ),
            count: concat!("SELECT COUNT(*) FROM ", $table, " WHERE org_id = ?"),
            one: concat!("SELECT * FROM ", $table, " WHERE org_id = ? AND id = ?"),
            delete: concat!("DELETE FROM ", $table, " WHERE org_id = ? AND id = ?"),
        }
    };
}

const JOBS: Sql = sql!("jobs");
const CANDIDATES: Sql = sql!("candidates");
const APPLICATIONS: Sql = sql!("applications");

impl SqliteStore {
    /// One page of `table`'s rows of `org_id`, oldest first, mapped by `from`, with the count.
    async fn page_of<T>(
        &self,
        table: &Sql,
        org_id: &str,
        page: Page,
        from: fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Listed<T>, StoreError> {
        let rows = query(table.page)
            .bind(org_id)
            .bind(i64::from(page.limit))
            .bind(i64::from(page.skip))
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        let total: i64 = query_scalar(table.count)
            .bind(org_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(Listed {
            items: rows.iter().map(from).collect::<Result<_, _>>()?,
            total: to_u64(total),
        })
    }

    async fn one_of<T>(
        &self,
        table: &Sql,
        org_id: &str,
        id: &str,
        from: fn(&SqliteRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        query(table.one)
            .bind(org_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .as_ref()
            .map(from)
            .transpose()
    }

    async fn delete_of(&self, table: &Sql, org_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = query(table.delete)
            .bind(org_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl HiringStore for SqliteStore {
    async fn create_job(&self, job: &Job) -> Result<(), StoreError> {
        query(
            "INSERT INTO jobs (org_id, id, title, company, description, requirements, location,
               salary_range, experience_level, skills_required, industry, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&job.org_id)
        .bind(&job.id)
        .bind(&job.title)
        .bind(&job.company)
        .bind(&job.description)
        .bind(&job.requirements)
        .bind(&job.location)
        .bind(&job.salary_range)
        .bind(&job.experience_level)
        .bind(list_text(&job.skills_required)?)
        .bind(&job.industry)
        .bind(to_i64(job.created_at_ms))
        .bind(to_i64(job.updated_at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn save_job(&self, job: &Job) -> Result<bool, StoreError> {
        let done = query(
            "UPDATE jobs SET title = ?, company = ?, description = ?, requirements = ?,
               location = ?, salary_range = ?, experience_level = ?, skills_required = ?,
               industry = ?, updated_at = ?
             WHERE org_id = ? AND id = ?",
        )
        .bind(&job.title)
        .bind(&job.company)
        .bind(&job.description)
        .bind(&job.requirements)
        .bind(&job.location)
        .bind(&job.salary_range)
        .bind(&job.experience_level)
        .bind(list_text(&job.skills_required)?)
        .bind(&job.industry)
        .bind(to_i64(job.updated_at_ms))
        .bind(&job.org_id)
        .bind(&job.id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn job(&self, org_id: &str, id: &str) -> Result<Option<Job>, StoreError> {
        self.one_of(&JOBS, org_id, id, job_from).await
    }

    async fn jobs(&self, org_id: &str, page: Page) -> Result<Listed<Job>, StoreError> {
        self.page_of(&JOBS, org_id, page, job_from).await
    }

    async fn delete_job(&self, org_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_of(&JOBS, org_id, id).await
    }

    async fn create_candidate(&self, c: &Candidate) -> Result<(), StoreError> {
        query(
            "INSERT INTO candidates (org_id, id, name, email, resume_text, resume_url, skills,
               experience, education, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&c.org_id)
        .bind(&c.id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.resume_text)
        .bind(&c.resume_url)
        .bind(list_text(&c.skills)?)
        .bind(&c.experience)
        .bind(&c.education)
        .bind(to_i64(c.created_at_ms))
        .bind(to_i64(c.updated_at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn save_candidate(&self, c: &Candidate) -> Result<bool, StoreError> {
        let done = query(
            "UPDATE candidates SET name = ?, email = ?, resume_text = ?, resume_url = ?,
               skills = ?, experience = ?, education = ?, updated_at = ?
             WHERE org_id = ? AND id = ?",
        )
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.resume_text)
        .bind(&c.resume_url)
        .bind(list_text(&c.skills)?)
        .bind(&c.experience)
        .bind(&c.education)
        .bind(to_i64(c.updated_at_ms))
        .bind(&c.org_id)
        .bind(&c.id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn candidate(&self, org_id: &str, id: &str) -> Result<Option<Candidate>, StoreError> {
        self.one_of(&CANDIDATES, org_id, id, candidate_from).await
    }

    async fn candidates(&self, org_id: &str, page: Page) -> Result<Listed<Candidate>, StoreError> {
        self.page_of(&CANDIDATES, org_id, page, candidate_from)
            .await
    }

    async fn delete_candidate(&self, org_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_of(&CANDIDATES, org_id, id).await
    }

    async fn create_application(&self, a: &Application) -> Result<(), StoreError> {
        // Inserted only when its job and candidate are the organization's own.
        let done = query(
            "INSERT INTO applications (org_id, id, job_id, candidate_id, industry, status,
               created_at, updated_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
             WHERE EXISTS (SELECT 1 FROM jobs WHERE org_id = ?1 AND id = ?3)
               AND EXISTS (SELECT 1 FROM candidates WHERE org_id = ?1 AND id = ?4)",
        )
        .bind(&a.org_id)
        .bind(&a.id)
        .bind(&a.job_id)
        .bind(&a.candidate_id)
        .bind(&a.industry)
        .bind(&a.status)
        .bind(to_i64(a.created_at_ms))
        .bind(to_i64(a.updated_at_ms))
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("job or candidate".into()));
        }
        Ok(())
    }

    async fn save_application(&self, a: &Application) -> Result<bool, StoreError> {
        let done = query(
            "UPDATE applications SET industry = ?, status = ?, updated_at = ?
             WHERE org_id = ? AND id = ?",
        )
        .bind(&a.industry)
        .bind(&a.status)
        .bind(to_i64(a.updated_at_ms))
        .bind(&a.org_id)
        .bind(&a.id)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn application(&self, org_id: &str, id: &str) -> Result<Option<Application>, StoreError> {
        self.one_of(&APPLICATIONS, org_id, id, application_from)
            .await
    }

    async fn applications(
        &self,
        org_id: &str,
        page: Page,
    ) -> Result<Listed<Application>, StoreError> {
        self.page_of(&APPLICATIONS, org_id, page, application_from)
            .await
    }

    async fn delete_application(&self, org_id: &str, id: &str) -> Result<bool, StoreError> {
        self.delete_of(&APPLICATIONS, org_id, id).await
    }
}
