//! The demo organization: the seeds' test data, so their own examples (the `wscat` line, the
//! sample ids) work on a fresh server. Only sockets without a token reach it, and only on a
//! server listening on loopback or started with `--demo`.

use crate::api::AppState;
use crate::clock::unix_ms;
use crate::store::{Application, Candidate, Job, StoreError};

/// The demo organization's name.
pub(super) const DEMO_ORG: &str = "demo";
/// Seed 003's test job.
pub(super) const TEST_JOB: &str = "ff7f1e59-3014-4cc8-8f2e-4b3ca694ceb3";

/// (id, title, company, industry, skills)
const JOBS: [(&str, &str, &str, &str, &[&str]); 4] = [
    (
        TEST_JOB,
        "Senior Frontend Developer",
        "TechCorp Inc.",
        "IT",
        &["javascript", "react", "node.js", "typescript"],
    ),
    (
        "demo-job-it",
        "Python Developer",
        "Acme Software",
        "IT",
        &["python", "django", "postgresql"],
    ),
    (
        "demo-job-bfsi",
        "Credit Risk Analyst",
        "Northwind Bank",
        "BFSI",
        &["credit risk", "sql", "regulatory reporting"],
    ),
    (
        "demo-job-healthcare",
        "Clinical Data Coordinator",
        "Riverside Health",
        "Healthcare",
        &["clinical data", "hipaa", "ehr systems"],
    ),
];

/// (id, name, skills, resume)
const CANDIDATES: [(&str, &str, &[&str], &str); 5] = [
    (
        "candidate-uuid-here",
        "Alex Morgan",
        &["react", "typescript"],
        "Frontend developer, 5 years. Built a React design system and a Node.js BFF at a fintech start-up.",
    ),
    (
        "test-candidate",
        "Sam Rivera",
        &["javascript", "css"],
        "Web developer, 3 years. Shipped accessible JavaScript single-page apps for e-commerce clients.",
    ),
    (
        "demo-candidate-1",
        "Priya Nair",
        &["python", "django"],
        "Backend developer, 4 years of Python and Django; moved a monolith's reports to PostgreSQL views.",
    ),
    (
        "demo-candidate-2",
        "Daniel Okafor",
        &["sql", "risk models"],
        "Risk analyst, 6 years at a retail bank; maintained the PD models and the regulatory returns.",
    ),
    (
        "demo-candidate-3",
        "Maria Costa",
        &["clinical trials", "ehr"],
        "Clinical data coordinator, 3 years; ran data cleaning for two phase III trials.",
    ),
];

/// Seed 004's sample application ids: (id, job, candidate, industry).
const APPLICATIONS: [(&str, &str, &str, &str); 3] = [
    (
        "550e8400-e29b-41d4-a716-446655440000",
        "demo-job-it",
        "demo-candidate-1",
        "IT",
    ),
    (
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "demo-job-bfsi",
        "demo-candidate-2",
        "BFSI",
    ),
    (
        "d7ff5ebf-2bdc-4a50-8da9-b63b9f698861",
        "demo-job-healthcare",
        "demo-candidate-3",
        "Healthcare",
    ),
];

fn ignore_conflict(result: Result<(), StoreError>) -> Result<(), StoreError> {
    match result {
        Err(StoreError::Conflict(_)) => Ok(()),
        other => other,
    }
}

/// The demo organization's id, its data stored on first use.
pub(super) async fn demo_org(state: &AppState) -> Result<String, StoreError> {
    let now = unix_ms();
    let org = state.store.ensure_org(DEMO_ORG, None, now).await?;
    if state.store.job(&org.id, TEST_JOB).await?.is_some() {
        return Ok(org.id);
    }
    // The test job goes in last: once it is there, everything is.
    for (id, title, company, industry, skills) in JOBS.into_iter().rev() {
        if id == TEST_JOB {
            continue;
        }
        ignore_conflict(
            state
                .store
                .create_job(&job(&org.id, id, title, company, industry, skills, now))
                .await,
        )?;
    }
    for (id, name, skills, resume) in CANDIDATES {
        let candidate = Candidate {
            id: id.into(),
            org_id: org.id.clone(),
            name: name.into(),
            email: Some(format!("{id}@demo.viva.invalid")),
            resume_text: Some(resume.into()),
            resume_url: None,
            skills: skills.iter().map(|s| (*s).to_owned()).collect(),
            experience: String::new(),
            education: String::new(),
            created_at_ms: now,
            updated_at_ms: now,
        };
        ignore_conflict(state.store.create_candidate(&candidate).await)?;
    }
    for (id, job_id, candidate_id, industry) in APPLICATIONS {
        let application = Application {
            id: id.into(),
            org_id: org.id.clone(),
            job_id: job_id.into(),
            candidate_id: candidate_id.into(),
            industry: Some(industry.into()),
            status: "applied".into(),
            created_at_ms: now,
            updated_at_ms: now,
        };
        ignore_conflict(state.store.create_application(&application).await)?;
    }
    let (id, title, company, industry, skills) = JOBS[0];
    ignore_conflict(
        state
            .store
            .create_job(&job(&org.id, id, title, company, industry, skills, now))
            .await,
    )?;
    Ok(org.id)
}

fn job(
    org_id: &str,
    id: &str,
    title: &str,
    company: &str,
    industry: &str,
    skills: &[&str],
    now: u64,
) -> Job {
    Job {
        id: id.into(),
        org_id: org_id.into(),
        title: title.into(),
        company: company.into(),
        description: format!("{title} at {company} (demo data)."),
        requirements: format!("Experience with {}.", skills.join(", ")),
        location: "Remote".into(),
        salary_range: String::new(),
        experience_level: "mid".into(),
        skills_required: skills.iter().map(|s| (*s).to_owned()).collect(),
        industry: Some(industry.into()),
        created_at_ms: now,
        updated_at_ms: now,
    }
}
