/* SPDX-License-Identifier: LGPL-2.1-or-later
 * Copyright (C) 2026 the gst-netgear developers; see LICENSE. */
/* Unit tests of gst/netgearsecurity: certificate files as pyzmq and czmq
 * write them, vidgear's key layout, how the settings resolve, and the ZAP
 * decision. Keys are made with libzmq's own zmq_curve_keypair. */
#include "netgearsecurity.h"
#include "unit.h"

#include <glib/gstdio.h>
#include <zmq.h>

#include <string>

using netgear::Role;
using netgear::SecurityConfig;
using netgear::SecuritySettings;

namespace {

struct Pair {
  std::string pub, sec;
};

Pair keypair() {
  char pub[41], sec[41];
  g_assert_cmpint(zmq_curve_keypair(pub, sec), ==, 0);
  return {pub, sec};
}

/* A certificate as pyzmq's zmq.auth.create_certificates writes it. */
std::string certificate(const Pair &p, bool with_secret) {
  std::string t = "#   ****  Generated on 2026-11-25 by pyzmq  ****\n"
                  "#   ZeroMQ CURVE " +
                  std::string(with_secret ? "**Secret** " : "Public ") +
                  "Certificate\n#   Exchange securely, or use a secure mechanism to verify the contents\n\n"
                  "metadata\ncurve\n    public-key = \"" +
                  p.pub + "\"\n";
  if (with_secret)
    t += "    secret-key = \"" + p.sec + "\"\n";
  return t;
}

void write(const std::string &path, const std::string &text) {
  g_assert_true(g_file_set_contents(path.c_str(), text.c_str(), static_cast<gssize>(text.size()), nullptr));
}

std::string join(const std::string &a, const std::string &b) {
  gchar *p = g_build_filename(a.c_str(), b.c_str(), nullptr);
  std::string s = p;
  g_free(p);
  return s;
}

/* A vidgear key set under root/.vidgear/keys. */
struct KeySet {
  std::string root, keys;
  Pair server, client;
  KeySet() {
    gchar *tmp = g_dir_make_tmp("netgear-sec-XXXXXX", nullptr);
    root = tmp;
    g_free(tmp);
    keys = join(join(root, ".vidgear"), "keys");
    g_mkdir_with_parents(join(keys, "public_keys").c_str(), 0700);
    g_mkdir_with_parents(join(keys, "private_keys").c_str(), 0700);
    server = keypair();
    client = keypair();
    write(join(join(keys, "public_keys"), "server.key"), certificate(server, false));
    write(join(join(keys, "public_keys"), "client.key"), certificate(client, false));
    write(join(join(keys, "private_keys"), "server.key_secret"), certificate(server, true));
    write(join(join(keys, "private_keys"), "client.key_secret"), certificate(client, true));
  }
  ~KeySet() {
    for (const char *f : {"public_keys/server.key", "public_keys/client.key", "private_keys/server.key_secret",
                          "private_keys/client.key_secret"})
      g_remove(join(keys, f).c_str());
    g_rmdir(join(keys, "public_keys").c_str());
    g_rmdir(join(keys, "private_keys").c_str());
    g_rmdir(keys.c_str());
    g_rmdir(join(root, ".vidgear").c_str());
    g_rmdir(root.c_str());
  }
};

void test_parse_certificate() {
  Pair p = keypair();
  std::string pub, sec, err;
  g_assert_true(netgear::parse_certificate(certificate(p, true), &pub, &sec, &err));
  g_assert_cmpstr(pub.c_str(), ==, p.pub.c_str());
  g_assert_true(sec == p.sec);
  /* A public certificate gives its key, and is refused where a secret one is needed. */
  g_assert_true(netgear::parse_certificate(certificate(p, false), &pub, nullptr, &err));
  g_assert_false(netgear::parse_certificate(certificate(p, false), &pub, &sec, &err));
  g_assert_true(err.find("secret-key") != std::string::npos);
  /* czmq writes single quotes too; spacing varies. */
  std::string czmq = "curve\n    public-key='" + p.pub + "'\n";
  g_assert_true(netgear::parse_certificate(czmq, &pub, nullptr, &err));
  g_assert_cmpstr(pub.c_str(), ==, p.pub.c_str());
  for (const std::string &bad : {std::string(""), std::string("curve\n    public-key = \"short\"\n"),
                                  std::string("public-key = \"") + std::string(40, '"') + "\"\n"})
    g_assert_false(netgear::parse_certificate(bad, &pub, nullptr, &err));
}

void test_z85() {
  Pair p = keypair();
  g_assert_true(netgear::valid_z85_key(p.pub));
  g_assert_false(netgear::valid_z85_key(p.pub.substr(1)));
  g_assert_false(netgear::valid_z85_key(std::string(40, '"'))); /* not in the Z85 alphabet */
  uint8_t raw[32];
  zmq_z85_decode(raw, p.pub.c_str());
  std::string text = netgear::z85_of(std::string(reinterpret_cast<char *>(raw), 32));
  g_assert_cmpstr(text.c_str(), ==, p.pub.c_str());
}

void test_keys_dir() {
  KeySet ks;
  /* The keys dir itself, its parent and vidgear's custom_cert_location. */
  for (const std::string &d : {ks.keys, join(ks.root, ".vidgear"), ks.root}) {
    std::string found = netgear::find_keys_dir(d);
    g_assert_cmpstr(found.c_str(), ==, ks.keys.c_str());
  }
  g_assert_true(netgear::find_keys_dir(join(ks.keys, "public_keys")).empty());

  SecuritySettings s;
  s.mode = netgear::SECURE_IRONHOUSE;
  s.keys_dir = ks.root;
  SecurityConfig rx, tx;
  std::string err;
  g_assert_true(netgear::resolve_security(s, Role::RECEIVER, &rx, &err));
  g_assert_cmpstr(rx.public_key.c_str(), ==, ks.server.pub.c_str());
  g_assert_true(rx.secret_key == ks.server.sec);
  /* As vidgear: every public key of the set is allowed. */
  g_assert_cmpuint(rx.allowed_keys.size(), ==, 2);
  g_assert_true(rx.allowed_keys.count(ks.client.pub) == 1);
  g_assert_true(netgear::resolve_security(s, Role::SENDER, &tx, &err));
  g_assert_cmpstr(tx.public_key.c_str(), ==, ks.client.pub.c_str());
  g_assert_true(tx.secret_key == ks.client.sec);
  g_assert_cmpstr(tx.server_key.c_str(), ==, ks.server.pub.c_str());
  tx.wipe();
  g_assert_true(tx.secret_key.empty());
}

void test_precedence_and_errors() {
  KeySet ks;
  Pair own = keypair(), other = keypair();
  SecuritySettings s;
  s.mode = netgear::SECURE_STONEHOUSE;
  s.keys_dir = ks.keys;
  s.public_key = own.pub;
  s.secret_key = own.sec;
  s.server_key = other.pub;
  SecurityConfig c;
  std::string err;
  g_assert_true(netgear::resolve_security(s, Role::SENDER, &c, &err));
  g_assert_cmpstr(c.public_key.c_str(), ==, own.pub.c_str());
  g_assert_cmpstr(c.server_key.c_str(), ==, other.pub.c_str());

  SecuritySettings none;
  none.mode = netgear::SECURE_STONEHOUSE;
  g_assert_false(netgear::resolve_security(none, Role::SENDER, &c, &err));
  g_assert_true(err.find("key pair") != std::string::npos);
  none.keys_dir = "/nonexistent-netgear";
  g_assert_false(netgear::resolve_security(none, Role::RECEIVER, &c, &err));
  g_assert_true(err.find("keys-dir") != std::string::npos);

  SecuritySettings half;
  half.mode = netgear::SECURE_STONEHOUSE;
  half.public_key = own.pub;
  g_assert_false(netgear::resolve_security(half, Role::RECEIVER, &c, &err));
  g_assert_true(err.find("secret-key") != std::string::npos);

  /* IronHouse with no allowed key is refused, not "allow nobody" by surprise. */
  SecuritySettings iron;
  iron.mode = netgear::SECURE_IRONHOUSE;
  iron.public_key = own.pub;
  iron.secret_key = own.sec;
  g_assert_false(netgear::resolve_security(iron, Role::RECEIVER, &c, &err));
  g_assert_true(err.find("allowed-keys") != std::string::npos);
  iron.allowed_keys = other.pub + ", " + join(join(ks.keys, "public_keys"), "client.key");
  g_assert_true(netgear::resolve_security(iron, Role::RECEIVER, &c, &err));
  g_assert_cmpuint(c.allowed_keys.size(), ==, 2);
  iron.allowed_keys = join(ks.keys, "public_keys");
  g_assert_true(netgear::resolve_security(iron, Role::RECEIVER, &c, &err));
  g_assert_cmpuint(c.allowed_keys.size(), ==, 2);
  iron.allowed_keys = "not-a-key-nor-a-file";
  g_assert_false(netgear::resolve_security(iron, Role::RECEIVER, &c, &err));
  g_assert_true(err.find("not-a-key-nor-a-file") != std::string::npos);

  /* An error never shows a secret key. */
  SecuritySettings leak;
  leak.mode = netgear::SECURE_STONEHOUSE;
  leak.public_key = own.pub;
  leak.secret_key = own.sec.substr(0, 39);
  g_assert_false(netgear::resolve_security(leak, Role::RECEIVER, &c, &err));
  g_assert_true(err.find(leak.secret_key) == std::string::npos);
}

void test_zap() {
  Pair allowed = keypair(), stranger = keypair();
  uint8_t raw[32];
  zmq_z85_decode(raw, allowed.pub.c_str());
  std::string good(reinterpret_cast<char *>(raw), 32);
  zmq_z85_decode(raw, stranger.pub.c_str());
  std::string bad(reinterpret_cast<char *>(raw), 32);

  SecurityConfig c;
  c.mode = netgear::SECURE_IRONHOUSE;
  c.allowed_keys.insert(allowed.pub);
  g_assert_true(netgear::zap_decide(c, "CURVE", "10.0.0.5", good).allowed);
  auto v = netgear::zap_decide(c, "CURVE", "10.0.0.5", bad);
  g_assert_false(v.allowed);
  g_assert_true(v.reason.find(stranger.pub) != std::string::npos);
  g_assert_false(netgear::zap_decide(c, "CURVE", "10.0.0.5", "short").allowed);
  g_assert_false(netgear::zap_decide(c, "NULL", "10.0.0.5", "").allowed);

  c.mode = netgear::SECURE_STONEHOUSE;
  g_assert_true(netgear::zap_decide(c, "CURVE", "10.0.0.5", bad).allowed);

  /* The address list applies in every mode, the peers' addresses (not
   * the receiver's own, as NetGear's). */
  c.allowed_addresses = {"10.0.0.5"};
  g_assert_true(netgear::zap_decide(c, "CURVE", "10.0.0.5", bad).allowed);
  v = netgear::zap_decide(c, "CURVE", "10.0.0.6", bad);
  g_assert_false(v.allowed);
  g_assert_true(v.reason.find("10.0.0.6") != std::string::npos);
  c.mode = netgear::SECURE_NONE;
  g_assert_true(netgear::zap_decide(c, "NULL", "10.0.0.5", "").allowed);
  g_assert_false(netgear::zap_decide(c, "NULL", "10.0.0.7", "").allowed);
  g_assert_true(c.active());
}

} // namespace

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, nullptr);
  g_test_set_nonfatal_assertions();
  unit::add("/security/certificate", test_parse_certificate);
  unit::add("/security/z85", test_z85);
  unit::add("/security/vidgear-keys-dir", test_keys_dir);
  unit::add("/security/precedence-and-errors", test_precedence_and_errors);
  unit::add("/security/zap", test_zap);
  return g_test_run();
}
