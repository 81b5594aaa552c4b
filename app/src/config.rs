//! ecert's own settings: the `[ecert]` table of Leptos.toml, each key
//! overridable by an `ECERT_<KEY>` environment variable (docs/configuration.md).

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database and, later, keys and files live.
    pub data_dir: PathBuf,
    /// `sqlite://…`; empty means `sqlite://<data_dir>/ecert.db`.
    pub database_url: String,
    /// The service terms holders must accept; a new version asks everyone again.
    pub terms_version: String,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in when a session ends however active it is.
    pub session_absolute_hours: i64,
    /// Send cookies with `Secure` (set when served over HTTPS).
    pub cookie_secure: bool,
    /// Load the demo holders and certificates into an empty database.
    pub seed_demo: bool,
    /// The address third parties use to reach this service; printed in
    /// every copy's QR code as `<public_base_url>/v/<endorsement number>`.
    pub public_base_url: String,
    /// The CJK font embedded in PDFs (a .ttf/.otf/.ttc file) and the face
    /// index inside a collection.
    pub font_path: PathBuf,
    pub font_index: u32,
    /// Seal keys and certificates; empty means `<data_dir>/keys`.
    pub keys_dir: PathBuf,
    /// 加注件制作者: the service named on every endorsed copy.
    pub made_by: String,
    /// Background PDF generators; 0 means one more than the CPU cores.
    pub generation_workers: usize,
    /// How long a worker's claim on a job holds: a job whose instance died
    /// is taken up by another this long after it was claimed.
    pub generation_lease_seconds: u64,
    /// Shown at the end of the help page.
    pub support_phone: String,
    pub support_hours: String,
    /// 证书查验 per client address: sustained checks per minute, and how
    /// many may come at once before that rate applies.
    pub verify_per_minute: u32,
    pub verify_burst: u32,
    /// Login attempts per username a minute (per address: six times that).
    pub login_per_minute: u32,
    /// Registrations per address a minute.
    pub registrations_per_minute: u32,
    /// Endorsement applications (and retries) per holder a minute.
    pub applications_per_minute: u32,
    /// Reverse proxies (CIDR, e.g. "127.0.0.1/32") whose X-Forwarded-For is
    /// believed for the client address; empty: the peer address is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Addresses (CIDR) that may read `/metrics`, connecting directly (a
    /// request that came through a proxy is refused).
    pub metrics_from: Vec<ipnet::IpNet>,
    /// A request not answered within this long gets 503 (docs/configuration.md).
    pub request_timeout_seconds: u64,
    /// A connection must send a request's whole head within this long.
    pub header_read_timeout_seconds: u64,
    /// Requests handled at once by this instance; more get 503 at once.
    pub max_concurrent_requests: usize,
    /// At SIGTERM/SIGINT: how long in-flight requests and copies being made
    /// may take before the process exits anyway.
    pub shutdown_grace_seconds: u64,
    /// 使用报名服务平台账号登录: the exam-registration platform's OpenID
    /// Provider (`[ecert.platform]`); off while `issuer` is empty.
    pub platform: PlatformSettings,
}

/// The exam-registration platform as an OpenID Provider (docs/accounts.md).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformSettings {
    /// The issuer URL; its `/.well-known/openid-configuration` is read.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes asked for besides `openid` (those releasing the claims below).
    pub scopes: Vec<String>,
    /// The claims (ID token or userinfo) carrying the ID type, the ID
    /// number and the name. An empty `id_type_claim`: every ID number is
    /// a resident ID (居民身份证).
    pub id_type_claim: String,
    pub id_number_claim: String,
    pub name_claim: String,
    /// How long a sign-in started here may take at the platform.
    pub login_timeout_seconds: i64,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        PlatformSettings {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            scopes: vec!["profile".into()],
            id_type_claim: "id_type".into(),
            id_number_claim: "id_number".into(),
            name_claim: "name".into(),
            login_timeout_seconds: 600,
        }
    }
}

