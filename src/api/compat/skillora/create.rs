//! The create request: its focus area and exactly the fields seed 000 lists for that area,
//! checked one by one (the first fault is named in the 400). Fields of other areas, and keys
//! the seed does not know, are ignored, as its own examples expect (example 3 sends
//! `additionalCustomization` in camelCase).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::SkilloraError;

/// The seed's error for a focus area it does not know.
pub(super) const INVALID_FOCUS_AREA: &str =
    "Invalid focus_area. Must be one of: JOB, SKILL, RESUME, UNIVERSITY, BEHAVIOURAL";

/// The error for a create request without one.
const MISSING_FOCUS_AREA: &str =
    "focus_area is required. Must be one of: JOB, SKILL, RESUME, UNIVERSITY, BEHAVIOURAL";

/// Questions when `number_of_questions` is not given, and the most allowed.
pub(super) const MAX_QUESTIONS: usize = 10;

/// Longest value of a one-line field (titles, names, topics), in characters.
const SHORT_FIELD_CHARS: usize = 255;

/// What the interview is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub(super) enum FocusArea {
    Job,
    Skill,
    Resume,
    University,
    Behavioural,
}

impl FocusArea {
    /// The wire spelling of a create request (exact).
    pub(super) fn parse(s: &str) -> Option<Self> {
        match s {
            "JOB" => Some(Self::Job),
            "SKILL" => Some(Self::Skill),
            "RESUME" => Some(Self::Resume),
            "UNIVERSITY" => Some(Self::University),
            "BEHAVIOURAL" => Some(Self::Behavioural),
            _ => None,
        }
    }

    /// The list filter's spelling: the create spellings, and the seed's list table's `TOPIC`
    /// (for SKILL) and `BEHAVIORAL`; any case.
    pub(super) fn parse_filter(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "TOPIC" => Some(Self::Skill),
            "BEHAVIORAL" => Some(Self::Behavioural),
            other => Self::parse(other),
        }
    }

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Job => "JOB",
            Self::Skill => "SKILL",
            Self::Resume => "RESUME",
            Self::University => "UNIVERSITY",
            Self::Behavioural => "BEHAVIOURAL",
        }
    }

    /// The area's fields, required ones first, in the order they are checked.
    fn fields(self) -> &'static [(&'static str, Kind, bool)] {
        use Kind::{Int, Level, Long, Short};
        match self {
            Self::Job => &[
                ("job_title", Short, true),
                ("job_description", Long, true),
                ("years_of_experience", Int, true),
                ("industry", Short, false),
                ("target_company", Short, false),
                ("additional_customization", Long, false),
            ],
            Self::Skill => &[
                ("topic", Short, true),
                ("difficulty_level", Level, false),
                ("target_company", Short, false),
                ("additional_customization", Long, false),
            ],
            Self::Resume => &[
                ("resume", Long, true),
                ("job_title", Short, false),
                ("target_company", Short, false),
                ("additional_customization", Long, false),
            ],
            Self::University => &[
                ("university", Short, true),
                ("program", Short, true),
                ("additional_customization", Long, false),
            ],
            Self::Behavioural => &[
                ("behavioral_topic", Short, true),
                ("job_title", Short, false),
                ("job_description", Long, false),
                ("years_of_experience", Int, false),
                ("industry", Short, false),
                ("target_company", Short, false),
                ("additional_customization", Long, false),
            ],
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A one-line string (at most [`SHORT_FIELD_CHARS`]).
    Short,
    /// Free text.
    Long,
    /// A non-negative integer.
    Int,
    /// 1, 2 or 3.
    Level,
}

/// A mock interview's own fields, kept in the interview's `progress_data["skillora"]`. Every
/// key is always there (null when not given), as the seed's responses show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Fields {
    pub(super) focus_area: FocusArea,
    #[serde(default)]
    pub(super) job_title: Option<String>,
    #[serde(default)]
    pub(super) job_description: Option<String>,
    #[serde(default)]
    pub(super) years_of_experience: Option<u32>,
    #[serde(default)]
    pub(super) industry: Option<String>,
    #[serde(default)]
    pub(super) target_company: Option<String>,
    #[serde(default)]
    pub(super) additional_customization: Option<String>,
    #[serde(default)]
    pub(super) topic: Option<String>,
    #[serde(default)]
    pub(super) difficulty_level: Option<u8>,
    #[serde(default)]
    pub(super) university: Option<String>,
    #[serde(default)]
    pub(super) program: Option<String>,
    #[serde(default)]
    pub(super) behavioral_topic: Option<String>,
    #[serde(default)]
    pub(super) resume: Option<String>,
    pub(super) number_of_questions: usize,
}

