//! The JSON of jobs, candidates and applications: what a create or a patch may say (checked
//! here), and how each is shown.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::detail::DetailError;
use crate::interview::rfc3339;
use crate::store::{Application, Candidate, Job};

/// Longest short text (a title, a name, a status).
const SHORT: usize = 200;
/// Longest long text (a description, a resume).
const LONG: usize = 20_000;
/// Most entries of a list of skills, and the longest entry.
const LIST: (usize, usize) = (50, 100);

/// `value`, trimmed, if it is at most `max` characters.
fn text(field: &str, value: Option<String>, max: usize) -> Result<Option<String>, DetailError> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if v.chars().count() > max => Err(DetailError::bad_request(format!(
            "{field} must be at most {max} characters"
        ))),
        other => Ok(other),
    }
}

/// A required short text: present and not empty.
fn required(field: &str, value: Option<String>) -> Result<String, DetailError> {
    text(field, value, SHORT)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| DetailError::bad_request(format!("{field} is required")))
}

fn list(field: &str, values: Option<Vec<String>>) -> Result<Option<Vec<String>>, DetailError> {
    let Some(values) = values else {
        return Ok(None);
    };
    let values: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() > LIST.0 || values.iter().any(|v| v.chars().count() > LIST.1) {
        return Err(DetailError::bad_request(format!(
            "{field} takes at most {} entries of at most {} characters",
            LIST.0, LIST.1
        )));
    }
    Ok(Some(values))
}

/// An id a caller chose: 1–64 letters, digits, `-`, `_` or `.`.
pub(super) fn chosen_id(id: Option<String>) -> Result<String, DetailError> {
    match id {
        None => Ok(uuid::Uuid::new_v4().to_string()),
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            Ok(id)
        }
        Some(_) => Err(DetailError::bad_request(
            "id must be 1 to 64 letters, digits, '-', '_' or '.'",
        )),
    }
}

/// A job's fields in a create (`title` required) or a patch.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JobFields {
    #[serde(default)]
    pub(super) id: Option<String>,
    title: Option<String>,
    company: Option<String>,
    description: Option<String>,
    requirements: Option<String>,
    location: Option<String>,
    salary_range: Option<String>,
    experience_level: Option<String>,
    skills_required: Option<Vec<String>>,
    industry: Option<String>,
}

impl JobFields {
    /// Writes the given fields into `job`; `creating` requires a title.
    pub(super) fn apply(self, job: &mut Job, creating: bool) -> Result<(), DetailError> {
        if creating || self.title.is_some() {
            job.title = required("title", self.title)?;
        }
        let set = |field: &str, value: Option<String>, max, into: &mut String| {
            text(field, value, max).map(|v| {
                if let Some(v) = v {
                    *into = v;
                }
            })
        };
        set("company", self.company, SHORT, &mut job.company)?;
        set("description", self.description, LONG, &mut job.description)?;
        set(
            "requirements",
            self.requirements,
            LONG,
            &mut job.requirements,
        )?;
        set("location", self.location, SHORT, &mut job.location)?;
        set(
            "salary_range",
            self.salary_range,
            SHORT,
            &mut job.salary_range,
        )?;
        set(
            "experience_level",
            self.experience_level,
            SHORT,
            &mut job.experience_level,
        )?;
        if let Some(skills) = list("skills_required", self.skills_required)? {
            job.skills_required = skills;
        }
        if let Some(industry) = text("industry", self.industry, SHORT)? {
            job.industry = (!industry.is_empty()).then_some(industry);
        }
        Ok(())
    }
}

/// A candidate's fields in a create (`name` required) or a patch.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CandidateFields {
    #[serde(default)]
    pub(super) id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    resume_text: Option<String>,
    resume_url: Option<String>,
    skills: Option<Vec<String>>,
    experience: Option<String>,
    education: Option<String>,
}

impl CandidateFields {
    /// Writes the given fields into `candidate`; `creating` requires a name.
    pub(super) fn apply(self, c: &mut Candidate, creating: bool) -> Result<(), DetailError> {
        if creating || self.name.is_some() {
            c.name = required("name", self.name)?;
        }
        if let Some(email) = text("email", self.email, 254)? {
            c.email = if email.is_empty() {
                None
            } else {
                Some(crate::api::auth::valid_email(&email)?.to_owned())
            };
        }
        let optional = |v: Option<String>| v.map(|v| (!v.is_empty()).then_some(v));
        if let Some(resume) = optional(text("resume_text", self.resume_text, LONG)?) {
            c.resume_text = resume;
        }
        if let Some(url) = optional(text("resume_url", self.resume_url, 2_000)?) {
            c.resume_url = url;
        }
        if let Some(skills) = list("skills", self.skills)? {
            c.skills = skills;
        }
        if let Some(v) = text("experience", self.experience, LONG)? {
            c.experience = v;
        }
        if let Some(v) = text("education", self.education, LONG)? {
            c.education = v;
        }
        Ok(())
    }
}

/// An application's fields: `job_id` and `candidate_id` only when creating.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApplicationFields {
    #[serde(default)]
    pub(super) id: Option<String>,
    pub(super) job_id: Option<String>,
    pub(super) candidate_id: Option<String>,
    industry: Option<String>,
    status: Option<String>,
}

impl ApplicationFields {
    /// Writes industry and status into `a`.
    pub(super) fn apply(self, a: &mut Application) -> Result<(), DetailError> {
        if let Some(industry) = text("industry", self.industry, SHORT)? {
            a.industry = (!industry.is_empty()).then_some(industry);
        }
        if self.status.is_some() {
            a.status = required("status", self.status)?;
        }
        Ok(())
    }
}

/// A job as shown.
pub(super) fn job_json(j: &Job) -> Value {
    json!({
        "id": j.id,
        "title": j.title,
        "company": j.company,
        "description": j.description,
        "requirements": j.requirements,
        "location": j.location,
        "salary_range": j.salary_range,
        "experience_level": j.experience_level,
        "skills_required": j.skills_required,
        "industry": j.industry,
        "created_at": rfc3339(j.created_at_ms),
        "updated_at": rfc3339(j.updated_at_ms),
    })
}

/// A candidate as shown.
pub(super) fn candidate_json(c: &Candidate) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "resume_text": c.resume_text,
        "resume_url": c.resume_url,
        "skills": c.skills,
        "experience": c.experience,
        "education": c.education,
        "created_at": rfc3339(c.created_at_ms),
        "updated_at": rfc3339(c.updated_at_ms),
    })
}

/// An application as shown.
pub(super) fn application_json(a: &Application) -> Value {
    json!({
        "id": a.id,
        "job_id": a.job_id,
        "candidate_id": a.candidate_id,
        "industry": a.industry,
        "status": a.status,
        "created_at": rfc3339(a.created_at_ms),
        "updated_at": rfc3339(a.updated_at_ms),
    })
}
