//! The question plan of a mock interview, built from its fields and nothing else: templates
//! filled with what the partner sent (quoting the job description or resume where a question
//! is about it), never invented facts. The same fields always give the same plan. Also the
//! context that carries the fields into the interviewer's instructions.

use super::create::{Fields, FocusArea};

/// How much of a long field (job description, resume, guidance) the interviewer's
/// instructions carry. The instructions travel inside every client secret, so they stay small
/// whatever the request's size.
const CONTEXT_EXCERPT_CHARS: usize = 1_500;
/// Longest quotation of the job description or resume inside a question.
const QUOTE_CHARS: usize = 160;
/// Most questions that quote the job description or resume.
const MAX_QUOTES: usize = 3;

/// The plan: `fields.number_of_questions` distinct questions.
pub(super) fn questions(fields: &Fields) -> Vec<String> {
    let mut pool = match fields.focus_area {
        FocusArea::Job => job(fields),
        FocusArea::Skill => skill(fields),
        FocusArea::Resume => resume(fields),
        FocusArea::University => university(fields),
        FocusArea::Behavioural => behavioural(fields),
    };
    let mut seen = std::collections::HashSet::new();
    pool.retain(|q| seen.insert(q.clone()));
    pool.truncate(fields.number_of_questions);
    pool
}

fn job(f: &Fields) -> Vec<String> {
    let title = f.job_title.as_deref().unwrap_or("this role");
    let mut q = vec![format!(
        "Tell me about yourself and what draws you to the {title} role."
    )];
    q.push(match f.years_of_experience {
        Some(0) | None => format!(
            "You are early in your career. What have you done so far that prepares you to work as a {title}?"
        ),
        Some(years) => format!(
            "You have {}. Which part of that experience prepares you best to work as a {title}?",
            years_phrase(years)
        ),
    });
    for quote in quotes(f.job_description.as_deref().unwrap_or_default()) {
        q.push(format!(
            "The job description says: \"{quote}\". Tell me about concrete work of yours that matches this."
        ));
    }
    if let Some(company) = &f.target_company {
        q.push(format!(
            "Why do you want to work at {company} as a {title}?"
        ));
    }
    if let Some(industry) = &f.industry {
        q.push(format!(
            "Which challenges in the {industry} industry matter most for a {title}, and how have they affected your work?"
        ));
    }
    q.extend([
        format!("Describe the most challenging project you worked on that is relevant to the {title} role. What was your part in it?"),
        "Tell me about a mistake you made at work and what you changed afterwards.".to_owned(),
        "How do you decide what to work on first when several tasks are urgent?".to_owned(),
        "Tell me about a time you disagreed with a colleague. How did you resolve it?".to_owned(),
        format!("What would you want to achieve in your first 90 days as a {title}?"),
        format!("How do you keep your skills up to date for a {title} role?"),
        "What kind of team and manager help you do your best work?".to_owned(),
        format!("Where do you want to grow as a {title} over the next few years?"),
    ]);
    q
}

fn skill(f: &Fields) -> Vec<String> {
    let topic = f.topic.as_deref().unwrap_or("this topic");
    let mut q = vec![format!(
        "How would you explain the core ideas of {topic} to a colleague who is new to it?"
    )];
    q.push(match f.difficulty_level {
        Some(1) => format!("What are the most important basic concepts of {topic}, and why do they matter?"),
        Some(3) => format!("What are the hardest edge cases or failure modes in {topic}, and how do you handle them?"),
        _ => format!("Describe a problem you solved with {topic}. Which approach did you take, and why?"),
    });
    q.push(format!(
        "What common mistakes do people make with {topic}, and how do you avoid them?"
    ));
    if let Some(company) = &f.target_company {
        q.push(format!(
            "How would you expect {topic} to matter in a role at {company}, and what would you bring to it?"
        ));
    }
    if f.difficulty_level == Some(3) {
        q.push(format!("Walk me through the internals of one part of {topic} in depth: how does it work, and what are its limits?"));
    }
    q.extend([
        format!("Which trade-offs come up when applying {topic}, and how do you decide between the options?"),
        format!("Tell me about the most complex piece of work you have done involving {topic}."),
        format!("Walk me through how you would diagnose a problem when applying {topic}."),
        format!("How do you judge whether work in {topic} is of high quality?"),
        format!("What would you teach first to someone learning {topic}, and why?"),
        format!("Which part of {topic} do you find hardest, and how are you improving at it?"),
        format!("How have you kept your knowledge of {topic} up to date?"),
    ]);
    q
}

