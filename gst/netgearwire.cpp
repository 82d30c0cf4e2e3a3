/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: NetGear wire codec. See netgearwire.h. */
#include "netgearwire.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include <simdjson.h>

namespace netgear {

namespace {

/* Nesting deeper than this is refused: our printer recurses, and no camera
 * needs a message nested a hundred levels deep. */
constexpr int kMaxDepth = 100;
/* nlohmann's ordered_json finds keys by linear search, so an object of n
 * keys costs n^2 while parsing: a peer's 300,000-key header held the
 * receiving thread for a minute. No NetGear header or message needs more
 * keys. */
constexpr int kMaxKeys = 4096;

enum class NonFinite { NONE, NAN_, POS_INF, NEG_INF };

struct Token {
  const char *text;
  NonFinite kind;
};
constexpr Token kNonFiniteTokens[] = {
    {"-Infinity", NonFinite::NEG_INF},
    {"Infinity", NonFinite::POS_INF},
    {"NaN", NonFinite::NAN_},
};

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '+' || c == '-';
}

/* nlohmann's lexer, like every strict JSON parser, refuses Python's bare
 * NaN/Infinity. This pass (not a parser: it only knows where strings are)
 * swaps each such token outside strings for a marker string that the parse
 * callback turns back into the double. Returns false when there were none,
 * which is the common case and leaves `out` untouched. */
bool replace_non_finite(std::string_view text, const std::string &marker, std::string &out) {
  bool found = false;
  bool in_string = false;
  size_t copied = 0;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != 'N' && c != 'I' && c != '-')
      continue;
    if (i > 0 && is_word_char(text[i - 1]))
      continue;
    for (const Token &t : kNonFiniteTokens) {
      size_t n = strlen(t.text);
      if (text.compare(i, n, t.text) != 0)
        continue;
      if (i + n < text.size() && is_word_char(text[i + n]))
        continue;
      if (!found)
        out.reserve(text.size() + 32);
      found = true;
      out.append(text.substr(copied, i - copied));
      out += '"';
      out += "\\u0000";
      out += marker;
      out += static_cast<char>('0' + static_cast<int>(t.kind));
      out += '"';
      i += n - 1;
      copied = i + 1;
      break;
    }
  }
  if (found)
    out.append(text.substr(copied));
  return found;
}

/* Python's repr(float): the shortest digits that round-trip, in positional
 * notation when the decimal exponent is from -4 to 15, else as d.ddde+XX;
 * json.dumps writes NaN and +/-Infinity for the non-finite ones. */
void python_float_repr(double d, std::string &out) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "Infinity" : "-Infinity";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf); /* [-]d[.ddd]e(+|-)XX */
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  size_t e_pos = sci.find('e');
  int exp = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  std::string digits(1, sci[0]);
  if (e_pos > 1)
    digits.append(sci.substr(2, e_pos - 2));
  if (exp < -4 || exp > 15) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1, std::string::npos);
    }
    char e[16];
    snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += digits;
  } else {
    size_t int_len = static_cast<size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out += digits;
      out.append(int_len - digits.size(), '0');
      out += ".0";
    } else {
      out.append(digits, 0, int_len);
      out += '.';
      out.append(digits, int_len, std::string::npos);
    }
  }
}

/* Writes JSON text as Python's json.dumps does, appending to one string.
 * nlohmann's serializer escapes the strings (ensure_ascii, invalid UTF-8
 * replaced) and writes the other scalars; the ", " and ": " separators and
 * the floats are Python's. One serializer and one scratch string serve a
 * whole header: a frame's header costs no allocation once `out` and the
 * scratch have grown to size. */
