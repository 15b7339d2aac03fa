//! `report` and `run --report`: the HTML page's sections and languages, the
//! Excel workbook's sheets and number cells, the tornado and comparison reports.

use crate::common;

use common::{stderr, xuhui, xuhui_ok};
use std::fs;
use std::io::Read;

#[test]
fn run_report_has_every_section_in_both_languages() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    xuhui_ok(
        w,
        &[
            "run", "--paths", "3000", "--report", "--quiet", "--out", "en",
        ],
    );
    let en = fs::read_to_string(w.join("en/report.html")).unwrap();
    for text in [
        "Targets",
        "Fan charts",
        "Distributions of target outcomes",
        "Metrics",
        "Inputs and their sources",
        "From the source article (seed)",
        "Assumptions",
        "完成区级财政收入250.85亿元",
        "<svg",
    ] {
        assert!(en.contains(text), "the English report lacks `{text}`");
    }
    xuhui_ok(w, &["report", "en", "--lang", "zh", "--out", "zh.html"]);
    let zh = fs::read_to_string(w.join("zh.html")).unwrap();
    for text in [
        "lang=\"zh-CN\"",
        "目标",
        "扇形图",
        "引自原文",
        "达成概率",
        "Noto Sans CJK SC",
    ] {
        assert!(zh.contains(text), "the Chinese report lacks `{text}`");
    }
    assert!(!zh.contains("Fan charts"));
}

#[test]
fn the_workbook_has_sheets_with_number_cells() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    xuhui_ok(w, &["run", "--paths", "2000", "--quiet", "--out", "set"]);
    xuhui_ok(w, &["report", "set", "--xlsx"]);
    let file = fs::File::open(w.join("set/report.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(file).expect("an xlsx is a zip archive");
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap_or_else(|_| panic!("{name} missing"))
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let book = read("xl/workbook.xml");
    for sheet in ["Targets", "Metrics", "Inputs and their sources"] {
        assert!(
            book.contains(&format!("name=\"{sheet}\"")),
            "no sheet {sheet}: {book}"
        );
    }
    let targets = read("xl/worksheets/sheet1.xml");
    // Probabilities are numbers with a percent format, not text.
    assert!(
        targets.matches("<v>0.").count() >= 28 * 3,
        "{}",
        &targets[..500.min(targets.len())]
    );
    let strings = read("xl/sharedStrings.xml");
    assert!(strings.contains("seed: 完成区级财政收入250.85亿元"));
}

#[test]
fn tornado_and_comparison_reports() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    xuhui_ok(w, &["sensitivity", "--paths", "2000", "--out", "sens"]);
    xuhui_ok(w, &["report", "sens"]);
    let tornado = fs::read_to_string(w.join("sens/report.html")).unwrap();
    assert!(tornado.contains("digital_economy.mean_growth") && tornado.contains("<svg"));
    let ai = common::root().join("scenarios/ai-push.toml");
    xuhui_ok(w, &["run", "--paths", "2000", "--quiet", "--out", "base"]);
    xuhui_ok(
        w,
        &[
            "run",
            ai.to_str().unwrap(),
            "--paths",
            "2000",
            "--quiet",
            "--out",
            "ai",
        ],
    );
    xuhui_ok(
        w,
        &["compare", "base", "ai", "--out", "cmp", "--lang", "zh"],
    );
    let page = fs::read_to_string(w.join("cmp/report.html")).unwrap();
    for text in ["情景对比报告", "逐路径配对", "改善", "<svg"] {
        assert!(page.contains(text), "the comparison report lacks `{text}`");
    }
}

#[test]
fn report_refuses_what_is_not_a_result_set() {
    let work = tempfile::tempdir().unwrap();
    let output = xuhui(work.path(), &["report", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("nowhere is not a folder"));
}
