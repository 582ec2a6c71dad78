//! Credentials, and the [`Secret`] wrapper that keeps keys, passwords and tokens out of logs.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// A secret string (script key, password, token). Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How the client authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// An API script: its name and application key.
    Script {
        /// The script name, as shown on the site.
        name: String,
        /// The script's application key.
        key: Secret,
    },
    /// A person's login and password, with the current two-factor code where the site asks for one.
    /// With a two-factor code, the client exchanges them once for a session token.
    User {
        /// The login.
        login: String,
        /// The password.
        password: Secret,
        /// The current two-factor authentication code.
        auth_token: Option<Secret>,
    },
    /// A session token obtained elsewhere.
    SessionToken(Secret),
}

impl Credentials {
    /// Script credentials.
    pub fn script(name: impl Into<String>, key: impl Into<String>) -> Credentials {
        Credentials::Script {
            name: name.into(),
            key: Secret::new(key),
        }
    }

    /// User credentials without a two-factor code.
    pub fn user(login: impl Into<String>, password: impl Into<String>) -> Credentials {
        Credentials::User {
            login: login.into(),
            password: Secret::new(password),
            auth_token: None,
        }
    }

    /// User credentials with a two-factor code.
    pub fn user_2fa(
        login: impl Into<String>,
        password: impl Into<String>,
        auth_token: impl Into<String>,
    ) -> Credentials {
        Credentials::User {
            login: login.into(),
            password: Secret::new(password),
            auth_token: Some(Secret::new(auth_token)),
        }
    }

    /// A session token.
    pub fn session_token(token: impl Into<String>) -> Credentials {
        Credentials::SessionToken(Secret::new(token))
    }

    /// Reads credentials from the environment: `SG_SCRIPT_NAME` + `SG_SCRIPT_KEY`, else
    /// `SG_LOGIN` + `SG_PASSWORD` (+ `SG_AUTH_TOKEN`), else `SG_SESSION_TOKEN`.
    pub fn from_env() -> Result<Credentials> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// [`Credentials::from_env`] over any lookup, so it can be tested without touching the process.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Credentials> {
        match (get("SG_SCRIPT_NAME"), get("SG_SCRIPT_KEY")) {
            (Some(name), Some(key)) => return Ok(Credentials::script(name, key)),
            (Some(_), None) => {
                return Err(Error::Credentials(
                    "SG_SCRIPT_NAME is set but SG_SCRIPT_KEY is not".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(Error::Credentials(
                    "SG_SCRIPT_KEY is set but SG_SCRIPT_NAME is not".into(),
                ))
            }
            (None, None) => {}
        }
        match (get("SG_LOGIN"), get("SG_PASSWORD")) {
            (Some(login), Some(password)) => {
                return Ok(Credentials::User {
                    login,
                    password: Secret::new(password),
                    auth_token: get("SG_AUTH_TOKEN").map(Secret::new),
                })
            }
            (Some(_), None) => {
                return Err(Error::Credentials(
                    "SG_LOGIN is set but SG_PASSWORD is not".into(),
                ))
            }
            (None, Some(_)) => {
                return Err(Error::Credentials(
                    "SG_PASSWORD is set but SG_LOGIN is not".into(),
                ))
            }
            (None, None) => {}
        }
        if let Some(token) = get("SG_SESSION_TOKEN") {
            return Ok(Credentials::session_token(token));
        }
        Err(Error::Credentials(
            "no credentials in the environment: set SG_SCRIPT_NAME and SG_SCRIPT_KEY, \
             or SG_LOGIN and SG_PASSWORD, or SG_SESSION_TOKEN"
                .into(),
        ))
    }

    /// Every secret these credentials hold, for redaction.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        match self {
            Credentials::Script { key, .. } => vec![key.expose()],
            Credentials::User {
                password,
                auth_token,
                ..
            } => std::iter::once(password.expose())
                .chain(auth_token.as_ref().map(|t| t.expose()))
                .collect(),
            Credentials::SessionToken(t) => vec![t.expose()],
        }
    }

    /// The api3 AUTH object for these credentials.
    pub(crate) fn auth_object(&self) -> Map<String, Value> {
        let mut m = Map::new();
        match self {
            Credentials::Script { name, key } => {
                m.insert("script_name".into(), name.clone().into());
                m.insert("script_key".into(), key.expose().into());
            }
            Credentials::User {
                login,
                password,
                auth_token,
            } => {
                m.insert("user_login".into(), login.clone().into());
                m.insert("user_password".into(), password.expose().into());
                if let Some(t) = auth_token {
                    m.insert("auth_token".into(), t.expose().into());
                }
            }
            Credentials::SessionToken(t) => {
                m.insert("session_token".into(), t.expose().into());
                m.insert("reject_if_expired".into(), true.into());
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn environment_credentials_in_order() {
        let c = Credentials::from_lookup(lookup(&[
            ("SG_SCRIPT_NAME", "s"),
            ("SG_SCRIPT_KEY", "k"),
            ("SG_SESSION_TOKEN", "t"),
        ]))
        .unwrap();
        assert_eq!(c, Credentials::script("s", "k"));
        let c = Credentials::from_lookup(lookup(&[
            ("SG_LOGIN", "l"),
            ("SG_PASSWORD", "p"),
            ("SG_AUTH_TOKEN", "123"),
        ]))
        .unwrap();
        assert_eq!(c, Credentials::user_2fa("l", "p", "123"));
        let c = Credentials::from_lookup(lookup(&[("SG_SESSION_TOKEN", "t")])).unwrap();
        assert_eq!(c, Credentials::session_token("t"));
    }

    #[test]
    fn half_set_environment_is_an_error_without_the_secret() {
        let e = Credentials::from_lookup(lookup(&[("SG_SCRIPT_KEY", "hunter2")])).unwrap_err();
        assert!(e.to_string().contains("SG_SCRIPT_NAME"));
        assert!(!e.to_string().contains("hunter2"));
        assert!(Credentials::from_lookup(lookup(&[])).is_err());
    }

    #[test]
    fn debug_never_shows_a_secret() {
        for c in [
            Credentials::script("s", "hunter2"),
            Credentials::user_2fa("l", "hunter2", "hunter2"),
            Credentials::session_token("hunter2"),
        ] {
            assert!(!format!("{c:?}").contains("hunter2"));
            assert!(format!("{c:?}").contains("***"));
        }
    }
}
