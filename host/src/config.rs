//! The configuration of a Roster server, and the checks that make it valid.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::hashing::Argon2Params;

/// Which build of the component to run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ComponentSource {
    /// The component built with this host and embedded in its binary.
    #[default]
    Embedded,
    /// A component file, for example another build of the guest.
    File(PathBuf),
}

/// Everything `roster serve` needs. Build one with [`ServeConfig::new`], adjust the public
/// fields, and the server checks it with [`ServeConfig::validate`] before starting.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Where the database (`roster.redb`) and the compilation cache (`cache/`) live.
    pub data_dir: PathBuf,
    /// The component to run.
    pub component: ComponentSource,
    /// How long one request may take, from its body being read to its response head.
    pub request_deadline: Duration,
    /// The most linear memory one instance of the component may grow to, in bytes.
    pub memory_cap: usize,
    /// The most instances alive at once; more requests wait for one to finish.
    pub max_instances: u32,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// argon2id cost parameters for password hashes.
    pub argon2: Argon2Params,
}

/// A setting with a value the server cannot run with.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{setting}`: {reason}")]
pub struct ConfigError {
    /// The setting's name, as in [`ServeConfig`].
    pub setting: &'static str,
    /// What is wrong with its value.
    pub reason: String,
}

impl ConfigError {
    fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        ConfigError { setting, reason: reason.into() }
    }
}

const MIB: usize = 1024 * 1024;

/// Bounds on the settings. The pooling allocator reserves address space for every instance
/// up front, so `max_instances` is what bounds the server's virtual memory.
const MAX_INSTANCES: u32 = 4096;
const MIN_MEMORY_CAP: usize = MIB;
const MAX_MEMORY_CAP: usize = 4096 * MIB;
const MAX_DEADLINE: Duration = Duration::from_secs(600);

impl ServeConfig {
    /// The defaults: embedded component, 10 s per request, 64 MiB per instance, 256
    /// instances, 1 MiB bodies, OWASP's argon2id parameters.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        ServeConfig {
            listen,
            data_dir: data_dir.into(),
            component: ComponentSource::Embedded,
            request_deadline: Duration::from_secs(10),
            memory_cap: 64 * MIB,
            max_instances: 256,
            max_body: MIB,
            argon2: Argon2Params::default(),
        }
    }

    /// Check every setting; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::new("data_dir", "must not be empty"));
        }
        if let ComponentSource::File(path) = &self.component
            && path.as_os_str().is_empty()
        {
            return Err(ConfigError::new("component", "the path must not be empty"));
        }
        if self.request_deadline.is_zero() || self.request_deadline > MAX_DEADLINE {
            return Err(ConfigError::new(
                "request_deadline",
                format!("{:?} is not between 1 ms and {MAX_DEADLINE:?}", self.request_deadline),
            ));
        }
        if !(MIN_MEMORY_CAP..=MAX_MEMORY_CAP).contains(&self.memory_cap) {
            return Err(ConfigError::new(
                "memory_cap",
                format!("{} bytes is not between 1 MiB and 4 GiB", self.memory_cap),
            ));
        }
        if !(1..=MAX_INSTANCES).contains(&self.max_instances) {
            return Err(ConfigError::new(
                "max_instances",
                format!("{} is not between 1 and {MAX_INSTANCES}", self.max_instances),
            ));
        }
        // The body is copied into the guest's memory, so it must fit well inside it.
        if self.max_body == 0 || self.max_body > self.memory_cap / 2 {
            return Err(ConfigError::new(
                "max_body",
                format!("{} bytes is not between 1 and half of memory_cap", self.max_body),
            ));
        }
        self.argon2.to_params().map_err(|e| ConfigError::new("argon2", e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ServeConfig {
        ServeConfig::new(([127, 0, 0, 1], 0).into(), "data")
    }

    #[test]
    fn defaults_are_valid() {
        config().validate().expect("defaults are valid");
    }

    #[test]
    fn zero_deadline_is_rejected_by_name() {
        let mut config = config();
        config.request_deadline = Duration::ZERO;
        let error = config.validate().expect_err("zero deadline");
        assert_eq!(error.setting, "request_deadline");
    }

    #[test]
    fn body_limit_larger_than_half_the_memory_cap_is_rejected_by_name() {
        let mut config = config();
        config.max_body = config.memory_cap;
        assert_eq!(config.validate().expect_err("body").setting, "max_body");
    }

    #[test]
    fn too_many_instances_are_rejected_by_name() {
        let mut config = config();
        config.max_instances = 0;
        assert_eq!(config.validate().expect_err("instances").setting, "max_instances");
    }

    #[test]
    fn invalid_argon2_parameters_are_rejected_by_name() {
        let mut config = config();
        config.argon2.iterations = 0;
        assert_eq!(config.validate().expect_err("argon2").setting, "argon2");
    }
}
