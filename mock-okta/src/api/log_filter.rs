//! The System Log's `filter` parameter: a SCIM filter expression (RFC 7644
//! section 3.4.2.2) evaluated against each event's JSON.
//!
//! Supported: comparisons `attr op value` with `eq`, `ne`, `co`, `sw`,
//! `ew`, `gt`, `ge`, `lt`, `le`, presence `attr pr`, `and`, `or`, `not`
//! and parentheses; `and` binds tighter than `or`. Attribute paths are
//! dotted (`debugContext.debugData.EndedSessionId`); a path through an
//! array (`target.id`) matches if any element matches. Values are JSON
//! strings, numbers, `true`, `false` or `null`. Operators are
//! case-insensitive; string comparisons are case-sensitive, as the
//! System Log's are for `eventType`.

use serde_json::Value;

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: Vec<String>,
        op: Op,
        value: Value,
    },
    Present(Vec<String>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A filter that cannot be parsed. The message names the unexpected token
/// and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter: {0}")]
pub struct FilterError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

impl Filter {
    /// Parses `input`.
    ///
    /// # Errors
    /// [`FilterError`] naming the unexpected token.
    pub fn parse(input: &str) -> Result<Filter, FilterError> {
        let tokens = tokenize(input)?;
        let mut parser = Parser { tokens, at: 0 };
        let filter = parser.or()?;
        if let Some(token) = parser.peek() {
            return Err(FilterError(format!(
                "unexpected {} after a complete expression",
                describe(token)
            )));
        }
        Ok(filter)
    }

    /// Returns whether `event` (a serialized `LogEvent`) satisfies the filter.
    pub fn matches(&self, event: &Value) -> bool {
        match self {
            Filter::Compare { path, op, value } => resolve(event, path)
                .iter()
                .any(|found| compare(found, *op, value)),
            Filter::Present(path) => resolve(event, path)
                .iter()
                .any(|found| !found.is_null() && found.as_str() != Some("")),
            Filter::And(left, right) => left.matches(event) && right.matches(event),
            Filter::Or(left, right) => left.matches(event) || right.matches(event),
            Filter::Not(inner) => !inner.matches(event),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();

    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '(' || c == ')' {
            chars.next();
            tokens.push(if c == '(' { Token::Open } else { Token::Close });
        } else if c == '"' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(escaped) => text.push(escaped),
                        None => return Err(FilterError("unterminated string".to_owned())),
                    },
                    Some(other) => text.push(other),
                    None => return Err(FilterError(format!("unterminated string \"{text}"))),
                }
            }
            tokens.push(Token::Text(text));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.next();
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.next();
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            self.next();
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    other => Err(FilterError(format!(
                        "expected ')', found {}",
                        other.as_ref().map_or("the end".to_owned(), describe)
                    ))),
                }
            }
            Some(Token::Word(attribute)) => self.comparison(attribute),
            other => Err(FilterError(format!(
                "expected an attribute such as eventType, found {}",
                other.as_ref().map_or("the end".to_owned(), describe)
            ))),
        }
    }

    fn comparison(&mut self, attribute: String) -> Result<Filter, FilterError> {
        let path: Vec<String> = attribute.split('.').map(str::to_owned).collect();
        if path.iter().any(String::is_empty) {
            return Err(FilterError(format!(
                "attribute {attribute:?} has an empty part"
            )));
        }

        let op = match self.next() {
            Some(Token::Word(word)) => word.to_ascii_lowercase(),
            other => {
                return Err(FilterError(format!(
                    "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after {attribute}, found {}",
                    other.as_ref().map_or("the end".to_owned(), describe)
                )));
            }
        };
        let op = match op.as_str() {
            "pr" => return Ok(Filter::Present(path)),
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            other => {
                return Err(FilterError(format!(
                    "unknown operator {other:?} after {attribute}; use eq, ne, co, sw, ew, gt, ge, lt, le or pr"
                )));
            }
        };

        let value = match self.next() {
            Some(Token::Text(text)) => Value::String(text),
            Some(Token::Word(word)) => literal(&word).ok_or_else(|| {
                FilterError(format!(
                    "value {word} after {attribute} must be a quoted string, a number, true, false or null"
                ))
            })?,
            other => {
                return Err(FilterError(format!(
                    "expected a value after {attribute}, found {}",
                    other.as_ref().map_or("the end".to_owned(), describe)
                )));
            }
        };
        Ok(Filter::Compare { path, op, value })
    }
}

