/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* zmqbench: the raw libzmq baseline of the benchmark (bench/run).
 *
 * It moves the same frames over the same socket types and options as
 * netgearsink/netgearsrc (gst/netgearconn.cpp), with none of their logic (no
 * heartbeats, retries, reconnections, NetGear messages, threads): what is
 * left is what ZeroMQ itself costs. The XPUB sender has XPUB_NODROP from
 * the start (run_pub), as netgearsink has since this tool showed that a PUB
 * socket otherwise loses the end marker after a dropped frame; the pattern 1
 * receiver watches its sockets for the senders hanging up
 * (wait_for_hangups), for a clean end of run at no cost per frame. The command
 * lines, the end-of-run rules and the output are those of the shared
 * contract (ngbench follows it too):
 *
 *   zmqbench recv --pattern 1|2 --ports P1,P2,... --frames N [--timeout S]
 *                 [--handoff]
 *   zmqbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k
 *                 --frames N [--fps F] [--address 127.0.0.1] [--timeout S]
 *                 [--handoff]
 *
 * (send's --timeout, default 60 s, bounds its wait for the receiver; it is
 * not part of the contract and the orchestrator need not pass it.)
 *
 * --handoff (or --handoff=1; not part of the contract) adds the same
 * hand-offs as the elements, and nothing else: the main thread hands each
 * message to an I/O thread that owns the socket (mutex + eventfd watched by
 * its zmq_poll); in pattern 1 it waits on a condition variable for the
 * reply, one frame in flight, in pattern 2 it leaves the frame in a
 * one-slot mailbox (an unsent one is dropped). The receiver's polling
 * thread replies at once, then moves the message into its port's queue of
 * 2 frames (pattern 1: a full queue is not read until its consumer pops and
 * wakes the poller through the eventfd; pattern 2: the oldest frame goes),
 * and a consumer thread per port pops it (condition variable); that is
 * where latency, frames and bytes are taken. Sockets, options, messages
 * and output are the same.
 *
 * Messages: part 0 is a fixed 20-byte header (u64 seq, i64 sent_ns =
 * CLOCK_REALTIME at send, u32 flags, 1 = end marker) in host byte order,
 * both ends being on one machine; part 1, absent from the end marker, is
 * the payload, sent zero-copy from one pre-made buffer.
 *
 * stdout carries only READY, then one RESULT (or ERROR) line; warnings go
 * to stderr. */
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

