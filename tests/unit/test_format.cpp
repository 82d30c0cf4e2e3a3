/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear unit tests: caps <-> NetGear descriptions (gst/netgearformat.h).
 *
 * The receiver side (ReceiveMapper, repack_video) is driven by the captured
 * vidgear frames; the sender side (plan_for_caps, buffer_has_wire_layout) by
 * caps. Pixel checks use the generator vector.json gives for the frames
 * ("byte k of the payload is k % 251"), and GStreamer's default stride rule
 * (rows rounded up to 4 bytes) rather than anything the code computes. */
#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstring>
#include <string>
#include <vector>

#include "netgearformat.h"
#include "netgearwire.h"
#include "unit.h"
#include "vectors.h"

using netgear::Decoded;
using netgear::DropReason;
using netgear::Extension;
using netgear::FrameDescription;
using netgear::FrameHeader;
using netgear::Json;
using netgear::Layout;
using netgear::ReceiveMapper;
using netgear::SendPlan;

static std::vector<vectors::Vector> g_vectors;

static const vectors::Vector &need_vector(const std::string &name) {
  for (const auto &v : g_vectors)
    if (v.name == name)
      return v;
  throw std::runtime_error("vector " + name + " missing from " + vectors::dir());
}

/* Decodes a captured frame; throws (failing the test) if it does not decode. */
static FrameHeader decode_vector(const vectors::Vector &v, std::string *payload) {
  int hi = vectors::header_index(v);
  DropReason r = DropReason::NONE;
  std::string detail;
  auto d = netgear::decode_message(v.parts.at(hi), 2, v.parts.at(hi + 1).size(), &r, &detail);
  if (!d || d->kind != Decoded::Kind::FRAME)
    throw std::runtime_error(v.name + " does not decode as a frame: " + netgear::drop_reason_name(r) + " " + detail);
  *payload = v.parts.at(hi + 1);
  return d->frame;
}

static GstBuffer *buffer_of(const std::string &bytes) {
  GstBuffer *b = gst_buffer_new_allocate(nullptr, bytes.size(), nullptr);
  gst_buffer_fill(b, 0, bytes.data(), bytes.size());
  return b;
}

static std::string bytes_of(GstBuffer *b) {
  std::string s(gst_buffer_get_size(b), '\0');
  gst_buffer_extract(b, 0, s.data(), s.size());
  return s;
}

static GstCaps *caps_from(const char *s) {
  GstCaps *c = gst_caps_from_string(s);
  if (!c)
    throw std::runtime_error(std::string("bad caps in test: ") + s);
  return c;
}

/* GStreamer's default row stride for a packed RGB/GRAY row: rounded up to 4. */
static gint default_stride(gint row_bytes) { return (row_bytes + 3) & ~3; }

/* Checks caps are fixed video/x-raw of that format and size, frame rate 0/1
 * (a vidgear peer has no frame rate). */
static void check_raw_caps(GstCaps *caps, const char *format, int width, int height) {
  REQUIRE(caps != nullptr);
  g_assert_true(gst_caps_is_fixed(caps));
  GstStructure *s = gst_caps_get_structure(caps, 0);
  g_assert_cmpstr(gst_structure_get_name(s), ==, "video/x-raw");
  g_assert_cmpstr(gst_structure_get_string(s, "format"), ==, format);
  int w = 0, h = 0, fn = -1, fd = -1;
  g_assert_true(gst_structure_get_int(s, "width", &w));
  g_assert_true(gst_structure_get_int(s, "height", &h));
  g_assert_cmpint(w, ==, width);
  g_assert_cmpint(h, ==, height);
  g_assert_true(gst_structure_get_fraction(s, "framerate", &fn, &fd));
  g_assert_cmpint(fn, ==, 0);
  g_assert_cmpint(fd, ==, 1);
  GstCapsFeatures *f = gst_caps_get_features(caps, 0);
  g_assert_true(f == nullptr || gst_caps_features_is_equal(f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY));
}

/* A captured vidgear frame through the receiver: caps, layouts, and the
 * repacked pixels, row by row. */
