/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: the ZeroMQ connection layer. See netgearconn.h. */
#include "netgearconn.h"

#include <gst/gst.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC(netgear_conn_debug);
#define GST_CAT_DEFAULT netgear_conn_debug

namespace netgear {

namespace {

void init_debug() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(netgear_conn_debug, "netgearconn", 0, "NetGear ZeroMQ connections");
    g_once_init_leave(&once, 1);
  }
}

/* How long the terminate of a PUB sender may take to leave the socket after
 * it was handed over, and how long a REP socket may take to flush its last
 * replies when it closes. */
constexpr int kPubTerminateLingerMs = 500;
constexpr int kRepCloseLingerMs = 100;
/* With XPUB_NODROP a PUB socket refuses a message while its pipe is full and
 * gives no event when it drains: the terminate is retried at this interval,
 * only while it waits, and never past its deadline. */
constexpr int kPubRetryMs = 5;
/* ZMTP heartbeats on every connection, both ends: a peer whose host
 * vanished (power, cable, a network that drops everything) gets its
 * connection closed after kHeartbeatTimeoutMs instead of TCP's minutes, so
 * a PUB sender stops sending into the void, and a receiver's port frees the
 * connection. Any ZMTP 3.1 peer (libzmq 4.2 or newer, so pyzmq/vidgear
 * too) answers the pings without being configured. A pong can queue behind
 * a frame still in transit, so the timeout leaves a slow link several
 * seconds for one large frame. */
constexpr int kHeartbeatIvlMs = 2000;
constexpr int kHeartbeatTimeoutMs = 10000;
/* ZeroMQ gives up for good on a connection whose handshake broke the
 * protocol, a socket-type (pattern) mismatch among them: the sender tries
 * again on a fresh socket after this, so that a receiver set right in the
 * meantime is found. */
constexpr int kHandshakeRenewMs = 1000;

long min_timeout(long a, long b) {
  if (a < 0)
    return b;
  if (b < 0)
    return a;
  return std::min(a, b);
}

void free_payload(void * /*data*/, void *hint) { delete static_cast<PayloadPtr *>(hint); }

/* Sends part 0 and, zero-copy, part 1. Returns false with errno set. */
bool send_message(void *sock, const OutMessage &m, int flags) {
  bool two = static_cast<bool>(m.payload);
  if (zmq_send(sock, m.header.data(), m.header.size(), flags | (two ? ZMQ_SNDMORE : 0)) < 0)
    return false;
  if (!two)
    return true;
  zmq_msg_t part;
  auto *hint = new PayloadPtr(m.payload);
  /* Casting away const: ZeroMQ only reads the memory it is given. */
  if (zmq_msg_init_data(&part, const_cast<void *>(m.payload->data()), m.payload->size(), free_payload,
                        hint) != 0) {
    delete hint;
    return false;
  }
  /* Part 0 is already queued; with DONTWAIT a multipart message is admitted
   * whole or not at all, so the second part cannot fail on HWM alone. */
  if (zmq_msg_send(&part, sock, flags) < 0) {
    int e = errno;
    zmq_msg_close(&part);
    errno = e;
    return false;
  }
  return true;
}

/* Reads one whole message without blocking. */
bool receive_message(void *sock, Message *msg) {
  msg->parts.clear();
  msg->nparts = 0;
  msg->peer.clear();
  msg->fd = -1;
  for (;;) {
    Part p;
    if (zmq_msg_recv(p.get(), sock, ZMQ_DONTWAIT) < 0)
      return msg->nparts > 0;
    if (msg->nparts == 0) {
      const char *peer = zmq_msg_gets(p.get(), "Peer-Address");
      if (peer)
        msg->peer = peer;
      /* Deprecated, not gone: libzmq has no other way to tell which
       * connection of a REP or SUB socket a message came on. */
      msg->fd = zmq_msg_get(p.get(), ZMQ_SRCFD);
    }
    bool more = zmq_msg_more(p.get());
    msg->nparts++;
    if (msg->parts.size() < Message::kMaxParts)
      msg->parts.push_back(std::move(p));
    if (!more)
      return true;
  }
}

void set_int(void *sock, int opt, int value) { zmq_setsockopt(sock, opt, &value, sizeof value); }

void set_key(void *sock, int opt, const std::string &z85) {
  /* Z85 text is taken with its terminating NUL. */
  zmq_setsockopt(sock, opt, z85.c_str(), z85.size() + 1);
}

/* With CURVE, failed handshakes in a row (none succeeding) that mean the
 * receiver's key is not the one we have; a receiver restarting fails one. */
constexpr int kHandshakeFailuresRefused = 3;
constexpr int kHandshakeFailed =
    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;

void set_heartbeat(void *sock) {
  set_int(sock, ZMQ_HEARTBEAT_IVL, kHeartbeatIvlMs);
  set_int(sock, ZMQ_HEARTBEAT_TIMEOUT, kHeartbeatTimeoutMs);
  set_int(sock, ZMQ_HEARTBEAT_TTL, kHeartbeatTimeoutMs);
}

/* Starts reporting `events` of `sock` on a new PAIR socket, returned. */
void *monitor_socket(void *ctx, void *sock, int events, std::string *error) {
  /* Numbered: a replacement socket may reuse the old one's address. */
  static std::atomic<uint64_t> serial{0};
  std::string uri = "inproc://netgear-monitor-" + std::to_string(serial++);
  void *m = zmq_socket(ctx, ZMQ_PAIR);
  if (!m || zmq_socket_monitor(sock, uri.c_str(), events) != 0 || zmq_connect(m, uri.c_str()) != 0) {
    *error = std::string("cannot monitor a ZeroMQ socket: ") + zmq_strerror(errno);
    if (m)
      zmq_close(m);
    return nullptr;
  }
  set_int(m, ZMQ_LINGER, 0);
  return m;
}

/* Stops the monitor of `sock` and closes both (either may be null); a
 * linger of 0 or more is set on `sock` first. */
void close_monitored(void *&sock, void *&monitor, int linger) {
  if (monitor) {
    zmq_socket_monitor(sock, nullptr, 0);
    zmq_close(monitor);
    monitor = nullptr;
  }
  if (sock) {
    if (linger >= 0)
      set_int(sock, ZMQ_LINGER, linger);
    zmq_close(sock);
    sock = nullptr;
  }
}

/* Reads one monitor event: part 0 holds a 16-bit event number and a 32-bit
 * value, part 1 the endpoint. */
bool read_event(void *monitor, Message *event, uint16_t *ev, uint32_t *value) {
  while (receive_message(monitor, event)) {
    if (event->parts.empty() || event->parts[0].size() < sizeof *ev + sizeof *value)
      continue;
    memcpy(ev, event->parts[0].data(), sizeof *ev);
    memcpy(value, static_cast<const char *>(event->parts[0].data()) + sizeof *ev, sizeof *value);
    return true;
  }
  return false;
}

