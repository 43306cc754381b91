package dev.ordinal.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A small {@code dig} for the tests: builds and parses messages with dnsjava (an independent DNS
 * implementation) and sends them over plain sockets, so nothing is retried, added or hidden.
 */
final class Dig {
    static final String C = "cluster.local.";
    static final String N = "nginx.default.svc.cluster.local.";

    private final int port;
    private boolean tcp;
    private boolean recursion;
    private int bufsize = -1;
    private int ednsVersion = 0;

    Dig(int port) {
        this.port = port;
    }

    Dig tcp() {
        Dig d = copy();
        d.tcp = true;
        return d;
    }

    Dig rec() {
        Dig d = copy();
        d.recursion = true;
        return d;
    }

    Dig bufsize(int size) {
        Dig d = copy();
        d.bufsize = size;
        return d;
    }

    Dig edns(int version, int size) {
        Dig d = bufsize(size);
        d.ednsVersion = version;
        return d;
    }

    boolean isTcp() {
        return tcp;
    }

    private Dig copy() {
        Dig d = new Dig(port);
        d.tcp = tcp;
        d.recursion = recursion;
        d.bufsize = bufsize;
        d.ednsVersion = ednsVersion;
        return d;
    }

    /** {@code dig TYPE name}; the name may be written with $N and $C. */
    Message query(String type, String name) {
        return send(message(type, name, DClass.IN));
    }

    Message ptr(String ip) {
        try {
            return send(message("PTR", ReverseMap.fromAddress(ip).toString(), DClass.IN));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Message message(String type, String name, int dclass) {
        try {
            Record question = Record.newRecord(Name.fromString(expand(name)), Type.value(type, true), dclass);
            Message m = Message.newQuery(question);
            if (!recursion) {
                m.getHeader().unsetFlag(Flags.RD);
            }
            if (bufsize >= 0) {
                m.addRecord(new OPTRecord(bufsize, 0, ednsVersion, 0), Section.ADDITIONAL);
            }
            return m;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Message send(Message m) {
        try {
            byte[] reply = tcp ? tcpExchange(List.of(m.toWire())).get(0) : udpExchange(m.toWire()).orElseThrow(
                    () -> new AssertionError("no reply to " + m.getQuestion()));
            return new Message(reply);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The raw reply to a raw UDP message, or empty when none comes within a second. */
    Optional<byte[]> udpExchange(byte[] wire) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(1000);
            socket.send(new DatagramPacket(wire, wire.length, InetAddress.getLoopbackAddress(), port));
            byte[] buf = new byte[65535];
            DatagramPacket in = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(in);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
            byte[] out = new byte[in.getLength()];
            System.arraycopy(buf, 0, out, 0, out.length);
            return Optional.of(out);
        }
    }

    /** Sends every message framed in ONE write on one connection, and reads as many replies. */
    List<byte[]> tcpExchange(List<byte[]> messages) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            var bytes = new java.io.ByteArrayOutputStream();
            DataOutputStream framed = new DataOutputStream(bytes);
            for (byte[] m : messages) {
                framed.writeShort(m.length);
                framed.write(m);
            }
            s.getOutputStream().write(bytes.toByteArray());
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<byte[]> replies = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                byte[] reply = new byte[in.readUnsignedShort()];
                in.readFully(reply);
                replies.add(reply);
            }
            return replies;
        }
    }

    static String expand(String name) {
        String n = name.replace("$N", N).replace("$C", C);
        return n.endsWith(".") ? n : n + ".";
    }
}