class PyWriter {
public:
  explicit PyWriter(std::string &out)
      : out_(out), ser_(nlohmann::detail::output_adapter<char, std::string>(out), ' ', Json::error_handler_t::replace) {}
  /* Our own text, known to be JSON already (keys we name, separators). */
  void raw(std::string_view text) { out_.append(text); }
  void string(std::string_view s) {
    scratch_.get_ref<Json::string_t &>().assign(s);
    ser_.dump(scratch_, false, true, 0);
  }
  template <typename Int> void integer(Int i) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, i);
    out_.append(buf, static_cast<size_t>(res.ptr - buf));
  }
  void boolean(bool b) { out_.append(b ? "true" : "false"); }
  void value(const Json &v) {
    switch (v.type()) {
    case Json::value_t::object: {
      out_ += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first)
          out_ += ", ";
        first = false;
        string(it.key());
        out_ += ": ";
        value(it.value());
      }
      out_ += '}';
      break;
    }
    case Json::value_t::array: {
      out_ += '[';
      bool first = true;
      for (const auto &e : v) {
        if (!first)
          out_ += ", ";
        first = false;
        value(e);
      }
      out_ += ']';
      break;
    }
    case Json::value_t::number_float:
      python_float_repr(v.get<double>(), out_);
      break;
    default:
      ser_.dump(v, false, true, 0);
      break;
    }
  }

private:
  std::string &out_;
  nlohmann::detail::serializer<Json> ser_;
  Json scratch_ = Json::string_t();
};

bool get_u64(const Json &v, uint64_t *out) {
  if (v.is_number_unsigned()) {
    *out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    if (i < 0)
      return false;
    *out = static_cast<uint64_t>(i);
    return true;
  }
  return false;
}

bool get_i64(const Json &v, int64_t *out) {
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    *out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  return false;
}

bool valid_port_value(const Json &p) {
  return p.is_null() || p.is_number_integer() || p.is_string();
}

template <typename... Args> void set_detail(std::string *detail, Args &&...parts) {
  if (!detail)
    return;
  detail->clear();
  (detail->append(parts), ...);
}

bool decode_extension(const Json &g, Extension *ext, bool *newer, std::string *detail) {
  if (!g.is_object()) {
    set_detail(detail, "\"gst\" is not an object");
    return false;
  }
  auto get = [&](const char *key) -> const Json * {
    auto it = g.find(key);
    return it == g.end() ? nullptr : &*it;
  };
  uint64_t u;
  int64_t i;
  const Json *v = get("v");
  if (!v || !get_u64(*v, &u) || u < 1 || u > INT32_MAX) {
    set_detail(detail, "\"gst\" has no valid version \"v\"");
    return false;
  }
  ext->version = static_cast<int>(u);
  *newer = ext->version > kExtensionVersion;
  v = get("caps");
  if (!v || !v->is_string() || v->get_ref<const std::string &>().empty()) {
    set_detail(detail, "\"gst\" has no caps string");
    return false;
  }
  ext->caps = v->get<std::string>();
  if ((v = get("layout"))) {
    if (v->is_string() && *v == "packed")
      ext->layout = Layout::PACKED;
    else if (v->is_string() && *v == "default")
      ext->layout = Layout::DEFAULT;
    else {
      set_detail(detail, "\"gst\" has an unknown layout");
      return false;
    }
  }
  struct {
    const char *key;
    std::optional<uint64_t> *dst;
  } times[] = {{"pts", &ext->pts}, {"dts", &ext->dts}, {"dur", &ext->duration}};
  for (auto &t : times) {
    if ((v = get(t.key))) {
      if (!get_u64(*v, &u)) {
        set_detail(detail, "\"gst\" has a bad ", t.key);
        return false;
      }
      *t.dst = u;
    }
  }
  if ((v = get("flags"))) {
    if (!get_u64(*v, &u) || u > UINT32_MAX) {
      set_detail(detail, "\"gst\" has bad flags");
      return false;
    }
    ext->flags = static_cast<uint32_t>(u);
  }
  if ((v = get("seq"))) {
    if (!get_u64(*v, &ext->seq)) {
      set_detail(detail, "\"gst\" has a bad seq");
      return false;
    }
  }
  if ((v = get("stream"))) {
    /* Below 2^53, as our senders write it (a double holds it exactly);
     * the receiver keys its senders by it. */
    if (!get_u64(*v, &ext->stream) || ext->stream >= kStreamLimit) {
      set_detail(detail, "\"gst\" has a bad stream id");
      return false;
    }
  }
  if ((v = get("sent"))) {
    if (!get_i64(*v, &i)) {
      set_detail(detail, "\"gst\" has a bad send time");
      return false;
    }
    ext->sent_ns = i;
  }
  if ((v = get("ref"))) {
    /* Untrusted: an object with a caps string that names a timestamp
     * reference (the element parses it), a time and maybe a duration. */
    auto field = [&](const char *key) -> const Json * {
      if (!v->is_object())
        return nullptr;
      auto it = v->find(key);
      return it == v->end() ? nullptr : &*it;
    };
    Extension::Reference r;
    const Json *c = field("caps"), *t = field("t"), *d = field("dur");
    if (!c || !c->is_string() || c->get_ref<const std::string &>().size() > kReferenceCapsMax ||
        c->get_ref<const std::string &>().rfind(kReferenceCapsPrefix, 0) != 0 || !t ||
        !get_u64(*t, &r.timestamp) || (d && !get_u64(*d, &u))) {
      set_detail(detail, "\"gst\" has a bad reference timestamp");
      return false;
    }
    r.caps = c->get<std::string>();
    if (d)
      r.duration = u;
    ext->reference = std::move(r);
  }
  if ((v = get("clock"))) {
    if (!get_u64(*v, &u)) {
      set_detail(detail, "\"gst\" has a bad capture clock time");
      return false;
    }
    ext->capture_clock = u;
  }
  return true;
}

} // namespace