/* The IP address at the other end of a TCP connection, "" otherwise. */
std::string peer_of_fd(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0)
    return {};
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in *>(&addr)->sin_addr, text, sizeof text);
  else if (addr.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 *>(&addr)->sin6_addr, text, sizeof text);
  return text;
}

/* Whether a Unix socket at `path` has a listener: a file left by one that
 * is gone refuses the connection. */
bool ipc_in_use(const std::string &path) {
  struct stat st;
  sockaddr_un addr{};
  if (lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) || path.size() >= sizeof addr.sun_path)
    return false;
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  bool listening = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
  close(fd);
  return listening;
}

/* A context of the element's own: terminating it waits only for the
 * element's sockets, each closed with a bounded linger. */
void *new_context(const Wakeup &wake, std::string *error) {
  if (!wake.valid()) {
    *error = std::string("cannot create an eventfd: ") + strerror(errno);
    return nullptr;
  }
  void *ctx = zmq_ctx_new();
  if (!ctx)
    *error = std::string("cannot create a ZeroMQ context: ") + zmq_strerror(errno);
  return ctx;
}

} // namespace

int ms_until(uint64_t deadline_us, uint64_t now_us) {
  if (deadline_us <= now_us)
    return 0;
  uint64_t ms = (deadline_us - now_us + 999) / 1000;
  return static_cast<int>(std::min<uint64_t>(ms, INT32_MAX));
}

uint64_t monotonic_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/* ---- configuration ---- */

bool parse_ports(const std::string &text, std::vector<int> *ports, Error *error, bool allow_empty) {
  ports->clear();
  std::set<int> seen;
  size_t i = 0;
  auto separator = [](char c) { return c == ',' || c == ' ' || c == ';' || c == '\t'; };
  while (i < text.size()) {
    if (separator(text[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < text.size() && !separator(text[j]))
      j++;
    std::string tok = text.substr(i, j - i);
    i = j;
    bool digits = !tok.empty() && tok.size() <= 6 &&
                  std::all_of(tok.begin(), tok.end(), [](char c) { return c >= '0' && c <= '9'; });
    int port = digits ? std::stoi(tok) : -1;
    if (port < 1 || port > 65535) {
      *error = {"Property 'ports': \"" + tok + "\" is not a port number",
                "ports=\"" + text + "\": each port is a number from 1 to 65535, one per sender, e.g. "
                "ports=5566,5567"};
      return false;
    }
    if (!seen.insert(port).second) {
      *error = {"Property 'ports' lists port " + tok + " twice",
                "ports=\"" + text + "\": each sender needs a port of its own"};
      return false;
    }
    ports->push_back(port);
  }
  if (ports->empty() && !allow_empty) {
    *error = {"Property 'ports' is empty",
              "give one port per sender, e.g. ports=5566,5567, or request pads src_<port> (s.src_5566 in gst-launch)"};
    return false;
  }
  return true;
}

bool resolve_host(const std::string &host, std::string *out, bool *ipv6, std::string *why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    *why = gai_strerror(rc);
    return false;
  }
  const addrinfo *v4 = nullptr, *v6 = nullptr;
  for (const addrinfo *a = res; a; a = a->ai_next) {
    if (a->ai_family == AF_INET && !v4)
      v4 = a;
    else if (a->ai_family == AF_INET6 && !v6)
      v6 = a;
  }
  const addrinfo *pick = v4 ? v4 : v6;
  char text[INET6_ADDRSTRLEN] = "";
  if (pick && pick->ai_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(pick->ai_addr)->sin_addr, text, sizeof text);
  else if (pick)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(pick->ai_addr)->sin6_addr, text, sizeof text);
  bool found = text[0] != '\0';
  if (found) {
    *out = text;
    *ipv6 = pick->ai_family == AF_INET6;
  } else {
    *why = "no IPv4 or IPv6 address";
  }
  freeaddrinfo(res);
  return found;
}

namespace {

bool is_ip_literal(const std::string &s, bool *ipv6) {
  in6_addr a6;
  in_addr a4;
  if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
    *ipv6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
    *ipv6 = true;
    return true;
  }
  return false;
}

} // namespace

bool transport_address(const std::string &protocol, const std::string &address, bool bind, std::string *out,
                       bool *ipv6, Error *error) {
  *ipv6 = false;
  if (address.empty()) {
    *error = {"Property 'address' is empty",
              bind ? "give the address to listen on: * (or 0.0.0.0) for every interface, one of this host's IP "
                     "addresses or host names, or an interface name such as eth0"
                   : "give the receiving host's name or IP address"};
    return false;
  }
  if (protocol == "ipc") {
    /* ZeroMQ makes a path starting with '*' a fresh temporary folder of its
     * own, which the other end cannot know, and leaves it behind. */
    if (address == "*" || address == "0.0.0.0" || address == "localhost") {
      *out = kIpcDefaultPath;
      return true;
    }
    if (address[0] == '*') {
      *error = {"Property 'address': \"" + address + "\" is not a path",
                "with protocol=ipc the address is the path the socket files start with (ADDRESS:PORT), the "
                "same on both ends, e.g. /tmp/wall; leave it at its default for " + std::string(kIpcDefaultPath)};
      return false;
    }
    *out = address;
    return true;
  }
  std::string host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "*" || is_ip_literal(host, ipv6)) {
    *out = host;
    return true;
  }
  if (!bind) {
    /* ZeroMQ resolves it when it connects, and again when it reconnects,
     * so a receiver whose address changes is still found. Not with
     * ZMQ_IPV6: libzmq then asks for IPv6 addresses first, and "localhost"
     * would reach ::1, where a receiver listening on IPv4 is not. */
    *out = host;
    return true;
  }
  /* ZeroMQ binds interface names itself; any other name is not an
   * interface to it ("No such device"). */
  if (if_nametoindex(host.c_str()) != 0) {
    *out = host;
    return true;
  }
  std::string why;
  if (!resolve_host(host, out, ipv6, &why)) {
    *error = {"Property 'address': cannot listen on \"" + address + "\"",
              "\"" + address + "\" is neither an IP address, nor a host name (" + why +
                  "), nor a network interface of this host; a receiver listens on * (or 0.0.0.0) for every "
                  "interface, on one of this host's IP addresses or host names, or on an interface name such as "
                  "eth0"};
    return false;
  }
  return true;
}

std::string endpoint_uri(const std::string &protocol, const std::string &address, int port) {
  if (protocol == "tcp" && address.find(':') != std::string::npos && address.front() != '[')
    return protocol + "://[" + address + "]:" + std::to_string(port);
  return protocol + "://" + address + ":" + std::to_string(port);
}

/* ---- Wakeup ---- */

