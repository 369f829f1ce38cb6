//! Second pass: classified lines to a [`Scenario`].

use std::collections::HashMap;
use std::path::Path;

use super::lines::{classify, Dir, Line};
use super::literal::{header_text, split_header, template, Header};
use super::message::{block_crlf, block_lf, fixture_args, read_fixture, to_crlf, to_lf};
use super::{
    Expect, Fixture, Mode, Scenario, SendPiece, Step, StepKind, TemplatePart, DEFAULT_CLIENT,
};
use crate::pattern::{parse_text, Item, Pattern};

/// Parses scenario `source`. `fixtures_dir` resolves `file:` references. Errors read
/// `path:line: message`.
pub fn parse(
    name: &str,
    path: &Path,
    source: &str,
    fixtures_dir: &Path,
) -> Result<Scenario, String> {
    let raw: Vec<&str> = source.lines().collect();
    let mut in_header = true;
    let lines = raw
        .iter()
        .map(|l| {
            let kind = classify(l, in_header);
            if !matches!(kind, Line::Blank | Line::Comment | Line::Header(..)) {
                in_header = false;
            }
            kind
        })
        .collect();
    let mut b = Builder {
        raw,
        lines,
        i: 0,
        fixtures_dir,
        scenario: Scenario {
            name: name.to_string(),
            path: path.to_path_buf(),
            title: String::new(),
            rfc: String::new(),
            requires: Vec::new(),
            timeout: None,
            settle: None,
            fixtures: Vec::new(),
            steps: Vec::new(),
        },
        within: None,
        group: None,
        c_remaining: HashMap::new(),
        cur: 1,
    };
    b.run()
        .map_err(|e| format!("{}:{}: {e}", path.display(), b.cur))?;
    b.finish().map_err(|e| format!("{}: {e}", path.display()))
}

struct GroupBuild {
    line: usize,
    client: Option<String>,
    items: Vec<Expect>,
    timeout: Option<u64>,
}

struct Builder<'a> {
    raw: Vec<&'a str>,
    lines: Vec<Line<'a>>,
    /// Index of the next unconsumed line (so also the 1-based number of the current one).
    i: usize,
    fixtures_dir: &'a Path,
    scenario: Scenario,
    within: Option<u64>,
    group: Option<GroupBuild>,
    /// Octets still owed to an explicit `{N}` literal, per client.
    c_remaining: HashMap<String, usize>,
    /// 1-based number of the line being processed, for errors.
    cur: usize,
}

impl<'a> Builder<'a> {
    fn run(&mut self) -> Result<(), String> {
        while self.i < self.lines.len() {
            self.cur = self.i + 1;
            let line = self.lines[self.i].clone();
            if self.group.is_some()
                && !matches!(
                    line,
                    Line::Blank
                        | Line::Comment
                        | Line::Client {
                            dir: Dir::S(_) | Dir::Alt,
                            ..
                        }
                )
                && line != Line::Directive("end")
            {
                return Err("only S:, S?, S*, S| lines may stand inside any-order ... end".into());
            }
            match line {
                Line::Blank | Line::Comment => self.i += 1,
                Line::Header(key, value) => {
                    self.i += 1;
                    self.header(key, value)?;
                }
                Line::Client {
                    client,
                    dir: Dir::C,
                    text,
                } => self.command(client, text)?,
                Line::Client {
                    client,
                    dir: Dir::S(mode),
                    text,
                } => self.expect(client, mode, text)?,
                Line::Client {
                    client,
                    dir: Dir::Alt,
                    text,
                } => self.alternative(client, text)?,
                Line::Block(_) => {
                    self.i += 1;
                    return Err(
                        "a '|' line must follow a line ending in {} or a fixture/deliver directive"
                            .into(),
                    );
                }
                Line::Cont(_) => {
                    self.i += 1;
                    return Err("a '>' line must follow a literal's '|' block".into());
                }
                Line::Directive(d) => {
                    self.i += 1;
                    self.directive(d)?;
                }
            }
        }
        Ok(())
    }

    fn header(&mut self, key: &str, value: &str) -> Result<(), String> {
        let s = &mut self.scenario;
        match key {
            "title" => s.title = value.to_string(),
            "rfc" => s.rfc = value.to_string(),
            "requires" => s.requires = value.split_whitespace().map(str::to_string).collect(),
            "timeout" => s.timeout = Some(ms(value)?),
            "settle" => s.settle = Some(ms(value)?),
            _ => unreachable!("classify only yields known keys"),
        }
        Ok(())
    }

    fn push(&mut self, line: usize, kind: StepKind) {
        let source = self.raw[line - 1..self.i].join("\n");
        self.scenario.steps.push(Step { line, source, kind });
    }

