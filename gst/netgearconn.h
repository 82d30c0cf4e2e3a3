/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: the ZeroMQ connection layer shared by netgearsink and
 * netgearsrc.
 *
 * The thread that moves a frame owns its socket: netgearsink's streaming
 * thread uses its Sender in render(), and each netgearsrc port's task uses
 * its PortSocket. ZeroMQ sockets are not thread-safe; one changes threads
 * only behind a full memory barrier, which GStreamer's pad activation and
 * state changes provide (the thread that opens a socket before streaming,
 * or closes it after, never uses it while the streaming thread does). A
 * blocking wait is a zmq_poll() on the socket, its monitor and an eventfd
 * that wake() writes, with a deadline: no spinning, and a state change
 * interrupts any wait at once.
 *
 * The wire format is not known here: the elements hand over encoded parts
 * (netgearwire.h) and get raw parts back.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <zmq.h>

#include "netgearsecurity.h"
#include "netgearwire.h"

namespace netgear {

/* ---- configuration shared by both elements ---- */

enum Pattern { PATTERN_PAIR = 0, PATTERN_REQREP = 1, PATTERN_PUBSUB = 2 };

/* What cannot work, as GStreamer reports it: a short sentence for users
 * (GST_ELEMENT_ERROR's message) and the details (its debug string). */
struct Error {
  std::string message;
  std::string debug;
};

/* netgearsrc's `ports`: one to 65535 each, no port twice, at least one
 * unless `allow_empty` (the element has requested pads). */
bool parse_ports(const std::string &text, std::vector<int> *ports, Error *error, bool allow_empty = false);

/* With ipc, `address` is the path the socket files start with (ADDRESS:PORT).
 * The tcp-style defaults mean no path was given: this one is taken, the same
 * on both ends. */
constexpr const char *kIpcDefaultPath = "/tmp/netgear";

/* The address ZeroMQ is given: with tcp, a receiver's host name resolved
 * to one of this host's addresses ("*", IP literals and interface names as
 * they are), a sender's as it is (ZeroMQ resolves it); with ipc, the path
 * (kIpcDefaultPath for a tcp-style default). `ipv6` tells whether the
 * socket needs ZMQ_IPV6 (an IPv6 address). */
bool transport_address(const std::string &protocol, const std::string &address, bool bind, std::string *out,
                       bool *ipv6, Error *error);
std::string endpoint_uri(const std::string &protocol, const std::string &address, int port);
/* A host name's address (IPv4 first), as numeric text; false with the
 * resolver's reason. */
bool resolve_host(const std::string &host, std::string *out, bool *ipv6, std::string *why);

/* ---- plumbing ---- */

/* An eventfd that a zmq_poll() waits on next to the sockets. */
class Wakeup {
public:
  Wakeup();
  ~Wakeup();
  Wakeup(const Wakeup &) = delete;
  Wakeup &operator=(const Wakeup &) = delete;
  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void signal();
  void drain();

private:
  int fd_ = -1;
};

/* One received message part; closes itself. */
class Part {
public:
  Part() { zmq_msg_init(&msg_); }
  ~Part() { zmq_msg_close(&msg_); }
  Part(Part &&o) noexcept {
    zmq_msg_init(&msg_);
    zmq_msg_move(&msg_, &o.msg_);
  }
  Part &operator=(Part &&o) noexcept {
    zmq_msg_move(&msg_, &o.msg_);
    return *this;
  }
  Part(const Part &) = delete;
  Part &operator=(const Part &) = delete;
  zmq_msg_t *get() { return &msg_; }
  const void *data() const { return zmq_msg_data(const_cast<zmq_msg_t *>(&msg_)); }
  size_t size() const { return zmq_msg_size(const_cast<zmq_msg_t *>(&msg_)); }
  std::string_view view() const { return {static_cast<const char *>(data()), size()}; }

private:
  zmq_msg_t msg_;
};

struct Message {
  std::vector<Part> parts;  /* the first kMaxParts parts */
  size_t nparts = 0;        /* how many the peer sent */
  std::string peer;         /* peer IP as ZeroMQ reports it, may be empty */
  int fd = -1;              /* the connection it came on (ZMQ_SRCFD), -1 if unknown */
  static constexpr size_t kMaxParts = 4;
};

/* Memory that ZeroMQ sends without copying; released when ZeroMQ is done
 * with the last message that uses it (possibly on ZeroMQ's own thread). */
class Payload {
public:
  virtual ~Payload() = default;
  virtual const void *data() const = 0;
  virtual size_t size() const = 0;
};
using PayloadPtr = std::shared_ptr<Payload>;

struct OutMessage {
  std::string header;    /* part 0 */
  PayloadPtr payload;    /* part 1; null for a one-part message */
  /* Pattern 1: handed back with the message's answer (Sender::take_answer),
   * e.g. the frame's number and buffer. */
  uint64_t tag = 0;
  std::shared_ptr<void> context;
};

/* Pattern 1: a message the receiver answered, with its answer. */
struct Answer {
  uint64_t tag = 0;
  std::shared_ptr<void> context;
  Message reply;
};

/* ---- sender: one DEALER (pattern 1) or XPUB socket connected to one receiver ---- */

/* Pattern 1: messages in flight at most (netgearsink's max-in-flight); a
 * receiver remembers as many answers, for copies sent again. */
constexpr int kMaxInFlight = 64;

struct SenderConfig {
  std::string endpoint;
  bool ipv6 = false; /* the endpoint's address is IPv6 */
  int pattern = PATTERN_REQREP;
  int request_timeout_ms = 4000;
  int max_retries = 3;
  /* Pattern 1: after a failed attempt (no answer in time, or the connection
   * lost with the request on it), send the same message again (true) or
   * give it up and go on with the next one (false). */
  bool resend = true;
  /* Pattern 1: messages sent and not yet answered at most. With one, each
   * waits for its answer before the next goes (REQ's lock-step); with
   * more, a slow link carries several at once. */
  int max_in_flight = 1;
  /* Pattern 1: keep each answer for take_answer() (bidirectional mode). */
  bool keep_answers = false;
  SecurityConfig security; /* CURVE client keys when security.mode is set */
  /* The element whose log lines these are (GST_*_OBJECT); may be null. */
  void *log_object = nullptr;
  /* Called, on the thread using the Sender, when connections to the
   * receiver keep being closed during the ZeroMQ handshake: at each such
   * close from the kHandshakeClosedSuspect-th in a row on, with the count
   * (the caller decides what to post, and how often). ZeroMQ reports no
   * reason when the socket types do not match, so this is how a receiver
   * with the other pattern shows (or something that is not a NetGear
   * receiver at all). May be empty. */
  std::function<void(int in_a_row)> on_handshake_closed;
};

constexpr int kHandshakeClosedSuspect = 3;

struct SenderStats {
  uint64_t sent = 0, bytes = 0, acked = 0, timeouts = 0, reconnects = 0, dropped = 0;
  uint64_t lost = 0;    /* pattern 1: requests whose connection closed under them */
  uint64_t skipped = 0; /* pattern 1, resend=false: frames given up */
  uint64_t resent = 0;  /* pattern 1: messages sent again after a failed attempt */
  uint64_t in_flight = 0, in_flight_max = 0; /* pattern 1: sent, not answered (now, at most) */
  /* Pattern 1: from the attempt that got an answer to the answer, ns
   * (frames and the terminate). */
  uint64_t rtt_last = 0, rtt_max = 0, rtt_sum = 0, rtt_count = 0;
  uint64_t last_ack_realtime_ns = 0; /* CLOCK_REALTIME of the newest answer */
};

/* Used by one thread at a time: start() and stop() before and after
 * streaming, everything else on the streaming thread, but set_flushing()
 * and stats(), which any thread may call. */
class Sender {
public:
  /* SKIPPED: pattern 1 with resend=false, the message was given up after a
   * failed attempt (counted in stats().skipped). NO_RECEIVER: no receiver
   * took the message within the wait asked for, and it was not sent.
   * FLUSHING: set_flushing(true) interrupted the wait. */
  enum class Status { OK, FLUSHING, ERROR, SKIPPED, NO_RECEIVER };

