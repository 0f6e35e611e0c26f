//! The local engine's interview: a fixed plan of questions it asks in order. It has no
//! language model, so it never reacts to what was said; it says so in its instructions to the
//! candidate and in the README.

/// Questions asked in order, then a closing line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionPlan {
    /// The opening line, said before the first question.
    pub greeting: String,
    /// The questions.
    pub questions: Vec<String>,
    /// Said after the last answer.
    pub closing: String,
}

impl Default for QuestionPlan {
    fn default() -> Self {
        Self {
            greeting: "Hello, and thank you for joining. I am your interviewer today.".into(),
            questions: vec![
                "To start, could you tell me a little about yourself and your background?".into(),
                "What is a project you are proud of, and what was your part in it?".into(),
                "Tell me about a difficult problem you solved recently. How did you approach it?".into(),
                "How do you handle a disagreement with a colleague about a technical decision?".into(),
                "Why are you interested in this role?".into(),
            ],
            closing: "Thank you, that was my last question. We will be in touch about the next steps. Goodbye!".into(),
        }
    }
}

/// What the interviewer says on its next turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The words.
    pub text: String,
    /// Which question (0-based), or `None` for the closing line.
    pub question_index: Option<usize>,
}

impl QuestionPlan {
    /// The plan a session asks for in its `viva` extension (set by the interview API:
    /// `{"questions": [...], "start": 0, "only": false}`), and where to start in it. A question
    /// token (`only`) asks just its question, then closes.
    pub fn from_session(
        session: &serde_json::Value,
        base: &QuestionPlan,
    ) -> Option<(QuestionPlan, usize)> {
        let viva = session.get("viva")?;
        let questions: Vec<String> = serde_json::from_value(viva.get("questions")?.clone()).ok()?;
        let start = viva
            .get("start")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0) as usize;
        if questions.is_empty() || start >= questions.len() {
            return None;
        }
        let greeting = if start == 0 {
            base.greeting.clone()
        } else {
            String::new()
        };
        if viva.get("only").and_then(serde_json::Value::as_bool) == Some(true) {
            let plan = QuestionPlan {
                greeting,
                questions: vec![questions[start].clone()],
                closing: "Thank you, that is all for this question.".into(),
            };
            return Some((plan, 0));
        }
        Some((
            QuestionPlan {
                greeting,
                questions,
                closing: base.closing.clone(),
            },
            start,
        ))
    }

    /// The interviewer's turn after `asked` questions have been asked.
    pub fn turn(&self, asked: usize) -> Turn {
        match self.questions.get(asked) {
            Some(question) if asked == 0 && !self.greeting.is_empty() => Turn {
                text: format!("{} {question}", self.greeting),
                question_index: Some(0),
            },
            Some(question) => Turn {
                text: question.clone(),
                question_index: Some(asked),
            },
            None => Turn {
                text: self.closing.clone(),
                question_index: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_can_bring_its_own_plan_and_start() {
        let base = QuestionPlan::default();
        let session = serde_json::json!({"viva": {"questions": ["Q1?", "Q2?", "Q3?"], "start": 1}});
        let (plan, start) = QuestionPlan::from_session(&session, &base).unwrap();
        assert_eq!((plan.turn(start).text.as_str(), start), ("Q2?", 1));
        let only =
            serde_json::json!({"viva": {"questions": ["Q1?", "Q2?"], "start": 1, "only": true}});
        let (plan, start) = QuestionPlan::from_session(&only, &base).unwrap();
        assert_eq!(plan.turn(start).text, "Q2?");
        assert_eq!(plan.turn(start + 1).question_index, None);
        assert!(QuestionPlan::from_session(&serde_json::json!({}), &base).is_none());
        let empty = serde_json::json!({"viva": {"questions": [], "start": 0}});
        assert!(QuestionPlan::from_session(&empty, &base).is_none());
    }

    #[test]
    fn greets_then_asks_in_order_then_closes() {
        let plan = QuestionPlan::default();
        let first = plan.turn(0);
        assert!(first.text.starts_with("Hello") && first.text.ends_with(&plan.questions[0]));
        assert_eq!(plan.turn(1).text, plan.questions[1]);
        assert_eq!(
            plan.turn(5),
            Turn {
                text: plan.closing.clone(),
                question_index: None
            }
        );
        assert_eq!(plan.turn(9).question_index, None);
    }
}
