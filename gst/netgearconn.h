/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: the ZeroMQ connection layer shared by netgearsink and
 * netgearsrc.
 *
 * Each Sender / Receiver runs one I/O thread that owns its sockets (ZeroMQ
 * sockets are not thread-safe). The thread blocks in zmq_poll() on its
 * sockets plus an eventfd, so it costs nothing while idle and is woken at
 * once for new work, flushing and stopping. Every wait has a deadline, so
 * stop() returns in bounded time whatever the peers do.
 *
 * The wire format is not known here: the elements hand over encoded parts
 * (netgearwire.h) and get raw parts back.
 */
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
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

namespace netgear {

/* ---- configuration shared by both elements ---- */

enum Pattern { PATTERN_PAIR = 0, PATTERN_REQREP = 1, PATTERN_PUBSUB = 2 };

/* What cannot work, as GStreamer reports it: a short sentence for users
 * (GST_ELEMENT_ERROR's message) and the details (its debug string). */
struct Error {
  std::string message;
  std::string debug;
};

/* netgearsrc's `ports`: one to 65535 each, no port twice, at least one. */
bool parse_ports(const std::string &text, std::vector<int> *ports, Error *error);

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
};

/* ---- sender: one REQ or PUB socket connected to one receiver ---- */

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
  SecurityConfig security; /* CURVE client keys when security.mode is set */
  /* The element whose log lines these are (GST_*_OBJECT); may be null. */
  void *log_object = nullptr;
  /* Called from the I/O thread, without mu_, when connections to the
   * receiver keep being closed during the ZeroMQ handshake: at each such
   * close from the kHandshakeClosedSuspect-th in a row on, with the count
   * (the caller decides what to post, and how often). ZeroMQ
   * reports no reason when the socket types do not match, so this is how
   * a receiver with the other pattern shows (or something that is not a
   * NetGear receiver at all). May be empty. */
  std::function<void(int in_a_row)> on_handshake_closed;
};

constexpr int kHandshakeClosedSuspect = 3;

struct SenderStats {
  uint64_t sent = 0, bytes = 0, acked = 0, timeouts = 0, reconnects = 0, dropped = 0;
  uint64_t lost = 0;    /* pattern 1: requests whose connection closed under them */
  uint64_t skipped = 0; /* pattern 1, resend=false: frames given up */
  /* Pattern 1: from the attempt that got an answer to the answer, ns
   * (frames and the terminate). */
  uint64_t rtt_last = 0, rtt_max = 0, rtt_sum = 0, rtt_count = 0;
  uint64_t last_ack_realtime_ns = 0; /* CLOCK_REALTIME of the newest answer */
};

class Sender {
public:
  /* SKIPPED: pattern 1 with resend=false, the message was given up after a
   * failed attempt (counted in stats().skipped). NO_RECEIVER: no receiver
   * took the message within the wait asked for, and it was not sent. */
  enum class Status { OK, FLUSHING, ERROR, SKIPPED, NO_RECEIVER };

  explicit Sender(SenderConfig cfg);
  ~Sender();
  Sender(const Sender &) = delete;
  Sender &operator=(const Sender &) = delete;

