/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: NetGear wire codec.
 *
 * Pure functions from bytes to structs and back: no sockets, no GStreamer.
 * Everything a peer sends is untrusted; decode_* validate every field they
 * return, and a failure names a DropReason so the caller can count it.
 * See docs/protocol.md for the format, NetGear's own and ours, and where we
 * depart from NetGear (#fault-1 to #fault-10); the vidgear messages captured
 * in tests/data/vectors are the ground truth.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace netgear {

/* ordered_json: NetGear and Python keep insertion order, and so must a
 * message that goes through us. */
using Json = nlohmann::ordered_json;

/* ---- JSON as Python's json module writes and reads it ---- */

/* Parses like Python's json.loads: standard JSON plus the bare NaN, Infinity
 * and -Infinity tokens json.dumps writes for non-finite floats. */
std::optional<Json> parse_json(std::string_view text, std::string *error = nullptr);
namespace detail {
/* parse_json() with nlohmann alone, without the simdjson fast path: the
 * unit tests hold the two to the same results. */
std::optional<Json> parse_json_reference(std::string_view text, std::string *error = nullptr);
} // namespace detail

/* Writes like Python's json.dumps with default arguments: ", " and ": "
 * separators, non-ASCII escaped as \uXXXX, NaN/Infinity as bare tokens. */
void dump_json(const Json &value, std::string &out);
std::string dump_json(const Json &value);

/* ---- messages ---- */

enum class DropReason {
  NONE = 0,
  NOT_JSON,         /* part 0 does not parse */
  NOT_OBJECT,       /* part 0 is JSON but not an object */
  BAD_HEADER,       /* a NetGear key is missing or has the wrong type */
  BAD_PARTS,        /* wrong number of parts for the message kind */
  SIZE_MISMATCH,    /* dtype/shape or caps disagree with the payload size */
  UNSUPPORTED,      /* well formed, but no GStreamer caps for it */
  BAD_EXTENSION,    /* our "gst" key is present but malformed */
  NOT_JPEG,         /* "compression" says JPEG, the payload is none */
  DUPLICATE,        /* a re-sent frame we already delivered */
  EARLY_TERMINATE,  /* a terminate from a sender with no frame since it connected */
  QUEUE_FULL,       /* dropped for a slow downstream (PUB/SUB) */
  ENDED,            /* arrived after the receiver ended its stream */
  NOT_LINKED,       /* its pad is not linked */
  AWAITING_KEYFRAME, /* a delta frame after a loss, before the next keyframe */
  OUT_OF_ORDER,      /* timestamp-mode=sender*: captured before the frame pushed last, or before the start */
  N_REASONS
};
const char *drop_reason_name(DropReason r);

/* NetGear's JPEG settings, present when a frame is a JPEG bitstream. */
struct Compression {
  bool dct = false;
  bool ups = false;
  std::string colorspace = "BGR";
};

/* The extension key ("gst") that carries what GStreamer needs between two of
 * our elements. vidgear ignores it. */
constexpr int kExtensionVersion = 3;
/* The first version whose senders take control messages (a version-1
 * netgearsink took any message up its XPUB for a receiver leaving). */
constexpr int kControlVersion = 2;
constexpr const char *kExtensionKey = "gst";
constexpr uint64_t kStreamLimit = uint64_t{1} << 53;

enum class Layout {
  DEFAULT, /* GStreamer's default strides/offsets for the caps */
  PACKED,  /* rows without padding (what numpy/vidgear expect) */
};

struct Extension {
  int version = kExtensionVersion;
  std::string caps;                     /* fixed caps, gst_caps_to_string() */
  Layout layout = Layout::DEFAULT;      /* meaningful for video/x-raw only */
  std::optional<uint64_t> pts, dts, duration;
  uint32_t flags = 0;                   /* GstBufferFlags that travel */
  uint64_t seq = 0;                     /* per-stream sequence number */
  uint64_t stream = 0;                  /* random per sender start, below kStreamLimit */
  std::optional<int64_t> sent_ns;       /* sender's CLOCK_REALTIME at send */
  /* Version 3: when the frame was captured. `reference` is a
   * GstReferenceTimestampMeta as the receiver re-creates it (its caps name
   * the clock, e.g. timestamp/x-unix); `capture_clock` is the capture time
   * in the sender pipeline's clock (base time + running time of the PTS),
   * meaningful to a receiver on the same clock. */
  struct Reference {
    std::string caps; /* "timestamp/..." */
    uint64_t timestamp = 0;
    std::optional<uint64_t> duration;
  };
  std::optional<Reference> reference;
  std::optional<uint64_t> capture_clock;
};
/* A reference's caps, as the codec accepts them (the element parses them). */
constexpr size_t kReferenceCapsMax = 256;
constexpr const char *kReferenceCapsPrefix = "timestamp/";
constexpr const char *kUnixReference = "timestamp/x-unix";
constexpr const char *kNtpReference = "timestamp/x-ntp";

struct FrameHeader {
  Json port;                            /* as the sender declared it; null if absent */
  std::optional<Compression> compression;
  Json message;                         /* null when none */
  std::string pattern;                  /* informational, "1"/"2" */
  std::string dtype;                    /* "" when compressed */
  std::vector<uint64_t> shape;          /* empty when compressed */
  std::optional<Extension> ext;
  bool ext_newer = false;               /* ext version above ours: known keys used */
};

struct Decoded {
  enum class Kind { FRAME, TERMINATE } kind = Kind::FRAME;
  FrameHeader frame;                    /* for FRAME */
  Json port;                            /* for TERMINATE: declared port, may be null */
};

/* Largest part 0 (JSON header, message included) a receiver parses. */
constexpr size_t kMaxHeaderSize = 256 * 1024;

/* Decodes a sender -> receiver message. `nparts` is the number of message
 * parts, `payload_size` the size of part 1 (ignored unless nparts == 2).
 * Checks that dtype/shape agree with the payload and that the extension is
 * well formed; the caps-level checks belong to netgearformat. */
std::optional<Decoded> decode_message(std::string_view part0, size_t nparts, size_t payload_size,
                                      DropReason *reason, std::string *detail);

/* Byte size of one element of a numpy dtype name, 0 if unknown. */
size_t dtype_itemsize(std::string_view dtype);

/* Product of the shape times the item size, false on overflow. */
bool shape_nbytes(const std::vector<uint64_t> &shape, size_t itemsize, uint64_t *out);

/* What a sender writes. */
struct FrameDescription {
  Json port;
  std::optional<Compression> compression;
  Json message;                          /* null when none */
  int pattern = 1;
  std::string dtype;                     /* ignored when compressed */
  std::vector<uint64_t> shape;           /* ignored when compressed */
  std::optional<Extension> ext;
};

/* Writes part 0 of a frame, NetGear's keys in NetGear's order, the extension
 * last. Reuses `out`'s storage. */
void encode_frame_header(const FrameDescription &d, std::string &out);
std::string encode_terminate(const Json &port);

/* ---- replies (receiver -> sender, pattern 1) ---- */

constexpr const char *kTerminateReply = "Termination signal successfully received at client!";
std::string plain_reply(std::string_view device_id);

/* Bidirectional reply: {"return_type": <Python type name>, "data": value}. */
std::string encode_bidir_reply(const Json &data);
const char *python_type_name(const Json &value);

struct Reply {
  enum class Kind { PLAIN, TERMINATE, BIDIR, BIDIR_ARRAY } kind = Kind::PLAIN;
  Json data;              /* BIDIR: the value; BIDIR_ARRAY: the header object */
  std::string return_type; /* BIDIR*: the Python type name the receiver gave */
};
/* Classifies what a receiver answered. Never fails: bytes that are neither a
 * terminate acknowledgement nor a bidirectional JSON reply are PLAIN. */
Reply decode_reply(std::string_view part0, size_t nparts);

/* ---- control (receiver -> one of our senders, never a vidgear peer) ----
 * A one-part message {"gst": {"force-key-unit": true}}: pattern 1 adds it as
 * the last part of a reply, pattern 2 sends it up from the receiver's XSUB
 * to the sender's XPUB (its first byte, '{', is not a subscription's 0 or
 * 1). Keys it does not know are ignored, for later versions. */
struct Control {
  bool force_key_unit = false; /* send a keyframe soon */
};
std::string encode_control(const Control &c);
/* False when `text` is not a control message; a control with nothing we
 * know in it decodes to an empty Control. */
bool decode_control(std::string_view text, Control *out);

} // namespace netgear