namespace {

constexpr uint32_t kFlagEnd = 1;
constexpr size_t kHeaderSize = 8 + 8 + 4;
constexpr int64_t kNsPerMs = 1000000;

/* Bounds of the waits that are not the overall --timeout. */
constexpr int kReplyTimeoutMs = 10000; /* pattern 1: a reply to a frame */
constexpr int kEndTimeoutMs = 5000;    /* the end marker taken (2) or answered (1) */
/* XPUB gives no POLLOUT event when a full pipe drains (it always reports
 * POLLOUT), so a refused end marker is retried at this interval, as
 * netgearsink does. */
constexpr int kEndRetryMs = 5;
/* Linger on close: REP lets its last reply (to an end marker) leave, XPUB
 * its end marker, which may queue behind a large frame. */
constexpr int kRepCloseLingerMs = 500;
constexpr int kPubCloseLingerMs = 2000;
/* Pattern 1: how long the receiver waits for the senders to hang up after
 * the last end marker (see wait_for_hangups). */
constexpr int kHangupTimeoutMs = 1000;
/* Messages read from one port before the others get their turn. */
constexpr int kBurst = 16;

/* --handoff: a receiver's port queue holds this many frames (netgearsrc's
 * max-buffers default). */
constexpr size_t kQueueFrames = 2;

volatile sig_atomic_t g_interrupted = 0;
/* --handoff: the eventfd the I/O thread's zmq_poll watches, for the whole
 * process (never closed, so a signal handler cannot write to a reused fd);
 * -1 without --handoff. */
volatile sig_atomic_t g_wake_fd = -1;

/* With --handoff the signal may land on a thread that is not polling: the
 * eventfd wakes the I/O thread, which sees g_interrupted. */
void on_signal(int) {
  g_interrupted = 1;
  if (g_wake_fd >= 0) {
    int e = errno;
    uint64_t one = 1;
    ssize_t rc = write(g_wake_fd, &one, sizeof one);
    (void)rc;
    errno = e;
  }
}

void wake_signal() {
  uint64_t one = 1;
  /* Only fails when the counter would overflow, i.e. it is set already. */
  ssize_t rc = write(g_wake_fd, &one, sizeof one);
  (void)rc;
}

void wake_drain() {
  uint64_t v;
  ssize_t rc = read(g_wake_fd, &v, sizeof v);
  (void)rc;
}

int64_t clock_ns(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
int64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }
int64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

/* Milliseconds left until `deadline` (monotonic ns), rounded up, >= 0. */
long ms_left(int64_t deadline) {
  int64_t left = deadline - monotonic_ns();
  return left <= 0 ? 0 : static_cast<long>((left + 999999) / 1000000);
}

std::string zmq_error(const char *what) { return std::string(what) + ": " + zmq_strerror(errno); }

struct Header {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
  uint32_t flags = 0;
};

void encode(const Header &h, uint8_t out[kHeaderSize]) {
  memcpy(out, &h.seq, 8);
  memcpy(out + 8, &h.sent_ns, 8);
  memcpy(out + 16, &h.flags, 4);
}

bool decode(const void *data, size_t size, Header *h) {
  if (size != kHeaderSize)
    return false;
  const auto *p = static_cast<const uint8_t *>(data);
  memcpy(&h->seq, p, 8);
  memcpy(&h->sent_ns, p + 8, 8);
  memcpy(&h->flags, p + 16, 4);
  return true;
}

/* ---- ZeroMQ handles that clean up after themselves ----
 * Declared context first, sockets after: sockets close (with their bounded
 * linger) before the context terminates, so zmq_ctx_term cannot wait for
 * ever. */

class Context {
public:
  Context() : ctx_(zmq_ctx_new()) {}
  ~Context() {
    /* One I/O thread (the default), as the elements' contexts. zmq_ctx_term
     * waits for the lingers, which are bounded; a signal interrupts it. */
    while (ctx_ && zmq_ctx_term(ctx_) != 0 && errno == EINTR) {
    }
  }
  Context(const Context &) = delete;
  Context &operator=(const Context &) = delete;
  void *get() const { return ctx_; }

private:
  void *ctx_;
};

class Socket {
public:
  Socket(void *ctx, int type) : s_(ctx ? zmq_socket(ctx, type) : nullptr) {
    /* Nothing lingers unless the code says so just before closing. */
    set(ZMQ_LINGER, 0);
  }
  ~Socket() {
    if (s_)
      zmq_close(s_);
  }
  Socket(Socket &&o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Socket(const Socket &) = delete;
  Socket &operator=(const Socket &) = delete;
  void *get() const { return s_; }
  bool set(int opt, int value) { return s_ && zmq_setsockopt(s_, opt, &value, sizeof value) == 0; }

private:
  void *s_;
};

enum class Wait { Ready, Timeout, Failed };

/* Waits until `sock` has `events` or `deadline` (monotonic ns) passes. */
Wait wait_for(void *sock, short events, int64_t deadline, std::string *error) {
  for (;;) {
    zmq_pollitem_t item = {sock, 0, events, 0};
    int rc = zmq_poll(&item, 1, ms_left(deadline));
    if (rc > 0)
      return Wait::Ready;
    if (rc == 0 && monotonic_ns() >= deadline)
      return Wait::Timeout;
    if (rc < 0 && errno != EINTR) {
      *error = zmq_error("zmq_poll");
      return Wait::Failed;
    }
    if (g_interrupted) {
      *error = "interrupted";
      return Wait::Failed;
    }
  }
}

/* Reads the remaining parts of a message, to throw them away. */
void drain_parts(void *sock) {
  int more = 1;
  size_t len = sizeof more;
  while (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) == 0 && more) {
    zmq_msg_t part;
    zmq_msg_init(&part);
    int rc = zmq_msg_recv(&part, sock, ZMQ_DONTWAIT);
    zmq_msg_close(&part);
    if (rc < 0)
      return;
  }
}

/* ---- command line ---- */

struct Options {
  std::string mode; /* recv or send */
  int pattern = 0;
  std::vector<int> ports; /* recv */
  int port = 0;           /* send */
  std::string payload;
  long long frames = -1;
  double fps = 0;
  std::string address = "127.0.0.1";
  double timeout_s = 60;
  bool handoff = false;
};

bool parse_int(const std::string &s, long long lo, long long hi, long long *out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  long long v = strtoll(s.c_str(), &end, 10);
  if (errno || *end || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

bool parse_double(const std::string &s, double lo, double *out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double v = strtod(s.c_str(), &end);
  if (errno || *end || !(v >= lo) || v > 1e9)
    return false;
  *out = v;
  return true;
}

bool parse_args(int argc, char **argv, Options *o, std::string *error) {
  if (argc < 2 || (strcmp(argv[1], "recv") != 0 && strcmp(argv[1], "send") != 0)) {
    *error = "usage: zmqbench recv --pattern 1|2 --ports P1,P2,... --frames N [--timeout S] [--handoff] | "
             "zmqbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k --frames N [--fps F] "
             "[--address A] [--timeout S] [--handoff]";
    return false;
  }
  o->mode = argv[1];
  const bool recv = o->mode == "recv";
  for (int i = 2; i < argc; i++) {
    std::string key = argv[i], value;
    if (key == "--handoff") { /* a flag: takes no value */
      o->handoff = true;
      continue;
    }
    size_t eq = key.find('=');
    if (eq != std::string::npos) { /* --key=value too */
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      *error = key + " needs a value";
      return false;
    }
    long long n = 0;
    bool ok = true;
    if (key == "--pattern") {
      ok = parse_int(value, 1, 2, &n);
      o->pattern = static_cast<int>(n);
    } else if (key == "--handoff" && eq != std::string::npos) { /* --handoff=1 (or 0) */
      ok = parse_int(value, 0, 1, &n);
      o->handoff = n == 1;
    } else if (key == "--frames") {
      ok = parse_int(value, 0, INT64_MAX / 2, &o->frames);
    } else if (key == "--timeout") {
      ok = parse_double(value, 0.001, &o->timeout_s);
    } else if (recv && key == "--ports") {
      o->ports.clear();
      size_t start = 0;
      while (ok && start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string one = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        ok = parse_int(one, 1, 65535, &n) &&
             std::find(o->ports.begin(), o->ports.end(), static_cast<int>(n)) == o->ports.end();
        o->ports.push_back(static_cast<int>(n));
        if (comma == std::string::npos)
          break;
        start = comma + 1;
      }
    } else if (!recv && key == "--port") {
      ok = parse_int(value, 1, 65535, &n);
      o->port = static_cast<int>(n);
    } else if (!recv && key == "--payload") {
      o->payload = value;
      ok = value == "bgr640" || value == "bgr1080" || value == "jpeg20k";
    } else if (!recv && key == "--fps") {
      ok = parse_double(value, 0, &o->fps);
    } else if (!recv && key == "--address") {
      o->address = value;
      ok = !value.empty();
    } else {
      *error = "unknown option " + key + " for " + o->mode;
      return false;
    }
    if (!ok) {
      *error = "bad value for " + key + ": " + value;
      return false;
    }
  }
  if (!o->pattern || o->frames < 0 || (recv && o->ports.empty()) || (!recv && (!o->port || o->payload.empty()))) {
    *error = recv ? "recv needs --pattern, --ports and --frames" : "send needs --pattern, --port, --payload and --frames";
    return false;
  }
  return true;
}

size_t payload_size(const std::string &name) {
  if (name == "bgr640")
    return 640 * 480 * 3;
  if (name == "bgr1080")
    return 1920 * 1080 * 3;
  return 20000; /* jpeg20k: ngbench reports its real JPEG's size */
}

std::string endpoint(const std::string &address, int port) {
  return "tcp://" + address + ":" + std::to_string(port);
}

struct Usage {
  double cpu_s;
  long rss_kb;
};

Usage usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return {cpu, ru.ru_maxrss}; /* Linux: ru_maxrss is in KiB */
}

/* The process's CPU time when it said READY: RESULT's cpu_s counts from
 * there, the run and not the set-up, as ngbench's (whose set-up, GStreamer's
 * registry and plugins, costs far more). */
double g_cpu_at_ready = 0;

void say_ready() {
  g_cpu_at_ready = usage().cpu_s;
  printf("READY\n");
  fflush(stdout);
}

/* ---- receiver ---- */

/* Pattern 1, after the last end marker was answered. A REQ socket with
 * ZMQ_IMMEDIATE (as netgearsink's) throws away a reply it has not read yet
 * when the connection closes under it: closing as soon as the last end
 * marker was answered lost that answer in about one run in three with 16
 * senders (and in 15% of a plain REQ/REP ping with ZMQ_IMMEDIATE), the
 * REP's linger notwithstanding. Each sender hangs up once it has read its
 * answer, so the sockets stay open until every port's connection closed,
 * or kHangupTimeoutMs passed. */
void wait_for_hangups(const std::vector<Socket> &monitors) {
  const size_t n = monitors.size();
  std::vector<bool> gone(n, false);
  size_t left = n;
  const int64_t deadline = monotonic_ns() + kHangupTimeoutMs * kNsPerMs;
  std::vector<zmq_pollitem_t> items(n);
  while (left) {
    for (size_t i = 0; i < n; i++)
      items[i] = {monitors[i].get(), 0, static_cast<short>(gone[i] ? 0 : ZMQ_POLLIN), 0};
    int rc = zmq_poll(items.data(), static_cast<int>(n), ms_left(deadline));
    if (rc == 0 || (rc < 0 && (errno != EINTR || g_interrupted)))
      return; /* in time or not, the run is over */
    for (size_t i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN))
        continue;
      /* An event: part 0 = u16 event number + u32 value, part 1 = address. */
      for (;;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, monitors[i].get(), ZMQ_DONTWAIT) < 0) {
          zmq_msg_close(&part);
          break;
        }
        uint16_t event = 0;
        if (zmq_msg_size(&part) >= sizeof event)
          memcpy(&event, zmq_msg_data(&part), sizeof event);
        zmq_msg_close(&part);
        drain_parts(monitors[i].get());
        if (event == ZMQ_EVENT_DISCONNECTED && !gone[i]) {
          gone[i] = true;
          left--;
        }
      }
    }
  }
}