/* ---- JSON ---- */

namespace {

/* Which non-finite token a string stands for, when `marker` (the rewritten
 * text's marker, null when it has none) says it is one: U+0000, the marker
 * text, then the token's kind. */
NonFinite marker_kind(std::string_view s, const std::string *marker) {
  if (!marker || s.size() != marker->size() + 2 || s[0] != '\0' || s.substr(1, marker->size()) != *marker)
    return NonFinite::NONE;
  return static_cast<NonFinite>(s.back() - '0');
}

/* Forwards nlohmann's SAX events to its DOM builder and stops the parse
 * (returns false) as soon as something is refused or the text is not JSON,
 * keeping the reason instead of throwing it. Refused while parsing, before
 * the value exists: nesting deeper than kMaxDepth (our printer recurses),
 * more than kMaxKeys keys, and a non-finite marker used as a key. A marker
 * in a value's place becomes its double. */
class Sax {
public:
  using Dom = nlohmann::detail::json_sax_dom_parser<Json>;
  Sax(Dom &dom, const std::string *marker, std::string *error) : dom_(dom), marker_(marker), error_(error) {}
  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(Json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t &s) { return value() && dom_.number_float(v, s); }
  bool string(Json::string_t &v) {
    if (!value())
      return false;
    switch (marker_kind(v, marker_)) {
    case NonFinite::NAN_: return dom_.number_float(std::numeric_limits<double>::quiet_NaN(), v);
    case NonFinite::POS_INF: return dom_.number_float(std::numeric_limits<double>::infinity(), v);
    case NonFinite::NEG_INF: return dom_.number_float(-std::numeric_limits<double>::infinity(), v);
    default: return dom_.string(v);
    }
  }
  bool binary(Json::binary_t &v) { return value() && dom_.binary(v); }
  bool start_object(std::size_t n) {
    if (!value())
      return false;
    depth_++;
    return dom_.start_object(n);
  }
  bool key(Json::string_t &v) {
    if (depth_ > kMaxDepth)
      return refuse("nested too deeply");
    if (++keys_ > kMaxKeys)
      return refuse("too many keys");
    if (marker_kind(v, marker_) != NonFinite::NONE)
      return refuse("NaN or Infinity used as an object key");
    return dom_.key(v);
  }
  bool end_object() {
    depth_--;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    if (!value())
      return false;
    depth_++;
    return dom_.start_array(n);
  }
  bool end_array() {
    depth_--;
    return dom_.end_array();
  }
  bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &ex) {
    if (error_)
      *error_ = ex.what();
    return false;
  }
  bool refused() const { return refused_; }

private:
  /* A value (scalar or container) starts inside depth_ containers. */
  bool value() { return depth_ <= kMaxDepth || refuse("nested too deeply"); }
  bool refuse(const char *why) {
    refused_ = true;
    if (error_)
      *error_ = why;
    return false;
  }
  Dom &dom_;
  const std::string *marker_; /* null when the text had no non-finite token */
  std::string *error_;
  int depth_ = 0, keys_ = 0;
  bool refused_ = false;
};