impl Fields {
    /// The fields of a create request's body, or a 400 naming the first field at fault.
    pub(super) fn from_body(body: &Map<String, Value>) -> Result<Self, SkilloraError> {
        let area = match body.get("focus_area") {
            None | Some(Value::Null) => {
                return Err(SkilloraError::bad_request(MISSING_FOCUS_AREA));
            }
            Some(Value::String(s)) => FocusArea::parse(s),
            Some(_) => None,
        }
        .ok_or_else(|| SkilloraError::bad_request(INVALID_FOCUS_AREA))?;
        let mut fields = Self::empty(area);
        for &(name, kind, required) in area.fields() {
            let value = body.get(name).filter(|v| !is_blank(v));
            let Some(value) = value else {
                if required {
                    return Err(SkilloraError::bad_request(format!("{name} is required")));
                }
                continue;
            };
            match kind {
                Kind::Short | Kind::Long => {
                    let text = text(name, value, kind)?;
                    *fields.text_mut(name) = Some(text);
                }
                Kind::Int => {
                    fields.years_of_experience =
                        Some(integer(value, 0..=100).ok_or_else(|| {
                            SkilloraError::bad_request(format!(
                                "{name} must be a whole number of years between 0 and 100"
                            ))
                        })?);
                }
                Kind::Level => {
                    let level = integer(value, 1..=3).ok_or_else(|| {
                        SkilloraError::bad_request(format!(
                            "{name} must be 1 (Easy), 2 (Medium) or 3 (Hard)"
                        ))
                    })?;
                    fields.difficulty_level = Some(level as u8);
                }
            }
        }
        if let Some(value) = body.get("number_of_questions").filter(|v| !is_blank(v)) {
            fields.number_of_questions =
                integer(value, 1..=MAX_QUESTIONS as u32).ok_or_else(|| {
                    SkilloraError::bad_request(format!(
                        "number_of_questions must be an integer between 1 and {MAX_QUESTIONS}"
                    ))
                })? as usize;
        }
        Ok(fields)
    }

    fn empty(focus_area: FocusArea) -> Self {
        Self {
            focus_area,
            job_title: None,
            job_description: None,
            years_of_experience: None,
            industry: None,
            target_company: None,
            additional_customization: None,
            topic: None,
            difficulty_level: None,
            university: None,
            program: None,
            behavioral_topic: None,
            resume: None,
            number_of_questions: MAX_QUESTIONS,
        }
    }

    fn text_mut(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "job_title" => &mut self.job_title,
            "job_description" => &mut self.job_description,
            "industry" => &mut self.industry,
            "target_company" => &mut self.target_company,
            "additional_customization" => &mut self.additional_customization,
            "topic" => &mut self.topic,
            "university" => &mut self.university,
            "program" => &mut self.program,
            "behavioral_topic" => &mut self.behavioral_topic,
            "resume" => &mut self.resume,
            other => unreachable!("{other} is not a text field"),
        }
    }

    /// The fields stored with an interview made by this API, if it was.
    pub(super) fn of(progress_data: &Value) -> Option<Self> {
        serde_json::from_value(progress_data.get("skillora")?.clone()).ok()
    }
}

/// Absent in all but name: null, or a string of only whitespace.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn text(name: &str, value: &Value, kind: Kind) -> Result<String, SkilloraError> {
    let Value::String(s) = value else {
        return Err(SkilloraError::bad_request(format!(
            "{name} must be a string"
        )));
    };
    let s = s.trim();
    if matches!(kind, Kind::Short) && s.chars().count() > SHORT_FIELD_CHARS {
        return Err(SkilloraError::bad_request(format!(
            "{name} must be at most {SHORT_FIELD_CHARS} characters"
        )));
    }
    Ok(s.to_owned())
}

