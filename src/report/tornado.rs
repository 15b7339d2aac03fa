//! The sensitivity report: a tornado chart per outcome that any parameter moves.

use super::charts::{self, TornadoBar};
use super::html::{self, escape};
use super::i18n::{labels, Lang};
use crate::analysis::tornado::Tornado;

/// Bars drawn per chart at most.
const BARS: usize = 8;

/// The tornado study as one self-contained HTML page.
pub fn tornado_report(tornado: &Tornado, lang: Lang) -> String {
    let l = labels(lang);
    let mut body = format!(
        "<h1>Tornado — {}</h1>\n<p class=\"run\">{} {} · {} {} · p10 / p90</p>\n",
        escape(&tornado.scenario),
        tornado.paths,
        l.paths,
        l.seed,
        tornado.seed
    );
    body.push_str("<div class=\"grid\">\n");
    for outcome in &tornado.outcomes {
        let bars: Vec<TornadoBar> = outcome
            .bars
            .iter()
            .filter(|b| b.swing.abs() > 1e-12)
            .take(BARS)
            .map(|b| TornadoBar {
                label: b.parameter.clone(),
                at_low: b.at_p10,
                at_high: b.at_p90,
            })
            .collect();
        if bars.is_empty() {
            continue;
        }
        let percent = outcome.kind == "target" || outcome.name.ends_with(".growth");
        body.push_str(&html::chart(charts::tornado(
            &outcome.label,
            outcome.base,
            &bars,
            percent,
        )));
    }
    body.push_str("</div>\n");
    body.push_str(&format!("<footer>{}</footer>\n", escape(l.generated)));
    html::page(l, &format!("Tornado — {}", tornado.scenario), &body)
}
