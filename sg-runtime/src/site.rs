//! Where a site lives: a bare name or a full URL.

use crate::error::{Error, Result};

/// The base URL of a ShotGrid site, resolved from what a user typed.
///
/// A bare name such as `studio` means `https://studio.shotgrid.autodesk.com`; a full `http://` or
/// `https://` URL is taken as is (a trailing `/` is dropped). Anything else is an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    base: String,
}

impl Site {
    /// Resolves `site` to a base URL.
    pub fn parse(site: &str) -> Result<Site> {
        let s = site.trim();
        if let Some(rest) = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
        {
            let host = rest.split('/').next().unwrap_or("");
            if host.is_empty() || host.contains(char::is_whitespace) {
                return Err(Error::InvalidSite {
                    site: site.to_string(),
                    reason: "the URL has no host".into(),
                });
            }
            return Ok(Site {
                base: s.trim_end_matches('/').to_string(),
            });
        }
        let bare_ok = !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if bare_ok {
            return Ok(Site {
                base: format!("https://{s}.shotgrid.autodesk.com"),
            });
        }
        Err(Error::InvalidSite {
            site: site.to_string(),
            reason: "expected a bare site name such as `studio` (lower-case letters, digits, `-`) \
                     or a full http:// or https:// URL"
                .into(),
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The api3 JSON endpoint: `{base}/api3/json`.
    pub fn endpoint(&self) -> String {
        format!("{}{}", self.base, sg_api3::routes::API3_PATH)
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_name_is_a_hosted_site() {
        assert_eq!(
            Site::parse("studio").unwrap().base_url(),
            "https://studio.shotgrid.autodesk.com"
        );
        assert_eq!(
            Site::parse("my-studio2").unwrap().endpoint(),
            "https://my-studio2.shotgrid.autodesk.com/api3/json"
        );
    }

    #[test]
    fn urls_are_taken_as_is() {
        assert_eq!(
            Site::parse("http://127.0.0.1:8090/").unwrap().base_url(),
            "http://127.0.0.1:8090"
        );
        assert_eq!(
            Site::parse("https://sg.example.com").unwrap().base_url(),
            "https://sg.example.com"
        );
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        for bad in [
            "",
            "Studio",
            "ftp://x",
            "studio.example.com",
            "http://",
            "-x",
        ] {
            let e = Site::parse(bad).unwrap_err().to_string();
            assert!(e.contains("site"), "{bad}: {e}");
        }
    }
}