struct RecvResult {
  long long frames = 0, bytes = 0;
  double seconds = 0;
  std::vector<int64_t> latency_ns;
  std::vector<long long> per_port;
  bool timeout = false;
};

/* The end of a receiver's run, whether it timed out or not. */
void close_ports(bool rep, bool timed_out, std::vector<Socket> &socks, const std::vector<Socket> &monitors) {
  if (rep) {
    if (!timed_out)
      wait_for_hangups(monitors);
    /* Whatever reply is still queued may leave before the sockets close. */
    for (Socket &s : socks)
      s.set(ZMQ_LINGER, kRepCloseLingerMs);
  }
}

/* ---- receiver: one message ---- */

enum class Read { MESSAGE, NONE, FAILED };

/* Reads one message from a port without waiting: its header into *h, its
 * payload part as it came (not copied; empty when there is none or it could
 * not be read, which counts 0 bytes) into *payload, the rest thrown away.
 * A message's parts arrive together, so the reads cannot wait. */
Read read_message(void *s, Header *h, bool *well_formed, zmq_msg_t *payload, std::string *error) {
  zmq_msg_t head;
  zmq_msg_init(&head);
  if (zmq_msg_recv(&head, s, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&head);
    if (errno == EAGAIN)
      return Read::NONE;
    *error = zmq_error("zmq_msg_recv");
    return Read::FAILED;
  }
  *well_formed = decode(zmq_msg_data(&head), zmq_msg_size(&head), h);
  bool more = zmq_msg_more(&head);
  zmq_msg_close(&head);
  if (more) {
    if (zmq_msg_recv(payload, s, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(payload);
      zmq_msg_init(payload);
    }
    drain_parts(s);
  }
  return Read::MESSAGE;
}

/* REP must answer whatever it read before it can read again; the REQ
 * sender needs no more than its seq back. */
void answer(void *s, bool rep, const Header &h, int port) {
  if (rep && zmq_send(s, &h.seq, sizeof h.seq, ZMQ_DONTWAIT) < 0)
    fprintf(stderr, "zmqbench: cannot reply on port %d: %s\n", port, zmq_strerror(errno));
}

void warn_malformed(int port, bool *warned) {
  if (!*warned)
    fprintf(stderr, "zmqbench: port %d: message with a malformed header ignored\n", port);
  *warned = true;
}

/* ---- receiver, --handoff ---- */

/* A message on its way from the polling thread to its port's consumer:
 * the decoded header and, not copied, the payload part as received. */
struct Queued {
  Header h;
  bool end = false;
  zmq_msg_t payload;

  Queued() { zmq_msg_init(&payload); }
  Queued(Queued &&o) noexcept : h(o.h), end(o.end) {
    zmq_msg_init(&payload);
    zmq_msg_move(&payload, &o.payload);
  }
  Queued &operator=(Queued &&o) noexcept {
    if (this != &o) {
      h = o.h;
      end = o.end;
      zmq_msg_move(&payload, &o.payload); /* closes ours first */
    }
    return *this;
  }
  Queued(const Queued &) = delete;
  Queued &operator=(const Queued &) = delete;
  ~Queued() { zmq_msg_close(&payload); }
};

struct PortQueue {
  /* Under RecvQueues::mu */
  std::deque<Queued> q;
  size_t frames = 0; /* in q; the end marker is not one */
  std::condition_variable cv;
  /* The consumer's own, read once it is joined. */
  long long got = 0, bytes = 0;
  std::vector<int64_t> latency_ns;
  int64_t first = 0, last = 0; /* monotonic */
};

struct RecvQueues {
  RecvQueues(size_t n, bool rep_) : ports(n), rep(rep_) {}
  std::mutex mu; /* one lock for every port's queue, as netgearsrc's */
  std::vector<PortQueue> ports;
  bool stop = false; /* under mu: the consumers pop what is left, then end */
  const bool rep;
};

/* A port's consumer thread: pops, then takes the latency, frames and bytes
 * where the plain receiver does on reading. Ends at its port's end marker
 * or when stopped with its queue empty. */
void consume(RecvQueues *qs, size_t i) {
  PortQueue &p = qs->ports[i];
  for (;;) {
    Queued m;
    bool was_full;
    {
      std::unique_lock<std::mutex> lk(qs->mu);
      p.cv.wait(lk, [&] { return qs->stop || !p.q.empty(); });
      if (p.q.empty())
        return;
      m = std::move(p.q.front());
      p.q.pop_front();
      was_full = !m.end && p.frames-- == kQueueFrames;
    }
    if (m.end)
      return;
    /* Pattern 1: the polling thread stopped reading this port. */
    if (was_full && qs->rep)
      wake_signal();
    const int64_t arrival_rt = realtime_ns(), arrival = monotonic_ns();
    p.got++;
    p.bytes += static_cast<long long>(zmq_msg_size(&m.payload));
    p.latency_ns.push_back(arrival_rt - m.h.sent_ns);
    if (!p.first)
      p.first = arrival;
    p.last = arrival;
    zmq_msg_close(&m.payload);
    zmq_msg_init(&m.payload);
  }
}

/* The consumers, stopped and joined on every way out. */
class Consumers {
public:
  explicit Consumers(RecvQueues &qs) : qs_(qs) {}
  ~Consumers() { stop(); }
  bool start(std::string *error) {
    try {
      for (size_t i = 0; i < qs_.ports.size(); i++)
        threads_.emplace_back(consume, &qs_, i);
    } catch (const std::system_error &e) {
      *error = std::string("cannot start a thread: ") + e.what();
      return false;
    }
    return true;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lk(qs_.mu);
      qs_.stop = true;
    }
    for (PortQueue &p : qs_.ports)
      p.cv.notify_all();
    for (std::thread &t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  RecvQueues &qs_;
  std::vector<std::thread> threads_;
};

/* run_recv's loop with the hand-offs of netgearsrc: this (polling) thread
 * reads and replies as run_recv does, then queues the message for its
 * port's consumer. */
bool recv_handoff(const Options &o, std::vector<Socket> &socks, const std::vector<Socket> &monitors, RecvResult *r,
                  std::string *error) {
  const bool rep = o.pattern == 1;
  const size_t n = socks.size();
  RecvQueues qs(n, rep);
  /* Room for every sample up front (within reason), as run_recv. */
  for (PortQueue &p : qs.ports)
    p.latency_ns.reserve(static_cast<size_t>(std::min<long long>(o.frames, (1 << 22) / static_cast<long long>(n))));
  Consumers consumers(qs); /* after qs: joined before it goes */
  if (!consumers.start(error))
    return false;
  say_ready();

  std::vector<bool> ended(n, false);
  size_t ended_count = 0;
  bool warned_malformed = false;
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  /* the ports' sockets, then the eventfd */
  std::vector<zmq_pollitem_t> items(n + 1);

  while (ended_count < n) {
    long wait_ms = ms_left(deadline);
    if (wait_ms == 0) {
      r->timeout = true;
      break;
    }
    {
      /* Pattern 1: a port whose queue is full is not read (its consumer
       * wakes us when it has room). */
      std::lock_guard<std::mutex> lk(qs.mu);
      for (size_t i = 0; i < n; i++)
        items[i] = {socks[i].get(), 0,
                    static_cast<short>(rep && qs.ports[i].frames >= kQueueFrames ? 0 : ZMQ_POLLIN), 0};
    }
    items[n] = {nullptr, g_wake_fd, ZMQ_POLLIN, 0};
    if (zmq_poll(items.data(), static_cast<int>(n + 1), wait_ms) < 0) {
      if (errno != EINTR) {
        *error = zmq_error("zmq_poll");
        return false;
      }
      if (g_interrupted) {
        *error = "interrupted";
        return false;
      }
      continue;
    }
    if (items[n].revents & ZMQ_POLLIN) {
      wake_drain();
      if (g_interrupted) {
        *error = "interrupted";
        return false;
      }
    }
    for (size_t i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN))
        continue;
      void *s = socks[i].get();
      PortQueue &p = qs.ports[i];
      for (int k = 0; k < kBurst; k++) {
        Queued m;
        bool well_formed;
        Read got = read_message(s, &m.h, &well_formed, &m.payload, error);
        if (got == Read::NONE)
          break;
        if (got == Read::FAILED)
          return false;
        answer(s, rep, m.h, o.ports[i]);
        if (!well_formed) {
          warn_malformed(o.ports[i], &warned_malformed);
          continue;
        }
        if (m.h.flags & kFlagEnd) {
          if (ended[i])
            continue;
          ended[i] = true;
          ended_count++;
          /* Behind the port's frames: its consumer ends on it. */
          m.end = true;
          std::lock_guard<std::mutex> lk(qs.mu);
          p.q.push_back(std::move(m));
          p.cv.notify_one();
          continue;
        }
        Queued dropped; /* closed after the lock is let go */
        bool full;
        {
          std::lock_guard<std::mutex> lk(qs.mu);
          if (p.frames >= kQueueFrames) {
            /* Pattern 2 only (pattern 1 stops reading instead): the oldest
             * frame goes. */
            for (auto it = p.q.begin(); it != p.q.end(); ++it) {
              if (!it->end) {
                dropped = std::move(*it);
                p.q.erase(it);
                p.frames--;
                break;
              }
            }
          }
          p.q.push_back(std::move(m));
          p.frames++;
          full = p.frames >= kQueueFrames;
          p.cv.notify_one();
        }
        if (rep && full)
          break; /* no room for the next one */
      }
    }
  }
  /* The consumers take what is queued, then end. */
  consumers.stop();
  int64_t first_arrival = 0, last_arrival = 0;
  size_t samples = 0;
  for (const PortQueue &p : qs.ports)
    samples += p.latency_ns.size();
  r->latency_ns.reserve(samples);
  for (size_t i = 0; i < n; i++) {
    PortQueue &p = qs.ports[i];
    r->frames += p.got;
    r->bytes += p.bytes;
    r->per_port[i] = p.got;
    r->latency_ns.insert(r->latency_ns.end(), p.latency_ns.begin(), p.latency_ns.end());
    if (p.got) {
      first_arrival = first_arrival ? std::min(first_arrival, p.first) : p.first;
      last_arrival = std::max(last_arrival, p.last);
    }
  }
  r->seconds = static_cast<double>(last_arrival - first_arrival) / 1e9;
  close_ports(rep, r->timeout, socks, monitors);
  return true;
}

