/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear unit tests: the NetGear wire codec (gst/netgearwire.h).
 *
 * 1. every captured vidgear message decodes as vector.json says it should;
 * 2. our encoder reproduces vidgear's bytes exactly;
 * 3. our "gst" extension round-trips and stays a valid NetGear header;
 * 4. hostile input is dropped with the right reason and never crashes;
 * 5. dump_json writes what Python's json.dumps writes.
 *
 * Expected values come from vector.json (which vidgear call produced the
 * bytes), from Python's own output (quoted literals, produced by CPython
 * 3.11 json.dumps/repr), or from the protocol text; never from the codec. */
#include <gst/gst.h>
#include <gst/video/video.h>
#include <pthread.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "netgearwire.h"
#include "unit.h"
#include "vectors.h"

using netgear::Compression;
using netgear::Decoded;
using netgear::DropReason;
using netgear::Extension;
using netgear::FrameDescription;
using netgear::Json;
using netgear::Layout;
using netgear::Reply;

/* ---- allocation watch: the codec must not allocate what a header claims ---- */

/* GCC pairs the inlined malloc/free of these replacements with the new/delete
 * expressions that call them and warns; they do match. */
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

static std::atomic<bool> g_track_alloc{false};
static std::atomic<size_t> g_largest_alloc{0};

void *operator new(size_t n) {
  if (g_track_alloc.load(std::memory_order_relaxed)) {
    size_t prev = g_largest_alloc.load(std::memory_order_relaxed);
    while (n > prev && !g_largest_alloc.compare_exchange_weak(prev, n)) {
    }
  }
  void *p = std::malloc(n ? n : 1);
  if (!p)
    throw std::bad_alloc();
  return p;
}
void *operator new[](size_t n) { return operator new(n); }
/* The nothrow forms too (simdjson allocates with them): a form left out goes
 * to the default or the sanitizer's allocator and its delete comes here. */
void *operator new(size_t n, const std::nothrow_t &) noexcept {
  try {
    return operator new(n);
  } catch (const std::bad_alloc &) {
    return nullptr;
  }
}
void *operator new[](size_t n, const std::nothrow_t &tag) noexcept { return operator new(n, tag); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, size_t) noexcept { std::free(p); }
void operator delete[](void *p, size_t) noexcept { std::free(p); }
void operator delete(void *p, const std::nothrow_t &) noexcept { std::free(p); }
void operator delete[](void *p, const std::nothrow_t &) noexcept { std::free(p); }

/* ---- helpers ---- */

using unit::fail_msg;

/* Decodes and requires a drop with the given reason (and a detail for the log). */
static void expect_drop_at(const char *file, int line, std::string_view part0, size_t nparts, size_t payload,
                           DropReason want) {
  DropReason r = DropReason::NONE;
  std::string detail;
  auto d = netgear::decode_message(part0, nparts, payload, &r, &detail);
  if (d) {
    fail_msg(file, line, "expect_drop",
             std::string("decoded, expected a drop with reason ") + netgear::drop_reason_name(want));
    return;
  }
  if (r != want)
    fail_msg(file, line, "expect_drop",
             std::string("drop reason ") + netgear::drop_reason_name(r) + ", expected " +
                 netgear::drop_reason_name(want) + " (detail: " + detail + ")");
  if (detail.empty())
    fail_msg(file, line, "expect_drop", "a drop without a detail for the log");
}
#define expect_drop(...) expect_drop_at(__FILE__, __LINE__, __VA_ARGS__)

static Decoded expect_decode_at(const char *file, int line, std::string_view part0, size_t nparts,
                                size_t payload) {
  DropReason r = DropReason::NONE;
  std::string detail;
  auto d = netgear::decode_message(part0, nparts, payload, &r, &detail);
  if (!d) {
    fail_msg(file, line, "expect_decode",
             std::string("dropped: ") + netgear::drop_reason_name(r) + " (" + detail + ")");
    return Decoded();
  }
  return *d;
}
#define expect_decode(...) expect_decode_at(__FILE__, __LINE__, __VA_ARGS__)

/* A NetGear data header written as text, NetGear's keys in NetGear's order:
 * each key can be replaced by raw JSON text (or removed with nullopt), and raw
 * text can be appended before the closing brace. Text, not a Json value, so
 * that the hostile inputs can be invalid JSON. */
using Override = std::pair<std::string, std::optional<std::string>>;
static std::string header_with(const std::vector<Override> &over, const std::string &extra = "") {
  static const std::pair<const char *, const char *> base[] = {
      {"port", "5571"},        {"terminate_flag", "false"}, {"compression", "false"}, {"message", "null"},
      {"pattern", "\"1\""},    {"dtype", "\"uint8\""},      {"shape", "[4, 6, 3]"},
  };
  std::string s = "{";
  bool first = true;
  for (const auto &kv : base) {
    std::optional<std::string> value = std::string(kv.second);
    for (const auto &o : over)
      if (o.first == kv.first)
        value = o.second;
    if (!value)
      continue;
    if (!first)
      s += ", ";
    first = false;
    s += "\"" + std::string(kv.first) + "\": " + *value;
  }
  s += extra;
  s += "}";
  return s;
}

static std::vector<vectors::Vector> g_vectors;

static const vectors::Vector *find_vector(const std::string &name) {
  for (const auto &v : g_vectors)
    if (v.name == name)
      return &v;
  return nullptr;
}

static const vectors::Vector &need_vector(const std::string &name) {
  const vectors::Vector *v = find_vector(name);
  if (!v)
    throw std::runtime_error("vector " + name + " missing from " + vectors::dir());
  return *v;
}

/* The message vidgear sent, as vector.json records it. NaN has no JSON value,
 * so vector.json stores null and says float('nan') in message_arg. */
static bool message_is_nan(const vectors::Vector &v) {
  return v.meta.value("message_arg", "").find("float('nan')") != std::string::npos;
}
static Json expected_message(const vectors::Vector &v) {
  if (message_is_nan(v))
    return Json(std::numeric_limits<double>::quiet_NaN());
  return vectors::field(v.meta, "message");
}

/* ---- 0. the vectors themselves ---- */

static void test_vectors_present() {
  std::string root = vectors::dir();
  g_assert_true(g_file_test(root.c_str(), G_FILE_TEST_IS_DIR));
  std::string readme;
  /* The folder holds vectors only; their README (tests/data/README.md) is
   * beside it. */
  g_assert_true(vectors::read_file(root + "/../README.md", &readme));
  /* Every folder the README's table lists must be here. */
  std::regex row(R"(\| `([a-z0-9-]+)/` \|)");
  int listed = 0;
  for (std::sregex_iterator it(readme.begin(), readme.end(), row), end; it != end; ++it) {
    listed++;
    std::string name = (*it)[1].str();
    if (!find_vector(name))
      fail_msg(__FILE__, __LINE__, G_STRFUNC, "README lists " + name + ", not found");
  }
  g_assert_cmpint(listed, >=, 30);
  g_assert_cmpint(static_cast<int>(g_vectors.size()), ==, listed);
}

/* vector.json's sizes and SHA-256 match the part files. */
static void test_vector_integrity(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  g_assert_true(v.meta.is_object());
  const Json &parts = vectors::field(v.meta, "parts");
  g_assert_true(parts.is_array());
  g_assert_cmpuint(v.parts.size(), ==, parts.size());
  for (size_t i = 0; i < v.parts.size(); i++) {
    g_assert_cmpuint(v.parts.at(i).size(), ==, parts[i]["bytes"].get<size_t>());
    gchar *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                             reinterpret_cast<const guchar *>(v.parts.at(i).data()),
                                             v.parts.at(i).size());
    std::string got(sha);
    g_free(sha);
    ASSERT_STR_EQ(got, parts[i]["sha256"].get<std::string>());
  }
  g_assert_cmpint(vectors::header_index(v), >=, 0);
  g_assert_cmpint(vectors::header_index(v), <, static_cast<int>(v.parts.size()));
}

/* ---- 1. decoding what vidgear sent ---- */

static void test_vector_decode(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  int hi = vectors::header_index(v);
  g_assert_cmpint(hi, >=, 0);
  const std::string &hdr = v.parts.at(hi);
  size_t nparts = v.parts.size() - hi;
  size_t payload = nparts >= 2 ? v.parts.at(hi + 1).size() : 0;
  auto port = vectors::constructor_port(v);
  g_assert_true(port.has_value());

  Decoded d = expect_decode(hdr, nparts, payload);
  if (!vectors::is_frame(v)) {
    g_assert_cmpuint(nparts, ==, 1);
    g_assert_true(d.kind == Decoded::Kind::TERMINATE);
    ASSERT_JSON_EQ(d.port, *port);
    g_assert_cmpint(d.port.is_string(), ==, port->is_string());
    return;
  }
  g_assert_cmpuint(nparts, ==, 2);
  g_assert_true(d.kind == Decoded::Kind::FRAME);
  const netgear::FrameHeader &h = d.frame;
  ASSERT_JSON_EQ(h.port, *port);
  g_assert_cmpint(h.port.is_string(), ==, port->is_string());
  g_assert_cmpint(h.port.is_number_integer(), ==, port->is_number_integer());
  /* what a real vidgear client's recv() gave as the port, when recorded */
  const Json &rc = vectors::field(v.meta, "real_client_recv");
  if (rc.is_object() && rc.contains("items"))
    ASSERT_JSON_EQ(h.port, rc["items"][0]);

  if (message_is_nan(v)) {
    g_assert_true(h.message.is_number_float());
    g_assert_true(std::isnan(h.message.get<double>()));
  } else {
    ASSERT_JSON_EQ(h.message, vectors::field(v.meta, "message"));
  }
  ASSERT_STR_EQ(h.pattern, std::to_string(vectors::field(v.meta, "pattern").get<int>()));
  g_assert_false(h.ext.has_value());
  g_assert_false(h.ext_newer);

  if (auto c = vectors::constructor_compression(v)) {
    g_assert_true(h.compression.has_value());
    g_assert_cmpint(h.compression->dct, ==, c->dct);
    g_assert_cmpint(h.compression->ups, ==, c->ups);
    ASSERT_STR_EQ(h.compression->colorspace, c->colorspace);
    /* the picture size is only inside the JPEG */
    ASSERT_STR_EQ(h.dtype, "");
    g_assert_true(h.shape.empty());
    /* part 1 is a whole JPEG file */
    const std::string &jpg = v.parts.at(hi + 1);
    g_assert_cmpuint(jpg.size(), >=, 4);
    g_assert_cmpuint(static_cast<guint8>(jpg[0]), ==, 0xFF);
    g_assert_cmpuint(static_cast<guint8>(jpg[1]), ==, 0xD8);
  } else {
    g_assert_false(h.compression.has_value());
    ASSERT_STR_EQ(h.dtype, vectors::field(v.meta, "frame")["dtype"].get<std::string>());
    ASSERT_JSON_EQ(Json(h.shape), vectors::field(v.meta, "frame")["shape"]);
  }
}