static void check_vidgear_raw(const char *vector, const char *format, int width, int height, int bpp) {
  const auto &v = need_vector(vector);
  std::string payload;
  FrameHeader h = decode_vector(v, &payload);
  /* the payload is what vector.json says the generator wrote */
  REQUIRE(payload.size() == static_cast<size_t>(width * height * bpp));
  for (size_t k = 0; k < payload.size(); k++)
    REQUIRE(static_cast<guint8>(payload[k]) == k % 251);

  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string detail;
  bool ok = m.map(h, payload.size(), &r, &detail);
  if (!ok)
    unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, std::string("map failed: ") + netgear::drop_reason_name(r) + " " + detail);
  REQUIRE(ok);
  check_raw_caps(m.caps(), format, width, height);

  const gint packed = width * bpp;
  const gint stride = default_stride(packed);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.wire_info(), 0), ==, packed);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(m.wire_info()), ==, payload.size());
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.out_info(), 0), ==, stride);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(m.out_info()), ==, static_cast<gsize>(stride * height));
  g_assert_cmpint(m.needs_repack(), ==, packed % 4 != 0);
  /* and out_info is what GStreamer itself makes of these caps */
  GstVideoInfo gi;
  REQUIRE(gst_video_info_from_caps(&gi, m.caps()));
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(&gi, 0), ==, GST_VIDEO_INFO_PLANE_STRIDE(m.out_info(), 0));
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&gi), ==, GST_VIDEO_INFO_SIZE(m.out_info()));

  GstBuffer *in = buffer_of(payload);
  GstBuffer *out = netgear::repack_video(in, m.wire_info(), m.out_info());
  REQUIRE(out != nullptr);
  std::string o = bytes_of(out);
  g_assert_cmpuint(o.size(), ==, static_cast<gsize>(stride * height));
  for (int row = 0; row < height; row++)
    for (int b = 0; b < packed; b++) {
      /* element [row][col][ch] = packed*row + bpp*col + ch, mod 251 */
      guint8 want = static_cast<guint8>((row * packed + b) % 251);
      if (static_cast<guint8>(o[row * stride + b]) != want) {
        unit::fail_msg(__FILE__, __LINE__, G_STRFUNC,
                       "row " + std::to_string(row) + " byte " + std::to_string(b) + ": got " +
                           std::to_string(static_cast<guint8>(o[row * stride + b])) + ", want " + std::to_string(want));
        row = height;
        break;
      }
    }

  /* and back the way a sender goes: default layout -> packed rows gives
   * vidgear's bytes again */
  SendPlan plan;
  std::string err;
  REQUIRE(netgear::plan_for_caps(m.caps(), &plan, &err));
  g_assert_true(plan.kind == SendPlan::Kind::NUMPY_IMAGE);
  GstBuffer *back = netgear::repack_video(out, &plan.info, &plan.wire);
  REQUIRE(back != nullptr);
  g_assert_true(bytes_of(back) == payload);
  /* the decoded header's shape is the plan's shape for BGR; [h, w] for gray */
  if (bpp == 3)
    g_assert_true(plan.shape == h.shape);
  else
    g_assert_true((plan.shape == std::vector<uint64_t>{static_cast<uint64_t>(height), static_cast<uint64_t>(width)}));
  gst_buffer_unref(back);
  gst_buffer_unref(out);
  gst_buffer_unref(in);
}

static void test_map_bgr() { check_vidgear_raw("ms-p1-bgr-msg-omitted", "BGR", 6, 4, 3); }
static void test_map_bgr_port_str() { check_vidgear_raw("ms-p1-port-str-bgr-msg-omitted", "BGR", 6, 4, 3); }
static void test_map_bgr_pattern2() { check_vidgear_raw("ms-p2-bgr-msg-str-hello", "BGR", 6, 4, 3); }
static void test_map_gray_2d() { check_vidgear_raw("ms-p1-gray-2d-msg-omitted", "GRAY8", 6, 4, 1); }
static void test_map_gray_3d() { check_vidgear_raw("ms-p1-gray-3d-msg-omitted", "GRAY8", 6, 4, 1); }

static void test_map_uint16_unsupported() {
  std::string payload;
  FrameHeader h = decode_vector(need_vector("ms-p1-uint16-2d-msg-omitted"), &payload);
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string detail;
  g_assert_false(m.map(h, payload.size(), &r, &detail));
  g_assert_cmpstr(netgear::drop_reason_name(r), ==, netgear::drop_reason_name(DropReason::UNSUPPORTED));
  g_assert_false(detail.empty());
}

/* The colourspace the header names is noted in the caps (vector.json says
 * which one the server was given). */