  explicit Sender(SenderConfig cfg);
  ~Sender();
  Sender(const Sender &) = delete;
  Sender &operator=(const Sender &) = delete;

  /* Creates the socket and connects it. */
  bool start(std::string *error);
  /* Pattern 1: puts the message in the window of messages in flight, sends
   * it, and returns once it is sent and the window has room for the next
   * (with max_in_flight 1: once it is answered). Answers come back in
   * order; each one taken off the window (with keep_answers, for
   * take_answer()). A failed attempt (no answer within request-timeout of
   * the last progress, or the connection lost with messages on it)
   * replaces the socket and sends everything unanswered again, in order
   * (the receiver drops copies it already has), or with resend=false gives
   * the messages on it up (SKIPPED when `msg` was one); ERROR after
   * max-retries failed attempts in a row (error says which endpoint).
   * Until the receiver has answered once, `connect_wait_ms` (-1: no limit)
   * bounds the wait for a receiver to take the message: NO_RECEIVER when
   * none did, and it never went out. FLUSHING: interrupted while `msg`
   * was not on the socket (before it went out, or waiting to go again
   * after a failed attempt): it is not in the window, send it again (the
   * receiver drops a copy). Once it is on the socket, an interruption
   * returns OK and it stays in the window.
   * Pattern 2: hands the message to the socket without waiting; one the
   * socket cannot take now, or that no subscribed receiver takes, is
   * dropped and counted (stats().dropped). */
  Status send(const OutMessage &msg, std::string *error, int connect_wait_ms = -1);
  /* Pattern 1: waits until every message in flight is answered (the same
   * failures and retries as send()). */
  Status drain(std::string *error);
  /* Pattern 1 with keep_answers: the oldest answer not yet taken. */
  bool take_answer(Answer *out);
  /* Pattern 1: gives up what is in flight (not sent again; late answers
   * are skipped), e.g. when the element stops streaming. */
  void forget_in_flight();
  /* Waits at most timeout_ms for a receiver to be there (pattern 1:
   * connected, its handshake done; pattern 2: subscribed): OK,
   * NO_RECEIVER, FLUSHING or ERROR (refused; `error` says why). */
  Status wait_receiver(int timeout_ms, std::string *error);
  /* Whether the receiver asked for a keyframe since the last call (with
   * pattern 1's answers, or pattern 2's messages up, read here). */
  bool take_key_unit_request();
  /* Sends the terminate message and waits at most timeout_ms for it to be
   * acknowledged (pattern 1: after the messages still in flight, whose
   * answers are then not waited for, nor kept) or taken by the socket for
   * a subscribed receiver (pattern 2). Returns whether it got through. */
  bool terminate(const std::string &header, int timeout_ms);
  /* Any thread: interrupts the wait of send(), wait_receiver() or
   * terminate(), and makes them return FLUSHING until set back. */
  void set_flushing(bool flushing);
  /* Closes the socket (after the terminate, with a short linger). */
  void stop();
  SenderStats stats(); /* any thread */
  const std::string &endpoint() const { return cfg_.endpoint; }
  /* Whether the receiver refused the security handshake (send() then
   * fails with the reason). */
  bool refused() const { return !fatal_.empty(); }

private:
  void *make_socket(std::string *error);
  void close_socket();
  bool renew_socket();
  /* Waits on the wake-up, the monitor and, with `sock_events`, the socket,
   * at most until `deadline_us` (0: no limit) or the socket renewal; reads
   * the monitor's events. */
  struct Waited {
    short sock = 0;        /* the socket's revents */
    bool lost = false;     /* a connection closed (pattern 1: a request on it is lost) */
    bool flushing = false; /* set_flushing(true): give up now */
  };
  Waited wait(short sock_events, uint64_t deadline_us);
  /* Reads the monitor's events; returns whether one closed the connection
   * (pattern 1: a request on it is lost). */
  bool read_monitor();
  void note_subscriptions();
  void take_control(Message *answer);
  void note_control(const Control &c);
  bool is_refusal(uint16_t ev, uint32_t value);
  void handshake_failed(uint16_t ev, uint32_t value);
  void handshake_closed();
  /* Pattern 1's window: one message sent and not yet answered (the first
   * nsent_ of the window), or waiting to go (after a failed attempt, or for
   * the connection). */
  struct Pending {
    OutMessage msg;
    uint32_t id;          /* its request id on the wire, echoed by REP */
    uint64_t sent_us = 0; /* its newest attempt */
  };
  /* Works the window (sends, reads answers, handles failures) until
   * done() holds. `mine`: the id of the message send() is for, or none. */
  Status work(const std::function<bool()> &done, std::optional<uint32_t> mine, uint64_t connect_deadline_us,
              uint64_t overall_deadline_us, bool terminating, std::string *error);
  void enqueue(const OutMessage &msg);
  bool send_pending(Pending &p);
  void read_answers();
  /* A failed attempt: a fresh socket, everything unanswered to go again. */
  Status attempt_failed(bool lost, std::optional<uint32_t> mine, bool terminating, std::string *error);
  Pending *find_pending(uint32_t id);
  void count(const std::function<void(SenderStats &)> &f);

