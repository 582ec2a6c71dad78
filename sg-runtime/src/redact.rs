//! Keeping secrets out of errors and logs. A server, proxy or gateway can echo a request in its
//! answer, in whatever form it holds the text: as sent (JSON-escaped), JSON-escaped to ASCII (as
//! Python's `json.dumps` does), HTML-escaped in an error page, or percent-encoded in a URL. Every
//! form of every secret is masked, and an excerpt cut from a longer text is masked where its
//! cut end begins a secret, so that half a key never shows.

/// Secrets shorter than this are not searched for (they would match ordinary words); real keys,
/// passwords and tokens are far longer.
const MIN_SECRET_CHARS: usize = 4;
/// The shortest start of a secret masked at the cut end of an excerpt: two characters of a key
/// tell nothing, and masking less would mask ordinary endings.
const MIN_OVERLAP_CHARS: usize = 3;
/// What a secret becomes.
const MASK: &str = "***";

/// Masks the secrets it was made with.
pub(crate) struct Redactor {
    /// Every form of every secret, longest first (so that a form containing another is masked whole).
    forms: Vec<String>,
}

impl Redactor {
    pub(crate) fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut forms: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
            .flat_map(forms_of)
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        Redactor { forms }
    }

    /// The longest form, in bytes: how far past a cut a secret can reach.
    pub(crate) fn longest(&self) -> usize {
        self.forms.first().map_or(0, String::len)
    }

    /// `text` with every form of every secret masked.
    pub(crate) fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for f in &self.forms {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), MASK);
            }
        }
        out
    }

    /// `text`, an excerpt whose end was cut from a longer text: masked as [`redact`](Self::redact)
    /// does, and where it ends with the start of a secret, that start masked too.
    pub(crate) fn redact_cut(&self, text: &str) -> String {
        let mut out = self.redact(text);
        for f in &self.forms {
            // Starts of `f`, longest first, at character boundaries, shorter than `f` itself.
            let starts = f
                .char_indices()
                .map(|(i, _)| i)
                .skip(MIN_OVERLAP_CHARS)
                .collect::<Vec<_>>();
            if let Some(&end) = starts.iter().rev().find(|&&end| out.ends_with(&f[..end])) {
                out.truncate(out.len() - end);
                out.push_str(MASK);
            }
        }
        out
    }
}

/// The forms a secret can take in an echoed answer.
fn forms_of(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json[1..json.len().saturating_sub(1).max(1)].to_string();
    let mut ascii = String::new();
    for c in json.chars() {
        if c.is_ascii() {
            ascii.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                ascii.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    let html = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let percent: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let mut forms = vec![secret.to_string(), json, ascii.clone(), html, percent];
    // Python writes `\u00e9`; some servers `\u00E9`.
    let upper: String = {
        let mut s = String::new();
        let mut rest = ascii.as_str();
        while let Some(i) = rest.find("\\u") {
            s.push_str(&rest[..i + 2]);
            let hex = rest[i + 2..].get(..4).unwrap_or("");
            s.push_str(&hex.to_ascii_uppercase());
            rest = &rest[(i + 2 + hex.len()).min(rest.len())..];
        }
        s.push_str(rest);
        s
    };
    forms.push(upper);
    forms.retain(|f| f.chars().count() >= MIN_SECRET_CHARS);
    forms
}

/// At most `max_chars` characters of `text`, and whether it was cut.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> (String, bool) {
    match text.char_indices().nth(max_chars) {
        Some((i, _)) => (format!("{}...", &text[..i]), true),
        None => (text.to_string(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "k\"e\\y/é☃-SECRET";

    #[test]
    fn every_form_is_masked() {
        let r = Redactor::new([NASTY]);
        let json = serde_json::to_string(NASTY).unwrap();
        let echoes = [
            NASTY.to_string(),
            json.clone(),
            "k\\\"e\\\\y/\\u00e9\\u2603-SECRET".to_string(),
            "k\\\"e\\\\y/\\u00E9\\u2603-SECRET".to_string(),
            "k&quot;e\\y/é☃-SECRET".to_string(),
            url::form_urlencoded::byte_serialize(NASTY.as_bytes()).collect(),
        ];
        for echo in echoes {
            let out = r.redact(&format!("before {echo} after"));
            assert!(!out.contains("SECRET"), "{echo} -> {out}");
            assert!(
                out.starts_with("before ") && out.ends_with(" after"),
                "{out}"
            );
        }
    }

    #[test]
    fn a_cut_end_that_begins_a_secret_is_masked() {
        let r = Redactor::new(["abcdefgh-SECRET"]);
        assert_eq!(r.redact_cut("tail abcdef"), "tail ***");
        assert_eq!(r.redact_cut("tail abc"), "tail ***");
        assert_eq!(
            r.redact_cut("tail ab"),
            "tail ab",
            "two characters tell nothing"
        );
        assert_eq!(r.redact_cut("no overlap"), "no overlap");
        let u = Redactor::new([NASTY]);
        assert_eq!(
            u.redact_cut("x k\"e\\y/é"),
            "x ***",
            "cut inside a multi-byte character's secret"
        );
    }

    #[test]
    fn short_secrets_are_not_searched() {
        let r = Redactor::new(["abc"]);
        assert_eq!(r.redact("abc abc"), "abc abc");
        assert_eq!(r.longest(), 0);
    }

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt("héllo", 2), ("hé...".to_string(), true));
        assert_eq!(excerpt("hé", 2), ("hé".to_string(), false));
    }
}
