//! The error every configuration check returns.

/// A configuration value outside its valid range. The message names the field, the
/// value found and what is accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid {field} {value}: expected {expected}")]
pub struct ConfigError {
    /// Path of the field in the configuration, such as `smile.enter_threshold`.
    pub field: String,
    pub value: String,
    pub expected: String,
}

impl ConfigError {
    pub fn new(
        field: impl Into<String>,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

/// Rejects `value` unless it lies within `range` (both ends included).
pub(crate) fn check_range<T>(
    field: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), ConfigError>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            value,
            format!("a value from {} to {}", range.start(), range.end()),
        ))
    }
}
