//! Per-column expectations of `data.check`: a small text syntax a user types in the
//! inspector, its parser (errors name the expectation and the character), and the
//! evaluation that lists every violation rather than stopping at the first.
//!
//! One expectation per line or `;`-separated:
//!
//! | expectation | holds when |
//! |---|---|
//! | `x in [0, 100]` | every value of numeric `x` is within the bounds (`(`/`)` exclude a bound; `-inf`/`inf` leave it open) |
//! | `label in {positive, negative, neutral}` | every value is one of those (`"…"` quotes a value with a comma or space) |
//! | `id unique` | no value repeats |
//! | `sentence not null` | no value is missing |
//! | `sentence not empty` | no value is missing or blank text |
//! | `label balance [0.1, 0.8]` | each class's share of the rows with a value is within the bounds |
//!
//! A column name with a space is quoted: `"unit price" in [0, inf]`. Missing values
//! are left to `not null`: range, allowed values, uniqueness and balance look only at
//! the values that are there, so one missing value is reported once, by the rule that
//! is about it.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use polars::prelude::*;

use crate::columns::available;

/// How many offending rows a violation shows (the count is always complete).
pub const SHOWN_ROWS: usize = 5;

/// One expectation about one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// The expectation as the user typed it (trimmed), for messages.
    pub text: String,
    /// The column it is about.
    pub column: String,
    /// What must hold.
    pub rule: Rule,
}

/// What an expectation asks of its column.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Every value within `[low, high]` (each bound inclusive or not).
    Range {
        /// Lower bound.
        low: f64,
        /// Whether `low` itself is allowed.
        low_inclusive: bool,
        /// Upper bound.
        high: f64,
        /// Whether `high` itself is allowed.
        high_inclusive: bool,
    },
    /// Every value one of these (compared as numbers in a numeric column).
    OneOf(Vec<String>),
    /// No value repeats.
    Unique,
    /// No value missing.
    NotNull,
    /// No value missing or blank.
    NotEmpty,
    /// Each class's share of the present values within `[low, high]`.
    Balance {
        /// Smallest share allowed, in [0, 1].
        low: f64,
        /// Largest share allowed, in [0, 1].
        high: f64,
    },
}

/// An expectation that does not parse.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("parameter \"expect\": expectation {index} ({text:?}), at character {at}: {message}")]
pub struct ParseError {
    /// 1-based position among the expectations.
    pub index: usize,
    /// The expectation's text.
    pub text: String,
    /// 1-based character within that text.
    pub at: usize,
    /// What was expected there.
    pub message: String,
}

/// A broken expectation: which, how many rows, and the first few of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The expectation's text (it starts with the column).
    pub expectation: String,
    /// What is wrong, e.g. `"3 row(s) outside the range"`.
    pub problem: String,
    /// The first offending rows: 1-based data row and its value as text.
    pub rows: Vec<(usize, String)>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.expectation, self.problem)?;
        if !self.rows.is_empty() {
            let shown: Vec<String> = self
                .rows
                .iter()
                .map(|(row, value)| format!("row {row} is {value}"))
                .collect();
            write!(f, " ({})", shown.join(", "))?;
        }
        Ok(())
    }
}

/// Parses the `expect` parameter: expectations separated by newlines or `;` (outside
/// quotes); blank ones are skipped.
pub fn parse(text: &str) -> Result<Vec<Expectation>, ParseError> {
    split(text)
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| {
            Parser::new(s)
                .expectation()
                .map_err(|(at, message)| ParseError {
                    index: i + 1,
                    text: s.to_owned(),
                    at,
                    message,
                })
        })
        .collect()
}

