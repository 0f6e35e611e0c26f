//! The templates the facade's interviews are filed under, one per focus area (fixed ids,
//! seeded as built-ins on first use). A template's title and guidance open the interviewer's
//! instructions, so each names its kind of interview; the plan itself comes from `plan`.

use super::create::FocusArea;
use crate::interview::Template;

/// The template each focus area's interviews are filed under (fixed ids; seeded as built-ins
/// on first use). Its title and guidance open the interviewer's instructions; its own
/// question bank serves only interviews made from it through the native API.
pub(super) fn template(area: FocusArea) -> Template {
    let (n, title, focus, guidance, bank): (u8, &str, &str, &str, [&str; 3]) = match area {
        FocusArea::Job => (
            1,
            "Job interview",
            "the candidate's fit for a specific role",
            "Be friendly and professional. Ask for concrete examples from the candidate's work.",
            [
                "Tell me about yourself.",
                "Why are you interested in this role?",
                "Tell me about a project you are proud of.",
            ],
        ),
        FocusArea::Skill => (
            2,
            "Skill interview",
            "depth of knowledge in one topic",
            "Be precise. Probe the reasoning behind each answer with one follow-up at most.",
            [
                "How would you explain the core ideas of your field to a newcomer?",
                "Describe a problem you solved recently.",
                "What common mistakes do people make in your field?",
            ],
        ),
        FocusArea::Resume => (
            3,
            "Resume interview",
            "the experience on the candidate's resume",
            "Be curious. Ask about the candidate's own part in each experience and its results.",
            [
                "Walk me through your resume.",
                "Which achievement had the biggest impact?",
                "Where do you want your career to go next?",
            ],
        ),
        FocusArea::University => (
            4,
            "University admission interview",
            "motivation, academic background and fit for a program",
            "Be warm and encouraging, as an admissions interviewer is.",
            [
                "Why do you want to study this program?",
                "Tell me about an academic project you are proud of.",
                "What are your goals after graduating?",
            ],
        ),
        FocusArea::Behavioural => (
            5,
            "Behavioural interview",
            "past behaviour, answered in the STAR format",
            "Ask for situation, task, action and result; if one is missing, ask for it once.",
            [
                "Tell me about a time you led a team.",
                "Describe a conflict at work and how you resolved it.",
                "Tell me about a time you failed.",
            ],
        ),
    };
    Template {
        id: format!("5c111014-a000-4000-8000-00000000000{n}"),
        title: title.into(),
        focus_area: focus.into(),
        question_count: bank.len(),
        question_kinds: vec![area.as_str().to_ascii_lowercase()],
        duration_minutes: 30,
        instructions: guidance.into(),
        questions: bank.iter().map(|q| (*q).to_owned()).collect(),
        builtin: true,
    }
}
