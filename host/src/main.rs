//! The `roster` binary; everything lives in the library.

fn main() -> anyhow::Result<()> {
    roster_host::cli::run()
}