/// Splits at newlines and semicolons that are not inside double quotes.
fn split(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '\n' | ';' if !quoted => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A parse failure: 1-based character and message.
type Failure = (usize, String);

/// A cursor over one expectation's characters.
struct Parser {
    chars: Vec<char>,
    pos: usize,
    text: String,
}

impl Parser {
    fn new(text: &str) -> Self {
        Self {
            chars: text.chars().collect(),
            pos: 0,
            text: text.to_owned(),
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, Failure> {
        Err((self.pos + 1, message.into()))
    }

    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn expect_char(&mut self, want: char, what: &str) -> Result<(), Failure> {
        self.skip_ws();
        if self.peek() == Some(want) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(format!("expected \"{want}\" {what}"))
        }
    }

    /// A double-quoted string (the opening quote under the cursor).
    fn quoted(&mut self) -> Result<String, Failure> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '"' {
                return Ok(out);
            }
            out.push(c);
        }
        Err((open + 1, "this quote is never closed".into()))
    }

    /// A word: characters up to whitespace or one of `stops`.
    fn word(&mut self, stops: &[char]) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !c.is_whitespace() && !stops.contains(&c))
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn expectation(mut self) -> Result<Expectation, Failure> {
        self.skip_ws();
        let column = if self.peek() == Some('"') {
            self.quoted()?
        } else {
            self.word(&[])
        };
        if column.is_empty() {
            return self.fail("expected a column name");
        }
        self.skip_ws();
        let keyword_at = self.pos;
        let keyword = self.word(&['[', '(', '{']);
        let rule = match keyword.as_str() {
            "in" => {
                self.skip_ws();
                match self.peek() {
                    Some('[' | '(') => {
                        let (low, low_inclusive, high, high_inclusive) = self.bounds()?;
                        Rule::Range {
                            low,
                            low_inclusive,
                            high,
                            high_inclusive,
                        }
                    }
                    Some('{') => self.one_of()?,
                    _ => {
                        return self.fail(
                            "expected \"[\" or \"(\" opening a range, or \"{\" opening the allowed values",
                        );
                    }
                }
            }
            "unique" => Rule::Unique,
            "not" => {
                self.skip_ws();
                let at = self.pos;
                match self.word(&[]).as_str() {
                    "null" => Rule::NotNull,
                    "empty" => Rule::NotEmpty,
                    _ => {
                        return Err((
                            at + 1,
                            "expected \"null\" or \"empty\" after \"not\"".into(),
                        ));
                    }
                }
            }
            "balance" => {
                self.skip_ws();
                let at = self.pos;
                // Shares: whether a bound is inclusive hardly matters, both are.
                let (low, _, high, _) = self.bounds()?;
                if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) {
                    return Err((
                        at + 1,
                        "the bounds of a balance are shares in [0, 1]".into(),
                    ));
                }
                Rule::Balance { low, high }
            }
            _ => {
                self.pos = keyword_at;
                return self.fail(
                    "expected \"in\", \"unique\", \"not null\", \"not empty\" or \"balance\" after the column",
                );
            }
        };
        self.skip_ws();
        if self.pos < self.chars.len() {
            return self.fail("unexpected text after the expectation (separate expectations with \";\" or a new line)");
        }
        Ok(Expectation {
            text: self.text,
            column,
            rule,
        })
    }

    /// `[low, high]`, each bracket `[`/`]` (inclusive) or `(`/`)` (exclusive): the
    /// bounds, each with whether it is inclusive.
    fn bounds(&mut self) -> Result<(f64, bool, f64, bool), Failure> {
        self.skip_ws();
        let open = self.pos;
        let low_inclusive = match self.peek() {
            Some('[') => true,
            Some('(') => false,
            _ => return self.fail("expected \"[\" or \"(\" opening the bounds"),
        };
        self.pos += 1;
        let low = self.number()?;
        self.expect_char(',', "between the two bounds")?;
        let high = self.number()?;
        self.skip_ws();
        let high_inclusive = match self.peek() {
            Some(']') => true,
            Some(')') => false,
            _ => return self.fail("expected \"]\" or \")\" closing the bounds"),
        };
        self.pos += 1;
        if low > high {
            return Err((
                open + 1,
                format!("the lower bound {low} is above the upper bound {high}"),
            ));
        }
        Ok((low, low_inclusive, high, high_inclusive))
    }

    fn number(&mut self) -> Result<f64, Failure> {
        self.skip_ws();
        let at = self.pos;
        let word = self.word(&[',', ']', ')']);
        if word.is_empty() {
            return self.fail("expected a number");
        }
        match word.parse::<f64>() {
            Ok(v) if !v.is_nan() => Ok(v),
            _ => Err((at + 1, format!("{word:?} is not a number"))),
        }
    }

    /// `{a, b, "c d"}`.
    fn one_of(&mut self) -> Result<Rule, Failure> {
        self.pos += 1; // the `{` under the cursor
        let mut values = Vec::new();
        loop {
            self.skip_ws();
            let value = match self.peek() {
                Some('"') => self.quoted()?,
                Some('}') if values.is_empty() => return self.fail("no allowed value is given"),
                None => return self.fail("expected \"}\" closing the allowed values"),
                _ => self.word(&[',', '}']),
            };
            if value.is_empty() {
                return self.fail("expected a value");
            }
            values.push(value);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {
                    self.pos += 1;
                    return Ok(Rule::OneOf(values));
                }
                _ => return self.fail("expected \",\" or \"}\" after a value"),
            }
        }
    }
}

