// SPDX-License-Identifier: MIT
#pragma once
/// libmosquitto, loaded with dlopen when an MQTT client is first created, not linked.
///
/// Why: libmosquitto links OpenSSL, and the dynamic loader touches about 1.4 MB of libcrypto pages
/// at start-up even when MQTT is off (bench/README.md "Daemon memory"). Most installations run
/// without MQTT on small boards, so the library is only mapped when `[mqtt]` is enabled.
/// The header is still used for types and constants; the functions come through this table.

#include <mosquitto.h>

namespace gxlink::publishers::mqtt {

struct MosquittoLibrary {
  decltype(&::mosquitto_lib_init) mosquitto_lib_init;
  decltype(&::mosquitto_strerror) mosquitto_strerror;
  decltype(&::mosquitto_connack_string) mosquitto_connack_string;
  decltype(&::mosquitto_new) mosquitto_new;
  decltype(&::mosquitto_destroy) mosquitto_destroy;
  decltype(&::mosquitto_connect_callback_set) mosquitto_connect_callback_set;
  decltype(&::mosquitto_message_callback_set) mosquitto_message_callback_set;
  decltype(&::mosquitto_username_pw_set) mosquitto_username_pw_set;
  decltype(&::mosquitto_tls_set) mosquitto_tls_set;
  decltype(&::mosquitto_tls_insecure_set) mosquitto_tls_insecure_set;
  decltype(&::mosquitto_will_set) mosquitto_will_set;
  decltype(&::mosquitto_connect_async) mosquitto_connect_async;
  decltype(&::mosquitto_disconnect) mosquitto_disconnect;
  decltype(&::mosquitto_socket) mosquitto_socket;
  decltype(&::mosquitto_want_write) mosquitto_want_write;
  decltype(&::mosquitto_loop_read) mosquitto_loop_read;
  decltype(&::mosquitto_loop_write) mosquitto_loop_write;
  decltype(&::mosquitto_loop_misc) mosquitto_loop_misc;
  decltype(&::mosquitto_publish) mosquitto_publish;
  decltype(&::mosquitto_subscribe) mosquitto_subscribe;
  decltype(&::mosquitto_publish_callback_set) mosquitto_publish_callback_set;  // upstream: PUBACK
  decltype(&::mosquitto_int_option) mosquitto_int_option;
};

/// Loads libmosquitto.so.1 once (thread-safe) and calls mosquitto_lib_init(); throws
/// std::runtime_error naming the library and the dlerror() text when it or a symbol is missing.
const MosquittoLibrary& mosquitto_library();

}  // namespace gxlink::publishers::mqtt
