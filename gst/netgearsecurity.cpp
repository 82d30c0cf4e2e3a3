/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* gst-netgear: CURVE security. See netgearsecurity.h. */
#include "netgearsecurity.h"

#include <glib.h>
#include <zmq.h>

#include <algorithm>
#include <cstring>

namespace netgear {

namespace {

std::string trim(const std::string &s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos)
    return {};
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

std::vector<std::string> split_list(const std::string &text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',' || c == ';' || c == '\n') {
      std::string t = trim(cur);
      if (!t.empty())
        out.push_back(t);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

bool is_dir(const std::string &p) { return g_file_test(p.c_str(), G_FILE_TEST_IS_DIR); }

std::string join(const std::string &a, const std::string &b) {
  gchar *p = g_build_filename(a.c_str(), b.c_str(), nullptr);
  std::string s = p;
  g_free(p);
  return s;
}

/* Every public key in the certificates of a directory (*.key, as vidgear
 * and pyzmq name public certificates; *.key_secret too, for its public
 * half). */
bool keys_of_dir(const std::string &dir, std::set<std::string> *keys, std::string *error) {
  GError *err = nullptr;
  GDir *d = g_dir_open(dir.c_str(), 0, &err);
  if (!d) {
    *error = "cannot read the directory " + dir + ": " + err->message;
    g_error_free(err);
    return false;
  }
  size_t before = keys->size();
  while (const gchar *name = g_dir_read_name(d)) {
    std::string n = name;
    bool pub = n.size() > 4 && n.compare(n.size() - 4, 4, ".key") == 0;
    if (!pub)
      continue;
    std::string key, why;
    if (!load_certificate(join(dir, n), &key, nullptr, &why)) {
      g_dir_close(d);
      *error = why;
      return false;
    }
    keys->insert(key);
  }
  g_dir_close(d);
  if (keys->size() == before) {
    *error = "no public key certificate (*.key) in " + dir;
    return false;
  }
  return true;
}

} // namespace

void SecurityConfig::wipe() {
  std::fill(secret_key.begin(), secret_key.end(), '\0');
  secret_key.clear();
}

bool valid_z85_key(const std::string &key) {
  if (key.size() != 40)
    return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, key.c_str()) != nullptr;
}

std::string z85_of(const std::string &raw32) {
  if (raw32.size() != 32)
    return {};
  char text[41];
  if (!zmq_z85_encode(text, reinterpret_cast<const uint8_t *>(raw32.data()), 32))
    return {};
  return std::string(text, 40);
}

bool parse_certificate(const std::string &text, std::string *public_key, std::string *secret_key,
                       std::string *error) {
  std::string pub, sec;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty() || line[0] == '#')
      continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    std::string name = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (name == "public-key")
      pub = value;
    else if (name == "secret-key")
      sec = value;
  }
  if (!valid_z85_key(pub)) {
    *error = "no valid public-key in it";
    return false;
  }
  if (secret_key) {
    if (!valid_z85_key(sec)) {
      *error = "no valid secret-key in it (a public certificate, .key, where a secret one, .key_secret, is needed?)";
      std::fill(sec.begin(), sec.end(), '\0');
      return false;
    }
    *secret_key = sec;
  }
  std::fill(sec.begin(), sec.end(), '\0');
  *public_key = pub;
  return true;
}

bool load_certificate(const std::string &path, std::string *public_key, std::string *secret_key, std::string *error) {
  gchar *contents = nullptr;
  gsize len = 0;
  GError *err = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &len, &err)) {
    *error = std::string("cannot read ") + path + ": " + err->message;
    g_error_free(err);
    return false;
  }
  std::string text(contents, len);
  memset(contents, 0, len);
  g_free(contents);
  std::string why;
  bool ok = parse_certificate(text, public_key, secret_key, &why);
  std::fill(text.begin(), text.end(), '\0');
  if (!ok)
    *error = "certificate " + path + ": " + why;
  return ok;
}

std::string find_keys_dir(const std::string &dir) {
  for (const std::string &cand : {dir, join(dir, "keys"), join(join(dir, ".vidgear"), "keys")}) {
    if (is_dir(join(cand, "public_keys")) && is_dir(join(cand, "private_keys")))
      return cand;
  }
  return {};
}

