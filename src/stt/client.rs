//! The OpenAI-compatible backend: `POST {url}/v1/audio/transcriptions`, multipart with `file`
//! (WAV), `model`, `language`, `prompt` and `response_format=json`, answered `{"text": …}`.
//! OpenAI itself, faster-whisper servers (Viva's `stt/`), whisper.cpp's server and vLLM speak it.

use std::time::Duration;

use serde_json::Value;

use super::TranscribeError;

/// One transcription endpoint.
#[derive(Debug, Clone)]
pub(super) struct HttpBackend {
    client: reqwest::Client,
    endpoint: String,
    model: String,
    api_key: Option<String>,
}

/// `…/v1/audio/transcriptions` of a base URL given with or without `/v1` (or already whole).
pub(super) fn endpoint(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if url.ends_with("/audio/transcriptions") {
        url.to_owned()
    } else if url.ends_with("/v1") {
        format!("{url}/audio/transcriptions")
    } else {
        format!("{url}/v1/audio/transcriptions")
    }
}

impl HttpBackend {
    /// A backend at `url` (see [`endpoint`]) asking for `model`, each request at most `timeout`.
    pub(super) fn new(
        url: &str,
        model: String,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Self {
        let client = crate::http_client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_else(|_| crate::http_client::client());
        Self {
            client,
            endpoint: endpoint(url),
            model,
            api_key,
        }
    }

    /// The endpoint requests go to.
    pub(super) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The model asked for.
    pub(super) fn model(&self) -> &str {
        &self.model
    }

    /// The base URL's health check (`GET {base}/health`), for the startup log.
    pub(super) fn health_url(&self) -> String {
        let base = self.endpoint.trim_end_matches("/audio/transcriptions");
        let base = base.strip_suffix("/v1").unwrap_or(base);
        format!("{base}/health")
    }

    /// Whether `GET /health` answers 2xx.
    pub(super) async fn healthy(&self) -> Result<(), String> {
        match self.client.get(self.health_url()).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("health check answered {}", r.status())),
            Err(e) => Err(describe(&e)),
        }
    }

    /// The text of one WAV file.
    pub(super) async fn transcribe(
        &self,
        wav: Vec<u8>,
        language: Option<&str>,
        prompt: Option<&str>,
    ) -> Result<String, TranscribeError> {
        let boundary = format!("viva-{}", crate::ids::new_id(""));
        let mut fields = vec![("model", self.model.as_str()), ("response_format", "json")];
        fields.extend(language.filter(|l| !l.is_empty()).map(|l| ("language", l)));
        fields.extend(prompt.filter(|p| !p.is_empty()).map(|p| ("prompt", p)));
        let body = multipart(&boundary, &fields, &wav);
        let mut request = self
            .client
            .post(&self.endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                TranscribeError::Timeout
            } else {
                TranscribeError::Unreachable(describe(&e))
            }
        })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            if e.is_timeout() {
                TranscribeError::Timeout
            } else {
                TranscribeError::Unreachable(describe(&e))
            }
        })?;
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            let message = json
                .as_ref()
                .and_then(|j| j.pointer("/error/message"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
            return Err(TranscribeError::Rejected {
                status: status.as_u16(),
                message,
            });
        }
        json.as_ref()
            .and_then(|j| j.get("text"))
            .and_then(Value::as_str)
            .map(|t| t.trim().to_owned())
            .ok_or_else(|| TranscribeError::BadResponse("no \"text\" in the answer".into()))
    }
}

/// A reqwest error with its causes.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_connect() {
        "connection failed".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A `multipart/form-data` body: text `fields`, then `file` (`audio.wav`, `audio/wav`).
fn multipart(boundary: &str, fields: &[(&str, &str)], wav: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(wav.len() + 512);
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(wav);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_take_a_base_with_or_without_v1() {
        let want = "http://127.0.0.1:8178/v1/audio/transcriptions";
        assert_eq!(endpoint("http://127.0.0.1:8178"), want);
        assert_eq!(endpoint("http://127.0.0.1:8178/"), want);
        assert_eq!(endpoint("http://127.0.0.1:8178/v1"), want);
        assert_eq!(endpoint(want), want);
        let backend = HttpBackend::new(want, "m".into(), None, Duration::from_secs(1));
        assert_eq!(backend.health_url(), "http://127.0.0.1:8178/health");
    }

    #[test]
    fn the_multipart_body_carries_fields_and_file() {
        let body = multipart("b", &[("model", "whisper-1")], b"RIFF");
        let text = String::from_utf8(body).unwrap();
        assert_eq!(
            text,
            "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n\
             --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"audio.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--b--\r\n"
        );
    }
}
