//! The creator's preferences, and the settings in effect: which service address, library
//! folder and spending cap the engine runs with, and where each one came from (the
//! environment wins over the settings file, which wins over the default). The app and the
//! CLI both resolve through here, so they always agree on where the service and the
//! videos are.
//!
//! Owns `settings.json` in the data folder: reading it (an unreadable file is moved aside,
//! or repaired field by field, and the creator is told), checking new preferences before
//! they are saved, and saving them atomically. It does not start engines or touch the key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::{check_base_url, ClientConfig, BASE_URL_ENV, DEFAULT_BASE_URL, REAL_BASE_URL_ENV};
use crate::engine::SpendingCap;
use crate::files;
use crate::paths::LIBRARY_DIR_ENV;

/// The preferences file inside the data folder.
pub const SETTINGS_FILE: &str = "settings.json";
/// The key the preferences live under in that file (other keys are kept as they are).
const PREFERENCES_KEY: &str = "preferences";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Dark,
    Light,
}

/// Preferences as stored and as the settings view edits them. Every field has a default,
/// so a file written by an older build reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Preferences {
    /// `null`: the documented production URL.
    pub base_url: Option<String>,
    /// `null`: `~/Videos/Seedance Studio`.
    pub library_dir: Option<String>,
    pub daily_cap_credits: Option<f64>,
    pub monthly_cap_credits: Option<f64>,
    /// Notify when a task finishes or fails while the window is not focused.
    pub notifications: bool,
    pub theme: Theme,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            base_url: None,
            library_dir: None,
            daily_cap_credits: None,
            monthly_cap_credits: None,
            notifications: true,
            theme: Theme::System,
        }
    }
}

/// A preference that cannot be saved; `field` names it for the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SettingsError {
    pub field: &'static str,
    pub message: String,
}

impl Preferences {
    /// These preferences made ready to save, or the first field that cannot be: a base URL
    /// must be https (http only to this computer), caps 0 or more, the library folder a
    /// full path. Blank text means "use the default".
    pub fn checked(mut self) -> Result<Preferences, SettingsError> {
        self.base_url = match self.base_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                check_base_url(raw)
                    .map_err(|e| SettingsError {
                        field: "base_url",
                        message: e.to_string(),
                    })?
                    .to_string(),
            ),
        };
        for (field, cap) in [
            ("daily_cap_credits", self.daily_cap_credits),
            ("monthly_cap_credits", self.monthly_cap_credits),
        ] {
            if cap.is_some_and(|c| !c.is_finite() || c < 0.0) {
                return Err(SettingsError {
                    field,
                    message: "A spending cap must be a number of credits, 0 or more.".into(),
                });
            }
        }
        self.library_dir = self.library_dir.filter(|d| !d.trim().is_empty());
        if self
            .library_dir
            .as_deref()
            .is_some_and(|d| !Path::new(d).is_absolute())
        {
            return Err(SettingsError {
                field: "library_dir",
                message: "Choose the library folder with its full path.".into(),
            });
        }
        Ok(self)
    }

    /// The spending cap these preferences ask for, if any.
    pub fn spending_cap(&self) -> Option<SpendingCap> {
        (self.daily_cap_credits.is_some() || self.monthly_cap_credits.is_some()).then_some(
            SpendingCap {
                daily_credits: self.daily_cap_credits,
                monthly_credits: self.monthly_cap_credits,
            },
        )
    }
}

/// What reading the settings file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub preferences: Preferences,
    /// Something the creator should be told (the file was moved aside or repaired).
    pub notice: Option<String>,
}