  /* Creates the socket and the I/O thread. */
  bool start(std::string *error);
  /* Pattern 1: returns once the receiver acknowledged the message, with
   * ERROR after max-retries timeouts (error says which endpoint), or with
   * FLUSHING when set_flushing(true) interrupts it. Waits for a receiver that
   * is not there yet without counting that as a timeout. With OK, `reply`
   * (if given) holds the receiver's answer to this very message: REQ's
   * lock-step, and REQ_CORRELATE discarding answers to earlier attempts,
   * make it so.
   * With resend=false a failed attempt gives the message up (SKIPPED);
   * max-retries then counts failed attempts in a row across messages.
   * Until the receiver has answered once, `connect_wait_ms` (-1: no limit)
   * bounds the wait for a receiver to take the message: NO_RECEIVER when
   * none did, and the message never goes out.
   * Pattern 2: hands the message over and returns; one not yet sent is
   * replaced (latest-frame semantics) and counted as dropped, and so is
   * one that no subscribed receiver takes. */
  Status send(OutMessage msg, std::string *error, Message *reply = nullptr, int connect_wait_ms = -1);
  /* Waits at most timeout_ms for a receiver to be there (pattern 1:
   * connected, its handshake done; pattern 2: subscribed): OK,
   * NO_RECEIVER, FLUSHING (set_flushing(true)) or ERROR (refused; `error`
   * says why). */
  Status wait_receiver(int timeout_ms, std::string *error);
  /* Sends the terminate message and waits at most timeout_ms for it to be
   * acknowledged (pattern 1) or handed to the network (pattern 2). Returns
   * whether it got through. Interrupted by set_flushing(true). */
  bool terminate(std::string header, int timeout_ms);
  void set_flushing(bool flushing);
  /* Joins the I/O thread and closes everything; bounded. */
  void stop();
  SenderStats stats();
  const std::string &endpoint() const { return cfg_.endpoint; }
  /* Whether the receiver refused the security handshake (send() then
   * fails with the reason). */
  bool refused() {
    std::lock_guard<std::mutex> lk(mu_);
    return !fatal_.empty();
  }

private:
  enum class Result { OK, FAILED, ABORTED, SKIPPED, NO_RECEIVER };
  /* A message handed to the I/O thread. Results are matched by generation,
   * so a late result never answers a newer request. */
  struct Slot {
    std::optional<OutMessage> msg; /* waiting to be taken by the I/O thread */
    uint64_t gen = 0;              /* of the newest request */
    uint64_t done_gen = 0;         /* of the newest finished one */
    Result result = Result::OK;
    std::string error;
    uint64_t deadline_us = 0;      /* 0: none */
    int connect_wait_ms = -1;      /* see send() */
  };
  void io_main();
  void note_subscription(const Message &sub);
  /* Reads the monitor's events; returns whether one of them closed the
   * connection (pattern 1: the request on it is lost). */
  bool read_monitor(Message *event);
  void set_present(bool present);
  void run_reqrep();
  void run_pubsub();
  void *make_socket(std::string *error);
  void close_socket();
  void finish(Slot &slot, uint64_t gen, Result r, std::string error = {});
  /* mu_ for a scope. What finish() ended in it is told to the waiting
   * thread once mu_ is let go: notified under mu_, that thread would wake
   * only to wait for mu_, a second wake-up per frame. */
  class Locked {
  public:
    explicit Locked(Sender *s) : s_(s), lk_(s->mu_) {}
    ~Locked() {
      bool notify = s_->notify_;
      s_->notify_ = false;
      lk_.unlock();
      if (notify)
        s_->cv_.notify_all();
    }
    Locked(const Locked &) = delete;
    Locked &operator=(const Locked &) = delete;

  private:
    Sender *s_;
    std::unique_lock<std::mutex> lk_;
  };

  SenderConfig cfg_;
  void *ctx_ = nullptr;
  void *sock_ = nullptr;   /* owned by the I/O thread once it runs */
  void *monitor_ = nullptr; /* sock_'s connections, handshakes, disconnections */
  int close_linger_ms_ = 0;
  Wakeup wake_;
  std::thread thread_;

  /* mu_ guards what the streaming thread and the I/O thread share, from
   * here to fatal_, and cv_ is its condition. Taken after the element's
   * object lock (stats()); held briefly, never across a wait or a call back
   * into the element. */
  std::mutex mu_;
  std::condition_variable cv_;
  Slot frame_;
  Message frame_reply_; /* the answer to frame_'s newest finished request */
  Slot term_;
  bool flushing_ = false;
  bool present_ = false; /* a receiver is there: see wait_receiver() */
  bool notify_ = false; /* finish() ended a slot, or a receiver came: the waiter is to be told */
  uint64_t aborts_ = 0;
  bool stop_ = false;
  SenderStats stats_;
  /* Why no message can go any more (the receiver refused the security
   * handshake); set by the I/O thread, under mu_. */
  std::string fatal_;
  void handshake_failed(uint16_t ev, uint32_t value);
  bool is_refusal(uint16_t ev, uint32_t value);
  int handshake_failures_ = 0; /* I/O thread: failed handshakes in a row */
  /* I/O thread: a connection is up and its handshake not done yet, and
   * how many in a row closed before it was (see on_handshake_closed). */
  bool handshake_pending_ = false;
  int handshake_closed_ = 0;
  uint64_t renew_at_us_ = 0; /* when to try a fresh socket (0: no need); I/O thread */
  void handshake_closed();
  /* Replaces the socket; false (and fatal_ set) when it cannot. */
  bool renew_socket();
};

/* ---- receiver: one REP or SUB socket bound per port ---- */

struct ReceiverConfig {
  std::string protocol = "tcp";
  std::string address = "*"; /* as transport_address() gives it */
  bool ipv6 = false;
  std::vector<int> ports;
  int pattern = PATTERN_REQREP;
  int64_t max_message_size = -1;
  /* A port whose sender has been heard from (handshake or message) and
   * then sends nothing for this long, while its socket is being read, is
   * reported silent once (ReceiverHandler::on_silent). 0: never. */
  int silence_timeout_ms = 0;
  /* CURVE server keys and the ZAP policy (receiver side). */
  SecurityConfig security;
  /* The element whose log lines these are (GST_*_OBJECT); may be null. */
  void *log_object = nullptr;
};

