//! What the text model must answer: the JSON schema it is held to (strict structured output)
//! and the checks its answer passes before anything is stored. An answer that is not JSON,
//! lacks a field or holds a score outside 0–100 is `model_output_invalid`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Area, ErrorCode, KeyArea, ModelError, Recommendation};

/// The model's judgement, checked.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelOutput {
    /// 0–100.
    pub overall_score: f64,
    /// Per transcribed candidate turn.
    pub answers: Vec<ModelAnswer>,
    /// Strong areas.
    pub strengths: Vec<Area>,
    /// Weak areas.
    pub weak_areas: Vec<Area>,
    /// Scored areas.
    pub key_areas: Vec<KeyArea>,
    /// A summary.
    pub feedback: String,
    /// The verdict.
    pub recommendation: Recommendation,
}

/// The model's judgement of one candidate turn.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ModelAnswer {
    /// The candidate's item, as given in the transcript.
    pub item_id: String,
    /// 0–100.
    pub score: f64,
    /// What was good or missing.
    pub analysis: String,
    /// What a strong answer would cover.
    pub ideal_answer: String,
}

/// The JSON schema of [`ModelOutput`], in the strict form structured outputs require (every
/// property required, no others).
pub fn schema() -> Value {
    let string = json!({ "type": "string" });
    let score = json!({ "type": "number", "description": "0 (poor) to 100 (excellent)" });
    let area = json!({
        "type": "object", "additionalProperties": false,
        "required": ["area", "detail"],
        "properties": { "area": string, "detail": string },
    });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["overall_score", "answers", "strengths", "weak_areas", "key_areas", "feedback", "recommendation"],
        "properties": {
            "overall_score": score,
            "answers": { "type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["item_id", "score", "analysis", "ideal_answer"],
                "properties": {
                    "item_id": { "type": "string", "description": "the id of a transcribed candidate turn, as given" },
                    "score": score, "analysis": string, "ideal_answer": string,
                },
            }},
            "strengths": { "type": "array", "items": area },
            "weak_areas": { "type": "array", "items": area },
            "key_areas": { "type": "array", "items": {
                "type": "object", "additionalProperties": false,
                "required": ["area", "score", "assessment"],
                "properties": { "area": string, "score": score, "assessment": string },
            }},
            "feedback": string,
            "recommendation": { "type": "string", "enum": ["strong_hire", "hire", "further_assessment", "no_hire"] },
        },
    })
}

fn invalid(message: impl Into<String>) -> ModelError {
    ModelError::new(ErrorCode::OutputInvalid, message)
}

/// The assessment in a Chat Completions answer (`choices[0].message.content`).
pub(super) fn parse_chat_completion(body: &str) -> Result<ModelOutput, ModelError> {
    let value: Value = serde_json::from_str(body)
        .map_err(|e| invalid(format!("the response is not JSON: {e}")))?;
    let choice = &value["choices"][0];
    let message = &choice["message"];
    if let Some(refusal) = message["refusal"].as_str() {
        return Err(ModelError::new(ErrorCode::Refused, refusal));
    }
    if choice["finish_reason"] == "length" {
        return Err(invalid("the answer was cut off (finish_reason length)"));
    }
    let content = message["content"]
        .as_str()
        .ok_or_else(|| invalid("the response has no choices[0].message.content"))?;
    parse_output(content)
}

