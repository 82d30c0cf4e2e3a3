/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* What the OpenCV example pair shares: whole-line output from any thread,
 * how a JSON message or reply is drawn, and text drawn on a frame. */
#pragma once

#include <gst/gst.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <string>

namespace netgear_cv {

/* One line on stdout, flushed; the streaming threads and the main thread
 * print, and tests read the lines. */
inline void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
inline void say(const char *fmt, ...) {
  static std::mutex out_mutex;
  std::lock_guard<std::mutex> lk(out_mutex);
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

/* What to draw for a JSON value: a string without its quotes, nothing for
 * null, anything else as JSON text. */
inline std::string display_text(const std::string &json_text) {
  nlohmann::ordered_json v = nlohmann::ordered_json::parse(json_text, nullptr, false);
  if (v.is_discarded())
    return json_text;
  if (v.is_null())
    return "";
  if (v.is_string())
    return v.get<std::string>();
  return v.dump();
}

/* cv::putText, shrunk to fit the width, with a dark outline so it reads on
 * any background. */
inline void put_text_fit(cv::Mat &img, const std::string &text, cv::Point org, const cv::Scalar &color,
                         double scale = 0.6) {
  if (text.empty())
    return;
  int base = 0;
  int max_w = img.cols - org.x - 4;
  cv::Size sz = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, 2, &base);
  if (sz.width > max_w && max_w > 0)
    scale = std::max(0.3, scale * max_w / sz.width);
  cv::putText(img, text, org, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
  cv::putText(img, text, org, cv::FONT_HERSHEY_SIMPLEX, scale, color, 1, cv::LINE_AA);
}

/* Whether the element has this property (an older netgear plugin may lack
 * one the example needs). */
inline bool has_property(GstElement *e, const char *name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(e), name) != nullptr;
}

} // namespace netgear_cv
