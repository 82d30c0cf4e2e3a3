/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: CURVE security for the connection layer.
 *
 * NetGear's secure mode, done so that it works: the receiver (which binds)
 * is the CURVE server and answers ZAP, the ZeroMQ authentication protocol,
 * itself; each sender (which connects) is a CURVE client that knows the
 * receiver's public key. StoneHouse admits any client key (the link is
 * still encrypted, and a sender must know the receiver's key), IronHouse
 * only the public keys in an allowed set. An IP allow-list can be added in
 * any mode.
 *
 * Keys are Z85 text (40 characters for 32 bytes), given as such or read
 * from ZeroMQ certificate files (what pyzmq's zmq.auth.create_certificates
 * and czmq's zcert write, and vidgear keeps in its keys directory).
 * Nothing here logs a secret key.
 */
#pragma once

#include <set>
#include <string>
#include <vector>

namespace netgear {

enum SecureMode { SECURE_NONE = 0, SECURE_STONEHOUSE = 1, SECURE_IRONHOUSE = 2 };

struct SecurityConfig {
  int mode = SECURE_NONE;
  std::string public_key; /* own key pair, Z85 */
  std::string secret_key;
  std::string server_key;          /* sender: the receiver's public key, Z85 */
  std::set<std::string> allowed_keys;  /* receiver, IronHouse: client public keys, Z85 */
  std::vector<std::string> allowed_addresses; /* receiver: peer IPs; empty = any */
  bool active() const { return mode != SECURE_NONE || !allowed_addresses.empty(); }
  void wipe(); /* overwrites the secret key's bytes */
  SecurityConfig() = default;
  SecurityConfig(const SecurityConfig &) = default;
  SecurityConfig &operator=(const SecurityConfig &) = default;
  ~SecurityConfig() { wipe(); }
};

/* What the user gave, as the properties hold it; resolved at start. */
struct SecuritySettings {
  int mode = SECURE_NONE;
  std::string keys_dir;     /* vidgear's layout */
  std::string certificate;  /* own certificate file (with its secret key) */
  std::string public_key, secret_key;
  std::string server_key, server_certificate; /* sender */
  std::string allowed_keys;      /* receiver: comma-separated keys, files, directories */
  std::string allowed_addresses; /* receiver: comma-separated IPs */
};

enum class Role { SENDER, RECEIVER };

/* Whether `key` is a 40-character Z85 text of a 32-byte key. */
bool valid_z85_key(const std::string &key);

/* Reads the public and (if present) secret key of a ZeroMQ certificate
 * (ZPL text: `public-key = "..."` and `secret-key = "..."` under `curve`).
 * `secret` may be null. False with `error` when the file cannot be read or
 * holds no valid public key (or no valid secret key when one is asked). */
bool parse_certificate(const std::string &text, std::string *public_key, std::string *secret_key, std::string *error);
bool load_certificate(const std::string &path, std::string *public_key, std::string *secret_key, std::string *error);

/* Where vidgear's keys are under `dir`: `dir` itself when it holds
 * public_keys/ and private_keys/, else dir/keys, else dir/.vidgear/keys
 * (what vidgear's custom_cert_location becomes). Empty when none. */
std::string find_keys_dir(const std::string &dir);

/* Turns the settings into keys, reading files. Precedence, per key:
 * explicit Z85 text, then the certificate file, then keys-dir (a vidgear
 * receiver is the holder of server.key_secret, a vidgear sender of
 * client.key_secret and server.key; IronHouse allows every public key in
 * public_keys/, as vidgear does). False with a sentence naming the
 * property when something is missing or unreadable. */
bool resolve_security(const SecuritySettings &s, Role role, SecurityConfig *out, std::string *error);

/* The ZAP decision for one handshake (receiver). `mechanism` is "NULL" or
 * "CURVE", `credential` the client's 32-byte public key for CURVE. */
struct ZapVerdict {
  bool allowed = false;
  std::string reason; /* why not, for the bus; names no secret */
};
ZapVerdict zap_decide(const SecurityConfig &cfg, const std::string &mechanism, const std::string &address,
                      const std::string &credential);

/* Z85 text of 32 raw bytes. */
std::string z85_of(const std::string &raw32);

} // namespace netgear
