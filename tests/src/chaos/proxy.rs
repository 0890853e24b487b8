//! A seeded TCP fault proxy on loopback: accepts a client's connections and
//! relays them to one upstream (pareta-mock), applying at most one fault to each
//! connection. The fault is drawn from the current call's seeded random source
//! when the connection is accepted, so a seed replays the same plan.
//!
//! The proxy also reads the `Idempotency-Key` of every request it relays, so a
//! test can check that all attempts of one logical POST carried the same key.

use super::rng::Rng;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// One fault, applied to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Relay untouched.
    None,
    /// Reset both sides (RST) after this many request bytes reached the server.
    ResetRequest(usize),
    /// Reset both sides after this many response bytes reached the client.
    ResetResponse(usize),
    /// After this many response bytes, relay nothing for `ms`.
    Stall {
        /// Response offset.
        at: usize,
        /// How long.
        ms: u64,
    },
    /// Relay the response one byte at a time, `us` microseconds apart.
    Trickle {
        /// Delay between bytes.
        us: u64,
    },
    /// Hold the first response byte back for `ms`.
    DelayHeaders {
        /// How long.
        ms: u64,
    },
    /// After this many request bytes, half-close toward the server (it reads EOF).
    HalfCloseRequest(usize),
    /// After this many response bytes, half-close toward the client (it reads
    /// EOF) and relay nothing more.
    HalfCloseResponse(usize),
}

impl Fault {
    /// The kind, for tables.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::None => "none",
            Fault::ResetRequest(_) => "reset in request",
            Fault::ResetResponse(_) => "reset in response",
            Fault::Stall { .. } => "stall",
            Fault::Trickle { .. } => "trickle (1 byte at a time)",
            Fault::DelayHeaders { .. } => "delayed headers",
            Fault::HalfCloseRequest(_) => "half-close toward server",
            Fault::HalfCloseResponse(_) => "half-close toward client",
        }
    }

    /// Draws a fault: about 40% of connections are left alone. Stalls and
    /// delays range up to about twice `timeout`, so some outlast the client's.
    pub fn draw(rng: &mut Rng, timeout: Duration) -> Fault {
        let t = timeout.as_millis() as u64;
        match rng.below(100) {
            0..40 => Fault::None,
            40..50 => Fault::ResetRequest(rng.below(700) as usize),
            50..62 => Fault::ResetResponse(rng.below(1600) as usize),
            62..70 => Fault::Stall { at: rng.below(1200) as usize, ms: 50 + rng.below(2 * t) },
            70..78 => Fault::Trickle { us: rng.below(150) },
            78..86 => Fault::DelayHeaders { ms: 20 + rng.below(2 * t) },
            86..92 => Fault::HalfCloseRequest(rng.below(700) as usize),
            _ => Fault::HalfCloseResponse(rng.below(1600) as usize),
        }
    }
}

/// What the proxy saw during one call.
#[derive(Clone, Debug, Default)]
pub struct CallReport {
    /// Faults that actually fired (a reset past the end of a short request does not).
    pub fired: Vec<Fault>,
    /// Connections opened.
    pub connections: usize,
    /// Keep-alive connections still open when the call ended, which the proxy
    /// then closed (the client's pool finds them dead on its next call, as after
    /// a server's idle timeout).
    pub idle_closed: usize,
    /// `Idempotency-Key` values of the requests relayed, in order.
    pub idempotency_keys: Vec<String>,
    /// Requests relayed by method (counted by request line).
    pub requests: BTreeMap<String, usize>,
    /// Total time the proxy held bytes back (stalls, delays, trickling).
    pub delay: Duration,
}

struct CallState {
    rng: Rng,
    faults_on: bool,
    timeout: Duration,
    report: CallReport,
}

