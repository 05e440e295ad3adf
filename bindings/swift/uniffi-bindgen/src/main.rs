//! `uniffi-bindgen`: generates the Swift (and Python) sources for `orderly-swift` from its
//! compiled library, with exactly the UniFFI version the library was built with.
//!
//! ```text
//! cargo run -p orderly-uniffi-bindgen -- generate --library <liborderly_ffi> --language swift --out-dir <dir>
//! ```

fn main() {
    uniffi::uniffi_bindgen_main()
}
