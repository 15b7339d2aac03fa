//! Small HTML builders: escaping, tables, the page template.

use super::i18n::{Labels, FONTS};
use crate::scenario::SourceKind;

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table; cells are HTML already (escape text first); `numeric[i]` right-aligns column i.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>], numeric: &[bool]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let class = if numeric.get(i).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            };
            out.push_str(&format!("<td{class}>{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// A chart's SVG in its frame, or the reason it could not be drawn.
pub(crate) fn chart(svg: Result<String, String>) -> String {
    match svg {
        Ok(svg) => format!("<div class=\"chart\">{svg}</div>\n"),
        Err(reason) => format!("<p class=\"note\">{}</p>\n", escape(&reason)),
    }
}

/// The whole page.
pub(crate) fn page(labels: &Labels, title: &str, body: &str) -> String {
    include_str!("template.html")
        .replace("{{LANG}}", labels.html_lang)
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
        .replace("{{TITLE}}", &escape(title))
        .replace("{{FONTS}}", FONTS)
        .replace("{{BODY}}", body)
}

/// `seed` or `assumption`, styled.
pub(crate) fn source_kind(kind: SourceKind, labels: &Labels) -> String {
    match kind {
        SourceKind::Seed => format!("<span class=\"seed\">{}</span>", escape(labels.seed_source)),
        SourceKind::Assumption => format!(
            "<span class=\"assumption\">{}</span>",
            escape(labels.assumption)
        ),
    }
}
