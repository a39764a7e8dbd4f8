//! The network address policy: which addresses a request may be sent to.
//!
//! A hostile page or site can point a link, a redirect or robots.txt at an address that only
//! the machine running minsheng can reach: the cloud metadata service (169.254.169.254, also
//! written `2852039166` or `0xa9fea9fe`, which the `url` crate reads as the same IPv4
//! address), a router on 10.0.0.1, a database on localhost. Every address is put in an
//! [`AddressClass`]; a public address may always be reached, any other class only when the
//! source's own start URL (for `scrape`, the URL given) resolves into that same class, so
//! that a test site on 127.0.0.1 may still redirect to 127.0.0.2 but a county site on the
//! internet may not send us to its neighbour's intranet.
//!
//! The class of an IPv6 address that carries an IPv4 one (`::ffff:10.0.0.1`, NAT64
//! `64:ff9b::a00:1`, 6to4 `2002:a00:1::`) is that of the IPv4 address inside: that is where
//! the packets go.
//!
//! Hand-written: `std`'s `is_global` is not stable, and the crates that test addresses answer
//! "global or not", while here the class itself decides (a loopback start URL allows loopback
//! and nothing else). The table is short and each row cites its range.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Where an address leads, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AddressClass {
    /// Anywhere on the internet.
    Public,
    /// This machine: 127.0.0.0/8, ::1.
    Loopback,
    /// A private network: 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10.
    Private,
    /// RFC 6598 shared address space, 100.64/10: carrier NAT, and cloud-internal services
    /// (Alibaba Cloud's metadata service is 100.100.100.200).
    Shared,
    /// The local link: 169.254/16, fe80::/10.
    LinkLocal,
    /// A cloud instance metadata service (169.254.169.254, 169.254.170.2, 100.100.100.200,
    /// fd00:ec2::254): credentials live there, so it is a class of its own, not allowed by a
    /// link-local or shared-space start URL.
    Metadata,
    /// "This host" or no address: 0.0.0.0/8, `::` (connecting there reaches this machine).
    Unspecified,
    /// Multicast: 224/4, ff00::/8.
    Multicast,
    /// Reserved, broadcast, benchmarking and documentation ranges: never a real web site.
    Reserved,
}

impl AddressClass {
    /// Words for an error message: `a link-local address`.
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address (this machine)",
            AddressClass::Private => "a private-network address",
            AddressClass::Shared => "a shared (carrier NAT / cloud-internal) address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::Metadata => "a cloud metadata service address",
            AddressClass::Unspecified => "an unspecified address (this machine)",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Reserved => "a reserved address",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The class of `ip`.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// IPv4 ranges, most specific first (a metadata address before its link-local range).
const V4: &[([u8; 4], u8, AddressClass)] = &[
    ([169, 254, 169, 254], 32, AddressClass::Metadata), // AWS, GCP, Azure, OpenStack, …
    ([169, 254, 170, 2], 32, AddressClass::Metadata),   // AWS ECS task metadata
    ([100, 100, 100, 200], 32, AddressClass::Metadata), // Alibaba Cloud
    ([0, 0, 0, 0], 8, AddressClass::Unspecified),       // RFC 1122 "this network"
    ([127, 0, 0, 0], 8, AddressClass::Loopback),        // RFC 1122
    ([10, 0, 0, 0], 8, AddressClass::Private),          // RFC 1918
    ([172, 16, 0, 0], 12, AddressClass::Private),       // RFC 1918
    ([192, 168, 0, 0], 16, AddressClass::Private),      // RFC 1918
    ([100, 64, 0, 0], 10, AddressClass::Shared),        // RFC 6598
    ([169, 254, 0, 0], 16, AddressClass::LinkLocal),    // RFC 3927
    ([224, 0, 0, 0], 4, AddressClass::Multicast),       // RFC 5771
    ([192, 0, 0, 0], 24, AddressClass::Reserved),       // RFC 6890 IETF protocol assignments
    ([192, 0, 2, 0], 24, AddressClass::Reserved),       // RFC 5737 documentation
    ([198, 51, 100, 0], 24, AddressClass::Reserved),    // RFC 5737 documentation
    ([203, 0, 113, 0], 24, AddressClass::Reserved),     // RFC 5737 documentation
    ([198, 18, 0, 0], 15, AddressClass::Reserved),      // RFC 2544 benchmarking
    ([240, 0, 0, 0], 4, AddressClass::Reserved),        // RFC 1112 reserved, and broadcast
];

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let bits = u32::from(ip);
    V4.iter()
        .find(|(net, len, _)| in_prefix(bits, u32::from(Ipv4Addr::from(*net)), *len))
        .map_or(AddressClass::Public, |(_, _, class)| *class)
}

fn in_prefix(bits: u32, net: u32, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    bits & mask == net & mask
}

