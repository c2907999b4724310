package io.valmi.postgres.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import javax.net.SocketFactory;
import org.slf4j.Logger;

/**
 * Sockets with TCP keepalive probes after {@value #IDLE_SECONDS} s of silence, every {@value #INTERVAL_SECONDS} s,
 * {@value #COUNT} of them: a peer that is gone (a host that died, a network cut) is found within about two minutes
 * instead of the operating system's default of more than two hours, and a connection waiting for a long statement is
 * not dropped as idle by a load balancer or NAT on the way (they forget silent flows after a few minutes). pgjdbc
 * makes it by name ({@code socketFactory}), with its public no-argument constructor. A frozen server (its process
 * stopped, its kernel still answering probes) is not found this way: only a read timeout finds that.
 */
public final class KeepAliveSocketFactory extends SocketFactory {
    private static final Logger log = Logs.CONNECTION;
    /** Seconds of silence before the first probe. */
    static final int IDLE_SECONDS = 60;
    /** Seconds between probes. */
    static final int INTERVAL_SECONDS = 10;
    /** Unanswered probes after which the connection is broken. */
    static final int COUNT = 6;

    /** For pgjdbc, which makes the factory by name. */
    public KeepAliveSocketFactory() {
    }

    @Override
    public Socket createSocket() throws IOException {
        Socket socket = new Socket();
        configure(socket);
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket socket = createSocket();
        socket.connect(new InetSocketAddress(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        Socket socket = createSocket();
        socket.bind(new InetSocketAddress(localHost, localPort));
        socket.connect(new InetSocketAddress(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket socket = createSocket();
        socket.connect(new InetSocketAddress(host, port));
        return socket;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
        Socket socket = createSocket();
        socket.bind(new InetSocketAddress(localAddress, localPort));
        socket.connect(new InetSocketAddress(address, port));
        return socket;
    }

    /**
     * Turns keepalive on, with this factory's timing where the platform lets a socket choose it (Linux, macOS;
     * elsewhere the system's timing applies).
     *
     * @param socket a socket, connected or not
     * @throws IOException when keepalive cannot be turned on
     */
    static void configure(Socket socket) throws IOException {
        socket.setKeepAlive(true);
        try {
            set(socket, jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, IDLE_SECONDS);
            set(socket, jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, INTERVAL_SECONDS);
            set(socket, jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, COUNT);
        } catch (LinkageError e) {
            // (A runtime image without the jdk.net module.)
            log.debug("TCP keepalive uses the system's timing: {}", e.toString());
        }
    }

    private static void set(Socket socket, SocketOption<Integer> option, int value) throws IOException {
        if (socket.supportedOptions().contains(option)) {
            socket.setOption(option, value);
        }
    }
}
