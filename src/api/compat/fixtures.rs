//! Test data of the facades' unit tests: a job and a candidate, with the fields tests vary.

use crate::store::{Candidate, Job};

/// Job "j" of organization "o": `title` at `company`, `level`, asking for `skills`.
pub(super) fn job(
    title: &str,
    company: &str,
    level: &str,
    skills: &[&str],
    industry: Option<&str>,
) -> Job {
    Job {
        id: "j".into(),
        org_id: "o".into(),
        title: title.into(),
        company: company.into(),
        description: String::new(),
        requirements: String::new(),
        location: String::new(),
        salary_range: String::new(),
        experience_level: level.into(),
        skills_required: skills.iter().map(|s| s.to_string()).collect(),
        industry: industry.map(str::to_owned),
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}

/// Candidate "c" of organization "o", named `name`, with `resume` and `skills`.
pub(super) fn candidate(name: &str, resume: &str, skills: &[&str]) -> Candidate {
    Candidate {
        id: "c".into(),
        org_id: "o".into(),
        name: name.into(),
        email: None,
        resume_text: Some(resume.into()),
        resume_url: None,
        skills: skills.iter().map(|s| s.to_string()).collect(),
        experience: String::new(),
        education: String::new(),
        created_at_ms: 0,
        updated_at_ms: 0,
    }
}
