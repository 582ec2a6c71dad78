//! The per-field parts of an entity file, and the markers module, printed as text into a
//! frame that prettyplease printed with a placeholder where each goes (see `layout.rs`).

use super::layout::{doc_lines, fits, fitting_line, line, literal, type_line, Ty, INDENT, MARGIN};
use super::{doc_values, escape, field_doc, Emitter};
use crate::model::{EntityModel, FieldModel, Kind};
use crate::names::ident_text;

/// A part of a file printed as text: an entity file's per-field parts, and the markers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Slot {
    /// The struct's fields (all but `id`).
    Fields,
    /// `PartialEq`'s comparisons.
    Eq,
    /// The empty values `read_fields` starts from.
    Empties,
    /// `read_fields`' match arms.
    Arms,
    /// The field enum's variants.
    Variants,
    /// The field enum's `ALL`.
    All,
    /// The field enum's `INFO`.
    Info,
    /// The handles struct's fields.
    Handles,
    /// The handles in `F`.
    Consts,
    /// The items of the markers module.
    Markers,
}

/// Every slot, in the order of their placeholders in a frame.
pub(super) const EVERY_SLOT: [Slot; 10] = [
    Slot::Fields,
    Slot::Eq,
    Slot::Empties,
    Slot::Arms,
    Slot::Variants,
    Slot::All,
    Slot::Info,
    Slot::Handles,
    Slot::Consts,
    Slot::Markers,
];

const PLACEHOLDER_PREFIX: &str = "__sg_slot_";

impl Slot {
    fn name(self) -> &'static str {
        match self {
            Slot::Fields => "fields",
            Slot::Eq => "eq",
            Slot::Empties => "empties",
            Slot::Arms => "arms",
            Slot::Variants => "variants",
            Slot::All => "all",
            Slot::Info => "info",
            Slot::Handles => "handles",
            Slot::Consts => "consts",
            Slot::Markers => "markers",
        }
    }

    /// The identifier standing for this part in the frame. It is longer than a line, so that
    /// the group around it (an array, a struct literal) breaks, as it does around real parts.
    pub(super) fn placeholder(self) -> String {
        format!("{PLACEHOLDER_PREFIX}{}_{}", self.name(), "x".repeat(MARGIN))
    }

    /// The placeholder's line as prettyplease prints it, without indentation.
    fn line(self) -> String {
        let p = self.placeholder();
        match self {
            Slot::Fields | Slot::Handles => format!("pub {p}: (),"),
            Slot::Eq => format!("{p};"),
            Slot::Empties | Slot::Consts => format!("{p}: (),"),
            Slot::Arms => format!("{p} => {{}}"),
            Slot::Variants | Slot::Info => format!("{p},"),
            Slot::All => format!("Self::{p},"),
            Slot::Markers => format!("pub struct {p};"),
        }
    }

    /// The slot whose placeholder `line` holds.
    fn in_line(line: &str) -> Option<Slot> {
        let at = line.find(PLACEHOLDER_PREFIX)? + PLACEHOLDER_PREFIX.len();
        let name = line[at..].split('_').next()?;
        EVERY_SLOT.into_iter().find(|s| s.name() == name)
    }
}

