/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear unit tests: loading the captured vidgear vectors.
 *
 * Each folder under $NETGEAR_VECTORS (tests/data/vectors) is one ZeroMQ
 * message: partN.bin are its parts, vector.json says what produced them.
 * Expectations are taken from vector.json (which vidgear call produced the
 * bytes), never from the bytes under test. */
#pragma once

#include <glib.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef NETGEAR_VECTORS_DEFAULT
#define NETGEAR_VECTORS_DEFAULT ""
#endif

namespace vectors {

using OJson = nlohmann::ordered_json;

struct Vector {
  std::string name;
  std::string dir;
  OJson meta;                      /* vector.json, parsed strictly */
  std::vector<std::string> parts;  /* partN.bin, in order */
};

inline std::string dir() {
  const char *env = g_getenv("NETGEAR_VECTORS");
  if (env && *env)
    return env;
  return NETGEAR_VECTORS_DEFAULT;
}

inline bool read_file(const std::string &path, std::string *out) {
  gchar *data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(path.c_str(), &data, &len, nullptr))
    return false;
  out->assign(data, len);
  g_free(data);
  return true;
}

/* All vector folders, sorted by name. Folders whose vector.json is missing or
 * unreadable are still listed (meta stays null) so a test can fail on them. */
inline std::vector<Vector> load_all() {
  std::vector<Vector> all;
  std::string root = dir();
  GDir *d = g_dir_open(root.c_str(), 0, nullptr);
  if (!d)
    return all;
  while (const gchar *n = g_dir_read_name(d)) {
    std::string path = root + G_DIR_SEPARATOR_S + n;
    if (!g_file_test(path.c_str(), G_FILE_TEST_IS_DIR))
      continue;
    Vector v;
    v.name = n;
    v.dir = path;
    std::string js;
    if (read_file(path + "/vector.json", &js)) {
      try {
        v.meta = OJson::parse(js);
      } catch (const OJson::exception &) {
        v.meta = nullptr;
      }
    }
    for (int i = 0;; i++) {
      std::string part;
      if (!read_file(path + "/part" + std::to_string(i) + ".bin", &part))
        break;
      v.parts.push_back(std::move(part));
    }
    all.push_back(std::move(v));
  }
  g_dir_close(d);
  std::sort(all.begin(), all.end(), [](const Vector &a, const Vector &b) { return a.name < b.name; });
  return all;
}

/* A key of a vector.json object, null when absent (operator[] on a const
 * json must not be used with a missing key). */
inline const OJson &field(const OJson &o, const char *key) {
  static const OJson null_value;
  if (!o.is_object())
    return null_value;
  auto it = o.find(key);
  return it == o.end() ? null_value : *it;
}

inline bool is_sender_to_receiver(const Vector &v) {
  return v.meta.is_object() && v.meta.value("direction", "") == "sender->receiver";
}
inline bool is_reply(const Vector &v) {
  return v.meta.is_object() && v.meta.value("direction", "").rfind("receiver->sender", 0) == 0;
}
/* A data frame (as opposed to a terminate): vector.json describes its frame. */
inline bool is_frame(const Vector &v) { return is_sender_to_receiver(v) && field(v.meta, "frame").is_object(); }
inline bool is_jpeg(const Vector &v) {
  return v.meta.is_object() && v.meta.value("summary", "").find("JPEG") != std::string::npos;
}

/* Index of the part that holds NetGear's JSON: the one parts_as_text names
 * (part2 for the ROUTER view with the REQ envelope, part0 otherwise). */
inline int header_index(const Vector &v) {
  const OJson &pt = field(v.meta, "parts_as_text");
  if (!pt.is_object() || pt.size() != 1)
    return -1;
  std::string key = pt.begin().key();
  if (key.rfind("part", 0) != 0)
    return -1;
  return std::stoi(key.substr(4));
}

/* The NetGear(...) constructor call in "produced_by". */
inline std::string constructor_args(const Vector &v) {
  std::string p = v.meta.value("produced_by", "");
  auto b = p.find("NetGear(");
  if (b == std::string::npos)
    return "";
  auto e = p.find(')', b);
  return p.substr(b + 8, e == std::string::npos ? std::string::npos : e - b - 8);
}

/* The port the sender was constructed with, as the JSON value it becomes:
 * port=5577 -> 5577, port='5577' -> "5577". */
inline std::optional<OJson> constructor_port(const Vector &v) {
  std::smatch m;
  std::string args = constructor_args(v);
  static const std::regex re(R"((?:^|[ ,])port=('?)(\d+)\1(?:,|$))");
  if (!std::regex_search(args, m, re))
    return std::nullopt;
  if (m[1].length())
    return OJson(m[2].str());
  return OJson(std::stoll(m[2].str()));
}

inline std::optional<std::string> kwarg(const std::string &args, const std::string &key) {
  std::smatch m;
  std::regex re("(?:^|[ ,])" + key + "=([^,]+)");
  if (!std::regex_search(args, m, re))
    return std::nullopt;
  return m[1].str();
}

struct ExpectedCompression {
  bool dct, ups;
  std::string colorspace;
};

/* NetGear's JPEG settings from the constructor arguments; the defaults are
 * NetGear's (tests/data/README.md: BGR, fastdct True, fastupsample False). */
inline std::optional<ExpectedCompression> constructor_compression(const Vector &v) {
  if (!is_jpeg(v))
    return std::nullopt;
  std::string args = constructor_args(v);
  ExpectedCompression c{true, false, "BGR"};
  if (auto cs = kwarg(args, "jpeg_compression")) {
    std::string s = *cs;
    if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'')
      c.colorspace = s.substr(1, s.size() - 2);
  }
  if (auto d = kwarg(args, "jpeg_compression_fastdct"))
    c.dct = *d == "True";
  if (auto u = kwarg(args, "jpeg_compression_fastupsample"))
    c.ups = *u == "True";
  return c;
}

/* What the receiving client's return_data was when it wrote a bidirectional
 * reply, from the vector's notes; nullopt when the notes do not say it as
 * JSON (the ndarray reply). "nothing yet" is None -> null. */
inline std::optional<OJson> reply_return_data(const Vector &v) {
  static const std::string lead = "the client's return_data at the time of this reply: ";
  for (const auto &n : field(v.meta, "notes")) {
    if (!n.is_string())
      continue;
    const std::string &s = n.get_ref<const std::string &>();
    if (s.rfind(lead, 0) != 0)
      continue;
    std::string rest = s.substr(lead.size());
    if (rest == "nothing yet")
      return OJson(nullptr);
    try {
      return OJson::parse(rest);
    } catch (const OJson::exception &) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

} // namespace vectors
