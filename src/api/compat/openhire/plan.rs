//! The plan of an OpenHire interview, from the job, the candidate and the start's
//! preferences: an introduction, technical questions on the focus areas (else the job's skills,
//! else the candidate's), behavioural questions, a closing question. Each question has its
//! phase; the phase reported is the current question's.

use serde::{Deserialize, Serialize};

use super::messages::{Difficulty, Preferences};
use crate::store::{Candidate, Job};

/// Interview length when the start names none, minutes.
pub(super) const DEFAULT_MINUTES: u32 = 30;

/// The document's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Phase {
    Introduction,
    Technical,
    Behavioral,
    Conclusion,
}

/// The questions, each with its phase.
pub(super) fn questions(
    job: &Job,
    candidate: &Candidate,
    preferences: &Preferences,
) -> Vec<(Phase, String)> {
    let minutes = preferences.max_duration.unwrap_or(DEFAULT_MINUTES);
    let difficulty = preferences.difficulty_level.unwrap_or(Difficulty::Medium);
    let role = match (job.title.trim(), job.company.trim()) {
        (title, "") => format!("the {title} role"),
        (title, company) => format!("the {title} role at {company}"),
    };
    let mut plan = vec![(
        Phase::Introduction,
        format!(
            "Tell me about yourself and what draws you to {role}{}",
            if role.ends_with('.') { "" } else { "." }
        ),
    )];
    let topics: Vec<&String> = [
        &preferences.focus_areas,
        &job.skills_required,
        &candidate.skills,
    ]
    .into_iter()
    .find(|list| !list.is_empty())
    .map(|list| list.iter().collect())
    .unwrap_or_default();
    let technical = match (minutes, difficulty) {
        (0..15, _) => 1,
        (_, Difficulty::Hard) => 3,
        _ => 2,
    };
    if topics.is_empty() {
        plan.push((
            Phase::Technical,
            "Tell me about the most technically challenging project on your resume and your part in it."
                .into(),
        ));
    }
    for topic in topics.into_iter().take(technical) {
        let question = match difficulty {
            Difficulty::Easy => {
                format!("What have you built with {topic}, and what did you enjoy about it?")
            }
            Difficulty::Medium => format!(
                "Describe a project where you used {topic}. What problem did it solve, and what was hard about it?"
            ),
            Difficulty::Hard => format!(
                "Walk me through the hardest problem you solved with {topic}: the trade-offs you weighed, and what you would do differently now."
            ),
        };
        plan.push((Phase::Technical, question));
    }
    plan.push((
        Phase::Behavioral,
        "Tell me about a time you disagreed with a teammate about a decision. How did you resolve it?"
            .into(),
    ));
    if minutes >= 15 {
        plan.push((
            Phase::Behavioral,
            "Describe a time you had to deliver under a tight deadline. What did you prioritise, and why?"
                .into(),
        ));
    }
    plan.push((
        Phase::Conclusion,
        format!("Is there anything else you would like us to know, or anything you would like to ask about {role}?"),
    ));
    plan
}

/// Context for the interviewer model: the role, the job's text and the resume, trimmed.
pub(super) fn context(job: &Job, resume: &str) -> String {
    let cut = |text: &str, max: usize| text.chars().take(max).collect::<String>();
    format!(
        "Role: {} at {} ({}). Description: {} Requirements: {} Skills: {}. Candidate's resume: {}",
        job.title,
        job.company,
        job.experience_level,
        cut(&job.description, 2_000),
        cut(&job.requirements, 2_000),
        job.skills_required.join(", "),
        cut(resume, 4_000),
    )
}

pub(super) use super::super::text::needs_clarification;

#[cfg(test)]
mod tests {
    use super::super::super::fixtures;
    use super::*;

    fn job(skills: &[&str]) -> Job {
        fixtures::job("Frontend Developer", "TechCorp", "senior", skills, None)
    }

    fn candidate() -> Candidate {
        fixtures::candidate("Ada", "x", &["rust"])
    }

    #[test]
    fn phases_run_in_the_documents_order_and_focus_areas_come_first() {
        let prefs = Preferences {
            focus_areas: vec!["react".into(), "node.js".into()],
            ..Preferences::default()
        };
        let plan = questions(&job(&["css"]), &candidate(), &prefs);
        let phases: Vec<Phase> = plan.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            phases,
            [
                Phase::Introduction,
                Phase::Technical,
                Phase::Technical,
                Phase::Behavioral,
                Phase::Behavioral,
                Phase::Conclusion
            ]
        );
        assert!(plan[0].1.contains("Frontend Developer role at TechCorp"));
        assert!(plan[1].1.contains("react") && plan[2].1.contains("node.js"));
        let short = Preferences {
            max_duration: Some(10),
            difficulty_level: Some(Difficulty::Hard),
            ..Preferences::default()
        };
        let plan = questions(&job(&[]), &candidate(), &short);
        assert_eq!(plan.len(), 4);
        assert!(plan[1].1.contains("rust") && plan[1].1.contains("trade-offs"));
    }
}
