//! The port check that runs before any service starts.

use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener};

use crate::error::StartError;
use crate::spec::ServiceSpec;

/// Checks that no two services share a port and that every port is free on
/// 127.0.0.1, by binding it and releasing it at once.
///
/// NOTE: another process can still take a port between this check and the
/// service's own bind. The service then fails to start, and its output
/// shows the bind error.
///
/// # Errors
/// [`StartError::PortConflict`] or [`StartError::PortInUse`] for the first
/// port in start order that fails.
pub fn check_ports(specs: &[ServiceSpec]) -> Result<(), StartError> {
    let mut owners: HashMap<u16, &str> = HashMap::new();

    for spec in specs {
        let Some(binding) = &spec.port else {
            continue;
        };

        if let Some(first) = owners.insert(binding.port, &spec.name) {
            return Err(StartError::PortConflict {
                port: binding.port,
                first: first.to_owned(),
                second: spec.name.clone(),
                setting: binding.setting.clone(),
            });
        }

        if let Err(source) = TcpListener::bind((Ipv4Addr::LOCALHOST, binding.port)) {
            tracing::error!(service = %spec.name, port = binding.port, %source, "port is not free");
            return Err(StartError::PortInUse {
                service: spec.name.clone(),
                port: binding.port,
                setting: binding.setting.clone(),
                source,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        // Binding port 0 makes the kernel pick a free ephemeral port.
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
        listener.local_addr().expect("local address").port()
    }

    #[test]
    fn check_ports_free() {
        let specs = [
            ServiceSpec::new("a", "a").port(free_port(), "--a-port"),
            ServiceSpec::new("b", "b"),
        ];

        assert!(check_ports(&specs).is_ok());
    }

    #[test]
    fn check_ports_taken() {
        let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind port 0");
        let port = holder.local_addr().expect("local address").port();
        let specs = [ServiceSpec::new("hook", "hook").port(port, "--hook-port")];

        let error = check_ports(&specs).expect_err("port is held");
        let message = error.to_string();

        assert!(
            message.contains(&format!("port {port} of hook")),
            "{message}"
        );
        assert!(message.contains("--hook-port"), "{message}");
    }

    #[test]
    fn check_ports_duplicate() {
        let port = free_port();
        let specs = [
            ServiceSpec::new("a", "a").port(port, "--a-port"),
            ServiceSpec::new("b", "b").port(port, "--b-port"),
        ];

        let error = check_ports(&specs).expect_err("two services on one port");

        assert!(matches!(
            error,
            StartError::PortConflict { ref first, ref second, .. } if first == "a" && second == "b"
        ));
    }
}