/// `frame` (prettyplease's text with `expected` placeholders) with each placeholder line
/// replaced by what `write` prints for it, given the placeholder's column and the width of the
/// line before (where a group around it opens); `false` with it where the text may not be
/// prettyplease's layout (`write` not sure of its own). A line is a placeholder only when it is
/// one whole: schema text (in doc comments and string literals) never is, whatever it holds.
pub(super) fn fill(
    frame: &str,
    expected: usize,
    mut write: impl FnMut(Slot, usize, usize, &mut String) -> bool,
) -> Result<(String, bool), String> {
    let mut out = String::with_capacity(frame.len() * 4);
    let mut exact = true;
    let mut filled = 0;
    for line in frame.lines() {
        let text = line.trim_start();
        match Slot::in_line(text).filter(|slot| text == slot.line()) {
            Some(slot) => {
                let col = line.len() - text.len();
                let opener = out[..out.len().saturating_sub(1)]
                    .rsplit('\n')
                    .next()
                    .map_or(0, str::len);
                exact &= write(slot, col, opener, &mut out);
                filled += 1;
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if filled != expected {
        return Err(format!(
            "internal error: {filled} of {expected} placeholders found in the printed frame"
        ));
    }
    Ok((out, exact))
}

impl Emitter<'_> {
    /// Writes part `slot` of `e` at column `col`, after a line `opener` columns wide; false
    /// where prettyplease might lay it out otherwise.
    pub(super) fn write_slot(
        &self,
        e: &EntityModel,
        slot: Slot,
        col: usize,
        opener: usize,
        out: &mut String,
    ) -> bool {
        let all = &e.fields;
        let fields = || all.iter().filter(|f| f.wire != "id");
        let mut exact = true;
        match slot {
            Slot::Fields => {
                for f in fields() {
                    doc_lines(out, col, &doc_values(&field_doc(e, f)));
                    let pre = format!("pub {}: ", ident_text(&f.ident));
                    type_line(out, col, &pre, &self.struct_field_ty(e, f), ",", true);
                }
            }
            Slot::Eq => {
                for f in fields() {
                    let x = ident_text(&f.ident);
                    // The condition's group reaches the block's `{`; the comparison's break
                    // is measured to the condition's end.
                    let condition = format!("if self.{x} != other.{x}");
                    if fits(col, condition.len() + 2) {
                        line(out, col, &format!("{condition} {{"));
                    } else if fits(col, condition.len()) {
                        line(out, col, &condition);
                        line(out, col, "{");
                    } else {
                        line(out, col, &format!("if self.{x}"));
                        line(out, col + INDENT, &format!("!= other.{x}"));
                        line(out, col, "{");
                    }
                    line(out, col + INDENT, "return false;");
                    line(out, col, "}");
                }
            }
            Slot::Empties => {
                // Without fields, `Self { id: .. }` may be short enough for one line.
                exact = fields().next().is_some();
                for f in fields() {
                    let empty = match f.kind {
                        Kind::MultiEntity(_) => "::std::vec::Vec::new()",
                        _ => "::core::option::Option::None",
                    };
                    line(out, col, &format!("{}: {empty},", ident_text(&f.ident)));
                }
            }
            Slot::Arms => {
                for f in fields() {
                    // Each field's index in the field enum's `INFO` (sorted by wire name).
                    let i = all
                        .iter()
                        .position(|a| a.wire == f.wire)
                        .expect("a field of the entity");
                    // `value` for an `Option`, `list` for a multi-entity `Vec`: a direct call
                    // per field (a generic `read` through a trait costs type-checking time on
                    // every field).
                    let take = match f.kind {
                        Kind::MultiEntity(_) => "list",
                        _ => "value",
                    };
                    let x = ident_text(&f.ident);
                    // The arm's comma does not count; past the margin, the call goes in a
                    // block of its own (and past it there too, prettyplease decides).
                    let call = format!("r.{take}(&mut value.{x})");
                    let arm = format!("{i}usize => {call}");
                    if fits(col, arm.len()) {
                        line(out, col, &format!("{arm},"));
                    } else {
                        line(out, col, &format!("{i}usize => {{"));
                        exact &= fitting_line(out, col + INDENT, &call);
                        line(out, col, "}");
                    }
                }
            }
            Slot::Variants => {
                // The name alone: the struct field and the handle carry the whole doc (a third
                // copy of every description, link-target list included, bought nothing).
                for f in all {
                    let d = format!("**{}** (`{}.{}`).", escape(&f.display), e.wire, f.wire);
                    doc_lines(out, col, &doc_values(&d));
                    line(out, col, &format!("{},", ident_text(&f.variant)));
                }
            }
            Slot::All => {
                // The array breaks (one element per line) when it cannot fit after its opening
                // `= &[`, with the `];` that closes it.
                let elements: Vec<String> = all
                    .iter()
                    .map(|f| format!("Self::{}", ident_text(&f.variant)))
                    .collect();
                let flat = elements.iter().map(|s| s.len() + 2).sum::<usize>();
                exact = !fits(col, opener.saturating_sub(col) + flat);
                for s in &elements {
                    line(out, col, &format!("{s},"));
                }
            }
            Slot::Info => {
                // A struct literal wider than 34 columns always breaks, and so the array too.
                let rt = &self.rt_text;
                for f in all {
                    line(out, col, &format!("{rt}::typed::FieldInfo {{"));
                    let c = col + INDENT;
                    line(out, c, &format!("wire_name: {},", literal(&f.wire)));
                    line(out, c, &format!("display_name: {},", literal(&f.display)));
                    line(out, c, &format!("data_type: {},", literal(&f.data_type)));
                    line(out, c, &format!("writable: {},", f.writable));
                    line(out, col, "},");
                }
            }
            Slot::Handles => {
                for f in all {
                    doc_lines(out, col, &doc_values(&field_doc(e, f)));
                    let pre = format!("pub {}: ", ident_text(&f.ident));
                    type_line(out, col, &pre, &self.handle_ty(e, f), ",", true);
                }
            }
            Slot::Consts => {
                // With `id` alone, `Fields { id: .. }` may be short enough for one line.
                exact = all.len() > 1;
                let rt = &self.rt_text;
                for (i, f) in all.iter().enumerate() {
                    let head = format!("{}: {rt}::__private::field(", ident_text(&f.ident));
                    let wire = literal(&f.wire);
                    // The comma after the last field is printed only as the literal breaks.
                    let counted = usize::from(i + 1 < all.len());
                    if fits(col, head.len() + wire.len() + 1 + counted) {
                        line(out, col, &format!("{head}{wire}),"));
                    } else {
                        line(out, col, &head);
                        line(out, col + INDENT, &format!("{wire},"));
                        line(out, col, "),");
                    }
                }
            }
            Slot::Markers => unreachable!("the markers are not part of an entity file"),
        }
        exact
    }

    /// A struct field's type: `Vec<..>` for multi-entity fields, else `Option<..>`.
    fn struct_field_ty(&self, e: &EntityModel, f: &FieldModel) -> Ty {
        let t = self.value_ty(&f.kind, &self.marker_ty(e));
        match f.kind {
            Kind::MultiEntity(_) => t,
            _ => Ty::of("::core::option::Option", vec![t]),
        }
    }

    /// A field handle's type: `FieldRef<entity, kind, access>`.
    fn handle_ty(&self, e: &EntityModel, f: &FieldModel) -> Ty {
        let rt = &self.rt_text;
        let access = if f.writable { "Writable" } else { "ReadOnly" };
        let marker = self.marker_ty(e);
        let kind = self.kind_ty(&f.kind, &marker);
        Ty::of(
            format!("{rt}::typed::FieldRef"),
            vec![marker, kind, Ty::path(format!("{rt}::typed::{access}"))],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_their_slot() {
        for s in EVERY_SLOT {
            assert_eq!(Slot::in_line(&format!("    {}", s.line())), Some(s));
            assert!(s.placeholder().len() > MARGIN, "longer than a line");
        }
        assert_eq!(Slot::in_line("    pub code: String,"), None);
    }
}