/* The fast path: simdjson parses (with the value built, about half the
 * instructions of nlohmann on a frame header: docs/performance.md), and the
 * value is built with the checks
 * the Sax makes, in the same order, so that what is refused is the same.
 * Whatever simdjson does not take (not JSON, but also what nlohmann takes
 * and simdjson does not: integers beyond 64 bits, a byte order mark) goes
 * to nlohmann, which then decides, with its error message. */
class FastParser {
public:
  enum class Result { OK, REFUSED, UNDECIDED };
  Result parse(std::string_view text, const std::string *marker, Json *out, std::string *error) {
    /* simdjson reads up to SIMDJSON_PADDING bytes past the end. */
    padded_.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded_.data(), text.data(), text.size());
    simdjson::dom::element root;
    if (parser_.parse(padded_.data(), text.size(), false).get(root) != simdjson::SUCCESS)
      return Result::UNDECIDED;
    marker_ = marker;
    text_ = text;
    keys_ = 0;
    why_ = nullptr;
    undecided_ = false;
    if (build(root, 0, *out))
      return Result::OK;
    if (undecided_)
      return Result::UNDECIDED;
    if (error)
      *error = why_;
    return Result::REFUSED;
  }

private:
  bool refuse(const char *why) {
    why_ = why;
    return false;
  }
  bool undecided() {
    undecided_ = true;
    return false;
  }
  /* `depth`: the containers around the value, as the Sax counts them. */
  bool build(simdjson::dom::element e, int depth, Json &out) {
    using Type = simdjson::dom::element_type;
    if (depth > kMaxDepth)
      return refuse("nested too deeply");
    switch (e.type()) {
    case Type::OBJECT: {
      out = Json::object();
      /* The type is known: the value cannot fail. */
      simdjson::dom::object object = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair field : object) {
        if (depth + 1 > kMaxDepth)
          return refuse("nested too deeply");
        if (++keys_ > kMaxKeys)
          return refuse("too many keys");
        if (marker_kind(field.key, marker_) != NonFinite::NONE)
          return refuse("NaN or Infinity used as an object key");
        /* A key given twice keeps its first place and its last value, as
         * nlohmann's builder does. */
        if (!build(field.value, depth + 1, out[std::string(field.key)]))
          return false;
      }
      return true;
    }
    case Type::ARRAY: {
      out = Json::array();
      simdjson::dom::array array = e.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        out.push_back(nullptr);
        if (!build(item, depth + 1, out.back()))
          return false;
      }
      return true;
    }
    case Type::STRING: {
      std::string_view v = e.get_string().value_unsafe();
      switch (marker_kind(v, marker_)) {
      case NonFinite::NAN_: out = std::numeric_limits<double>::quiet_NaN(); return true;
      case NonFinite::POS_INF: out = std::numeric_limits<double>::infinity(); return true;
      case NonFinite::NEG_INF: out = -std::numeric_limits<double>::infinity(); return true;
      default: out = std::string(v); return true;
      }
    }
    case Type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      /* nlohmann keeps a number without a sign unsigned, and -0 signed:
       * which zero this is, only the text tells. */
      if (v == 0 && text_.find("-0") != std::string_view::npos)
        return undecided();
      if (v >= 0)
        out = static_cast<Json::number_unsigned_t>(v);
      else
        out = static_cast<Json::number_integer_t>(v);
      return true;
    }
    case Type::UINT64: {
      out = static_cast<Json::number_unsigned_t>(e.get_uint64().value_unsafe());
      return true;
    }
    case Type::DOUBLE: {
      out = e.get_double().value_unsafe();
      return true;
    }
    case Type::BOOL: {
      out = e.get_bool().value_unsafe();
      return true;
    }
    case Type::NULL_VALUE:
      out = nullptr;
      return true;
    }
    return undecided(); /* a kind of a later simdjson: nlohmann decides */
  }

  simdjson::dom::parser parser_;
  std::string padded_;
  const std::string *marker_ = nullptr;
  std::string_view text_;
  int keys_ = 0;
  const char *why_ = nullptr;
  bool undecided_ = false;
};