class ReceiverHandler {
public:
  virtual ~ReceiverHandler() = default;
  /* Whether port `index` may deliver another message now. While false its
   * socket is not read: REQ senders wait (backpressure per sender) and PUB
   * senders drop. Call Receiver::wake() when it may become true. */
  virtual bool can_accept(size_t index) = 0;
  /* A message arrived on port `index`. Pattern 1: returns the reply, which
   * the receiver sends at once; every request gets one. */
  virtual std::string on_message(size_t index, Message &msg) = 0;
  /* The reply to that message is on its way (pattern 1), or there is none
   * (pattern 2): what can wait until the sender has its answer goes here,
   * so that a lock-step sender does not wait for it. */
  virtual void on_message_done(size_t index) = 0;
  /* A sender completed the ZeroMQ handshake on port `index`: it is there,
   * whether or not it has sent anything yet. `peer` is its IP address when
   * known (tcp), else empty. */
  virtual void on_handshake(size_t index, const std::string &peer) = 0;
  /* A connection on port `index` closed: the sender stopped, died or
   * reconnects, the heartbeats gave up on it, or it sent a message larger
   * than max_message_size (ZeroMQ drops such a connection). `fd` is the
   * one Message::fd named. */
  virtual void on_connection_closed(size_t index, int fd) = 0;
  /* The last connection on port `index` closed (the sender stopped, died,
   * or reconnects), and nothing of it is left to read. */
  virtual void on_disconnect(size_t index) = 0;
  /* Nothing arrived on port `index` for silence_timeout_ms while it was
   * read. `connection_open`: a connection is still open (a stalled or
   * paused sender, or a peer that vanished without closing, until the
   * heartbeats give up on it) rather than closed (a sender that died or
   * stopped). Told again only after the port is heard from again. */
  virtual void on_silent(size_t index, bool connection_open) = 0;
  /* A sender on port `index` failed the security handshake (refused by
   * ZAP: key or address not allowed; or no, or other, security). `peer`:
   * its IP when known. Its messages never reach on_message. */
  virtual void on_auth_failed(size_t index, const std::string &peer, const std::string &reason) = 0;
  /* A connection on port `index` closed, or failed, during its ZeroMQ
   * handshake for no security reason: ZeroMQ's sign of a sender whose
   * socket type does not fit (a sender with the other pattern), or of a
   * peer that is not a NetGear sender. `peer`: its IP when known. */
  virtual void on_pattern_mismatch(size_t index, const std::string &peer) = 0;
};

class Receiver {
public:
  Receiver(ReceiverConfig cfg, ReceiverHandler *handler);
  ~Receiver();
  Receiver(const Receiver &) = delete;
  Receiver &operator=(const Receiver &) = delete;

  /* Binds every port; on failure nothing stays bound. */
  bool open(Error *error);
  /* Before start(), while no I/O thread runs. */
  void set_silence_timeout_ms(int ms) { cfg_.silence_timeout_ms = ms; }
  bool start(std::string *error);
  void wake() { wake_.signal(); }
  /* Joins the I/O thread; the ports stay bound. */
  void stop();
  /* Stops and unbinds every port; bounded. */
  void close();
  const ReceiverConfig &config() const { return cfg_; }

private:
  void run();
  bool receive(void *sock, Message *msg);

  ReceiverConfig cfg_;
  ReceiverHandler *handler_;
  void *ctx_ = nullptr;
  std::vector<void *> socks_;
  std::vector<void *> monitors_; /* PAIR sockets receiving each port's events */
  void *zap_ = nullptr;          /* REP answering ZAP requests, when security is active */
  /* Per port, kept from open() to close() (across stop and start: the
   * connections stay): the peer of the newest connection, and the open
   * connections by fd (the events' value). A port's sender has left only
   * when none is open, not when an old connection of a sender that
   * reconnected closes, or one of two senders on a port. */
  std::vector<std::string> accepted_;
  std::vector<std::set<int>> open_fds_;
  /* Per port, the connections accepted whose handshake has not ended yet.
   * ZeroMQ's handshake events name no connection: an event is pinned on
   * one only when it is the only one pending, and one that closes within
   * kHandshakeCloseWindowUs of its accept with no event closed during its
   * handshake. */
  struct Handshake {
    int fd;
    std::string peer;
    uint64_t accepted_us;
  };
  static constexpr uint64_t kHandshakeCloseWindowUs = 5000000;
  std::vector<std::deque<Handshake>> handshaking_;
  /* ipc: the socket files bound, with their inode, removed on close()
   * (ZeroMQ leaves them) unless another receiver has taken the path since
   * (binding an ipc path replaces whatever file is there). */
  std::vector<std::pair<std::string, ino_t>> ipc_files_;
  void handle_zap(std::vector<std::string> *refusals, std::vector<std::string> *peers);
  Wakeup wake_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

uint64_t monotonic_us();
/* Milliseconds from now_us to deadline_us, rounded up; 0 once it passed. */
int ms_until(uint64_t deadline_us, uint64_t now_us);

} // namespace netgear
