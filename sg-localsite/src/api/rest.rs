//! The few REST routes the client uses (sg-runtime's `api/rest.rs`): a bearer token for a
//! script, a person or a session, and a webhook delivery's acknowledgement.

use crate::http::{Request, Response};
use crate::Shared;
use serde_json::{json, Value};
use sg_api3::routes::{
    webhook_delivery_of_path, MAX_ACKNOWLEDGEMENT_BYTES, REST_ACCESS_TOKEN_PATH,
};

/// Whether `req` is a REST route, and its answer.
pub(crate) fn serve(shared: &Shared, req: &Request) -> Option<Response> {
    let path = req.path.split('?').next().unwrap_or("");
    if path == REST_ACCESS_TOKEN_PATH {
        return Some(if req.method == "POST" {
            token(shared, req)
        } else {
            error(405, "the token route takes POST")
        });
    }
    let delivery = webhook_delivery_of_path(path)?;
    Some(if req.method == "PUT" {
        acknowledge(shared, req, delivery)
    } else {
        error(405, "a delivery is acknowledged with PUT")
    })
}

fn error(status: u16, detail: &str) -> Response {
    let body = json!({"errors": [{"status": status, "title": detail}]}).to_string();
    Response::with(status, "application/json", body.into_bytes())
}

fn token(shared: &Shared, req: &Request) -> Response {
    let form: std::collections::BTreeMap<String, String> = url::form_urlencoded::parse(&req.body)
        .into_owned()
        .collect();
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    let auth = match f("grant_type").as_str() {
        "client_credentials" => {
            json!({"script_name": f("client_id"), "script_key": f("client_secret")})
        }
        "password" => json!({"user_login": f("username"), "user_password": f("password")}),
        "session_token" => json!({"session_token": f("session_token")}),
        other => return error(400, &format!("unsupported grant_type `{other}`")),
    };
    if shared.authenticate("access_token", &auth).is_err() {
        return error(401, "the credentials are not valid");
    }
    let Ok(token) = crate::api::site::session_token() else {
        return error(500, "no token could be made");
    };
    shared
        .rest_tokens
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(token.clone());
    let body = json!({"token_type": "Bearer", "access_token": token, "expires_in": 600,
                      "refresh_token": Value::Null});
    Response::with(200, "application/json", body.to_string().into_bytes())
}

fn acknowledge(shared: &Shared, req: &Request, delivery: &str) -> Response {
    let bearer = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "));
    let known = bearer.is_some_and(|t| {
        shared
            .rest_tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(t)
    });
    if !known {
        return error(
            401,
            "a bearer token from /api/v1/auth/access_token is needed",
        );
    }
    let Some(text) = serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.get("acknowledgement")?.as_str().map(str::to_owned))
    else {
        return error(400, "the body is {\"acknowledgement\": text}");
    };
    if text.len() > MAX_ACKNOWLEDGEMENT_BYTES {
        return error(
            400,
            &format!("an acknowledgement is at most {MAX_ACKNOWLEDGEMENT_BYTES} bytes"),
        );
    }
    if !shared.acknowledge_delivery(delivery, &text) {
        return error(404, &format!("no webhook delivery `{delivery}`"));
    }
    let body = json!({"data": {"id": delivery, "acknowledgement": text}});
    Response::with(200, "application/json", body.to_string().into_bytes())
}
