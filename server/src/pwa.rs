//! `/sw.js`: the service worker, written with this build's hashed asset names (so each build's
//! worker is new and replaces the old cached shell).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Static files of the shell that every page needs, besides the hashed `/pkg/*` ones.
const SHELL_FILES: &[&str] = &[
    "/offline.html",
    "/offline.css",
    "/favicon.svg",
    "/manifest.webmanifest",
    "/pwa.js",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/icon-maskable-512.png",
];

/// The worker's source for the files in `pkg_dir` (the JS, WASM and CSS of this build) and the
/// shell files under `site_root`. Its version changes with any of them: a new name in `pkg_dir`, or
/// new content in a shell file (they keep their names), so an update always replaces the cache.
pub fn service_worker_source(site_root: &str, pkg_dir: &str) -> String {
    let mut assets: Vec<String> = std::fs::read_dir(pkg_dir)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".js") || n.ends_with(".wasm") || n.ends_with(".css"))
                // The sections' chunks (app::sections: about ninety files, most of them small)
                // are kept as pages fetch them, not all at install.
                .filter(|n| !n.starts_with("chunk_") && !n.starts_with("split_"))
                .map(|n| format!("/pkg/{n}"))
                .collect()
        })
        .unwrap_or_default();
    assets.sort();
    let version = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        assets.hash(&mut h);
        for file in SHELL_FILES {
            std::fs::read(format!("{site_root}{file}"))
                .unwrap_or_default()
                .hash(&mut h);
        }
        format!("{:016x}", h.finish())
    };
    assets.extend(SHELL_FILES.iter().map(|s| s.to_string()));
    let list = serde_json::to_string(&assets).unwrap_or_else(|_| "[]".into());
    include_str!("sw.js")
        .replace("__VERSION__", &version)
        .replace("__ASSETS__", &list)
}

pub fn service_worker_response(source: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            // The browser checks for a new worker on every visit.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        source.to_string(),
    )
        .into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a panic is a failed test
mod tests {
    use super::*;

    #[test]
    fn the_worker_lists_the_build_and_changes_with_it() {
        let dir =
            std::env::temp_dir().join(format!("kabinet-sw-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = dir.to_str().unwrap().to_string();
        let dir = dir.join("pkg");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{root}/pwa.js"), "// one").unwrap();
        std::fs::write(dir.join("kabinet.AAA.js"), "").unwrap();
        std::fs::write(dir.join("kabinet.AAA.js.br"), "").unwrap();
        std::fs::write(dir.join("kabinet.d.AAA.ts"), "").unwrap();
        std::fs::write(dir.join("chunk_1_AAA.wasm"), "").unwrap();
        let a = service_worker_source(&root, dir.to_str().unwrap());
        assert!(a.contains("\"/pkg/kabinet.AAA.js\""));
        assert!(
            !a.contains("chunk_1_AAA"),
            "chunks are cached as pages fetch them"
        );
        assert!(
            !a.contains(".br\"") && !a.contains(".ts\""),
            "no compressed copies, no typings"
        );
        assert!(a.contains("\"/offline.html\""));
        std::fs::remove_file(dir.join("kabinet.AAA.js")).unwrap();
        std::fs::write(dir.join("kabinet.BBB.js"), "").unwrap();
        let b = service_worker_source(&root, dir.to_str().unwrap());
        let version = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("const VERSION"))
                .unwrap()
                .to_string()
        };
        assert_ne!(version(&a), version(&b), "a new build is a new worker");
        assert_eq!(
            version(&b),
            version(&service_worker_source(&root, dir.to_str().unwrap())),
            "the same build, the same worker"
        );
        std::fs::write(format!("{root}/pwa.js"), "// two").unwrap();
        let c = service_worker_source(&root, dir.to_str().unwrap());
        assert_ne!(
            version(&b),
            version(&c),
            "a changed shell file is a new worker"
        );
        let _ = std::fs::remove_dir_all(root);
    }
}