/// Checks every expectation against the table and returns every violation.
pub fn evaluate(df: &DataFrame, expectations: &[Expectation]) -> Vec<Violation> {
    expectations
        .iter()
        .filter_map(|e| evaluate_one(df, e))
        .collect()
}

fn violation(e: &Expectation, problem: String, rows: Vec<(usize, String)>) -> Option<Violation> {
    Some(Violation {
        expectation: e.text.clone(),
        problem,
        rows,
    })
}

/// The values of a column as text, for comparing and showing (`None` for missing).
fn texts(col: &Column) -> Result<Vec<Option<String>>, String> {
    let cast = col
        .cast(&DataType::String)
        .map_err(|err| format!("cannot read the column as text: {err}"))?;
    let ca = cast
        .str()
        .map_err(|err| format!("cannot read the column as text: {err}"))?;
    Ok(ca.iter().map(|v| v.map(str::to_owned)).collect())
}

/// The values of a numeric column as `f64` (`None` for missing).
fn numbers(col: &Column) -> Result<Vec<Option<f64>>, String> {
    let cast = col
        .cast(&DataType::Float64)
        .map_err(|err| format!("cannot read the column as numbers: {err}"))?;
    let ca = cast
        .f64()
        .map_err(|err| format!("cannot read the column as numbers: {err}"))?;
    Ok(ca.iter().collect())
}

/// How a value is shown: text quoted, numbers as they are.
fn shown(col: &Column, value: &str) -> String {
    if col.dtype().is_numeric() || col.dtype().is_bool() {
        value.to_owned()
    } else {
        format!("{value:?}")
    }
}

/// Rows (1-based) where `bad` holds, counted, the first few kept.
fn offenders<T>(
    values: &[T],
    mut bad: impl FnMut(&T) -> Option<String>,
) -> (usize, Vec<(usize, String)>) {
    let mut count = 0;
    let mut rows = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if let Some(text) = bad(v) {
            count += 1;
            if rows.len() < SHOWN_ROWS {
                rows.push((i + 1, text));
            }
        }
    }
    (count, rows)
}

