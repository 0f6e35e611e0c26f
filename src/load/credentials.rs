//! How a synthetic candidate gets its credentials: the way an integrator's backend does
//! (create an interview, fetch its credentials, a token per question, delete it afterwards),
//! or with a bare client secret (`POST /v1/realtime/client_secrets`).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::timeout;

use super::peer::{ClientError, Relay};

/// Limit of each credentials request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Question tokens live this long (the API's minimum is 300 s).
const QUESTION_TOKEN_TTL_S: u64 = 900;

/// Where the candidates' credentials come from (`--credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CredentialsMode {
    /// The integrator's API: an interview per candidate, its credentials, a token per question.
    Interview,
    /// A client secret per candidate, minted with the server key.
    ClientSecret,
}

impl CredentialsMode {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Interview => "interview",
            Self::ClientSecret => "client-secret",
        }
    }
}

/// What a candidate opens its call with.
#[derive(Debug, Clone)]
pub(super) struct CallCredentials {
    /// The ephemeral key (`ek_…`) the SDP offer is posted with.
    pub secret: String,
    /// The interview created for the candidate, in interview mode.
    pub interview_id: Option<String>,
    /// The session's `silence_duration_ms`, when the credentials say it.
    pub silence_ms: Option<u32>,
    /// The interview's TURN server and credentials, in interview mode.
    pub relay: Option<Relay>,
}

/// The integrator's side of a load test: the server's URL and key, and an HTTP client.
#[derive(Debug, Clone)]
pub(super) struct Integrator {
    pub url: String,
    pub api_key: String,
    pub http: reqwest::Client,
    /// `silence_duration_ms` asked for with client secrets.
    pub silence_ms: u32,
}

impl Integrator {
    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, ClientError> {
        let response = timeout(REQUEST_TIMEOUT, request.bearer_auth(&self.api_key).send())
            .await
            .map_err(|_| ClientError::Unreachable("credentials request timed out".into()))?
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let body: Value = timeout(REQUEST_TIMEOUT, response.json())
            .await
            .map_err(|_| ClientError::Unreachable("credentials response timed out".into()))?
            .unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        // The realtime API says {"error": {"code"}}; the interview API {"detail"}.
        let code = body
            .pointer("/error/code")
            .and_then(Value::as_str)
            .map_or_else(|| format!("http_{status}"), str::to_owned);
        Err(ClientError::Refused { status, code })
    }

    /// A client secret for a session with server VAD and `silence_ms`.
    pub(super) async fn client_secret(&self) -> Result<String, ClientError> {
        let body = json!({"session": {"type": "realtime", "audio": {"input": {"turn_detection": {
            "type": "server_vad", "silence_duration_ms": self.silence_ms }}}}});
        let request = self
            .http
            .post(format!("{}/v1/realtime/client_secrets", self.url))
            .json(&body);
        let answer = self.send(request).await?;
        string_at(&answer, "/value")
    }

    /// The first template the server offers (interview mode needs one).
    pub(super) async fn template(&self) -> Result<String, ClientError> {
        let request = self.http.get(format!("{}/api/v1/templates", self.url));
        let templates = self.send(request).await?;
        string_at(&templates, "/0/id")
    }

    /// Credentials for candidate `index` in `mode`.
    pub(super) async fn open(
        &self,
        mode: CredentialsMode,
        template_id: &str,
        index: usize,
    ) -> Result<CallCredentials, ClientError> {
        if mode == CredentialsMode::ClientSecret {
            return Ok(CallCredentials {
                secret: self.client_secret().await?,
                interview_id: None,
                silence_ms: Some(self.silence_ms),
                relay: None,
            });
        }
        let body = json!({
            "template_id": template_id,
            "email": format!("load-{index}@viva-load.test"),
            "context": "viva load: a synthetic candidate",
        });
        let request = self
            .http
            .post(format!("{}/api/v1/interviews/", self.url))
            .json(&body);
        let interview_id = string_at(&self.send(request).await?, "/id")?;
        let request = self.http.post(format!(
            "{}/api/v1/interviews/{interview_id}/credentials",
            self.url
        ));
        let credentials = match self.send(request).await {
            Ok(credentials) => credentials,
            Err(error) => {
                self.close(&interview_id).await;
                return Err(error);
            }
        };
        Ok(CallCredentials {
            secret: string_at(&credentials, "/session_token/client_secret/value")?,
            interview_id: Some(interview_id),
            silence_ms: credentials
                .pointer("/session_token/turn_detection/silence_duration_ms")
                .and_then(Value::as_u64)
                .and_then(|ms| u32::try_from(ms).ok()),
            relay: credentials
                .get("turn_credentials")
                .and_then(Relay::from_credentials),
        })
    }

    /// A session token for question `number` (1-based) of an interview.
    pub(super) async fn question_token(
        &self,
        interview_id: &str,
        number: u64,
    ) -> Result<(), ClientError> {
        let request = self.http.get(format!(
            "{}/api/v1/interviews/{interview_id}/questions/{number}/token?ttl={QUESTION_TOKEN_TTL_S}",
            self.url
        ));
        string_at(&self.send(request).await?, "/client_secret/value").map(drop)
    }

    /// Deletes a load-test interview; failures only cost a stray row, so they are logged.
    pub(super) async fn close(&self, interview_id: &str) {
        let request = self
            .http
            .delete(format!("{}/api/v1/interviews/{interview_id}", self.url));
        if let Err(error) = self.send(request).await {
            tracing::debug!(%interview_id, %error, "load-test interview not deleted");
        }
    }
}

fn string_at(value: &Value, pointer: &str) -> Result<String, ClientError> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ClientError::Refused {
            status: 200,
            code: "unexpected_response".into(),
        })
}