  SenderConfig cfg_;
  void *ctx_ = nullptr;
  void *sock_ = nullptr;
  void *monitor_ = nullptr; /* sock_'s connections, handshakes, disconnections */
  Wakeup wake_;
  std::atomic<bool> flushing_{false};
  int close_linger_ms_ = 0;
  Message event_, scratch_; /* reused for monitor events and XPUB subscriptions */
  /* The receiver state, as the monitor and the subscriptions tell. */
  bool present_ = false;       /* a receiver is there */
  bool answered_once_ = false; /* pattern 1: it answered since start() */
  int failures_ = 0;           /* pattern 1: failed attempts in a row */
  int handshake_failures_ = 0; /* failed handshakes in a row (CURVE: a wrong key) */
  bool handshake_pending_ = false;
  int handshake_closed_ = 0;   /* connections closed during the handshake, in a row */
  bool key_unit_requested_ = false; /* the receiver asked for a keyframe since take_key_unit_request() */
  uint64_t renew_at_us_ = 0;   /* when to try a fresh socket (0: no need) */
  /* Pattern 1: oldest first; the sent ones (on the current socket) come
   * before the others. */
  std::deque<Pending> pending_;
  size_t nsent_ = 0;
  uint32_t next_id_ = 0;
  /* When the window last moved (an answer, a message into an empty
   * window once the receiver has answered, the first request out before
   * that, a fresh socket): request-timeout counts from here. */
  uint64_t progress_us_ = 0;
  std::deque<Answer> answers_;
  Message answer_;
  uint64_t malformed_answers_ = 0;
  /* Why no message can go any more (the receiver refused this sender). */
  std::string fatal_;
  /* stats_mu_ guards stats_ alone (read by any thread); taken last. */
  std::mutex stats_mu_;
  SenderStats stats_;
};

/* ---- receiver: one REP or SUB socket bound per port ---- */

/* What every port of a receiver shares. */
struct PortConfig {
  std::string protocol = "tcp";
  std::string address = "*"; /* as transport_address() gives it */
  bool ipv6 = false;
  int pattern = PATTERN_REQREP;
  int64_t max_message_size = -1;
  /* Messages ZeroMQ holds per connection while the port's task is busy
   * (ZMQ_RCVHWM): a flooding peer meets TCP backpressure, not our memory. */
  int queue = 2;
  /* CURVE server keys and the ZAP policy (receiver side). */
  SecurityConfig security;
  /* The element whose log lines these are (GST_*_OBJECT); may be null. */
  void *log_object = nullptr;
};

/* The receiver's ZeroMQ context and, with security, its ZAP handler: the
 * one thread a receiver has that is not a port's, answering the
 * authentication requests of every port's handshakes (never a frame). */
class ReceiverContext {
public:
  ReceiverContext() = default;
  ~ReceiverContext();
  ReceiverContext(const ReceiverContext &) = delete;
  ReceiverContext &operator=(const ReceiverContext &) = delete;
  bool open(const PortConfig &cfg, Error *error);
  /* After every port's socket is closed. */
  void close();
  void *zmq() const { return ctx_; }
  const PortConfig &config() const { return cfg_; }
  /* The newest refusal of a peer on `port` by the authentication: its
   * reason and address, then forgotten. */
  bool take_refusal(int port, std::string *reason, std::string *peer);

private:
  void zap_main();
  void handle_zap();
  PortConfig cfg_;
  void *ctx_ = nullptr;
  void *zap_ = nullptr; /* REP bound to inproc://zeromq.zap.01; the ZAP thread's */
  Wakeup wake_;
  std::thread zap_thread_;
  std::atomic<bool> stop_{false};
  /* refusals_mu_ guards refusals_: port -> (reason, peer). */
  std::mutex refusals_mu_;
  std::map<int, std::pair<std::string, std::string>> refusals_;
};

/* What a port's monitor said, for the port's task to act on. */
struct PortEvent {
  enum class Kind {
    HANDSHAKE,        /* a sender completed its handshake: it is there */
    CLOSED,           /* one connection closed (fd) */
    LAST_CLOSED,      /* ...and it was the last one open */
    AUTH_FAILED,      /* refused by security (reason) */
    PATTERN_MISMATCH, /* closed or failed during its handshake, no security reason */
  } kind;
  std::string peer; /* its IP, when known */
  std::string reason;
  int fd = -1;
};

/* One bound port: its socket, its monitor and its wake-up. Used by one
 * thread at a time: bind() and close() outside streaming, the rest on the
 * port's task; wake() from any thread. */
class PortSocket {
public:
  PortSocket(ReceiverContext &ctx, int port) : ctx_(ctx), port_(port) {}
  ~PortSocket() { close(); }
  PortSocket(const PortSocket &) = delete;
  PortSocket &operator=(const PortSocket &) = delete;
  bool bind(Error *error);
  void close();
  int port() const { return port_; }
  /* Any thread: ends the current wait() at once. */
  void wake() { wake_.signal(); }
  struct Ready {
    bool message = false; /* the socket has a message to read */
    bool events = false;  /* the monitor has events (read them with events()) */
  };
  /* Waits until something is ready, wake() is called, or timeout_ms passes
   * (-1: no limit); with read=false the socket is not watched. */
  Ready wait(int timeout_ms, bool read);
  /* The monitor's events, in order. */
  void events(std::vector<PortEvent> *out);
  /* One whole message, without waiting; false when none is there. */
  bool receive(Message *msg);
  /* Whether a message is there to read, without waiting. */
  bool readable();
  /* Pattern 1: the answer to the message just received, with a control
   * message as its last part if given (only to one of our senders). */
  bool reply(const std::string &text, const std::string *control = nullptr);
  /* Pattern 2: a control message up to the port's sender (only to one of
   * ours: a vidgear PUB drops it anyway). */
  bool send_control(const std::string &control);
  /* Whether a connection is open. */
  bool connected() const { return !open_fds_.empty(); }

private:
  ReceiverContext &ctx_;
  const int port_;
  void *sock_ = nullptr;
  void *monitor_ = nullptr;
  Wakeup wake_;
  Message event_;
  std::string accepted_peer_; /* of the newest connection */
  std::set<int> open_fds_;
  /* The connections accepted whose handshake has not ended. ZeroMQ's
   * handshake events name no connection: an event is pinned on one only
   * when it is the only one pending, and one that closes within
   * kHandshakeCloseWindowUs of its accept with no event closed during its
   * handshake. */
  struct Handshake {
    int fd;
    std::string peer;
    uint64_t accepted_us;
  };
  static constexpr uint64_t kHandshakeCloseWindowUs = 5000000;
  std::deque<Handshake> handshaking_;
  /* ipc: the socket file bound, and its inode, removed on close() unless
   * another receiver has taken the path since. */
  std::string ipc_path_;
  ino_t ipc_ino_ = 0;
};

uint64_t monotonic_us();
/* Milliseconds from now_us to deadline_us, rounded up; 0 once it passed. */
int ms_until(uint64_t deadline_us, uint64_t now_us);

} // namespace netgear