fn literal(word: &str) -> Option<Value> {
    match word {
        "true" => Some(Value::Bool(true)),
        "false" => Some(Value::Bool(false)),
        "null" => Some(Value::Null),
        number => serde_json::from_str::<serde_json::Number>(number)
            .ok()
            .map(Value::Number),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => format!("{word:?}"),
        Token::Text(text) => format!("the string \"{text}\""),
        Token::Open => "'('".to_owned(),
        Token::Close => "')'".to_owned(),
    }
}

/// Returns every value at `path`, descending into arrays.
fn resolve<'a>(value: &'a Value, path: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = path.split_first() else {
        return match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
    };
    match value {
        Value::Object(fields) => fields
            .get(first)
            .map(|child| resolve(child, rest))
            .unwrap_or_default(),
        Value::Array(items) => items.iter().flat_map(|item| resolve(item, path)).collect(),
        _ => Vec::new(),
    }
}

fn compare(found: &Value, op: Op, expected: &Value) -> bool {
    match (found, expected) {
        (Value::String(found), Value::String(expected)) => match op {
            Op::Eq => found == expected,
            Op::Ne => found != expected,
            Op::Co => found.contains(expected.as_str()),
            Op::Sw => found.starts_with(expected.as_str()),
            Op::Ew => found.ends_with(expected.as_str()),
            Op::Gt => found > expected,
            Op::Ge => found >= expected,
            Op::Lt => found < expected,
            Op::Le => found <= expected,
        },
        (Value::Number(found), Value::Number(expected)) => {
            let (Some(found), Some(expected)) = (found.as_f64(), expected.as_f64()) else {
                return false;
            };
            match op {
                Op::Eq => found == expected,
                Op::Ne => found != expected,
                Op::Gt => found > expected,
                Op::Ge => found >= expected,
                Op::Lt => found < expected,
                Op::Le => found <= expected,
                Op::Co | Op::Sw | Op::Ew => false,
            }
        }
        (found, expected) => match op {
            Op::Eq => found == expected,
            Op::Ne => found != expected,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event() -> Value {
        json!({
            "eventType": "user.session.end",
            "authenticationContext": {"authenticationStep": 0, "externalSessionId": null},
            "debugContext": {"debugData": {"EndedSessionId": "102abc"}},
            "target": [{"id": "00u1", "type": "User"}, {"id": "0oa1", "type": "AppInstance"}],
        })
    }

    #[test]
    fn filter_matches_each_form() {
        let cases = [
            (r#"eventType eq "user.session.end""#, true),
            (r#"eventType eq "user.session.start""#, false),
            (r#"eventType sw "user.session.""#, true),
            (r#"eventType ne "user.session.end""#, false),
            (r#"debugContext.debugData.EndedSessionId eq "102abc""#, true),
            (r#"target.type eq "AppInstance""#, true),
            (r#"target.id eq "00u2""#, false),
            ("authenticationContext.authenticationStep eq 0", true),
            ("authenticationContext.externalSessionId pr", false),
            (
                r#"eventType EQ "user.session.end" and target.id eq "00u1""#,
                true,
            ),
            (r#"eventType eq "x" or target.id eq "00u1""#, true),
            (r#"not (eventType eq "x")"#, true),
            (
                r#"(eventType eq "x" or eventType co "end") and target.id eq "0oa1""#,
                true,
            ),
        ];
        for (input, expected) in cases {
            let filter = Filter::parse(input).unwrap();
            assert_eq!(filter.matches(&event()), expected, "{input}");
        }
    }

    #[test]
    fn filter_rejects_malformed_input() {
        let cases = [
            "eventType",
            r#"eventType is "x""#,
            r#"eventType eq "x"#,
            "eventType eq x",
            r#"(eventType eq "x""#,
            r#"eventType eq "x" extra"#,
            "",
        ];
        for input in cases {
            assert!(Filter::parse(input).is_err(), "{input}");
        }
    }
}
