//! Text helpers the facades share when they turn fields into plans and instructions, and what
//! their interviewer says without a model.

/// Asking again for more on the same question, without a model.
pub(super) const CLARIFY: &str =
    "Could you tell me a little more? A concrete example from your own work would help.";
/// Closing after the plan's last question.
pub(super) const CLOSING: &str = "Thank you, that was my last question. The interview is complete.";
/// Closing at the time limit.
pub(super) const OUT_OF_TIME: &str =
    "Thank you, we have reached the time limit. The interview is complete.";

/// An answer with fewer words is a measurable cue for a clarification.
const SHORT_ANSWER_WORDS: usize = 3;

/// Whether `answer` is a measurable cue for a clarification: empty or very short.
pub(super) fn needs_clarification(answer: &str) -> bool {
    answer.split_whitespace().count() < SHORT_ANSWER_WORDS
}

/// `text` cut to at most `max` characters at a word boundary, with `…` when cut.
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(at) if at > max / 2 => &cut[..at],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_empty_or_very_short_answers_are_clarified() {
        assert!(needs_clarification(""));
        assert!(needs_clarification("  yes  "));
        assert!(needs_clarification("not sure"));
        assert!(!needs_clarification("I built a React app"));
        assert!(!needs_clarification("I built a Django app"));
    }

    #[test]
    fn shortening_cuts_at_a_word_boundary() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three four", 12), "one two…");
    }
}
