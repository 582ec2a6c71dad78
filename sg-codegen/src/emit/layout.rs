//! Text printed straight in prettyplease's layout, without a syntax tree.
//!
//! Most generated text is the same few shapes once per field or per link target, and the syn
//! round trip (tokens parsed back into a syntax tree, to be printed) was two thirds of codegen
//! time. Those shapes are printed here by prettyplease's rule for line breaks: a group (generic
//! arguments, an array, call arguments, a macro's tokens) stays on one line when the text from where it
//! opens to the next place a line may break fits in the line's space, which is [`MARGIN`]
//! columns, or [`MIN_SPACE`] past the indentation when that is more; otherwise each element
//! goes on a line of its own, one [`INDENT`] deeper. A printer that cannot be sure of a layout
//! says so, and its caller has prettyplease lay out that text instead. The tests check that
//! every output, on the real schemas, the fixtures and names swept across the margin, is
//! prettyplease's fixed point.

/// prettyplease's line width.
pub(super) const MARGIN: usize = 89;

/// prettyplease's least space for text after deep indentation.
const MIN_SPACE: usize = 60;

/// prettyplease's indentation step.
pub(super) const INDENT: usize = 4;

/// Whether `width` columns of text fit on a line indented by `col`.
pub(super) fn fits(col: usize, width: usize) -> bool {
    width <= MARGIN.saturating_sub(col).max(MIN_SPACE)
}

/// A type (or an array) as printed: a head and its delimited elements.
#[derive(Clone)]
pub(super) struct Ty {
    head: String,
    /// The delimiters of `args`: `<>` or `[]`.
    delims: (char, char),
    args: Vec<Ty>,
}

impl Ty {
    /// A type without generic arguments (or any text without a group).
    pub(super) fn path(head: impl Into<String>) -> Ty {
        Ty::of(head, Vec::new())
    }

    /// `head<args>`.
    pub(super) fn of(head: impl Into<String>, args: Vec<Ty>) -> Ty {
        Ty {
            head: head.into(),
            delims: ('<', '>'),
            args,
        }
    }

    /// `&[a, b]`.
    pub(super) fn array_ref(elems: Vec<Ty>) -> Ty {
        if elems.is_empty() {
            return Ty::path("&[]");
        }
        Ty {
            head: "&".into(),
            delims: ('[', ']'),
            args: elems,
        }
    }

    /// Its width on one line.
    fn width(&self) -> usize {
        match self.args.len() {
            0 => self.head.len(),
            n => self.head.len() + 2 * n + self.args.iter().map(Ty::width).sum::<usize>(),
        }
    }

    /// Writes it on one line.
    fn flat(&self, out: &mut String) {
        out.push_str(&self.head);
        if let Some((first, rest)) = self.args.split_first() {
            out.push(self.delims.0);
            first.flat(out);
            for a in rest {
                out.push_str(", ");
                a.flat(out);
            }
            out.push(self.delims.1);
        }
    }
}

/// Writes `n` spaces.
pub(super) fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// `pre`, `ty` and `post` on a line indented by `col`: on one line when it fits, else `ty`'s
/// elements one per line, each laid out the same way. `post_counts`: whether `post` is written
/// before the next place a line may break (the comma ending a struct field) or only when the
/// group around breaks (the comma after a last element), which decides if it counts in the fit.
pub(super) fn type_line(
    out: &mut String,
    col: usize,
    pre: &str,
    ty: &Ty,
    post: &str,
    post_counts: bool,
) {
    let width = pre.len() + ty.width() + if post_counts { post.len() } else { 0 };
    indent(out, col);
    out.push_str(pre);
    if ty.args.is_empty() || fits(col, width) {
        ty.flat(out);
    } else {
        broken(out, col, ty);
    }
    out.push_str(post);
    out.push('\n');
}

/// `ty` with its elements one per line, one step deeper than `col`, each laid out by
/// [`type_line`]; the closing delimiter ends the text, at `col`.
fn broken(out: &mut String, col: usize, ty: &Ty) {
    out.push_str(&ty.head);
    out.push(ty.delims.0);
    out.push('\n');
    let last = ty.args.len().saturating_sub(1);
    for (i, a) in ty.args.iter().enumerate() {
        type_line(out, col + INDENT, "", a, ",", i != last);
    }
    indent(out, col);
    out.push(ty.delims.1);
}