static void check_jpeg(const char *vector, const char *want_caps) {
  std::string payload;
  FrameHeader h = decode_vector(need_vector(vector), &payload);
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string detail;
  REQUIRE(m.map(h, payload.size(), &r, &detail));
  REQUIRE(m.caps() != nullptr);
  GstCaps *want = caps_from(want_caps);
  if (!gst_caps_is_equal(m.caps(), want)) {
    gchar *got = gst_caps_to_string(m.caps());
    unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, std::string("caps ") + got + ", want " + want_caps);
    g_free(got);
  }
  gst_caps_unref(want);
  g_assert_false(m.needs_repack());
}
static void test_map_jpeg_bgr() {
  check_jpeg("ms-p1-jpeg-bgr-default-msg-omitted", "image/jpeg, framerate=(fraction)0/1, netgear-colorspace=(string)BGR");
}
static void test_map_jpeg_gray() {
  check_jpeg("ms-p1-jpeg-gray-dct0-ups1-msg-omitted",
             "image/jpeg, framerate=(fraction)0/1, netgear-colorspace=(string)GRAY");
}

/* A colourspace simplejpeg does not know is the peer's noise: the frame is
 * still a JPEG, the caps just do not repeat the word; a change of
 * colourspace changes the caps. */
static void test_map_jpeg_colorspace_changes() {
  std::string payload;
  FrameHeader h = decode_vector(need_vector("ms-p1-jpeg-bgr-default-msg-omitted"), &payload);
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string detail;
  h.compression->colorspace = "bgr\"; g=1";
  REQUIRE(m.map(h, payload.size(), &r, &detail));
  GstCaps *plain = caps_from("image/jpeg, framerate=(fraction)0/1");
  g_assert_true(gst_caps_is_equal(m.caps(), plain));
  gst_caps_unref(plain);
  h.compression->colorspace = "RGB";
  REQUIRE(m.map(h, payload.size(), &r, &detail));
  g_assert_cmpstr(gst_structure_get_string(gst_caps_get_structure(m.caps(), 0), netgear::kJpegColorspaceField), ==,
                  "RGB");
}

/* Component counts come from the JPEG's frame header; anything that is not a
 * well-formed JPEG up to its SOF gives 0 (and BGR), never a read past the
 * end: every truncation of the captured JPEGs is tried. */
static void test_caps_inter_frame() {
  struct Case {
    const char *caps;
    bool inter;
  } cases[] = {{"video/x-h264, stream-format=byte-stream, alignment=au", true},
               {"video/x-h265", true},
               {"video/x-vp8", true},
               {"video/x-vp9", true},
               {"video/x-av1", true},
               {"video/mpeg, mpegversion=4", true},
               {"video/x-raw, format=BGR, width=6, height=4", false},
               {"image/jpeg", false},
               {"image/png", false}, /* pngenc marks every frame DELTA_UNIT */
               {"application/octet-stream", false}};
  for (const Case &c : cases) {
    GstCaps *caps = gst_caps_from_string(c.caps);
    g_assert_nonnull(caps);
    if (netgear::caps_are_inter_frame(caps) != c.inter)
      g_test_fail_printf("%s: inter-frame should be %d", c.caps, c.inter);
    gst_caps_unref(caps);
  }
  g_assert_false(netgear::caps_are_inter_frame(nullptr));
}

static void test_jpeg_components() {
  std::string bgr, gray;
  decode_vector(need_vector("ms-p1-jpeg-bgr-default-msg-omitted"), &bgr);
  decode_vector(need_vector("ms-p1-jpeg-gray-dct0-ups1-msg-omitted"), &gray);
  auto comps = [](const std::string &b, size_t n) {
    return netgear::jpeg_components(reinterpret_cast<const guint8 *>(b.data()), n);
  };
  g_assert_cmpint(comps(bgr, bgr.size()), ==, 3);
  g_assert_cmpint(comps(gray, gray.size()), ==, 1);
  g_assert_cmpstr(netgear::jpeg_colorspace(reinterpret_cast<const guint8 *>(gray.data()), gray.size()), ==, "GRAY");
  g_assert_cmpstr(netgear::jpeg_colorspace(reinterpret_cast<const guint8 *>(bgr.data()), bgr.size()), ==, "BGR");
  for (const std::string *b : {&bgr, &gray})
    for (size_t n = 0; n < b->size(); n++) {
      /* Copied so that a read past n is a read past the allocation. */
      std::vector<guint8> cut(b->begin(), b->begin() + static_cast<long>(n));
      int c = netgear::jpeg_components(cut.data(), cut.size());
      if (c != 0 && c != comps(*b, b->size()))
        unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, "truncation to " + std::to_string(n) + " gave " +
                                                          std::to_string(c) + " components");
    }
  /* A four-component frame header (SOF0, 8 bits, 2x2, 4 components). */
  const guint8 cmyk[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x02, 0x00, 0x02, 0x04, 0x01, 0x11, 0x00};
  g_assert_cmpint(netgear::jpeg_components(cmyk, sizeof cmyk), ==, 4);
  g_assert_cmpstr(netgear::jpeg_colorspace(cmyk, sizeof cmyk), ==, "CMYK");
  const guint8 junk[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x01, 0x08};
  g_assert_cmpint(netgear::jpeg_components(junk, sizeof junk), ==, 0);
  const guint8 png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  g_assert_cmpint(netgear::jpeg_components(png, sizeof png), ==, 0);
  g_assert_cmpstr(netgear::jpeg_colorspace(png, sizeof png), ==, "BGR");
}