bool run_recv(const Options &o, RecvResult *r, std::string *error) {
  const bool rep = o.pattern == 1;
  const size_t n = o.ports.size();
  Context ctx;
  if (!ctx.get()) {
    *error = zmq_error("zmq_ctx_new");
    return false;
  }
  /* One socket per port, as netgearsrc. Pattern 1 also watches each one
   * for its sender hanging up (declared after socks: closed first). */
  std::vector<Socket> socks, monitors;
  socks.reserve(n);
  monitors.reserve(n);
  for (int port : o.ports) {
    socks.emplace_back(ctx.get(), rep ? ZMQ_REP : ZMQ_SUB);
    Socket &s = socks.back();
    if (!s.get()) {
      *error = zmq_error("zmq_socket");
      return false;
    }
    s.set(ZMQ_RCVHWM, rep ? 2 : 1);
    if (!rep && zmq_setsockopt(s.get(), ZMQ_SUBSCRIBE, "", 0) != 0) {
      *error = zmq_error("ZMQ_SUBSCRIBE");
      return false;
    }
    if (rep) {
      /* Before the bind, so no connection goes unwatched. */
      std::string mon = "inproc://zmqbench-monitor-" + std::to_string(port);
      monitors.emplace_back(ctx.get(), ZMQ_PAIR);
      if (zmq_socket_monitor(s.get(), mon.c_str(), ZMQ_EVENT_DISCONNECTED) != 0 || !monitors.back().get() ||
          zmq_connect(monitors.back().get(), mon.c_str()) != 0) {
        *error = zmq_error("cannot monitor a socket");
        return false;
      }
    }
    std::string uri = endpoint("127.0.0.1", port);
    if (zmq_bind(s.get(), uri.c_str()) != 0) {
      int e = errno;
      *error = "cannot bind " + uri + ": " + zmq_strerror(e);
      return false;
    }
  }
  r->per_port.assign(n, 0);
  if (o.handoff)
    return recv_handoff(o, socks, monitors, r, error);
  say_ready();

  /* Room for every sample up front (within reason), so that growing the
   * vector does not show in the latencies. */
  r->latency_ns.reserve(static_cast<size_t>(std::min<long long>(o.frames * static_cast<long long>(n), 1 << 22)));
  std::vector<bool> ended(n, false);
  size_t ended_count = 0;
  int64_t first_arrival = 0, last_arrival = 0; /* monotonic */
  bool warned_malformed = false;
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  std::vector<zmq_pollitem_t> items(n);

  /* Both patterns end when every port's end marker came: in pattern 1 a
   * sender sends it only once its N frames were answered, so it also means
   * "N frames from every port"; in pattern 2 frames may have been dropped. */
  while (ended_count < n) {
    long wait_ms = ms_left(deadline);
    if (wait_ms == 0) {
      r->timeout = true;
      break;
    }
    for (size_t i = 0; i < n; i++)
      items[i] = {socks[i].get(), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(items.data(), static_cast<int>(n), wait_ms) < 0) {
      if (errno != EINTR) {
        *error = zmq_error("zmq_poll");
        return false;
      }
      if (g_interrupted) {
        *error = "interrupted";
        return false;
      }
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      if (!(items[i].revents & ZMQ_POLLIN))
        continue;
      void *s = socks[i].get();
      for (int k = 0; k < kBurst; k++) {
        Header h;
        bool well_formed;
        zmq_msg_t payload;
        zmq_msg_init(&payload);
        Read got = read_message(s, &h, &well_formed, &payload, error);
        /* The consumer has it: the latency is taken here. The payload is
         * looked at, not copied: its size only. */
        const int64_t arrival_rt = realtime_ns(), arrival = monotonic_ns();
        const size_t payload_bytes = zmq_msg_size(&payload);
        zmq_msg_close(&payload);
        if (got == Read::NONE)
          break;
        if (got == Read::FAILED)
          return false;
        answer(s, rep, h, o.ports[i]);
        if (!well_formed) {
          warn_malformed(o.ports[i], &warned_malformed);
          continue;
        }
        if (h.flags & kFlagEnd) {
          if (!ended[i])
            ended_count++;
          ended[i] = true;
          continue;
        }
        r->frames++;
        r->bytes += static_cast<long long>(payload_bytes);
        r->per_port[i]++;
        r->latency_ns.push_back(arrival_rt - h.sent_ns);
        if (!first_arrival)
          first_arrival = arrival;
        last_arrival = arrival;
      }
    }
  }
  r->seconds = static_cast<double>(last_arrival - first_arrival) / 1e9;
  close_ports(rep, r->timeout, socks, monitors);
  return true;
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
double percentile_us(const std::vector<int64_t> &sorted, double p) {
  if (sorted.empty())
    return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / 1000.0;
}

/* ---- sender ---- */

/* The payload buffer outlives every message made from it and is never
 * written after it is made: ZeroMQ has nothing to free. */
void no_free(void * /*data*/, void * /*hint*/) {}

/* Sends the header and, zero-copy, the payload (absent for an end marker).
 * Returns false with errno set. */
bool send_message(void *sock, const Header &h, const std::vector<uint8_t> *payload) {
  uint8_t head[kHeaderSize];
  encode(h, head);
  if (zmq_send(sock, head, kHeaderSize, ZMQ_DONTWAIT | (payload ? ZMQ_SNDMORE : 0)) < 0)
    return false;
  if (!payload)
    return true;
  zmq_msg_t part;
  /* Casting away const: ZeroMQ only reads the memory. */
  zmq_msg_init_data(&part, const_cast<uint8_t *>(payload->data()), payload->size(), no_free, nullptr);
  /* The first part was admitted, so is the whole message: this one cannot
   * fail on the high-water mark. */
  if (zmq_msg_send(&part, sock, ZMQ_DONTWAIT) < 0) {
    int e = errno;
    zmq_msg_close(&part);
    errno = e;
    return false;
  }
  return true;
}

/* Paces sends at `fps` per second; 0 = no pacing. A late send does not
 * make the next ones come in a burst: the schedule restarts from it. */
class Pacer {
public:
  explicit Pacer(double fps) : period_ns_(fps > 0 ? static_cast<int64_t>(1e9 / fps) : 0) {}
  /* Returns false when interrupted. */
  bool wait() {
    if (!period_ns_)
      return !g_interrupted;
    int64_t now = monotonic_ns();
    if (!next_ || next_ < now)
      next_ = now;
    timespec ts{static_cast<time_t>(next_ / 1000000000), static_cast<long>(next_ % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR)
      if (g_interrupted)
        return false;
    next_ += period_ns_;
    return !g_interrupted;
  }

private:
  int64_t period_ns_;
  int64_t next_ = 0;
};

struct SendResult {
  long long sent = 0;
  double seconds = 0;
  size_t payload_bytes = 0;
};

/* Pattern 1: REQ, lock-step, one frame in flight. */
bool run_req(const Options &o, void *sock, const std::vector<uint8_t> &payload, SendResult *r,
             std::string *error) {
  Pacer pacer(o.fps);
  int64_t first = 0, last = 0;
  /* The first request waits for the receiver (ZMQ_IMMEDIATE queues nothing
   * before the connection is up) for --timeout; the others cannot wait
   * long. */
  int64_t writable_by = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  for (long long seq = 0; seq <= o.frames; seq++) {
    const bool end = seq == o.frames; /* the end marker goes after the frames */
    if (!end && !pacer.wait()) {
      *error = "interrupted";
      return false;
    }
    for (;;) {
      Wait w = wait_for(sock, ZMQ_POLLOUT, writable_by, error);
      if (w == Wait::Timeout)
        *error = "the receiver at port " + std::to_string(o.port) + " did not take a request in time";
      if (w != Wait::Ready)
        return false;
      Header h{static_cast<uint64_t>(seq), realtime_ns(), end ? kFlagEnd : 0};
      if (!first && !end)
        first = monotonic_ns();
      if (send_message(sock, h, end ? nullptr : &payload))
        break;
      if (errno != EAGAIN) {
        *error = zmq_error("send");
        return false;
      }
    }
    const int64_t reply_by = monotonic_ns() + (end ? kEndTimeoutMs : kReplyTimeoutMs) * kNsPerMs;
    for (;;) {
      Wait w = wait_for(sock, ZMQ_POLLIN, reply_by, error);
      if (w == Wait::Timeout)
        *error = std::string("no reply to ") + (end ? "the end marker" : "frame " + std::to_string(seq)) + " in time";
      if (w != Wait::Ready)
        return false;
      zmq_msg_t reply;
      zmq_msg_init(&reply);
      int rc = zmq_msg_recv(&reply, sock, ZMQ_DONTWAIT);
      zmq_msg_close(&reply);
      if (rc >= 0)
        break;
      /* EAGAIN: what came in was not our reply (REQ_CORRELATE dropped it). */
      if (errno != EAGAIN) {
        *error = zmq_error("receiving a reply");
        return false;
      }
    }
    drain_parts(sock);
    if (!end) {
      last = monotonic_ns();
      r->sent++;
    }
    writable_by = monotonic_ns() + kReplyTimeoutMs * kNsPerMs;
  }
  r->seconds = static_cast<double>(last - first) / 1e9;
  return true;
}

/* Reads what XPUB reports: byte 1 + topic = subscribed, byte 0 = gone.
 * Returns false on an error. */
bool read_subscriptions(void *sock, bool *subscribed, std::string *error) {
  for (;;) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      if (errno == EAGAIN)
        return true;
      *error = zmq_error("reading subscriptions");
      return false;
    }
    if (zmq_msg_size(&m) >= 1)
      *subscribed = static_cast<const uint8_t *>(zmq_msg_data(&m))[0] == 1;
    zmq_msg_close(&m);
  }
}

