//! Starting and stopping the two listeners on a dedicated OS thread with its
//! own tokio runtime, so a server can be started from sync code and from
//! inside another runtime alike.

use std::future::IntoFuture;
use std::io;
use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use crate::MockConfig;
use crate::routes::api_router;
use crate::state::AppState;
use crate::storage::storage_router;

/// After a shutdown signal, connections still open (e.g. a client holding a
/// stream) are aborted after this long.
const GRACE: Duration = Duration::from_millis(250);

/// A launched server, before it is wrapped in a `MockServer`.
pub(crate) struct Running {
    pub state: Arc<AppState>,
    pub stop: oneshot::Sender<()>,
    pub thread: JoinHandle<()>,
}

/// Connections the kernel queues for accept, as a production server sets it:
/// `std`'s listener asks for 128, and a client that opens 1,000 connections at
/// once (the soak, the bench's item 5) then has SYNs dropped and re-sent a
/// second later, which a real endpoint would not do to it.
const BACKLOG: i32 = 4096;

fn bind(port: u16) -> io::Result<StdListener> {
    use socket2::{Domain, Socket, Type};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let named = |e: io::Error| io::Error::new(e.kind(), format!("cannot bind 127.0.0.1:{port}: {e}"));
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    // As std's bind does on Unix: a restarted mock can take its port back at once.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into()).map_err(named)?;
    socket.listen(BACKLOG).map_err(named)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// Binds both listeners, starts the server thread, returns once serving.
pub(crate) fn launch(config: MockConfig) -> io::Result<Running> {
    let api = bind(config.port)?;
    let storage = bind(config.storage_port)?;
    let base_url = format!("http://127.0.0.1:{}", api.local_addr()?.port());
    let storage_url = format!("http://127.0.0.1:{}", storage.local_addr()?.port());
    let state = Arc::new(AppState::new(config, base_url, storage_url));

    let (ready_tx, ready_rx) = mpsc::channel::<io::Result<()>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread_state = state.clone();
    let thread = std::thread::Builder::new().name("pareta-mock".to_owned()).spawn(move || {
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        rt.block_on(serve(thread_state, api, storage, ready_tx, stop_rx));
        rt.shutdown_timeout(Duration::from_millis(100));
    })?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(Running { state, stop: stop_tx, thread }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => {
            let _ = thread.join();
            Err(io::Error::other("pareta-mock server thread exited early"))
        }
    }
}

async fn serve(
    state: Arc<AppState>,
    api: StdListener,
    storage: StdListener,
    ready: mpsc::Sender<io::Result<()>>,
    stop: oneshot::Receiver<()>,
) {
    let listeners =
        tokio::net::TcpListener::from_std(api).and_then(|api| Ok((api, tokio::net::TcpListener::from_std(storage)?)));
    let (api, storage) = match listeners {
        Ok(pair) => pair,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let (quit_tx, quit_rx) = watch::channel(false);
    let wait = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|quit| *quit).await;
    };
    let api_server =
        axum::serve(api, api_router(state.clone())).with_graceful_shutdown(wait(quit_rx.clone())).into_future();
    let storage_server =
        axum::serve(storage, storage_router(state)).with_graceful_shutdown(wait(quit_rx)).into_future();
    let servers = async move {
        let _ = tokio::join!(api_server, storage_server);
    };
    tokio::pin!(servers);
    let _ = ready.send(Ok(()));
    tokio::select! {
        () = &mut servers => return,
        // Sent, or the MockServer was dropped without sending: stop either way.
        _ = stop => {}
    }
    let _ = quit_tx.send(true);
    let _ = tokio::time::timeout(GRACE, servers).await;
}
