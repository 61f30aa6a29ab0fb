//! A TLS front for a plain-HTTP server (moto), with a certificate signed by a CA of its own
//! that no system trusts: the way to test a private endpoint, a TLS-inspecting proxy, and
//! `AWS_CA_BUNDLE`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::runtime::rt;

/// Terminates TLS on a free port of 127.0.0.1 and passes the bytes on to `upstream`.
#[derive(Debug)]
pub struct TlsFront {
    addr: SocketAddr,
    ca_file: PathBuf,
}

impl TlsFront {
    /// Starts the front for `upstream` (`127.0.0.1:PORT` of a plain-HTTP server), with a
    /// certificate for each of `names` (DNS names or IP addresses), signed by a fresh CA whose
    /// PEM is written to a file ([`TlsFront::ca_file`]).
    pub fn start(upstream: SocketAddr, names: &[&str]) -> TlsFront {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "watchtower-testkit CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");
        let key = KeyPair::generate().expect("server key");
        let params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        let cert = params
            .signed_by(&key, &ca, &ca_key)
            .expect("server certificate");

        let ca_file = std::env::temp_dir().join(format!(
            "watchtower-testkit-ca-{}-{}.pem",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::write(&ca_file, ca.pem()).expect("write the CA file");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .expect("TLS server config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|_| l))
            .expect("watchtower-testkit: cannot bind the TLS front");
        let addr = listener.local_addr().unwrap();
        rt().spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront { addr, ca_file }
    }

    /// The port TLS is served on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The PEM file of the CA that signed the front's certificate.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}