fn resume(f: &Fields) -> Vec<String> {
    let mut q = vec![
        "Walk me through your resume, starting with the experience you are proudest of.".to_owned(),
    ];
    for quote in quotes(f.resume.as_deref().unwrap_or_default()) {
        q.push(format!(
            "Your resume mentions: \"{quote}\". Tell me more: what was your part in it, and what was the result?"
        ));
    }
    if let Some(title) = &f.job_title {
        q.push(format!(
            "How does your background prepare you for a {title} role?"
        ));
    }
    if let Some(company) = &f.target_company {
        q.push(format!(
            "Why are you interested in {company}, and how does your experience fit there?"
        ));
    }
    q.extend([
        "Which achievement on your resume had the biggest impact, and how did you measure it?"
            .to_owned(),
        "Tell me about a project from your resume that did not go as planned. What did you do?"
            .to_owned(),
        "Which skill have you developed most since you started your career, and how?".to_owned(),
        "Which of the skills on your resume would your last manager call your strongest, and why?"
            .to_owned(),
        "What is something you have learned that is not on your resume?".to_owned(),
        "Tell me about a time you worked with a difficult stakeholder. How did you handle it?"
            .to_owned(),
        "Where do you want your career to go next, and why?".to_owned(),
        "Which decision in your career so far would you make differently today, and why?"
            .to_owned(),
        "What do you want your next role to offer that your last one did not?".to_owned(),
    ]);
    q
}

fn university(f: &Fields) -> Vec<String> {
    let uni = f.university.as_deref().unwrap_or("this university");
    let program = f.program.as_deref().unwrap_or("this program");
    vec![
        format!("Why do you want to study {program} at {uni}?"),
        format!("Which experiences led you to choose {program}?"),
        format!(
            "What do you know about the {program} program at {uni}, and which part of it interests you most?"
        ),
        "Tell me about an academic project or piece of work you are proud of.".to_owned(),
        format!("What are your goals after completing {program}?"),
        format!("Which subject or idea related to {program} have you explored on your own?"),
        format!("What would you contribute to the {uni} community outside the classroom?"),
        "Describe a time you struggled to learn something difficult. How did you get through it?"
            .to_owned(),
        "Tell me about a time you worked in a team. What was your role?".to_owned(),
        "How do you manage your time when deadlines pile up?".to_owned(),
        format!("Why should {uni} choose you for the {program} program?"),
    ]
}

