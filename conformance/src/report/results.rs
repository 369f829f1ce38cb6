//! `--results FILE`: one line per scenario, `name<TAB>STATUS<TAB>rfc`, after a header line.

use std::path::Path;

use super::{Record, Status};

/// The header line of a results file.
pub const HEADER: &str = "scenario\tstatus\trfc";

/// Writes a results file.
pub fn write(path: &Path, records: &[Record]) -> std::io::Result<()> {
    let mut text = format!("{HEADER}\n");
    for r in records {
        text.push_str(&format!(
            "{}\t{}\t{}\n",
            r.name,
            r.status.word(),
            r.rfc.replace('\t', " ")
        ));
    }
    std::fs::write(path, text)
}

/// One row of a results file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Scenario name.
    pub name: String,
    /// Verdict.
    pub status: Status,
    /// RFC reference.
    pub rfc: String,
}

/// Reads a results file.
pub fn read(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a results file's text.
pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .filter(|l| !l.is_empty() && *l != HEADER)
        .map(|l| {
            let mut f = l.split('\t');
            let name = f.next().unwrap_or_default().to_string();
            let status = f
                .next()
                .and_then(Status::from_word)
                .ok_or_else(|| format!("bad line: {l}"))?;
            let rfc = f.next().unwrap_or_default().to_string();
            Ok(Row { name, status, rfc })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_text() {
        let rows = parse("scenario\tstatus\trfc\na/b\tPASS\tRFC 3501 §6\nc\tXFAIL\t\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].status, Status::Pass);
        assert_eq!(rows[1].name, "c");
        assert!(parse("x\tMAYBE\n").is_err());
    }
}