struct Shared {
    upstream: SocketAddr,
    state: Mutex<CallState>,
    conns: Mutex<Vec<Weak<Conn>>>,
    active: AtomicUsize,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

struct Conn {
    client: TcpStream,
    server: TcpStream,
    closed: AtomicBool,
    shared: Arc<Shared>,
}

impl Conn {
    /// RST both sides: linger 0, wake the other pump, and let the last drop close.
    fn reset(&self) {
        self.closed.store(true, Ordering::SeqCst);
        for s in [&self.client, &self.server] {
            let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
            let _ = s.shutdown(Shutdown::Read);
        }
    }

    /// A polite close (FIN both ways), used when a call ends.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }

    /// Sleeps up to `d`, waking early if the connection is closed.
    fn nap(&self, d: Duration) {
        let began = Instant::now();
        let until = began + d;
        while !self.closed.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(5)));
        }
        lock(&self.shared.state).report.delay += began.elapsed();
    }

    fn fired(&self, f: Fault) {
        lock(&self.shared.state).report.fired.push(f);
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.shared.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The running proxy. Dropping it stops accepting and closes every connection.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Starts relaying `127.0.0.1:<ephemeral>` to `upstream`, with faults off.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            state: Mutex::new(CallState {
                rng: Rng::new(0),
                faults_on: false,
                timeout: Duration::from_secs(1),
                report: CallReport::default(),
            }),
            conns: Mutex::new(Vec::new()),
            active: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let sh = shared.clone();
        std::thread::Builder::new().name("chaos-proxy".into()).spawn(move || accept_loop(listener, sh))?;
        Ok(Proxy { addr, shared })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts a call: faults (if `faults_on`) are drawn from `seed` from now on.
    pub fn begin_call(&self, seed: u64, faults_on: bool, timeout: Duration) {
        let mut st = lock(&self.shared.state);
        st.rng = Rng::new(seed);
        st.faults_on = faults_on;
        st.timeout = timeout;
        st.report = CallReport::default();
    }

    /// Ends a call: closes every connection (idle pooled ones included), waits
    /// until their relays have stopped, and returns what the call went through.
    pub fn end_call(&self) -> CallReport {
        let conns: Vec<Arc<Conn>> = lock(&self.shared.conns).drain(..).filter_map(|w| w.upgrade()).collect();
        let mut idle = 0;
        for c in &conns {
            if !c.closed.load(Ordering::SeqCst) {
                idle += 1;
            }
            c.close();
        }
        drop(conns);
        let until = Instant::now() + Duration::from_secs(5);
        while self.shared.active.load(Ordering::SeqCst) > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut st = lock(&self.shared.state);
        st.report.idle_closed = idle;
        std::mem::take(&mut st.report)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for c in lock(&self.shared.conns).drain(..).filter_map(|w| w.upgrade()) {
            c.close();
        }
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = stream else { continue };
        let Ok(server) = TcpStream::connect(shared.upstream) else { continue };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let fault = {
            let mut st = lock(&shared.state);
            st.report.connections += 1;
            let timeout = st.timeout;
            if st.faults_on { Fault::draw(&mut st.rng, timeout) } else { Fault::None }
        };
        shared.active.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn { client, server, closed: AtomicBool::new(false), shared: shared.clone() });
        lock(&shared.conns).push(Arc::downgrade(&conn));
        let c2 = conn.clone();
        let up = std::thread::Builder::new().name("chaos-up".into()).spawn(move || pump_request(&c2, fault));
        let c3 = conn.clone();
        let down = std::thread::Builder::new().name("chaos-down".into()).spawn(move || pump_response(&c3, fault));
        if up.is_err() || down.is_err() {
            conn.reset();
        }
    }
}

/// Finds `Idempotency-Key` values and request lines in relayed request bytes.
#[derive(Default)]
struct RequestScan {
    partial: Vec<u8>,
}

impl RequestScan {
    fn feed(&mut self, bytes: &[u8], report: &mut CallReport) {
        self.partial.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(i) = self.partial[start..].windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&self.partial[start..start + i]).into_owned();
            start += i + 2;
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("idempotency-key")
            {
                report.idempotency_keys.push(value.trim().to_owned());
            }
            if let Some((method, rest)) = line.split_once(' ')
                && rest.starts_with('/')
                && rest.ends_with(" HTTP/1.1")
            {
                *report.requests.entry(method.to_owned()).or_default() += 1;
            }
        }
        self.partial.drain(..start);
        // A body without line breaks: only its last bytes can start a header.
        if self.partial.len() > 4096 {
            let cut = self.partial.len() - 4096;
            self.partial.drain(..cut);
        }
    }
}