/* The mapper caches per sender: a change of shape must change the caps, a
 * failure must not poison the cache. */
static void test_map_cache() {
  std::string bgr_p, gray_p, u16_p;
  FrameHeader bgr = decode_vector(need_vector("ms-p1-bgr-msg-omitted"), &bgr_p);
  FrameHeader gray = decode_vector(need_vector("ms-p1-gray-2d-msg-omitted"), &gray_p);
  FrameHeader u16 = decode_vector(need_vector("ms-p1-uint16-2d-msg-omitted"), &u16_p);
  ReceiveMapper m;
  DropReason r;
  std::string d;
  REQUIRE(m.map(bgr, bgr_p.size(), &r, &d));
  check_raw_caps(m.caps(), "BGR", 6, 4);
  REQUIRE(m.map(gray, gray_p.size(), &r, &d));
  check_raw_caps(m.caps(), "GRAY8", 6, 4);
  g_assert_true(m.needs_repack());
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.wire_info(), 0), ==, 6);
  g_assert_false(m.map(u16, u16_p.size(), &r, &d));
  g_assert_true(r == DropReason::UNSUPPORTED);
  /* a wrong size for the same shape is refused, the next good frame maps */
  g_assert_false(m.map(bgr, bgr_p.size() - 1, &r, &d));
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  REQUIRE(m.map(bgr, bgr_p.size(), &r, &d));
  check_raw_caps(m.caps(), "BGR", 6, 4);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.wire_info(), 0), ==, 18);
  /* a JPEG then a raw frame again */
  std::string jp;
  FrameHeader jpeg = decode_vector(need_vector("ms-p1-jpeg-bgr-default-msg-omitted"), &jp);
  REQUIRE(m.map(jpeg, jp.size(), &r, &d));
  g_assert_cmpstr(gst_structure_get_name(gst_caps_get_structure(m.caps(), 0)), ==, "image/jpeg");
  g_assert_false(m.needs_repack());
  REQUIRE(m.map(gray, gray_p.size(), &r, &d));
  check_raw_caps(m.caps(), "GRAY8", 6, 4);
  g_assert_true(m.needs_repack());
}

/* Headers a vidgear peer can send that have no caps. */
static void test_map_unsupported_shapes() {
  struct {
    const char *dtype;
    std::vector<uint64_t> shape;
  } cases[] = {
      {"uint8", {72}},        {"uint8", {4, 6, 4}},  {"uint8", {4, 6, 2}},     {"uint8", {1, 4, 6, 3}},
      {"int8", {4, 6, 3}},    {"float32", {4, 6, 3}}, {"uint8", {0, 6, 3}},    {"uint8", {4, 0}},
      {"uint8", {UINT64_C(1) << 31, UINT64_C(1) << 31, 3}},
  };
  for (const auto &c : cases) {
    FrameHeader h;
    h.dtype = c.dtype;
    h.shape = c.shape;
    uint64_t n = 0;
    size_t payload = netgear::shape_nbytes(c.shape, netgear::dtype_itemsize(c.dtype), &n) ? static_cast<size_t>(n) : 0;
    ReceiveMapper m;
    DropReason r = DropReason::NONE;
    std::string d;
    g_assert_false(m.map(h, payload, &r, &d));
    g_assert_cmpstr(netgear::drop_reason_name(r), ==, netgear::drop_reason_name(DropReason::UNSUPPORTED));
  }
  /* the 2 GB claim with a 72-byte payload: refused by size, nothing mapped */
  FrameHeader h;
  h.dtype = "uint8";
  h.shape = {50000, 50000, 3};
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string d;
  g_assert_false(m.map(h, 72, &r, &d));
  /* too large for GStreamer (unsupported) or not the payload (size mismatch) */
  if (r != DropReason::SIZE_MISMATCH && r != DropReason::UNSUPPORTED)
    unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, std::string("reason ") + netgear::drop_reason_name(r));
}

