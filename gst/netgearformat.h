/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: GStreamer caps <-> NetGear frame description.
 *
 * Part of the wire codec: pure (no sockets), GStreamer-aware. The sender
 * side asks how to describe buffers of some caps; the receiver side asks
 * which caps and memory layout a decoded header stands for. */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <string>

#include "netgearwire.h"

namespace netgear {

/* How a sender puts buffers of one caps on the wire. */
struct SendPlan {
  enum class Kind {
    NUMPY_IMAGE, /* BGR / GRAY8: dtype uint8, shape [h, w, 3] / [h, w], rows packed */
    JPEG,        /* image/jpeg: NetGear's compression header */
    BYTES,       /* anything else: dtype uint8, shape [nbytes] */
  } kind = Kind::BYTES;
  std::string caps;            /* for the extension */
  bool raw_video = false;
  GstVideoInfo info;           /* default layout of the caps (raw_video) */
  GstVideoInfo wire;           /* layout on the wire (raw_video) */
  Layout layout = Layout::DEFAULT;
  std::string dtype;           /* NUMPY_IMAGE */
  std::vector<uint64_t> shape; /* NUMPY_IMAGE */
  /* JPEG: the colourspace named by the caps (kJpegColorspaceField), empty
   * when they name none and each frame's own decides (jpeg_colorspace()). */
  std::string jpeg_colorspace;
};

/* The image/jpeg caps field that carries NetGear's compression colourspace:
 * the pixel layout a vidgear client decodes the JPEG to ("BGR", "GRAY", ...).
 * GStreamer decoders do not need it (the JPEG says how it is coded); it
 * travels so that a relay hands it on and an application can read it. Not
 * jpegparse's `colorspace` field, which names the JPEG's own coding. */
constexpr const char *kJpegColorspaceField = "netgear-colorspace";

/* Whether simplejpeg (what vidgear decodes with) knows this colourspace. */
bool known_jpeg_colorspace(const std::string &name);

/* The number of colour components in a JPEG's frame header (SOFn), 0 when
 * the bytes hold no well-formed one before the scan data. */
int jpeg_components(const guint8 *data, gsize size);

/* The colourspace to tell a vidgear client for one JPEG frame when the caps
 * name none: GRAY for a one-component JPEG (the client gets a 2-D array,
 * as the sender's grey frames were), CMYK for a four-component one (which
 * libjpeg cannot convert to BGR), BGR otherwise (OpenCV's order). */
const char *jpeg_colorspace(const guint8 *data, gsize size);

/* Fails (with a message for the user) on caps we cannot send: not fixed,
 * or in memory other than system memory. */
bool plan_for_caps(GstCaps *caps, SendPlan *plan, std::string *error);

/* Whether frames of these caps may depend on earlier ones (H.264, H.265,
 * VP8, VP9, AV1, MPEG video, Theora, H.263), so that one after a loss is
 * unusable until a keyframe. Not decided from DELTA_UNIT alone: some
 * encoders of still images (pngenc) mark every frame as a delta. */
bool caps_are_inter_frame(const GstCaps *caps);

/* Whether a raw video buffer already has the plan's wire layout (so its
 * memory can go out as it is); false when it must be repacked first. */
bool buffer_has_wire_layout(GstBuffer *buf, const SendPlan &plan);

/* How a receiver turns a decoded frame into buffers. Caches the last caps
 * per sender so a steady stream does not parse caps on every frame. */
class ReceiveMapper {
public:
  ReceiveMapper() = default;
  ~ReceiveMapper();
  ReceiveMapper(const ReceiveMapper &) = delete;
  ReceiveMapper &operator=(const ReceiveMapper &) = delete;

  /* On success: caps() is the caps of the frame; if needs_repack() the
   * payload is in wire_info() and must be copied into out_info() (the
   * default layout) before it goes downstream. */
  bool map(const FrameHeader &h, size_t payload_size, DropReason *reason, std::string *detail);
  GstCaps *caps() const { return caps_; }
  bool needs_repack() const { return repack_; }
  const GstVideoInfo *wire_info() const { return &wire_; }
  const GstVideoInfo *out_info() const { return &info_; }

private:
  bool set_caps(const std::string &caps_str, DropReason *reason, std::string *detail);
  std::string key_;
  GstCaps *caps_ = nullptr;
  bool raw_video_ = false;
  GstVideoInfo info_{};
  GstVideoInfo wire_{};
  bool repack_ = false;
};

/* The layout with rows packed (stride = width * pixel stride); only for
 * single-plane formats. */
bool packed_info(const GstVideoInfo *info, GstVideoInfo *packed);

/* Copies a raw video frame from one layout to another, for the two places
 * where a layout must change (see docs/protocol.md). */
GstBuffer *repack_video(GstBuffer *src, const GstVideoInfo *src_info, const GstVideoInfo *dst_info);

} // namespace netgear
