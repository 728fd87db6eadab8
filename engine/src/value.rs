//! Parameter values and their types.
//!
//! A [`Value`] is what a parameter holds after resolution; a [`ParamValue`] is what
//! a node stores in the flow file: a literal or a reference to a flow parameter.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A concrete parameter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text, a file path or the chosen option of a choice.
    Text(String),
}

impl Value {
    /// The value as a float, accepting integers too (a `2` in a file means `2.0`).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The value as an integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Short name of the value's variant, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Text(s) => write!(f, "{s:?}"),
        }
    }
}

/// The type of a parameter, with its allowed range or options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ParamType {
    /// A checkbox.
    Bool,
    /// A whole number within an optional inclusive range.
    Int {
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    /// A number within an optional inclusive range.
    Float {
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Free text.
    Text,
    /// A file path; relative paths resolve against the flow file's folder.
    Path,
    /// One of a fixed list of options.
    Choice(Vec<String>),
}

impl ParamType {
    /// Short name of the type, for messages and the CLI.
    pub fn name(&self) -> &'static str {
        match self {
            ParamType::Bool => "bool",
            ParamType::Int { .. } => "int",
            ParamType::Float { .. } => "float",
            ParamType::Text => "text",
            ParamType::Path => "path",
            ParamType::Choice(_) => "choice",
        }
    }

    /// Checks `value` against this type and range; on success returns the value in its
    /// canonical variant (an `Int` given for a `Float` parameter becomes a `Float`).
    pub fn check(&self, value: &Value) -> Result<Value, String> {
        match (self, value) {
            (ParamType::Bool, Value::Bool(_)) => Ok(value.clone()),
            (ParamType::Int { min, max }, Value::Int(i)) => {
                if min.is_some_and(|m| *i < m) || max.is_some_and(|m| *i > m) {
                    Err(format!("{i} is out of range {}", range_text(min, max)))
                } else {
                    Ok(value.clone())
                }
            }
            (ParamType::Float { min, max }, Value::Float(_) | Value::Int(_)) => {
                let x = value.as_f64().unwrap_or(f64::NAN);
                // No step can compute with an infinite or NaN setting, and a run record
                // could not even store one (JSON has no such numbers).
                if !x.is_finite() {
                    return Err(format!("{x} is not a finite number"));
                }
                if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                    Err(format!("{x} is out of range {}", range_text(min, max)))
                } else {
                    Ok(Value::Float(x))
                }
            }
            (ParamType::Text | ParamType::Path, Value::Text(_)) => Ok(value.clone()),
            (ParamType::Choice(options), Value::Text(s)) => {
                if options.iter().any(|o| o == s) {
                    Ok(value.clone())
                } else {
                    Err(format!("{s:?} is not one of {}", options.join(", ")))
                }
            }
            _ => Err(format!(
                "expected {}, found {} {value}",
                self.name(),
                value.type_name()
            )),
        }
    }

    /// The allowed range of a number as text (`[0, 1]`, `[1, ∞)`); `None` for a type
    /// without one.
    pub fn range_text(&self) -> Option<String> {
        match self {
            ParamType::Int { min, max } => Some(range_text(min, max)),
            ParamType::Float { min, max } => Some(range_text(min, max)),
            _ => None,
        }
    }

    /// Parses a value typed by a person (CLI `--param`, a text field) for this type.
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let text = text.trim();
        let value = match self {
            ParamType::Bool => match text {
                "true" | "yes" | "1" | "on" => Value::Bool(true),
                "false" | "no" | "0" | "off" => Value::Bool(false),
                _ => return Err(format!("{text:?} is not a bool (true/false)")),
            },
            ParamType::Int { .. } => Value::Int(
                text.parse()
                    .map_err(|_| format!("{text:?} is not a whole number"))?,
            ),
            ParamType::Float { .. } => Value::Float(
                text.parse()
                    .map_err(|_| format!("{text:?} is not a number"))?,
            ),
            ParamType::Text | ParamType::Path | ParamType::Choice(_) => {
                Value::Text(text.to_owned())
            }
        };
        self.check(&value)
    }
}