fn pump_request(conn: &Conn, fault: Fault) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    let mut scan = RequestScan::default();
    let mut from = &conn.client;
    let mut to = &conn.server;
    loop {
        let n: usize = from.read(&mut buf).unwrap_or_default();
        if conn.closed.load(Ordering::SeqCst) {
            return;
        }
        if n == 0 {
            let _ = to.shutdown(Shutdown::Write);
            return;
        }
        let chunk = &buf[..n];
        let (limit, action) = match fault {
            Fault::ResetRequest(at) if sent + n > at => (at - sent, Some(true)),
            Fault::HalfCloseRequest(at) if sent + n > at => (at - sent, Some(false)),
            _ => (n, None),
        };
        scan.feed(&chunk[..limit], &mut lock(&conn.shared.state).report);
        if to.write_all(&chunk[..limit]).is_err() {
            conn.reset();
            return;
        }
        sent += limit;
        match action {
            Some(true) => {
                conn.fired(fault);
                conn.reset();
                return;
            }
            Some(false) => {
                conn.fired(fault);
                let _ = to.shutdown(Shutdown::Write);
                // Keep draining the client so it is not blocked writing.
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 || conn.closed.load(Ordering::SeqCst) {
                        break;
                    }
                }
                return;
            }
            None => {}
        }
    }
}

fn pump_response(conn: &Conn, fault: Fault) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    let mut fired = false;
    let mut from = &conn.server;
    let mut to = &conn.client;
    loop {
        let n: usize = from.read(&mut buf).unwrap_or_default();
        if conn.closed.load(Ordering::SeqCst) {
            return;
        }
        if n == 0 {
            let _ = to.shutdown(Shutdown::Write);
            return;
        }
        let mut chunk = &buf[..n];
        match fault {
            Fault::ResetResponse(at) if sent + n > at => {
                let _ = to.write_all(&chunk[..at - sent]);
                conn.fired(fault);
                conn.reset();
                return;
            }
            Fault::HalfCloseResponse(at) if sent + n > at => {
                let _ = to.write_all(&chunk[..at - sent]);
                conn.fired(fault);
                let _ = to.shutdown(Shutdown::Write);
                // Swallow the rest of the response until the call ends.
                while let Ok(n) = from.read(&mut buf) {
                    if n == 0 || conn.closed.load(Ordering::SeqCst) {
                        break;
                    }
                }
                return;
            }
            Fault::Stall { at, ms } if !fired && sent + n > at => {
                let head = at - sent;
                if to.write_all(&chunk[..head]).is_err() {
                    conn.reset();
                    return;
                }
                sent += head;
                chunk = &chunk[head..];
                fired = true;
                conn.fired(fault);
                conn.nap(Duration::from_millis(ms));
                if conn.closed.load(Ordering::SeqCst) {
                    return;
                }
            }
            Fault::DelayHeaders { ms } if !fired && sent == 0 => {
                fired = true;
                conn.fired(fault);
                conn.nap(Duration::from_millis(ms));
                if conn.closed.load(Ordering::SeqCst) {
                    return;
                }
            }
            Fault::Trickle { us } => {
                if !fired {
                    fired = true;
                    conn.fired(fault);
                }
                for b in chunk {
                    if conn.closed.load(Ordering::SeqCst) || to.write_all(std::slice::from_ref(b)).is_err() {
                        conn.reset();
                        return;
                    }
                    conn.nap(Duration::from_micros(us));
                }
                sent += chunk.len();
                continue;
            }
            _ => {}
        }
        if to.write_all(chunk).is_err() {
            conn.reset();
            return;
        }
        sent += chunk.len();
    }
}
