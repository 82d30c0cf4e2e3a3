/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: GStreamer caps <-> NetGear frame description. */
#include "netgearformat.h"

namespace netgear {

namespace {

bool same_layout(const GstVideoInfo *a, const GstVideoInfo *b) {
  if (GST_VIDEO_INFO_N_PLANES(a) != GST_VIDEO_INFO_N_PLANES(b))
    return false;
  for (guint p = 0; p < GST_VIDEO_INFO_N_PLANES(a); p++)
    if (GST_VIDEO_INFO_PLANE_OFFSET(a, p) != GST_VIDEO_INFO_PLANE_OFFSET(b, p) ||
        GST_VIDEO_INFO_PLANE_STRIDE(a, p) != GST_VIDEO_INFO_PLANE_STRIDE(b, p))
      return false;
  return true;
}

bool system_memory(GstCaps *caps) {
  GstCapsFeatures *f = gst_caps_get_features(caps, 0);
  return f == nullptr || gst_caps_features_is_equal(f, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY);
}

std::string caps_string(GstCaps *caps) {
  gchar *s = gst_caps_to_string(caps);
  std::string r(s);
  g_free(s);
  return r;
}

} // namespace

bool packed_info(const GstVideoInfo *info, GstVideoInfo *packed) {
  if (GST_VIDEO_INFO_N_PLANES(info) != 1 || GST_VIDEO_INFO_COMP_PSTRIDE(info, 0) <= 0 ||
      GST_VIDEO_FORMAT_INFO_IS_TILED(info->finfo))
    return false;
  *packed = *info;
  gsize stride = static_cast<gsize>(GST_VIDEO_INFO_COMP_PSTRIDE(info, 0)) * GST_VIDEO_INFO_WIDTH(info);
  GST_VIDEO_INFO_PLANE_STRIDE(packed, 0) = static_cast<gint>(stride);
  GST_VIDEO_INFO_PLANE_OFFSET(packed, 0) = 0;
  packed->size = stride * GST_VIDEO_INFO_HEIGHT(info);
  return true;
}

bool plan_for_caps(GstCaps *caps, SendPlan *plan, std::string *error) {
  if (!gst_caps_is_fixed(caps)) {
    *error = "caps are not fixed";
    return false;
  }
  if (!system_memory(caps)) {
    *error = "only buffers in system memory can be sent (add a download element upstream)";
    return false;
  }
  *plan = SendPlan();
  plan->caps = caps_string(caps);
  const GstStructure *s = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_name(s, "video/x-raw")) {
    if (!gst_video_info_from_caps(&plan->info, caps)) {
      *error = "cannot parse raw video caps " + plan->caps;
      return false;
    }
    plan->raw_video = true;
    plan->wire = plan->info;
    GstVideoFormat fmt = GST_VIDEO_INFO_FORMAT(&plan->info);
    bool progressive = GST_VIDEO_INFO_INTERLACE_MODE(&plan->info) == GST_VIDEO_INTERLACE_MODE_PROGRESSIVE;
    if (progressive && (fmt == GST_VIDEO_FORMAT_BGR || fmt == GST_VIDEO_FORMAT_GRAY8) &&
        packed_info(&plan->info, &plan->wire)) {
      plan->kind = SendPlan::Kind::NUMPY_IMAGE;
      plan->layout = same_layout(&plan->wire, &plan->info) ? Layout::DEFAULT : Layout::PACKED;
      plan->dtype = "uint8";
      plan->shape = {static_cast<uint64_t>(GST_VIDEO_INFO_HEIGHT(&plan->info)),
                     static_cast<uint64_t>(GST_VIDEO_INFO_WIDTH(&plan->info))};
      if (fmt == GST_VIDEO_FORMAT_BGR)
        plan->shape.push_back(3);
    }
  } else if (gst_structure_has_name(s, "image/jpeg")) {
    plan->kind = SendPlan::Kind::JPEG;
    const gchar *cs = gst_structure_get_string(s, kJpegColorspaceField);
    /* vidgear upper-cases the names it is given; so do we. */
    gchar *upper = cs ? g_ascii_strup(cs, -1) : nullptr;
    plan->jpeg_colorspace = upper ? upper : "";
    g_free(upper);
    if (cs && !known_jpeg_colorspace(plan->jpeg_colorspace)) {
      *error = std::string(kJpegColorspaceField) + " \"" + cs + "\" is not a colourspace vidgear knows";
      return false;
    }
  }
  return true;
}

