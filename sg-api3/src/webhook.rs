//! Webhook deliveries' signature, as a site makes it and a consumer checks it: the header
//! `x-sg-signature: sha1=<40 lowercase hex digits>`, the HMAC-SHA1 of the raw body with the
//! webhook's secret token.

use hmac::{Hmac, Mac};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "x-sg-signature";

/// A webhook's operations and the kind of event-log entry each is (`Shotgun_Shot_New` is a
/// `create`): what a site delivers for an event, and what a receiver reads back from the log.
pub const OPERATIONS: [(&str, &str); 4] = [
    ("create", "New"),
    ("update", "Change"),
    ("delete", "Retirement"),
    ("revive", "Revival"),
];

/// The operation an event-log `event_type` (`Shotgun_Shot_Change`) is delivered as, if any.
pub fn operation_of(event_type: &str) -> Option<&'static str> {
    let kind = event_type.rsplit('_').next()?;
    OPERATIONS
        .iter()
        .find(|(_, k)| *k == kind)
        .map(|(op, _)| *op)
}

/// The event-log `event_type` of `operation` on `entity_type` (`create`, `Shot`:
/// `Shotgun_Shot_New`), if it is one of [`OPERATIONS`].
pub fn event_type(entity_type: &str, operation: &str) -> Option<String> {
    let (_, kind) = OPERATIONS.iter().find(|(op, _)| *op == operation)?;
    Some(format!("Shotgun_{entity_type}_{kind}"))
}

/// Why a signature was refused. Messages never hold the secret or the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `x-sg-signature` header.
    #[error("the delivery has no x-sg-signature header")]
    Missing,
    /// Not `sha1=` and 40 lowercase hex digits.
    #[error("the x-sg-signature header is not `sha1=` and 40 lowercase hex digits")]
    Malformed,
    /// Not the body's HMAC-SHA1 with the secret.
    #[error("the x-sg-signature does not match the body: not from the site, or altered")]
    Wrong,
}

/// The header value a site sends for `body` with `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    let mut out = String::from("sha1=");
    for b in mac.finalize().into_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Checks `header` (the `x-sg-signature` value) against `body` and `secret`, comparing the
/// MACs in constant time.
pub fn verify(secret: &[u8], header: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex = header
        .strip_prefix("sha1=")
        .ok_or(SignatureError::Malformed)?;
    let expected = decode_hex(hex).ok_or(SignatureError::Malformed)?;
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).map_err(|_| SignatureError::Wrong)?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Wrong)
}

/// 40 lowercase hex digits as 20 bytes; anything else (uppercase, short, long) is `None`.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let digits = hex.as_bytes();
    if digits.len() != 40 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    digits
        .chunks(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_and_event_types_go_both_ways() {
        for (op, _) in OPERATIONS {
            let t = event_type("Shot", op).unwrap();
            assert_eq!(operation_of(&t), Some(op));
        }
        assert_eq!(
            event_type("Shot", "create").as_deref(),
            Some("Shotgun_Shot_New")
        );
        assert_eq!(operation_of("Shotgun_User_Login"), None);
        assert_eq!(event_type("Shot", "login"), None);
    }

    #[test]
    fn hex_is_forty_lowercase_digits() {
        assert_eq!(decode_hex(&"ab".repeat(20)), Some(vec![0xab; 20]));
        assert_eq!(decode_hex(&"AB".repeat(20)), None);
        assert_eq!(decode_hex(&"ab".repeat(19)), None);
        assert_eq!(decode_hex(&"ab".repeat(21)), None);
        assert_eq!(decode_hex(&"zz".repeat(20)), None);
        assert_eq!(decode_hex("é"), None);
    }

    #[test]
    fn a_signature_verifies_with_its_secret_and_body_only() {
        let body = br#"{"data":{}}"#;
        let good = sign(b"s3cret", body);
        assert!(good.starts_with("sha1=") && good.len() == 45);
        assert_eq!(verify(b"s3cret", Some(&good), body), Ok(()));
        assert_eq!(
            verify(b"other", Some(&good), body),
            Err(SignatureError::Wrong)
        );
        assert_eq!(
            verify(b"s3cret", Some(&good), br#"{"data":{} }"#),
            Err(SignatureError::Wrong)
        );
        // A known vector (RFC 2202, test case 2).
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }
}
