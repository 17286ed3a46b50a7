package dev.roachkit.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between the driver and the database that injects network faults on command:
 * <ul>
 *   <li>{@link #cutAll()}: reset every open connection, as a server restart or a broken network does;</li>
 *   <li>{@link #refuse()}: accept new connections and close them at once, as a server that is down;</li>
 *   <li>{@link #blackhole()}: accept, then never answer; bytes in flight on open connections are held;</li>
 *   <li>{@link #latency(Duration)}: delay every chunk of traffic in both directions;</li>
 *   <li>{@link #heal()}: let traffic through again (held connections of a black hole are reset).</li>
 *   <li>{@link #cutAfterForwarding(String)}: once, forward the client bytes holding a text (such as
 *       {@code COMMIT}) to the server, then reset that connection before any answer gets back:
 *       the server acted, the client never hears of it.</li>
 * </ul>
 * Listens on 127.0.0.1 only. Thread-safe; two daemon threads per proxied connection.
 */
public final class FaultProxy implements AutoCloseable {
    private enum Mode { PASS, REFUSE, BLACKHOLE }

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final Object modeChange = new Object();
    private volatile Mode mode = Mode.PASS;
    private volatile long latencyMillis;
    private volatile boolean closed;
    private volatile byte[] cutPattern;
    private final AtomicInteger triggeredCuts = new AtomicInteger();

    private FaultProxy(ServerSocket listener, String targetHost, int targetPort) {
        this.listener = listener;
        this.targetHost = targetHost;
        this.targetPort = targetPort;
    }

    /**
     * Starts a proxy on an ephemeral local port.
     *
     * @param targetHost the database's host
     * @param targetPort the database's port
     * @return the running proxy
     * @throws IOException when no local port can be bound
     */
    public static FaultProxy start(String targetHost, int targetPort) throws IOException {
        ServerSocket ss = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        FaultProxy proxy = new FaultProxy(ss, targetHost, targetPort);
        Thread t = new Thread(proxy::acceptLoop, "fault-proxy-accept-" + ss.getLocalPort());
        t.setDaemon(true);
        t.start();
        return proxy;
    }

    /** @return the local port clients connect to */
    public int port() {
        return listener.getLocalPort();
    }

    /** @return how many client connections the proxy has accepted so far */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Resets every open connection; new ones still pass. */
    public void cutAll() {
        for (Socket s : sockets) {
            abort(s);
        }
    }

    /** New connections are accepted and closed at once, like a server that is down; open ones are reset. */
    public void refuse() {
        setMode(Mode.REFUSE);
        cutAll();
    }

    /** Traffic stops: new connections are accepted and never answered, bytes in flight are held. */
    public void blackhole() {
        setMode(Mode.BLACKHOLE);
    }

    /**
     * Delays every chunk of traffic by {@code delay} (zero to stop).
     *
     * @param delay the delay per chunk
     */
    public void latency(Duration delay) {
        latencyMillis = delay.toMillis();
    }

    /**
     * Arms a one-shot cut: the next chunk a client sends that contains {@code text} is forwarded
     * to the server, and then that connection is reset before the server's answer can reach the
     * client (the answer is dropped, not delayed).
     *
     * @param text the text to watch for, for example {@code COMMIT}
     */
    public void cutAfterForwarding(String text) {
        cutPattern = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** @return how many armed cuts have fired */
    public int triggeredCuts() {
        return triggeredCuts.get();
    }

    /** Lets traffic through again, with no added latency. Connections held by a black hole are reset. */
    public void heal() {
        Mode before = mode;
        latencyMillis = 0;
        if (before == Mode.BLACKHOLE) {
            cutAll();
        }
        setMode(Mode.PASS);
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        cutAll();
        setMode(Mode.PASS);
    }

    private void setMode(Mode m) {
        synchronized (modeChange) {
            mode = m;
            modeChange.notifyAll();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // listener closed
            }
            accepted.incrementAndGet();
            switch (mode) {
                case REFUSE -> abort(client);
                case BLACKHOLE -> sockets.add(client); // held open, never read, until heal() or cutAll()
                case PASS -> connect(client);
                default -> throw new IllegalStateException();
            }
        }
    }

    private void connect(Socket client) {
        Socket upstream = new Socket();
        try {
            upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
        } catch (IOException e) {
            abort(client);
            abort(upstream);
            return;
        }
        sockets.add(client);
        sockets.add(upstream);
        java.util.concurrent.atomic.AtomicBoolean severed = new java.util.concurrent.atomic.AtomicBoolean();
        pump(client, upstream, "up", severed);
        pump(upstream, client, "down", severed);
    }

    private void pump(Socket from, Socket to, String direction, java.util.concurrent.atomic.AtomicBoolean severed) {
        boolean up = direction.equals("up");
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            boolean leaveUpstream = false;
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    awaitTraffic();
                    long delay = latencyMillis;
                    if (delay > 0) {
                        Thread.sleep(delay);
                    }
                    byte[] pattern = cutPattern;
                    boolean cutNow = up && pattern != null && contains(buf, n, pattern);
                    if (cutNow) {
                        cutPattern = null;
                        severed.set(true); // from now on the answer is dropped
                    }
                    if (!up && severed.get()) {
                        break;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                    if (cutNow) {
                        // Reset only the client now. The server keeps its side until it answers
                        // (the down pump drops the answer and closes): resetting it at once could
                        // discard the COMMIT before the server read it.
                        triggeredCuts.incrementAndGet();
                        leaveUpstream = true;
                        break;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // a cut or a close: tear down both sides below
            } finally {
                abort(from);
                if (!leaveUpstream) {
                    abort(to);
                }
            }
        }, "fault-proxy-" + direction + "-" + port());
        t.setDaemon(true);
        t.start();
    }

    private static boolean contains(byte[] buf, int n, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= n; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buf[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Holds the calling pump while the proxy black-holes traffic. */
    private void awaitTraffic() throws InterruptedException {
        synchronized (modeChange) {
            while (mode == Mode.BLACKHOLE && !closed) {
                modeChange.wait();
            }
        }
    }

    private void abort(Socket s) {
        sockets.remove(s);
        try {
            if (!s.isClosed()) {
                s.setSoLinger(true, 0); // RST, not FIN: a hard cut
            }
        } catch (SocketException e) {
            // already gone
        }
        try {
            s.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