/* A header is only good with the payload it describes. */
static void test_vector_payload_size(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  int hi = vectors::header_index(v);
  const std::string &hdr = v.parts.at(hi);
  size_t payload = v.parts.at(hi + 1).size();
  expect_decode(hdr, 2, payload);
  if (vectors::is_jpeg(v)) {
    /* no size in the header: any JPEG size is fine, an empty one is not */
    expect_decode(hdr, 2, payload + 1);
    expect_decode(hdr, 2, payload - 1);
    expect_drop(hdr, 2, 0, DropReason::SIZE_MISMATCH);
  } else {
    expect_drop(hdr, 2, payload + 1, DropReason::SIZE_MISMATCH);
    expect_drop(hdr, 2, payload - 1, DropReason::SIZE_MISMATCH);
    expect_drop(hdr, 2, 0, DropReason::SIZE_MISMATCH);
  }
}

/* The ROUTER view: request id + empty delimiter + NetGear's two parts. */
static void test_vector_req_envelope() {
  const auto &env = need_vector("ms-p1-req-envelope-bgr-msg-str-hello");
  const auto &hello = need_vector("ms-p1-bgr-msg-str-hello");
  g_assert_cmpuint(env.parts.size(), ==, 4);
  g_assert_cmpuint(env.parts.at(0).size(), ==, 4);
  g_assert_cmpuint(env.parts.at(1).size(), ==, 0);
  g_assert_true(env.parts.at(2) == hello.parts.at(0));
  g_assert_true(env.parts.at(3) == hello.parts.at(1));
  Decoded d = expect_decode(env.parts.at(2), 2, env.parts.at(3).size());
  g_assert_true(d.kind == Decoded::Kind::FRAME);
  ASSERT_JSON_EQ(d.frame.message, Json("hello"));
  /* the whole 4-part message is not a NetGear message */
  expect_drop(env.parts.at(2), 4, env.parts.at(3).size(), DropReason::BAD_PARTS);
}

/* ---- 2. encoding byte for byte ---- */

static FrameDescription description_from_vector(const vectors::Vector &v) {
  FrameDescription d;
  d.port = *vectors::constructor_port(v);
  d.message = expected_message(v);
  d.pattern = vectors::field(v.meta, "pattern").get<int>();
  d.dtype = vectors::field(v.meta, "frame")["dtype"].get<std::string>();
  for (const auto &x : vectors::field(v.meta, "frame")["shape"])
    d.shape.push_back(x.get<uint64_t>());
  if (auto c = vectors::constructor_compression(v)) {
    Compression comp;
    comp.dct = c->dct;
    comp.ups = c->ups;
    comp.colorspace = c->colorspace;
    d.compression = comp;
  }
  return d;
}

static void test_vector_encode(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  int hi = vectors::header_index(v);
  const std::string &want = v.parts.at(hi);
  auto port = vectors::constructor_port(v);
  g_assert_true(port.has_value());
  if (!vectors::is_frame(v)) {
    ASSERT_STR_EQ(netgear::encode_terminate(*port), want);
    return;
  }
  FrameDescription d = description_from_vector(v);
  std::string out = "stale bytes from a previous frame that must go";
  netgear::encode_frame_header(d, out);
  ASSERT_STR_EQ(out, want);
  /* a second encode into the same string gives the same bytes */
  netgear::encode_frame_header(d, out);
  ASSERT_STR_EQ(out, want);
}

/* Parsing vidgear's JSON and writing it back gives vidgear's bytes. */
static void test_vector_json_roundtrip(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  int hi = vectors::header_index(v);
  const std::string &text = v.parts.at(hi);
  if (text.empty() || text[0] != '{')
    return; /* plain-text replies */
  std::string err;
  auto j = netgear::parse_json(text, &err);
  if (!j)
    fail_msg(__FILE__, __LINE__, G_STRFUNC, "parse_json failed: " + err);
  ASSERT_STR_EQ(netgear::dump_json(*j), text);
}

/* ---- replies ---- */

static void test_vector_reply(gconstpointer p) {
  const auto &v = *static_cast<const vectors::Vector *>(p);
  const std::string &r0 = v.parts.at(0);
  Reply r = netgear::decode_reply(r0, v.parts.size());
  const std::string text = vectors::field(v.meta, "parts_as_text")["part0"].get<std::string>();
  ASSERT_STR_EQ(r0, text);

  if (text == "Termination signal successfully received at client!") {
    g_assert_true(r.kind == Reply::Kind::TERMINATE);
    ASSERT_STR_EQ(netgear::kTerminateReply, r0);
    return;
  }
  if (!vectors::field(v.meta, "bidirectional").get<bool>()) {
    g_assert_true(r.kind == Reply::Kind::PLAIN);
    /* NetGear's "Data received on device: <8-char id> !" */
    static const std::regex plain("Data received on device: ([A-Z0-9]{8}) !");
    std::smatch m;
    g_assert_true(std::regex_match(text, m, plain));
    ASSERT_STR_EQ(netgear::plain_reply(m[1].str()), r0);
    return;
  }
  if (v.parts.size() == 2) {
    /* ndarray: a JSON description, then the array bytes */
    g_assert_true(r.kind == Reply::Kind::BIDIR_ARRAY);
    g_assert_true(r.data.is_object());
    ASSERT_JSON_EQ(r.data["return_type"], Json("ndarray"));
    ASSERT_JSON_EQ(r.data["array_dtype"], vectors::field(v.meta, "frame")["dtype"]);
    ASSERT_JSON_EQ(r.data["array_shape"], vectors::field(v.meta, "frame")["shape"]);
    uint64_t n = 1;
    for (const auto &x : vectors::field(v.meta, "frame")["shape"])
      n *= x.get<uint64_t>();
    g_assert_cmpuint(v.parts.at(1).size(), ==, n);
    /* the same JSON as one part is not an array reply */
    g_assert_true(netgear::decode_reply(r0, 1).kind != Reply::Kind::BIDIR_ARRAY);
    return;
  }
  auto data = vectors::reply_return_data(v);
  g_assert_true(data.has_value());
  g_assert_true(r.kind == Reply::Kind::BIDIR);
  ASSERT_JSON_EQ(r.data, *data);
  ASSERT_STR_EQ(netgear::encode_bidir_reply(*data), r0);
}

static void test_python_type_names() {
  g_assert_cmpstr(netgear::python_type_name(Json("x")), ==, "str");
  g_assert_cmpstr(netgear::python_type_name(Json::object()), ==, "dict");
  g_assert_cmpstr(netgear::python_type_name(Json::array()), ==, "list");
  g_assert_cmpstr(netgear::python_type_name(Json(-3)), ==, "int");
  g_assert_cmpstr(netgear::python_type_name(Json(3u)), ==, "int");
  g_assert_cmpstr(netgear::python_type_name(Json(2.5)), ==, "float");
  g_assert_cmpstr(netgear::python_type_name(Json(std::nan(""))), ==, "float");
  g_assert_cmpstr(netgear::python_type_name(Json(true)), ==, "bool");
  g_assert_cmpstr(netgear::python_type_name(Json(nullptr)), ==, "NoneType");
  /* what json.dumps({"return_type": type(x).__name__, "data": x}) writes */
  ASSERT_STR_EQ(netgear::encode_bidir_reply(Json(7)), "{\"return_type\": \"int\", \"data\": 7}");
  ASSERT_STR_EQ(netgear::encode_bidir_reply(Json(2.5)), "{\"return_type\": \"float\", \"data\": 2.5}");
  ASSERT_STR_EQ(netgear::encode_bidir_reply(Json(false)), "{\"return_type\": \"bool\", \"data\": false}");
}

/* The control message, byte for byte, and what decodes as one: a sender
 * takes it from a receiver, so nothing else may pass for it. */
