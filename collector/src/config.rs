//! Typed configuration: built-in defaults, then a TOML file, then environment
//! variables, then command-line options, each overriding the one before.
//!
//! Every key of the TOML file has an environment variable named
//! `SMILE_COLLECTOR_` followed by the key in upper case, for example
//! `database_url` and `SMILE_COLLECTOR_DATABASE_URL`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

/// Prefix of every environment variable the collector reads.
pub const ENV_PREFIX: &str = "SMILE_COLLECTOR_";

/// Failure to load or validate the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("invalid configuration file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },

    #[error("invalid environment variable {name}={value:?}: expected {expected}")]
    Environment {
        name: String,
        value: String,
        expected: &'static str,
    },

    #[error("invalid {key} {value}: {reason}")]
    Invalid {
        key: &'static str,
        value: String,
        reason: &'static str,
    },
}

/// Collector settings with their defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on. Default `127.0.0.1:8080`; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (created if missing) or `postgres://USER@HOST/DB`.
    /// Default `sqlite://smile-collector.sqlite3`, relative to the working directory.
    pub database_url: String,
    /// Folder served as static files (the kiosk page and its wasm package). Default `www`.
    pub www_dir: PathBuf,
    /// Origin that phones use to reach the collector, such as
    /// `https://smiles.example.org`, used in pairing links and QR codes. When unset,
    /// the origin is taken from the `Host` header of the kiosk's request.
    pub public_url: Option<String>,
    /// Origins of pages on other sites that embed the sensor and may call the
    /// station API (reports, employee status, pairing codes), such as
    /// `https://intranet.example.org`. Default none: only pages served by the
    /// collector itself may call it.
    pub allowed_origins: Vec<String>,
    /// Minimum number of distinct reporting stations behind every figure shown to
    /// the organisation (k of k-anonymity). Default 5.
    pub org_min_stations: u32,
    /// How far a report's bucket may start after the collector's clock, in seconds,
    /// to allow for clock skew between station and collector. Default 300.
    pub max_clock_skew_s: i64,
    /// Points an employee earns per employee smile. Default 1.
    pub employee_points_per_smile: u32,
    /// How long an employee's link to a station lasts unless ended earlier, in hours. Default 12.
    pub shift_hours: u32,
    /// How long a pairing code shown by a kiosk stays valid, in seconds. Default 600.
    pub pairing_code_ttl_s: i64,
    /// Charity cause given to new stations when none is named. Default "Charity".
    pub default_charity_cause: String,
    /// Donation per client smile for new stations, in grosz (0.01 PLN). Default 1.
    pub default_grosz_per_smile: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://smile-collector.sqlite3".to_owned(),
            www_dir: PathBuf::from("www"),
            public_url: None,
            allowed_origins: Vec::new(),
            org_min_stations: 5,
            max_clock_skew_s: 300,
            employee_points_per_smile: 1,
            shift_hours: 12,
            pairing_code_ttl_s: 600,
            default_charity_cause: "Charity".to_owned(),
            default_grosz_per_smile: 1,
        }
    }
}