/// A JSON integer in `range`, or a string holding one (as form-minded clients send).
fn integer(value: &Value, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    let n = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    u32::try_from(n).ok().filter(|n| range.contains(n))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(body: Value) -> Result<Fields, String> {
        Fields::from_body(body.as_object().unwrap()).map_err(|e| e.message)
    }

    #[test]
    fn each_area_requires_its_fields_and_names_the_missing_one() {
        assert_eq!(
            parse(json!({})).unwrap_err(),
            "focus_area is required. Must be one of: JOB, SKILL, RESUME, UNIVERSITY, BEHAVIOURAL"
        );
        assert_eq!(
            parse(json!({"focus_area": "DANCE"})).unwrap_err(),
            INVALID_FOCUS_AREA
        );
        assert_eq!(
            parse(json!({"focus_area": "job"})).unwrap_err(),
            INVALID_FOCUS_AREA
        );
        let job =
            json!({"focus_area": "JOB", "job_title": "Engineer", "job_description": "Build it."});
        assert_eq!(parse(job).unwrap_err(), "years_of_experience is required");
        assert_eq!(
            parse(json!({"focus_area": "SKILL"})).unwrap_err(),
            "topic is required"
        );
        assert_eq!(
            parse(json!({"focus_area": "RESUME", "resume": "  "})).unwrap_err(),
            "resume is required"
        );
        assert_eq!(
            parse(json!({"focus_area": "UNIVERSITY", "university": "MIT"})).unwrap_err(),
            "program is required"
        );
        assert_eq!(
            parse(json!({"focus_area": "BEHAVIOURAL", "behavioral_topic": null})).unwrap_err(),
            "behavioral_topic is required"
        );
    }

    #[test]
    fn types_and_ranges_are_checked() {
        let skill = |extra: Value| {
            let mut body = json!({"focus_area": "SKILL", "topic": "SQL"});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            parse(body)
        };
        assert!(
            skill(json!({"difficulty_level": 4}))
                .unwrap_err()
                .starts_with("difficulty_level")
        );
        assert!(
            skill(json!({"number_of_questions": 0}))
                .unwrap_err()
                .starts_with("number_of_questions")
        );
        assert!(
            skill(json!({"number_of_questions": 11}))
                .unwrap_err()
                .starts_with("number_of_questions")
        );
        assert!(
            skill(json!({"number_of_questions": 2.5}))
                .unwrap_err()
                .starts_with("number_of_questions")
        );
        assert_eq!(
            skill(json!({"topic": 7})).unwrap_err(),
            "topic must be a string"
        );
        assert!(
            skill(json!({"topic": "x".repeat(256)}))
                .unwrap_err()
                .contains("255")
        );
        let ok = skill(json!({"difficulty_level": "3", "number_of_questions": 4})).unwrap();
        assert_eq!((ok.difficulty_level, ok.number_of_questions), (Some(3), 4));
        assert_eq!(skill(json!({})).unwrap().number_of_questions, MAX_QUESTIONS);
        let job = json!({"focus_area": "JOB", "job_title": "E", "job_description": "D", "years_of_experience": -1});
        assert!(parse(job).unwrap_err().starts_with("years_of_experience"));
    }

    #[test]
    fn only_the_areas_fields_are_kept_and_they_round_trip() {
        let fields = parse(
            json!({"focus_area": "UNIVERSITY", "university": " Stanford ", "program": "CS PhD",
                                  "topic": "ignored", "additionalCustomization": "ignored too"}),
        )
        .unwrap();
        assert_eq!(fields.university.as_deref(), Some("Stanford"));
        assert_eq!(
            (
                fields.topic.clone(),
                fields.additional_customization.clone()
            ),
            (None, None)
        );
        let stored =
            json!({"current_question": 1, "skillora": serde_json::to_value(&fields).unwrap()});
        assert_eq!(Fields::of(&stored), Some(fields));
        assert_eq!(Fields::of(&json!({"current_question": 1})), None);
    }

    #[test]
    fn the_filter_accepts_the_list_tables_spellings() {
        assert_eq!(FocusArea::parse_filter("TOPIC"), Some(FocusArea::Skill));
        assert_eq!(
            FocusArea::parse_filter("behavioral"),
            Some(FocusArea::Behavioural)
        );
        assert_eq!(
            FocusArea::parse_filter("BEHAVIOURAL"),
            Some(FocusArea::Behavioural)
        );
        assert_eq!(FocusArea::parse_filter("DANCE"), None);
    }
}