fn evaluate_one(df: &DataFrame, e: &Expectation) -> Option<Violation> {
    let Ok(col) = df.column(&e.column) else {
        return violation(
            e,
            format!(
                "the table has no column {:?} (it has: {})",
                e.column,
                available(df)
            ),
            vec![],
        );
    };
    let result = match &e.rule {
        Rule::NotNull => Ok(not_null(col)),
        Rule::NotEmpty => texts(col).map(|values| {
            offenders(&values, |v| match v {
                None => Some("missing".to_owned()),
                Some(s) if s.trim().is_empty() => Some(format!("{s:?}")),
                Some(_) => None,
            })
        }),
        Rule::Range {
            low,
            low_inclusive,
            high,
            high_inclusive,
        } => {
            if !col.dtype().is_numeric() {
                return violation(
                    e,
                    format!("the column is not numeric (its type is {})", col.dtype()),
                    vec![],
                );
            }
            numbers(col).map(|values| {
                offenders(&values, |v| {
                    let v = (*v)?;
                    let above_low = if *low_inclusive { v >= *low } else { v > *low };
                    let below_high = if *high_inclusive {
                        v <= *high
                    } else {
                        v < *high
                    };
                    (!(above_low && below_high)).then(|| v.to_string())
                })
            })
        }
        Rule::OneOf(allowed) => one_of(col, allowed),
        Rule::Unique => texts(col).map(|values| {
            let mut seen: HashMap<&str, usize> = HashMap::new();
            let mut count = 0;
            let mut rows = Vec::new();
            for (i, v) in values.iter().enumerate() {
                let Some(v) = v else { continue };
                if let Some(first) = seen.get(v.as_str()) {
                    count += 1;
                    if rows.len() < SHOWN_ROWS {
                        rows.push((i + 1, format!("{} (as row {first})", shown(col, v))));
                    }
                } else {
                    seen.insert(v, i + 1);
                }
            }
            (count, rows)
        }),
        Rule::Balance { low, high } => return balance(e, col, *low, *high),
    };
    match result {
        Err(problem) => violation(e, problem, vec![]),
        Ok((0, _)) => None,
        Ok((count, rows)) => {
            let what = match e.rule {
                Rule::NotNull => "missing",
                Rule::NotEmpty => "missing or empty",
                Rule::Range { .. } => "outside the range",
                Rule::OneOf(_) => "with a value not allowed",
                Rule::Unique => "repeating an earlier row's value",
                // Balance counts classes, not rows, and returned above.
                Rule::Balance { .. } => "outside the shares",
            };
            violation(e, format!("{count} row(s) {what}"), rows)
        }
    }
}

fn not_null(col: &Column) -> (usize, Vec<(usize, String)>) {
    let mask = col.is_null();
    let flags: Vec<bool> = mask.iter().map(|v| v == Some(true)).collect();
    offenders(&flags, |missing| missing.then(|| "missing".to_owned()))
}

fn one_of(col: &Column, allowed: &[String]) -> Result<(usize, Vec<(usize, String)>), String> {
    if col.dtype().is_numeric() {
        let mut wanted = Vec::with_capacity(allowed.len());
        for a in allowed {
            match a.trim().parse::<f64>() {
                Ok(v) => wanted.push(v),
                Err(_) => {
                    return Err(format!(
                        "the column is numeric, but the allowed value {a:?} is not a number"
                    ));
                }
            }
        }
        let values = numbers(col)?;
        Ok(offenders(&values, |v| {
            let v = (*v)?;
            (!wanted.contains(&v)).then(|| v.to_string())
        }))
    } else {
        let values = texts(col)?;
        Ok(offenders(&values, |v| {
            let v = v.as_deref()?;
            (!allowed.iter().any(|a| a == v)).then(|| shown(col, v))
        }))
    }
}