Wakeup::Wakeup() { fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

Wakeup::~Wakeup() {
  if (fd_ >= 0)
    close(fd_);
}

void Wakeup::signal() {
  uint64_t one = 1;
  /* Only fails when the counter would overflow, i.e. it is already set. */
  ssize_t r = write(fd_, &one, sizeof one);
  (void)r;
}

void Wakeup::drain() {
  uint64_t v;
  ssize_t r = read(fd_, &v, sizeof v);
  (void)r;
}

/* ---- Sender ---- */

Sender::Sender(SenderConfig cfg) : cfg_(std::move(cfg)) { init_debug(); }

Sender::~Sender() { stop(); }

void *Sender::make_socket(std::string *error) {
  bool req = cfg_.pattern == PATTERN_REQREP;
  /* Pattern 1 is a DEALER that speaks to the REP as a REQ with
   * ZMQ_REQ_CORRELATE does (a request id, an empty delimiter, the message),
   * without REQ's lock-step: several requests can be in flight. XPUB is
   * PUB on the wire (a vidgear SUB accepts it) and also tells us whether a
   * receiver is subscribed, and can refuse rather than drop the terminate
   * message (XPUB_NODROP). */
  void *s = zmq_socket(ctx_, req ? ZMQ_DEALER : ZMQ_XPUB);
  if (!s) {
    *error = std::string("cannot create a ZeroMQ socket: ") + zmq_strerror(errno);
    return nullptr;
  }
  set_int(s, ZMQ_LINGER, 0);
  set_heartbeat(s);
  if (cfg_.ipv6)
    set_int(s, ZMQ_IPV6, 1);
  /* Set again on every new socket, so a reconnection keeps its keys
   * (NetGear's drop them, docs/protocol.md#fault-10). */
  if (cfg_.security.mode != SECURE_NONE) {
    set_key(s, ZMQ_CURVE_SERVERKEY, cfg_.security.server_key);
    set_key(s, ZMQ_CURVE_PUBLICKEY, cfg_.security.public_key);
    set_key(s, ZMQ_CURVE_SECRETKEY, cfg_.security.secret_key);
  }
  if (req) {
    /* Queue nothing until the receiver is there: a sender that starts first
     * waits for it instead of timing out. */
    set_int(s, ZMQ_IMMEDIATE, 1);
  } else {
    set_int(s, ZMQ_SNDHWM, 1);
    /* From the start, not just for the terminate: once XPUB has dropped a
     * message for a full pipe, it skips that pipe until the receiver reads,
     * and reports later sends, the terminate too, as sent. Refused frames
     * are dropped here instead (latest-frame semantics all the same). */
    set_int(s, ZMQ_XPUB_NODROP, 1);
  }
  /* A request whose connection closes is lost with it (ZeroMQ does not
   * send it again): watching for that lets it go again at once rather than
   * after request-timeout. A refused security handshake would otherwise
   * look like a receiver that is not there, for ever, and so would one
   * with the other pattern (see on_handshake_closed). Before the connect,
   * so no event is missed. */
  monitor_ = monitor_socket(ctx_, s,
                            ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                                kHandshakeFailed,
                            error);
  if (!monitor_) {
    zmq_close(s);
    return nullptr;
  }
  handshake_pending_ = false;
  renew_at_us_ = 0;
  present_ = false;
  if (zmq_connect(s, cfg_.endpoint.c_str()) != 0) {
    *error = "cannot connect to " + cfg_.endpoint + ": " + zmq_strerror(errno);
    sock_ = s;
    close_socket();
    return nullptr;
  }
  return s;
}

void Sender::close_socket() { close_monitored(sock_, monitor_, -1); }

bool Sender::renew_socket() {
  GST_INFO_OBJECT(cfg_.log_object, "%s: a fresh socket", cfg_.endpoint.c_str());
  close_socket();
  std::string err;
  sock_ = make_socket(&err);
  if (sock_)
    return true;
  GST_ERROR_OBJECT(cfg_.log_object, "%s", err.c_str());
  if (fatal_.empty())
    fatal_ = err;
  return false;
}

bool Sender::start(std::string *error) {
  ctx_ = new_context(wake_, error);
  if (!ctx_)
    return false;
  answered_once_ = false;
  failures_ = handshake_failures_ = handshake_closed_ = 0;
  pending_.clear();
  answers_.clear();
  nsent_ = 0;
  /* As REQ starts its ids: a random start, so a receiver cannot mistake a
   * new sender's request for an old one's. */
  next_id_ = static_cast<uint32_t>(g_random_int());
  fatal_.clear();
  close_linger_ms_ = 0;
  flushing_ = false;
  sock_ = make_socket(error);
  if (!sock_) {
    close_socket();
    zmq_ctx_term(ctx_);
    ctx_ = nullptr;
    return false;
  }
  return true;
}

void Sender::stop() {
  close_monitored(sock_, monitor_, close_linger_ms_);
  forget_in_flight();
  if (ctx_) {
    /* Bounded: every socket was closed with a finite linger. */
    const uint64_t start = monotonic_us();
    zmq_ctx_term(ctx_);
    ctx_ = nullptr;
    GST_DEBUG_OBJECT(cfg_.log_object, "%s: closed in %" G_GUINT64_FORMAT " ms (linger %d ms)", cfg_.endpoint.c_str(),
                     (monotonic_us() - start) / 1000, close_linger_ms_);
  }
}

void Sender::set_flushing(bool flushing) {
  flushing_ = flushing;
  if (flushing)
    wake_.signal();
  else
    wake_.drain();
}

SenderStats Sender::stats() {
  std::lock_guard<std::mutex> lk(stats_mu_);
  return stats_;
}

void Sender::count(const std::function<void(SenderStats &)> &f) {
  std::lock_guard<std::mutex> lk(stats_mu_);
  f(stats_);
}

/* Whether a monitor event says the receiver refuses this sender for good.
 * A refusal by its authentication, or another security mechanism, is final.
 * Any other failed handshake is what a receiver that dies or restarts
 * leaves (the connection closed mid-handshake): ZeroMQ connects again, and
 * without security that is all it is. With CURVE a wrong receiver key
 * fails that way too, at every attempt: refused once it repeats with no
 * handshake succeeding in between. */
bool Sender::is_refusal(uint16_t ev, uint32_t value) {
  if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH ||
      (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH))
    return true;
  handshake_failures_++;
  GST_INFO_OBJECT(cfg_.log_object, "%s: handshake failed (event 0x%x, value 0x%x), %d in a row",
                  cfg_.endpoint.c_str(), ev, value, handshake_failures_);
  return cfg_.security.mode != SECURE_NONE && handshake_failures_ >= kHandshakeFailuresRefused;
}

/* The receiver will not take this sender: every later send fails with
 * the reason. */
void Sender::handshake_failed(uint16_t ev, uint32_t value) {
  std::string why;
  if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    why = "the receiver at " + cfg_.endpoint + " refused this sender (ZAP status " + std::to_string(value) +
          "): its public key is not among the receiver's allowed keys, or its address is not allowed";
  else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    why = "the receiver at " + cfg_.endpoint + " uses another security mechanism: 'secure-mode' must be " +
          (cfg_.security.mode == SECURE_NONE ? "set (stonehouse or ironhouse)" : "none") + " here, as there";
  else
    why = "the security handshake with " + cfg_.endpoint +
          " failed: is 'server-key' (or keys-dir's server.key) the receiver's public key?";
  GST_ERROR_OBJECT(cfg_.log_object, "%s", why.c_str());
  if (fatal_.empty())
    fatal_ = why;
}

