//! Splits master-file text (RFC 1035 §5.1) into entries: one logical line each, parentheses
//! joining physical lines, comments dropped.
//!
//! Tokens are slices of the input, escapes left in place: the consumer decides whether a token is
//! a name, a number or a character string and decodes it accordingly. Nothing is allocated per
//! token; the caller reuses one token vector for every entry.

/// One word or quoted string of an entry. `text` of a quoted string excludes the quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub text: &'a [u8],
    pub quoted: bool,
}

impl<'a> Token<'a> {
    pub fn word(text: &'a [u8]) -> Token<'a> {
        Token {
            text,
            quoted: false,
        }
    }

    /// True for the unquoted word `word` (ASCII case-insensitive).
    pub fn is(&self, word: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(word.as_bytes())
    }
}

/// Where an entry starts and whether its owner is omitted (the line began with a blank).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub line: u32,
    pub blank_owner: bool,
}

/// A syntax error in an entry; the lexer has already skipped to the entry's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub line: u32,
    pub message: String,
}

pub(crate) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    line: u32,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r')
}

fn ends_word(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')')
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Reads the next non-empty entry into `tokens` (cleared first). `None` at the end of input.
    pub fn next_entry(&mut self, tokens: &mut Vec<Token<'a>>) -> Option<Result<Entry, LexError>> {
        loop {
            tokens.clear();
            if self.pos >= self.text.len() {
                return None;
            }
            let blank_owner = self.text.get(self.pos).is_some_and(|&c| is_blank(c));
            let mut first_line: Option<u32> = None;
            let mut depth = 0u32;
            let mut error: Option<String> = None;
            while let Some(&c) = self.text.get(self.pos) {
                match c {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b';' => self.skip_comment(),
                    b'\n' => {
                        self.pos += 1;
                        self.line = self.line.saturating_add(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    b'(' => {
                        first_line.get_or_insert(self.line);
                        depth = depth.saturating_add(1);
                        self.pos += 1;
                    }
                    b')' => {
                        first_line.get_or_insert(self.line);
                        if depth == 0 {
                            error.get_or_insert_with(|| {
                                "unbalanced parentheses: ')' without '('".into()
                            });
                        } else {
                            depth -= 1;
                        }
                        self.pos += 1;
                    }
                    b'"' => {
                        first_line.get_or_insert(self.line);
                        match self.quoted(depth > 0) {
                            Ok(text) => tokens.push(Token { text, quoted: true }),
                            Err(message) => {
                                error.get_or_insert(message);
                            }
                        }
                    }
                    _ => {
                        first_line.get_or_insert(self.line);
                        let (text, problem) = self.word(depth > 0);
                        tokens.push(Token::word(text));
                        if let Some(message) = problem {
                            error.get_or_insert(message);
                        }
                    }
                }
            }
            let Some(line) = first_line else {
                continue; // a blank or comment-only line
            };
            if depth > 0 {
                error.get_or_insert_with(|| "unbalanced parentheses: '(' not closed".into());
            }
            return Some(match error {
                Some(message) => Err(LexError { line, message }),
                None => Ok(Entry { line, blank_owner }),
            });
        }
    }

    fn skip_comment(&mut self) {
        let rest = self.text.get(self.pos..).unwrap_or_default();
        self.pos += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
    }

    /// A quoted string starting at the opening quote; returns its inside. The closing quote
    /// must end the word (Knot DNS reads `"a"b` and `"""` as errors, not as two strings). A line
    /// break inside a string belongs to it within parentheses (`multiline`), as in Knot DNS,
    /// and is an error elsewhere.
    fn quoted(&mut self, multiline: bool) -> Result<&'a [u8], String> {
        let start = self.pos + 1;
        let end = self.closing_quote(start, multiline)?;
        self.pos = end + 1;
        let inside = self.text.get(start..end).unwrap_or_default();
        self.after_quote(inside)?;
        Ok(inside)
    }

    /// The position of the quote that closes a string whose inside starts at `start`, counting
    /// the line breaks inside it when `multiline`; an error (with `pos` left at the line end)
    /// when the input, or the line outside parentheses, ends first.
    fn closing_quote(&mut self, start: usize, multiline: bool) -> Result<usize, String> {
        let mut i = start;
        loop {
            match self.text.get(i) {
                Some(b'\n') if multiline => {
                    self.line = self.line.saturating_add(1);
                    i += 1;
                }
                None | Some(b'\n') => {
                    self.pos = i;
                    return Err("unterminated quoted string".into());
                }
                Some(b'"') => return Ok(i),
                Some(b'\\') if self.text.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
                Some(_) => i += 1,
            }
        }
    }

    /// Checks that what follows a closing quote (at `pos`) ends the word.
    fn after_quote(&self, string: &[u8]) -> Result<(), String> {
        match self.text.get(self.pos) {
            Some(&c) if !ends_word(c) => Err(format!(
                "unexpected {:?} right after the closing quote of \"{}\": separate it with a blank \
                 (write \\\" for a quote character)",
                char::from(c),
                show(string)
            )),
            _ => Ok(()),
        }
    }

    /// An unquoted word: up to a blank, a line end, `;`, `(` or `)`. A backslash escapes the next
    /// character. A quote may appear inside a word only right after `=`, quoting the rest of the
    /// word (an SVCB `alpn="h2,h3"`); anywhere else it is an error, and the word ends before
    /// it. Returns the word and the error, if any.
    fn word(&mut self, multiline: bool) -> (&'a [u8], Option<String>) {
        let start = self.pos;
        let mut i = start;
        let mut problem = None;
        while let Some(&c) = self.text.get(i) {
            match c {
                b'\\' if self.text.get(i + 1).is_some_and(|&c| c != b'\n') => i += 2,
                b'"' if i > start && self.text.get(i - 1) == Some(&b'=') => {
                    match self.closing_quote(i + 1, multiline) {
                        Ok(end) => {
                            self.pos = end + 1;
                            let inside = self.text.get(i + 1..end).unwrap_or_default();
                            problem = problem.or(self.after_quote(inside).err());
                            i = end + 1;
                        }
                        Err(message) => {
                            problem = problem.or(Some(message));
                            i = self.pos;
                            break;
                        }
                    }
                }
                b'"' => {
                    problem = problem.or(Some(format!(
                        "unexpected quote after \"{}\": a string must be separated from what \
                         precedes it by a blank (write \\\" for a quote character)",
                        show(self.text.get(start..i).unwrap_or_default())
                    )));
                    break;
                }
                c if ends_word(c) => break,
                _ => i += 1,
            }
        }
        let end = i.min(self.text.len());
        self.pos = end;
        (self.text.get(start..end).unwrap_or_default(), problem)
    }
}

/// Lexes `text` as the tokens of one entry, parentheses and line breaks allowed (for rdata given
/// on its own). Errors are plain messages.
pub(crate) fn tokens_of(text: &[u8]) -> Result<Vec<Token<'_>>, String> {
    let mut lexer = Lexer::new(text);
    let mut all = Vec::new();
    let mut tokens = Vec::new();
    while let Some(entry) = lexer.next_entry(&mut tokens) {
        entry.map_err(|e| e.message)?;
        all.extend_from_slice(&tokens);
    }
    Ok(all)
}

/// A token's text for an error message: lossy UTF-8, shortened when long.
pub(crate) fn show(text: &[u8]) -> String {
    const MAX: usize = 64;
    let cut = text.get(..MAX).unwrap_or(text);
    let mut shown = String::from_utf8_lossy(cut).into_owned();
    if cut.len() < text.len() {
        shown.push('…');
    }
    shown
}
