//! The `xuhui-sim` binary: the command line (`cli`: flags, one file per
//! command) over the library, which does the work. It prints an error once
//! and exits with its code (see `xuhui_sim::Error::exit_code`).

// No panics on user input, as in the library.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cli;

fn main() {
    std::process::exit(cli::main());
}