bool resolve_security(const SecuritySettings &s, Role role, SecurityConfig *out, std::string *error) {
  *out = SecurityConfig();
  out->mode = s.mode;
  if (s.mode < SECURE_NONE || s.mode > SECURE_IRONHOUSE) {
    *error = "property 'secure-mode' is " + std::to_string(s.mode) + ": use none, stonehouse or ironhouse";
    return false;
  }
  if (role == Role::RECEIVER) {
    for (const std::string &a : split_list(s.allowed_addresses))
      out->allowed_addresses.push_back(a);
  }
  if (s.mode == SECURE_NONE)
    return true;

  const bool receiver = role == Role::RECEIVER;
  std::string keys;
  if (!s.keys_dir.empty()) {
    keys = find_keys_dir(s.keys_dir);
    if (keys.empty()) {
      *error = "property 'keys-dir' is \"" + s.keys_dir +
               "\", which holds no public_keys/ and private_keys/ (vidgear's layout), nor keys/ or .vidgear/keys/ "
               "that do";
      return false;
    }
  }
  /* Own key pair. */
  if (!s.public_key.empty() || !s.secret_key.empty()) {
    if (!valid_z85_key(s.public_key) || !valid_z85_key(s.secret_key)) {
      *error = "properties 'public-key' and 'secret-key' must both be set, each 40 characters of Z85";
      return false;
    }
    out->public_key = s.public_key;
    out->secret_key = s.secret_key;
  } else {
    std::string cert = s.certificate;
    if (cert.empty() && !keys.empty())
      cert = join(join(keys, "private_keys"), receiver ? "server.key_secret" : "client.key_secret");
    if (cert.empty()) {
      *error = "secure-mode needs this element's key pair: set 'keys-dir', 'certificate', or 'public-key' and "
               "'secret-key'";
      return false;
    }
    if (!load_certificate(cert, &out->public_key, &out->secret_key, error))
      return false;
  }
  if (!receiver) {
    if (!s.server_key.empty()) {
      if (!valid_z85_key(s.server_key)) {
        *error = "property 'server-key' is not 40 characters of Z85";
        return false;
      }
      out->server_key = s.server_key;
    } else {
      std::string cert = s.server_certificate;
      if (cert.empty() && !keys.empty())
        cert = join(join(keys, "public_keys"), "server.key");
      if (cert.empty()) {
        *error = "secure-mode needs the receiver's public key: set 'keys-dir', 'server-certificate' or "
                 "'server-key'";
        return false;
      }
      if (!load_certificate(cert, &out->server_key, nullptr, error))
        return false;
    }
    return true;
  }
  if (s.mode == SECURE_IRONHOUSE) {
    for (const std::string &item : split_list(s.allowed_keys)) {
      if (valid_z85_key(item)) {
        out->allowed_keys.insert(item);
      } else if (is_dir(item)) {
        if (!keys_of_dir(item, &out->allowed_keys, error))
          return false;
      } else {
        std::string key;
        if (!g_file_test(item.c_str(), G_FILE_TEST_EXISTS)) {
          *error = "property 'allowed-keys' holds \"" + item +
                   "\", which is neither a Z85 key (40 characters) nor a file or directory";
          return false;
        }
        if (!load_certificate(item, &key, nullptr, error))
          return false;
        out->allowed_keys.insert(key);
      }
    }
    if (s.allowed_keys.empty() && !keys.empty() && !keys_of_dir(join(keys, "public_keys"), &out->allowed_keys, error))
      return false;
    if (out->allowed_keys.empty()) {
      *error = "secure-mode=ironhouse admits only listed senders: set 'allowed-keys' (keys, certificates or "
               "directories) or 'keys-dir'";
      return false;
    }
  }
  return true;
}

ZapVerdict zap_decide(const SecurityConfig &cfg, const std::string &mechanism, const std::string &address,
                      const std::string &credential) {
  ZapVerdict v;
  if (!cfg.allowed_addresses.empty() &&
      std::find(cfg.allowed_addresses.begin(), cfg.allowed_addresses.end(), address) == cfg.allowed_addresses.end()) {
    v.reason = "address " + address + " is not in allowed-addresses";
    return v;
  }
  if (cfg.mode == SECURE_NONE) {
    v.allowed = mechanism == "NULL";
    if (!v.allowed)
      v.reason = "mechanism " + mechanism + " where none is configured";
    return v;
  }
  if (mechanism != "CURVE") {
    v.reason = "no CURVE security (mechanism " + mechanism + ")";
    return v;
  }
  if (cfg.mode == SECURE_IRONHOUSE) {
    std::string key = z85_of(credential);
    if (key.empty() || !cfg.allowed_keys.count(key)) {
      v.reason = "client key " + (key.empty() ? std::string("(malformed)") : key) + " is not in the allowed keys";
      return v;
    }
  }
  v.allowed = true;
  return v;
}

} // namespace netgear