impl PlatformSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer.is_empty()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            terms_version: crate::terms::CURRENT.to_string(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            cookie_secure: false,
            seed_demo: false,
            public_base_url: "http://127.0.0.1:3000".to_string(),
            font_path: PathBuf::from(crate::document::DEFAULT_FONT_PATH),
            font_index: crate::document::DEFAULT_FONT_INDEX,
            keys_dir: PathBuf::new(),
            made_by: "专业技术人员职业资格电子证书服务平台".to_string(),
            generation_workers: 0,
            generation_lease_seconds: 60,
            support_phone: "400-000-0000".to_string(),
            support_hours: "工作日 8:30–17:00 / Weekdays 8:30–17:00".to_string(),
            verify_per_minute: 30,
            verify_burst: 20,
            login_per_minute: 5,
            registrations_per_minute: 5,
            applications_per_minute: 10,
            trusted_proxies: Vec::new(),
            metrics_from: ["127.0.0.0/8", "::1/128"].iter().map(|n| n.parse().expect("a valid CIDR")).collect(),
            request_timeout_seconds: 60,
            header_read_timeout_seconds: 10,
            max_concurrent_requests: 512,
            shutdown_grace_seconds: 20,
            platform: PlatformSettings::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {name}={value:?}: {message}")]
    Env { name: String, value: String, message: String },
    #[error("terms_version {0:?} has no text in app/terms/")]
    UnknownTerms(String),
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Reads `[ecert]` from the file (absent table: defaults), then the environment.
    pub fn load(path: &Path) -> Result<Settings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.into(), source })?;
        Settings::from_toml_and_env(&text, |name| std::env::var(name).ok()).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse { path: path.into(), message },
            other => other,
        })
    }

    pub fn from_toml_and_env(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let parse_err = |message: String| ConfigError::Parse { path: PathBuf::new(), message };
        let table: toml::Table = toml::from_str(text).map_err(|e| parse_err(e.to_string()))?;
        let mut s: Settings = match table.get("ecert") {
            Some(value) => value.clone().try_into().map_err(|e: toml::de::Error| parse_err(e.to_string()))?,
            None => Settings::default(),
        };
        fn parsed<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env { name: name.into(), value, message: e.to_string() })
        }
        if let Some(v) = env("ECERT_DATA_DIR") {
            s.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("ECERT_DATABASE_URL") {
            s.database_url = v;
        }
        if let Some(v) = env("ECERT_TERMS_VERSION") {
            s.terms_version = v;
        }
        if let Some(v) = env("ECERT_SESSION_IDLE_MINUTES") {
            s.session_idle_minutes = parsed("ECERT_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = env("ECERT_SESSION_ABSOLUTE_HOURS") {
            s.session_absolute_hours = parsed("ECERT_SESSION_ABSOLUTE_HOURS", v)?;
        }
        if let Some(v) = env("ECERT_COOKIE_SECURE") {
            s.cookie_secure = parsed("ECERT_COOKIE_SECURE", v)?;
        }
        if let Some(v) = env("ECERT_SEED_DEMO") {
            s.seed_demo = parsed("ECERT_SEED_DEMO", v)?;
        }
        if let Some(v) = env("ECERT_PUBLIC_BASE_URL") {
            s.public_base_url = v;
        }
        if let Some(v) = env("ECERT_FONT_PATH") {
            s.font_path = PathBuf::from(v);
        }
        if let Some(v) = env("ECERT_FONT_INDEX") {
            s.font_index = parsed("ECERT_FONT_INDEX", v)?;
        }
        if let Some(v) = env("ECERT_KEYS_DIR") {
            s.keys_dir = PathBuf::from(v);
        }
        if let Some(v) = env("ECERT_MADE_BY") {
            s.made_by = v;
        }
        if let Some(v) = env("ECERT_GENERATION_WORKERS") {
            s.generation_workers = parsed("ECERT_GENERATION_WORKERS", v)?;
        }
        if let Some(v) = env("ECERT_GENERATION_LEASE_SECONDS") {
            s.generation_lease_seconds = parsed("ECERT_GENERATION_LEASE_SECONDS", v)?;
        }
        if let Some(v) = env("ECERT_SUPPORT_PHONE") {
            s.support_phone = v;
        }
        if let Some(v) = env("ECERT_SUPPORT_HOURS") {
            s.support_hours = v;
        }
        if let Some(v) = env("ECERT_VERIFY_PER_MINUTE") {
            s.verify_per_minute = parsed("ECERT_VERIFY_PER_MINUTE", v)?;
        }
        if let Some(v) = env("ECERT_VERIFY_BURST") {
            s.verify_burst = parsed("ECERT_VERIFY_BURST", v)?;
        }
        if let Some(v) = env("ECERT_LOGIN_PER_MINUTE") {
            s.login_per_minute = parsed("ECERT_LOGIN_PER_MINUTE", v)?;
        }
        if let Some(v) = env("ECERT_REGISTRATIONS_PER_MINUTE") {
            s.registrations_per_minute = parsed("ECERT_REGISTRATIONS_PER_MINUTE", v)?;
        }
        if let Some(v) = env("ECERT_APPLICATIONS_PER_MINUTE") {
            s.applications_per_minute = parsed("ECERT_APPLICATIONS_PER_MINUTE", v)?;
        }
        fn networks(name: &str, v: String) -> Result<Vec<ipnet::IpNet>, ConfigError> {
            v.split(',').map(str::trim).filter(|n| !n.is_empty()).map(|n| parsed(name, n.to_string())).collect()
        }
        if let Some(v) = env("ECERT_TRUSTED_PROXIES") {
            s.trusted_proxies = networks("ECERT_TRUSTED_PROXIES", v)?;
        }
        if let Some(v) = env("ECERT_METRICS_FROM") {
            s.metrics_from = networks("ECERT_METRICS_FROM", v)?;
        }
        if let Some(v) = env("ECERT_REQUEST_TIMEOUT_SECONDS") {
            s.request_timeout_seconds = parsed("ECERT_REQUEST_TIMEOUT_SECONDS", v)?;
        }
        if let Some(v) = env("ECERT_HEADER_READ_TIMEOUT_SECONDS") {
            s.header_read_timeout_seconds = parsed("ECERT_HEADER_READ_TIMEOUT_SECONDS", v)?;
        }
        if let Some(v) = env("ECERT_MAX_CONCURRENT_REQUESTS") {
            s.max_concurrent_requests = parsed("ECERT_MAX_CONCURRENT_REQUESTS", v)?;
        }
        if let Some(v) = env("ECERT_SHUTDOWN_GRACE_SECONDS") {
            s.shutdown_grace_seconds = parsed("ECERT_SHUTDOWN_GRACE_SECONDS", v)?;
        }
        let platform = &mut s.platform;
        for (name, field) in [
            ("ECERT_PLATFORM_ISSUER", &mut platform.issuer),
            ("ECERT_PLATFORM_CLIENT_ID", &mut platform.client_id),
            ("ECERT_PLATFORM_CLIENT_SECRET", &mut platform.client_secret),
            ("ECERT_PLATFORM_ID_TYPE_CLAIM", &mut platform.id_type_claim),
            ("ECERT_PLATFORM_ID_NUMBER_CLAIM", &mut platform.id_number_claim),
            ("ECERT_PLATFORM_NAME_CLAIM", &mut platform.name_claim),
        ] {
            if let Some(v) = env(name) {
                *field = v;
            }
        }
        if let Some(v) = env("ECERT_PLATFORM_SCOPES") {
            platform.scopes = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        }
        if let Some(v) = env("ECERT_PLATFORM_LOGIN_TIMEOUT_SECONDS") {
            platform.login_timeout_seconds = parsed("ECERT_PLATFORM_LOGIN_TIMEOUT_SECONDS", v)?;
        }
        if platform.enabled() && (platform.client_id.is_empty() || platform.id_number_claim.is_empty()) {
            return Err(ConfigError::Invalid(
                "[ecert.platform]: an issuer needs a client_id and an id_number_claim".into(),
            ));
        }
        if s.verify_per_minute == 0 || s.verify_burst == 0 {
            return Err(ConfigError::Invalid("verify_per_minute and verify_burst must be at least 1".into()));
        }
        if s.request_timeout_seconds == 0 || s.header_read_timeout_seconds == 0 || s.max_concurrent_requests == 0 {
            return Err(ConfigError::Invalid(
                "request_timeout_seconds, header_read_timeout_seconds and max_concurrent_requests must be at least 1"
                    .into(),
            ));
        }
        s.public_base_url = s.public_base_url.trim_end_matches('/').to_string();
        if s.keys_dir.as_os_str().is_empty() {
            s.keys_dir = s.data_dir.join("keys");
        }
        if s.database_url.is_empty() {
            s.database_url = format!("sqlite://{}", s.data_dir.join("ecert.db").display());
        }
        if crate::terms::text(&s.terms_version).is_none() {
            return Err(ConfigError::UnknownTerms(s.terms_version));
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let text = "[ecert]\ndata_dir = \"/srv/ecert\"\nseed_demo = true\n\n[package.metadata.leptos]\noutput-name = \"ecert\"\n";
        let s = Settings::from_toml_and_env(text, |_| None).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/ecert"));
        assert_eq!(s.database_url, "sqlite:///srv/ecert/ecert.db");
        assert!(s.seed_demo);
        assert_eq!(s.session_idle_minutes, 30);
        assert_eq!(s.keys_dir, PathBuf::from("/srv/ecert/keys"));

        let env = |name: &str| match name {
            "ECERT_SEED_DEMO" => Some("false".to_string()),
            "ECERT_DATABASE_URL" => Some("sqlite://other.db".to_string()),
            _ => None,
        };
        let s = Settings::from_toml_and_env(text, env).unwrap();
        assert!(!s.seed_demo);
        assert!(s.trusted_proxies.is_empty());
        let proxies = |n: &str| (n == "ECERT_TRUSTED_PROXIES").then(|| "127.0.0.1/32, 10.0.0.0/8".to_string());
        assert_eq!(Settings::from_toml_and_env(text, proxies).unwrap().trusted_proxies.len(), 2);
        let listed = Settings::from_toml_and_env("[ecert]\ntrusted_proxies = [\"::1/128\"]\n", |_| None).unwrap();
        assert_eq!(listed.trusted_proxies, vec!["::1/128".parse::<ipnet::IpNet>().unwrap()]);
        assert_eq!(s.database_url, "sqlite://other.db");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::from_toml_and_env("", |n| (n == "ECERT_COOKIE_SECURE").then(|| "yes".into())).unwrap_err();
        assert!(err.to_string().contains("ECERT_COOKIE_SECURE"), "{err}");
        let err =
            Settings::from_toml_and_env("", |n| (n == "ECERT_TRUSTED_PROXIES").then(|| "10.0.0.1".into())).unwrap_err();
        assert!(err.to_string().contains("ECERT_TRUSTED_PROXIES"), "a proxy needs its prefix length: {err}");
        let err = Settings::from_toml_and_env("[ecert]\ncolour = 1\n", |_| None).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        let err = Settings::from_toml_and_env("[ecert]\nterms_version = \"1999\"\n", |_| None).unwrap_err();
        assert!(matches!(err, ConfigError::UnknownTerms(_)));
        for (name, value) in
            [("ECERT_METRICS_FROM", "127.0.0.1/32, 10.0.0.9"), ("ECERT_GENERATION_LEASE_SECONDS", "soon")]
        {
            let err = Settings::from_toml_and_env("", |n| (n == name).then(|| value.into())).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
        let metrics = |n: &str| (n == "ECERT_METRICS_FROM").then(|| "10.0.0.0/8, ::1/128".to_string());
        assert_eq!(Settings::from_toml_and_env("", metrics).unwrap().metrics_from.len(), 2);
    }
}
