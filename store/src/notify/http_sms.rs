//! An SMS operator over HTTP, in the shape most Russian SMS APIs share (SMS.ru's `/sms/send`
//! first among them): a form POST of `api_id`, `to`, `msg` and `json=1` to the configured URL,
//! answered with JSON whose `status` is `"OK"` when the message was taken. SMS.ru also gives a
//! status per number (`sms.<number>.status`); a number refused there is a failure too.
//!
//! The key goes in the POST body, never in the URL, so proxies and access logs do not see it, and
//! it is kept in a [`Secret`] so `Debug` never prints it. One HTTP client (with its connection pool
//! and TLS settings: rustls with ring, the web PKI roots) serves the process.

use super::SmsGateway;
use crate::Secret;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// The largest answer read from the gateway.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Sends SMS through an HTTP gateway (see the module's documentation).
#[derive(Clone)]
pub struct HttpSmsGateway {
    url: http::Uri,
    key: Secret<String>,
    timeout: Duration,
    client: Client<Https, Full<Bytes>>,
}

impl std::fmt::Debug for HttpSmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSmsGateway")
            .field("url", &self.url)
            .field("key", &self.key)
            .finish()
    }
}

impl HttpSmsGateway {
    /// A gateway at `url` (e.g. `https://sms.ru/sms/send`) with its API key. Fails on a URL that
    /// is not `http(s)://host/…`.
    pub fn new(url: &str, key: Secret<String>) -> Result<Self, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("SMS_GATEWAY_URL: cannot read {url:?}: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(format!(
                "SMS_GATEWAY_URL: expected http(s)://host/path, got {url:?}"
            ));
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Self {
            url: uri,
            key,
            timeout: Duration::from_secs(10),
            client,
        })
    }

    /// How long one send may take, connection included (10 s unless changed).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn post(&self, to: &str, text: &str) -> Result<(), String> {
        // Operators want the number without the plus: 79160000101.
        let to = to.trim().trim_start_matches('+');
        let body = format!(
            "api_id={}&to={}&msg={}&json=1",
            form_encode(self.key.expose()),
            form_encode(to),
            form_encode(text)
        );
        let request = http::Request::post(self.url.clone())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("request: {e}"))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| format!("gateway unreachable: {e}"))?;
            let status = response.status();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("no answer in {} s", self.timeout.as_secs()))??;
        if !status.is_success() {
            return Err(format!("gateway answered HTTP {}", status.as_u16()));
        }
        check_answer(&bytes, to)
    }
}

impl SmsGateway for HttpSmsGateway {
    fn send<'a>(
        &'a self,
        to: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(self.post(to, text))
    }
}

/// The gateway's JSON answer: `status` must be `"OK"`, and so must the number's own status when
/// the answer lists numbers.
fn check_answer(bytes: &[u8], to: &str) -> Result<(), String> {
    let answer: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| "the answer is not JSON".to_string())?;
    let refused = |v: &serde_json::Value| {
        let code = v
            .get("status_code")
            .map(|c| c.to_string())
            .unwrap_or_default();
        let text = v
            .get("status_text")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>();
        format!("gateway refused: status_code {code} {text}")
    };
    match answer.get("status").and_then(|s| s.as_str()) {
        Some(s) if s.eq_ignore_ascii_case("ok") => {}
        _ => return Err(refused(&answer)),
    }
    if let Some(number) = answer.get("sms").and_then(|s| s.get(to))
        && !number
            .get("status")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.eq_ignore_ascii_case("ok"))
    {
        return Err(refused(number));
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` of one value.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_like_sms_ru() {
        assert_eq!(
            check_answer(br#"{"status":"OK","status_code":100}"#, "7916"),
            Ok(())
        );
        assert_eq!(
            check_answer(
                br#"{"status":"OK","sms":{"7916":{"status":"OK","status_code":100}}}"#,
                "7916"
            ),
            Ok(())
        );
        let e = check_answer(
            r#"{"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"}"#
                .as_bytes(),
            "7916",
        )
        .unwrap_err();
        assert!(
            e.contains("200") && e.contains("Неправильный api_id"),
            "{e}"
        );
        let e = check_answer(
            br#"{"status":"OK","sms":{"7916":{"status":"ERROR","status_code":207}}}"#,
            "7916",
        )
        .unwrap_err();
        assert!(e.contains("207"), "{e}");
        assert!(check_answer(b"<html>", "7916").is_err());
        assert!(check_answer(br#"{"balance":1}"#, "7916").is_err());
    }

    #[test]
    fn values_are_form_encoded() {
        assert_eq!(
            form_encode("Код 1+2&x=ё"),
            "%D0%9A%D0%BE%D0%B4+1%2B2%26x%3D%D1%91"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let gw = HttpSmsGateway::new(
            "https://sms.example.ru/sms/send",
            Secret::new("key-123".into()),
        )
        .unwrap();
        let shown = format!("{gw:?}");
        assert!(!shown.contains("key-123"), "{shown}");
        assert!(HttpSmsGateway::new("ftp://x/y", Secret::new(String::new())).is_err());
        assert!(HttpSmsGateway::new("not a url", Secret::new(String::new())).is_err());
    }
}