fn range_text<T: fmt::Display>(min: &Option<T>, max: &Option<T>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("[{a}, {b}]"),
        (Some(a), None) => format!("[{a}, ∞)"),
        (None, Some(b)) => format!("(-∞, {b}]"),
        (None, None) => "(any)".into(),
    }
}

/// A node parameter as stored in a flow: a literal or a reference to a flow parameter.
///
/// In RON a literal is written by its variant (`Float(0.2)`, `Text("x.csv")`) and a
/// reference as `Ref("test_fraction")`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "ParamRepr", into = "ParamRepr")]
pub enum ParamValue {
    /// A literal value.
    Lit(Value),
    /// The value of the named flow parameter.
    Ref(String),
}

/// The flat on-disk form of [`ParamValue`].
#[derive(Clone, Serialize, Deserialize)]
enum ParamRepr {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Ref(String),
}

impl From<ParamRepr> for ParamValue {
    fn from(r: ParamRepr) -> Self {
        match r {
            ParamRepr::Bool(b) => ParamValue::Lit(Value::Bool(b)),
            ParamRepr::Int(i) => ParamValue::Lit(Value::Int(i)),
            ParamRepr::Float(f) => ParamValue::Lit(Value::Float(f)),
            ParamRepr::Text(s) => ParamValue::Lit(Value::Text(s)),
            ParamRepr::Ref(s) => ParamValue::Ref(s),
        }
    }
}

impl From<ParamValue> for ParamRepr {
    fn from(p: ParamValue) -> Self {
        match p {
            ParamValue::Lit(Value::Bool(b)) => ParamRepr::Bool(b),
            ParamValue::Lit(Value::Int(i)) => ParamRepr::Int(i),
            ParamValue::Lit(Value::Float(f)) => ParamRepr::Float(f),
            ParamValue::Lit(Value::Text(s)) => ParamRepr::Text(s),
            ParamValue::Ref(s) => ParamRepr::Ref(s),
        }
    }
}

impl From<Value> for ParamValue {
    fn from(v: Value) -> Self {
        ParamValue::Lit(v)
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Lit(v) => v.fmt(f),
            ParamValue::Ref(name) => write!(f, "${name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_range_is_checked_and_ints_are_widened() {
        let ty = ParamType::Float {
            min: Some(0.0),
            max: Some(1.0),
        };
        assert_eq!(ty.check(&Value::Int(1)), Ok(Value::Float(1.0)));
        let err = ty.check(&Value::Float(1.5)).unwrap_err();
        assert!(err.contains("out of range [0, 1]"), "{err}");
        assert!(ty.check(&Value::Text("x".into())).is_err());
    }

    #[test]
    fn non_finite_numbers_are_refused_even_without_a_range() {
        let any = ParamType::Float {
            min: Some(0.0),
            max: None,
        };
        assert_eq!(any.parse("inf").unwrap_err(), "inf is not a finite number");
        assert_eq!(any.parse("NaN").unwrap_err(), "NaN is not a finite number");
        assert_eq!(
            any.check(&Value::Float(f64::NEG_INFINITY)).unwrap_err(),
            "-inf is not a finite number"
        );
        assert_eq!(any.parse("1e3"), Ok(Value::Float(1000.0)));
    }

    #[test]
    fn choice_lists_the_options() {
        let ty = ParamType::Choice(vec!["min".into(), "max".into()]);
        assert!(ty.parse("min").is_ok());
        assert_eq!(
            ty.parse("mean").unwrap_err(),
            "\"mean\" is not one of min, max"
        );
    }

    #[test]
    fn param_value_ron_form_is_flat() {
        let v = ParamValue::Lit(Value::Float(0.25));
        assert_eq!(ron::to_string(&v).unwrap(), "Float(0.25)");
        let r: ParamValue = ron::from_str("Ref(\"test_fraction\")").unwrap();
        assert_eq!(r, ParamValue::Ref("test_fraction".into()));
    }
}
