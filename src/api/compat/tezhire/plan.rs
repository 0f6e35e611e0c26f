//! The plan and the interviewer's context of a session, from its job, the candidate's resume and
//! the interview settings: custom questions first, then questions made from the fields (never
//! invented facts), topics to avoid left out, sized by the interview's duration.

use super::body::SessionBody;
use crate::api::compat::text::shorten;

/// Minutes an interview takes when the session does not say.
pub(super) const DEFAULT_MINUTES: u32 = 30;
/// About this many minutes per question.
const MINUTES_PER_QUESTION: u32 = 3;
/// A field quoted in a question is cut to this.
const QUOTE_CHARS: usize = 120;
/// A long field in the context is cut to this.
const EXCERPT_CHARS: usize = 800;

/// How many questions `body` asks for: its custom questions at least, else about one every
/// three minutes (3–15).
fn question_count(body: &SessionBody) -> usize {
    let minutes = body.interview.duration.unwrap_or(DEFAULT_MINUTES);
    let by_time = (minutes / MINUTES_PER_QUESTION).clamp(3, 15) as usize;
    by_time.max(body.interview.custom_questions.len())
}

/// Whether `question` touches a topic the session says to avoid.
fn avoided(body: &SessionBody, question: &str) -> bool {
    let question = question.to_lowercase();
    body.interview
        .topics_to_avoid
        .iter()
        .map(|t| t.trim().to_lowercase())
        .any(|t| !t.is_empty() && question.contains(&t))
}

/// The questions, in order.
pub(super) fn questions(body: &SessionBody) -> Vec<String> {
    let job = &body.job;
    let resume = &body.candidate.resume_data;
    let q = |s: &str| shorten(s.trim(), QUOTE_CHARS);
    let mut made = vec![format!(
        "To start, could you walk me through your background and what draws you to the {} role?",
        q(&job.title)
    )];
    for requirement in job
        .requirements
        .iter()
        .filter(|r| !r.trim().is_empty())
        .take(3)
    {
        made.push(format!(
            "The role asks for {}. Tell me about a time your work called for it.",
            q(requirement)
        ));
    }
    for topic in body
        .interview
        .topics_to_focus
        .iter()
        .filter(|t| !t.trim().is_empty())
        .take(3)
    {
        made.push(format!(
            "Let's talk about {}. How have you used it, and what did you learn?",
            q(topic)
        ));
    }
    for duty in job
        .responsibilities
        .iter()
        .filter(|r| !r.trim().is_empty())
        .take(2)
    {
        made.push(format!(
            "This role involves: {}. How have you handled something similar?",
            q(duty)
        ));
    }
    for past in resume.experience.iter().take(2) {
        if let (Some(company), Some(role)) = (&past.company, &past.role) {
            made.push(format!(
                "At {} you worked as {}. What was the most significant thing you delivered there?",
                q(company),
                q(role)
            ));
        }
    }
    if let Some(project) = resume.projects.iter().find_map(|p| p.name.as_ref()) {
        made.push(format!(
            "Tell me about your project {}: what was your part, and what would you do differently?",
            q(project)
        ));
    }
    if let Some(skill) = resume.skills.iter().find(|s| !s.trim().is_empty()) {
        made.push(format!(
            "Your resume lists {}. Describe a problem you solved with it.",
            q(skill)
        ));
    }
    made.push("Tell me about a time something went wrong at work and how you handled it.".into());
    made.push("How do you keep learning in your field?".into());
    let closing = "What would you like to ask about the role or the team?".to_owned();

    let count = question_count(body);
    let mut plan: Vec<String> = body
        .interview
        .custom_questions
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    for question in made.into_iter().filter(|m| !avoided(body, m)) {
        if plan.len() + 1 >= count {
            break;
        }
        if !plan.contains(&question) {
            plan.push(question);
        }
    }
    if plan.len() < count {
        plan.push(closing);
    }
    plan
}

/// The context the interviewer is given: the role, the candidate and how to interview, long
/// fields as excerpts.
pub(super) fn context(body: &SessionBody) -> String {
    let (job, candidate, interview) = (&body.job, &body.candidate, &body.interview);
    let mut parts = vec![format!("An interview for the role {}", job.title.trim())];
    let mut add = |label: &str, value: Option<&str>| {
        if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
            parts.push(format!("{label}: {}", shorten(v, EXCERPT_CHARS)));
        }
    };
    add("Department", job.department.as_deref());
    add("Location", job.location.as_deref());
    add("Employment type", job.employment_type.as_deref());
    add("Experience level", job.experience_level.as_deref());
    add("Job description", job.description.as_deref());
    add("Requirements", Some(&job.requirements.join("; ")));
    add("Responsibilities", Some(&job.responsibilities.join("; ")));
    add("The candidate's name", candidate.name.as_deref());
    add(
        "The candidate's skills",
        Some(&candidate.resume_data.skills.join(", ")),
    );
    let experience: Vec<String> = candidate
        .resume_data
        .experience
        .iter()
        .map(|e| {
            [
                e.role.as_deref(),
                e.company.as_deref(),
                e.duration.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        })
        .filter(|e| !e.is_empty())
        .collect();
    add("The candidate's experience", Some(&experience.join("; ")));
    add(
        "The candidate's resume",
        candidate.resume_data.raw_text.as_deref(),
    );
    add("Difficulty", interview.difficulty_level.as_deref());
    add("Interview style", interview.interview_style.as_deref());
    add("Focus on", Some(&interview.topics_to_focus.join(", ")));
    add(
        "Never ask about",
        Some(&interview.topics_to_avoid.join(", ")),
    );
    add(
        "Speak in this language",
        body.configuration.language.as_deref(),
    );
    parts.push(format!(
        "The interview lasts about {} minutes",
        interview.duration.unwrap_or(DEFAULT_MINUTES)
    ));
    parts.join(". ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: serde_json::Value) -> SessionBody {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn custom_questions_come_first_and_the_duration_sizes_the_plan() {
        let b = body(serde_json::json!({
            "job": {"jobId": "j", "title": "Data engineer", "requirements": ["SQL", "Airflow"]},
            "candidate": {"candidateId": "c", "email": "a@b.co",
                          "resumeData": {"experience": [{"company": "Acme", "role": "Analyst"}]}},
            "interview": {"duration": 15, "customQuestions": ["Why data engineering?"]}
        }));
        let plan = questions(&b);
        assert_eq!(plan.len(), 5, "{plan:#?}");
        assert_eq!(plan[0], "Why data engineering?");
        assert!(plan[1].contains("Data engineer"));
        assert!(plan[2].contains("SQL"));
        assert_eq!(
            plan.last().unwrap(),
            "What would you like to ask about the role or the team?"
        );
        let long = body(serde_json::json!({"job": {"title": "X"}, "interview": {"duration": 60}}));
        assert_eq!(
            questions(&long).len(),
            4,
            "what the fields give, not invented"
        );
    }

    #[test]
    fn topics_to_avoid_are_left_out_and_reach_the_context() {
        let b = body(serde_json::json!({
            "job": {"jobId": "j", "title": "Engineer", "requirements": ["Kubernetes", "Go"]},
            "interview": {"topicsToAvoid": ["kubernetes"], "topicsToFocus": ["Go"]},
            "configuration": {"language": "de"}
        }));
        let plan = questions(&b);
        assert!(
            plan.iter()
                .all(|q| !q.to_lowercase().contains("kubernetes")),
            "{plan:#?}"
        );
        let context = context(&b);
        assert!(context.contains("Never ask about: kubernetes"), "{context}");
        assert!(context.contains("Speak in this language: de"));
    }
}