/// `content` without one surrounding Markdown code fence (```json … ```), which models asked
/// for JSON in their instructions often add; anything else is left for the JSON parser.
fn without_fence(content: &str) -> &str {
    let trimmed = content.trim();
    trimmed
        .strip_prefix("```json")
        .or_else(|| trimmed.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .map_or(trimmed, str::trim)
}

/// Checks the model's JSON answer `content`.
pub(super) fn parse_output(content: &str) -> Result<ModelOutput, ModelError> {
    let output: ModelOutput = serde_json::from_str(without_fence(content))
        .map_err(|e| invalid(format!("the answer is not the assessment asked for: {e}")))?;
    let in_range = |name: &str, score: f64| {
        if score.is_finite() && (0.0..=100.0).contains(&score) {
            Ok(())
        } else {
            Err(invalid(format!("{name} {score} is not between 0 and 100")))
        }
    };
    in_range("overall_score", output.overall_score)?;
    for answer in &output.answers {
        in_range("an answer's score", answer.score)?;
        if answer.item_id.trim().is_empty() {
            return Err(invalid("an answer has no item_id"));
        }
    }
    for area in &output.key_areas {
        in_range("a key area's score", area.score.unwrap_or(0.0))?;
    }
    if output.feedback.trim().is_empty() {
        return Err(invalid("feedback is empty"));
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Value {
        json!({
            "overall_score": 72,
            "answers": [{"item_id": "item_u1", "score": 80, "analysis": "Clear.", "ideal_answer": "Also trade-offs."}],
            "strengths": [{"area": "Clarity", "detail": "Concise."}],
            "weak_areas": [{"area": "Depth", "detail": "No numbers."}],
            "key_areas": [{"area": "Communication", "score": 85, "assessment": "Good."}],
            "feedback": "A solid start.",
            "recommendation": "further_assessment",
        })
    }

    fn completion(content: &str) -> String {
        json!({"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content, "refusal": null}}]}).to_string()
    }

    fn code(result: Result<ModelOutput, ModelError>) -> ErrorCode {
        result.unwrap_err().code
    }

    #[test]
    fn a_good_answer_parses() {
        let out = parse_chat_completion(&completion(&good().to_string())).unwrap();
        assert_eq!(out.overall_score, 72.0);
        assert_eq!(out.answers[0].item_id, "item_u1");
        assert_eq!(out.recommendation, Recommendation::FurtherAssessment);
        assert_eq!(out.key_areas[0].score, Some(85.0));
    }

    #[test]
    fn one_code_fence_around_the_json_is_taken_off_and_nothing_more() {
        let fenced = format!("```json\n{}\n```", good());
        assert_eq!(parse_output(&fenced).unwrap().overall_score, 72.0);
        let bare_fence = format!("```\n{}\n```  ", good());
        assert_eq!(parse_output(&bare_fence).unwrap().overall_score, 72.0);
        let chatty = format!("Here is the assessment:\n```json\n{}\n```", good());
        assert_eq!(code(parse_output(&chatty)), ErrorCode::OutputInvalid);
    }

    #[test]
    fn anything_else_is_invalid_output() {
        let bad = ErrorCode::OutputInvalid;
        assert_eq!(code(parse_chat_completion("<html>oops")), bad);
        assert_eq!(
            code(parse_chat_completion(&completion("Great candidate!"))),
            bad
        );
        assert_eq!(code(parse_chat_completion(r#"{"choices": []}"#)), bad);
        for field in ["overall_score", "answers", "feedback", "recommendation"] {
            let mut v = good();
            v.as_object_mut().unwrap().remove(field);
            assert_eq!(code(parse_output(&v.to_string())), bad, "without {field}");
        }
        for (pointer, value) in [
            ("/overall_score", json!(140)),
            ("/overall_score", json!(-1)),
            ("/overall_score", json!("high")),
            ("/answers/0/score", json!(101)),
            ("/answers/0/item_id", json!(" ")),
            ("/key_areas/0/score", json!(1000)),
            ("/recommendation", json!("maybe")),
            ("/feedback", json!("")),
        ] {
            let mut v = good();
            *v.pointer_mut(pointer).unwrap() = value.clone();
            assert_eq!(
                code(parse_output(&v.to_string())),
                bad,
                "{pointer} = {value}"
            );
        }
        let cut =
            json!({"choices": [{"finish_reason": "length", "message": {"content": "{\"overall"}}]});
        assert_eq!(code(parse_chat_completion(&cut.to_string())), bad);
    }

    #[test]
    fn a_refusal_is_its_own_code() {
        let body = json!({"choices": [{"finish_reason": "stop", "message": {"content": null, "refusal": "I can't help with that."}}]});
        assert_eq!(
            code(parse_chat_completion(&body.to_string())),
            ErrorCode::Refused
        );
    }

    #[test]
    fn the_schema_is_strict_everywhere() {
        fn check(node: &Value) {
            if node["type"] == "object" {
                assert_eq!(node["additionalProperties"], false, "{node}");
                let props: Vec<&String> = node["properties"].as_object().unwrap().keys().collect();
                let required: Vec<&str> = node["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(props.len(), required.len(), "{node}");
                for p in props {
                    assert!(required.contains(&p.as_str()), "{p} not required");
                    check(&node["properties"][p]);
                }
            }
            if node["type"] == "array" {
                check(&node["items"]);
            }
        }
        check(&schema());
        // The good example has exactly the schema's fields.
        let keys: Vec<_> = good().as_object().unwrap().keys().cloned().collect();
        let mut required: Vec<String> =
            serde_json::from_value(schema()["required"].clone()).unwrap();
        required.sort();
        assert_eq!(keys, required);
    }
}