/* One per thread: simdjson's parser is not thread-safe, and it keeps its
 * buffers from one document to the next. */
FastParser &fast_parser() {
  thread_local FastParser parser;
  return parser;
}

std::optional<Json> parse(std::string_view text, std::string *error, bool fast) {
  /* The marker only has to differ from every string in `text`. A JSON string
   * can hold U+0000 only as the escape \u0000, so when the text has none the
   * fixed marker is safe; otherwise add a random tail. */
  std::string marker = "ngnf";
  if (text.find("\\u0000") != std::string_view::npos) {
    std::random_device rd;
    marker += std::to_string((static_cast<uint64_t>(rd()) << 32) | rd());
  }
  std::string rewritten;
  bool non_finite = replace_non_finite(text, marker, rewritten);
  std::string_view src = non_finite ? std::string_view(rewritten) : text;

  /* No exception may leave nlohmann here: a process that loaded libunwind
   * (GStreamer links it) next to libgcc_s's unwinder, as a Python program
   * importing zmq or cv2 before gi does, can abort on a C++ throw instead of
   * catching it, and this is where a remote peer's bytes arrive. So nlohmann
   * builds the value through its SAX interface with exceptions off, and a
   * refusal or a syntax error stops the parse by returning false. */
  Json result;
  nlohmann::detail::json_sax_dom_parser<Json> dom(result, /*allow_exceptions=*/false);
  std::string err;
  Sax sax(dom, non_finite ? &marker : nullptr, &err);
  bool parsed;
  try {
    /* A header's size at most: the parser keeps what it grew to. */
    if (fast && src.size() <= kMaxHeaderSize) {
      Json value;
      switch (fast_parser().parse(src, non_finite ? &marker : nullptr, &value, error)) {
      case FastParser::Result::OK:
        return value;
      case FastParser::Result::REFUSED:
        return std::nullopt;
      case FastParser::Result::UNDECIDED:
        break;
      }
    }
    parsed = Json::sax_parse(src.begin(), src.end(), &sax);
  } catch (const std::bad_alloc &) {
    if (error)
      *error = "out of memory";
    return std::nullopt;
  }
  if (!parsed || sax.refused() || dom.is_errored() || result.is_discarded()) {
    if (error)
      *error = err.empty() ? "not valid JSON" : err;
    return std::nullopt;
  }
  return result;
}

} // namespace

std::optional<Json> parse_json(std::string_view text, std::string *error) { return parse(text, error, true); }

namespace detail {
std::optional<Json> parse_json_reference(std::string_view text, std::string *error) {
  return parse(text, error, false);
}
} // namespace detail

void dump_json(const Json &value, std::string &out) { PyWriter(out).value(value); }

std::string dump_json(const Json &value) {
  std::string s;
  PyWriter(s).value(value);
  return s;
}

/* ---- frames ---- */

const char *drop_reason_name(DropReason r) {
  switch (r) {
  case DropReason::NONE: return "none";
  case DropReason::NOT_JSON: return "not-json";
  case DropReason::NOT_OBJECT: return "not-object";
  case DropReason::BAD_HEADER: return "bad-header";
  case DropReason::BAD_PARTS: return "bad-parts";
  case DropReason::SIZE_MISMATCH: return "size-mismatch";
  case DropReason::UNSUPPORTED: return "unsupported";
  case DropReason::BAD_EXTENSION: return "bad-extension";
  case DropReason::NOT_JPEG: return "not-jpeg";
  case DropReason::DUPLICATE: return "duplicate";
  case DropReason::EARLY_TERMINATE: return "early-terminate";
  case DropReason::QUEUE_FULL: return "queue-full";
  case DropReason::ENDED: return "after-end";
  case DropReason::NOT_LINKED: return "not-linked";
  case DropReason::AWAITING_KEYFRAME: return "awaiting-keyframe";
  case DropReason::OUT_OF_ORDER: return "out-of-order";
  case DropReason::N_REASONS: break;
  }
  return "unknown";
}