/* A connection closed before its handshake was done. */
void Sender::handshake_closed() {
  handshake_pending_ = false;
  handshake_closed_++;
  renew_at_us_ = monotonic_us() + static_cast<uint64_t>(kHandshakeRenewMs) * 1000;
  GST_INFO_OBJECT(cfg_.log_object, "%s: connection closed during the handshake, %d in a row", cfg_.endpoint.c_str(),
                  handshake_closed_);
  if (handshake_closed_ >= kHandshakeClosedSuspect && cfg_.on_handshake_closed)
    cfg_.on_handshake_closed(handshake_closed_);
}

bool Sender::read_monitor() {
  bool lost = false;
  uint16_t ev;
  uint32_t value;
  while (read_event(monitor_, &event_, &ev, &value)) {
    if (ev == ZMQ_EVENT_CONNECTED) {
      handshake_pending_ = true;
    } else if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      handshake_pending_ = false;
      handshake_closed_ = handshake_failures_ = 0;
      renew_at_us_ = 0;
      if (cfg_.pattern == PATTERN_REQREP)
        present_ = true; /* a PUB sender's receiver is there once subscribed */
    } else if (ev & kHandshakeFailed) {
      if (is_refusal(ev, value))
        handshake_failed(ev, value);
      else if (handshake_pending_)
        handshake_closed();
    } else if (ev == ZMQ_EVENT_DISCONNECTED) {
      lost = true;
      if (handshake_pending_)
        handshake_closed();
      if (cfg_.pattern == PATTERN_REQREP)
        present_ = false;
    }
  }
  return lost;
}

/* A receiver's control rides as the last part of its answer (pattern 1):
 * taken off, so the answer reads as it would without it. */
void Sender::take_control(Message *answer) {
  if (answer->nparts < 2 || answer->parts.size() != answer->nparts)
    return;
  Control c;
  if (!decode_control(answer->parts.back().view(), &c))
    return;
  answer->parts.pop_back();
  answer->nparts--;
  note_control(c);
}

void Sender::note_control(const Control &c) {
  if (!c.force_key_unit)
    return;
  GST_DEBUG_OBJECT(cfg_.log_object, "%s: the receiver asks for a keyframe", cfg_.endpoint.c_str());
  key_unit_requested_ = true;
}

bool Sender::take_key_unit_request() {
  if (cfg_.pattern != PATTERN_REQREP && sock_)
    note_subscriptions(); /* pattern 2's requests come up with the subscriptions */
  const bool r = key_unit_requested_;
  key_unit_requested_ = false;
  return r;
}

/* XPUB reports (un)subscriptions: byte 1 then the topic, or byte 0; a
 * receiver's control is a message of its own (it starts with '{'). */
void Sender::note_subscriptions() {
  while (receive_message(sock_, &scratch_)) {
    if (scratch_.parts.empty() || scratch_.parts[0].size() < 1)
      continue;
    const uint8_t first = static_cast<const uint8_t *>(scratch_.parts[0].data())[0];
    if (first != 0 && first != 1) {
      Control c;
      if (scratch_.nparts == 1 && decode_control(scratch_.parts[0].view(), &c))
        note_control(c);
      continue;
    }
    bool now = first == 1;
    GST_INFO_OBJECT(cfg_.log_object, "%s: receiver %s", cfg_.endpoint.c_str(), now ? "subscribed" : "gone");
    present_ = now;
  }
}

Sender::Waited Sender::wait(short sock_events, uint64_t deadline_us) {
  Waited w;
  if (flushing_) {
    w.flushing = true;
    return w;
  }
  zmq_pollitem_t items[3] = {{nullptr, wake_.fd(), ZMQ_POLLIN, 0},
                             {sock_, 0, sock_events, 0},
                             {monitor_, 0, ZMQ_POLLIN, 0}};
  uint64_t now = monotonic_us();
  long timeout = deadline_us ? ms_until(deadline_us, now) : -1;
  if (renew_at_us_)
    timeout = min_timeout(timeout, ms_until(renew_at_us_, now));
  if (zmq_poll(items, 3, timeout) < 0 && errno != EINTR)
    GST_ERROR_OBJECT(cfg_.log_object, "zmq_poll failed: %s", zmq_strerror(errno));
  if (items[0].revents)
    wake_.drain();
  /* Read even between two requests, so that a disconnection then is not
   * taken for the loss of the next one. */
  if (items[2].revents & ZMQ_POLLIN)
    w.lost = read_monitor();
  w.sock = items[1].revents;
  w.flushing = flushing_;
  return w;
}

Sender::Pending *Sender::find_pending(uint32_t id) {
  for (size_t i = 0; i < nsent_; i++)
    if (pending_[i].id == id)
      return &pending_[i];
  return nullptr;
}

void Sender::enqueue(const OutMessage &msg) {
  if (pending_.empty() && answered_once_)
    progress_us_ = monotonic_us();
  pending_.push_back(Pending{msg, next_id_++});
}

/* The request id, then the empty delimiter, then the message: what a REQ
 * socket with ZMQ_REQ_CORRELATE sends, so a REP (ours, or vidgear's)
 * answers with the same id in front. */
