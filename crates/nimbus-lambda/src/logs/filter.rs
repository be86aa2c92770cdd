//! CloudWatch Logs filter patterns, the plain-term form: `ERROR` (contains), `ERROR Exception`
//! (contains both), `"exact phrase"`, `?ERROR ?WARN` (either), `-DEBUG` (not). Terms are
//! case-sensitive, as CloudWatch's are. JSON (`{ $.x = … }`) and space-delimited (`[a, b]`)
//! patterns are refused with a clear message.

/// A parsed filter pattern.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterPattern {
    required: Vec<String>,
    any_of: Vec<String>,
    excluded: Vec<String>,
}

impl FilterPattern {
    /// Parses `pattern`; an empty pattern matches everything.
    pub fn parse(pattern: &str) -> Result<FilterPattern, String> {
        let p = pattern.trim();
        if p.starts_with('{') || p.starts_with('[') || p.starts_with('%') {
            return Err(format!(
                "Invalid filter pattern: {pattern}. nimbus supports plain-term filter patterns (terms, \"phrases\", ?either, -not); JSON, space-delimited and regular-expression patterns are not supported."
            ));
        }
        let mut out = FilterPattern::default();
        let mut chars = p.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            let Some(&c) = chars.peek() else { break };
            let kind = match c {
                '?' => {
                    chars.next();
                    1
                }
                '-' => {
                    chars.next();
                    2
                }
                _ => 0,
            };
            let mut term = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                let mut closed = false;
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                term.push(n);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        c => term.push(c),
                    }
                }
                if !closed {
                    return Err(format!(
                        "Invalid filter pattern: {pattern}: unterminated quote."
                    ));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    term.push(c);
                    chars.next();
                }
            }
            if term.is_empty() {
                continue;
            }
            match kind {
                1 => out.any_of.push(term),
                2 => out.excluded.push(term),
                _ => out.required.push(term),
            }
        }
        Ok(out)
    }

    /// Whether `message` matches.
    pub fn matches(&self, message: &str) -> bool {
        self.required.iter().all(|t| message.contains(t.as_str()))
            && (self.any_of.is_empty() || self.any_of.iter().any(|t| message.contains(t.as_str())))
            && !self.excluded.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_terms() {
        let p = FilterPattern::parse("ERROR timeout").unwrap();
        assert!(p.matches("ERROR: a timeout"));
        assert!(!p.matches("ERROR only"));
        assert!(!p.matches("error timeout"));
        let p = FilterPattern::parse("\"hello world\" -DEBUG").unwrap();
        assert!(p.matches("say hello world"));
        assert!(!p.matches("DEBUG hello world"));
        assert!(!p.matches("hello  world"));
        let p = FilterPattern::parse("?ERROR ?WARN").unwrap();
        assert!(p.matches("WARN x"));
        assert!(!p.matches("INFO x"));
        assert!(FilterPattern::parse("").unwrap().matches("anything"));
        assert!(FilterPattern::parse("{ $.a = 1 }").is_err());
        assert!(FilterPattern::parse("\"open").is_err());
    }
}