/* ---- frames with our extension ---- */

static FrameHeader ext_header(const std::string &caps, Layout layout) {
  FrameHeader h;
  h.port = 5566;
  h.dtype = "uint8";
  Extension e;
  e.caps = caps;
  e.layout = layout;
  h.ext = e;
  return h;
}

static void test_map_ext_i420() {
  GstVideoInfo vi;
  REQUIRE(gst_video_info_set_format(&vi, GST_VIDEO_FORMAT_I420, 5, 3));
  GstCaps *caps = gst_video_info_to_caps(&vi);
  gchar *cs = gst_caps_to_string(caps);
  FrameHeader h = ext_header(cs, Layout::DEFAULT);
  g_free(cs);
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string d;
  REQUIRE(m.map(h, GST_VIDEO_INFO_SIZE(&vi), &r, &d));
  g_assert_true(gst_caps_is_equal(m.caps(), caps));
  g_assert_false(m.needs_repack());
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(m.out_info()), ==, GST_VIDEO_INFO_SIZE(&vi));
  g_assert_false(m.map(h, GST_VIDEO_INFO_SIZE(&vi) - 1, &r, &d));
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  g_assert_false(m.map(h, GST_VIDEO_INFO_SIZE(&vi) + 1, &r, &d));
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  /* I420 has three planes: there is no "packed rows" layout for it */
  FrameHeader p = ext_header(h.ext->caps, Layout::PACKED);
  ReceiveMapper mp;
  g_assert_false(mp.map(p, GST_VIDEO_INFO_SIZE(&vi), &r, &d));
  g_assert_true(r == DropReason::BAD_EXTENSION);
  gst_caps_unref(caps);
}

static void test_map_ext_bgr_layouts() {
  const char *caps = "video/x-raw, format=(string)BGR, width=(int)6, height=(int)4, framerate=(fraction)25/1";
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string d;
  /* packed rows on the wire (a sink that sent vidgear-compatible rows) */
  REQUIRE(m.map(ext_header(caps, Layout::PACKED), 72, &r, &d));
  g_assert_true(m.needs_repack());
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.wire_info(), 0), ==, 18);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.out_info(), 0), ==, 20);
  GstCaps *want = caps_from(caps);
  g_assert_true(gst_caps_is_equal(m.caps(), want)); /* the sender's frame rate survives */
  g_assert_false(m.map(ext_header(caps, Layout::PACKED), 80, &r, &d));
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  /* default layout on the wire */
  REQUIRE(m.map(ext_header(caps, Layout::DEFAULT), 80, &r, &d));
  g_assert_false(m.needs_repack());
  g_assert_false(m.map(ext_header(caps, Layout::DEFAULT), 72, &r, &d));
  g_assert_true(r == DropReason::SIZE_MISMATCH);
  gst_caps_unref(want);
}

static void test_map_ext_not_raw() {
  const char *caps = "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au";
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string d;
  REQUIRE(m.map(ext_header(caps, Layout::DEFAULT), 1234, &r, &d));
  GstCaps *want = caps_from(caps);
  g_assert_true(gst_caps_is_equal(m.caps(), want));
  gst_caps_unref(want);
  g_assert_false(m.needs_repack());
  REQUIRE(m.map(ext_header(caps, Layout::DEFAULT), 1, &r, &d));
}

static void test_map_ext_bad_caps() {
  const char *bad[] = {
      "video/x-raw, format=(string)BGR, width=(int)[ 1, 100 ], height=(int)4", /* not fixed */
      "video/x-raw(memory:DMABuf), format=(string)BGR, width=(int)6, height=(int)4",
      "video/x-raw, format=(string)BGR, width=(int)6, height=(int)4; video/x-raw, format=(string)GRAY8, width=(int)6, height=(int)4",
      "video/x-raw, width=(int)6, height=(int)4", /* no format */
      "video/x-raw, format=(string)NOPE, width=(int)6, height=(int)4",
      "((( not caps",
      "ANY",
      "EMPTY",
  };
  for (const char *c : bad) {
    ReceiveMapper m;
    DropReason r = DropReason::NONE;
    std::string d;
    bool ok = m.map(ext_header(c, Layout::DEFAULT), 80, &r, &d);
    if (ok)
      unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, std::string("mapped bad caps: ") + c);
    else
      g_assert_cmpstr(netgear::drop_reason_name(r), ==, netgear::drop_reason_name(DropReason::BAD_EXTENSION));
  }
  /* absurd sizes: refused one way or the other, without allocating */
  ReceiveMapper m;
  DropReason r = DropReason::NONE;
  std::string d;
  g_assert_false(m.map(ext_header("video/x-raw, format=(string)BGR, width=(int)1000000000, height=(int)1000000000",
                                  Layout::DEFAULT),
                       72, &r, &d));
  g_assert_true(r == DropReason::BAD_EXTENSION || r == DropReason::SIZE_MISMATCH);
}

