//! A TCP proxy in front of a server, to break connections on purpose: cut every connection at once, or pause
//! the server-to-client direction (a client that stops receiving).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The proxy handle; dropping it stops accepting.
pub struct Proxy {
    pub port: u16,
    /// Bumped to cut every open connection.
    generation: watch::Sender<u64>,
    paused: Arc<AtomicBool>,
    accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Forwards `127.0.0.1:<port>` to `target`.
    pub async fn start(target: std::net::SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (generation, _) = watch::channel(0u64);
        let paused = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn({
            let generation = generation.clone();
            let paused = paused.clone();
            let accepted = accepted.clone();
            async move {
                while let Ok((client, _)) = listener.accept().await {
                    accepted.fetch_add(1, Ordering::Relaxed);
                    let Ok(server) = TcpStream::connect(target).await else {
                        continue;
                    };
                    let mut cut = generation.subscribe();
                    let paused = paused.clone();
                    tokio::spawn(async move {
                        let (mut client_read, mut client_write) = client.into_split();
                        let (mut server_read, mut server_write) = server.into_split();
                        let upstream = async {
                            let mut buf = vec![0u8; 16 * 1024];
                            loop {
                                let n = client_read.read(&mut buf).await.unwrap_or(0);
                                if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                            }
                        };
                        let downstream = async {
                            let mut buf = vec![0u8; 16 * 1024];
                            loop {
                                while paused.load(Ordering::Relaxed) {
                                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                                }
                                let n = server_read.read(&mut buf).await.unwrap_or(0);
                                if n == 0 || client_write.write_all(&buf[..n]).await.is_err() {
                                    return;
                                }
                            }
                        };
                        tokio::select! {
                            () = upstream => {}
                            () = downstream => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            }
        });
        Proxy {
            port,
            generation,
            paused,
            accepted,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drops every open connection (both directions, at once).
    pub fn cut(&self) {
        self.generation.send_modify(|g| *g += 1);
    }

    /// Stops (or resumes) delivering the server's bytes to clients.
    pub fn pause(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