/// AWS's IPv6 metadata endpoint (inside fc00::/7, but a class of its own).
const V6_METADATA: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if ip == V6_METADATA {
        AddressClass::Metadata
    } else if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if s[0] & 0xfe00 == 0xfc00 || s[0] & 0xffc0 == 0xfec0 {
        // fc00::/7 unique local (RFC 4193), fec0::/10 the old site-local (RFC 3879).
        AddressClass::Private
    } else if s[0] & 0xffc0 == 0xfe80 {
        AddressClass::LinkLocal // RFC 4291
    } else if s[0] & 0xff00 == 0xff00 {
        AddressClass::Multicast // RFC 4291
    } else if (s[0], s[1]) == (0x2001, 0x0db8) || s[..4] == [0x0100, 0, 0, 0] {
        AddressClass::Reserved // RFC 3849 documentation, RFC 6666 discard-only
    } else {
        AddressClass::Public
    }
}

/// The IPv4 address an IPv6 one carries and leads to: IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d` (deprecated, but stacks still route it), NAT64
/// `64:ff9b::a.b.c.d` (RFC 6052) and 6to4 `2002:AABB:CCDD::` (RFC 3056).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let compatible = s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if mapped || compatible || nat64 {
        Some(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])))
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::from((u32::from(s[1]) << 16) | u32::from(s[2])))
    } else {
        None
    }
}

/// The address classes one source's requests may reach: public ones always, and the classes
/// its start URLs resolve into.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Allowed(BTreeSet<AddressClass>);

impl Allowed {
    /// Public addresses only.
    pub(crate) fn public() -> Allowed {
        Allowed(BTreeSet::from([AddressClass::Public]))
    }

    pub(crate) fn insert(&mut self, class: AddressClass) {
        self.0.insert(class);
    }

    pub(crate) fn contains(&self, class: AddressClass) -> bool {
        self.0.contains(&class)
    }

    /// A short stable text (`Loopback,Public`), for cache keys.
    pub(crate) fn key(&self) -> String {
        self.0
            .iter()
            .map(|c| format!("{c:?}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The policy of one `Fetcher`: the classification, plus the socket addresses its
/// configuration counts as public (`FetchConfig::count_as_public`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Policy {
    count_as_public: Vec<SocketAddr>,
}

impl Policy {
    pub(crate) fn new(count_as_public: &[SocketAddr]) -> Policy {
        Policy {
            count_as_public: count_as_public.to_vec(),
        }
    }

    /// The class of `ip` reached on `port`.
    pub(crate) fn class(&self, ip: IpAddr, port: u16) -> AddressClass {
        if self.count_as_public.contains(&SocketAddr::new(ip, port)) {
            AddressClass::Public
        } else {
            classify(ip)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn class_of(url: &str) -> AddressClass {
        let url = Url::parse(url).unwrap();
        let ip = match url.host().unwrap() {
            url::Host::Ipv4(ip) => IpAddr::V4(ip),
            url::Host::Ipv6(ip) => IpAddr::V6(ip),
            url::Host::Domain(d) => panic!("{d} is not an IP address"),
        };
        classify(ip)
    }

    #[test]
    fn metadata_address_in_every_numeric_spelling_is_metadata() {
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/latest/meta-data/",
            "http://0xa9fea9fe/latest/meta-data/",
            "http://0251.0376.0251.0376/",
            "http://169.254.43518/",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://[::ffff:169.254.169.254]/",
            "http://100.100.100.200/latest/meta-data/",
        ] {
            assert_eq!(class_of(url), AddressClass::Metadata, "{url}");
        }
    }

    #[test]
    fn private_loopback_link_local_and_the_rest_are_classified() {
        let cases = [
            ("10.0.0.1", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("172.31.255.255", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("127.0.0.1", AddressClass::Loopback),
            ("127.0.0.2", AddressClass::Loopback),
            ("169.254.1.1", AddressClass::LinkLocal),
            ("100.64.0.1", AddressClass::Shared),
            ("0.0.0.0", AddressClass::Unspecified),
            ("224.0.0.1", AddressClass::Multicast),
            ("255.255.255.255", AddressClass::Reserved),
            ("192.0.2.1", AddressClass::Reserved),
            ("::1", AddressClass::Loopback),
            ("::", AddressClass::Unspecified),
            ("fd12::1", AddressClass::Private),
            ("fe80::1", AddressClass::LinkLocal),
            ("ff02::1", AddressClass::Multicast),
            ("::ffff:10.0.0.1", AddressClass::Private),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("64:ff9b::a00:1", AddressClass::Private),
            ("2002:a00:1::1", AddressClass::Private),
            ("2001:db8::1", AddressClass::Reserved),
        ];
        for (ip, class) in cases {
            assert_eq!(classify(ip.parse().unwrap()), class, "{ip}");
        }
    }

    #[test]
    fn internet_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "223.255.255.255",
            "2400:3200::1",
            "2002:808:808::1",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(classify(ip.parse().unwrap()), AddressClass::Public, "{ip}");
        }
    }

    #[test]
    fn count_as_public_matches_the_exact_socket_address_only() {
        let policy = Policy::new(&["127.0.0.1:8080".parse().unwrap()]);
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(policy.class(local, 8080), AddressClass::Public);
        assert_eq!(policy.class(local, 8081), AddressClass::Loopback);
        assert_eq!(
            policy.class("127.0.0.2".parse().unwrap(), 8080),
            AddressClass::Loopback
        );
    }
}
