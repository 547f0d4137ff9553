//! Criterion benches: one `[[jwt]]` probe (sign a probe token as the issuer, verify it as the
//! consumer) per algorithm family, the verification alone (a minted probe checked at one more
//! consumer), with keys parsed once as the stack rule does; and the key
//! parse itself, which a stack check pays once per service.
// A bench is test code: a failed setup should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use envgate::jwt::{probe, Algorithm, Key, ProbeToken, SecretEncoding, Side};
use std::hint::black_box;
use std::path::Path;

const NOW: i64 = 1_796_000_000;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jwt")
        .join(name);
    std::fs::read_to_string(&path).expect("fixture")
}

fn key(value: &str, alg: Algorithm) -> Key {
    Key::parse(value, alg, SecretEncoding::Raw)
        .key
        .expect("fixture key parses")
}

fn probes(c: &mut Criterion) {
    let secret = "k3J9vQ2mX7pL4wZ8nB6tR1yH5cF0dG3s";
    let cases = [
        (
            "HS256",
            key(secret, Algorithm::HS256),
            key(secret, Algorithm::HS256),
        ),
        (
            "RS256",
            key(&fixture("rsa1_private_pkcs8.pem"), Algorithm::RS256),
            key(&fixture("rsa1_public_spki.pem"), Algorithm::RS256),
        ),
        (
            "ES256",
            key(&fixture("p256_private_sec1.pem"), Algorithm::ES256),
            key(&fixture("p256_public_spki.pem"), Algorithm::ES256),
        ),
        (
            "EdDSA",
            key(&fixture("ed25519_1_private_pkcs8.pem"), Algorithm::EdDSA),
            key(&fixture("ed25519_1_public_spki.pem"), Algorithm::EdDSA),
        ),
    ];
    for (name, issuer_key, consumer_key) in &cases {
        let issuer = Side {
            label: "auth",
            key: issuer_key,
            iss: Some("https://auth.example.com"),
            aud: Some("backend"),
        };
        let consumer = Side {
            label: "backend",
            ..issuer
        };
        let consumer = Side {
            key: consumer_key,
            ..consumer
        };
        assert!(
            probe(&issuer, &consumer, NOW).is_empty(),
            "{name} pair verifies"
        );
        c.bench_function(&format!("probe_{name}"), |b| {
            b.iter(|| black_box(probe(black_box(&issuer), black_box(&consumer), NOW)));
        });
        // what each further consumer of the same issuer costs: the token is minted once
        let minted = ProbeToken::mint(&issuer, NOW).unwrap();
        c.bench_function(&format!("check_minted_probe_{name}"), |b| {
            b.iter(|| black_box(minted.check(&issuer, black_box(&consumer), NOW)));
        });
    }
}

fn key_parse(c: &mut Criterion) {
    let rsa = fixture("rsa1_private_pkcs8.pem");
    c.bench_function("parse_rsa2048_private_pkcs8", |b| {
        b.iter(|| {
            black_box(Key::parse(
                black_box(&rsa),
                Algorithm::RS256,
                SecretEncoding::Raw,
            ))
        });
    });
    let rsa_public = fixture("rsa1_public_spki.pem");
    c.bench_function("parse_rsa2048_public_spki", |b| {
        b.iter(|| {
            black_box(Key::parse(
                black_box(&rsa_public),
                Algorithm::RS256,
                SecretEncoding::Raw,
            ))
        });
    });
}

criterion_group!(benches, probes, key_parse);
criterion_main!(benches);