/// Reads the preferences in `data_dir`. A missing file gives the defaults. A file that is
/// not readable JSON is moved aside (`settings.json.corrupt-<seconds>`) and the defaults
/// are used; preferences with some unreadable fields keep every field that reads on its
/// own (the original is moved aside and the repaired file written in its place).
pub fn load(data_dir: &Path) -> Loaded {
    let path = data_dir.join(SETTINGS_FILE);
    let Ok(bytes) = std::fs::read(&path) else {
        return Loaded {
            preferences: Preferences::default(),
            notice: None,
        };
    };
    let file: Option<Map<String, Value>> = serde_json::from_slice(&bytes).ok();
    let (repaired_file, why) = match file {
        None => (None, "it is not readable".to_owned()),
        Some(map) => match map.get(PREFERENCES_KEY) {
            None => {
                return Loaded {
                    preferences: Preferences::default(),
                    notice: None,
                }
            }
            Some(stored) => match serde_json::from_value::<Preferences>(stored.clone()) {
                Ok(preferences) => {
                    return Loaded {
                        preferences,
                        notice: None,
                    }
                }
                Err(_) => {
                    let (repaired, dropped) = readable_fields(stored);
                    let mut map = map.clone();
                    map.insert(PREFERENCES_KEY.to_owned(), repaired);
                    (
                        Some(map),
                        format!("these could not be read: {}", dropped.join(", ")),
                    )
                }
            },
        },
    };
    let aside = match files::move_aside(&path) {
        Ok(aside) => aside,
        Err(error) => {
            tracing::warn!(%error, "the unreadable settings file could not be moved aside");
            return Loaded {
                preferences: Preferences::default(),
                notice: Some(format!(
                    "Your settings could not be read ({why}) and the file could not be moved \
                     aside ({error}); the defaults are used for now."
                )),
            };
        }
    };
    let mut preferences = Preferences::default();
    if let Some(map) = repaired_file {
        if let Some(p) = map
            .get(PREFERENCES_KEY)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
        {
            preferences = p;
        }
        let text = serde_json::to_vec_pretty(&Value::Object(map)).unwrap_or_default();
        if let Err(error) = files::write_atomically(&path, &text) {
            tracing::warn!(%error, "the repaired settings could not be written");
        }
    }
    Loaded {
        preferences,
        notice: Some(format!(
            "Some of your settings could not be read ({why}). The file was kept as {} and \
             the defaults are used for what was lost; check them in Settings.",
            aside.display()
        )),
    }
}

/// Saves `preferences` in `data_dir`, keeping any other keys the file holds.
pub fn save(data_dir: &Path, preferences: &Preferences) -> std::io::Result<()> {
    let path = data_dir.join(SETTINGS_FILE);
    let mut map: Map<String, Value> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let value = serde_json::to_value(preferences).map_err(std::io::Error::other)?;
    map.insert(PREFERENCES_KEY.to_owned(), value);
    let text = serde_json::to_vec_pretty(&Value::Object(map)).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(data_dir)?;
    files::write_atomically(&path, &text)
}

/// The stored preferences with every field that reads on its own, and the names of the
/// fields that do not.
fn readable_fields(stored: &Value) -> (Value, Vec<String>) {
    let mut repaired = serde_json::to_value(Preferences::default()).unwrap_or_default();
    let mut dropped = Vec::new();
    if let (Some(fields), Some(target)) = (stored.as_object(), repaired.as_object_mut()) {
        for (name, value) in fields {
            let mut candidate = target.clone();
            candidate.insert(name.clone(), value.clone());
            if serde_json::from_value::<Preferences>(Value::Object(candidate)).is_ok() {
                target.insert(name.clone(), value.clone());
            } else {
                dropped.push(name.clone());
            }
        }
    } else {
        dropped.push("all of them".to_owned());
    }
    (repaired, dropped)
}

/// Where a value in effect came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An environment variable (`SEEDANCE_API_BASE`, `SEEDANCE_LIBRARY_DIR`): wins.
    Env,
    /// The settings file.
    Setting,
    Default,
}

/// The settings in effect: what the engine actually runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub client_config: ClientConfig,
    pub base_url_source: Source,
    pub library_dir: PathBuf,
    pub library_dir_source: Source,
    pub spending_cap: Option<SpendingCap>,
}

