//! `--expected-failures FILE`: scenarios known to fail on this target, one name per line,
//! `#` comments. A listed scenario that fails is XFAIL (fine); one that passes is XPASS, an
//! error, so the list can only shrink.

use std::collections::BTreeSet;
use std::path::Path;

/// Reads the list.
pub fn load(path: &Path) -> Result<BTreeSet<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(parse(&text))
}

/// Parses the list's text.
pub fn parse(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_and_blanks() {
        let set = super::parse("# header\n\nrfc3501/a  # why\n  rfc3501/b\n");
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            vec!["rfc3501/a", "rfc3501/b"]
        );
    }
}