impl Config {
    /// Loads the defaults, overridden by `file` when given, then by the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_environment(|name| std::env::var(name).ok())?;
        config.check()?;
        Ok(config)
    }

    /// Parses a TOML file; keys it leaves out keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })
    }

    /// Overrides settings from variables returned by `lookup`, which maps a variable
    /// name to its value (the process environment outside tests).
    pub fn apply_environment(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let lookup = |key: &str| lookup(&format!("{ENV_PREFIX}{}", key.to_uppercase()));

        if let Some(value) = lookup("database_url") {
            self.database_url = value;
        }
        if let Some(value) = lookup("www_dir") {
            self.www_dir = PathBuf::from(value);
        }
        if let Some(value) = lookup("public_url") {
            self.public_url = Some(value);
        }
        if let Some(value) = lookup("allowed_origins") {
            self.allowed_origins = value
                .split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(value) = lookup("default_charity_cause") {
            self.default_charity_cause = value;
        }

        let address = "an address such as 127.0.0.1:8080";
        let whole = "a whole number";
        let seconds = "a whole number of seconds";
        override_parsed(&lookup, "listen", address, &mut self.listen)?;
        override_parsed(
            &lookup,
            "org_min_stations",
            whole,
            &mut self.org_min_stations,
        )?;
        override_parsed(
            &lookup,
            "max_clock_skew_s",
            seconds,
            &mut self.max_clock_skew_s,
        )?;
        override_parsed(
            &lookup,
            "employee_points_per_smile",
            whole,
            &mut self.employee_points_per_smile,
        )?;
        override_parsed(
            &lookup,
            "shift_hours",
            "a whole number of hours",
            &mut self.shift_hours,
        )?;
        override_parsed(
            &lookup,
            "pairing_code_ttl_s",
            seconds,
            &mut self.pairing_code_ttl_s,
        )?;
        override_parsed(
            &lookup,
            "default_grosz_per_smile",
            "a whole number of grosz",
            &mut self.default_grosz_per_smile,
        )?;
        Ok(())
    }

    /// Rejects settings that would break a guarantee, such as k below 2.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.org_min_stations < 2 {
            return Err(ConfigError::Invalid {
                key: "org_min_stations",
                value: self.org_min_stations.to_string(),
                reason: "at least 2 stations must stand behind every organisation figure",
            });
        }
        if !(1..=24).contains(&self.shift_hours) {
            return Err(ConfigError::Invalid {
                key: "shift_hours",
                value: self.shift_hours.to_string(),
                reason: "expected 1 to 24 hours",
            });
        }
        for origin in &self.allowed_origins {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = host.is_some_and(|host| !host.is_empty() && !host.contains('/'))
                && axum::http::HeaderValue::from_str(origin).is_ok();
            if !valid {
                return Err(ConfigError::Invalid {
                    key: "allowed_origins",
                    value: origin.clone(),
                    reason: "expected an origin such as https://intranet.example.org, without a path or trailing slash",
                });
            }
        }
        if self.max_clock_skew_s < 0 || self.pairing_code_ttl_s <= 0 {
            return Err(ConfigError::Invalid {
                key: "max_clock_skew_s or pairing_code_ttl_s",
                value: format!("{} or {}", self.max_clock_skew_s, self.pairing_code_ttl_s),
                reason: "expected a positive number of seconds",
            });
        }
        Ok(())
    }
}

fn override_parsed<T: FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    key: &str,
    expected: &'static str,
    target: &mut T,
) -> Result<(), ConfigError> {
    if let Some(value) = lookup(key) {
        *target = value.parse().map_err(|_| ConfigError::Environment {
            name: format!("{ENV_PREFIX}{}", key.to_uppercase()),
            value,
            expected,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_keys_override_defaults() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("collector.toml");
        std::fs::write(&path, "org_min_stations = 7\nlisten = \"127.0.0.1:0\"\n").unwrap();

        let config = Config::from_file(&path).unwrap();

        assert_eq!(config.org_min_stations, 7);
        assert_eq!(config.listen.port(), 0);
        assert_eq!(config.database_url, Config::default().database_url);
    }

    #[test]
    fn example_file_lists_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("collector.example.toml");
        assert_eq!(Config::from_file(&path).unwrap(), Config::default());
    }

    #[test]
    fn unknown_file_key_is_rejected() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("collector.toml");
        std::fs::write(&path, "k = 3\n").unwrap();

        let message = Config::from_file(&path).unwrap_err().to_string();
        assert!(message.contains("unknown field `k`"), "{message}");
    }

    #[test]
    fn environment_overrides_file() {
        let mut config = Config::default();
        config
            .apply_environment(|name| match name {
                "SMILE_COLLECTOR_DATABASE_URL" => Some("postgres://127.0.0.1/smiles".to_owned()),
                "SMILE_COLLECTOR_ORG_MIN_STATIONS" => Some("9".to_owned()),
                _ => None,
            })
            .unwrap();

        assert_eq!(config.database_url, "postgres://127.0.0.1/smiles");
        assert_eq!(config.org_min_stations, 9);
    }

    #[test]
    fn malformed_environment_value_names_the_variable() {
        let mut config = Config::default();
        let error = config
            .apply_environment(|name| {
                (name == "SMILE_COLLECTOR_LISTEN").then(|| "localhost".to_owned())
            })
            .unwrap_err();

        assert!(
            error.to_string().contains("SMILE_COLLECTOR_LISTEN"),
            "{error}"
        );
    }

    #[test]
    fn allowed_origins_come_from_a_comma_separated_variable() {
        let mut config = Config::default();
        config
            .apply_environment(|name| {
                (name == "SMILE_COLLECTOR_ALLOWED_ORIGINS")
                    .then(|| "https://a.example, https://b.example".to_owned())
            })
            .unwrap();

        assert_eq!(
            config.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.check().is_ok());
    }

    #[test]
    fn origin_with_a_path_is_rejected() {
        let config = Config {
            allowed_origins: vec!["https://a.example/kiosk".to_owned()],
            ..Config::default()
        };
        assert!(config.check().is_err());
    }

    #[test]
    fn k_below_two_is_rejected() {
        let config = Config {
            org_min_stations: 1,
            ..Config::default()
        };
        assert!(config.check().is_err());
    }
}
