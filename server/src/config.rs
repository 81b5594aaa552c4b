//! Runtime configuration: `Leptos.toml` (or the file named by
//! `ECERT_CONFIG`), with `LEPTOS_*` and `ECERT_*` environment overrides.

use std::path::{Path, PathBuf};

use app::config::Settings;
use leptos::config::LeptosOptions;

pub struct Config {
    pub leptos: LeptosOptions,
    pub settings: Settings,
}

pub fn config_path() -> PathBuf {
    std::env::var_os("ECERT_CONFIG").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("Leptos.toml"))
}

pub fn load(path: &Path) -> Result<Config, String> {
    let path_str = path.to_str().ok_or_else(|| format!("{}: not a UTF-8 path", path.display()))?;
    let leptos = leptos_config::get_configuration(Some(path_str))
        .map_err(|e| format!("{}: {e}", path.display()))?
        .leptos_options;
    let settings = Settings::load(path).map_err(|e| e.to_string())?;
    Ok(Config { leptos, settings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_config_loads() {
        let repo_config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Leptos.toml");
        let config = load(&repo_config).unwrap();
        assert_eq!(config.leptos.output_name.as_ref(), "ecert");
        assert_eq!(config.settings.terms_version, app::terms::CURRENT);
    }
}