fn non_blank_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Effective {
    /// Resolves `preferences` against the environment. `default_library` is used when
    /// neither names a library folder. An unusable stored address falls back to the
    /// default (saving refuses one, so only a hand-edited file has it).
    pub fn resolve(preferences: &Preferences, default_library: &Path) -> Effective {
        Effective::resolve_with(
            preferences,
            default_library,
            non_blank_env(BASE_URL_ENV).as_deref(),
            non_blank_env(LIBRARY_DIR_ENV).as_deref(),
        )
    }

    /// What is in effect once the creator has left the demo for their own key: as
    /// [`Effective::resolve`], but `SEEDANCE_API_BASE` (the demo's fake service) gives way
    /// to `SEEDANCE_REAL_API_BASE`, else the stored address, else the documented service.
    pub fn resolve_leaving_demo(preferences: &Preferences, default_library: &Path) -> Effective {
        Effective::resolve_with(
            preferences,
            default_library,
            non_blank_env(REAL_BASE_URL_ENV).as_deref(),
            non_blank_env(LIBRARY_DIR_ENV).as_deref(),
        )
    }

    /// [`Effective::resolve`] with the environment passed in (tests).
    pub fn resolve_with(
        preferences: &Preferences,
        default_library: &Path,
        env_base_url: Option<&str>,
        env_library_dir: Option<&str>,
    ) -> Effective {
        let stored = preferences
            .base_url
            .as_deref()
            .filter(|v| !v.trim().is_empty());
        let (client_config, base_url_source) = match ClientConfig::resolve(env_base_url, stored) {
            Ok(config) => {
                let source = if env_base_url.is_some() {
                    Source::Env
                } else if stored.is_some() {
                    Source::Setting
                } else {
                    Source::Default
                };
                (config, source)
            }
            Err(error) => {
                tracing::warn!(%error, "unusable API address, using the default instead");
                let config = ClientConfig::new(DEFAULT_BASE_URL)
                    .unwrap_or_else(|_| unreachable!("the documented base URL is valid"));
                (config, Source::Default)
            }
        };
        let stored_library = preferences
            .library_dir
            .as_deref()
            .filter(|d| !d.trim().is_empty());
        let (library_dir, library_dir_source) = match (env_library_dir, stored_library) {
            (Some(dir), _) => (PathBuf::from(dir), Source::Env),
            (None, Some(dir)) => (PathBuf::from(dir), Source::Setting),
            (None, None) => (default_library.to_path_buf(), Source::Default),
        };
        Effective {
            client_config,
            base_url_source,
            library_dir,
            library_dir_source,
            spending_cap: preferences.spending_cap(),
        }
    }

    /// The API is on this computer (the fake service, the demo).
    pub fn base_url_is_loopback(&self) -> bool {
        self.client_config.base_url.scheme() == "http"
    }

    /// Whether a change from `self` to `next` needs a new engine.
    pub fn engine_differs(&self, next: &Effective) -> bool {
        self.client_config != next.client_config
            || self.library_dir != next.library_dir
            || self.spending_cap != next.spending_cap
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_missing_or_readable_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).notice, None);
        let good =
            serde_json::json!({ "preferences": { "theme": "dark", "notifications": false } });
        std::fs::write(dir.path().join(SETTINGS_FILE), good.to_string()).unwrap();
        let loaded = load(dir.path());
        assert_eq!(loaded.notice, None);
        assert_eq!(loaded.preferences.theme, Theme::Dark);
        assert!(!loaded.preferences.notifications);
        assert_eq!(files_in(dir.path()), vec![SETTINGS_FILE.to_owned()]);
    }

    #[test]
    fn an_unreadable_file_is_moved_aside_untouched_and_said() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = b"{\"preferences\": {\"theme\": \"da\x00\xff";
        std::fs::write(dir.path().join(SETTINGS_FILE), garbage).unwrap();
        let loaded = load(dir.path());
        let message = loaded.notice.expect("a notice");
        assert!(message.contains("could not be read"), "{message}");
        assert_eq!(loaded.preferences, Preferences::default());
        let names = files_in(dir.path());
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("settings.json.corrupt-"), "{names:?}");
        assert!(message.contains(&names[0]), "{message}");
        assert_eq!(std::fs::read(dir.path().join(&names[0])).unwrap(), garbage);
    }

    #[test]
    fn readable_fields_are_kept_and_the_bad_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let stored = serde_json::json!({
            "other": 1,
            "preferences": { "theme": "light", "daily_cap_credits": "lots", "library_dir": "/videos" }
        });
        std::fs::write(dir.path().join(SETTINGS_FILE), stored.to_string()).unwrap();
        let loaded = load(dir.path());
        let message = loaded.notice.expect("a notice");
        assert!(message.contains("daily_cap_credits"), "{message}");
        assert!(!message.contains("theme"), "{message}");
        assert_eq!(loaded.preferences.library_dir.as_deref(), Some("/videos"));
        assert_eq!(loaded.preferences.daily_cap_credits, None);
        assert_eq!(loaded.preferences.theme, Theme::Light);
        let repaired: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(SETTINGS_FILE)).unwrap())
                .unwrap();
        assert_eq!(repaired["other"], 1);
        assert_eq!(files_in(dir.path()).len(), 2);
        // Read again: nothing left to repair.
        assert_eq!(load(dir.path()).notice, None);
    }

    #[test]
    fn saving_keeps_other_keys_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), r#"{"window":{"w":3}}"#).unwrap();
        let prefs = Preferences {
            daily_cap_credits: Some(500.0),
            ..Preferences::default()
        };
        save(dir.path(), &prefs).unwrap();
        assert_eq!(load(dir.path()).preferences, prefs);
        let file: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(SETTINGS_FILE)).unwrap())
                .unwrap();
        assert_eq!(file["window"]["w"], 3);
    }

    #[test]
    fn the_environment_wins_over_the_file_which_wins_over_the_default() {
        let library = Path::new("/default/library");
        let prefs = Preferences {
            base_url: Some("https://kinovi.ai/api/v1".into()),
            library_dir: Some("/chosen".into()),
            ..Preferences::default()
        };
        let from_file = Effective::resolve_with(&prefs, library, None, None);
        assert_eq!(from_file.base_url_source, Source::Setting);
        assert_eq!(
            from_file.client_config.base_url.as_str(),
            "https://kinovi.ai/api/v1"
        );
        assert_eq!(from_file.library_dir, Path::new("/chosen"));
        assert_eq!(from_file.library_dir_source, Source::Setting);
        let from_env = Effective::resolve_with(
            &prefs,
            library,
            Some("http://127.0.0.1:9/api/v1"),
            Some("/env/library"),
        );
        assert_eq!(from_env.base_url_source, Source::Env);
        assert!(from_env.base_url_is_loopback());
        assert_eq!(from_env.library_dir_source, Source::Env);
        assert!(from_file.engine_differs(&from_env));
        let defaults = Effective::resolve_with(&Preferences::default(), library, None, None);
        assert_eq!(defaults.base_url_source, Source::Default);
        assert_eq!(defaults.client_config.base_url.as_str(), DEFAULT_BASE_URL);
        assert_eq!(defaults.library_dir, library);
        assert_eq!(defaults.spending_cap, None);
    }

    #[test]
    fn preferences_are_checked_field_by_field_before_saving() {
        let bad_url = Preferences {
            base_url: Some("http://example.com/api".into()),
            ..Preferences::default()
        };
        assert_eq!(bad_url.checked().unwrap_err().field, "base_url");
        let bad_cap = Preferences {
            monthly_cap_credits: Some(-1.0),
            ..Preferences::default()
        };
        assert_eq!(bad_cap.checked().unwrap_err().field, "monthly_cap_credits");
        let relative = Preferences {
            library_dir: Some("videos".into()),
            ..Preferences::default()
        };
        assert_eq!(relative.checked().unwrap_err().field, "library_dir");
        let blank = Preferences {
            base_url: Some("  ".into()),
            library_dir: Some(" ".into()),
            ..Preferences::default()
        };
        let checked = blank.checked().unwrap();
        assert_eq!(checked.base_url, None);
        assert_eq!(checked.library_dir, None);
    }
}
