// One sd_notify datagram from this process (docs/deployment.md): Node's dgram has no AF_UNIX
// datagram sockets, and a helper process would send with its own pid, which systemd refuses
// under NotifyAccess=main. A socket per message, as libsystemd's sd_notify does: the station
// sends one every few seconds, and nothing stays open for a fork or a stop to leak.
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <node_api.h>

// Sends `message` to the socket named `target` ("/path" or "@abstract"). Returns 0 or -errno.
static int send_datagram(const char *target, size_t target_len, const char *message, size_t message_len) {
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  socklen_t address_len;
  if (target_len == 0 || (target[0] != '/' && target[0] != '@')) return -EAFNOSUPPORT;
  if (target_len >= sizeof address.sun_path) return -ENAMETOOLONG;
  memcpy(address.sun_path, target, target_len);
  if (target[0] == '@') {
    // An abstract name: a leading NUL, and the length says where the name ends.
    address.sun_path[0] = '\0';
    address_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + target_len);
  } else {
    address_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + target_len + 1);
  }
  // Non-blocking: a full receive queue is reported (EAGAIN), never a stalled event loop.
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  ssize_t sent;
  do {
    sent = sendto(fd, message, message_len, MSG_NOSIGNAL, (struct sockaddr *)&address, address_len);
  } while (sent < 0 && errno == EINTR);
  int result = sent < 0 ? -errno : 0;
  close(fd);
  return result;
}

static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, NULL, "send(socket, message) takes two strings");
    return NULL;
  }
  char target[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  size_t target_len = 0;
  if (napi_get_value_string_utf8(env, argv[0], target, sizeof target, &target_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "socket must be a string");
    return NULL;
  }
  // A name that filled the buffer may have been cut: refuse it rather than send elsewhere.
  if (target_len >= sizeof target - 1) target_len = sizeof target;
  size_t message_len = 0;
  if (napi_get_value_string_utf8(env, argv[1], NULL, 0, &message_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "message must be a string");
    return NULL;
  }
  char message[4096];
  if (message_len >= sizeof message) {
    napi_throw_range_error(env, NULL, "message longer than 4095 bytes");
    return NULL;
  }
  napi_get_value_string_utf8(env, argv[1], message, sizeof message, &message_len);
  napi_value result;
  napi_create_int32(env, send_datagram(target, target_len, message, message_len), &result);
  return result;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "send", NAPI_AUTO_LENGTH, Send, NULL, &fn);
  napi_set_named_property(env, exports, "send", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
