//! The one printer: Rust written as text, line by line, with its own indentation (as
//! prost-build writes code). No formatter runs over it: the text is readable and the same
//! input always gives the same bytes, which is what generated code needs.

/// Indentation per level.
const INDENT: &str = "    ";
/// Where a long list (a target set's members) is filled to the next line.
const FILL_WIDTH: usize = 100;

/// Text being written, at an indentation depth.
#[derive(Default)]
pub(super) struct Code {
    out: String,
    depth: usize,
}

impl Code {
    /// The text written.
    pub(super) fn finish(self) -> String {
        self.out
    }

    /// One line at the current depth.
    pub(super) fn line(&mut self, text: &str) {
        for _ in 0..self.depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// An empty line.
    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// `head {`, and one level deeper.
    pub(super) fn open(&mut self, head: &str) {
        if head.is_empty() {
            self.line("{");
        } else {
            self.line(&format!("{head} {{"));
        }
        self.depth += 1;
    }

    /// One level less deep, and `}` with `tail` (`,`, `;` or nothing).
    pub(super) fn close(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.line(&format!("}}{tail}"));
    }

    /// Lines one level deeper than the current one, then back.
    pub(super) fn indented(&mut self, lines: impl IntoIterator<Item = String>) {
        self.depth += 1;
        for l in lines {
            self.line(&l);
        }
        self.depth -= 1;
    }

    /// `///` lines of `text` (already made safe for a doc comment: see `doc_values`).
    pub(super) fn doc(&mut self, lines: &[String]) {
        for l in lines {
            self.line(&format!("///{l}"));
        }
    }

    /// `head` followed by `items` separated by `, `, filled to lines of [`FILL_WIDTH`] columns
    /// one level deeper, then `tail`: `type_list!(` members `);` on a large site.
    pub(super) fn filled(&mut self, head: &str, items: &[String], tail: &str) {
        let one_line = format!("{head}{}{tail}", items.join(", "));
        if self.depth * INDENT.len() + one_line.len() <= FILL_WIDTH || items.is_empty() {
            self.line(&one_line);
            return;
        }
        self.line(head);
        self.depth += 1;
        let room = FILL_WIDTH.saturating_sub(self.depth * INDENT.len());
        let mut current = String::new();
        for item in items {
            if !current.is_empty() && current.len() + item.len() + 2 > room {
                self.line(&current);
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(item);
            current.push(',');
        }
        if !current.is_empty() {
            self.line(&current);
        }
        self.depth -= 1;
        self.line(tail.trim_start());
    }
}

/// `s` as a Rust string literal. Control characters and the codepoints that change the visible
/// direction of text (denied in literals by rustc) are written as `\u{..}` escapes.
pub(super) fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if super::is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_a_literal_cannot_hold() {
        assert_eq!(literal("sh010"), "\"sh010\"");
        assert_eq!(literal("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(literal("x\u{202e}y\u{7}"), "\"x\\u{202e}y\\u{7}\"");
        assert_eq!(literal("café ☃"), "\"café ☃\"");
    }

    #[test]
    fn blocks_indent_and_long_lists_fill() {
        let mut c = Code::default();
        c.open("impl A for B");
        c.line("const X: u8 = 1;");
        c.close("");
        assert_eq!(c.finish(), "impl A for B {\n    const X: u8 = 1;\n}\n");
        let mut c = Code::default();
        let items: Vec<String> = (0..40).map(|i| format!("Member{i:02}")).collect();
        c.filled("type Members = list!(", &items, ");");
        let text = c.finish();
        assert!(text.lines().all(|l| l.len() <= FILL_WIDTH), "{text}");
        assert!(text.starts_with("type Members = list!(\n    Member00, Member01,"));
        assert!(text.ends_with("Member39,\n);\n"), "{text}");
    }
}