/* ---- the sender side ---- */

struct Plan {
  bool ok;
  SendPlan plan;
  std::string error;
};
static Plan plan_for(const char *caps_str) {
  GstCaps *caps = caps_from(caps_str);
  Plan p;
  p.ok = netgear::plan_for_caps(caps, &p.plan, &p.error);
  gst_caps_unref(caps);
  return p;
}

static void test_plan_bgr_small() {
  Plan p = plan_for("video/x-raw, format=(string)BGR, width=(int)6, height=(int)4, framerate=(fraction)30/1");
  REQUIRE(p.ok);
  g_assert_true(p.plan.kind == SendPlan::Kind::NUMPY_IMAGE);
  g_assert_true(p.plan.raw_video);
  g_assert_cmpstr(p.plan.dtype.c_str(), ==, "uint8");
  g_assert_true((p.plan.shape == std::vector<uint64_t>{4, 6, 3}));
  g_assert_true(p.plan.layout == Layout::PACKED);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(&p.plan.wire, 0), ==, 18);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&p.plan.wire), ==, 72);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(&p.plan.info, 0), ==, 20);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&p.plan.info), ==, 80);
  /* the caps string parses back to the caps */
  GstCaps *a = caps_from("video/x-raw, format=(string)BGR, width=(int)6, height=(int)4, framerate=(fraction)30/1");
  GstCaps *b = gst_caps_from_string(p.plan.caps.c_str());
  REQUIRE(b != nullptr);
  g_assert_true(gst_caps_is_equal(a, b));
  gst_caps_unref(a);
  gst_caps_unref(b);
}

static void test_plan_bgr_vga() {
  Plan p = plan_for("video/x-raw, format=(string)BGR, width=(int)640, height=(int)480, framerate=(fraction)30/1");
  REQUIRE(p.ok);
  g_assert_true(p.plan.kind == SendPlan::Kind::NUMPY_IMAGE);
  g_assert_true((p.plan.shape == std::vector<uint64_t>{480, 640, 3}));
  g_assert_true(p.plan.layout == Layout::DEFAULT); /* 1920-byte rows are already packed */
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&p.plan.wire), ==, 921600);
}

static void test_plan_gray() {
  Plan p = plan_for("video/x-raw, format=(string)GRAY8, width=(int)6, height=(int)4");
  REQUIRE(p.ok);
  g_assert_true(p.plan.kind == SendPlan::Kind::NUMPY_IMAGE);
  g_assert_cmpstr(p.plan.dtype.c_str(), ==, "uint8");
  g_assert_true((p.plan.shape == std::vector<uint64_t>{4, 6}));
  g_assert_true(p.plan.layout == Layout::PACKED);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&p.plan.wire), ==, 24);
  Plan q = plan_for("video/x-raw, format=(string)GRAY8, width=(int)640, height=(int)480");
  REQUIRE(q.ok);
  g_assert_true((q.plan.shape == std::vector<uint64_t>{480, 640}));
  g_assert_true(q.plan.layout == Layout::DEFAULT);
}

static void test_plan_other_raw() {
  Plan p = plan_for("video/x-raw, format=(string)I420, width=(int)5, height=(int)3, framerate=(fraction)30/1");
  REQUIRE(p.ok);
  g_assert_true(p.plan.kind == SendPlan::Kind::BYTES);
  g_assert_true(p.plan.raw_video);
  g_assert_true(p.plan.layout == Layout::DEFAULT);
  GstVideoInfo vi;
  gst_video_info_set_format(&vi, GST_VIDEO_FORMAT_I420, 5, 3);
  g_assert_cmpuint(GST_VIDEO_INFO_SIZE(&p.plan.wire), ==, GST_VIDEO_INFO_SIZE(&vi));
  Plan rgba = plan_for("video/x-raw, format=(string)RGBA, width=(int)6, height=(int)4");
  REQUIRE(rgba.ok);
  g_assert_true(rgba.plan.kind == SendPlan::Kind::BYTES);
}

