//! Templates seeded on first start.

use super::Template;

fn template(
    id: &str,
    title: &str,
    focus: &str,
    kinds: &[&str],
    minutes: u32,
    instructions: &str,
    questions: &[&str],
) -> Template {
    Template {
        id: id.into(),
        title: title.into(),
        focus_area: focus.into(),
        question_count: questions.len().min(5),
        question_kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
        duration_minutes: minutes,
        instructions: instructions.into(),
        questions: questions.iter().map(|q| (*q).to_owned()).collect(),
        builtin: true,
    }
}

/// The built-in templates, with fixed ids so integrators can rely on them.
pub fn builtin_templates() -> Vec<Template> {
    vec![
        template(
            "6f1c2b8e-0d4a-4c55-9a35-1f7e5a0b0001",
            "Backend software engineer",
            "server-side systems, APIs and reliability",
            &["background", "technical", "behavioral"],
            30,
            "Be friendly and precise. Probe for concrete examples and trade-offs.",
            &[
                "Tell me about yourself and the systems you have worked on.",
                "Describe an API you designed. What trade-offs did you make?",
                "Tell me about a production incident you handled. What did you learn?",
                "How do you decide when a service needs a cache, and what can go wrong?",
                "Why are you interested in this role?",
            ],
        ),
        template(
            "6f1c2b8e-0d4a-4c55-9a35-1f7e5a0b0002",
            "Product manager",
            "product discovery, prioritisation and delivery",
            &["background", "product sense", "behavioral"],
            30,
            "Be warm and curious. Ask for the reasoning behind decisions.",
            &[
                "Walk me through a product you shipped, from problem to launch.",
                "How do you decide what not to build?",
                "Tell me about a time data changed your mind.",
                "How do you work with engineers when a deadline is at risk?",
            ],
        ),
        template(
            "6f1c2b8e-0d4a-4c55-9a35-1f7e5a0b0003",
            "Case interview: market entry",
            "a medium market-entry case in the technology industry",
            &["case"],
            40,
            "You are an expert case interviewer. Let the candidate structure the problem; give data only when asked.",
            &[
                "Our client, a mid-sized software company, is considering entering the Brazilian market. How would you structure this problem?",
                "What would you want to know about the market size, and how would you estimate it?",
                "Which risks would worry you most, and how would you test them?",
                "What is your recommendation to the client, and why?",
            ],
        ),
    ]
}
