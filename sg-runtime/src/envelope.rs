//! The api3 envelope, apart from any transport: the body of a call, and the `results` or the
//! error of its answer (the official client's `_call_rpc`, `_decode_response` and
//! `_response_errors`). A transport only moves these bytes.

use crate::error::{Error, Result};
use crate::redact::{excerpt, Redactor};
use crate::transport::Answer;
use serde_json::{Map, Value};

/// Characters of a server's message kept in an error (a server can send megabytes).
const MAX_MESSAGE_CHARS: usize = 2000;
/// Characters of a malformed body shown in an error.
const BODY_EXCERPT_CHARS: usize = 120;

/// Why an answer gave no results.
pub(crate) enum Decoded {
    /// The body was cut short: a connection failure, retried as one.
    Cut(String),
    /// The site's error, or an answer that is not api3.
    Error(Error),
}

/// The body of a call: `{"method_name": M, "params": [AUTH, PARAMS]}`, AUTH left out when
/// `auth` is `None` (`info`) and PARAMS when `params` is `None`.
pub(crate) fn body(
    method: &str,
    auth: Option<Map<String, Value>>,
    params: Option<&Value>,
) -> Result<String> {
    #[derive(serde::Serialize)]
    struct Envelope<'a> {
        method_name: &'a str,
        params: Vec<&'a Value>,
    }
    let auth = auth.map(Value::Object);
    let envelope = Envelope {
        method_name: method,
        params: auth.iter().chain(params).collect(),
    };
    serde_json::to_string(&envelope)
        .map_err(|e| Error::InvalidRequest(format!("{method}: params not serialisable: {e}")))
}

/// The `results` of an api3 answer, or its error (the official client's `_decode_response`
/// and `_response_errors`).
pub(crate) fn results(
    method: &str,
    entity_type: Option<&str>,
    answer: &Answer,
    redactor: &Redactor,
) -> std::result::Result<Value, Decoded> {
    let malformed = |detail: String| {
        Decoded::Error(Error::Malformed {
            method: method.into(),
            entity_type: entity_type.map(str::to_owned),
            detail: redactor.redact(&detail),
        })
    };
    let bytes = &answer.bytes;
    // The start of the body, masked before it is shortened (so that no cut leaves half a
    // secret showing), and bounded whatever the body's size.
    let snippet = || {
        let ct = if answer.content_type.is_empty() {
            "no content-type".to_string()
        } else {
            format!("content-type {}", answer.content_type)
        };
        let r = redactor;
        let html = answer.content_type.contains("html");
        let window = if html {
            64 * 1024
        } else {
            BODY_EXCERPT_CHARS * 4
        } + r.longest() * 2;
        let cut = bytes.len() > window;
        let raw = String::from_utf8_lossy(&bytes[..bytes.len().min(window)]);
        let masked = if cut {
            r.redact_cut(&raw)
        } else {
            r.redact(&raw)
        };
        if html {
            let text = crate::transport::page_text(&masked);
            format!("an HTML page ({ct}): {text:?}")
        } else {
            let (text, _) = excerpt(&masked, BODY_EXCERPT_CHARS);
            format!("{ct}; body starts {text:?}")
        }
    };
    let mut v: Value = match crate::value::from_json_bytes(bytes) {
        Ok(v) => v,
        // A chunked body that ends inside the JSON was cut: ureq's chunk decoder reads a
        // closed connection as the end of the body.
        Err(e) if answer.chunked && e.is_eof() => {
            return Err(Decoded::Cut(format!(
                "the chunked answer was cut short after {} bytes",
                bytes.len()
            )))
        }
        Err(e) => return Err(malformed(format!("not JSON ({e}); {}", snippet()))),
    };
    let Some(obj) = v.as_object_mut() else {
        return Err(malformed(format!("not a JSON object; {}", snippet())));
    };
    if obj.get("exception").and_then(Value::as_bool) == Some(true) {
        let message = excerpt(
            &redactor.redact(
                obj.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)"),
            ),
            MAX_MESSAGE_CHARS,
        )
        .0;
        let code = obj.get("error_code").and_then(Value::as_i64).unwrap_or(0);
        let method = method.to_string();
        return Err(Decoded::Error(match code {
            102 => Error::Authentication { method, message },
            106 => Error::TwoFactorRequired { method, message },
            108 => Error::SsoSite { method, message },
            110 => Error::AutodeskIdentity { method, message },
            _ => Error::Server {
                method,
                entity_type: entity_type.map(str::to_owned),
                code,
                message,
            },
        }));
    }
    obj.remove("results")
        .ok_or_else(|| malformed(format!("no `results` and no `exception`; {}", snippet())))
}
