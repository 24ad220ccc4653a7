//! Prints viatrack's OpenAPI 3.1 document (JSON) on stdout. `scripts/build-tracker.sh` writes
//! it to `build/site/v1/openapi.json`, which the Worker serves as a static asset.

fn main() {
    let doc = viatrack_openapi::document();
    println!("{}", serde_json::to_string_pretty(&doc).expect("a JSON value serializes"));
}