size_t dtype_itemsize(std::string_view dtype) {
  static const struct {
    const char *name;
    size_t size;
  } table[] = {{"uint8", 1},   {"int8", 1},    {"bool", 1},    {"uint16", 2},
               {"int16", 2},   {"float16", 2}, {"uint32", 4},  {"int32", 4},
               {"float32", 4}, {"uint64", 8},  {"int64", 8},   {"float64", 8}};
  for (const auto &e : table)
    if (dtype == e.name)
      return e.size;
  return 0;
}

bool shape_nbytes(const std::vector<uint64_t> &shape, size_t itemsize, uint64_t *out) {
  uint64_t n = itemsize;
  for (uint64_t d : shape) {
    if (d != 0 && n > UINT64_MAX / d)
      return false;
    n *= d;
  }
  *out = n;
  return true;
}

std::optional<Decoded> decode_message(std::string_view part0, size_t nparts, size_t payload_size,
                                      DropReason *reason, std::string *detail) {
  auto fail = [&](DropReason r) -> std::optional<Decoded> {
    if (reason)
      *reason = r;
    return std::nullopt;
  };
  if (nparts < 1 || nparts > 2) {
    set_detail(detail, "message has ", std::to_string(nparts), " parts");
    return fail(DropReason::BAD_PARTS);
  }
  if (part0.size() > kMaxHeaderSize) {
    /* Parsing costs ~17 times the text in memory: refuse before. */
    set_detail(detail, "header of ", std::to_string(part0.size()), " bytes, over the limit of ",
               std::to_string(kMaxHeaderSize));
    return fail(DropReason::BAD_HEADER);
  }
  std::string err;
  auto parsed = parse_json(part0, &err);
  if (!parsed) {
    set_detail(detail, "header is not JSON: ", err);
    return fail(DropReason::NOT_JSON);
  }
  const Json &j = *parsed;
  if (!j.is_object()) {
    set_detail(detail, "header is not a JSON object");
    return fail(DropReason::NOT_OBJECT);
  }
  auto find = [&](const char *key) -> const Json * {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  };

  Decoded out;
  const Json *port = find("port");
  if (port && !valid_port_value(*port)) {
    set_detail(detail, "\"port\" is neither a number nor a string");
    return fail(DropReason::BAD_HEADER);
  }
  const Json *tf = find("terminate_flag");
  if (!tf || !tf->is_boolean()) {
    set_detail(detail, "\"terminate_flag\" missing or not a boolean");
    return fail(DropReason::BAD_HEADER);
  }
  if (tf->get<bool>()) {
    if (nparts != 1) {
      set_detail(detail, "terminate message with ", std::to_string(nparts), " parts");
      return fail(DropReason::BAD_PARTS);
    }
    out.kind = Decoded::Kind::TERMINATE;
    out.port = port ? *port : Json();
    return out;
  }
  if (nparts != 2) {
    set_detail(detail, "frame message with ", std::to_string(nparts), " part(s)");
    return fail(DropReason::BAD_PARTS);
  }

  FrameHeader &h = out.frame;
  h.port = port ? *port : Json();
  const Json *comp = find("compression");
  if (!comp || !(comp->is_object() || (comp->is_boolean() && !comp->get<bool>()))) {
    set_detail(detail, "\"compression\" missing or neither false nor an object");
    return fail(DropReason::BAD_HEADER);
  }
  if (comp->is_object()) {
    Compression c;
    auto cs = comp->find("colorspace");
    auto dct = comp->find("dct");
    auto ups = comp->find("ups");
    if (cs == comp->end() || !cs->is_string() || (dct != comp->end() && !dct->is_boolean()) ||
        (ups != comp->end() && !ups->is_boolean())) {
      set_detail(detail, "\"compression\" object has bad keys");
      return fail(DropReason::BAD_HEADER);
    }
    c.colorspace = cs->get<std::string>();
    c.dct = dct != comp->end() && dct->get<bool>();
    c.ups = ups != comp->end() && ups->get<bool>();
    h.compression = c;
  }
  if (const Json *m = find("message"))
    h.message = *m;
  if (const Json *p = find("pattern")) {
    if (p->is_string())
      h.pattern = p->get<std::string>();
    else if (p->is_number_integer())
      h.pattern = std::to_string(p->get<int64_t>());
  }

  const Json *dtype = find("dtype");
  const Json *shape = find("shape");
  if (h.compression) {
    /* NetGear writes "" for both; the picture size is inside the JPEG. */
    if (payload_size == 0) {
      set_detail(detail, "compressed frame with an empty payload");
      return fail(DropReason::SIZE_MISMATCH);
    }
  } else {
    if (!dtype || !dtype->is_string()) {
      set_detail(detail, "\"dtype\" missing or not a string");
      return fail(DropReason::BAD_HEADER);
    }
    h.dtype = dtype->get<std::string>();
    size_t itemsize = dtype_itemsize(h.dtype);
    if (itemsize == 0) {
      set_detail(detail, "unknown dtype \"", h.dtype, "\"");
      return fail(DropReason::UNSUPPORTED);
    }
    if (!shape || !shape->is_array() || shape->empty() || shape->size() > 4) {
      set_detail(detail, "\"shape\" missing or not an array of 1 to 4 dimensions");
      return fail(DropReason::BAD_HEADER);
    }
    for (const Json &d : *shape) {
      uint64_t v;
      if (!get_u64(d, &v)) {
        set_detail(detail, "\"shape\" holds a value that is not a size");
        return fail(DropReason::BAD_HEADER);
      }
      h.shape.push_back(v);
    }
    uint64_t nbytes = 0;
    bool fits = shape_nbytes(h.shape, itemsize, &nbytes);
    if (!fits || nbytes != payload_size) {
      set_detail(detail, "dtype/shape describe ", fits ? std::to_string(nbytes) : std::string("over 2^64"),
                 " bytes, payload has ", std::to_string(payload_size));
      return fail(DropReason::SIZE_MISMATCH);
    }
  }

  if (const Json *g = find(kExtensionKey)) {
    Extension ext;
    if (!decode_extension(*g, &ext, &h.ext_newer, detail))
      return fail(DropReason::BAD_EXTENSION);
    h.ext = std::move(ext);
  }
  return out;
}