/// A line of text indented by `col`.
pub(super) fn line(out: &mut String, col: usize, text: &str) {
    indent(out, col);
    out.push_str(text);
    out.push('\n');
}

/// A line of text indented by `col`; false when it does not fit (prettyplease could break it).
pub(super) fn fitting_line(out: &mut String, col: usize, text: &str) -> bool {
    line(out, col, text);
    fits(col, text.len())
}

/// An impl header, `head for self_ty` and `open` (` {` or ` {}`): one line when it fits, else
/// `for ...` on a line of its own, and `head`'s generic arguments one per line when it does not
/// fit either. The header's group ends at the brace that opens the body, so the `}` of an empty
/// body does not count.
pub(super) fn impl_line(out: &mut String, col: usize, head: &Ty, self_ty: &str, open: &str) {
    let rest = format!(" for {self_ty}{open}");
    let rest_counted = rest.len() - usize::from(open.ends_with("{}"));
    if fits(col, head.width() + rest_counted) {
        indent(out, col);
        head.flat(out);
        out.push_str(&rest);
        out.push('\n');
        return;
    }
    // The break before `for` is taken only where what follows does not fit.
    indent(out, col);
    let last_line = if head.args.is_empty() || fits(col, head.width()) {
        head.flat(out);
        head.width()
    } else {
        broken(out, col, head);
        1
    };
    if fits(col, last_line + rest_counted) {
        out.push_str(&rest);
        out.push('\n');
    } else {
        out.push('\n');
        indent(out, col);
        out.push_str(&rest[1..]);
        out.push('\n');
    }
}

/// A macro call on a list, `pre` (ending in its `(`), `items`, then `)` and `post`: on one line
/// when it fits, else the items filled into lines one step deeper, as many as fit on each
/// (prettyplease prints a macro's tokens as a paragraph), and `)` on a line of its own.
pub(super) fn macro_line(out: &mut String, col: usize, pre: &str, items: &[String], post: &str) {
    let joined = items.join(", ");
    // The group opens after `(` and runs to the next place a line may break, after `post`.
    if items.is_empty() || fits(col, pre.len() + joined.len() + 1 + post.len()) {
        line(out, col, &format!("{pre}{joined}){post}"));
        return;
    }
    line(out, col, pre);
    let inner = col + INDENT;
    let space = MARGIN.saturating_sub(inner).max(MIN_SPACE);
    indent(out, inner);
    let mut used = 0;
    for (i, item) in items.iter().enumerate() {
        // An item and its comma go together; the break before it is taken where they do not
        // fit after what the line holds.
        let comma = if i + 1 < items.len() { "," } else { "" };
        let width = item.len() + comma.len();
        if i > 0 && used + 1 + width <= space {
            out.push(' ');
            used += 1;
        } else if i > 0 {
            out.push('\n');
            indent(out, inner);
            used = 0;
        }
        out.push_str(item);
        out.push_str(comma);
        used += width;
    }
    out.push('\n');
    indent(out, col);
    out.push(')');
    out.push_str(post);
    out.push('\n');
}

/// Doc comment lines for the attribute values `values`, as prettyplease prints them.
pub(super) fn doc_lines(out: &mut String, col: usize, values: &[String]) {
    for value in values {
        indent(out, col);
        out.push_str("///");
        out.push_str(value.trim_end_matches(' '));
        out.push('\n');
    }
}

/// A string literal as printed.
pub(super) fn literal(s: &str) -> String {
    proc_macro2::Literal::string(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid_out(col: usize, pre: &str, ty: &Ty) -> String {
        let mut out = String::new();
        type_line(&mut out, col, pre, ty, ",", true);
        out
    }

    #[test]
    fn a_type_breaks_its_arguments_only_past_the_margin() {
        let inner = |n: usize| Ty::of("Option", vec![Ty::path("x".repeat(n))]);
        // "pub a: Option<" is 14 columns, ">," two more: 4 + 14 + n + 2 <= 89.
        assert_eq!(laid_out(4, "pub a: ", &inner(69)).lines().count(), 1);
        assert_eq!(
            laid_out(4, "pub a: ", &inner(70)),
            format!("    pub a: Option<\n        {},\n    >,\n", "x".repeat(70))
        );
    }

    #[test]
    fn deep_lines_keep_sixty_columns() {
        assert!(fits(0, 89) && !fits(0, 90));
        assert!(
            fits(40, 60) && !fits(40, 61),
            "past 29 columns of indentation"
        );
    }
}
