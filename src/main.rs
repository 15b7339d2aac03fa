//! The `xuhui-sim` binary: parses the command line and hands over to the library.

fn main() {
    std::process::exit(xuhui_sim::cli::main());
}