void encode_frame_header(const FrameDescription &d, std::string &out) {
  /* Written straight out, NetGear's keys in NetGear's order (vidgear's
   * server builds the same dict), rather than built as a tree and then
   * printed: this runs for every frame. */
  out.clear();
  PyWriter w(out);
  w.raw("{\"port\": ");
  w.value(d.port);
  w.raw(", \"terminate_flag\": false, \"compression\": ");
  if (d.compression) {
    w.raw("{\"dct\": ");
    w.boolean(d.compression->dct);
    w.raw(", \"ups\": ");
    w.boolean(d.compression->ups);
    w.raw(", \"colorspace\": ");
    w.string(d.compression->colorspace);
    w.raw("}");
  } else {
    w.raw("false");
  }
  w.raw(", \"message\": ");
  w.value(d.message);
  w.raw(", \"pattern\": \"");
  w.integer(d.pattern);
  w.raw("\"");
  if (d.compression) {
    w.raw(", \"dtype\": \"\", \"shape\": \"\"");
  } else {
    w.raw(", \"dtype\": ");
    w.string(d.dtype);
    w.raw(", \"shape\": [");
    for (size_t i = 0; i < d.shape.size(); i++) {
      if (i)
        w.raw(", ");
      w.integer(d.shape[i]);
    }
    w.raw("]");
  }
  if (d.ext) {
    const Extension &e = *d.ext;
    w.raw(", \"");
    w.raw(kExtensionKey);
    w.raw("\": {\"v\": ");
    w.integer(e.version);
    w.raw(", \"caps\": ");
    w.string(e.caps);
    if (e.layout == Layout::PACKED)
      w.raw(", \"layout\": \"packed\"");
    const struct {
      const char *key;
      const std::optional<uint64_t> &value;
    } times[] = {{", \"pts\": ", e.pts}, {", \"dts\": ", e.dts}, {", \"dur\": ", e.duration}};
    for (const auto &t : times) {
      if (t.value) {
        w.raw(t.key);
        w.integer(*t.value);
      }
    }
    if (e.flags) {
      w.raw(", \"flags\": ");
      w.integer(e.flags);
    }
    w.raw(", \"seq\": ");
    w.integer(e.seq);
    w.raw(", \"stream\": ");
    w.integer(e.stream);
    if (e.sent_ns) {
      w.raw(", \"sent\": ");
      w.integer(*e.sent_ns);
    }
    if (e.reference) {
      w.raw(", \"ref\": {\"caps\": ");
      w.string(e.reference->caps);
      w.raw(", \"t\": ");
      w.integer(e.reference->timestamp);
      if (e.reference->duration) {
        w.raw(", \"dur\": ");
        w.integer(*e.reference->duration);
      }
      w.raw("}");
    }
    if (e.capture_clock) {
      w.raw(", \"clock\": ");
      w.integer(*e.capture_clock);
    }
    w.raw("}");
  }
  w.raw("}");
}

