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
 *   zmqbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k
 *                 --frames N [--fps F] [--address 127.0.0.1] [--timeout S]
 *
 * (send's --timeout, default 60 s, bounds its wait for the receiver; it is
 * not part of the contract and the orchestrator need not pass it.)
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
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <time.h>

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

volatile sig_atomic_t g_interrupted = 0;

void on_signal(int) { g_interrupted = 1; }

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
    *error = "usage: zmqbench recv --pattern 1|2 --ports P1,P2,... --frames N [--timeout S] | "
             "zmqbench send --pattern 1|2 --port P --payload bgr640|bgr1080|jpeg20k --frames N [--fps F] "
             "[--address A] [--timeout S]";
    return false;
  }
  o->mode = argv[1];
  const bool recv = o->mode == "recv";
  for (int i = 2; i < argc; i++) {
    std::string key = argv[i], value;
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
  printf("READY\n");
  fflush(stdout);

  r->per_port.assign(n, 0);
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
        zmq_msg_t head;
        zmq_msg_init(&head);
        if (zmq_msg_recv(&head, s, ZMQ_DONTWAIT) < 0) {
          zmq_msg_close(&head);
          if (errno == EAGAIN)
            break;
          *error = zmq_error("zmq_msg_recv");
          return false;
        }
        Header h;
        bool well_formed = decode(zmq_msg_data(&head), zmq_msg_size(&head), &h);
        bool more = zmq_msg_more(&head);
        zmq_msg_close(&head);
        /* The payload is looked at, not copied: its size only. A message's
         * parts arrive together, so the read cannot wait. */
        size_t payload_bytes = 0;
        int64_t arrival_rt = 0, arrival = 0; /* realtime, monotonic */
        if (more) {
          zmq_msg_t payload;
          zmq_msg_init(&payload);
          int rc = zmq_msg_recv(&payload, s, ZMQ_DONTWAIT);
          /* The consumer has it: the latency is taken here. */
          arrival_rt = realtime_ns();
          arrival = monotonic_ns();
          payload_bytes = rc < 0 ? 0 : zmq_msg_size(&payload);
          zmq_msg_close(&payload);
          drain_parts(s);
        } else {
          arrival_rt = realtime_ns();
          arrival = monotonic_ns();
        }
        /* REP must answer whatever it read before it can read again; the
         * REQ sender needs no more than its seq back. */
        if (rep && zmq_send(s, &h.seq, sizeof h.seq, ZMQ_DONTWAIT) < 0)
          fprintf(stderr, "zmqbench: cannot reply on port %d: %s\n", o.ports[i], zmq_strerror(errno));
        if (!well_formed) {
          if (!warned_malformed)
            fprintf(stderr, "zmqbench: port %d: message with a malformed header ignored\n", o.ports[i]);
          warned_malformed = true;
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
  if (rep) {
    if (!r->timeout)
      wait_for_hangups(monitors);
    /* Whatever reply is still queued may leave before the sockets close. */
    for (Socket &s : socks)
      s.set(ZMQ_LINGER, kRepCloseLingerMs);
  }
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
bool run_pub(const Options &o, Socket &sock, const std::vector<uint8_t> &payload, SendResult *r,
             std::string *error) {
  void *s = sock.get();
  /* Anything sent before the subscription arrives would be dropped. */
  bool subscribed = false;
  const int64_t sub_deadline = monotonic_ns() + static_cast<int64_t>(o.timeout_s * 1e9);
  while (!subscribed) {
    Wait w = wait_for(s, ZMQ_POLLIN, sub_deadline, error);
    if (w == Wait::Timeout)
      *error = "no receiver subscribed at port " + std::to_string(o.port) + " in time";
    if (w != Wait::Ready || !read_subscriptions(s, &subscribed, error))
      return false;
  }

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

  /* The end marker is refused while the pipe is full: retried until taken. */
  const int64_t end_deadline = monotonic_ns() + kEndTimeoutMs * kNsPerMs;
  Header end{static_cast<uint64_t>(o.frames), 0, kFlagEnd};
  for (;;) {
    end.sent_ns = realtime_ns();
    if (send_message(s, end, nullptr))
      break;
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
    if (wait_for(s, ZMQ_POLLIN, retry_at, error) == Wait::Failed || !read_subscriptions(s, &subscribed, error))
      return false;
    if (!subscribed) {
      *error = "the receiver went away before the end marker";
      return false;
    }
  }
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
  printf("READY\n");
  fflush(stdout);
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
           u.cpu_s, u.rss_kb, per_port.c_str(), r.timeout ? "true" : "false");
  } else {
    SendResult r;
    if (!run_send(o, &r, &error)) {
      printf("ERROR %s\n", error.c_str());
      return 1;
    }
    Usage u = usage();
    printf("RESULT {\"sent\": %lld, \"seconds\": %.6f, \"cpu_s\": %.3f, \"rss_kb\": %ld, \"payload_bytes\": %zu}\n",
           r.sent, r.seconds, u.cpu_s, u.rss_kb, r.payload_bytes);
  }
  fflush(stdout);
  return 0;
}