/* Pattern 2: XPUB with SNDHWM 1, latest-frame: a frame the receiver has no
 * room for is dropped.
 *
 * Unlike netgearsink, XPUB_NODROP is on from the start (see run_send) and
 * the drop is ours: a refused frame (EAGAIN) is not sent again. Left to
 * libzmq, a dropped frame makes the XPUB set the pipe aside until its
 * reader has taken a message and that news reached the socket; until then
 * the socket matches no pipe, and even with XPUB_NODROP a message is
 * thrown away while zmq_send reports success. An end marker sent just after
 * a drop was lost that way (seen with 4 senders of bgr640). With NODROP
 * throughout, a full pipe refuses instead of being set aside, so the end
 * marker can only be refused, and is retried. The frames cost the same. */
/* Anything sent before the subscription arrives would be dropped: waits
 * for it, --timeout at most. */
bool wait_subscribed(const Options &o, void *s, std::string *error) {
  bool subscribed = false;
  const int64_t sub_deadline = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  while (!subscribed) {
    Wait w = wait_for(s, ZMQ_POLLIN, sub_deadline, error);
    if (w == Wait::Timeout)
      *error = "no receiver subscribed at port " + std::to_string(o.port) + " in time";
    if (w != Wait::Ready || !read_subscriptions(s, &subscribed, error))
      return false;
  }
  return true;
}