std::string encode_terminate(const Json &port) {
  Json j;
  j["terminate_flag"] = true;
  j["port"] = port;
  return dump_json(j);
}

/* ---- replies ---- */

std::string plain_reply(std::string_view device_id) {
  std::string s = "Data received on device: ";
  s.append(device_id);
  s += " !";
  return s;
}

const char *python_type_name(const Json &v) {
  switch (v.type()) {
  case Json::value_t::string: return "str";
  case Json::value_t::object: return "dict";
  case Json::value_t::array: return "list";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned: return "int";
  case Json::value_t::number_float: return "float";
  case Json::value_t::boolean: return "bool";
  default: return "NoneType";
  }
}

std::string encode_bidir_reply(const Json &data) {
  Json j;
  j["return_type"] = python_type_name(data);
  j["data"] = data;
  return dump_json(j);
}

/* ---- control ---- */

std::string encode_control(const Control &c) {
  Json gst = Json::object();
  if (c.force_key_unit)
    gst["force-key-unit"] = true;
  Json j;
  j[kExtensionKey] = std::move(gst);
  return dump_json(j);
}

bool decode_control(std::string_view text, Control *out) {
  *out = Control{};
  /* Small, and an object: anything else is not ours to parse. */
  if (text.empty() || text.front() != '{' || text.size() > 4096)
    return false;
  auto j = parse_json(text);
  if (!j || !j->is_object() || j->size() != 1)
    return false;
  auto gst = j->find(kExtensionKey);
  if (gst == j->end() || !gst->is_object())
    return false;
  auto fku = gst->find("force-key-unit");
  if (fku != gst->end()) {
    if (!fku->is_boolean())
      return false;
    out->force_key_unit = fku->get<bool>();
  }
  return true;
}

Reply decode_reply(std::string_view part0, size_t nparts) {
  Reply r;
  if (nparts == 1 && part0 == kTerminateReply) {
    r.kind = Reply::Kind::TERMINATE;
    return r;
  }
  if (part0.empty() || part0.front() != '{')
    return r;
  auto j = parse_json(part0);
  if (!j || !j->is_object())
    return r;
  auto rt = j->find("return_type");
  auto data = j->find("data");
  if (rt == j->end() || !rt->is_string() || data == j->end())
    return r;
  r.return_type = rt->get<std::string>();
  if (*rt == "ndarray" && nparts == 2) {
    r.kind = Reply::Kind::BIDIR_ARRAY;
    r.data = std::move(*j);
  } else {
    r.kind = Reply::Kind::BIDIR;
    r.data = *data;
  }
  return r;
}

} // namespace netgear