fn behavioural(f: &Fields) -> Vec<String> {
    let topic = f.behavioral_topic.as_deref().unwrap_or("this skill");
    let star = "Walk me through the situation, your task, the actions you took and the result.";
    let mut q = vec![
        format!("Tell me about a time you demonstrated {topic}. {star}"),
        format!("Describe a situation where {topic} was hard for you. {star}"),
    ];
    if let Some(title) = &f.job_title {
        q.push(format!("Tell me about a time {topic} mattered in your work as a {title} or in similar work. {star}"));
    }
    for quote in quotes(f.job_description.as_deref().unwrap_or_default())
        .into_iter()
        .take(1)
    {
        q.push(format!("The role description says: \"{quote}\". Tell me about a time {topic} helped you deliver something like this. {star}"));
    }
    if let Some(company) = &f.target_company {
        q.push(format!("Which situation from your past best shows how you would handle {topic} at {company}? {star}"));
    }
    if let Some(industry) = &f.industry {
        q.push(format!("Tell me about a time {topic} was tested by a challenge typical of the {industry} industry. {star}"));
    }
    if let Some(years) = f.years_of_experience.filter(|y| *y > 0) {
        q.push(format!(
            "Over your {}, how has your approach to {topic} changed? Give one concrete example.",
            years_phrase(years)
        ));
    }
    q.extend([
        format!("Give me an example of a time you fell short on {topic}. What happened, and what did you learn?"),
        format!("Tell me about a time you helped someone else with {topic}. {star}"),
        format!("Describe a time you received feedback about {topic}. What did you do with it?"),
        format!("Tell me about a time you had to balance {topic} against a tight deadline. What did you decide, and why?"),
        format!("Tell me about a time {topic} led to a disagreement. How did you resolve it?"),
        format!("Describe a situation where you needed {topic} with people you had not worked with before. {star}"),
        format!("What is a recent example of {topic} you are proud of? {star}"),
        format!("Tell me about a time you noticed a lack of {topic} in a team. What did you do about it?"),
        format!("Describe a time {topic} made the difference between success and failure. {star}"),
    ]);
    q
}

fn years_phrase(years: u32) -> String {
    if years == 1 {
        "1 year of experience".to_owned()
    } else {
        format!("{years} years of experience")
    }
}

