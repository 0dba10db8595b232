//! Reading the environment: [`Config::from_env`] (the defaults, then the file, then any
//! `LOCAL_AUTH_*` variable that is set).

use std::{env, path::PathBuf};

use super::{CONFIG_FILE_VARIABLE, Config, ConfigError, SETTINGS};

impl Config {
    /// The defaults, then `supabase/config.toml` (or the file `LOCAL_AUTH_CONFIG_FILE` names) when
    /// it exists, then any `LOCAL_AUTH_*` variable that is set.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_over(Self::default())
    }

    /// Like [`Config::from_env`], starting from `defaults` instead of [`Config::default`] (an app
    /// that embeds local-auth makes its own address the default site URL).
    pub fn from_env_over(defaults: Self) -> Result<Self, ConfigError> {
        let mut config = defaults;
        let (path, required) = match var(CONFIG_FILE_VARIABLE) {
            Some(path) => (PathBuf::from(path), true),
            None => (PathBuf::from("supabase/config.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => config.apply_file(&path.display().to_string(), &text)?,
            Err(error) if required || error.kind() != std::io::ErrorKind::NotFound => {
                return Err(ConfigError {
                    setting: path.display().to_string(),
                    problem: format!("cannot read: {error}"),
                });
            }
            Err(_) => {}
        }
        config.apply_env()?;
        Ok(config)
    }

    fn apply_env(&mut self) -> Result<(), ConfigError> {
        for setting in SETTINGS {
            let Some(variable) = setting.env else {
                continue;
            };
            if let Some(value) = var(variable) {
                (setting.set)(self, &value).map_err(|problem| ConfigError {
                    setting: variable.to_owned(),
                    problem: format!("cannot read `{value}`: {problem}"),
                })?;
            }
        }
        Ok(())
    }
}

fn var(variable: &'static str) -> Option<String> {
    env::var(variable).ok().filter(|value| !value.is_empty())
}