bool known_jpeg_colorspace(const std::string &name) {
  static const char *const names[] = {"RGB",  "BGR",  "RGBX", "BGRX", "XBGR", "XRGB", "GRAY",
                                      "RGBA", "BGRA", "ABGR", "ARGB", "CMYK"};
  for (const char *n : names)
    if (name == n)
      return true;
  return false;
}

int jpeg_components(const guint8 *d, gsize size) {
  if (size < 4 || d[0] != 0xFF || d[1] != 0xD8)
    return 0;
  gsize i = 2;
  while (i + 4 <= size) {
    if (d[i] != 0xFF)
      return 0;
    guint8 marker = d[i + 1];
    if (marker == 0xFF) { /* fill byte before a marker */
      i++;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { /* no length */
      i += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) /* scan data or end: no frame header */
      return 0;
    gsize len = (static_cast<gsize>(d[i + 2]) << 8) | d[i + 3];
    if (len < 2 || i + 2 + len > size)
      return 0;
    /* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): length,
     * precision, height, width, component count. */
    bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof)
      return len >= 8 ? d[i + 9] : 0;
    i += 2 + len;
  }
  return 0;
}

const char *jpeg_colorspace(const guint8 *data, gsize size) {
  switch (jpeg_components(data, size)) {
  case 1:
    return "GRAY";
  case 4: /* Adobe CMYK/YCCK: libjpeg cannot turn it into BGR */
    return "CMYK";
  default:
    return "BGR";
  }
}

bool caps_are_inter_frame(const GstCaps *caps) {
  static const char *const kInterFrame[] = {"video/x-h264", "video/x-h265", "video/x-vp8",    "video/x-vp9",
                                            "video/x-av1",  "video/mpeg",   "video/x-theora", "video/x-h263"};
  if (!caps || gst_caps_get_size(caps) == 0)
    return false;
  const char *name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  for (const char *known : kInterFrame)
    if (g_str_equal(name, known))
      return true;
  return false;
}

bool buffer_has_wire_layout(GstBuffer *buf, const SendPlan &plan) {
  if (gst_buffer_get_size(buf) < GST_VIDEO_INFO_SIZE(&plan.wire))
    return false;
  GstVideoMeta *vm = gst_buffer_get_video_meta(buf);
  if (!vm)
    return same_layout(&plan.info, &plan.wire);
  if (vm->n_planes != GST_VIDEO_INFO_N_PLANES(&plan.wire))
    return false;
  for (guint p = 0; p < vm->n_planes; p++)
    if (vm->offset[p] != GST_VIDEO_INFO_PLANE_OFFSET(&plan.wire, p) ||
        vm->stride[p] != GST_VIDEO_INFO_PLANE_STRIDE(&plan.wire, p))
      return false;
  return true;
}

ReceiveMapper::~ReceiveMapper() {
  if (caps_)
    gst_caps_unref(caps_);
}

bool ReceiveMapper::set_caps(const std::string &caps_str, DropReason *reason, std::string *detail) {
  GstCaps *caps = gst_caps_from_string(caps_str.c_str());
  if (!caps || !gst_caps_is_fixed(caps) || !system_memory(caps)) {
    if (caps)
      gst_caps_unref(caps);
    *reason = DropReason::BAD_EXTENSION;
    *detail = "caps \"" + caps_str + "\" are not fixed system-memory caps";
    return false;
  }
  raw_video_ = gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw");
  if (raw_video_ && !gst_video_info_from_caps(&info_, caps)) {
    gst_caps_unref(caps);
    *reason = DropReason::BAD_EXTENSION;
    *detail = "cannot parse raw video caps \"" + caps_str + "\"";
    return false;
  }
  if (caps_)
    gst_caps_unref(caps_);
  caps_ = caps;
  return true;
}