static void test_control() {
  netgear::Control c;
  c.force_key_unit = true;
  ASSERT_STR_EQ(netgear::encode_control(c), std::string(R"({"gst": {"force-key-unit": true}})"));
  ASSERT_STR_EQ(netgear::encode_control(netgear::Control{}), std::string(R"({"gst": {}})"));
  netgear::Control out;
  g_assert_true(netgear::decode_control(R"({"gst":{"force-key-unit":true}})", &out));
  g_assert_true(out.force_key_unit);
  /* A later version's keys are ignored. */
  g_assert_true(netgear::decode_control(R"({"gst":{"force-key-unit":false,"later":[1,2]}})", &out));
  g_assert_false(out.force_key_unit);
  g_assert_true(netgear::decode_control(R"({"gst":{}})", &out));
  g_assert_false(out.force_key_unit);
  const char *refused[] = {
      "",                                          /* empty */
      "\x01",                                     /* a subscription */
      "Data received on device: 1",               /* a plain reply */
      R"({"return_type":"str","data":"x"})",       /* a bidirectional reply */
      R"({"gst":{"force-key-unit":1}})",           /* not a boolean */
      R"({"gst":true})",                           /* not an object */
      R"({"gst":{},"other":1})",                   /* more than the control */
      R"({"gst":{"force-key-unit":true})",         /* cut short */
      "[1]",                                       /* not an object */
  };
  for (const char *text : refused) {
    out.force_key_unit = true;
    if (netgear::decode_control(text, &out) || out.force_key_unit)
      g_test_fail_printf("decoded as a control: %s", text);
  }
  std::string subscription(1, '\x01');
  g_assert_false(netgear::decode_control(subscription, &out));
  std::string huge = R"({"gst":{"force-key-unit":true,"pad":")" + std::string(5000, 'x') + R"("}})";
  g_assert_false(netgear::decode_control(huge, &out));
}

static void test_reply_edge_cases() {
  /* anything that is not a terminate ack or a bidirectional JSON is PLAIN */
  const char *plain[] = {"", "x", "{", "{\"return_type\": 5, \"data\": 1}", "{\"data\": 1}",
                         "{\"return_type\": \"str\"}", "[1]", "Termination signal successfully received at client"};
  for (const char *s : plain)
    g_assert_true(netgear::decode_reply(s, 1).kind == Reply::Kind::PLAIN);
  Reply r = netgear::decode_reply("{\"return_type\": \"float\", \"data\": NaN}", 1);
  g_assert_true(r.kind == Reply::Kind::BIDIR);
  g_assert_true(std::isnan(r.data.get<double>()));
  /* deep nesting in a reply: classified, no crash */
  std::string deep = "{\"return_type\": \"list\", \"data\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
  g_assert_true(netgear::decode_reply(deep, 1).kind == Reply::Kind::PLAIN);
}

/* ---- 3. our extension ---- */

static std::vector<std::string> keys_of(const Json &j) {
  std::vector<std::string> k;
  for (auto it = j.begin(); it != j.end(); ++it)
    k.push_back(it.key());
  return k;
}

static std::string i420_caps_string(gsize *size) {
  GstVideoInfo vi;
  g_assert_true(gst_video_info_set_format(&vi, GST_VIDEO_FORMAT_I420, 5, 3));
  GST_VIDEO_INFO_FPS_N(&vi) = 30;
  GST_VIDEO_INFO_FPS_D(&vi) = 1;
  GstCaps *caps = gst_video_info_to_caps(&vi);
  gchar *s = gst_caps_to_string(caps);
  std::string r(s);
  g_free(s);
  gst_caps_unref(caps);
  *size = GST_VIDEO_INFO_SIZE(&vi);
  return r;
}

static void test_ext_roundtrip() {
  gsize size = 0;
  std::string caps = i420_caps_string(&size);
  g_assert_cmpuint(size, >, 5 * 3);

  Extension e;
  e.caps = caps;
  e.layout = Layout::DEFAULT;
  e.pts = UINT64_C(1000000000123);
  e.dts = UINT64_C(999999000000);
  e.duration = UINT64_C(33333333);
  e.flags = GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_DISCONT | GST_BUFFER_FLAG_HEADER;
  e.seq = 41;
  e.stream = UINT64_C(0x1F2E3D4C5B6A7); /* < 2^53, as docs/protocol.md says */
  e.sent_ns = INT64_C(1712345678901234567);
  e.reference = Extension::Reference{"timestamp/x-unix", UINT64_C(1712345678901234500), UINT64_C(33333333)};
  e.capture_clock = UINT64_C(987654321012);

  FrameDescription d;
  d.port = 5566;
  d.message = Json::parse(R"({"cam": "\u00fc", "n": 2.5})");
  d.pattern = 1;
  d.dtype = "uint8";
  d.shape = {size};
  d.ext = e;
  std::string hdr;
  netgear::encode_frame_header(d, hdr);

  /* what a vidgear peer sees: every NetGear key, in NetGear's order, with
   * NetGear's types, consistent with the payload; then "gst", last */
  auto j = netgear::parse_json(hdr);
  g_assert_true(j.has_value());
  std::vector<std::string> want_keys = {"port", "terminate_flag", "compression", "message",
                                        "pattern", "dtype", "shape", "gst"};
  g_assert_true(keys_of(*j) == want_keys);
  ASSERT_JSON_EQ((*j)["port"], Json(5566));
  ASSERT_JSON_EQ((*j)["terminate_flag"], Json(false));
  ASSERT_JSON_EQ((*j)["compression"], Json(false));
  ASSERT_JSON_EQ((*j)["message"], d.message);
  ASSERT_JSON_EQ((*j)["pattern"], Json("1"));
  ASSERT_JSON_EQ((*j)["dtype"], Json("uint8"));
  ASSERT_JSON_EQ((*j)["shape"], Json::array({size}));
  g_assert_true((*j)["gst"].is_object());
  /* the header is pure ASCII, as Python writes it */
  for (unsigned char c : hdr)
    g_assert_cmpuint(c, <, 0x80);

  Decoded dec = expect_decode(hdr, 2, size);
  g_assert_true(dec.kind == Decoded::Kind::FRAME);
  const auto &h = dec.frame;
  ASSERT_JSON_EQ(h.port, Json(5566));
  ASSERT_JSON_EQ(h.message, d.message);
  ASSERT_STR_EQ(h.pattern, "1");
  ASSERT_STR_EQ(h.dtype, "uint8");
  g_assert_true(h.shape == std::vector<uint64_t>{size});
  g_assert_false(h.compression.has_value());
  g_assert_true(h.ext.has_value());
  g_assert_false(h.ext_newer);
  const Extension &x = *h.ext;
  g_assert_cmpint(x.version, ==, netgear::kExtensionVersion);
  ASSERT_STR_EQ(x.caps, caps);
  g_assert_true(x.layout == Layout::DEFAULT);
  g_assert_true(x.pts.has_value() && *x.pts == *e.pts);
  g_assert_true(x.dts.has_value() && *x.dts == *e.dts);
  g_assert_true(x.duration.has_value() && *x.duration == *e.duration);
  g_assert_cmpuint(x.flags, ==, e.flags);
  g_assert_cmpuint(x.seq, ==, e.seq);
  g_assert_cmpuint(x.stream, ==, e.stream);
  g_assert_true(x.sent_ns.has_value() && *x.sent_ns == *e.sent_ns);
  g_assert_true(x.reference.has_value());
  ASSERT_STR_EQ(x.reference->caps, "timestamp/x-unix");
  g_assert_cmpuint(x.reference->timestamp, ==, UINT64_C(1712345678901234500));
  g_assert_true(x.reference->duration.has_value() && *x.reference->duration == UINT64_C(33333333));
  g_assert_true(x.capture_clock.has_value() && *x.capture_clock == UINT64_C(987654321012));
  /* and the caps string parses back to the same caps */
  GstCaps *a = gst_caps_from_string(caps.c_str());
  GstCaps *b = gst_caps_from_string(x.caps.c_str());
  g_assert_nonnull(a);
  g_assert_nonnull(b);
  g_assert_true(gst_caps_is_equal(a, b));
  gst_caps_unref(a);
  gst_caps_unref(b);
}

/* Unset optionals stay unset, PACKED survives, timestamps at the edges. */
static void test_ext_roundtrip_sparse() {
  Extension e;
  e.caps = "video/x-raw, format=(string)BGR, width=(int)6, height=(int)4, framerate=(fraction)0/1";
  e.layout = Layout::PACKED;
  e.seq = 0;
  e.stream = 0;
  FrameDescription d;
  d.port = "5577";
  d.pattern = 2;
  d.dtype = "uint8";
  d.shape = {4, 6, 3};
  d.ext = e;
  std::string hdr;
  netgear::encode_frame_header(d, hdr);
  Decoded dec = expect_decode(hdr, 2, 72);
  ASSERT_JSON_EQ(dec.frame.port, Json("5577"));
  ASSERT_STR_EQ(dec.frame.pattern, "2");
  g_assert_true(dec.frame.message.is_null());
  g_assert_true(dec.frame.ext.has_value());
  const Extension &x = *dec.frame.ext;
  g_assert_true(x.layout == Layout::PACKED);
  g_assert_false(x.pts.has_value());
  g_assert_false(x.dts.has_value());
  g_assert_false(x.duration.has_value());
  g_assert_false(x.sent_ns.has_value());
  g_assert_false(x.reference.has_value());
  g_assert_false(x.capture_clock.has_value());
  g_assert_cmpuint(x.flags, ==, 0);
  g_assert_cmpuint(x.seq, ==, 0);

  /* a PTS of 0 is a timestamp, not "unset"; the largest one survives too */
  e.layout = Layout::DEFAULT;
  e.pts = 0;
  e.dts = UINT64_MAX - 1; /* GST_CLOCK_TIME_NONE is UINT64_MAX: never sent as a time */
  e.sent_ns = -5;
  /* a reference without a duration, at the edges of its range */
  e.reference = Extension::Reference{"timestamp/x-ntp", UINT64_MAX - 1, std::nullopt};
  e.capture_clock = 0;
  d.ext = e;
  netgear::encode_frame_header(d, hdr);
  dec = expect_decode(hdr, 2, 72);
  g_assert_true(dec.frame.ext->reference.has_value());
  ASSERT_STR_EQ(dec.frame.ext->reference->caps, "timestamp/x-ntp");
  g_assert_cmpuint(dec.frame.ext->reference->timestamp, ==, UINT64_MAX - 1);
  g_assert_false(dec.frame.ext->reference->duration.has_value());
  g_assert_true(dec.frame.ext->capture_clock.has_value() && *dec.frame.ext->capture_clock == 0);
  g_assert_true(dec.frame.ext->pts.has_value() && *dec.frame.ext->pts == 0);
  g_assert_true(dec.frame.ext->dts.has_value() && *dec.frame.ext->dts == UINT64_MAX - 1);
  g_assert_true(dec.frame.ext->sent_ns.has_value() && *dec.frame.ext->sent_ns == -5);
  g_assert_true(dec.frame.ext->layout == Layout::DEFAULT);
}