static void test_plan_jpeg_and_other() {
  Plan j = plan_for("image/jpeg, width=(int)6, height=(int)4, framerate=(fraction)30/1");
  REQUIRE(j.ok);
  g_assert_true(j.plan.kind == SendPlan::Kind::JPEG);
  g_assert_false(j.plan.raw_video);
  Plan j0 = plan_for("image/jpeg");
  REQUIRE(j0.ok);
  g_assert_true(j0.plan.kind == SendPlan::Kind::JPEG);
  g_assert_cmpstr(j0.plan.jpeg_colorspace.c_str(), ==, "");
  Plan jg = plan_for("image/jpeg, netgear-colorspace=(string)GRAY");
  REQUIRE(jg.ok);
  g_assert_cmpstr(jg.plan.jpeg_colorspace.c_str(), ==, "GRAY");
  Plan jl = plan_for("image/jpeg, netgear-colorspace=(string)rgb");
  REQUIRE(jl.ok);
  g_assert_cmpstr(jl.plan.jpeg_colorspace.c_str(), ==, "RGB");
  Plan h = plan_for("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au");
  REQUIRE(h.ok);
  g_assert_true(h.plan.kind == SendPlan::Kind::BYTES);
  g_assert_false(h.plan.raw_video);
}

static void test_plan_refused() {
  const char *bad[] = {
      "video/x-raw, format=(string)BGR, width=(int)[ 1, 100 ], height=(int)4",
      "video/x-raw, format=(string){ BGR, GRAY8 }, width=(int)6, height=(int)4",
      "video/x-raw, format=(string)BGR, width=(int)6, height=(int)4; video/x-raw, format=(string)GRAY8, width=(int)6, height=(int)4",
      "video/x-raw(memory:DMABuf), format=(string)BGR, width=(int)6, height=(int)4",
      "video/x-raw(memory:GLMemory), format=(string)RGBA, width=(int)6, height=(int)4",
      "image/jpeg, netgear-colorspace=(string)YUV",
  };
  for (const char *c : bad) {
    Plan p = plan_for(c);
    if (p.ok)
      unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, std::string("planned for caps it cannot send: ") + c);
    else
      g_assert_false(p.error.empty());
  }
}

static GstBuffer *buffer_with_meta(gsize size, GstVideoFormat fmt, guint w, guint h, gsize offset, gint stride) {
  GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
  gsize offsets[GST_VIDEO_MAX_PLANES] = {offset};
  gint strides[GST_VIDEO_MAX_PLANES] = {stride};
  gst_buffer_add_video_meta_full(b, GST_VIDEO_FRAME_FLAG_NONE, fmt, w, h, 1, offsets, strides);
  return b;
}

static void test_buffer_wire_layout() {
  Plan small = plan_for("video/x-raw, format=(string)BGR, width=(int)6, height=(int)4");
  REQUIRE(small.ok);
  /* a plain buffer has GStreamer's default layout: stride 20, not the wire's 18 */
  GstBuffer *b = gst_buffer_new_allocate(nullptr, 80, nullptr);
  g_assert_false(netgear::buffer_has_wire_layout(b, small.plan));
  gst_buffer_unref(b);
  /* a buffer whose meta says packed rows can go out as it is */
  b = buffer_with_meta(72, GST_VIDEO_FORMAT_BGR, 6, 4, 0, 18);
  g_assert_true(netgear::buffer_has_wire_layout(b, small.plan));
  gst_buffer_unref(b);
  b = buffer_with_meta(80, GST_VIDEO_FORMAT_BGR, 6, 4, 0, 20);
  g_assert_false(netgear::buffer_has_wire_layout(b, small.plan));
  gst_buffer_unref(b);
  b = buffer_with_meta(80, GST_VIDEO_FORMAT_BGR, 6, 4, 8, 18); /* packed rows, but not at offset 0 */
  g_assert_false(netgear::buffer_has_wire_layout(b, small.plan));
  gst_buffer_unref(b);

  Plan vga = plan_for("video/x-raw, format=(string)BGR, width=(int)640, height=(int)480");
  REQUIRE(vga.ok);
  b = gst_buffer_new_allocate(nullptr, 921600, nullptr);
  g_assert_true(netgear::buffer_has_wire_layout(b, vga.plan));
  gst_buffer_unref(b);
  b = gst_buffer_new_allocate(nullptr, 921599, nullptr); /* short buffer */
  g_assert_false(netgear::buffer_has_wire_layout(b, vga.plan));
  gst_buffer_unref(b);
  b = buffer_with_meta(1924 * 480, GST_VIDEO_FORMAT_BGR, 640, 480, 0, 1924); /* padded rows */
  g_assert_false(netgear::buffer_has_wire_layout(b, vga.plan));
  gst_buffer_unref(b);
  b = buffer_with_meta(921600, GST_VIDEO_FORMAT_BGR, 640, 480, 0, 1920);
  g_assert_true(netgear::buffer_has_wire_layout(b, vga.plan));
  gst_buffer_unref(b);
}

