//! The few REST API requests this client makes: a bearer token for the client's credentials,
//! and a webhook delivery's acknowledgement.

use crate::client::Client;
use crate::credentials::{Credentials, Secret};
use crate::error::{Error, Result};
use crate::transport::Payload;
use serde_json::Value;
use sg_api3::routes::{webhook_delivery_path, MAX_ACKNOWLEDGEMENT_BYTES, REST_ACCESS_TOKEN_PATH};

impl Client {
    /// A REST bearer token for these credentials: the one kept while it is valid, else a new one
    /// (`/api/v1/auth/access_token`), kept until shortly before it expires.
    fn rest_token(&self) -> Result<Secret> {
        let kept = || {
            self.rest_token_slot()
                .as_ref()
                .filter(|(_, until)| std::time::Instant::now() < *until)
                .map(|(token, _)| token.clone())
        };
        if let Some(token) = kept() {
            return Ok(token);
        }
        // One request for a token at a time; whoever waited finds it kept.
        let _one = self.rest_fetch();
        if let Some(token) = kept() {
            return Ok(token);
        }
        let fields: Vec<(&str, String)> = match self.credentials() {
            Credentials::Script { name, key } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", name.clone()),
                ("client_secret", key.expose().to_string()),
            ],
            Credentials::User {
                login, password, ..
            } => vec![
                ("grant_type", "password".into()),
                ("username", login.clone()),
                ("password", password.expose().to_string()),
            ],
            Credentials::SessionToken(t) => vec![
                ("grant_type", "session_token".into()),
                ("session_token", t.expose().to_string()),
            ],
        };
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        let url = self.transport().site_url(REST_ACCESS_TOKEN_PATH);
        // Asking for a token changes nothing: it may be repeated.
        let reply = self.exchange("REST access token", true, || {
            let mut reader = body.as_bytes();
            self.transport().request(
                "POST",
                &url,
                &[("accept", "application/json")],
                Payload::Stream {
                    reader: &mut reader,
                    len: body.len() as u64,
                    content_type: "application/x-www-form-urlencoded",
                },
            )
        })?;
        let answer = serde_json::from_str::<Value>(&reply.text).unwrap_or(Value::Null);
        let token = answer["access_token"]
            .as_str()
            .map(Secret::new)
            .ok_or_else(|| Error::Malformed {
                method: "REST access token".into(),
                entity_type: None,
                detail: "the answer has no access_token".into(),
            })?;
        // Used until 30 s before it expires (a site gives 600 s).
        let lasts = answer["expires_in"]
            .as_u64()
            .unwrap_or(60)
            .saturating_sub(30);
        let until = std::time::Instant::now() + std::time::Duration::from_secs(lasts);
        *self.rest_token_slot() = Some((token.clone(), until));
        Ok(token)
    }

    /// Acknowledges webhook delivery `delivery_id` with `acknowledgement` (at most 4 KB: what
    /// the work it triggered came to), through the REST API; the site shows it with the
    /// delivery. A repeated acknowledgement replaces the first.
    pub fn acknowledge_webhook_delivery(
        &self,
        delivery_id: &str,
        acknowledgement: &str,
    ) -> Result<()> {
        if acknowledgement.len() > MAX_ACKNOWLEDGEMENT_BYTES {
            return Err(Error::InvalidRequest(format!(
                "the acknowledgement of webhook delivery {delivery_id} is {} bytes; a site takes at most {MAX_ACKNOWLEDGEMENT_BYTES}",
                acknowledgement.len()
            )));
        }
        let body = serde_json::json!({ "acknowledgement": acknowledgement }).to_string();
        let url = self
            .transport()
            .site_url(&webhook_delivery_path(delivery_id));
        let put = |token: &Secret| {
            let bearer = format!("Bearer {}", token.expose());
            // A PUT of the same text: repeating it changes nothing.
            self.exchange("acknowledge a webhook delivery", true, || {
                let mut reader = body.as_bytes();
                self.transport().request(
                    "PUT",
                    &url,
                    &[("authorization", &bearer), ("accept", "application/json")],
                    Payload::Stream {
                        reader: &mut reader,
                        len: body.len() as u64,
                        content_type: "application/json",
                    },
                )
            })
        };
        match put(&self.rest_token()?) {
            // The kept token was refused (revoked, or the site restarted): once with a new one.
            Err(Error::Http { status: 401, .. }) => {
                *self.rest_token_slot() = None;
                put(&self.rest_token()?)?;
            }
            other => {
                other?;
            }
        }
        Ok(())
    }
}