/* The end marker is refused while the pipe is full: retried until taken. */
bool send_end_marker(const Options &o, void *s, bool *subscribed, std::string *error) {
  const int64_t end_deadline = monotonic_ns() + kEndTimeoutMs * kNsPerMs;
  Header end{static_cast<uint64_t>(o.frames), 0, kFlagEnd};
  for (;;) {
    end.sent_ns = realtime_ns();
    if (send_message(s, end, nullptr))
      return true;
    if (errno != EAGAIN) {
      *error = zmq_error("sending the end marker");
      return false;
    }
    if (monotonic_ns() >= end_deadline) {
      *error = "the receiver did not take the end marker in time";
      return false;
    }
    /* Sleeps kEndRetryMs, unless the XPUB reports something, which is read:
     * an unsubscription means nobody will take it. */
    int64_t retry_at = std::min(end_deadline, monotonic_ns() + kEndRetryMs * kNsPerMs);
    if (wait_for(s, ZMQ_POLLIN, retry_at, error) == Wait::Failed || !read_subscriptions(s, subscribed, error))
      return false;
    if (!*subscribed) {
      *error = "the receiver went away before the end marker";
      return false;
    }
  }
}

bool run_pub(const Options &o, Socket &sock, const std::vector<uint8_t> &payload, SendResult *r,
             std::string *error) {
  void *s = sock.get();
  if (!wait_subscribed(o, s, error))
    return false;
  bool subscribed = true;

  Pacer pacer(o.fps);
  int64_t first = 0, last = 0;
  for (long long seq = 0; seq < o.frames; seq++) {
    if (!pacer.wait()) {
      *error = "interrupted";
      return false;
    }
    Header h{static_cast<uint64_t>(seq), realtime_ns(), 0};
    if (!first)
      first = monotonic_ns();
    /* The socket's pending commands first, a drained pipe among them: a
     * send processes them at most about once a millisecond, so a sender
     * that only sends finds its pipe full long after it drained and
     * delivers a fraction of what it could. A sender that polls its socket,
     * as netgearsink's I/O thread does, takes them on every poll. */
    int events = 0;
    size_t events_len = sizeof events;
    zmq_getsockopt(s, ZMQ_EVENTS, &events, &events_len);
    /* Refused (EAGAIN) = dropped, which is not an error. "sent" counts the
     * frames offered, as ngbench counts the buffers it pushes; the
     * receiver's count tells how many got through. */
    if (!send_message(s, h, &payload) && errno != EAGAIN) {
      *error = zmq_error("send");
      return false;
    }
    last = monotonic_ns();
    r->sent++;
  }
  r->seconds = static_cast<double>(last - first) / 1e9;

  if (!send_end_marker(o, s, &subscribed, error))
    return false;
  /* Closing may wait this long for the end marker to leave. */
  sock.set(ZMQ_LINGER, kPubCloseLingerMs);
  return true;
}

/* ---- sender, --handoff ----
 * As netgearsink: the main thread (netgearsink's streaming thread) stamps
 * and hands each message over; the I/O thread owns the socket from its
 * start to its join, and sleeps in zmq_poll on the eventfd and the socket. */

struct Handoff {
  std::mutex mu;
  std::condition_variable cv; /* the I/O thread -> the main thread */
  /* Under mu. */
  bool has_msg = false; /* msg handed over, not taken yet */
  Header msg;
  bool end_asked = false;           /* pattern 2: send the end marker */
  uint64_t gen = 0, done_gen = 0;   /* pattern 1: per message; 2: the end marker */
  bool failed = false;              /* the I/O thread gave up (and ended) */
  std::string error;
  int64_t first_sent = 0;           /* pattern 1: as run_req's first */
  bool stop = false;
};

/* The I/O thread, stopped and joined on every way out. */
class IoThread {
public:
  explicit IoThread(Handoff &h) : h_(h) {}
  ~IoThread() { stop(); }
  bool start(std::function<void()> fn, std::string *error) {
    try {
      thread_ = std::thread(std::move(fn));
    } catch (const std::system_error &e) {
      *error = std::string("cannot start a thread: ") + e.what();
      return false;
    }
    return true;
  }
  void stop() {
    if (!thread_.joinable())
      return;
    {
      std::lock_guard<std::mutex> lk(h_.mu);
      h_.stop = true;
    }
    wake_signal();
    thread_.join();
  }

private:
  Handoff &h_;
  std::thread thread_;
};

