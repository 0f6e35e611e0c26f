//! The plan's shape by length, its questions from the job and the candidate, and industries.

use super::super::super::fixtures;
use super::*;

fn job(industry: Option<&str>, skills: &[&str]) -> Job {
    fixtures::job("Python Developer", "Acme", "mid", skills, industry)
}

fn candidate() -> Candidate {
    let resume = "Backend developer, 4 years of Django. Likes tests.";
    fixtures::candidate("Priya", resume, &["django"])
}

fn kinds(plan: &[(Kind, String)]) -> Vec<Kind> {
    plan.iter().map(|(k, _)| *k).collect()
}

#[test]
fn the_plan_follows_the_documents_structure_at_every_length() {
    for minutes in [1, 10, 15, 20, 30, 60, 120] {
        let plan = questions(
            &job(Some("IT"), &["python"]),
            &candidate(),
            Some(Industry::It),
            minutes,
        );
        let count = |k: Kind| plan.iter().filter(|(x, _)| *x == k).count();
        assert!((1..=2).contains(&count(Kind::Icebreaker)), "{minutes}");
        assert!((2..=3).contains(&count(Kind::Resume)), "{minutes}");
        assert!((2..=4).contains(&count(Kind::Scenario)), "{minutes}");
        assert_eq!(count(Kind::Bonus), 4, "{minutes}");
        assert_eq!(count(Kind::Clarification), 0, "asked only on a cue");
        assert!(plan.len() - 4 >= 5, "main questions: {minutes}");
        let mut sorted = kinds(&plan);
        sorted.sort_by_key(|k| *k as u8);
        assert_eq!(sorted, kinds(&plan), "in the document's order");
        assert!(plan.iter().all(|(_, q)| !q.trim().is_empty()));
    }
    let plan = questions(
        &job(Some("IT"), &["python"]),
        &candidate(),
        Some(Industry::It),
        20,
    );
    assert_eq!(plan.len(), 2 + 3 + 3 + 4);
    assert!(
        plan[0].1.contains("Python Developer role at Acme"),
        "{}",
        plan[0].1
    );
    assert!(
        plan[2].1.contains("Backend developer, 4 years of Django"),
        "{}",
        plan[2].1
    );
    assert!(
        !plan[2].1.contains("Likes tests"),
        "the first sentence only"
    );
    assert!(plan[3].1.contains("django") && plan[4].1.contains("python"));
    assert!(
        plan[5].1.contains("production"),
        "the industry's scenario first"
    );
}

#[test]
fn industries_come_from_the_application_then_the_job() {
    let bank = job(Some("Banking"), &[]);
    assert_eq!(Industry::of(None, &bank), Some(Industry::Bfsi));
    assert_eq!(
        Industry::of(Some("Healthcare"), &bank),
        Some(Industry::Healthcare)
    );
    assert_eq!(
        Industry::of(None, &job(None, &[])),
        Some(Industry::It),
        "the title says developer"
    );
    let mut plain = job(None, &[]);
    plain.title = "Office Manager".into();
    assert_eq!(Industry::of(None, &plain), None);
    assert_eq!(Industry::It.as_str(), "IT");
    assert_eq!(Industry::It.competencies().len(), 5);
    let context = context(&bank, &candidate(), Some(Industry::Bfsi));
    assert!(context.contains("Industry: BFSI") && context.contains("risk_assessment"));
}
