//! The dashboard's files, embedded at build time: `index.html` (revalidated on every load) and
//! the content-hashed bundles under `assets/` (cached for a year), each served gzipped to
//! clients that accept it.

use axum::body::Body;
use axum::extract::Path;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;

/// One file of `admin/dist/`.
#[derive(Debug)]
pub struct Asset {
    /// Relative to `dist/`, `/`-separated: `index.html`, `assets/app-2HZ6V7QK.js`.
    pub path: &'static str,
    pub body: &'static [u8],
    /// The same bytes gzipped at build time, when the build made a copy.
    pub gzip: Option<&'static [u8]>,
}

/// Written by build.rs from the files in `admin/dist/`.
static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/admin_assets.rs"));

/// The embedded file at `path`, if there is one.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// `GET /admin` and `GET /admin/`: the page.
pub async fn index(headers: HeaderMap) -> Result<Response, Problem> {
    let page = find("index.html")
        .ok_or_else(|| Problem::internal("the dashboard was built without index.html"))?;
    Ok(serve(page, &headers, "no-cache"))
}

/// `GET /admin/assets/{file}`: a bundle; its name changes with its content, so it never
/// needs revalidating.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, Problem> {
    find(&format!("assets/{file}"))
        .map(|asset| serve(asset, &headers, "public, max-age=31536000, immutable"))
        .ok_or_else(|| Problem::not_found(format!("no dashboard file named {file}")))
}

fn serve(asset: &'static Asset, request: &HeaderMap, cache: &'static str) -> Response {
    let gzip = asset.gzip.filter(|_| accepts_gzip(request));
    let mut response = Body::from(gzip.unwrap_or(asset.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.path)),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    if gzip.is_some() {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// The media type of a dashboard file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json" | "map") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Whether `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        assert!(accepts_gzip(&accept("gzip, deflate, br")));
        assert!(accepts_gzip(&accept("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&accept("*")));
        assert!(!accepts_gzip(&accept("gzip;q=0")));
        assert!(!accepts_gzip(&accept("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_page_and_its_bundles_are_embedded_with_gzip_copies() {
        let page = find("index.html").expect("index.html is embedded");
        let html = std::str::from_utf8(page.body).unwrap();
        assert!(page.gzip.is_some());
        let bundles: Vec<&Asset> = ASSETS
            .iter()
            .filter(|a| a.path.starts_with("assets/"))
            .collect();
        assert!(bundles.iter().any(|a| a.path.ends_with(".js")));
        assert!(bundles.iter().any(|a| a.path.ends_with(".css")));
        for bundle in bundles {
            let name = bundle.path.trim_start_matches("assets/");
            assert!(html.contains(name), "index.html loads {name}");
            assert!(bundle.gzip.is_some(), "{name} has a gzip copy");
        }
        assert!(!html.contains("<script>"), "no inline script");
        assert!(!html.contains("<style"), "no inline style");
    }

    #[test]
    fn the_first_load_is_under_200_kb_gzipped() {
        let first_load: usize = ASSETS
            .iter()
            .filter(|a| {
                a.path == "index.html" || a.path.ends_with(".js") || a.path.ends_with(".css")
            })
            .map(|a| a.gzip.map_or(a.body.len(), <[u8]>::len))
            .sum();
        println!(
            "dashboard first load: {:.1} KB gzipped",
            first_load as f64 / 1024.0
        );
        assert!(first_load < 200 * 1024, "first load {first_load} bytes");
    }

    #[test]
    fn the_committed_build_matches_the_committed_sources() {
        let admin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("admin");
        assert_eq!(
            crate::admin_stamp::built_from(&admin),
            Some(crate::admin_stamp::fingerprint(&admin).unwrap()),
            "server/admin/dist/ is stale: run `npm run build` in server/admin and commit dist/"
        );
    }
}
