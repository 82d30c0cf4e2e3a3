/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear unit tests: small helpers on top of GLib's test framework.
 *
 * Assertions are non-fatal (g_test_set_nonfatal_assertions in main): a failed
 * subtest is reported in the TAP stream and the run goes on with the next one,
 * so one codec bug does not hide the results of every later test. Each test
 * body runs inside a try block: an exception (a nlohmann type error after a
 * failed check, a bad optional access) fails that subtest only. Use REQUIRE
 * where going on after a failure would read out of bounds. */
#pragma once

#include <glib.h>

#include <cmath>
#include <deque>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace unit {

using OJson = nlohmann::ordered_json;

inline void fail_msg(const char *file, int line, const char *func, const std::string &msg) {
  g_assertion_message(G_LOG_DOMAIN, file, line, func, msg.c_str());
}

inline std::string escaped(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else {
      char buf[8];
      g_snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

inline std::string show(const OJson &j) {
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    return std::isnan(j.get<double>()) ? "NaN" : (j.get<double>() > 0 ? "Infinity" : "-Infinity");
  return j.dump(-1, ' ', false, OJson::error_handler_t::replace) + " (" + j.type_name() + ")";
}

struct Registered {
  std::function<void()> body;
};

inline std::deque<Registered> &registry() {
  static std::deque<Registered> r;
  return r;
}

inline void trampoline(gconstpointer p) {
  const auto *r = static_cast<const Registered *>(p);
  try {
    r->body();
  } catch (const std::exception &e) {
    std::string m = std::string("exception: ") + e.what();
    g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, "test", m.c_str());
  } catch (...) {
    g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, "test", "unknown exception");
  }
}

inline void add(const std::string &path, std::function<void()> body) {
  registry().push_back({std::move(body)});
  g_test_add_data_func(path.c_str(), &registry().back(), trampoline);
}

/* A path component from free text ('/' would start a new level). */
inline std::string component(std::string s) {
  for (char &c : s)
    if (c == '/' || c == ' ')
      c = '_';
  return s;
}

} // namespace unit

#define REQUIRE(cond)                                                                              \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      unit::fail_msg(__FILE__, __LINE__, G_STRFUNC, "required: " #cond);                         \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

/* JSON equality, which also tells 5577 from "5577". */
#define ASSERT_JSON_EQ(a, b)                                                                       \
  do {                                                                                             \
    const unit::OJson &a_ = (a);                                                                   \
    const unit::OJson &b_ = (b);                                                                   \
    if (!(a_ == b_))                                                                               \
      unit::fail_msg(__FILE__, __LINE__, G_STRFUNC,                                                \
                     std::string("JSON values differ: " #a " = ") + unit::show(a_) + ", " #b " = " + \
                         unit::show(b_));                                                          \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
  do {                                                                                             \
    const std::string a_ = (a);                                                                    \
    const std::string b_ = (b);                                                                    \
    if (a_ != b_)                                                                                  \
      unit::fail_msg(__FILE__, __LINE__, G_STRFUNC,                                                \
                     std::string("strings differ:\n#   " #a " = \"") + unit::escaped(a_) +         \
                         "\"\n#   " #b " = \"" + unit::escaped(b_) + "\"");                        \
  } while (0)
