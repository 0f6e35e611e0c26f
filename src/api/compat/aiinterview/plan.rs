//! The plan of an AI Interview, as the document lays it out: 1–2 icebreakers, 2–3 resume
//! questions, 2–4 scenarios (by the interview's length), then up to 4 bonus questions asked only
//! while time remains. Questions come from the job, the candidate and the industry; without a
//! model a clarification is asked only on a measurable cue (an empty or very short answer).

use serde::{Deserialize, Serialize};

use crate::store::{Candidate, Job};

/// Interview length when the start names none, minutes (the document's example).
pub(super) const DEFAULT_MINUTES: u32 = 20;
/// Clarifications one question may get, at most.
pub(super) const MAX_CLARIFICATIONS: u32 = 2;
/// A bonus question is asked only with at least this much time left, seconds.
pub(super) const BONUS_MIN_REMAINING_S: u64 = 120;

/// The document's question types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Kind {
    Icebreaker,
    Resume,
    Scenario,
    Bonus,
    Clarification,
}

/// The document's industries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Industry {
    #[serde(rename = "IT")]
    It,
    #[serde(rename = "BFSI")]
    Bfsi,
    #[serde(rename = "HEALTHCARE")]
    Healthcare,
    #[serde(rename = "EDUCATION")]
    Education,
    #[serde(rename = "SALES")]
    Sales,
    #[serde(rename = "GOVERNMENT")]
    Government,
}

/// Words that name each industry, in a job's or application's `industry` field or its text.
const INDUSTRY_WORDS: [(Industry, &[&str]); 6] = [
    (
        Industry::It,
        &[
            "it",
            "information technology",
            "software",
            "tech",
            "developer",
            "engineer",
        ],
    ),
    (
        Industry::Bfsi,
        &[
            "bfsi",
            "bank",
            "banking",
            "finance",
            "financial",
            "insurance",
            "credit",
        ],
    ),
    (
        Industry::Healthcare,
        &[
            "healthcare",
            "health",
            "pharma",
            "medtech",
            "clinical",
            "hospital",
        ],
    ),
    (
        Industry::Education,
        &["education", "edtech", "teacher", "school", "university"],
    ),
    (
        Industry::Sales,
        &["sales", "marketing", "account executive"],
    ),
    (
        Industry::Government,
        &["government", "public sector", "ministry", "municipal"],
    ),
];

impl Industry {
    /// Its name in `industry_type`.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::It => "IT",
            Self::Bfsi => "BFSI",
            Self::Healthcare => "HEALTHCARE",
            Self::Education => "EDUCATION",
            Self::Sales => "SALES",
            Self::Government => "GOVERNMENT",
        }
    }

    /// The industry a field names (`"Healthcare"`, `"banking"`), if any.
    pub(super) fn named(field: &str) -> Option<Self> {
        let field = field.trim().to_ascii_lowercase();
        INDUSTRY_WORDS
            .iter()
            .find(|(_, words)| words.contains(&field.as_str()))
            .map(|(industry, _)| *industry)
    }

    /// The application's industry, else the job's, else the first one the job's title names.
    pub(super) fn of(application: Option<&str>, job: &Job) -> Option<Self> {
        if let Some(found) = application
            .or(job.industry.as_deref())
            .and_then(Self::named)
        {
            return Some(found);
        }
        let title = job.title.to_ascii_lowercase();
        let words: Vec<&str> = title.split(|c: char| !c.is_alphanumeric()).collect();
        INDUSTRY_WORDS
            .iter()
            .find(|(_, names)| names.iter().any(|n| words.contains(n)))
            .map(|(industry, _)| *industry)
    }

    /// Its competencies, as `industry_competency_scores` names them.
    pub(super) fn competencies(self) -> &'static [&'static str] {
        match self {
            Self::It => &[
                "technical_proficiency",
                "system_thinking",
                "analytical_skills",
                "project_understanding",
                "learning_ability",
            ],
            Self::Bfsi => &[
                "financial_acumen",
                "risk_assessment",
                "regulatory_knowledge",
                "analytical_skills",
                "attention_to_detail",
            ],
            Self::Healthcare => &[
                "clinical_knowledge",
                "patient_safety_focus",
                "regulatory_compliance",
                "attention_to_detail",
                "empathy",
            ],
            Self::Education => &[
                "subject_knowledge",
                "instructional_skills",
                "learner_focus",
                "classroom_management",
                "continuous_learning",
            ],
            Self::Sales => &[
                "customer_focus",
                "persuasion",
                "negotiation",
                "market_knowledge",
                "target_orientation",
            ],
            Self::Government => &[
                "policy_understanding",
                "public_service_orientation",
                "regulatory_knowledge",
                "stakeholder_management",
                "integrity",
            ],
        }
    }

    /// Scenario questions of this industry.
    fn scenarios(self) -> [&'static str; 2] {
        match self {
            Self::It => [
                "A release you own starts failing in production an hour before an important demo. What do you do, step by step?",
                "You must choose between two technical designs with different trade-offs, and the deadline is close. How do you decide, and how do you explain the choice?",
            ],
            Self::Bfsi => [
                "The day before a regulatory report is due, you find figures that do not reconcile. What do you do?",
                "A valued client asks for an exception that goes against the bank's risk policy. How do you handle it?",
            ],
            Self::Healthcare => [
                "You discover an error in patient or trial data after it has been submitted. What do you do?",
                "A busy clinician asks you to skip a compliance step to save time. How do you respond?",
            ],
            Self::Education => [
                "Half of a class has not understood a topic the test depends on. How do you adapt your plan?",
                "A parent disagrees strongly with how you assessed their child. How do you handle the conversation?",
            ],
            Self::Sales => [
                "A key customer threatens to leave for a cheaper competitor at the end of the quarter. What do you do?",
                "You are far behind your target with a month to go. How do you plan that month?",
            ],
            Self::Government => [
                "A new regulation must be applied quickly, but the guidance is unclear. How do you proceed?",
                "Two stakeholder groups want opposite outcomes from a public project. How do you handle it?",
            ],
        }
    }
}

