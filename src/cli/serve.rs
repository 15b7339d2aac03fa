//! `xuhui-sim serve`: the flags of the what-if server, handed to the library's
//! [`xuhui_sim::serve`].

use super::{Error, ServeArgs};
use xuhui_sim::analysis::Source;

/// Runs the server until Ctrl-C.
pub fn serve(args: &ServeArgs) -> Result<(), Error> {
    let source = match &args.scenario {
        Some(path) => Source::File(path.clone()),
        None => Source::Embedded,
    };
    xuhui_sim::serve::serve(xuhui_sim::serve::Options {
        source,
        options: xuhui_sim::scenario::LoadOptions {
            repair_correlation: args.repair_correlation,
        },
        address: std::net::SocketAddr::new(args.host, args.port),
        save_dir: args.save_dir.clone(),
        limits: xuhui_sim::whatif::Limits {
            max_paths: args.max_paths,
            ..Default::default()
        },
        open: args.open,
    })
}