void io_failed(Handoff *h, std::string why) {
  std::lock_guard<std::mutex> lk(h->mu);
  h->failed = true;
  h->error = std::move(why);
  h->cv.notify_all();
}

/* Pattern 1's I/O thread: run_req's sending and waiting, one message at a
 * time, with run_req's bounds. */
void req_io(const Options &o, void *sock, const std::vector<uint8_t> &payload, Handoff *h) {
  /* The first request waits for the receiver for --timeout. */
  int64_t writable_by = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  int64_t reply_by = 0, first = 0;
  bool have = false, inflight = false;
  Header cur;
  uint64_t cur_gen = 0;
  for (;;) {
    {
      std::lock_guard<std::mutex> lk(h->mu);
      if (h->stop)
        return;
      if (!have && h->has_msg) {
        cur = h->msg;
        cur_gen = h->gen;
        h->has_msg = false;
        have = true;
      }
    }
    const bool end = have && (cur.flags & kFlagEnd);
    zmq_pollitem_t items[2] = {{nullptr, g_wake_fd, ZMQ_POLLIN, 0},
                               {sock, 0, static_cast<short>(have ? (inflight ? ZMQ_POLLIN : ZMQ_POLLOUT) : 0), 0}};
    int rc = zmq_poll(items, 2, have ? ms_left(inflight ? reply_by : writable_by) : -1);
    if (rc < 0 && errno != EINTR)
      return io_failed(h, zmq_error("zmq_poll"));
    if (rc > 0 && (items[0].revents & ZMQ_POLLIN))
      wake_drain();
    if (g_interrupted)
      return io_failed(h, "interrupted");
    if (!have)
      continue;
    if (!inflight && (items[1].revents & ZMQ_POLLOUT)) {
      if (!first && !end)
        first = monotonic_ns();
      if (send_message(sock, cur, end ? nullptr : &payload)) {
        inflight = true;
        reply_by = monotonic_ns() + (end ? kEndTimeoutMs : kReplyTimeoutMs) * kNsPerMs;
        continue;
      }
      if (errno != EAGAIN)
        return io_failed(h, zmq_error("send"));
    } else if (inflight && (items[1].revents & ZMQ_POLLIN)) {
      zmq_msg_t reply;
      zmq_msg_init(&reply);
      rc = zmq_msg_recv(&reply, sock, ZMQ_DONTWAIT);
      zmq_msg_close(&reply);
      if (rc >= 0) {
        drain_parts(sock);
        have = inflight = false;
        writable_by = monotonic_ns() + kReplyTimeoutMs * kNsPerMs;
        std::lock_guard<std::mutex> lk(h->mu);
        h->first_sent = first;
        h->done_gen = cur_gen;
        h->cv.notify_all();
        continue;
      }
      /* EAGAIN: what came in was not our reply (REQ_CORRELATE dropped it). */
      if (errno != EAGAIN)
        return io_failed(h, zmq_error("receiving a reply"));
    }
    if (!inflight && monotonic_ns() >= writable_by)
      return io_failed(h, "the receiver at port " + std::to_string(o.port) + " did not take a request in time");
    if (inflight && monotonic_ns() >= reply_by)
      return io_failed(h, std::string("no reply to ") +
                              (end ? "the end marker" : "frame " + std::to_string(cur.seq)) + " in time");
  }
}

/* run_req with the hand-offs of netgearsink's render: lock-step, the main
 * thread blocked until the I/O thread has the reply. */
bool run_req_handoff(const Options &o, void *sock, const std::vector<uint8_t> &payload, SendResult *r,
                     std::string *error) {
  Handoff h;
  IoThread io(h); /* after h: joined before it goes */
  if (!io.start([&] { req_io(o, sock, payload, &h); }, error))
    return false;
  /* The I/O thread bounds every message; this only makes sure. */
  const auto bound = std::chrono::milliseconds(static_cast<int64_t>(o.timeout_s * 1000) + 2 * kReplyTimeoutMs + 1000);
  Pacer pacer(o.fps);
  int64_t last = 0;
  for (long long seq = 0; seq <= o.frames; seq++) {
    const bool end = seq == o.frames; /* the end marker goes after the frames */
    if (!end && !pacer.wait()) {
      *error = "interrupted";
      return false;
    }
    std::unique_lock<std::mutex> lk(h.mu);
    h.msg = Header{static_cast<uint64_t>(seq), realtime_ns(), end ? kFlagEnd : 0};
    h.has_msg = true;
    const uint64_t gen = ++h.gen;
    wake_signal();
    bool done = h.cv.wait_for(lk, bound, [&] { return h.done_gen >= gen || h.failed; });
    if (h.failed) {
      *error = h.error;
      return false;
    }
    if (!done) {
      *error = "the I/O thread did not finish a message in time";
      return false;
    }
    if (!end) {
      last = monotonic_ns();
      r->sent++;
    }
  }
  std::lock_guard<std::mutex> lk(h.mu);
  r->seconds = static_cast<double>(last - h.first_sent) / 1e9;
  return true;
}

/* Pattern 2's I/O thread: sends what is in the mailbox as run_pub does,
 * then the end marker when asked. */
void pub_io(const Options &o, void *s, const std::vector<uint8_t> &payload, Handoff *h) {
  bool subscribed = true; /* run_pub_handoff waited for it */
  for (;;) {
    Header frame;
    bool have = false, end = false;
    uint64_t end_gen = 0;
    {
      std::lock_guard<std::mutex> lk(h->mu);
      if (h->stop)
        return;
      if (h->has_msg) {
        frame = h->msg;
        h->has_msg = false;
        have = true;
      }
      if (h->end_asked && h->done_gen < h->gen) {
        end = true;
        end_gen = h->gen;
      }
    }
    /* Refused (EAGAIN) = dropped, as run_pub. */
    if (have && !send_message(s, frame, &payload) && errno != EAGAIN)
      return io_failed(h, zmq_error("send"));
    if (end) {
      std::string err;
      if (!send_end_marker(o, s, &subscribed, &err))
        return io_failed(h, err);
      std::lock_guard<std::mutex> lk(h->mu);
      h->done_gen = end_gen;
      h->cv.notify_all();
      return; /* nothing comes after it */
    }
    zmq_pollitem_t items[2] = {{nullptr, g_wake_fd, ZMQ_POLLIN, 0}, {s, 0, ZMQ_POLLIN, 0}};
    int rc = zmq_poll(items, 2, -1);
    if (rc < 0 && errno != EINTR)
      return io_failed(h, zmq_error("zmq_poll"));
    if (rc > 0 && (items[0].revents & ZMQ_POLLIN))
      wake_drain();
    if (g_interrupted)
      return io_failed(h, "interrupted");
    std::string err;
    if (rc > 0 && (items[1].revents & ZMQ_POLLIN) && !read_subscriptions(s, &subscribed, &err))
      return io_failed(h, err);
  }
}