    fn take_block(&mut self) -> Vec<&'a str> {
        let mut out = Vec::new();
        while let Some(Line::Block(text)) = self.lines.get(self.i) {
            out.push(*text);
            self.i += 1;
        }
        out
    }

    fn take_cont(&mut self) -> Option<&'a str> {
        if let Some(Line::Cont(text)) = self.lines.get(self.i) {
            self.i += 1;
            return Some(text);
        }
        None
    }

    /// The next line if it is a `C:`/`S:` line of `client` in direction `want`.
    fn peek_client(&self, client: &str, want: Dir) -> Option<&'a str> {
        match self.lines.get(self.i) {
            Some(Line::Client {
                client: c,
                dir,
                text,
            }) if *c == client && *dir == want => Some(text),
            _ => None,
        }
    }

    // ---- C: lines --------------------------------------------------------------------

    fn command(&mut self, client: &'a str, first: &'a str) -> Result<(), String> {
        let line = self.i + 1;
        let mut pieces = Vec::new();
        let mut text = Some(first);
        while let Some(t) = text {
            self.i += 1;
            self.command_line(client, t, &mut pieces)?;
            text = self.peek_client(client, Dir::C);
        }
        self.push(
            line,
            StepKind::Send {
                client: client.to_string(),
                pieces,
            },
        );
        Ok(())
    }

    fn command_line(
        &mut self,
        client: &str,
        text: &'a str,
        pieces: &mut Vec<SendPiece>,
    ) -> Result<(), String> {
        let remaining = self.c_remaining.get(client).copied().unwrap_or(0);
        if remaining == 0 {
            return self.command_text(client, text, pieces);
        }
        if text.len() + 2 <= remaining {
            pieces.push(SendPiece::Raw([text.as_bytes(), b"\r\n"].concat()));
            self.c_remaining
                .insert(client.to_string(), remaining - text.len() - 2);
            return Ok(());
        }
        let tail = text
            .get(remaining..)
            .ok_or("the literal's size ends between CR and LF or inside a character")?;
        pieces.push(SendPiece::Raw(text.as_bytes()[..remaining].to_vec()));
        self.c_remaining.insert(client.to_string(), 0);
        self.command_text(client, tail, pieces)
    }

    fn command_text(
        &mut self,
        client: &str,
        text: &'a str,
        pieces: &mut Vec<SendPiece>,
    ) -> Result<(), String> {
        let (before, header) = split_header(text);
        let mut parts = template(before)?;
        let (content, sync) = match header {
            None => {
                end_with(&mut parts, b"\r\n".to_vec());
                pieces.push(SendPiece::Text(parts));
                return Ok(());
            }
            Some(Header::Explicit { size, sync }) => {
                end_with(
                    &mut parts,
                    format!("{}\r\n", header_text(size, sync)).into_bytes(),
                );
                pieces.push(SendPiece::Text(parts));
                if sync {
                    pieces.push(SendPiece::AwaitContinuation);
                }
                self.c_remaining.insert(client.to_string(), size);
                return Ok(());
            }
            Some(Header::Auto { sync }) => {
                let block = self.take_block();
                if block.is_empty() {
                    return Err(
                        "a C: line ending in {} must be followed by '|' content lines".into(),
                    );
                }
                (block_crlf(&block), sync)
            }
            Some(Header::File { name, sync }) => {
                (to_crlf(&read_fixture(self.fixtures_dir, &name)?), sync)
            }
        };
        end_with(
            &mut parts,
            format!("{}\r\n", header_text(content.len(), sync)).into_bytes(),
        );
        pieces.push(SendPiece::Text(parts));
        if sync {
            pieces.push(SendPiece::AwaitContinuation);
        }
        pieces.push(SendPiece::Raw(content));
        match self.take_cont() {
            Some(rest) => self.command_text(client, rest, pieces),
            None => {
                pieces.push(SendPiece::Raw(b"\r\n".to_vec()));
                Ok(())
            }
        }
    }

    // ---- S: lines --------------------------------------------------------------------

    fn pattern(&mut self, client: &str, first: &'a str) -> Result<Pattern, String> {
        let start = self.i;
        self.i += 1;
        let mut items = Vec::new();
        self.pattern_text(client, first, &mut items)?;
        let source = self.raw[start..self.i]
            .iter()
            .enumerate()
            .map(|(n, l)| {
                let l = l.trim();
                if n == 0 {
                    l.split_once(['?', ':', '*', '|'])
                        .map_or(l, |(_, t)| t.trim_start())
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        Ok(Pattern { items, source })
    }

    fn pattern_text(
        &mut self,
        client: &str,
        text: &'a str,
        items: &mut Vec<Item>,
    ) -> Result<(), String> {
        let (before, header) = split_header(text);
        items.extend(parse_text(before)?);
        match header {
            None => Ok(()),
            Some(Header::Explicit { size, .. }) => {
                let mut content = Vec::new();
                loop {
                    let need = size - content.len();
                    let next = self.peek_client(client, Dir::S(Mode::One)).ok_or_else(|| {
                        format!("a literal of {size} octets needs {need} more octets on S: lines")
                    })?;
                    self.i += 1;
                    if need == 0 {
                        items.push(Item::Literal {
                            size: Some(size),
                            content: Some(content),
                        });
                        return self.pattern_text(client, next, items);
                    }
                    if next.len() + 2 <= need {
                        content.extend_from_slice(next.as_bytes());
                        content.extend_from_slice(b"\r\n");
                        continue;
                    }
                    let tail = next
                        .get(need..)
                        .ok_or("the literal's size ends between CR and LF or inside a character")?;
                    content.extend_from_slice(&next.as_bytes()[..need]);
                    items.push(Item::Literal {
                        size: Some(size),
                        content: Some(content),
                    });
                    return self.pattern_text(client, tail, items);
                }
            }
            Some(Header::Auto { .. }) => {
                let block = self.take_block();
                let content = (!block.is_empty()).then(|| block_crlf(&block));
                items.push(Item::Literal {
                    size: None,
                    content,
                });
                match self.take_cont() {
                    Some(rest) => self.pattern_text(client, rest, items),
                    None => Ok(()),
                }
            }
            Some(Header::File { name, .. }) => {
                let content = to_crlf(&read_fixture(self.fixtures_dir, &name)?);
                items.push(Item::Literal {
                    size: None,
                    content: Some(content),
                });
                match self.take_cont() {
                    Some(rest) => self.pattern_text(client, rest, items),
                    None => Ok(()),
                }
            }
        }
    }

    fn expect(&mut self, client: &'a str, mode: Mode, text: &'a str) -> Result<(), String> {
        let line = self.i + 1;
        let pattern = self.pattern(client, text)?;
        let expect = Expect {
            client: client.to_string(),
            mode,
            alts: vec![pattern],
            line,
        };
        if let Some(group) = &mut self.group {
            match &group.client {
                Some(c) if c != client => {
                    return Err("all lines of an any-order group must be for one client".into())
                }
                _ => group.client = Some(client.to_string()),
            }
            group.items.push(expect);
            return Ok(());
        }
        let timeout = self.within.take();
        self.push(
            line,
            StepKind::Expect {
                expect,
                timeout,
                linger_full: false,
            },
        );
        Ok(())
    }

    fn alternative(&mut self, client: &'a str, text: &'a str) -> Result<(), String> {
        let pattern = self.pattern(client, text)?;
        let last = match &mut self.group {
            Some(group) => group.items.last_mut(),
            None => match self.scenario.steps.last_mut() {
                Some(Step {
                    kind: StepKind::Expect { expect, .. },
                    source,
                    ..
                }) => {
                    source.push('\n');
                    source.push_str(self.raw[self.i - 1].trim());
                    Some(expect)
                }
                _ => None,
            },
        };
        match last {
            Some(e) if e.client == client => {
                e.alts.push(pattern);
                Ok(())
            }
            _ => Err(
                "an S| line must directly follow an S:, S? or S* line of the same client".into(),
            ),
        }
    }

    // ---- directives --------------------------------------------------------------------

    fn directive(&mut self, d: &'a str) -> Result<(), String> {
        let line = self.i;
        let (word, args) = d.split_once(' ').map_or((d, ""), |(w, a)| (w, a.trim()));
        match word {
            "any-order" => {
                if self.group.is_some() {
                    return Err("any-order groups do not nest".into());
                }
                self.group = Some(GroupBuild {
                    line,
                    client: None,
                    items: Vec::new(),
                    timeout: self.within.take(),
                });
            }
            "end" => {
                let g = self.group.take().ok_or("'end' without 'any-order'")?;
                let client = g.client.ok_or("empty any-order group")?;
                let source = self.raw[g.line - 1..self.i].join("\n");
                self.scenario.steps.push(Step {
                    line: g.line,
                    source,
                    kind: StepKind::Group {
                        client,
                        items: g.items,
                        timeout: g.timeout,
                        linger_full: false,
                    },
                });
            }
            "within" => self.within = Some(ms(args)?),
            "sleep" => self.push(line, StepKind::Sleep(ms(args)?)),
            "quiet" => {
                let (client, rest) = client_arg(args);
                let ms = ms(rest)?;
                self.push(line, StepKind::Quiet { client, ms });
            }
            "closed" => {
                let (client, rest) = client_arg(args);
                no_more(rest)?;
                let timeout = self.within.take();
                self.push(line, StepKind::Closed { client, timeout });
            }
            "disconnect" => {
                let (client, rest) = client_arg(args);
                no_more(rest)?;
                self.push(line, StepKind::Disconnect { client });
            }
            "deliver" => {
                let (folder, rest) = args
                    .split_once(' ')
                    .map_or((args, ""), |(f, r)| (f, r.trim()));
                if folder != "INBOX" && !folder.starts_with('.') || folder.contains('/') {
                    return Err(
                        "deliver FOLDER: INBOX or a Maildir++ folder directory such as .Work"
                            .into(),
                    );
                }
                let message = self.message_content(rest, false)?;
                self.push(
                    line,
                    StepKind::Deliver {
                        folder: folder.to_string(),
                        message,
                    },
                );
            }
            "fixture" => {
                let a = fixture_args(args)?;
                let file = a
                    .file
                    .as_deref()
                    .map_or(String::new(), |f| format!("file:{f}"));
                let body = self.message_content(&file, true)?;
                self.scenario.fixtures.push(Fixture::Message {
                    mailbox: a.mailbox,
                    flags: a.flags,
                    date: a.date,
                    body,
                });
            }
            "mailbox" => {
                if args.is_empty() {
                    return Err("mailbox NAME".into());
                }
                self.scenario
                    .fixtures
                    .push(Fixture::Mailbox(args.to_string()));
            }
            _ => return Err(format!("unknown directive or malformed line: {d}")),
        }
        Ok(())
    }

    /// A message given as `file:NAME` or by the `|` block that follows.
    fn message_content(&mut self, arg: &str, crlf: bool) -> Result<Vec<u8>, String> {
        if let Some(name) = arg.strip_prefix("file:") {
            let data = read_fixture(self.fixtures_dir, name)?;
            return Ok(if crlf { to_crlf(&data) } else { to_lf(&data) });
        }
        if !arg.is_empty() {
            return Err(format!("unexpected argument: {arg}"));
        }
        let block = self.take_block();
        if block.is_empty() {
            return Err("a message needs file:NAME or '|' content lines".into());
        }
        Ok(if crlf {
            block_crlf(&block)
        } else {
            block_lf(&block)
        })
    }

    fn finish(mut self) -> Result<Scenario, String> {
        if self.group.is_some() {
            return Err("any-order group without 'end'".into());
        }
        if let Some((c, n)) = self.c_remaining.iter().find(|(_, n)| **n > 0) {
            return Err(format!(
                "client {c}: literal incomplete, {n} octets missing"
            ));
        }
        if self.within.is_some() {
            return Err("'within' not followed by an S line, group or 'closed'".into());
        }
        if self.scenario.rfc.is_empty() {
            return Err("missing '# rfc:' header".into());
        }
        if self.scenario.title.is_empty() {
            self.scenario.title = self.scenario.name.clone();
        }
        let steps = &mut self.scenario.steps;
        for i in 0..steps.len() {
            let next = steps.get(i + 1).map(|s| s.kind.clone());
            let decides = |client: &str| match &next {
                Some(StepKind::Expect { expect, .. }) => {
                    expect.client == client && expect.mode == Mode::One
                }
                Some(StepKind::Group {
                    client: c, items, ..
                }) => c == client && items.iter().any(|e| e.mode == Mode::One),
                Some(StepKind::Closed { client: c, .. }) => c == client,
                _ => false,
            };
            match &mut steps[i].kind {
                StepKind::Send { client, pieces } => {
                    let explicit_check = matches!(&next,
                        Some(StepKind::Expect { expect, .. }) if expect.client == *client);
                    if explicit_check && pieces.last() == Some(&SendPiece::AwaitContinuation) {
                        pieces.pop();
                    }
                }
                StepKind::Expect {
                    expect,
                    linger_full,
                    ..
                } => *linger_full = decides(&expect.client),
                StepKind::Group {
                    client,
                    linger_full,
                    ..
                } => *linger_full = decides(client),
                _ => {}
            }
        }
        Ok(self.scenario)
    }
}

/// Appends literal octets to a template, merging with a trailing literal part.
fn end_with(parts: &mut Vec<TemplatePart>, bytes: Vec<u8>) {
    match parts.last_mut() {
        Some(TemplatePart::Lit(lit)) => lit.extend_from_slice(&bytes),
        _ => parts.push(TemplatePart::Lit(bytes)),
    }
}

fn ms(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("expected a number of milliseconds, got '{text}'"))
}

fn client_arg(args: &str) -> (String, &str) {
    let (first, rest) = args
        .split_once(' ')
        .map_or((args, ""), |(a, b)| (a, b.trim()));
    let is_client = first.starts_with(|c: char| c.is_ascii_alphabetic())
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if is_client {
        (first.to_string(), rest)
    } else {
        (DEFAULT_CLIENT.to_string(), args)
    }
}

fn no_more(rest: &str) -> Result<(), String> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected argument: {rest}"))
    }
}

#[cfg(test)]
mod tests;
