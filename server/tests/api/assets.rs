//! Static assets are sent from the copies compressed at build time (brotli 11 or gzip 9, whichever
//! the client accepts), byte for byte, never compressed again per request.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

fn dist() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// The widget's Wasm file name in the build (it carries the content hash).
fn built_wasm() -> String {
    std::fs::read_dir(dist().join("embed"))
        .expect("dist/embed: run scripts/build.sh")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .expect("a Wasm file in dist/embed")
}

#[tokio::test]
async fn built_assets_are_sent_precompressed_as_built() {
    let app = spawn_app().await;
    let wasm = built_wasm();
    for (path, file) in [(format!("/embed/{wasm}"), dist().join("embed").join(&wasm)), ("/widget.js".into(), dist().join("widget.js"))] {
        for (accept, encoding, suffix) in [("br, gzip", Some("br"), ".br"), ("gzip", Some("gzip"), ".gz"), ("identity", None, "")] {
            let res = app.client.get(app.url(&path)).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{path} with {accept}");
            let expected = std::fs::read(format!("{}{suffix}", file.display())).unwrap_or_else(|_| panic!("{}{suffix} missing: run scripts/build.sh", file.display()));
            let body = res.bytes().await.unwrap();
            assert!(body == expected.as_slice(), "{path} with {accept}: {} bytes sent, the built copy has {}", body.len(), expected.len());
        }
    }
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_the_page_revalidates_with_its_policy() {
    let app = spawn_app().await;
    let wasm = built_wasm();
    let res = app.client.get(app.url(&format!("/embed/{wasm}"))).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
    let page = app.client.get(app.url("/embed/?merchant=nordic-outdoor")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'self' http://127.0.0.1"));
    let missing = app.client.get(app.url("/embed/nothing-0123456789abcdef.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get("cache-control").is_none_or(|v| v != "public, max-age=31536000, immutable"), "a miss is never cached for a year");
}
