//! Writes the generated man page and shell completions (see
//! `src/cli/docs.rs`): `cargo run --example gen-docs`. An example rather
//! than an ipvsadm option, so ipvsadm's grammar stays 1.31's and the
//! release binary does not carry the generators.

/// What `docs.rs` reaches as `crate::cli`.
mod cli {
    pub use ipvsadm::cli::*;
}

#[path = "../src/cli/docs.rs"]
mod docs;

fn main() -> std::io::Result<()> {
    println!("{}:", docs::REGENERATE);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (path, contents) in docs::outputs() {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
        std::fs::write(&path, contents)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