/* The header as a tree of NetGear's keys, in NetGear's order, printed by
 * dump_json (which the vectors hold to Python's bytes): what
 * encode_frame_header, which writes the text straight out, must equal. */
static Json header_tree(const FrameDescription &d) {
  Json j;
  j["port"] = d.port;
  j["terminate_flag"] = false;
  if (d.compression)
    j["compression"] = {{"dct", d.compression->dct}, {"ups", d.compression->ups},
                        {"colorspace", d.compression->colorspace}};
  else
    j["compression"] = false;
  j["message"] = d.message;
  j["pattern"] = std::to_string(d.pattern);
  j["dtype"] = d.compression ? "" : d.dtype;
  j["shape"] = d.compression ? Json("") : Json(d.shape);
  if (d.ext) {
    const Extension &e = *d.ext;
    Json g;
    g["v"] = e.version;
    g["caps"] = e.caps;
    if (e.layout == Layout::PACKED)
      g["layout"] = "packed";
    if (e.pts)
      g["pts"] = *e.pts;
    if (e.dts)
      g["dts"] = *e.dts;
    if (e.duration)
      g["dur"] = *e.duration;
    if (e.flags)
      g["flags"] = e.flags;
    g["seq"] = e.seq;
    g["stream"] = e.stream;
    if (e.sent_ns)
      g["sent"] = *e.sent_ns;
    if (e.reference) {
      Json r;
      r["caps"] = e.reference->caps;
      r["t"] = e.reference->timestamp;
      if (e.reference->duration)
        r["dur"] = *e.reference->duration;
      g["ref"] = r;
    }
    if (e.capture_clock)
      g["clock"] = *e.capture_clock;
    j["gst"] = g;
  }
  return j;
}

static void test_header_as_tree() {
  Extension full;
  full.caps = "video/x-raw, format=(string)BGR, width=(int)640, height=(int)480, "
              "framerate=(fraction)30/1, note=(string)\"caf\u00e9 \\\"quoted\\\"\"";
  full.layout = Layout::PACKED;
  full.pts = UINT64_MAX - 1;
  full.dts = 0;
  full.duration = 33333333;
  full.flags = 0x2040;
  full.seq = UINT64_C(18446744073709551000);
  full.stream = UINT64_C(0x1F2E3D4C5B6A7);
  full.sent_ns = INT64_MIN;
  full.reference = Extension::Reference{"timestamp/x-unix, note=(string)\"\\\"q\\\"\"", 17, 1};
  full.capture_clock = UINT64_MAX - 1;
  Extension sparse;
  sparse.caps = "image/jpeg";

  std::vector<FrameDescription> cases;
  FrameDescription raw;
  raw.port = 5566;
  raw.message = Json::parse(R"({"cam": "\u00fc\ud83d\ude00", "n": 2.5, "l": [1, -2, null, true, {"x": 1e300}], "e": {}})");
  raw.pattern = 1;
  raw.dtype = "uint8";
  raw.shape = {480, 640, 3};
  raw.ext = full;
  cases.push_back(raw);
  raw.ext.reset();
  raw.port = "5567";
  raw.message = "tab\there \"q\" \x01";
  cases.push_back(raw);
  raw.shape = {};
  raw.port = nullptr;
  raw.message = std::numeric_limits<double>::quiet_NaN();
  cases.push_back(raw);
  FrameDescription jpeg;
  jpeg.port = 7;
  jpeg.pattern = 2;
  jpeg.compression = Compression{true, false, "GRAY"};
  jpeg.ext = sparse;
  cases.push_back(jpeg);
  jpeg.ext->sent_ns = 1;
  jpeg.compression->colorspace = "\u00e9\"";
  cases.push_back(jpeg);

  std::string out = "a previous header's bytes";
  for (const FrameDescription &d : cases) {
    netgear::encode_frame_header(d, out);
    ASSERT_STR_EQ(out, netgear::dump_json(header_tree(d)));
  }
}

/* A newer sender: the keys we know are used, the rest ignored, and we say so. */
static void test_ext_newer_version() {
  std::string hdr = header_with(
      {{"shape", "[40]"}},
      R"(, "gst": {"v": 4, "caps": "video/x-raw, format=(string)I420, width=(int)5, height=(int)3", "seq": 7, "future": 1})");
  Decoded d = expect_decode(hdr, 2, 40);
  g_assert_true(d.frame.ext.has_value());
  g_assert_true(d.frame.ext_newer);
  g_assert_cmpint(d.frame.ext->version, ==, 4);
  ASSERT_STR_EQ(d.frame.ext->caps, "video/x-raw, format=(string)I420, width=(int)5, height=(int)3");
  g_assert_cmpuint(d.frame.ext->seq, ==, 7);

  /* Ours, and the version before (it takes no control message). */
  for (const char *v : {"2", "1"}) {
    std::string cur = header_with({{"shape", "[40]"}}, std::string(R"(, "gst": {"v": )") + v +
                                                           R"(, "caps": "video/x-h264"})");
    Decoded c = expect_decode(cur, 2, 40);
    g_assert_true(c.frame.ext.has_value());
    g_assert_false(c.frame.ext_newer);
  }
  /* a vidgear header has no extension and is not "newer" */
  Decoded n = expect_decode(header_with({}), 2, 72);
  g_assert_false(n.frame.ext.has_value());
  g_assert_false(n.frame.ext_newer);
}

/* ---- 4. hostile input ---- */

struct Hostile {
  std::string name;
  std::string part0;
  size_t nparts;
  size_t payload;
  DropReason want;
  bool deep;
};
static std::vector<Hostile> g_hostile;

struct DeepRun {
  const Hostile *h;
  bool decoded = false;
  DropReason reason = DropReason::NONE;
  std::string detail;
  Reply::Kind reply = Reply::Kind::BIDIR;
  bool parsed = true;
  std::string parse_error;
};

static void *deep_thread(void *p) {
  auto *run = static_cast<DeepRun *>(p);
  auto d = netgear::decode_message(run->h->part0, run->h->nparts, run->h->payload, &run->reason, &run->detail);
  run->decoded = d.has_value();
  run->reply = netgear::decode_reply(run->h->part0, 1).kind;
  /* The parser itself, past the header size limit that decode_message
   * applies first: its depth limit is what protects the stack. */
  run->parsed = netgear::parse_json(run->h->part0, &run->parse_error).has_value();
  return nullptr;
}