/* run_pub with the hand-offs of netgearsink: the main thread leaves each
 * frame in a one-slot mailbox and goes on. */
bool run_pub_handoff(const Options &o, Socket &sock, const std::vector<uint8_t> &payload, SendResult *r,
                     std::string *error) {
  if (!wait_subscribed(o, sock.get(), error))
    return false;
  Handoff h;
  IoThread io(h); /* after h: joined before it goes */
  if (!io.start([&] { pub_io(o, sock.get(), payload, &h); }, error))
    return false;
  Pacer pacer(o.fps);
  int64_t first = 0, last = 0;
  for (long long seq = 0; seq < o.frames; seq++) {
    if (!pacer.wait()) {
      *error = "interrupted";
      return false;
    }
    Header msg{static_cast<uint64_t>(seq), realtime_ns(), 0};
    if (!first)
      first = monotonic_ns();
    {
      std::lock_guard<std::mutex> lk(h.mu);
      if (h.failed) {
        *error = h.error;
        return false;
      }
      /* One not taken yet is replaced: dropped, and counted in "sent" as
       * run_pub counts a refused one. */
      h.msg = msg;
      h.has_msg = true;
    }
    wake_signal();
    last = monotonic_ns();
    r->sent++;
  }
  r->seconds = static_cast<double>(last - first) / 1e9;

  {
    std::unique_lock<std::mutex> lk(h.mu);
    h.end_asked = true;
    const uint64_t gen = ++h.gen;
    wake_signal();
    /* The I/O thread gives up after kEndTimeoutMs; this only makes sure. */
    bool done = h.cv.wait_for(lk, std::chrono::milliseconds(kEndTimeoutMs + 1000),
                              [&] { return h.done_gen >= gen || h.failed; });
    if (h.failed) {
      *error = h.error;
      return false;
    }
    if (!done) {
      *error = "the receiver did not take the end marker in time";
      return false;
    }
  }
  io.stop(); /* the socket is this thread's again */
  /* Closing may wait this long for the end marker to leave. */
  sock.set(ZMQ_LINGER, kPubCloseLingerMs);
  return true;
}

bool run_send(const Options &o, SendResult *r, std::string *error) {
  /* One buffer for every frame, its pages touched now rather than during
   * the run. */
  r->payload_bytes = payload_size(o.payload);
  std::vector<uint8_t> payload(r->payload_bytes);
  for (size_t i = 0; i < payload.size(); i++)
    payload[i] = static_cast<uint8_t>(i * 7);

  const bool req = o.pattern == 1;
  Context ctx;
  if (!ctx.get()) {
    *error = zmq_error("zmq_ctx_new");
    return false;
  }
  Socket sock(ctx.get(), req ? ZMQ_REQ : ZMQ_XPUB);
  if (!sock.get()) {
    *error = zmq_error("zmq_socket");
    return false;
  }
  /* As netgearsink's make_socket. */
  if (req) {
    sock.set(ZMQ_REQ_RELAXED, 1);
    sock.set(ZMQ_REQ_CORRELATE, 1);
    sock.set(ZMQ_IMMEDIATE, 1);
  } else {
    sock.set(ZMQ_SNDHWM, 1);
    sock.set(ZMQ_XPUB_NODROP, 1); /* netgearsink: only for its terminate; see run_pub */
  }
  std::string uri = endpoint(o.address, o.port);
  if (zmq_connect(sock.get(), uri.c_str()) != 0) {
    int e = errno;
    *error = "cannot connect to " + uri + ": " + zmq_strerror(e);
    return false;
  }
  say_ready();
  /* With NETGEAR_BENCH_WAIT_GO=1, bench/run starts every sender at once
   * (a line on stdin), so N senders are measured together, and none can
   * finish before the others have connected. */
  if (const char *go = getenv("NETGEAR_BENCH_WAIT_GO"); go && strcmp(go, "1") == 0) {
    char line[16];
    if (!fgets(line, sizeof line, stdin)) {
      *error = "stdin closed before the start signal";
      return false;
    }
  }
  if (o.handoff)
    return req ? run_req_handoff(o, sock.get(), payload, r, error) : run_pub_handoff(o, sock, payload, r, error);
  return req ? run_req(o, sock.get(), payload, r, error) : run_pub(o, sock, payload, r, error);
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  std::string error;
  if (!parse_args(argc, argv, &o, &error)) {
    printf("ERROR %s\n", error.c_str());
    return 1;
  }
  if (o.handoff) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
      printf("ERROR cannot create an eventfd: %s\n", strerror(errno));
      return 1;
    }
    g_wake_fd = fd;
  }
  /* A signal makes every wait return, and the run ends cleanly with ERROR.
   * No SA_RESTART: zmq_poll and clock_nanosleep must see EINTR. */
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  if (o.mode == "recv") {
    RecvResult r;
    if (!run_recv(o, &r, &error)) { /* sockets and context are gone here */
      printf("ERROR %s\n", error.c_str());
      return 1;
    }
    std::sort(r.latency_ns.begin(), r.latency_ns.end());
    Usage u = usage();
    std::string per_port;
    for (size_t i = 0; i < o.ports.size(); i++)
      per_port += (i ? ", \"" : "\"") + std::to_string(o.ports[i]) + "\": " + std::to_string(r.per_port[i]);
    printf("RESULT {\"frames\": %lld, \"bytes\": %lld, \"seconds\": %.6f, \"lat_p50_us\": %.1f, "
           "\"lat_p99_us\": %.1f, \"cpu_s\": %.3f, \"rss_kb\": %ld, \"per_port\": {%s}, \"timeout\": %s}\n",
           r.frames, r.bytes, r.seconds, percentile_us(r.latency_ns, 0.50), percentile_us(r.latency_ns, 0.99),
           u.cpu_s - g_cpu_at_ready, u.rss_kb, per_port.c_str(), r.timeout ? "true" : "false");
  } else {
    SendResult r;
    if (!run_send(o, &r, &error)) {
      printf("ERROR %s\n", error.c_str());
      return 1;
    }
    Usage u = usage();
    printf("RESULT {\"sent\": %lld, \"seconds\": %.6f, \"cpu_s\": %.3f, \"rss_kb\": %ld, \"payload_bytes\": %zu}\n",
           r.sent, r.seconds, u.cpu_s - g_cpu_at_ready, u.rss_kb, r.payload_bytes);
  }
  fflush(stdout);
  return 0;
}
