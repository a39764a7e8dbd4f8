//! Name resolution, once per host name for the life of a `Fetcher`, shared by the address
//! policy and by reqwest's connector: the addresses the policy approved are the addresses
//! the connection goes to.
//!
//! Why pinned: if the policy looked a name up and reqwest looked it up again to connect, a
//! hostile DNS server could answer a public address to the first query and 10.0.0.1 to the
//! second ("DNS rebinding"). Here the first successful answer is kept for the whole run (a
//! run is minutes to hours; county sites do not move meanwhile), so both see one answer.
//! A failed lookup is not kept: the next attempt asks again.
//!
//! `FetchConfig::resolve` entries are answered from the configuration and never looked up.
//! IP-literal hosts never reach a resolver at all (reqwest connects to them directly), so the
//! fetcher checks those itself.
//!
//! The reqwest side ([`Pinned`] as a `reqwest::dns::Resolve`) does not check the policy: it
//! does not know which source a connection is for. Every request URL's host has been looked
//! up and checked by the fetcher before the request is sent, so reqwest finds the checked
//! answer here; the only names it can ask for that the fetcher did not are those of an HTTP
//! proxy set in the environment, which the operator chose.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The answers of one `Fetcher`. Cheap to clone (an `Arc` inside).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pinned {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// `FetchConfig::resolve`, by lower-case name.
    fixed: HashMap<String, Arc<[IpAddr]>>,
    /// What DNS answered, by lower-case name.
    answers: Mutex<HashMap<String, Answer>>,
}

/// One name's answer, filled by the first lookup that succeeds.
type Answer = Arc<OnceCell<Arc<[IpAddr]>>>;

impl Pinned {
    /// Answers `fixed` names from the configuration (the ports there are not used: the URL's
    /// port is).
    pub(crate) fn new(fixed: &[(String, SocketAddr)]) -> Pinned {
        let mut by_name: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for (name, addr) in fixed {
            let ips = by_name.entry(normalize(name)).or_default();
            if !ips.contains(&addr.ip()) {
                ips.push(addr.ip());
            }
        }
        Pinned {
            inner: Arc::new(Inner {
                fixed: by_name
                    .into_iter()
                    .map(|(name, ips)| (name, Arc::from(ips)))
                    .collect(),
                answers: Mutex::default(),
            }),
        }
    }

    /// The addresses of `name`: the configured ones, the kept answer, or a new lookup.
    /// The error is the resolver's reason.
    pub(crate) async fn lookup(&self, name: &str) -> Result<Arc<[IpAddr]>, String> {
        let name = normalize(name);
        if let Some(ips) = self.inner.fixed.get(&name) {
            return Ok(ips.clone());
        }
        let cell = {
            let mut answers = self.inner.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers.entry(name.clone()).or_default().clone()
        };
        cell.get_or_try_init(|| system_lookup(&name)).await.cloned()
    }
}

/// Host names compare without case and without a trailing dot.
fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The system resolver (getaddrinfo on tokio's blocking pool), as reqwest's default is.
async fn system_lookup(name: &str) -> Result<Arc<[IpAddr]>, String> {
    let found = tokio::net::lookup_host((name, 0))
        .await
        .map_err(|e| format!("dns error: {e}"))?;
    let mut ips: Vec<IpAddr> = Vec::new();
    for addr in found {
        if !ips.contains(&addr.ip()) {
            ips.push(addr.ip());
        }
    }
    if ips.is_empty() {
        return Err(format!("dns error: no address for {name}"));
    }
    Ok(Arc::from(ips))
}

impl reqwest::dns::Resolve for Pinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        let name = name.as_str().to_string();
        Box::pin(async move {
            let ips = this.lookup(&name).await?;
            // Port 0: hyper puts the URL's port (or the scheme's) in its place.
            let addrs: Vec<SocketAddr> = ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn configured_names_are_answered_without_a_lookup_case_and_dot_ignored() {
        let pinned = Pinned::new(&[
            ("County.Test".into(), "127.0.0.2:8080".parse().unwrap()),
            ("county.test".into(), "127.0.0.3:1".parse().unwrap()),
        ]);
        let ips = pinned.lookup("county.test.").await.unwrap();
        assert_eq!(
            ips.to_vec(),
            vec![
                "127.0.0.2".parse::<IpAddr>().unwrap(),
                "127.0.0.3".parse().unwrap()
            ]
        );
    }

    #[tokio::test]
    async fn an_ip_literal_name_resolves_to_itself_through_the_system() {
        // getaddrinfo parses numeric hosts without asking any DNS server.
        let pinned = Pinned::default();
        let ips = pinned.lookup("127.0.0.9").await.unwrap();
        assert_eq!(ips.to_vec(), vec!["127.0.0.9".parse::<IpAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn the_first_answer_is_kept_and_handed_to_every_later_asker() {
        // The same allocation, not a second lookup: what the policy checked is what reqwest
        // connects to.
        let pinned = Pinned::default();
        let first = pinned.lookup("127.0.0.9").await.unwrap();
        let again = pinned.clone().lookup("127.0.0.9.").await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
    }
}