bool ReceiveMapper::map(const FrameHeader &h, size_t payload_size, DropReason *reason, std::string *detail) {
  std::string key;
  Layout layout = Layout::DEFAULT;
  if (h.ext) {
    layout = h.ext->layout;
    key = (layout == Layout::PACKED ? "P" : "D") + h.ext->caps;
  } else if (h.compression) {
    key = "J" + h.compression->colorspace;
  } else {
    key = "N" + h.dtype;
    for (uint64_t d : h.shape)
      key += "," + std::to_string(d);
  }

  if (key != key_) {
    key_.clear();
    if (h.ext) {
      if (!set_caps(h.ext->caps, reason, detail))
        return false;
    } else if (h.compression) {
      /* The colourspace is the peer's word: noted only when vidgear would
       * understand it (and so a relay can send it on). No size or rate: a
       * JPEG tells its size to the decoder, and a vidgear peer has no rate. */
      GstCaps *caps = gst_caps_new_simple("image/jpeg", "framerate", GST_TYPE_FRACTION, 0, 1, nullptr);
      if (known_jpeg_colorspace(h.compression->colorspace))
        gst_caps_set_simple(caps, kJpegColorspaceField, G_TYPE_STRING, h.compression->colorspace.c_str(), nullptr);
      if (caps_)
        gst_caps_unref(caps_);
      caps_ = caps;
      raw_video_ = false;
    } else {
      const auto &sh = h.shape;
      bool gray = sh.size() == 2 || (sh.size() == 3 && sh[2] == 1);
      bool bgr = sh.size() == 3 && sh[2] == 3;
      if (h.dtype != "uint8" || !(gray || bgr)) {
        *reason = DropReason::UNSUPPORTED;
        *detail = "no caps for dtype " + h.dtype + " with " + std::to_string(sh.size()) +
                  " dimensions (only uint8 [h, w, 3] and [h, w(, 1)])";
        return false;
      }
      GstVideoInfo vi;
      gst_video_info_init(&vi);
      if (sh[0] == 0 || sh[1] == 0 || sh[0] > G_MAXINT / 4 || sh[1] > G_MAXINT / 4 ||
          !gst_video_info_set_format(&vi, bgr ? GST_VIDEO_FORMAT_BGR : GST_VIDEO_FORMAT_GRAY8,
                                     static_cast<guint>(sh[1]), static_cast<guint>(sh[0]))) {
        *reason = DropReason::UNSUPPORTED;
        *detail = "image size out of range";
        return false;
      }
      /* A vidgear peer has no frame rate to tell: variable rate. */
      GST_VIDEO_INFO_FPS_N(&vi) = 0;
      GST_VIDEO_INFO_FPS_D(&vi) = 1;
      GstCaps *caps = gst_video_info_to_caps(&vi);
      if (caps_)
        gst_caps_unref(caps_);
      caps_ = caps;
      info_ = vi;
      raw_video_ = true;
      layout = Layout::PACKED;
    }
    if (raw_video_) {
      wire_ = info_;
      if (layout == Layout::PACKED && !packed_info(&info_, &wire_)) {
        *reason = DropReason::BAD_EXTENSION;
        *detail = "packed layout asked for a format that has no packed rows";
        return false;
      }
      repack_ = !same_layout(&wire_, &info_);
    } else {
      repack_ = false;
    }
    key_ = std::move(key);
  }
  if (raw_video_ && payload_size != GST_VIDEO_INFO_SIZE(&wire_)) {
    *reason = DropReason::SIZE_MISMATCH;
    *detail = "payload has " + std::to_string(payload_size) + " bytes, the caps need " +
              std::to_string(GST_VIDEO_INFO_SIZE(&wire_));
    return false;
  }
  return true;
}

GstBuffer *repack_video(GstBuffer *src, const GstVideoInfo *src_info, const GstVideoInfo *dst_info) {
  GstVideoFrame sf, df;
  if (!gst_video_frame_map(&sf, src_info, src, GST_MAP_READ))
    return nullptr;
  GstBuffer *dst = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(dst_info), nullptr);
  if (!gst_video_frame_map(&df, dst_info, dst, GST_MAP_WRITE)) {
    gst_video_frame_unmap(&sf);
    gst_buffer_unref(dst);
    return nullptr;
  }
  gboolean ok = gst_video_frame_copy(&df, &sf);
  gst_video_frame_unmap(&df);
  gst_video_frame_unmap(&sf);
  if (!ok) {
    gst_buffer_unref(dst);
    return nullptr;
  }
  return dst;
}

} // namespace netgear