bool Sender::send_pending(Pending &p) {
  if (zmq_send(sock_, &p.id, sizeof p.id, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0)
    return false;
  /* A multipart message is admitted whole or not at all: the rest cannot
   * fail on the high-water mark. */
  if (zmq_send(sock_, "", 0, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 || !send_message(sock_, p.msg, ZMQ_DONTWAIT)) {
    GST_WARNING_OBJECT(cfg_.log_object, "sending to %s failed: %s", cfg_.endpoint.c_str(), zmq_strerror(errno));
    return false;
  }
  return true;
}

/* Answers are [request id][empty][the receiver's parts]. A REP answers
 * the requests of one connection in order, so each answer is normally the
 * oldest one's; an id not in flight is the answer to a message given up
 * (or not ours) and is skipped. */
void Sender::read_answers() {
  /* Bounded, so that a peer that answers faster than we read cannot keep
   * the streaming thread here: the rest is read after the next wait. */
  for (int n = 0; n < kMaxInFlight + 8 && !flushing_; n++) {
    Part id, delim;
    if (zmq_msg_recv(id.get(), sock_, ZMQ_DONTWAIT) < 0)
      return;
    bool ok = id.size() == sizeof(uint32_t) && zmq_msg_more(id.get());
    bool have_delim = ok && zmq_msg_recv(delim.get(), sock_, ZMQ_DONTWAIT) >= 0;
    ok = have_delim && delim.size() == 0 && zmq_msg_more(delim.get());
    if (!ok) {
      /* The rest of it, whatever it is. */
      Part &last = have_delim ? delim : id;
      while (zmq_msg_more(last.get()) && zmq_msg_recv(last.get(), sock_, ZMQ_DONTWAIT) >= 0) {
      }
      if (malformed_answers_++ % 100 == 0)
        GST_WARNING_OBJECT(cfg_.log_object, "%s: an answer without a request id, ignored (%" G_GUINT64_FORMAT
                           " so far)", cfg_.endpoint.c_str(), malformed_answers_);
      continue;
    }
    receive_message(sock_, &answer_);
    uint32_t rid;
    memcpy(&rid, id.data(), sizeof rid);
    Pending *p = find_pending(rid);
    if (!p) {
      GST_DEBUG_OBJECT(cfg_.log_object, "%s: answer to request %u, no longer waited for", cfg_.endpoint.c_str(), rid);
      continue;
    }
    const uint64_t now = monotonic_us();
    /* Requests before it that got no answer: only a receiver that is not
     * a REP skips one. Taken as answered; they reached it. */
    while (&pending_.front() != p) {
      GST_WARNING_OBJECT(cfg_.log_object, "%s: request %u answered before request %u", cfg_.endpoint.c_str(), rid,
                         pending_.front().id);
      pending_.pop_front();
      nsent_--;
    }
    answered_once_ = true;
    failures_ = 0;
    progress_us_ = now;
    take_control(&answer_);
    const uint64_t rtt = (now - p->sent_us) * 1000;
    if (cfg_.keep_answers)
      answers_.push_back(Answer{p->msg.tag, std::move(p->msg.context), std::move(answer_)});
    pending_.pop_front();
    nsent_--;
    count([&](SenderStats &s) {
      s.acked++;
      s.rtt_last = rtt;
      s.rtt_max = std::max(s.rtt_max, rtt);
      s.rtt_sum += rtt;
      s.rtt_count++;
      s.last_ack_realtime_ns = static_cast<uint64_t>(g_get_real_time()) * 1000;
      s.in_flight = nsent_;
    });
  }
}

Sender::Status Sender::attempt_failed(bool lost, std::optional<uint32_t> mine, bool terminating,
                                      std::string *error) {
  /* A fresh socket either way: after a timeout the old one may be stuck on
   * a dead connection; after a loss it still offers that connection for
   * sending for a moment (the monitor can tell before the socket knows),
   * and what went there would vanish. With ZMQ_IMMEDIATE the new one takes
   * messages only once a receiver has completed its handshake. */
  failures_++;
  const size_t was_sent = nsent_;
  GST_WARNING_OBJECT(cfg_.log_object, "%s to %s, %zu message(s) unanswered (%d failed attempts in a row)",
                     lost ? "connection lost with requests on it" : "no answer in time", cfg_.endpoint.c_str(),
                     was_sent, failures_);
  count([&](SenderStats &s) {
    s.reconnects++;
    (lost ? s.lost : s.timeouts)++;
    s.in_flight = 0;
  });
  nsent_ = 0;
  if (!renew_socket()) {
    *error = fatal_;
    return Status::ERROR;
  }
  progress_us_ = monotonic_us();
  if (cfg_.max_retries >= 0 && failures_ > cfg_.max_retries) {
    *error = "no reply from " + cfg_.endpoint + " after " + std::to_string(failures_) +
             " failed attempts in a row (each " + std::to_string(cfg_.request_timeout_ms) + " ms at most; " +
             (lost ? "the receiver closed the connection with the frame on it: is the frame larger than its "
                     "max-message-size?)"
                   : "is the receiver running?)");
    return Status::ERROR;
  }
  if (!cfg_.resend && !terminating && !pending_.empty()) {
    /* Given up: what the failed attempt carried, or, when nothing could go
     * out, the oldest message waiting. */
    const size_t n = std::max<size_t>(was_sent, 1);
    bool skipped_mine = false;
    for (size_t i = 0; i < n; i++) {
      skipped_mine |= mine && pending_.front().id == *mine;
      pending_.pop_front();
    }
    count([&](SenderStats &s) { s.skipped += n; });
    if (skipped_mine)
      return Status::SKIPPED;
  }
  return Status::OK;
}

Sender::Status Sender::work(const std::function<bool()> &done, std::optional<uint32_t> mine,
                            uint64_t connect_deadline_us, uint64_t overall_deadline_us, bool terminating,
                            std::string *error) {
  const uint64_t timeout_us = static_cast<uint64_t>(cfg_.request_timeout_ms) * 1000;
  auto mine_unsent = [&] {
    return mine && nsent_ < pending_.size() && pending_.back().id == *mine;
  };
  /* Only until the receiver has answered once does a message wait for one
   * at most the connect deadline. */
  auto connect_wait = [&] { return !answered_once_ && mine_unsent() ? connect_deadline_us : 0; };
  /* Until the receiver has answered once, a sender waits for it without
   * limit (or the connect deadline), and the clock starts when a request
   * goes out. After that, and after a failure in this call, it runs
   * whenever something waits, so a receiver that went away, or that takes
   * connections and never answers, is given up on. Computed again after
   * every wait: answers read then move the window. */
  bool failed_here = false;
  auto deadline_now = [&]() -> uint64_t {
    return !pending_.empty() && (answered_once_ || nsent_ > 0 || failed_here) ? progress_us_ + timeout_us : 0;
  };
  for (;;) {
    if (!fatal_.empty()) {
      *error = fatal_;
      return Status::ERROR;
    }
    if (done())
      return Status::OK;
    uint64_t until = deadline_now();
    for (uint64_t d : {connect_wait(), overall_deadline_us})
      if (d && (!until || d < until))
        until = d;
    Waited w = wait(static_cast<short>(ZMQ_POLLIN | (nsent_ < pending_.size() ? ZMQ_POLLOUT : 0)), until);
    if (w.flushing) {
      if (mine_unsent()) {
        pending_.pop_back(); /* not out: the caller sends it again */
        return Status::FLUSHING;
      }
      return mine ? Status::OK : Status::FLUSHING;
    }
    /* Answers first: one may have come in just before the connection
     * closed (a receiver that stops as soon as it has answered). */
    if ((w.sock & ZMQ_POLLIN) || w.lost)
      read_answers();
    if (done())
      return Status::OK;
    const uint64_t now = monotonic_us();
    if (w.lost && nsent_ > 0 && terminating) {
      /* Sending it again could only reach a new receiver, which knows
       * nothing of us. */
      GST_INFO_OBJECT(cfg_.log_object, "%s: connection closed with the terminate on it", cfg_.endpoint.c_str());
      count([](SenderStats &s) { s.lost++; });
      *error = "connection closed with the terminate on it";
      return Status::ERROR;
    }
    /* The terminate's time is up: not a failed attempt (the receiver may
     * be gone for good), nothing to count. */
    if (overall_deadline_us && now >= overall_deadline_us) {
      *error = "not acknowledged in time";
      return Status::ERROR;
    }
    const uint64_t deadline = deadline_now();
    if ((w.lost && nsent_ > 0) || (deadline && now >= deadline)) {
      failed_here = true;
      Status st = attempt_failed(w.lost && nsent_ > 0, mine, terminating, error);
      if (st != Status::OK)
        return st;
      continue;
    }
    if (renew_at_us_ && nsent_ == 0 && now >= renew_at_us_) {
      if (!renew_socket()) {
        *error = fatal_;
        return Status::ERROR;
      }
      continue;
    }
    if (w.sock & ZMQ_POLLOUT) {
      while (nsent_ < pending_.size()) {
        Pending &p = pending_[nsent_];
        if (!send_pending(p))
          break;
        if (nsent_ == 0 && !answered_once_ && failures_ == 0)
          progress_us_ = now; /* the first request out starts the clock */
        const bool again = p.sent_us != 0;
        p.sent_us = now;
        nsent_++;
        count([&](SenderStats &s) {
          s.sent++;
          s.bytes += p.msg.header.size() + (p.msg.payload ? p.msg.payload->size() : 0);
          s.resent += again;
          s.in_flight = nsent_;
          s.in_flight_max = std::max<uint64_t>(s.in_flight_max, nsent_);
        });
      }
    }
    if (connect_wait() && now >= connect_wait()) {
      pending_.pop_back();
      return Status::NO_RECEIVER;
    }
  }
}

void Sender::forget_in_flight() {
  pending_.clear();
  answers_.clear();
  nsent_ = 0;
  count([](SenderStats &s) { s.in_flight = 0; });
}

Sender::Status Sender::drain(std::string *error) {
  if (!sock_)
    return Status::FLUSHING;
  if (cfg_.pattern != PATTERN_REQREP)
    return Status::OK;
  return work([this] { return pending_.empty(); }, std::nullopt, 0, 0, false, error);
}

bool Sender::take_answer(Answer *out) {
  if (answers_.empty())
    return false;
  *out = std::move(answers_.front());
  answers_.pop_front();
  return true;
}

Sender::Status Sender::send(const OutMessage &msg, std::string *error, int connect_wait_ms) {
  if (!sock_)
    return Status::FLUSHING;
  if (cfg_.pattern == PATTERN_REQREP) {
    const size_t max = static_cast<size_t>(std::max(cfg_.max_in_flight, 1));
    /* Room first: an interrupted call may have left the window full. */
    Status st = work([&] { return pending_.size() < max; }, std::nullopt, 0, 0, false, error);
    if (st != Status::OK)
      return st;
    const uint64_t now = monotonic_us();
    const uint64_t connect_deadline =
        !answered_once_ && connect_wait_ms >= 0 ? now + static_cast<uint64_t>(connect_wait_ms) * 1000 : 0;
    enqueue(msg);
    const uint32_t mine = pending_.back().id;
    return work(
        [&] {
          const bool out = pending_.empty() || pending_.back().id != mine || nsent_ == pending_.size();
          return out && pending_.size() < max;
        },
        mine, connect_deadline, 0, false, error);
  }
  /* Pattern 2 never waits: what is there to read is read without waiting
   * (the socket's commands, its monitor, the subscriptions), then the frame
   * goes or is dropped. */
  read_monitor();
  note_subscriptions();
  if (renew_at_us_ && monotonic_us() >= renew_at_us_)
    renew_socket();
  if (!fatal_.empty()) {
    *error = fatal_;
    return Status::ERROR;
  }
  /* Without a subscriber it goes nowhere; with the receiver's queue full
   * (SNDHWM 1) it is refused: dropped, latest-frame semantics. */
  bool ok = send_message(sock_, msg, ZMQ_DONTWAIT) && present_;
  count([&](SenderStats &s) {
    if (ok) {
      s.sent++;
      s.bytes += msg.header.size() + (msg.payload ? msg.payload->size() : 0);
    } else {
      s.dropped++;
    }
  });
  return Status::OK;
}

Sender::Status Sender::wait_receiver(int timeout_ms, std::string *error) {
  const uint64_t deadline = monotonic_us() + static_cast<uint64_t>(std::max(timeout_ms, 0)) * 1000;
  const bool sub = cfg_.pattern == PATTERN_PUBSUB;
  for (;;) {
    if (!fatal_.empty()) {
      *error = fatal_;
      return Status::ERROR;
    }
    if (present_)
      return Status::OK;
    /* The deadline may have passed already: one look, without waiting. */
    Waited w = wait(sub ? ZMQ_POLLIN : 0, std::max(deadline, monotonic_us() + 1));
    if (w.flushing)
      return Status::FLUSHING;
    if (sub && (w.sock & ZMQ_POLLIN))
      note_subscriptions();
    uint64_t now = monotonic_us();
    if (renew_at_us_ && now >= renew_at_us_ && !renew_socket()) {
      *error = fatal_;
      return Status::ERROR;
    }
    if (present_)
      return Status::OK;
    if (now >= deadline)
      return Status::NO_RECEIVER;
  }
}

bool Sender::terminate(const std::string &header, int timeout_ms) {
  if (!sock_ || !fatal_.empty())
    return false;
  const uint64_t deadline = monotonic_us() + static_cast<uint64_t>(std::max(timeout_ms, 0)) * 1000;
  OutMessage term;
  term.header = header;
  std::string error;
  if (cfg_.pattern == PATTERN_REQREP) {
    /* What is still in flight goes first on the connection; its answers
     * are skipped as they come. What has not gone is given up. */
    if (!pending_.empty())
      GST_INFO_OBJECT(cfg_.log_object, "%s: terminate with %zu message(s) unanswered", cfg_.endpoint.c_str(),
                      pending_.size());
    forget_in_flight();
    enqueue(term);
    return work([&] { return pending_.empty(); }, std::nullopt, 0, deadline, true, &error) == Status::OK;
  }
  /* A receiver that has just connected may have a subscription not yet
   * read: read them before judging whether anybody listens. */
  read_monitor();
  note_subscriptions();
  if (!present_)
    return false; /* nobody to tell */
  for (;;) {
    if (send_message(sock_, term, ZMQ_DONTWAIT)) {
      close_linger_ms_ = kPubTerminateLingerMs;
      return true;
    }
    uint64_t now = monotonic_us();
    if (now >= deadline)
      return false;
    /* With XPUB_NODROP the socket refuses while its pipe is full and says
     * nothing when it drains: tried again at short intervals. */
    if (wait(0, std::min(deadline, now + static_cast<uint64_t>(kPubRetryMs) * 1000)).flushing)
      return false;
  }
}

/* ---- receiver ---- */

ReceiverContext::~ReceiverContext() { close(); }

bool ReceiverContext::open(const PortConfig &cfg, Error *error) {
  init_debug();
  cfg_ = cfg;
  std::string why;
  ctx_ = new_context(wake_, &why);
  if (!ctx_) {
    *error = {"Could not set up ZeroMQ", why};
    return false;
  }
  if (!cfg_.security.active())
    return true;
  /* Our own ZAP handler, in our own context: every handshake on our ports
   * asks it. */
  zap_ = zmq_socket(ctx_, ZMQ_REP);
  if (!zap_ || zmq_bind(zap_, "inproc://zeromq.zap.01") != 0) {
    *error = {"Could not start the authentication handler", zmq_strerror(errno)};
    close();
    return false;
  }
  set_int(zap_, ZMQ_LINGER, 0);
  stop_ = false;
  try {
    zap_thread_ = std::thread(&ReceiverContext::zap_main, this);
  } catch (const std::system_error &e) {
    *error = {"Could not start the authentication handler", e.what()};
    close();
    return false;
  }
  return true;
}

void ReceiverContext::close() {
  if (zap_thread_.joinable()) {
    stop_ = true;
    wake_.signal();
    zap_thread_.join();
  }
  if (zap_) {
    zmq_close(zap_);
    zap_ = nullptr;
  }
  if (ctx_) {
    zmq_ctx_term(ctx_);
    ctx_ = nullptr;
  }
  std::lock_guard<std::mutex> lk(refusals_mu_);
  refusals_.clear();
}

bool ReceiverContext::take_refusal(int port, std::string *reason, std::string *peer) {
  std::lock_guard<std::mutex> lk(refusals_mu_);
  auto it = refusals_.find(port);
  if (it == refusals_.end())
    return false;
  *reason = it->second.first;
  *peer = it->second.second;
  refusals_.erase(it);
  return true;
}

void ReceiverContext::zap_main() {
  while (!stop_) {
    zmq_pollitem_t items[2] = {{nullptr, wake_.fd(), ZMQ_POLLIN, 0}, {zap_, 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, -1) < 0 && errno != EINTR) {
      GST_ERROR_OBJECT(cfg_.log_object, "zmq_poll failed: %s", zmq_strerror(errno));
      break;
    }
    if (items[0].revents)
      wake_.drain();
    if (items[1].revents & ZMQ_POLLIN)
      handle_zap();
  }
}

/* Reads one ZAP request (version, request id, domain, address, identity,
 * mechanism, credentials...) and answers it. A refusal's reason is kept
 * for the port's handshake-failed event, which names the peer. */
void ReceiverContext::handle_zap() {
  std::vector<std::string> frames;
  for (;;) {
    Part p;
    if (zmq_msg_recv(p.get(), zap_, ZMQ_DONTWAIT) < 0)
      break;
    bool more = zmq_msg_more(p.get());
    if (frames.size() < 16)
      frames.emplace_back(static_cast<const char *>(p.data()), p.size());
    if (!more)
      break;
  }
  if (frames.empty())
    return;
  std::string request_id = frames.size() > 1 ? frames[1] : std::string();
  bool well_formed = frames.size() >= 6 && frames[0] == "1.0";
  ZapVerdict v;
  int port = -1;
  if (well_formed) {
    const std::string &domain = frames[2];
    if (domain.rfind("netgear-", 0) == 0)
      port = static_cast<int>(std::strtol(domain.c_str() + 8, nullptr, 10));
    v = zap_decide(cfg_.security, frames[5], frames[3], frames.size() > 6 ? frames[6] : std::string());
  } else {
    v.reason = "malformed authentication request";
  }
  if (!v.allowed && port > 0) {
    std::lock_guard<std::mutex> lk(refusals_mu_);
    refusals_[port] = {v.reason, frames[3]};
  }
  const std::string status = v.allowed ? "200" : "400";
  const std::string text = v.allowed ? "OK" : v.reason;
  const std::string parts[] = {"1.0", request_id, status, text, "", ""};
  for (size_t i = 0; i < 6; i++)
    zmq_send(zap_, parts[i].data(), parts[i].size(), (i < 5 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT);
}

bool PortSocket::bind(Error *error) {
  const PortConfig &cfg = ctx_.config();
  const bool rep = cfg.pattern == PATTERN_REQREP;
  std::string why;
  auto fail = [&](std::string message, std::string debug) {
    *error = {std::move(message), std::move(debug)};
    close();
    return false;
  };
  if (!wake_.valid())
    return fail("Could not set up a wake-up", strerror(errno));
  /* One socket per port, unlike NetGear's one socket bound to all ports:
   * the port a message arrives on identifies its sender, and one sender's
   * REQ/REP lock-step never waits on another's. */
  /* XSUB rather than SUB: the same on the wire (a vidgear PUB takes it),
   * and it can send a control message up to one of our senders. */
  sock_ = zmq_socket(ctx_.zmq(), rep ? ZMQ_REP : ZMQ_XSUB);
  if (!sock_)
    return fail("Could not create a ZeroMQ socket", zmq_strerror(errno));
  set_int(sock_, ZMQ_LINGER, 0);
  set_heartbeat(sock_);
  if (cfg.ipv6)
    set_int(sock_, ZMQ_IPV6, 1);
  /* Few queued messages per connection: a peer (a DEALER can) that floods
   * requests gets refused by TCP backpressure, not buffered in our
   * memory. */
  set_int(sock_, ZMQ_RCVHWM, std::max(cfg.queue, 1));
  if (!rep) {
    /* Everything: XSUB's subscription is a message, sent to every
     * publisher that connects. */
    const char subscribe_all = 1;
    zmq_send(sock_, &subscribe_all, 1, ZMQ_DONTWAIT);
  }
  if (cfg.max_message_size > 0)
    zmq_setsockopt(sock_, ZMQ_MAXMSGSIZE, &cfg.max_message_size, sizeof cfg.max_message_size);
  const SecurityConfig &sec = cfg.security;
  if (sec.active()) {
    /* The domain tells the ZAP handler which port asks. */
    std::string domain = "netgear-" + std::to_string(port_);
    zmq_setsockopt(sock_, ZMQ_ZAP_DOMAIN, domain.data(), domain.size());
  }
  if (sec.mode != SECURE_NONE) {
    set_int(sock_, ZMQ_CURVE_SERVER, 1);
    set_key(sock_, ZMQ_CURVE_PUBLICKEY, sec.public_key);
    set_key(sock_, ZMQ_CURVE_SECRETKEY, sec.secret_key);
  }
  /* The handshake tells when a sender is there, before its first frame.
   * Connected before the bind, so no event is lost. */
  monitor_ = monitor_socket(ctx_.zmq(), sock_,
                            ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                                kHandshakeFailed,
                            &why);
  if (!monitor_)
    return fail("Could not set up ZeroMQ", why);
  std::string uri = endpoint_uri(cfg.protocol, cfg.address, port_);
  std::string where = cfg.protocol == "ipc" ? uri.substr(strlen("ipc://")) : std::string();
  if (!where.empty() && ipc_in_use(where))
    return fail("The socket file " + where + " is in use",
                "another netgearsrc (or another program) listens on it; binding would take it over without a word "
                "(ZeroMQ replaces the file): give each receiver its own address");
  if (zmq_bind(sock_, uri.c_str()) != 0) {
    int e = errno;
    std::string debug = "cannot bind " + uri + ": " + zmq_strerror(e);
    if (e == EADDRINUSE)
      return fail("Port " + std::to_string(port_) + " is already in use",
                  debug + ": another netgearsrc, or another program, listens on it (ss -ltnp tells which)");
    if (e == EADDRNOTAVAIL)
      return fail("Cannot listen on " + cfg.address + ": it is not an address of this host",
                  debug + "; a receiver listens on * (or 0.0.0.0) for every interface, or on one of this host's "
                          "own addresses");
    if (!where.empty())
      return fail("Cannot create the socket file " + where,
                  debug + "; with protocol=ipc, address is the path the socket files start with, in a folder "
                          "that exists and that this process may write to");
    return fail("Could not listen on port " + std::to_string(port_), debug);
  }
  struct stat st;
  if (!where.empty() && stat(where.c_str(), &st) == 0) {
    ipc_path_ = where;
    ipc_ino_ = st.st_ino;
  }
  GST_DEBUG_OBJECT(cfg.log_object, "bound %s", uri.c_str());
  return true;
}

void PortSocket::close() {
  /* Time for the last replies to leave. */
  close_monitored(sock_, monitor_, kRepCloseLingerMs);
  struct stat st;
  if (!ipc_path_.empty() && lstat(ipc_path_.c_str(), &st) == 0 && st.st_ino == ipc_ino_ && S_ISSOCK(st.st_mode))
    unlink(ipc_path_.c_str());
  ipc_path_.clear();
  accepted_peer_.clear();
  open_fds_.clear();
  handshaking_.clear();
}

PortSocket::Ready PortSocket::wait(int timeout_ms, bool read) {
  zmq_pollitem_t items[3] = {{nullptr, wake_.fd(), ZMQ_POLLIN, 0},
                             {monitor_, 0, ZMQ_POLLIN, 0},
                             {sock_, 0, static_cast<short>(read ? ZMQ_POLLIN : 0), 0}};
  Ready r;
  if (zmq_poll(items, 3, timeout_ms) < 0) {
    if (errno != EINTR)
      GST_ERROR_OBJECT(ctx_.config().log_object, "port %d: zmq_poll failed: %s", port_, zmq_strerror(errno));
    return r;
  }
  if (items[0].revents)
    wake_.drain();
  r.events = items[1].revents & ZMQ_POLLIN;
  r.message = items[2].revents & ZMQ_POLLIN;
  return r;
}

bool PortSocket::receive(Message *msg) { return receive_message(sock_, msg); }

bool PortSocket::readable() {
  int events = 0;
  size_t len = sizeof events;
  return zmq_getsockopt(sock_, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

bool PortSocket::send_control(const std::string &control) {
  return zmq_send(sock_, control.data(), control.size(), ZMQ_DONTWAIT) >= 0;
}

bool PortSocket::reply(const std::string &text, const std::string *control) {
  if (control && zmq_send(sock_, text.data(), text.size(), ZMQ_DONTWAIT | ZMQ_SNDMORE) >= 0 &&
      zmq_send(sock_, control->data(), control->size(), ZMQ_DONTWAIT) >= 0)
    return true;
  if (!control && zmq_send(sock_, text.data(), text.size(), ZMQ_DONTWAIT) >= 0)
    return true;
  GST_WARNING_OBJECT(ctx_.config().log_object, "cannot reply on port %d: %s", port_, zmq_strerror(errno));
  return false;
}

void PortSocket::events(std::vector<PortEvent> *out) {
  const PortConfig &cfg = ctx_.config();
  const uint64_t now = monotonic_us();
  uint16_t ev = 0;
  uint32_t value = 0;
  while (read_event(monitor_, &event_, &ev, &value)) {
    if (ev == ZMQ_EVENT_ACCEPTED) {
      int fd = static_cast<int>(value); /* the value is the new connection's fd */
      accepted_peer_ = peer_of_fd(fd);
      open_fds_.insert(fd);
      handshaking_.push_back({fd, accepted_peer_, now});
    } else if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      /* With several pending, which one succeeded is unknown: none of them
       * is blamed if it closes later. */
      if (handshaking_.size() == 1)
        handshaking_.pop_front();
      else
        handshaking_.clear();
      out->push_back({PortEvent::Kind::HANDSHAKE, accepted_peer_, {}, -1});
    } else if (ev & kHandshakeFailed) {
      GST_INFO_OBJECT(cfg.log_object, "port %d: handshake failed, event 0x%x value 0x%x", port_, ev, value);
      std::string peer;
      if (handshaking_.size() == 1)
        peer = handshaking_.front().peer;
      handshaking_.clear();
      const bool mechanism =
          ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
      if (ev != ZMQ_EVENT_HANDSHAKE_FAILED_AUTH && !mechanism && !cfg.security.active()) {
        /* No security here, so not a security failure. */
        out->push_back({PortEvent::Kind::PATTERN_MISMATCH, peer, {}, -1});
        continue;
      }
      std::string why, zap_peer;
      bool refused = ctx_.take_refusal(port_, &why, &zap_peer);
      /* ZAP saw the address; a connection refused that fast may be closed
       * before its accept event could name the peer. */
      if (peer.empty())
        peer = zap_peer;
      if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        why = refused ? why : "refused by the authentication";
      else if (mechanism)
        why = cfg.security.mode == SECURE_NONE ? "the sender uses security (CURVE) and this receiver does not"
                                               : "the sender uses no security (secure-mode none)";
      else
        why = "the handshake failed: the sender has no security, not this receiver's public key, or the other "
              "pattern";
      out->push_back({PortEvent::Kind::AUTH_FAILED, peer, why, -1});
    } else if (ev == ZMQ_EVENT_DISCONNECTED) {
      int fd = static_cast<int>(value);
      auto it = std::find_if(handshaking_.begin(), handshaking_.end(), [fd](const Handshake &h) { return h.fd == fd; });
      if (it != handshaking_.end()) {
        /* Closed before its handshake ended, with no event saying why: how
         * ZeroMQ treats a peer whose socket type does not fit. One closed
         * long after may be one whose end was taken for another's. */
        std::string peer = it->peer;
        bool prompt = now - it->accepted_us < kHandshakeCloseWindowUs;
        handshaking_.erase(it);
        if (prompt)
          out->push_back({PortEvent::Kind::PATTERN_MISMATCH, peer, {}, -1});
      }
      open_fds_.erase(fd);
      out->push_back({open_fds_.empty() ? PortEvent::Kind::LAST_CLOSED : PortEvent::Kind::CLOSED, {}, {}, fd});
    }
  }
}

} // namespace netgear
