//! Tests against the real binary on 127.0.0.1: start-up output, the demo
//! station, graceful shutdown, and durability across `kill -9`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{http, report_value};
use smile_collector::clock::{Clock, SystemClock};
use smile_collector::store::Store;

const BINARY: &str = env!("CARGO_BIN_EXE_smile-collector");

struct Server {
    child: Child,
    address: SocketAddr,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(database: &str, extra: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(["--database", database, "serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("SMILE_COLLECTOR_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the collector starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .expect("the collector prints a line");
        let address = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("the line holds an address");
        Self {
            child,
            address,
            stdout,
        }
    }

    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("the collector prints a line");
        line.trim().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn create_station(database: &str, station_id: &str) -> String {
    let output = Command::new(BINARY)
        .args([
            "--database",
            database,
            "station",
            "create",
            station_id,
            "--group",
            "north",
        ])
        .env("SMILE_COLLECTOR_LOG", "warn")
        .output()
        .expect("the station command runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    stdout
        .lines()
        .last()
        .expect("the token line")
        .trim()
        .to_owned()
}

fn database_url(directory: &Path) -> String {
    format!("sqlite://{}", directory.join("collector.sqlite3").display())
}

/// Returns the start of the 15-minute bucket before the current one, by the system clock.
fn recent_bucket() -> i64 {
    let now = SystemClock.now_unix_s();
    now - now.rem_euclid(900) - 900
}

#[test]
fn server_prints_address_and_accepts_reports() {
    let directory = tempfile::tempdir().unwrap();
    let database = database_url(directory.path());
    let token = create_station(&database, "desk-01");
    let server = Server::start(&database, &[]);
    let bearer = format!("Bearer {token}");
    let body = report_value("desk-01", recent_bucket(), 2).to_string();

    let first = http(
        server.address,
        "POST",
        "/api/v1/reports",
        Some(&bearer),
        &body,
    )
    .unwrap();
    let retry = http(
        server.address,
        "POST",
        "/api/v1/reports",
        Some(&bearer),
        &body,
    )
    .unwrap();
    let home = http(server.address, "GET", "/", None, "").unwrap();

    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(retry.0, 200, "{}", retry.1);
    assert_eq!(home.0, 200);
}

#[test]
fn demo_station_gets_fresh_token() {
    let directory = tempfile::tempdir().unwrap();
    let database = database_url(directory.path());

    let mut first = Server::start(&database, &["--demo-station", "demo-desk"]);
    let first_line = first.next_line();
    drop(first);
    let mut second = Server::start(&database, &["--demo-station", "demo-desk"]);
    let second_line = second.next_line();

    let prefix = format!(
        "kiosk: http://{}/kiosk.html#station=demo-desk&token=",
        second.address
    );
    let token = second_line
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("unexpected kiosk line {second_line:?}"));
    assert_eq!(token.len(), 64);
    let old_token = first_line.rsplit('=').next().unwrap();
    assert_ne!(old_token, token);

    let body = report_value("demo-desk", recent_bucket(), 1).to_string();
    let accepted = http(
        second.address,
        "POST",
        "/api/v1/reports",
        Some(&format!("Bearer {token}")),
        &body,
    )
    .unwrap();
    let rejected = http(
        second.address,
        "POST",
        "/api/v1/reports",
        Some(&format!("Bearer {old_token}")),
        &body,
    )
    .unwrap();
    assert_eq!(accepted.0, 201, "{}", accepted.1);
    assert_eq!(rejected.0, 401, "the previous demo token is revoked");
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let directory = tempfile::tempdir().unwrap();
    let database = database_url(directory.path());
    let mut server = Server::start(&database, &[]);

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            assert!(exit.success(), "exit status {exit}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the collector did not stop within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_reports_survive_kill_9() {
    let directory = tempfile::tempdir().unwrap();
    let database = database_url(directory.path());
    let token = create_station(&database, "desk-01");
    let mut server = Server::start(&database, &[]);
    let address = server.address;
    let bucket = recent_bucket();

    let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let acknowledged = acknowledged.clone();
            let stop = stop.clone();
            let bearer = format!("Bearer {token}");
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let body = report_value("desk-01", bucket, 1).to_string();
                    match http(address, "POST", "/api/v1/reports", Some(&bearer), &body) {
                        Ok((201, _)) => acknowledged.lock().unwrap().push(body),
                        Ok((status, reply)) => panic!("unexpected status {status}: {reply}"),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(
            Instant::now() < deadline,
            "too few reports acknowledged in 30 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().expect("SIGKILL is delivered");
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.join().expect("a sender thread panicked");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let restarted = Server::start(&database, &[]);
    let bearer = format!("Bearer {token}");
    for body in &acknowledged {
        let (status, reply) = http(
            restarted.address,
            "POST",
            "/api/v1/reports",
            Some(&bearer),
            body,
        )
        .unwrap();
        assert_eq!(status, 200, "an acknowledged report was lost: {reply}");
    }

    let store = Store::open(&database).await.unwrap();
    let durability = store.sqlite_durability().await.unwrap();
    assert_eq!(
        durability,
        Some(("wal".to_owned(), 2)),
        "WAL with synchronous=FULL"
    );
    let stored = store.count_reports().await.unwrap();
    assert!(
        stored as usize >= acknowledged.len(),
        "{stored} stored < {} acknowledged",
        acknowledged.len()
    );
    for body in &acknowledged {
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        let smiles = store
            .client_smiles_of(value["report_id"].as_str().unwrap())
            .await
            .unwrap();
        assert_eq!(smiles, Some(1));
    }
}