static void test_hostile(gconstpointer p) {
  const Hostile &h = *static_cast<const Hostile *>(p);
  if (!h.deep) {
    expect_drop(h.part0, h.nparts, h.payload, h.want);
    /* whatever it is, a reply classifier never fails on it */
    (void)netgear::decode_reply(h.part0, 1);
    return;
  }
  /* Deep nesting: in a child process (a stack overflow fails this test, not
   * the run), on a thread with the 8 MiB stack every Linux thread of ours
   * gets by default (std::thread, GstTask), so the result is what a real
   * receive thread would see. */
  if (!g_test_subprocess()) {
    g_test_trap_subprocess(nullptr, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
    return;
  }
  DeepRun run;
  run.h = &h;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 8 * 1024 * 1024);
  pthread_t t;
  g_assert_cmpint(pthread_create(&t, &attr, deep_thread, &run), ==, 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  g_assert_false(run.decoded);
  /* A header over the size limit is refused before it is parsed. */
  DropReason want = h.part0.size() > netgear::kMaxHeaderSize ? DropReason::BAD_HEADER : h.want;
  g_assert_cmpstr(netgear::drop_reason_name(run.reason), ==, netgear::drop_reason_name(want));
  g_assert_false(run.parsed);
  g_assert_false(run.parse_error.empty());
  g_assert_false(run.detail.empty());
  g_assert_true(run.reply == Reply::Kind::PLAIN);
}

static void add_hostile(const std::string &name, std::string part0, size_t nparts, size_t payload, DropReason want,
                        bool deep = false) {
  g_hostile.push_back({name, std::move(part0), nparts, payload, want, deep});
}

static void build_hostile() {
  const std::string base = header_with({});
  const std::string jpeg_comp = R"({"dct": true, "ups": false, "colorspace": "BGR"})";
  const std::string term = R"({"terminate_flag": true, "port": 5571})";
  using R = DropReason;

  add_hostile("not-json", "this is not JSON", 2, 72, R::NOT_JSON);
  add_hostile("empty", "", 2, 72, R::NOT_JSON);
  add_hostile("truncated", base.substr(0, base.size() - 9), 2, 72, R::NOT_JSON);
  add_hostile("truncated-in-string", base.substr(0, 20), 2, 72, R::NOT_JSON);
  add_hostile("truncated-terminate", term.substr(0, term.size() - 1), 1, 0, R::NOT_JSON);
  add_hostile("trailing-garbage", base + " x", 2, 72, R::NOT_JSON);
  add_hostile("two-objects", base + base, 2, 72, R::NOT_JSON);
  add_hostile("invalid-utf8", header_with({{"message", "\"\xff\xfe\""}}), 2, 72, R::NOT_JSON);
  add_hostile("raw-control-char", header_with({{"message", std::string("\"a\x01z\"")}}), 2, 72, R::NOT_JSON);
  add_hostile("json-array", "[5571, false, false, null, \"1\", \"uint8\", [4, 6, 3]]", 2, 72, R::NOT_OBJECT);
  add_hostile("json-number", "5571", 2, 72, R::NOT_OBJECT);
  add_hostile("json-string", "\"port\"", 2, 72, R::NOT_OBJECT);
  add_hostile("json-null", "null", 2, 72, R::NOT_OBJECT);
  add_hostile("json-bare-nan", "NaN", 2, 72, R::NOT_OBJECT);

  add_hostile("terminate-flag-missing", header_with({{"terminate_flag", std::nullopt}}), 2, 72, R::BAD_HEADER);
  add_hostile("terminate-flag-string", header_with({{"terminate_flag", "\"false\""}}), 2, 72, R::BAD_HEADER);
  add_hostile("terminate-flag-null", header_with({{"terminate_flag", "null"}}), 2, 72, R::BAD_HEADER);
  add_hostile("terminate-flag-string-true", R"({"terminate_flag": "true", "port": 5571})", 1, 0, R::BAD_HEADER);

  add_hostile("compression-string", header_with({{"compression", "\"BGR\""}}), 2, 72, R::BAD_HEADER);
  add_hostile("compression-true", header_with({{"compression", "true"}}), 2, 72, R::BAD_HEADER);
  add_hostile("compression-missing", header_with({{"compression", std::nullopt}}), 2, 72, R::BAD_HEADER);
  add_hostile("compression-no-colorspace",
              header_with({{"compression", R"({"dct": true, "ups": false})"}, {"dtype", "\"\""}, {"shape", "\"\""}}),
              2, 643, R::BAD_HEADER);
  add_hostile("compression-dct-string",
              header_with({{"compression", R"({"dct": "yes", "ups": false, "colorspace": "BGR"})"},
                           {"dtype", "\"\""},
                           {"shape", "\"\""}}),
              2, 643, R::BAD_HEADER);
  add_hostile("jpeg-empty-payload", header_with({{"compression", jpeg_comp}, {"dtype", "\"\""}, {"shape", "\"\""}}),
              2, 0, R::SIZE_MISMATCH);

  add_hostile("shape-negative", header_with({{"shape", "[-4, 6, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-float", header_with({{"shape", "[4.0, 6, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-fraction", header_with({{"shape", "[4.5, 6, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-string-dim", header_with({{"shape", "[\"4\", 6, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-null-dim", header_with({{"shape", "[4, null, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-nan-dim", header_with({{"shape", "[4, NaN, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-5-dims", header_with({{"shape", "[1, 1, 4, 6, 3]"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-empty-array", header_with({{"shape", "[]"}}), 2, 1, R::BAD_HEADER);
  add_hostile("shape-empty-string-uncompressed", header_with({{"shape", "\"\""}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-missing", header_with({{"shape", std::nullopt}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-object", header_with({{"shape", R"({"h": 4})"}}), 2, 72, R::BAD_HEADER);
  add_hostile("shape-beyond-uint64", header_with({{"shape", "[18446744073709551616, 1, 1]"}}), 2, 72,
              R::BAD_HEADER);
  add_hostile("shape-2gb", header_with({{"shape", "[50000, 50000, 3]"}}), 2, 72, R::SIZE_MISMATCH);
  add_hostile("shape-overflow", header_with({{"shape", "[1099511627776, 1099511627776, 1099511627776]"}}), 2, 72,
              R::SIZE_MISMATCH);
  /* 2^63 * 2 = 2^64: wraps to 0 in 64 bits */
  add_hostile("shape-wraps-to-zero", header_with({{"shape", "[9223372036854775808, 2]"}}), 2, 0, R::SIZE_MISMATCH);
  /* (2^63 + 36) * 2 = 2^64 + 72: wraps to exactly the payload size */
  add_hostile("shape-wraps-to-payload", header_with({{"shape", "[9223372036854775844, 2]"}}), 2, 72,
              R::SIZE_MISMATCH);
  add_hostile("shape-wraps-by-itemsize", header_with({{"dtype", "\"uint16\""}, {"shape", "[9223372036854775844]"}}),
              2, 72, R::SIZE_MISMATCH);

  add_hostile("dtype-unknown", header_with({{"dtype", "\"complex128\""}}), 2, 72 * 16, R::UNSUPPORTED);
  add_hostile("dtype-number", header_with({{"dtype", "8"}}), 2, 72, R::BAD_HEADER);
  add_hostile("dtype-missing", header_with({{"dtype", std::nullopt}}), 2, 72, R::BAD_HEADER);

  add_hostile("port-float", header_with({{"port", "5571.5"}}), 2, 72, R::BAD_HEADER);
  add_hostile("port-object", header_with({{"port", R"({"p": 5571})"}}), 2, 72, R::BAD_HEADER);
  add_hostile("port-bool", header_with({{"port", "true"}}), 2, 72, R::BAD_HEADER);
  add_hostile("port-nan", header_with({{"port", "NaN"}}), 2, 72, R::BAD_HEADER);
  add_hostile("terminate-port-array", R"({"terminate_flag": true, "port": [5571]})", 1, 0, R::BAD_HEADER);

  add_hostile("frame-1-part", base, 1, 0, R::BAD_PARTS);
  add_hostile("frame-3-parts", base, 3, 72, R::BAD_PARTS);
  add_hostile("frame-0-parts", base, 0, 0, R::BAD_PARTS);
  add_hostile("terminate-2-parts", term, 2, 0, R::BAD_PARTS);
  add_hostile("terminate-3-parts", term, 3, 0, R::BAD_PARTS);

  add_hostile("gst-string", header_with({}, R"(, "gst": "video/x-raw")"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-array", header_with({}, R"(, "gst": [1, "video/x-raw"])"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-null", header_with({}, R"(, "gst": null)"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-no-caps", header_with({}, R"(, "gst": {"v": 1})"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-caps-empty", header_with({}, R"(, "gst": {"v": 1, "caps": ""})"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-caps-number", header_with({}, R"(, "gst": {"v": 1, "caps": 5})"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-no-version", header_with({}, R"(, "gst": {"caps": "video/x-h264"})"), 2, 72, R::BAD_EXTENSION);
  add_hostile("gst-version-0", header_with({}, R"(, "gst": {"v": 0, "caps": "video/x-h264"})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-version-string", header_with({}, R"(, "gst": {"v": "1", "caps": "video/x-h264"})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-pts-negative", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "pts": -1})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-pts-float", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "pts": 1.5})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-flags-over-32-bits",
              header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "flags": 4294967296})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-layout-unknown", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "layout": "tiled"})"),
              2, 72, R::BAD_EXTENSION);
  add_hostile("gst-seq-string", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "seq": "1"})"), 2, 72,
              R::BAD_EXTENSION);
  add_hostile("gst-stream-2p53", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "stream": 9007199254740992})"),
              2, 72, R::BAD_EXTENSION);
  add_hostile("gst-sent-huge", header_with({}, R"(, "gst": {"v": 1, "caps": "video/x-h264", "sent": 18446744073709551615})"),
              2, 72, R::BAD_EXTENSION);
  /* the capture time: a reference must name a timestamp caps and a time */
  int nbad = 0;
  for (const char *bad : {R"("ref": 5)", R"("ref": {"t": 1})", R"("ref": {"caps": "video/x-raw", "t": 1})",
                          R"("ref": {"caps": "timestamp/x-unix"})", R"("ref": {"caps": "timestamp/x-unix", "t": -1})",
                          R"("ref": {"caps": "timestamp/x-unix", "t": 1, "dur": "1"})",
                          R"("ref": {"caps": 7, "t": 1})", R"("clock": -1)", R"("clock": 1.5)", R"("clock": null)"})
    add_hostile("gst-capture-" + std::to_string(nbad++),
                header_with({}, std::string(R"(, "gst": {"v": 3, "caps": "video/x-h264", )") + bad + "}"), 2, 72,
                R::BAD_EXTENSION);
  add_hostile("gst-ref-caps-too-long",
              header_with({}, R"(, "gst": {"v": 3, "caps": "video/x-h264", "ref": {"caps": "timestamp/)" +
                                  std::string(300, 'x') + R"(", "t": 1}})"),
              2, 72, R::BAD_EXTENSION);

  /* Python's json.loads refuses these too */
  add_hostile("nan-lowercase", header_with({{"message", "nan"}}), 2, 72, R::NOT_JSON);
  add_hostile("nan-suffixed", header_with({{"message", "NaNa"}}), 2, 72, R::NOT_JSON);
  add_hostile("nan-negative", header_with({{"message", "-NaN"}}), 2, 72, R::NOT_JSON);
  add_hostile("infinity-plus", header_with({{"message", "+Infinity"}}), 2, 72, R::NOT_JSON);
  add_hostile("infinity-truncated", header_with({{"message", "Infinit"}}), 2, 72, R::NOT_JSON);
  add_hostile("nan-glued-to-number", header_with({{"message", "1NaN"}}), 2, 72, R::NOT_JSON);
  add_hostile("nan-as-object-key", header_with({}, ", NaN: 1"), 2, 72, R::NOT_JSON);

  /* nesting: refused, without recursion deep enough to overflow a stack; a
   * header of a few hundred kB is far below max-message-size (256 MiB) */
  for (int n : {100000, 1000000}) {
    std::string tag = std::to_string(n);
    add_hostile("nested-arrays-" + tag, header_with({{"message", std::string(n, '[') + std::string(n, ']')}}), 2, 72,
                R::NOT_JSON, true);
    std::string o;
    for (int i = 0; i < n; i++)
      o += "{\"a\": ";
    o += "1" + std::string(n, '}');
    add_hostile("nested-objects-" + tag, header_with({{"message", o}}), 2, 72, R::NOT_JSON, true);
  }
  const int N = 10000;
  add_hostile("nested-arrays-10000", header_with({{"message", std::string(N, '[') + std::string(N, ']')}}), 2, 72,
              R::NOT_JSON, true);
  add_hostile("nested-arrays-10000-unclosed", header_with({{"message", std::string(N, '[')}}), 2, 72, R::NOT_JSON,
              true);
  std::string objs;
  for (int i = 0; i < N; i++)
    objs += "{\"a\": ";
  objs += "1" + std::string(N, '}');
  add_hostile("nested-objects-10000", header_with({{"message", objs}}), 2, 72, R::NOT_JSON, true);
  add_hostile("nested-arrays-1000000-top", std::string(1000000, '[') + std::string(1000000, ']'), 2, 72, R::NOT_JSON,
              true);
  {
    /* ordered_json's key lookup is linear: many keys are refused while
     * parsing, before they cost n^2 (a peer held the receiving thread a
     * minute). */
    std::string many = "{";
    for (int k = 0; k < 5000; k++)
      many += (k ? ", \"k" : "\"k") + std::to_string(k) + "\": 0";
    many += "}";
    add_hostile("many-keys-5000", header_with({{"message", many}}), 2, 72, R::NOT_JSON);
    std::string fine = "{";
    for (int k = 0; k < 1000; k++)
      fine += (k ? ", \"k" : "\"k") + std::to_string(k) + "\": 0";
    fine += "}";
    auto ok = netgear::parse_json(fine);
    g_assert_true(ok.has_value() && ok->size() == 1000);
  }
  /* Over the header size limit (a 64 MB header cost a receiver 1.1 GB). */
  add_hostile("header-over-limit", header_with({{"message", "[" + std::string(netgear::kMaxHeaderSize, '0') + "]"}}),
              2, 72, R::BAD_HEADER);
  add_hostile("nested-in-gst", header_with({}, ", \"gst\": " + std::string(N, '[') + std::string(N, ']')), 2, 72,
              R::NOT_JSON, true);
}

/* The 2 GB claim is refused without allocating it (or anything close). */
static void test_hostile_no_large_allocation() {
  std::string hdr = header_with({{"shape", "[50000, 50000, 3]"}});
  g_largest_alloc = 0;
  g_track_alloc = true;
  DropReason r = DropReason::NONE;
  std::string detail;
  auto d = netgear::decode_message(hdr, 2, 72, &r, &detail);
  g_track_alloc = false;
  g_assert_false(d.has_value());
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  g_assert_cmpuint(g_largest_alloc.load(), <, 64 * 1024);
  /* the watch works: a real decode does allocate something */
  g_largest_alloc = 0;
  g_track_alloc = true;
  (void)netgear::decode_message(header_with({}), 2, 72, &r, &detail);
  g_track_alloc = false;
  g_assert_cmpuint(g_largest_alloc.load(), >, 0);
}

/* Python's bare tokens: values outside strings, text inside them. */
static void test_nonfinite_tokens() {
  struct {
    const char *text;
    double want;
  } values[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"-Infinity", -INFINITY}};
  for (const auto &c : values) {
    Decoded d = expect_decode(header_with({{"message", c.text}}), 2, 72);
    g_assert_true(d.frame.message.is_number_float());
    double got = d.frame.message.get<double>();
    if (std::isnan(c.want))
      g_assert_true(std::isnan(got));
    else
      g_assert_cmpfloat(got, ==, c.want);
  }
  /* inside containers, next to each other, as object values */
  Decoded d = expect_decode(header_with({{"message", R"([NaN, Infinity,-Infinity, {"x": NaN, "NaN": -Infinity}])"}}), 2, 72);
  const Json &m = d.frame.message;
  g_assert_true(m.is_array() && m.size() == 4);
  g_assert_true(std::isnan(m[0].get<double>()));
  g_assert_cmpfloat(m[1].get<double>(), ==, INFINITY);
  g_assert_cmpfloat(m[2].get<double>(), ==, -INFINITY);
  g_assert_true(std::isnan(m[3]["x"].get<double>()));
  g_assert_cmpfloat(m[3]["NaN"].get<double>(), ==, -INFINITY);

  /* the same words inside strings stay text */
  const char *strings[][2] = {
      {R"("NaN")", "NaN"},
      {R"("Infinity")", "Infinity"},
      {R"("-Infinity")", "-Infinity"},
      {R"("x NaN, Infinity -Infinity")", "x NaN, Infinity -Infinity"},
      {R"("say \"NaN\"")", "say \"NaN\""},
      {R"("\\\"NaN")", "\\\"NaN"},
  };
  for (const auto &s : strings) {
    Decoded ds = expect_decode(header_with({{"message", s[0]}}), 2, 72);
    g_assert_true(ds.frame.message.is_string());
    ASSERT_STR_EQ(ds.frame.message.get<std::string>(), s[1]);
  }
  /* a string that ends in an escaped backslash, then a real NaN */
  Decoded db = expect_decode(header_with({{"message", R"(["a\\", NaN, "NaN"])"}}), 2, 72);
  ASSERT_STR_EQ(db.frame.message[0].get<std::string>(), "a\\");
  g_assert_true(std::isnan(db.frame.message[1].get<double>()));
  ASSERT_STR_EQ(db.frame.message[2].get<std::string>(), "NaN");
  /* and a key spelled NaN */
  Decoded dk = expect_decode(header_with({{"message", R"({"NaN": "Infinity"})"}}), 2, 72);
  ASSERT_STR_EQ(dk.frame.message["NaN"].get<std::string>(), "Infinity");
}

/* U+0000 in a string is data: kept, and never taken for anything else. */
static void test_nul_in_strings() {
  Decoded d = expect_decode(header_with({{"message", R"("a\u0000b")"}}), 2, 72);
  g_assert_true(d.frame.message.is_string());
  const std::string &s = d.frame.message.get_ref<const std::string &>();
  g_assert_cmpuint(s.size(), ==, 3);
  g_assert_true(s == std::string("a\0b", 3));
  ASSERT_STR_EQ(netgear::dump_json(d.frame.message), "\"a\\u0000b\"");

  /* strings that look like whatever a NaN could be rewritten to */
  for (int k = 0; k <= 4; k++) {
    for (const char *tail : {"ngnf", "ngnf0", "", "nan", "NaN"}) {
      std::string text = std::string("\\u0000") + tail + std::to_string(k);
      std::string want = std::string(1, '\0') + tail + std::to_string(k);
      Decoded a = expect_decode(header_with({{"message", "[\"" + text + "\", NaN]"}}), 2, 72);
      g_assert_true(a.frame.message[0].is_string());
      g_assert_true(a.frame.message[0].get<std::string>() == want);
      g_assert_true(std::isnan(a.frame.message[1].get<double>()));
      Decoded b = expect_decode(header_with({{"message", "[NaN, \"" + text + "\"]"}}), 2, 72);
      g_assert_true(std::isnan(b.frame.message[0].get<double>()));
      g_assert_true(b.frame.message[1].get<std::string>() == want);
      Decoded c = expect_decode(header_with({{"message", "\"" + text + "\""}}), 2, 72);
      g_assert_true(c.frame.message.get<std::string>() == want);
    }
  }
  /* a NUL in the port string is kept as it is, not a port "5577" */
  Decoded p = expect_decode(header_with({{"port", R"("5577\u0000")"}}), 2, 72);
  g_assert_true(p.frame.port.is_string());
  g_assert_cmpuint(p.frame.port.get<std::string>().size(), ==, 5);
}

/* Well-formed headers that are unusual but valid for vidgear. */
static void test_valid_oddities() {
  /* a depth a real message may have */
  std::string d50 = std::string(50, '[') + "1" + std::string(50, ']');
  Decoded d = expect_decode(header_with({{"message", d50}}), 2, 72);
  g_assert_true(d.frame.message.is_array());
  /* duplicate keys: the last one wins, as in Python's json.loads */
  Decoded dup = expect_decode(header_with({}, R"(, "shape": [1, 1, 3])"), 2, 3);
  g_assert_true(dup.frame.shape == (std::vector<uint64_t>{1, 1, 3}));
  expect_drop(header_with({}, R"(, "shape": [1, 1, 3])"), 2, 72, DropReason::SIZE_MISMATCH);
  /* no port (single-server NetGear): null */
  Decoded np = expect_decode(header_with({{"port", std::nullopt}}), 2, 72);
  g_assert_true(np.frame.port.is_null());
  Decoded nt = expect_decode(R"({"terminate_flag": true})", 1, 0);
  g_assert_true(nt.kind == Decoded::Kind::TERMINATE);
  g_assert_true(nt.port.is_null());
  /* unknown keys are ignored, as NetGear does */
  Decoded uk = expect_decode(header_with({}, R"(, "extra": {"deep": [1, 2]})"), 2, 72);
  g_assert_false(uk.frame.ext.has_value());
  /* a zero-sized array is consistent with an empty payload */
  Decoded z = expect_decode(header_with({{"shape", "[0, 6, 3]"}}), 2, 0);
  g_assert_true(z.frame.shape == (std::vector<uint64_t>{0, 6, 3}));
  /* every dtype numpy names with its size */
  struct {
    const char *dtype;
    size_t size;
  } dt[] = {{"uint8", 1},   {"int8", 1},    {"bool", 1},   {"uint16", 2}, {"int16", 2},
            {"float16", 2}, {"uint32", 4},  {"int32", 4},  {"float32", 4}, {"uint64", 8},
            {"int64", 8},   {"float64", 8}};
  for (const auto &e : dt) {
    g_assert_cmpuint(netgear::dtype_itemsize(e.dtype), ==, e.size);
    expect_decode(header_with({{"dtype", std::string("\"") + e.dtype + "\""}}), 2, 72 * e.size);
    expect_drop(header_with({{"dtype", std::string("\"") + e.dtype + "\""}}), 2, 72 * e.size + 1,
                DropReason::SIZE_MISMATCH);
  }
  g_assert_cmpuint(netgear::dtype_itemsize("complex128"), ==, 0);
  g_assert_cmpuint(netgear::dtype_itemsize(""), ==, 0);
  uint64_t n = 0;
  g_assert_true(netgear::shape_nbytes({4, 6, 3}, 2, &n));
  g_assert_cmpuint(n, ==, 144);
  g_assert_false(netgear::shape_nbytes({UINT64_C(1) << 32, UINT64_C(1) << 32}, 1, &n));
  g_assert_false(netgear::shape_nbytes({UINT64_C(1) << 63}, 2, &n));
}

/* Every vidgear header, mutated byte by byte and truncated everywhere: each
 * result is either a drop with a reason or a frame whose dtype/shape agree
 * with the payload. */
static void test_hostile_mutations() {
  const unsigned char subs[] = {'"', '\\', 'N', 'I', '-', '[', ']', '{', '}', ',', ':', '0', '9', ' ', 0, 0xff, 0xc3};
  size_t runs = 0;
  auto check = [&](const std::string &text, size_t nparts, size_t payload) {
    runs++;
    DropReason r = DropReason::NONE;
    std::string detail;
    auto d = netgear::decode_message(text, nparts, payload, &r, &detail);
    (void)netgear::decode_reply(text, nparts);
    if (!d) {
      if (r == DropReason::NONE)
        fail_msg(__FILE__, __LINE__, G_STRFUNC, "dropped without a reason: " + text);
      return;
    }
    if (d->kind == Decoded::Kind::TERMINATE) {
      g_assert_cmpuint(nparts, ==, 1);
      return;
    }
    g_assert_cmpuint(nparts, ==, 2);
    const auto &h = d->frame;
    if (h.compression) {
      g_assert_cmpuint(payload, >, 0);
    } else {
      uint64_t n = 0;
      g_assert_true(netgear::shape_nbytes(h.shape, netgear::dtype_itemsize(h.dtype), &n));
      g_assert_cmpuint(n, ==, payload);
    }
    /* and what decoded can be written again */
    (void)netgear::dump_json(h.message);
  };
  for (const auto &v : g_vectors) {
    if (!vectors::is_sender_to_receiver(v))
      continue;
    int hi = vectors::header_index(v);
    const std::string &hdr = v.parts.at(hi);
    size_t nparts = v.parts.size() - hi;
    size_t payload = nparts >= 2 ? v.parts.at(hi + 1).size() : 0;
    for (size_t len = 0; len < hdr.size(); len++)
      check(hdr.substr(0, len), nparts, payload);
    for (size_t i = 0; i < hdr.size(); i++)
      for (unsigned char c : subs) {
        std::string m = hdr;
        m[i] = static_cast<char>(c);
        check(m, nparts, payload);
      }
  }
  g_assert_cmpuint(runs, >, 10000);
}

/* ---- 5. JSON as Python writes it ---- */

static void test_dump_separators_and_order() {
  Json j = Json::object();
  j["z"] = 1;
  j["a"] = Json::array({1, 2});
  j["m"] = Json::object();
  j["m"]["c"] = nullptr;
  j["m"]["b"] = true;
  j["e"] = Json::object();
  j["f"] = Json::array();
  j["s"] = "x";
  /* json.dumps({"z": 1, "a": [1, 2], "m": {"c": None, "b": True}, "e": {}, "f": [], "s": "x"}) */
  ASSERT_STR_EQ(netgear::dump_json(j), R"({"z": 1, "a": [1, 2], "m": {"c": null, "b": true}, "e": {}, "f": [], "s": "x"})");
  /* parse keeps the order it read */
  auto p = netgear::parse_json(R"({"b":1,"a":{"y":2,"x":3}})");
  g_assert_true(p.has_value());
  ASSERT_STR_EQ(netgear::dump_json(*p), R"({"b": 1, "a": {"y": 2, "x": 3}})");
}

static void test_dump_escapes() {
  /* json.dumps("ünïcode ✓") */
  ASSERT_STR_EQ(netgear::dump_json(Json("\u00fcn\u00efcode \u2713")), R"("\u00fcn\u00efcode \u2713")");
  /* json.dumps("\U0001F600"), json.dumps("\U0010FFFF") */
  ASSERT_STR_EQ(netgear::dump_json(Json("\xF0\x9F\x98\x80")), R"("\ud83d\ude00")");
  ASSERT_STR_EQ(netgear::dump_json(Json("\xF4\x8F\xBF\xBF")), R"("\udbff\udfff")");
  /* json.dumps('\x01\x1f\x7f\n\t"\\/\b\f\r\x00') */
  ASSERT_STR_EQ(netgear::dump_json(Json(std::string("\x01\x1f\x7f\n\t\"\\/\b\f\r\0", 12))),
                R"("\u0001\u001f\u007f\n\t\"\\/\b\f\r\u0000")");
  /* json.dumps({"ü": 1}): keys are escaped too */
  Json k = Json::object();
  k["\u00fc"] = 1;
  ASSERT_STR_EQ(netgear::dump_json(k), R"({"\u00fc": 1})");
  /* and they parse back to the same text */
  auto back = netgear::parse_json(R"(["\ud83d\ude00", "\u00FC"])");
  g_assert_true(back.has_value());
  ASSERT_STR_EQ((*back)[0].get<std::string>(), "\xF0\x9F\x98\x80");
  ASSERT_STR_EQ((*back)[1].get<std::string>(), "\u00fc");
}

static void test_dump_nonfinite() {
  ASSERT_STR_EQ(netgear::dump_json(Json(std::nan(""))), "NaN");
  ASSERT_STR_EQ(netgear::dump_json(Json(INFINITY)), "Infinity");
  ASSERT_STR_EQ(netgear::dump_json(Json(-INFINITY)), "-Infinity");
  /* json.dumps([float("nan"), float("inf"), -float("inf")]) */
  ASSERT_STR_EQ(netgear::dump_json(Json::array({NAN, INFINITY, -INFINITY})), "[NaN, Infinity, -Infinity]");
  Json o = Json::object();
  o["v"] = NAN;
  ASSERT_STR_EQ(netgear::dump_json(o), R"({"v": NaN})");
}

static void test_dump_integers() {
  ASSERT_STR_EQ(netgear::dump_json(Json(0)), "0");
  ASSERT_STR_EQ(netgear::dump_json(Json(-1)), "-1");
  ASSERT_STR_EQ(netgear::dump_json(Json(INT64_MAX)), "9223372036854775807");
  ASSERT_STR_EQ(netgear::dump_json(Json(INT64_MIN)), "-9223372036854775808");
  ASSERT_STR_EQ(netgear::dump_json(Json(UINT64_MAX)), "18446744073709551615");
  auto p = netgear::parse_json("[18446744073709551615, -9223372036854775808]");
  g_assert_true(p.has_value());
  ASSERT_STR_EQ(netgear::dump_json(*p), "[18446744073709551615, -9223372036854775808]");
}

/* Python ints have no size limit: json.loads("18446744073709551616") is an
 * int and json.dumps writes it back digit for digit. */
/* Python keeps integers of any size; nlohmann-json holds 64 bits and reads
 * a larger one as the nearest double. Documented in docs/protocol.md; this
 * pins the behaviour: the value survives as a number, not as an error. */
static void test_python_bigint_roundtrip() {
  const char *texts[] = {"18446744073709551616", "-9223372036854775809"};
  for (const char *t : texts) {
    auto p = netgear::parse_json(t);
    g_assert_true(p.has_value());
    g_assert_true(p->is_number_float());
    g_assert_cmpfloat(p->get<double>(), ==, g_ascii_strtod(t, nullptr));
  }
  auto in_range = netgear::parse_json("[18446744073709551615, -9223372036854775808]");
  g_assert_true(in_range.has_value());
  ASSERT_STR_EQ(netgear::dump_json(*in_range), "[18446744073709551615, -9223372036854775808]");
}

struct FloatCase {
  double value;
  const char *python; /* repr(value) == json.dumps(value) in CPython 3.11 */
};
static const FloatCase kFloats[] = {
    {2.5, "2.5"},
    {1e-05, "1e-05"},
    {100.0, "100.0"},
    {1e16, "1e+16"},
    {0.0001, "0.0001"},
    {0.00012, "0.00012"},
    {1.5e-07, "1.5e-07"},
    {0.1, "0.1"},
    {1.0 / 3, "0.3333333333333333"},
    {-0.0, "-0.0"},
    {0.0, "0.0"},
    {1e22, "1e+22"},
    {-1e16, "-1e+16"},
    {5e-324, "5e-324"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
    {12345678901234567.0, "1.2345678901234568e+16"},
    {123456789012345.6, "123456789012345.6"},
    {999999999999999.9, "999999999999999.9"},
    /* Python switches to exponent notation at 1e16, not at 1e15 */
    {1e15, "1000000000000000.0"},
    {-1e15, "-1000000000000000.0"},
    {9007199254740992.0, "9007199254740992.0"},
    {1712345678901234.5, "1712345678901234.5"}, /* time.time() * 1e6 */
};

static void test_dump_float(gconstpointer p) {
  const FloatCase &c = *static_cast<const FloatCase *>(p);
  ASSERT_STR_EQ(netgear::dump_json(Json(c.value)), c.python);
  /* and Python's text parses to the same double */
  auto back = netgear::parse_json(c.python);
  g_assert_true(back.has_value());
  g_assert_true(back->is_number_float());
  double b = back->get<double>();
  g_assert_true(std::memcmp(&b, &c.value, sizeof b) == 0);
}

/* The JSON value's kinds, recursively: equal values of another kind (an
 * unsigned 5 and a signed 5) would dump the same. */
static std::string kinds(const Json &j) {
  std::string out(1, static_cast<char>('a' + static_cast<int>(j.type())));
  if (j.is_structured())
    for (const auto &item : j)
      out += kinds(item);
  return out;
}

/* parse_json's simdjson path against nlohmann alone: the same verdict and
 * the same value (kinds included) for every vector header, each of its
 * truncations and one-byte substitutions, every hostile message and the
 * texts where the two parsers differ on their own. */
static void test_fast_parse_matches_reference() {
  size_t runs = 0, accepted = 0;
  auto check = [&](const std::string &text) {
    runs++;
    std::string e1, e2;
    auto fast = netgear::parse_json(text, &e1);
    auto ref = netgear::detail::parse_json_reference(text, &e2);
    if (fast.has_value() != ref.has_value()) {
      fail_msg(__FILE__, __LINE__, G_STRFUNC,
               "verdicts differ on " + text.substr(0, 200) + ": fast " + (fast ? "takes it" : e1) + ", reference " +
                   (ref ? "takes it" : e2));
      return;
    }
    if (!fast)
      return;
    accepted++;
    if (netgear::dump_json(*fast) != netgear::dump_json(*ref) || kinds(*fast) != kinds(*ref))
      fail_msg(__FILE__, __LINE__, G_STRFUNC,
               "values differ on " + text.substr(0, 200) + ": " + netgear::dump_json(*fast) + " vs " +
                   netgear::dump_json(*ref));
  };
  const unsigned char subs[] = {'"', '\\', 'N', 'I', '-', '[', ']', '{', '}', ',', ':', '0', '9', ' ', 0, 0xff, 0xc3};
  for (const auto &v : g_vectors) {
    if (!vectors::is_sender_to_receiver(v))
      continue;
    const std::string &hdr = v.parts.at(vectors::header_index(v));
    for (size_t len = 0; len <= hdr.size(); len++)
      check(hdr.substr(0, len));
    for (size_t i = 0; i < hdr.size(); i++)
      for (unsigned char c : subs) {
        std::string m = hdr;
        m[i] = static_cast<char>(c);
        check(m);
      }
  }
  /* The deep ones too: past simdjson's own depth limit (1024) the fast
   * path gives way, below it its builder refuses at kMaxDepth. */
  for (const auto &h : g_hostile)
    check(h.part0);
  const char *edges[] = {
      "18446744073709551616", "-9223372036854775809", "[18446744073709551615, -9223372036854775808]", "-0", "0",
      "-0.0", "1e400", "-1e400", "1e-400", "1.5e308", "\xef\xbb\xbf{}", "{\"a\": 1, \"a\": [2]}", "\"\\u0000\"",
      "[NaN, Infinity, -Infinity]", "{\"NaN\": NaN}", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"",
      " \t\n\r[1] ", "[1,]", "{\"a\" 1}", "[\"\x7f\"]", "[\"a\x01\"]", "tru", "nul", "[1e5, 1E+5, 0.1e-2]",
      "12345678901234567890123", "[[[[[[[[[[]]]]]]]]]]", "{\"\":{\"\":{\"\":null}}}"};
  for (const char *t : edges)
    check(t);
  /* Nesting around the depth limit, objects and arrays. */
  for (int n : {99, 100, 101, 102}) {
    check(std::string(n, '[') + std::string(n, ']'));
    check(std::string(n, '[') + "1" + std::string(n, ']'));
    std::string o;
    for (int i = 0; i < n; i++)
      o += "{\"k\":";
    o += "{}";
    for (int i = 0; i < n; i++)
      o += "}";
    check(o);
  }
  /* Keys around the limit. */
  for (int n : {4095, 4096, 4097}) {
    std::string o = "{";
    for (int i = 0; i < n; i++)
      o += (i ? ",\"" : "\"") + std::to_string(i) + "\":0";
    check(o + "}");
  }
  g_assert_cmpuint(runs, >, 1000);
  g_assert_cmpuint(accepted, >, 100);
}

/* Each thread has its parser: two threads parsing at once (two ports'
 * tasks) each get their own texts' values. */
static void test_fast_parse_threads() {
  std::vector<std::string> texts;
  for (const auto &v : g_vectors)
    if (vectors::is_sender_to_receiver(v))
      texts.push_back(v.parts.at(vectors::header_index(v)));
  g_assert_cmpuint(texts.size(), >, 4);
  std::vector<std::string> want;
  for (const auto &t : texts)
    want.push_back(netgear::dump_json(*netgear::detail::parse_json_reference(t)));
  std::atomic<int> wrong{0};
  auto run = [&](size_t offset) {
    for (int round = 0; round < 200; round++)
      for (size_t i = 0; i < texts.size(); i++) {
        size_t k = (i + offset) % texts.size();
        auto got = netgear::parse_json(texts[k]);
        if (!got || netgear::dump_json(*got) != want[k])
          wrong++;
      }
  };
  std::thread a(run, 0), b(run, texts.size() / 2);
  a.join();
  b.join();
  g_assert_cmpint(wrong.load(), ==, 0);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_set_nonfatal_assertions();
  gst_init(nullptr, nullptr);

  g_vectors = vectors::load_all();
  unit::add("/vectors/present", test_vectors_present);
  for (const auto &v : g_vectors) {
    const vectors::Vector *pv = &v;
    std::string n = unit::component(v.name);
    unit::add("/vectors/integrity/" + n, [pv] { test_vector_integrity(pv); });
    if (vectors::is_sender_to_receiver(v)) {
      unit::add("/vectors/decode/" + n, [pv] { test_vector_decode(pv); });
      unit::add("/vectors/encode/" + n, [pv] { test_vector_encode(pv); });
      if (vectors::is_frame(v))
        unit::add("/vectors/payload-size/" + n, [pv] { test_vector_payload_size(pv); });
    }
    if (vectors::is_reply(v))
      unit::add("/vectors/reply/" + n, [pv] { test_vector_reply(pv); });
    if (v.meta.is_object())
      unit::add("/vectors/json-roundtrip/" + n, [pv] { test_vector_json_roundtrip(pv); });
  }
  unit::add("/vectors/req-envelope", test_vector_req_envelope);

  unit::add("/replies/python-type-names", test_python_type_names);
  unit::add("/replies/edge-cases", test_reply_edge_cases);
  unit::add("/control/encode-decode", test_control);

  unit::add("/ext/roundtrip", test_ext_roundtrip);
  unit::add("/ext/roundtrip-sparse", test_ext_roundtrip_sparse);
  unit::add("/ext/newer-version", test_ext_newer_version);
  unit::add("/ext/header-as-tree", test_header_as_tree);

  build_hostile();
  for (const auto &h : g_hostile) {
    const Hostile *ph = &h;
    unit::add("/hostile/" + h.name, [ph] { test_hostile(ph); });
  }
  unit::add("/hostile/no-large-allocation", test_hostile_no_large_allocation);
  unit::add("/hostile/mutations", test_hostile_mutations);
  unit::add("/decode/nonfinite-tokens", test_nonfinite_tokens);
  unit::add("/decode/nul-in-strings", test_nul_in_strings);
  unit::add("/decode/valid-oddities", test_valid_oddities);

  unit::add("/json/dump/separators-and-order", test_dump_separators_and_order);
  unit::add("/json/dump/escapes", test_dump_escapes);
  unit::add("/json/dump/nonfinite", test_dump_nonfinite);
  unit::add("/json/dump/integers", test_dump_integers);
  unit::add("/json/python/bigint-roundtrip", test_python_bigint_roundtrip);
  unit::add("/json/parse/fast-matches-reference", test_fast_parse_matches_reference);
  unit::add("/json/parse/fast-threads", test_fast_parse_threads);
  for (const auto &f : kFloats) {
    const FloatCase *pf = &f;
    unit::add(std::string("/json/dump/float/") + f.python, [pf] { test_dump_float(pf); });
  }

  return g_test_run();
}
