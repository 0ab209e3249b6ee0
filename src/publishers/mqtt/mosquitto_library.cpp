// SPDX-License-Identifier: MIT
#include "publishers/mqtt/mosquitto_library.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace gxlink::publishers::mqtt {
namespace {

// The soname Debian's libmosquitto1 ships (ABI 1 since mosquitto 1.x).
constexpr const char* kSoname = "libmosquitto.so.1";

template <class Fn>
void bind(void* handle, const char* name, Fn& slot) {
  void* sym = ::dlsym(handle, name);
  if (!sym) throw std::runtime_error(std::string("mqtt: ") + kSoname + " has no " + name);
  slot = reinterpret_cast<Fn>(sym);
}

MosquittoLibrary load() {
  void* h = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = ::dlerror();
    throw std::runtime_error(std::string("mqtt: cannot load ") + kSoname + ": " +
                             (e ? e : "unknown error"));
  }
  MosquittoLibrary l{};
#define GXLINK_BIND(fn) bind(h, #fn, l.fn)
  GXLINK_BIND(mosquitto_lib_init);
  GXLINK_BIND(mosquitto_strerror);
  GXLINK_BIND(mosquitto_connack_string);
  GXLINK_BIND(mosquitto_new);
  GXLINK_BIND(mosquitto_destroy);
  GXLINK_BIND(mosquitto_connect_callback_set);
  GXLINK_BIND(mosquitto_message_callback_set);
  GXLINK_BIND(mosquitto_username_pw_set);
  GXLINK_BIND(mosquitto_tls_set);
  GXLINK_BIND(mosquitto_tls_insecure_set);
  GXLINK_BIND(mosquitto_will_set);
  GXLINK_BIND(mosquitto_connect_async);
  GXLINK_BIND(mosquitto_disconnect);
  GXLINK_BIND(mosquitto_socket);
  GXLINK_BIND(mosquitto_want_write);
  GXLINK_BIND(mosquitto_loop_read);
  GXLINK_BIND(mosquitto_loop_write);
  GXLINK_BIND(mosquitto_loop_misc);
  GXLINK_BIND(mosquitto_publish);
  GXLINK_BIND(mosquitto_subscribe);
  GXLINK_BIND(mosquitto_publish_callback_set);
  GXLINK_BIND(mosquitto_int_option);
#undef GXLINK_BIND
  l.mosquitto_lib_init();
  return l;  // the handle stays open for the life of the process, on purpose
}

}  // namespace

const MosquittoLibrary& mosquitto_library() {
  static const MosquittoLibrary kLibrary =
      load();  // a throw leaves it unset: the next call retries
  return kLibrary;
}

}  // namespace gxlink::publishers::mqtt