/// General scenario questions, after the industry's.
const SCENARIOS: [&str; 4] = [
    "Tell me about a time you disagreed with a teammate about a decision. How did you resolve it?",
    "Describe a time you had to deliver under a tight deadline. What did you prioritise, and why?",
    "Tell me about a mistake you made at work. What happened, and what did you change afterwards?",
    "Two stakeholders ask you for urgent work at the same time. How do you decide what comes first?",
];

/// Icebreakers, resume questions and scenarios for an interview of `minutes`.
pub(super) fn counts(minutes: u32) -> (usize, usize, usize) {
    let icebreakers = if minutes >= 20 { 2 } else { 1 };
    let resume = if minutes >= 15 { 3 } else { 2 };
    let scenarios = match minutes {
        0..15 => 2,
        15..30 => 3,
        _ => 4,
    };
    (icebreakers, resume, scenarios)
}

/// `text` cut to its first sentence or clause, at most `max` characters.
fn first_part(text: &str, max: usize) -> String {
    let end = text.find(['.', ';', '\n']).unwrap_or(text.len());
    super::super::text::shorten(text[..end].trim(), max)
}

/// The questions, each with its kind: the main ones, then the bonus ones.
pub(super) fn questions(
    job: &Job,
    candidate: &Candidate,
    industry: Option<Industry>,
    minutes: u32,
) -> Vec<(Kind, String)> {
    let (icebreakers, resumes, scenarios) = counts(minutes);
    let role = match (job.title.trim(), job.company.trim()) {
        ("", _) => "this role".to_owned(),
        (title, "") => format!("the {title} role"),
        (title, company) => format!("the {title} role at {company}"),
    };
    let mut plan = Vec::new();
    let ice = [
        format!("Tell me about yourself and what interests you in {role}."),
        "What have you been working on recently that you enjoyed, and why?".to_owned(),
    ];
    plan.extend(
        ice.into_iter()
            .take(icebreakers)
            .map(|q| (Kind::Icebreaker, q)),
    );

    let mut resume = Vec::new();
    if let Some(text) = candidate
        .resume_text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        resume.push(format!(
            "Your resume says: \"{}\". Which part of that experience prepared you best for {role}, and why?",
            first_part(text, 120)
        ));
    }
    let mut skills: Vec<&String> = candidate.skills.iter().collect();
    skills.extend(
        job.skills_required
            .iter()
            .filter(|s| !candidate.skills.contains(s)),
    );
    for skill in skills {
        resume.push(format!(
            "Tell me about a project where you used {skill}. What was your part, and what was the result?"
        ));
    }
    resume.push("Walk me through the achievement from your past roles you are proudest of.".into());
    resume.push("What was the hardest problem in your last role, and how did you solve it?".into());
    plan.extend(resume.into_iter().take(resumes).map(|q| (Kind::Resume, q)));

    let specific = industry.map(Industry::scenarios).unwrap_or_default();
    let scenario = specific.into_iter().chain(SCENARIOS);
    plan.extend(
        scenario
            .take(scenarios)
            .map(|q| (Kind::Scenario, q.to_owned())),
    );

    let bonus = [
        format!("What would you want to learn or achieve in your first three months in {role}?"),
        "Tell me about feedback you received that changed the way you work.".to_owned(),
        "Which recent development in your field interests you most, and why?".to_owned(),
        format!("What questions do you have about {role}?"),
    ];
    plan.extend(bonus.into_iter().map(|q| (Kind::Bonus, q)));
    plan
}

/// Context for the interviewer and the assessing model: the role, the job, the resume, the
/// industry, and how the assessment is to name its scores (so they map onto the document's
/// `final_assessment`).
pub(super) fn context(job: &Job, candidate: &Candidate, industry: Option<Industry>) -> String {
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    let competencies = industry.map(Industry::competencies).unwrap_or_default();
    format!(
        "Role: {} at {} ({}). Industry: {}. Description: {} Requirements: {} Skills: {}. \
         Candidate: {}. Resume: {} \
         Assessment guide: in key_areas give one entry for each of these areas, named exactly: \
         communication, problem_solving, leadership_potential, adaptability, teamwork, cultural_fit, \
         technical{}{}, interview_quality (how well the answers let you judge), confidence (how \
         sure you are of this judgement), feedback_for_candidate and technical_feedback_for_candidate \
         (their assessment is feedback written to the candidate). Leave out an area you cannot \
         judge from the transcript.",
        job.title,
        job.company,
        job.experience_level,
        industry.map_or("unknown", Industry::as_str),
        cut(&job.description, 2_000),
        cut(&job.requirements, 2_000),
        job.skills_required.join(", "),
        candidate.name,
        cut(
            candidate.resume_text.as_deref().unwrap_or("none given"),
            4_000
        ),
        if competencies.is_empty() { "" } else { ", " },
        competencies.join(", "),
    )
}

pub(super) use super::super::text::needs_clarification;

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
