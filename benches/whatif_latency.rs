//! Latency of the what-if server, as the page sees it: 100 changes of the
//! downturn probability posted one after another to `/api/whatif`, each timed
//! from sending the request to having the whole answer (summary and paired
//! change), at the page's quick size (16,384 paths) and at 50,000 paths.
//! Prints p50, p95 and the worst for each. Run with
//! `cargo bench --bench whatif_latency`; results go in docs/performance.md.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Instant;

fn post(port: u16, body: &str) -> (u16, usize) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let request = format!(
        "POST /api/whatif HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("writes");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("reads");
    let status = String::from_utf8_lossy(&answer[..12.min(answer.len())])
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer.len())
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("xuhui-whatif-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xuhui-sim"))
        .args(["serve", "--port", "0", "--save-dir", "saved"])
        .current_dir(&dir)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("the server prints its address");
    let port: u16 = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("a port");
    let changes = 100;
    for paths in [16_384u64, 50_000] {
        // The loaded scenario's own run at this size is made once and kept.
        post(port, &format!("{{\"paths\": {paths}, \"seed\": 2024}}"));
        let mut times = Vec::with_capacity(changes);
        for i in 0..changes {
            let p = 0.05 + 0.4 * i as f64 / changes as f64;
            let body = format!(
                "{{\"paths\": {paths}, \"seed\": 2024, \"set\": {{\"regime.downturn_probability\": {p:.4}}}}}"
            );
            let started = Instant::now();
            let (status, bytes) = post(port, &body);
            times.push(started.elapsed().as_secs_f64() * 1e3);
            assert_eq!(status, 200, "change {i}: {bytes} bytes");
        }
        times.sort_by(f64::total_cmp);
        println!(
            "whatif {paths:>6} paths, {changes} changes: p50 {:.0} ms, p95 {:.0} ms, worst {:.0} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
