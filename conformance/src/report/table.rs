//! The results table in `docs/conformance.md`: scenario x target, between marker comments.

use std::collections::BTreeMap;

use super::results::Row;
use super::Status;

/// Start marker of the generated table.
pub const BEGIN: &str = "<!-- conformance-report:begin -->";
/// End marker of the generated table.
pub const END: &str = "<!-- conformance-report:end -->";

/// Renders a Markdown table from `(column title, rows)` pairs.
pub fn render(columns: &[(String, Vec<Row>)]) -> String {
    let mut rfc: BTreeMap<&str, &str> = BTreeMap::new();
    for (_, rows) in columns {
        for r in rows {
            let e = rfc.entry(&r.name).or_default();
            if e.is_empty() {
                *e = &r.rfc;
            }
        }
    }
    let mut out = String::from("| scenario | RFC |");
    for (title, _) in columns {
        out.push_str(&format!(" {title} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(columns.len()));
    out.push('\n');
    for (name, reference) in &rfc {
        out.push_str(&format!("| `{name}` | {reference} |"));
        for (_, rows) in columns {
            let cell = rows
                .iter()
                .find(|r| &r.name == name)
                .map_or("–", |r| cell(r.status));
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str(&format!("| **passed** | {} scenarios |", rfc.len()));
    for (_, rows) in columns {
        let pass = rows.iter().filter(|r| r.status == Status::Pass).count();
        out.push_str(&format!(" **{pass}** |"));
    }
    out.push('\n');
    out
}

fn cell(s: Status) -> &'static str {
    match s {
        Status::Pass | Status::XPass => "pass",
        Status::Fail | Status::XFail => "**FAIL**",
        Status::Skip => "skip",
    }
}

/// Replaces the text between the markers in `doc` with `table`.
pub fn splice(doc: &str, table: &str) -> Result<String, String> {
    let start = doc.find(BEGIN).ok_or(format!("marker {BEGIN} not found"))? + BEGIN.len();
    let end = doc.find(END).ok_or(format!("marker {END} not found"))?;
    if end < start {
        return Err("markers out of order".into());
    }
    Ok(format!("{}\n{}{}", &doc[..start], table, &doc[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, status: Status) -> Row {
        Row {
            name: name.into(),
            status,
            rfc: "RFC 3501 §6".into(),
        }
    }

    #[test]
    fn renders_and_splices() {
        let t = render(&[
            (
                "imapd".into(),
                vec![row("a", Status::XFail), row("b", Status::XFail)],
            ),
            (
                "Dovecot".into(),
                vec![row("a", Status::Pass), row("b", Status::Fail)],
            ),
        ]);
        assert!(t.contains("| `a` | RFC 3501 §6 | **FAIL** | pass |"));
        assert!(t.contains("| **passed** | 2 scenarios | **0** | **1** |"));
        let doc = format!("intro\n{BEGIN}\nold\n{END}\nrest\n");
        let new = splice(&doc, &t).unwrap();
        assert!(new.starts_with("intro\n"));
        assert!(new.contains("| `b` |"));
        assert!(!new.contains("old"));
        assert!(new.ends_with(&format!("{END}\nrest\n")));
    }
}