fn balance(e: &Expectation, col: &Column, low: f64, high: f64) -> Option<Violation> {
    let values = match texts(col) {
        Ok(v) => v,
        Err(problem) => return violation(e, problem, vec![]),
    };
    // Ordered by class so the message is the same on every run.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values.iter().flatten() {
        *counts.entry(v.as_str()).or_default() += 1;
    }
    let total: usize = counts.values().sum();
    if total == 0 {
        return violation(e, "the column has no values".into(), vec![]);
    }
    let outside: Vec<String> = counts
        .iter()
        .filter_map(|(class, &n)| {
            let share = n as f64 / total as f64;
            (share < low || share > high).then(|| {
                format!(
                    "class {} has {:.1}% ({n} of {total} rows)",
                    shown(col, class),
                    share * 100.0
                )
            })
        })
        .collect();
    if outside.is_empty() {
        return None;
    }
    violation(
        e,
        format!(
            "{} class(es) outside the shares: {}",
            outside.len(),
            outside.join(", ")
        ),
        vec![],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn every_rule_parses_separated_by_lines_or_semicolons() {
        let e = parse(
            "x in [0, 100]; y in (-inf, 1)\nlabel in {positive, \"very negative\", neutral}\n\
             id unique; sentence not null; sentence not empty\n  \n label balance [0.1, 0.8]",
        )
        .unwrap();
        let rules: Vec<(&str, &Rule)> = e.iter().map(|e| (e.column.as_str(), &e.rule)).collect();
        assert_eq!(
            rules,
            [
                (
                    "x",
                    &Rule::Range {
                        low: 0.0,
                        low_inclusive: true,
                        high: 100.0,
                        high_inclusive: true
                    }
                ),
                (
                    "y",
                    &Rule::Range {
                        low: f64::NEG_INFINITY,
                        low_inclusive: false,
                        high: 1.0,
                        high_inclusive: false
                    }
                ),
                (
                    "label",
                    &Rule::OneOf(vec![
                        "positive".into(),
                        "very negative".into(),
                        "neutral".into()
                    ])
                ),
                ("id", &Rule::Unique),
                ("sentence", &Rule::NotNull),
                ("sentence", &Rule::NotEmpty),
                (
                    "label",
                    &Rule::Balance {
                        low: 0.1,
                        high: 0.8
                    }
                ),
            ]
        );
        assert_eq!(e[0].text, "x in [0, 100]");
        let quoted = parse("\"unit price\" in [0, inf]; \"a;b\" unique").unwrap();
        assert_eq!(quoted[0].column, "unit price");
        assert_eq!(quoted[1].column, "a;b");
        assert!(parse(" \n ; ").unwrap().is_empty());
    }

    #[test]
    fn parse_errors_name_the_expectation_and_the_character() {
        assert_eq!(
            err("id unique; x in [0 100]"),
            "parameter \"expect\": expectation 2 (\"x in [0 100]\"), at character 9: \
             expected \",\" between the two bounds"
        );
        assert_eq!(
            err("x between 1 and 2"),
            "parameter \"expect\": expectation 1 (\"x between 1 and 2\"), at character 3: \
             expected \"in\", \"unique\", \"not null\", \"not empty\" or \"balance\" after the column"
        );
        assert_eq!(
            err("x in [5, 1]"),
            "parameter \"expect\": expectation 1 (\"x in [5, 1]\"), at character 6: \
             the lower bound 5 is above the upper bound 1"
        );
        assert_eq!(
            err("x in [a, 1]"),
            "parameter \"expect\": expectation 1 (\"x in [a, 1]\"), at character 7: \
             \"a\" is not a number"
        );
        assert_eq!(
            err("label in {a, b"),
            "parameter \"expect\": expectation 1 (\"label in {a, b\"), at character 15: \
             expected \",\" or \"}\" after a value"
        );
        assert_eq!(
            err("label in {}"),
            "parameter \"expect\": expectation 1 (\"label in {}\"), at character 11: \
             no allowed value is given"
        );
        assert_eq!(
            err("id unique please"),
            "parameter \"expect\": expectation 1 (\"id unique please\"), at character 11: \
             unexpected text after the expectation (separate expectations with \";\" or a new line)"
        );
        assert_eq!(
            err("s not blank"),
            "parameter \"expect\": expectation 1 (\"s not blank\"), at character 7: \
             expected \"null\" or \"empty\" after \"not\""
        );
        assert_eq!(
            err("label balance [0.1, 2]"),
            "parameter \"expect\": expectation 1 (\"label balance [0.1, 2]\"), at character 15: \
             the bounds of a balance are shares in [0, 1]"
        );
        assert_eq!(
            err("\"x in [0, 1]"),
            "parameter \"expect\": expectation 1 (\"\\\"x in [0, 1]\"), at character 1: \
             this quote is never closed"
        );
    }

    fn frame() -> DataFrame {
        df!(
            "id" => ["a", "b", "a", "c", "b", "a"],
            "x" => [Some(1.0), Some(150.0), None, Some(-2.0), Some(50.0), Some(100.0)],
            "n" => [1i64, 2, 3, 2, 1, 7],
            "label" => ["positive", "negative", "neutral", "postive", "negative", "negative"],
            "sentence" => [Some("Up."), Some("  "), None, Some("Down."), Some("Flat."), Some("Ok.")],
        )
        .unwrap()
    }

    fn violations(text: &str) -> Vec<String> {
        evaluate(&frame(), &parse(text).unwrap())
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn every_violation_is_listed_with_its_rows_and_values() {
        assert_eq!(
            violations(
                "x in [0, 100]; label in {positive, negative, neutral}; id unique; \
                 sentence not null; sentence not empty; n in {1, 2, 3}; z unique"
            ),
            [
                "x in [0, 100]: 2 row(s) outside the range (row 2 is 150, row 4 is -2)",
                "label in {positive, negative, neutral}: 1 row(s) with a value not allowed \
                 (row 4 is \"postive\")",
                "id unique: 3 row(s) repeating an earlier row's value (row 3 is \"a\" (as row 1), \
                 row 5 is \"b\" (as row 2), row 6 is \"a\" (as row 1))",
                "sentence not null: 1 row(s) missing (row 3 is missing)",
                "sentence not empty: 2 row(s) missing or empty (row 2 is \"  \", row 3 is missing)",
                "n in {1, 2, 3}: 1 row(s) with a value not allowed (row 6 is 7)",
                "z unique: the table has no column \"z\" (it has: id, x, n, label, sentence)",
            ]
        );
    }

    #[test]
    fn exclusive_bounds_and_numbers_compared_as_numbers() {
        assert_eq!(
            violations("x in (-2, 150)"),
            ["x in (-2, 150): 2 row(s) outside the range (row 2 is 150, row 4 is -2)"]
        );
        assert!(violations("x in [-2, 150]; n in {1.0, 2, 3, 7}").is_empty());
        assert_eq!(
            violations("label in [0, 1]"),
            ["label in [0, 1]: the column is not numeric (its type is str)"]
        );
        assert_eq!(
            violations("n in {1, two}"),
            ["n in {1, two}: the column is numeric, but the allowed value \"two\" is not a number"]
        );
    }

    #[test]
    fn the_show_stops_after_a_few_rows_but_the_count_is_complete() {
        let df = df!("k" => (0..20i64).collect::<Vec<_>>()).unwrap();
        let v = evaluate(&df, &parse("k in [0, 5]").unwrap());
        assert_eq!(v[0].problem, "14 row(s) outside the range");
        assert_eq!(v[0].rows.len(), SHOWN_ROWS);
        assert_eq!(v[0].rows[0], (7, "6".to_owned()));
    }

    #[test]
    fn balance_names_each_class_outside_its_shares() {
        assert!(violations("label balance [0.1, 0.6]").is_empty());
        assert_eq!(
            violations("label balance [0.2, 0.4]"),
            ["label balance [0.2, 0.4]: 4 class(es) outside the shares: \
              class \"negative\" has 50.0% (3 of 6 rows), class \"neutral\" has 16.7% (1 of 6 rows), \
              class \"positive\" has 16.7% (1 of 6 rows), class \"postive\" has 16.7% (1 of 6 rows)"]
        );
    }
}