/* Sender and receiver together: caps -> plan -> header with the extension ->
 * decode -> map gives the sender's caps and the right layouts. */
static void test_plan_to_map() {
  const char *caps = "video/x-raw, format=(string)BGR, width=(int)6, height=(int)4, framerate=(fraction)30/1";
  Plan p = plan_for(caps);
  REQUIRE(p.ok);
  FrameDescription d;
  d.port = 5566;
  d.pattern = 1;
  d.dtype = p.plan.dtype;
  d.shape = p.plan.shape;
  Extension e;
  e.caps = p.plan.caps;
  e.layout = p.plan.layout;
  d.ext = e;
  std::string hdr;
  netgear::encode_frame_header(d, hdr);
  DropReason r = DropReason::NONE;
  std::string detail;
  auto dec = netgear::decode_message(hdr, 2, GST_VIDEO_INFO_SIZE(&p.plan.wire), &r, &detail);
  REQUIRE(dec.has_value());
  ReceiveMapper m;
  REQUIRE(m.map(dec->frame, GST_VIDEO_INFO_SIZE(&p.plan.wire), &r, &detail));
  GstCaps *want = caps_from(caps);
  g_assert_true(gst_caps_is_equal(m.caps(), want));
  gst_caps_unref(want);
  g_assert_true(m.needs_repack());
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.wire_info(), 0), ==, 18);
  g_assert_cmpint(GST_VIDEO_INFO_PLANE_STRIDE(m.out_info(), 0), ==, 20);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_set_nonfatal_assertions();
  gst_init(nullptr, nullptr);
  g_vectors = vectors::load_all();

  unit::add("/map/vidgear/bgr-4x6x3", test_map_bgr);
  unit::add("/map/vidgear/bgr-port-str", test_map_bgr_port_str);
  unit::add("/map/vidgear/bgr-pattern2", test_map_bgr_pattern2);
  unit::add("/map/vidgear/gray-4x6", test_map_gray_2d);
  unit::add("/map/vidgear/gray-4x6x1", test_map_gray_3d);
  unit::add("/map/vidgear/uint16-unsupported", test_map_uint16_unsupported);
  unit::add("/map/vidgear/jpeg-bgr", test_map_jpeg_bgr);
  unit::add("/map/vidgear/jpeg-gray", test_map_jpeg_gray);
  unit::add("/map/vidgear/jpeg-colorspace", test_map_jpeg_colorspace_changes);
  unit::add("/jpeg/components", test_jpeg_components);
  unit::add("/caps/inter-frame", test_caps_inter_frame);
  unit::add("/map/cache", test_map_cache);
  unit::add("/map/unsupported-shapes", test_map_unsupported_shapes);
  unit::add("/map/ext/i420", test_map_ext_i420);
  unit::add("/map/ext/bgr-layouts", test_map_ext_bgr_layouts);
  unit::add("/map/ext/not-raw", test_map_ext_not_raw);
  unit::add("/map/ext/bad-caps", test_map_ext_bad_caps);

  unit::add("/plan/bgr-6x4-packed", test_plan_bgr_small);
  unit::add("/plan/bgr-640x480-default", test_plan_bgr_vga);
  unit::add("/plan/gray8", test_plan_gray);
  unit::add("/plan/other-raw-bytes", test_plan_other_raw);
  unit::add("/plan/jpeg-and-encoded", test_plan_jpeg_and_other);
  unit::add("/plan/refused", test_plan_refused);
  unit::add("/plan/buffer-wire-layout", test_buffer_wire_layout);
  unit::add("/plan/to-map", test_plan_to_map);

  return g_test_run();
}