/// Up to [`MAX_QUOTES`] sentences or bullet points of `text` worth asking about (three words
/// or more), each shortened to [`QUOTE_CHARS`] at a word boundary; the whole text (shortened)
/// when it has none.
fn quotes(text: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ends = match c {
            '\n' | '\r' | ';' | '•' => true,
            '.' | '!' | '?' => chars.peek().is_none_or(|n| n.is_whitespace()),
            _ => false,
        };
        if ends {
            sentences.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    sentences.push(current);
    let clean = |s: &str| {
        let s = s.trim_matches(|c: char| c.is_whitespace() || "-*•.,:\"".contains(c));
        shorten(&s.replace('"', "'"), QUOTE_CHARS)
    };
    let mut out: Vec<String> = sentences
        .iter()
        .map(|s| clean(s))
        .filter(|s| s.split_whitespace().count() >= 3)
        .take(MAX_QUOTES)
        .collect();
    if out.is_empty() && !text.trim().is_empty() {
        out.push(clean(
            &text.split_whitespace().collect::<Vec<_>>().join(" "),
        ));
    }
    out
}

pub(super) use super::super::text::shorten;

/// The interview's context for the interviewer's instructions: the fields in words, long
/// ones as excerpts.
pub(super) fn context(f: &Fields) -> String {
    let mut parts = vec![format!(
        "A mock interview, focus area {}",
        f.focus_area.as_str()
    )];
    let mut add = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            parts.push(format!("{label}: {}", shorten(v, CONTEXT_EXCERPT_CHARS)));
        }
    };
    add("Role", &f.job_title);
    add("Industry", &f.industry);
    add("Target company", &f.target_company);
    add("Topic", &f.topic);
    add("University", &f.university);
    add("Program", &f.program);
    add("Behavioural topic", &f.behavioral_topic);
    add("Job description", &f.job_description);
    add("The candidate's resume", &f.resume);
    add(
        "Guidance from the organization",
        &f.additional_customization,
    );
    if let Some(years) = f.years_of_experience {
        parts.push(format!("The candidate has {}", years_phrase(years)));
    }
    if let Some(level) = f.difficulty_level {
        let word = ["easy", "medium", "hard"][usize::from(level.clamp(1, 3) - 1)];
        parts.push(format!(
            "Pitch the questions and follow-ups at {word} difficulty"
        ));
    }
    parts.join(". ")
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn fields(body: Value) -> Fields {
        Fields::from_body(body.as_object().unwrap()).unwrap()
    }

    fn minimal() -> Vec<Fields> {
        [
            json!({"focus_area": "JOB", "job_title": "Nurse", "job_description": "Care", "years_of_experience": 0}),
            json!({"focus_area": "SKILL", "topic": "SQL"}),
            json!({"focus_area": "RESUME", "resume": "Ada"}),
            json!({"focus_area": "UNIVERSITY", "university": "MIT", "program": "Physics"}),
            json!({"focus_area": "BEHAVIOURAL", "behavioral_topic": "teamwork"}),
        ]
        .into_iter()
        .map(fields)
        .collect()
    }

    #[test]
    fn every_area_fills_any_count_with_distinct_questions() {
        for mut f in minimal() {
            for n in 1..=10 {
                f.number_of_questions = n;
                let plan = questions(&f);
                assert_eq!(plan.len(), n, "{:?}", f.focus_area);
                let distinct: std::collections::HashSet<_> = plan.iter().collect();
                assert_eq!(distinct.len(), n);
                assert_eq!(plan, questions(&f), "deterministic");
            }
            super::super::templates::template(f.focus_area)
                .validate()
                .unwrap();
        }
    }

    #[test]
    fn job_questions_use_the_fields_and_quote_the_description() {
        let f = fields(
            json!({"focus_area": "JOB", "job_title": "Senior Software Engineer",
            "job_description": "We are looking for a senior software engineer with experience in React, Node.js, and AWS...\n- Lead design reviews",
            "years_of_experience": 5, "target_company": "Google", "industry": "Technology"}),
        );
        let plan = questions(&f);
        assert!(plan[0].contains("Senior Software Engineer"));
        assert!(plan[1].contains("5 years of experience"));
        assert!(plan[2].contains("\"We are looking for a senior software engineer with experience in React, Node.js, and AWS\""), "{}", plan[2]);
        assert!(plan[3].contains("\"Lead design reviews\""), "{}", plan[3]);
        assert!(plan.iter().any(|q| q.contains("at Google")));
        assert!(plan.iter().any(|q| q.contains("Technology industry")));
        let ctx = context(&f);
        assert!(
            ctx.contains("focus area JOB") && ctx.contains("Google") && ctx.contains("5 years")
        );
    }

    #[test]
    fn skill_university_and_behavioural_questions_name_their_subject() {
        let f = fields(
            json!({"focus_area": "SKILL", "topic": "JavaScript closures", "difficulty_level": 3}),
        );
        let plan = questions(&f);
        assert!(plan.iter().all(|q| q.contains("JavaScript closures")));
        assert!(plan[1].contains("edge cases"));
        assert!(context(&f).contains("hard difficulty"));
        let f = fields(
            json!({"focus_area": "UNIVERSITY", "university": "Stanford University", "program": "Computer Science PhD"}),
        );
        assert_eq!(
            questions(&f)[0],
            "Why do you want to study Computer Science PhD at Stanford University?"
        );
        let f = fields(
            json!({"focus_area": "BEHAVIOURAL", "behavioral_topic": "conflict resolution", "number_of_questions": 3}),
        );
        let plan = questions(&f);
        assert_eq!(plan.len(), 3);
        assert!(
            plan[0].contains("conflict resolution")
                && plan[0].contains("situation, your task, the actions")
        );
    }

    #[test]
    fn long_fields_reach_the_context_as_excerpts() {
        let resume = "word ".repeat(100_000);
        let f = fields(json!({"focus_area": "RESUME", "resume": resume}));
        assert!(context(&f).chars().count() < CONTEXT_EXCERPT_CHARS + 200);
        assert!(
            questions(&f)
                .iter()
                .all(|q| q.chars().count() < QUOTE_CHARS + 200)
        );
        assert_eq!(shorten("one two three", 9), "one two…");
    }
}
